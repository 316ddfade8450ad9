"""Forms of the vote pages; they only parse input, services validate and save."""

from __future__ import annotations

import re

from django import forms
from django.utils.translation import gettext_lazy as _

from sunlit.governance.votes.choices import Channel, Choice, MatterKind, VoteScope
from sunlit.governance.votes.models import DEFAULT_NOTICE_DAYS

INPUT = {"class": "form-control"}
SELECT = {"class": "form-select"}
WHEN = {"class": "form-control", "type": "datetime-local"}
WHEN_FORMATS = ["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S"]


def when_field(label, required=True) -> forms.DateTimeField:
    """A moment typed on a phone or a desktop (``datetime-local``), in the community's time."""
    return forms.DateTimeField(label=label, input_formats=WHEN_FORMATS, required=required,
                               widget=forms.DateTimeInput(attrs=WHEN, format="%Y-%m-%dT%H:%M"))


class VoteForm(forms.Form):
    title = forms.CharField(label=_("表决事项"), max_length=100,
                            widget=forms.TextInput(attrs=INPUT))
    matter = forms.ChoiceField(label=_("事项类别（《民法典》第二百七十八条）"),
                               choices=MatterKind.choices, widget=forms.Select(attrs=SELECT))
    description = forms.CharField(label=_("事项说明"), max_length=10000,
                                  widget=forms.Textarea(attrs=INPUT | {"rows": 6}))
    scope = forms.ChoiceField(label=_("表决范围"), choices=VoteScope.choices,
                              widget=forms.Select(attrs=SELECT))
    buildings = forms.ModelMultipleChoiceField(
        label=_("楼栋（按楼栋表决时）"), queryset=None, required=False,
        widget=forms.SelectMultiple(attrs=SELECT))
    units = forms.CharField(
        label=_("房屋（按房屋表决时）"), required=False,
        help_text=_("每行一户，写作“楼栋-单元-房号”，如 1号楼-1单元-101"),
        widget=forms.Textarea(attrs=INPUT | {"rows": 3}))
    opens_at = when_field(_("投票开始"))
    closes_at = when_field(_("投票截止"))
    notice_days = forms.IntegerField(label=_("公告期(天)"), initial=DEFAULT_NOTICE_DAYS,
                                     min_value=0, max_value=90,
                                     widget=forms.NumberInput(attrs=INPUT))

    def __init__(self, *args, buildings=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["buildings"].queryset = buildings

    def unit_labels(self) -> list[str]:
        return [part.strip() for part in re.split(r"[\n,，、;；]+", self.cleaned_data["units"])
                if part.strip()]


class CastForm(forms.Form):
    unit = forms.IntegerField()
    choice = forms.ChoiceField(choices=Choice.choices)


class EnterBallotForm(forms.Form):
    unit = forms.CharField(label=_("房屋（楼栋-单元-房号）"), max_length=80,
                           widget=forms.TextInput(attrs=INPUT))
    person = forms.CharField(label=_("签署业主姓名"), max_length=100, required=False,
                             help_text=_("该房屋只有一位业主时可不填"),
                             widget=forms.TextInput(attrs=INPUT))
    choice = forms.ChoiceField(label=_("表决意见"), choices=Choice.choices,
                               widget=forms.RadioSelect)
    channel = forms.ChoiceField(label=_("投票方式"), widget=forms.Select(attrs=SELECT),
                                choices=[(c.value, c.label) for c in (Channel.PAPER,
                                                                      Channel.PROXY)])
    received_at = when_field(_("收票时间"))
    scan = forms.FileField(label=_("表决票扫描件（照片）"), required=False,
                           widget=forms.ClearableFileInput(attrs=INPUT | {"accept": "image/*"}))
    authorisation = forms.FileField(
        label=_("授权委托书（委托投票时）"), required=False,
        widget=forms.ClearableFileInput(attrs=INPUT | {"accept": "image/*"}))
    proxy_name = forms.CharField(label=_("受托人姓名（委托投票时）"), max_length=50,
                                 required=False, widget=forms.TextInput(attrs=INPUT))


class ExtendForm(forms.Form):
    closes_at = when_field(_("新的投票截止时间"))


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("原因"), max_length=200, widget=forms.TextInput(attrs=INPUT))
