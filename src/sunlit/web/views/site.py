"""What a visitor and a browser find before logging in: the landing page (what Sunlit is, each
community's public log), the web app manifest and the icon."""

from __future__ import annotations

from django.http import HttpResponseRedirect, JsonResponse
from django.shortcuts import render
from django.templatetags.static import static
from django.utils.translation import gettext as _
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_safe

from sunlit.transparency.models import Log


def landing(request):
    """阳光物业 for a visitor: what it is, the communities' public logs anyone may check, and
    the ways in (log in, activate an account with the code from the service centre)."""
    logs = (Log.objects.select_related("community").filter(signed_size__gt=0)
            .order_by("community__name", "pk"))
    return render(request, "web/landing.html", {"logs": logs})


@require_safe
@cache_control(max_age=86400, public=True)
def manifest(request):
    """The web app manifest: 阳光物业 added to a phone's home screen opens like an app."""
    return JsonResponse({
        "name": _("阳光物业"), "short_name": _("阳光物业"),
        "description": _("物业服务、缴费、报修、表决与公开账本，业主可以核验每一笔"),
        "lang": "zh-CN", "start_url": "/", "scope": "/", "display": "standalone",
        "background_color": "#ffffff", "theme_color": "#f59f00",
        "icons": [
            {"src": static("sunlit/icon-192.png"), "sizes": "192x192", "type": "image/png"},
            {"src": static("sunlit/icon-512.png"), "sizes": "512x512", "type": "image/png"},
            {"src": static("sunlit/favicon.svg"), "sizes": "any", "type": "image/svg+xml"},
        ],
    }, content_type="application/manifest+json", json_dumps_params={"ensure_ascii": False})


@require_safe
def favicon(request):
    """``/favicon.ico``, asked for by browsers that do not read the page's icon link."""
    return HttpResponseRedirect(static("sunlit/icon-192.png"))  # not permanent: the name changes
