"""Forms of the shared pages: login and account activation."""

from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.utils.translation import gettext_lazy as _


class LoginForm(AuthenticationForm):
    username = forms.CharField(
        label=_("手机号或用户名"), max_length=150,
        widget=forms.TextInput(attrs={"autofocus": True, "class": "form-control",
                                      "autocomplete": "username", "inputmode": "text"}),
    )
    password = forms.CharField(
        label=_("密码"), strip=False,
        widget=forms.PasswordInput(attrs={"class": "form-control",
                                          "autocomplete": "current-password"}),
    )
    error_messages = {
        "invalid_login": _("手机号/用户名或密码不正确。"),
        "inactive": _("该账号已停用。"),
    }


class ActivationForm(forms.Form):
    mobile = forms.CharField(label=_("手机号"), max_length=20,
                             widget=forms.TextInput(attrs={"class": "form-control",
                                                           "inputmode": "tel"}))
    code = forms.CharField(label=_("激活码"), max_length=20,
                           widget=forms.TextInput(attrs={"class": "form-control",
                                                         "autocapitalize": "characters"}))
    password = forms.CharField(label=_("设置密码"), strip=False,
                               help_text=_("至少 8 位，不能全是数字"),
                               widget=forms.PasswordInput(attrs={"class": "form-control",
                                                                 "autocomplete": "new-password"}))
    password2 = forms.CharField(label=_("再次输入密码"), strip=False,
                                widget=forms.PasswordInput(attrs={"class": "form-control",
                                                                  "autocomplete": "new-password"}))

    def clean(self):
        data = super().clean()
        if data.get("password") and data.get("password") != data.get("password2"):
            self.add_error("password2", _("两次输入的密码不一致"))
        return data
