from django.contrib import admin

from sunlit.core.admin import ReadOnlyAdmin
from sunlit.tickets.models import Category, SlaTarget, Ticket, TicketEvent, WorkCalendarDay


@admin.register(WorkCalendarDay)
class WorkCalendarDayAdmin(admin.ModelAdmin):
    """Staff enter the years the chinesecalendar package does not know yet here."""

    list_display = ["date", "is_workday", "name"]
    list_filter = ["is_workday"]
    date_hierarchy = "date"
    search_fields = ["name"]


class SlaTargetInline(admin.TabularInline):
    model = SlaTarget
    extra = 0


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "community", "department", "default_priority", "is_active"]
    list_filter = ["kind", "is_active"]
    inlines = [SlaTargetInline]


@admin.register(Ticket)
class TicketAdmin(ReadOnlyAdmin):
    """Read-only: tickets change through the services (their log events must be written)."""

    list_display = ["number", "community", "kind", "status", "priority", "created_at"]
    list_filter = ["status", "kind", "priority"]
    search_fields = ["number"]


@admin.register(TicketEvent)
class TicketEventAdmin(TicketAdmin):
    list_display = ["ticket", "action", "from_status", "to_status", "actor_name", "at"]
    list_filter = ["action"]
    search_fields = ["ticket__number"]
