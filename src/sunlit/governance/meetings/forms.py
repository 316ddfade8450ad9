"""Forms of the meeting and public comment pages; they only parse, services validate."""

from __future__ import annotations

import re

from django import forms
from django.utils.translation import gettext_lazy as _

from sunlit.governance.meetings.models import MeetingKind, Organiser
from sunlit.governance.votes.forms import INPUT, SELECT, when_field

SPLIT = re.compile(r"[\s,，、;；]+")


class MeetingForm(forms.Form):
    kind = forms.ChoiceField(label=_("会议类型"), choices=MeetingKind.choices,
                             widget=forms.Select(attrs=SELECT))
    title = forms.CharField(label=_("会议名称"), max_length=100, widget=forms.TextInput(attrs=INPUT))
    organiser = forms.ChoiceField(label=_("召集人"), choices=Organiser.choices,
                                  widget=forms.Select(attrs=SELECT))
    starts_at = when_field(_("开始时间"))
    ends_at = when_field(_("预计结束"), required=False)
    place = forms.CharField(label=_("地点"), max_length=100, required=False,
                            widget=forms.TextInput(attrs=INPUT))
    online_link = forms.CharField(label=_("线上会议链接"), max_length=300, required=False,
                                  widget=forms.TextInput(attrs=INPUT | {"inputmode": "url"}))
    description = forms.CharField(label=_("会议说明"), max_length=10000, required=False,
                                  widget=forms.Textarea(attrs=INPUT | {"rows": 3}))
    agenda = forms.CharField(label=_("议程"), max_length=20000, required=False,
                             help_text=_("每行一项，按顺序；可写作“议题：说明”"),
                             widget=forms.Textarea(attrs=INPUT | {"rows": 5}))

    def agenda_items(self) -> list[tuple[str, str]]:
        items = []
        for line in self.cleaned_data["agenda"].splitlines():
            title, _sep, description = line.strip().partition("：")
            if title.strip():
                items.append((title.strip(), description.strip()))
        return items


class InviteForm(forms.Form):
    user = forms.ModelChoiceField(label=_("邀请参会"), queryset=None,
                                  widget=forms.Select(attrs=SELECT))

    def __init__(self, *args, users=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["user"].queryset = users
        self.fields["user"].label_from_instance = lambda u: u.display_name or u.username


class DecisionForm(forms.Form):
    text = forms.CharField(label=_("决定内容"), max_length=2000,
                           widget=forms.Textarea(attrs=INPUT | {"rows": 3}))
    votes = forms.CharField(label=_("关联表决（编号）"), required=False, max_length=500,
                            widget=forms.TextInput(attrs=INPUT | {"list": "vote-numbers"}))
    tickets = forms.CharField(label=_("关联工单（工单号）"), required=False, max_length=1000,
                              widget=forms.TextInput(attrs=INPUT | {"list": "ticket-numbers"}))
    entries = forms.CharField(label=_("关联记账凭证（凭证号）"), required=False, max_length=1000,
                              widget=forms.TextInput(attrs=INPUT | {"list": "entry-numbers"}))

    def numbers(self, name: str) -> list[str]:
        return [p for p in SPLIT.split(self.cleaned_data[name].strip()) if p]


class MinutesForm(forms.Form):
    text = forms.CharField(label=_("纪要正文"), max_length=50000, required=False,
                           widget=forms.Textarea(attrs=INPUT | {"rows": 8}))
    document = forms.FileField(label=_("纪要文件（PDF，可选）"), required=False,
                               widget=forms.ClearableFileInput(
                                   attrs=INPUT | {"accept": "application/pdf"}))
