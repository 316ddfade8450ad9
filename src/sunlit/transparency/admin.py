"""Django admin for platform administrators: the logs are read-only here (append-only data)."""

from django.contrib import admin

from sunlit.core.admin import ReadOnlyAdmin
from sunlit.transparency.models import Checkpoint, Cosignature, Log, LogLeaf, WitnessKey


@admin.register(Log)
class LogAdmin(ReadOnlyAdmin):
    list_display = ("origin", "community", "size", "signed_size", "created_at")
    search_fields = ("origin",)
    exclude = ("root_hash", "frontier")


@admin.register(LogLeaf)
class LogLeafAdmin(ReadOnlyAdmin):
    list_display = ("log", "index", "event_type", "subject_type", "subject_id", "time")
    list_filter = ("event_type",)
    exclude = ("leaf_hash",)
    show_full_result_count = False


@admin.register(Checkpoint)
class CheckpointAdmin(ReadOnlyAdmin):
    list_display = ("log", "size", "signed_at", "key_name")
    exclude = ("root_hash",)


@admin.register(WitnessKey)
class WitnessKeyAdmin(ReadOnlyAdmin):
    list_display = ("name", "key_name", "log", "is_active", "registered_at", "revoked_at")
    list_filter = ("is_active",)
    exclude = ("public_key",)


@admin.register(Cosignature)
class CosignatureAdmin(ReadOnlyAdmin):
    list_display = ("checkpoint", "witness", "timestamp", "received_at")
    exclude = ("signature",)
    show_full_result_count = False
