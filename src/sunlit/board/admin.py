from django.contrib import admin

from sunlit.board.models import BoardSettings, WeeklyBoard
from sunlit.core.admin import ReadOnlyAdmin


@admin.register(WeeklyBoard)
class WeeklyBoardAdmin(ReadOnlyAdmin):
    """Read-only: boards change through the services (publication is on the log)."""

    list_display = ["community", "week_start", "status", "published_at", "content_sha256"]
    list_filter = ["status"]


@admin.register(BoardSettings)
class BoardSettingsAdmin(admin.ModelAdmin):
    list_display = ["community", "require_cosign", "updated_at"]

    def has_change_permission(self, request, obj=None):
        return False  # set_require_cosign logs the change; use the board page
