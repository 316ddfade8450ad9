"""Public comment periods in the admin: read-only, changes go through the services."""

from django.contrib import admin

from sunlit.governance.consultations.models import Consultation
from sunlit.governance.meetings.admin import ReadOnlyAdmin


@admin.register(Consultation)
class ConsultationAdmin(ReadOnlyAdmin):
    list_display = ["title", "community", "kind", "topic", "status", "starts_at", "ends_at"]
    list_filter = ["kind", "topic", "status"]
    search_fields = ["title"]
