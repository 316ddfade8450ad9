"""Forms of the shared pages: login, account activation, binding a home, API tokens."""

from django import forms
from django.conf import settings
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


def _new_password(label):
    return forms.CharField(label=label, strip=False, help_text=_("至少 8 位，不能全是数字"),
                           widget=forms.PasswordInput(attrs={"class": "form-control",
                                                             "autocomplete": "new-password"}))


class NewPasswordTwice(forms.Form):
    """A new password typed twice; the second must be the first."""

    def clean(self):
        data = super().clean()
        if data.get("password") and data.get("password") != data.get("password2"):
            self.add_error("password2", _("两次输入的密码不一致"))
        return data


class ActivationForm(NewPasswordTwice):
    mobile = forms.CharField(label=_("手机号"), max_length=20,
                             widget=forms.TextInput(attrs={"class": "form-control",
                                                           "inputmode": "tel"}))
    code = forms.CharField(label=_("激活码"), max_length=20,
                           widget=forms.TextInput(attrs={"class": "form-control",
                                                         "autocapitalize": "characters"}))
    password = _new_password(_("设置密码"))
    password2 = forms.CharField(label=_("再次输入密码"), strip=False,
                                widget=forms.PasswordInput(attrs={"class": "form-control",
                                                                  "autocomplete": "new-password"}))


class BindHomeForm(forms.Form):
    """绑定新房屋: the code printed for the home, and the account's own password again."""

    code = forms.CharField(label=_("激活码"), max_length=20,
                           help_text=_("物业发放的纸质通知上的 10 位激活码"),
                           widget=forms.TextInput(attrs={"class": "form-control",
                                                         "autocapitalize": "characters",
                                                         "autocomplete": "off"}))
    password = forms.CharField(label=_("当前账号的登录密码"), strip=False,
                               widget=forms.PasswordInput(attrs={"class": "form-control",
                                                                 "autocomplete": "current-password"}))


class ApiTokenForm(forms.Form):
    """A new API token for an integration (a gate, a script)."""

    name = forms.CharField(label=_("名称"), max_length=60,
                           help_text=_("用途，如“东门道闸”"),
                           widget=forms.TextInput(attrs={"class": "form-control"}))
    valid_days = forms.IntegerField(label=_("有效天数"), min_value=1, max_value=3650,
                                    widget=forms.NumberInput(attrs={"class": "form-control"}))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["valid_days"].initial = settings.SUNLIT_API_TOKEN_DAYS
        self.fields["valid_days"].help_text = _("到期后自动失效，默认 %(days)s 天") % {
            "days": settings.SUNLIT_API_TOKEN_DAYS}


class MobileResetForm(forms.Form):
    mobile = forms.CharField(label=_("手机号"), max_length=20,
                             widget=forms.TextInput(attrs={"class": "form-control", "inputmode": "tel",
                                                           "autocomplete": "tel"}))


class MobileResetConfirmForm(NewPasswordTwice):
    mobile = forms.CharField(label=_("手机号"), max_length=20,
                             widget=forms.TextInput(attrs={"class": "form-control", "inputmode": "tel"}))
    code = forms.CharField(label=_("短信验证码"), max_length=6,
                           widget=forms.TextInput(attrs={"class": "form-control", "inputmode": "numeric",
                                                         "autocomplete": "one-time-code"}))
    password = _new_password(_("新密码"))
    password2 = forms.CharField(label=_("再次输入新密码"), strip=False,
                                widget=forms.PasswordInput(attrs={"class": "form-control",
                                                                  "autocomplete": "new-password"}))
