"""A user's own account: binding another home, his API tokens.

These pages act only on the logged-in user's own account; they need no role in any community
(docs/security.md, "Accounts and activation").
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from sunlit.core import services, throttle
from sunlit.core.context import client_address
from sunlit.core.models import ApiToken
from sunlit.core.tenancy import switch_community
from sunlit.web.forms import ApiTokenForm, BindHomeForm
from sunlit.web.views.auth import throttled


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def bind_home(request):
    """绑定新房屋: the code printed for a home and the user's own password again."""
    form = BindHomeForm(request.POST or None)
    if request.method != "POST":
        return render(request, "web/bind_home.html", {"form": form})
    keys = [("activation.address", client_address(request)),
            ("binding.account", request.user.pk),
            ("activation.code", services.normalize_code(request.POST.get("code", "")))]
    refused = throttle.blocked(keys)
    if refused is not None:
        return throttled(request, refused, back="web:bind_home")
    if form.is_valid():
        try:
            person = services.bind_home(request.user, code=form.cleaned_data["code"],
                                        password=form.cleaned_data["password"])
        except services.ActivationError as exc:
            throttle.failed(keys)
            for field, errors in exc.error_dict.items():
                for error in errors:
                    form.add_error(field if field in form.fields else None, error)
        else:
            switch_community(request, person.community_id)
            messages.success(request, _("房屋已绑定到您的账号：%(community)s") % {
                "community": person.community.name})
            return redirect("web:owner_home")
    return render(request, "web/bind_home.html", {"form": form}, status=400)


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def api_tokens(request):
    """接口令牌: the user's own tokens (name, prefix, dates, state); a new one is shown once."""
    form = ApiTokenForm(request.POST or None)
    secret, status = "", 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                secret = services.create_api_token(request.user, name=form.cleaned_data["name"],
                                                   valid_days=form.cleaned_data["valid_days"])
            except ValidationError as exc:
                for field, errors in exc.message_dict.items():
                    form.add_error(field if field in form.fields else None, errors)
            else:
                status, form = 200, ApiTokenForm()
    now = timezone.now()
    tokens = [(token, token.state(now)) for token in
              ApiToken.objects.filter(user=request.user).order_by("-created_at", "-pk")]
    return render(request, "web/api_tokens.html", {
        "form": form, "secret": secret, "tokens": tokens, "states": ApiToken.State,
    }, status=status)


@login_required
@require_POST
def api_token_revoke(request, token_id: int):
    """吊销: at once; another user's token is a 404."""
    token = get_object_or_404(ApiToken.objects.filter(user=request.user), pk=token_id)
    services.revoke_api_token(token, actor=request.user)
    messages.success(request, _("令牌 %(name)s 已吊销") % {"name": token.name})
    return redirect("web:api_tokens")
