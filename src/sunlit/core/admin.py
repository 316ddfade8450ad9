"""Django admin for platform administrators (superusers); staff work in the app's pages."""

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin

from sunlit.core.models import (
    AuditEvent,
    Community,
    Department,
    Membership,
    Organization,
    Person,
    User,
)


class ReadOnlyAdmin(admin.ModelAdmin):
    """For data that changes only through services (they audit and log it): shown, never edited."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    list_display = ("username", "display_name", "is_active", "is_superuser", "last_login")
    fieldsets = (*BaseUserAdmin.fieldsets, ("阳光物业", {"fields": ("display_name",)}))
    search_fields = ("username", "display_name")


@admin.register(Organization)
class OrganizationAdmin(admin.ModelAdmin):
    list_display = ("name", "short_name", "phone")


@admin.register(Community)
class CommunityAdmin(admin.ModelAdmin):
    list_display = ("name", "code", "organization", "city", "district")
    list_filter = ("organization",)


@admin.register(Department)
class DepartmentAdmin(admin.ModelAdmin):
    list_display = ("name", "kind", "community")
    list_filter = ("community",)


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ("user", "community", "role", "department", "job_number", "is_active")
    list_filter = ("community", "role", "is_active")
    raw_id_fields = ("user",)


@admin.register(Person)
class PersonAdmin(admin.ModelAdmin):
    """Masked in the list; the change form is read-only so admin is no back door to the data."""

    list_display = ("masked_name", "masked_mobile", "kind", "community")
    list_filter = ("community", "kind")
    fields = ("community", "kind", "note")
    readonly_fields = ("community", "kind")

    def has_add_permission(self, request):
        return False


@admin.register(AuditEvent)
class AuditEventAdmin(ReadOnlyAdmin):
    list_display = ("at", "community", "actor", "action", "object_type", "object_id", "summary")
    list_filter = ("community", "action")
