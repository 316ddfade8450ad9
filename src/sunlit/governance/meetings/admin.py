"""Meetings in the admin: read-only, changes go through the services."""

from django.contrib import admin

from sunlit.core.admin import ReadOnlyAdmin
from sunlit.governance.meetings.models import Meeting


@admin.register(Meeting)
class MeetingAdmin(ReadOnlyAdmin):
    list_display = ["title", "community", "kind", "status", "starts_at"]
    list_filter = ["kind", "status"]
    search_fields = ["title"]
