"""Votes in the admin: read-only (each step is on the log)."""

from django.contrib import admin

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
