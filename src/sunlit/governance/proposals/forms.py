"""Forms of the proposal pages; they only parse input, the services validate and save."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from sunlit.governance.proposals.choices import Decision, ProposalCategory, ProposalKind
from sunlit.governance.proposals.models import (
    DEFAULT_ANSWER_DAYS,
    DEFAULT_CONVENE_DAYS,
    DEFAULT_SUPPORT_THRESHOLD,
)
from sunlit.governance.votes.choices import MatterKind
from sunlit.governance.votes.forms import INPUT, SELECT, WHEN, WHEN_FORMATS
from sunlit.tickets.forms import PhotosField


class ProposalForm(forms.Form):
    kind = forms.ChoiceField(label=_("提议类型"), choices=ProposalKind.choices,
                             widget=forms.Select(attrs=SELECT))
    title = forms.CharField(label=_("标题"), max_length=100, widget=forms.TextInput(attrs=INPUT))
    category = forms.ChoiceField(label=_("类别"), choices=ProposalCategory.choices,
                                 initial=ProposalCategory.OTHER, widget=forms.Select(attrs=SELECT))
    text = forms.CharField(label=_("内容"), max_length=5000,
                           help_text=_("说清楚现状、建议怎么做、大概要花多少钱"),
                           widget=forms.Textarea(attrs=INPUT | {"rows": 6}))
    photos = PhotosField(label=_("照片（可选，最多 9 张）"))


class AnswerForm(forms.Form):
    decision = forms.ChoiceField(label=_("答复结论"), choices=Decision.choices,
                                 widget=forms.Select(attrs=SELECT))
    answer = forms.CharField(label=_("公开答复"), max_length=5000,
                             widget=forms.Textarea(attrs=INPUT | {"rows": 6}))
    meeting_on = forms.DateField(label=_("临时业主大会召开日期（组织召开时）"), required=False,
                                 widget=forms.DateInput(attrs=INPUT | {"type": "date"}))
    matter = forms.ChoiceField(label=_("表决事项类别（转为表决时）"), required=False,
                               choices=[("", "—"), *MatterKind.choices],
                               widget=forms.Select(attrs=SELECT))
    opens_at = forms.DateTimeField(label=_("投票开始（转为表决时）"), required=False,
                                   input_formats=WHEN_FORMATS,
                                   widget=forms.DateTimeInput(attrs=WHEN, format="%Y-%m-%dT%H:%M"))
    closes_at = forms.DateTimeField(label=_("投票截止（转为表决时）"), required=False,
                                    input_formats=WHEN_FORMATS,
                                    widget=forms.DateTimeInput(attrs=WHEN, format="%Y-%m-%dT%H:%M"))

    def __init__(self, *args, decisions=None, **kwargs):
        super().__init__(*args, **kwargs)
        if decisions is not None:
            self.fields["decision"].choices = [(d, Decision(d).label) for d in decisions]


class CloseForm(forms.Form):
    note = forms.CharField(label=_("办结说明"), max_length=200, widget=forms.TextInput(attrs=INPUT))


class PolicyForm(forms.Form):
    support_threshold = forms.IntegerField(label=_("金点子答复门槛（支持人数）"), min_value=1,
                                           max_value=100000, initial=DEFAULT_SUPPORT_THRESHOLD,
                                           widget=forms.NumberInput(attrs=INPUT))
    answer_days = forms.IntegerField(label=_("答复期限（天）"), min_value=1, max_value=90,
                                     initial=DEFAULT_ANSWER_DAYS,
                                     widget=forms.NumberInput(attrs=INPUT))
    convene_days = forms.IntegerField(label=_("召集临时业主大会期限（天）"), min_value=1,
                                      max_value=90, initial=DEFAULT_CONVENE_DAYS,
                                      widget=forms.NumberInput(attrs=INPUT))
    interim_counts_area = forms.BooleanField(
        label=_("临时业主大会提议须同时达到20%专有面积"), required=False,
        help_text=_("《业主大会和业主委员会指导规则》第二十三条；不勾选时按《物业管理条例》第十三条只计人数"),
        widget=forms.CheckboxInput(attrs={"class": "form-check-input"}))
    reason = forms.CharField(label=_("理由（提高门槛或延长期限须业委会确认时必填）"), max_length=200,
                             required=False, widget=forms.TextInput(attrs=INPUT))
