"""The log over HTTP: C2SP tlog-tiles under ``/log/<path>/``, the public directory, the log page.

- ``GET /log/``                         public JSON directory: origin, base URL, verifier key
- ``GET /log/<path>/``                  the log's public page (verifier key, latest checkpoint)
- ``GET /log/<path>/checkpoint``        the latest signed checkpoint (text/plain)
- ``GET /log/<path>/tile/<L>/<N>[.p/<W>]``       hash tiles (public)
- ``GET /log/<path>/tile/entries/<N>[.p/<W>]``   entry bundles (members and auditors only)

Tiles are immutable, so they are sent with a one-year ``immutable`` cache lifetime (entry
bundles privately, hash tiles publicly); the checkpoint changes, so it may be cached for a few
seconds only.
"""

from __future__ import annotations

from django.http import HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from sunlit.core.services import authenticate_token
from sunlit.transparency import access, selectors, tiles
from sunlit.transparency.models import Log

IMMUTABLE = "max-age=31536000, immutable"
TEXT = "text/plain; charset=utf-8"


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
    return render(request, "transparency/log.html", {
        "log": log,
        "base_url": _base_url(request, log),
        "checkpoint": selectors.latest_checkpoint(log),
        "verifier_key": selectors.verifier_key(log),
        "can_read_entries": access.can_read_entries(request.user, log),
    })


@require_safe
def checkpoint(request, log_path: str):
    log = access.get_public_log(log_path)
    latest = selectors.latest_checkpoint(log)
    if latest is None:
        return _text(_("该日志尚未签发检查点"), 404)
    response = HttpResponse(latest.note, content_type=TEXT)
    response["Cache-Control"] = "public, max-age=5"
    return response


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
