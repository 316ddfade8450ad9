from django.contrib import admin

from sunlit.governance.consultations.models import Consultation
from sunlit.governance.controls.models import ControlChange
from sunlit.governance.meetings.models import Meeting
from sunlit.governance.votes.models import Ballot, Result, Vote


@admin.register(Vote)
class VoteAdmin(admin.ModelAdmin):
    """Read-only: votes change only through services (each step is on the log)."""

    list_display = ["title", "community", "matter", "status", "opens_at", "closes_at"]
    list_filter = ["status", "matter"]
    search_fields = ["title"]
    exclude = ["pseudonym_key"]

    def has_change_permission(self, request, obj=None):
        return False

    def has_add_permission(self, request):
        return False


@admin.register(Ballot)
class BallotAdmin(admin.ModelAdmin):
    list_display = ["ref", "vote", "channel", "status", "is_current", "cast_at"]
    list_filter = ["channel", "status"]
    exclude = ["nonce"]

    def has_change_permission(self, request, obj=None):
        return False

    def has_add_permission(self, request):
        return False


@admin.register(Result)
class ResultAdmin(admin.ModelAdmin):
    list_display = ["vote", "passed", "participating_area", "total_area", "participating_owners",
                    "total_owners"]

    def has_change_permission(self, request, obj=None):
        return False

    def has_add_permission(self, request):
        return False


# --- meetings (议事会) and public comment (公示/征求意见): read-only, changes go through services --


class _ReadOnly(admin.ModelAdmin):
    def has_change_permission(self, request, obj=None):
        return False

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Meeting)
class MeetingAdmin(_ReadOnly):
    list_display = ["title", "community", "kind", "status", "starts_at"]
    list_filter = ["kind", "status"]
    search_fields = ["title"]


@admin.register(Consultation)
class ConsultationAdmin(_ReadOnly):
    list_display = ["title", "community", "kind", "topic", "status", "starts_at", "ends_at"]
    list_filter = ["kind", "topic", "status"]
    search_fields = ["title"]


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
