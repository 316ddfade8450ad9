"""Log in and out, lock-outs, account activation, the language switch."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.views import LoginView, LogoutView
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from sunlit.core import passwords, throttle
from sunlit.core.context import client_address
from sunlit.core.forms import apply_errors
from sunlit.core.redirects import is_safe_path, safe_next
from sunlit.core.services import ACCOUNT_EXISTS, ActivationError, activate_account, normalize_code
from sunlit.core.validators import normalize_mobile
from sunlit.web.forms import ActivationForm, LoginForm, MobileResetConfirmForm, MobileResetForm


class SafeNextMixin:
    """``next`` after logging in or out is followed only when ``core.redirects`` finds it safe."""

    def get_redirect_url(self):
        name = self.redirect_field_name
        target = self.request.POST.get(name, self.request.GET.get(name, ""))
        return target if is_safe_path(target, host=self.request.get_host()) else ""


class SunlitLoginView(SafeNextMixin, LoginView):
    """Login by mobile number or username. Failures are counted twice: per account and address
    by django-axes (keyed on the account, ``core.auth.throttle_key``), and per address across
    all accounts here (``core.throttle``, ``login.address``)."""

    form_class = LoginForm
    template_name = "web/login.html"
    redirect_authenticated_user = True

    def post(self, request, *args, **kwargs):
        refused = throttle.blocked([("login.address", client_address(request))])
        if refused is not None:
            return throttled(request, refused)
        return super().post(request, *args, **kwargs)

    def form_invalid(self, form):
        if form.has_error(NON_FIELD_ERRORS, "invalid_login"):
            throttle.failed([("login.address", client_address(self.request))])
        response = super().form_invalid(form)
        response.status_code = 400
        return response


class SunlitLogoutView(SafeNextMixin, LogoutView):
    pass


def locked_out(request, credentials=None, *args, **kwargs):
    """django-axes calls this when one account failed too often from one address."""
    minutes = settings.SUNLIT_LOGIN_COOLOFF_MINUTES
    response = render(request, "web/throttled.html", {
        "title": _("登录失败次数过多"),
        "message": _("为保护您的账号，该账号在此网络地址的登录已暂停 %(minutes)s 分钟。"
                     "请稍后再试，或用“忘记密码”重设密码、联系物业客服。") % {"minutes": minutes},
        "back": "web:login",
    }, status=429)
    response["Retry-After"] = str(minutes * 60)
    return response


# Lazy: a module-level text is read per request, in the language the user chose.
THROTTLED_TEXTS = {
    "login.address": (gettext_lazy("登录失败次数过多"),
                      gettext_lazy("此网络地址的登录失败次数过多，"
                                   "登录已暂停 %(minutes)s 分钟，请稍后再试。")),
}


def throttled(request, rule: throttle.Rule, *, back: str = "web:login"):
    """The Chinese lock-out page, status 429, for a rule of ``core.throttle``."""
    title, message = THROTTLED_TEXTS.get(rule.scope, (
        _("尝试次数过多"),
        _("开户或绑定房屋的失败次数过多，已暂停 %(minutes)s 分钟。请核对纸质通知上的激活码"
          "和物业登记的手机号，稍后再试，或联系物业客服。")))
    response = render(request, "web/throttled.html", {
        "title": title, "message": message % {"minutes": rule.minutes}, "back": back,
    }, status=429)
    response["Retry-After"] = str(rule.minutes * 60)
    return response


def _counts_as_failure(exc: ActivationError) -> bool:
    """A wrong code or mobile counts against the throttle; a too weak new password does not."""
    return set(exc.error_dict) != {"password"}


@require_http_methods(["GET", "POST"])
def activate(request):
    """开户: a new account for an owner on the roster, with the code from the paper list.

    Only ever creates a new account (``core.services.activate_account``); when the mobile
    number has an account already, the owner is told to log in and bind the home there."""
    form = ActivationForm(request.POST or None)
    if request.method != "POST":
        return render(request, "web/activate.html", {"form": form})
    keys = [("activation.address", client_address(request)),
            ("activation.code", normalize_code(request.POST.get("code", ""))),
            ("activation.mobile", normalize_mobile(request.POST.get("mobile", ""))[:20])]
    refused = throttle.blocked(keys)
    if refused is not None:
        return throttled(request, refused, back="web:activate")
    account_exists = False
    if form.is_valid():
        try:
            user = activate_account(code=form.cleaned_data["code"],
                                    mobile=form.cleaned_data["mobile"],
                                    password=form.cleaned_data["password"])
        except ActivationError as exc:
            if _counts_as_failure(exc):
                throttle.failed(keys)
            for field, errors in exc.error_dict.items():
                for error in errors:
                    account_exists |= error.code == ACCOUNT_EXISTS
                    form.add_error(field if field in form.fields else None, error)
        else:
            login(request, user, backend="sunlit.core.auth.MobileOrUsernameBackend")
            messages.success(request, _("开户成功，欢迎使用阳光物业。"))
            return redirect("web:home")
    return render(request, "web/activate.html", {"form": form, "account_exists": account_exists},
                  status=400)


@require_POST
def set_language(request):
    """The 中文 / English switch: a cookie, then back to a safe ``next`` (else home)."""
    language = request.POST.get("language", "")
    response = redirect(safe_next(request, "web:home"))
    if language in dict(settings.LANGUAGES):
        response.set_cookie(
            settings.LANGUAGE_COOKIE_NAME, language, max_age=settings.LANGUAGE_COOKIE_AGE,
            path=settings.LANGUAGE_COOKIE_PATH, domain=settings.LANGUAGE_COOKIE_DOMAIN,
            secure=settings.LANGUAGE_COOKIE_SECURE, httponly=settings.LANGUAGE_COOKIE_HTTPONLY,
            samesite=settings.LANGUAGE_COOKIE_SAMESITE)
    return response


@require_http_methods(["GET", "POST"])
def password_reset_mobile(request):
    """找回密码（短信）: the code goes to the account's own mobile number; the answer is the
    same whether or not the number has an account."""
    form = MobileResetForm(request.POST or None)
    if not passwords.sms_available():
        return render(request, "web/message_page.html", {
            "title": _("找回密码"),
            "message": _("本系统未开通短信验证码。请用绑定的邮箱找回密码，或带身份证件到物业服务中心重置。"),
        })
    if request.method == "POST" and form.is_valid():
        try:
            passwords.request_mobile_reset(form.cleaned_data["mobile"], address=client_address(request))
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            request.session["reset_mobile"] = normalize_mobile(form.cleaned_data["mobile"])
            messages.success(request, _("如果该手机号已注册，验证码已发送，%(n)s 分钟内有效。")
                             % {"n": settings.SUNLIT_RESET_CODE_MINUTES})
            return redirect("web:password_reset_mobile_confirm")
    return render(request, "web/form_page.html", {"form": form, "title": _("用手机验证码找回密码")},
                  status=400 if form.errors else 200)


@require_http_methods(["GET", "POST"])
def password_reset_mobile_confirm(request):
    form = MobileResetConfirmForm(request.POST or None,
                                  initial={"mobile": request.session.get("reset_mobile", "")})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            passwords.reset_with_code(data["mobile"], data["code"], data["password"])
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            request.session.pop("reset_mobile", None)
            return redirect("web:password_reset_complete")
    return render(request, "web/form_page.html", {"form": form, "title": _("设置新密码")},
                  status=400 if form.errors else 200)
