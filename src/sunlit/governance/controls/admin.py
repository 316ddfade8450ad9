"""Owner-side control changes in the admin: read-only."""

from django.contrib import admin

from sunlit.core.admin import ReadOnlyAdmin
from sunlit.governance.controls.models import ControlChange


@admin.register(ControlChange)
class ControlChangeAdmin(ReadOnlyAdmin):
    """Read-only: owner-side controls change only through governance.controls (on the log)."""

    list_display = ["kind", "community", "status", "proposed_by", "decided_by", "proposed_at"]
    list_filter = ["kind", "status"]
