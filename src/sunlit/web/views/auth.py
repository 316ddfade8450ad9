"""Log in, lock-out, account activation."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.views import LoginView
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from sunlit.core.services import ActivationError, activate_account
from sunlit.web.forms import ActivationForm, LoginForm


class SunlitLoginView(LoginView):
    form_class = LoginForm
    template_name = "web/login.html"
    redirect_authenticated_user = True


def locked_out(request, credentials=None, *args, **kwargs):
    """django-axes calls this when an account/address pair failed too often."""
    return render(request, "web/locked_out.html", status=429)


@require_http_methods(["GET", "POST"])
def activate(request):
    form = ActivationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            user = activate_account(code=form.cleaned_data["code"],
                                    mobile=form.cleaned_data["mobile"],
                                    password=form.cleaned_data["password"])
        except ActivationError as exc:
            for field, errors in exc.message_dict.items():
                for error in errors:
                    form.add_error(field if field in form.fields else None, error)
        else:
            login(request, user, backend="sunlit.core.auth.MobileOrUsernameBackend")
            messages.success(request, _("开户成功，欢迎使用阳光物业。"))
            return redirect("web:home")
    return render(request, "web/activate.html", {"form": form})
