"""Django admin of the company app: for platform operators only (the company uses its pages)."""

from django.contrib import admin

from sunlit.company.models import CommitteeFiling, Employee, Onboarding


@admin.register(Employee)
class EmployeeAdmin(admin.ModelAdmin):
    list_display = ("job_number", "user", "organization", "is_admin", "status", "hired_at")
    list_filter = ("organization", "is_admin", "status")
    search_fields = ("job_number", "user__username", "user__display_name")
    raw_id_fields = ("user",)


@admin.register(Onboarding)
class OnboardingAdmin(admin.ModelAdmin):
    list_display = ("community", "started_by", "started_at", "owners_invited_at")
    readonly_fields = ("community", "started_by", "started_at", "owners_invited_at",
                       "owners_invited_by")


@admin.register(CommitteeFiling)
class CommitteeFilingAdmin(admin.ModelAdmin):
    list_display = ("community", "authority", "number", "filed_on", "created_at")
    readonly_fields = ("community", "authority", "number", "filed_on", "document", "codes",
                       "created_by", "created_at")
