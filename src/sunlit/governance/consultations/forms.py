"""Forms of public comment: the period, its documents, comments and answers."""

from __future__ import annotations

import re

from django import forms
from django.utils.translation import gettext_lazy as _

from sunlit.governance.consultations.models import ConsultationKind, ConsultationTopic
from sunlit.governance.votes.forms import INPUT, SELECT, when_field

SPLIT = re.compile(r"[\s,，、;；]+")



class ConsultationForm(forms.Form):
    kind = forms.ChoiceField(label=_("类型"), choices=ConsultationKind.choices,
                             widget=forms.Select(attrs=SELECT))
    topic = forms.ChoiceField(label=_("事项类别"), choices=ConsultationTopic.choices,
                              widget=forms.Select(attrs=SELECT))
    title = forms.CharField(label=_("事项"), max_length=100, widget=forms.TextInput(attrs=INPUT))
    description = forms.CharField(label=_("事项说明"), max_length=10000,
                                  widget=forms.Textarea(attrs=INPUT | {"rows": 6}))
    starts_at = when_field(_("公示开始"))
    ends_at = when_field(_("公示截止"))


class DocumentForm(forms.Form):
    title = forms.CharField(label=_("材料名称"), max_length=100, widget=forms.TextInput(attrs=INPUT))
    file = forms.FileField(label=_("文件（PDF 或图片）"), widget=forms.ClearableFileInput(
        attrs=INPUT | {"accept": "application/pdf,image/*"}))


class TextForm(forms.Form):
    text = forms.CharField(label=_("内容"), max_length=5000,
                           widget=forms.Textarea(attrs=INPUT | {"rows": 3}))
