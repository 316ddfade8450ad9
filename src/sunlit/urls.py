"""Root URLs: pages per app, the API under /api/, Django admin for platform admins."""

from django.contrib import admin
from django.urls import include, path

from sunlit.api.site import api
from sunlit.web.views.auth import set_language

admin.site.site_header = "阳光物业 · 平台管理"
admin.site.site_title = "阳光物业"

urlpatterns = [
    path("", include("sunlit.web.urls")),
    path("roster/", include("sunlit.registry.urls")),
    path("log/", include("sunlit.transparency.urls")),
    path("tickets/", include("sunlit.tickets.urls")),
    path("notices/", include("sunlit.notices.urls")),
    path("governance/", include("sunlit.governance.urls")),
    path("proposals/", include("sunlit.governance.proposals.urls")),
    path("finance/", include("sunlit.finance.urls")),
    path("board/", include("sunlit.board.urls")),
    path("company/", include("sunlit.company.urls")),
    path("api/", api.urls),
    path("i18n/setlang/", set_language, name="set_language"),
    path("admin/", admin.site.urls),
]
