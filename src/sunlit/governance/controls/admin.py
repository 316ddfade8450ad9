"""Owner-side control changes in the admin: read-only."""

from django.contrib import admin

from sunlit.governance.controls.models import ControlChange


@admin.register(ControlChange)
class ControlChangeAdmin(admin.ModelAdmin):
    """Read-only: owner-side controls change only through governance.controls (on the log)."""

    list_display = ["kind", "community", "status", "proposed_by", "decided_by", "proposed_at"]
    list_filter = ["kind", "status"]

    def has_change_permission(self, request, obj=None):
        return False

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
