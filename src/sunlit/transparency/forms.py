"""Forms of the log pages; they only parse input, services validate and save."""

from django import forms
from django.utils.translation import gettext_lazy as _

INPUT = {"class": "form-control"}


class WitnessKeyForm(forms.Form):
    name = forms.CharField(label=_("名称"), max_length=60, widget=forms.TextInput(attrs=INPUT),
                           help_text=_("例如：业委会见证节点（张主任的电脑）"))
    vkey = forms.CharField(label=_("见证人公钥"), max_length=300,
                           widget=forms.TextInput(attrs=INPUT | {"autocomplete": "off",
                                                                 "spellcheck": "false"}),
                           help_text=_("sunlit witness init 打印的 name+keyid+key"))
    url = forms.CharField(label=_("见证服务地址（可选）"), max_length=300, required=False,
                          widget=forms.TextInput(attrs=INPUT | {"inputmode": "url"}),
                          help_text=_("运行 sunlit witness serve 时填写，日志签发后会主动请求联署"))

    reason = forms.CharField(label=_("理由（物业公司提请业委会确认时必填）"), max_length=200,
                             required=False, widget=forms.TextInput(attrs=INPUT))
