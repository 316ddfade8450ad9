"""Meetings in the admin: read-only, changes go through the services."""

from django.contrib import admin

from sunlit.governance.meetings.models import Meeting


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_change_permission(self, request, obj=None):
        return False

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Meeting)
class MeetingAdmin(ReadOnlyAdmin):
    list_display = ["title", "community", "kind", "status", "starts_at"]
    list_filter = ["kind", "status"]
    search_fields = ["title"]
