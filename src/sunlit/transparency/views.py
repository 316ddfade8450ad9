"""The log over HTTP: C2SP tlog-tiles under ``/log/<path>/``, the public directory, the log page.

- ``GET /log/``                         public JSON directory: origin, base URL, verifier key
- ``GET /log/<path>/``                  the log's public page (verifier key, latest checkpoint)
- ``GET /log/<path>/checkpoint``        the latest signed checkpoint (text/plain), with the
                                        cosignatures of the community's registered witnesses
- ``POST /log/<path>/cosign``           a witness submits its cosignature (C2SP tlog-cosignature)
- ``POST /log/<path>/witnesses[/<id>/revoke]``  the committee registers or revokes a witness
- ``GET /log/<path>/tile/<L>/<N>[.p/<W>]``       hash tiles (public)
- ``GET /log/<path>/tile/entries/<N>[.p/<W>]``   entry bundles (members and auditors only)

Tiles are immutable, so they are sent with a one-year ``immutable`` cache lifetime (entry
bundles privately, hash tiles publicly); the checkpoint changes, so it may be cached for a few
seconds only.
"""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST, require_safe

from sunlit.core.forms import apply_errors, flash_errors
from sunlit.core.permissions import can
from sunlit.core.services import authenticate_token
from sunlit.transparency import access, selectors, services, tiles
from sunlit.transparency.forms import WitnessKeyForm
from sunlit.transparency.models import Log

IMMUTABLE = "max-age=31536000, immutable"
TEXT = "text/plain; charset=utf-8"
MAX_COSIGN_BODY = 64 * 1024


def _text(message: str, status: int) -> HttpResponse:
    return HttpResponse(message + "\n", status=status, content_type=TEXT)


def _caller(request):
    """The session user, or the user of a ``Authorization: Bearer`` API token (for tools)."""
    header = request.headers.get("Authorization", "")
    if header.startswith("Bearer "):
        return authenticate_token(header[7:].strip())
    return request.user


def _base_url(request, log: Log) -> str:
    return request.build_absolute_uri(f"/log/{log.path}/")


@require_safe
def directory(request):
    """Every log on this server with its origin, base URL and note verifier key."""
    logs = Log.objects.select_related("community").order_by("pk")
    return JsonResponse({"logs": [{
        "origin": log.origin,
        "url": _base_url(request, log),
        "verifier_key": selectors.verifier_key(log),
        "community": log.community.name,
        "size": max(log.signed_size, 0),
    } for log in logs]}, json_dumps_params={"ensure_ascii": False})


@require_safe
def log_page(request, log_path: str):
    log = access.get_public_log(log_path)
    return _render_log_page(request, log)


def _render_log_page(request, log: Log, form: WitnessKeyForm | None = None):
    can_manage = can(request.user, "log.manage_witnesses", community=log.community_id)
    latest = selectors.latest_checkpoint(log)
    return render(request, "transparency/log.html", {
        "log": log,
        "base_url": _base_url(request, log),
        "checkpoint": latest,
        "checkpoint_note": selectors.cosigned_note(latest) if latest else "",
        "verifier_key": selectors.verifier_key(log),
        "can_read_entries": access.can_read_entries(request.user, log),
        "witnesses": selectors.witness_overview(log, latest),
        "can_manage_witnesses": can_manage,
        "witness_form": (form or WitnessKeyForm()) if can_manage else None,
        **_witness_controls(request, log),
    })


def _witness_controls(request, log: Log) -> dict:
    """Who may change the witness list at once (the committee), and its recent changes."""
    from sunlit.core import sides
    from sunlit.governance.controls import services as controls
    from sunlit.governance.controls.models import ControlKind

    if not request.user.is_authenticated or not can(request.user, "governance.controls.view",
                                                     community=log.community_id):
        return {}
    changes = [c for c in controls.history(log.community, limit=10)
               if c.kind in (ControlKind.WITNESS_ADD, ControlKind.WITNESS_REVOKE)][:5]
    return {"witness_is_committee": sides.is_committee_member(request.user, log.community_id),
            "control_changes": changes}


@require_safe
def checkpoint(request, log_path: str):
    log = access.get_public_log(log_path)
    latest = selectors.latest_checkpoint(log)
    if latest is None:
        return _text(_("该日志尚未签发检查点"), 404)
    response = HttpResponse(selectors.cosigned_note(latest), content_type=TEXT)
    response["Cache-Control"] = "public, max-age=5"
    return response


@csrf_exempt  # no session: the cosignature itself, by a registered witness key, authenticates
@require_POST
def cosign(request, log_path: str):
    """A witness submits its cosignature: the checkpoint's note with the cosignature line(s).

    200 stored (or already stored), 400 malformed, 404 no such checkpoint on this log, 409 a
    different checkpoint text for that size, 403 no valid cosignature of a registered witness.
    """
    log = access.get_public_log(log_path)
    if len(request.body) > MAX_COSIGN_BODY:
        return _text(_("请求过大"), 400)
    try:
        stored = services.accept_cosignatures(log, request.body)
    except services.CosignatureRejected as exc:
        return _text(str(exc), exc.status)
    names = "、".join(c.witness.name for c in stored)
    return _text(_("已收到见证联署：%(names)s") % {"names": names}, 200)


@login_required
@require_POST
def witness_register(request, log_path: str):
    """The witness list is the owners' check on the log: a committee member registers at once;
    the manager or the company proposes, and it takes effect when the committee confirms."""
    from sunlit.governance.controls.models import ControlKind
    from sunlit.governance.controls.views import request_from_page

    log = access.get_log_to_manage_witnesses(request.user, path=log_path)
    form = WitnessKeyForm(request.POST)
    if form.is_valid():
        data = dict(form.cleaned_data)
        reason = data.pop("reason", "")
        try:
            request_from_page(request, log.community, ControlKind.WITNESS_ADD, data,
                              reason=reason, done=_("已登记见证人 %(name)s") % {"name": data["name"]})
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            return redirect("transparency:log", log_path=log.path)
    return _render_log_page(request, log, form)


@login_required
@require_POST
def witness_revoke(request, log_path: str, witness_id: int):
    from sunlit.governance.controls.models import ControlKind
    from sunlit.governance.controls.views import request_from_page

    log = access.get_log_to_manage_witnesses(request.user, path=log_path)
    witness = access.get_witness_for(log, witness_id)
    try:
        request_from_page(request, log.community, ControlKind.WITNESS_REVOKE,
                          {"witness": witness.pk}, reason=request.POST.get("reason", ""),
                          done=_("已撤销见证人 %(name)s") % {"name": witness.name})
    except ValidationError as exc:
        flash_errors(request, exc)
    return redirect("transparency:log", log_path=log.path)


@require_safe
def tile(request, log_path: str, tile_path: str):
    log = access.get_public_log(log_path)
    try:
        wanted = tiles.parse(tile_path)
    except tiles.TilePathError as exc:
        return _text(_("瓦片路径无效：%(error)s") % {"error": exc}, 400)
    if wanted.entries:
        access.require_entries(_caller(request), log)
    data = selectors.tile_data(log, wanted)
    if data is None:
        return _text(_("该瓦片尚不存在"), 404)
    response = HttpResponse(data, content_type="application/octet-stream")
    if wanted.entries:
        response["Cache-Control"] = f"private, {IMMUTABLE}"
        response["Vary"] = "Cookie, Authorization"
    else:
        response["Cache-Control"] = f"public, {IMMUTABLE}"
    return response
