"""The platform admin's read-only view of arrears (催缴): money changes only through the
services, which post balanced entries and write the transparency log."""

from django.contrib import admin

from sunlit.core.admin import ReadOnlyAdmin
from sunlit.finance.arrears.models import Reminder, ReminderRule, ReminderTemplate


@admin.register(ReminderTemplate)
class ReminderTemplateAdmin(ReadOnlyAdmin):
    list_display = ["name", "community", "updated_at"]


@admin.register(ReminderRule)
class ReminderRuleAdmin(ReadOnlyAdmin):
    list_display = ["name", "days_after_due", "channel", "min_amount", "is_active", "community"]
    list_filter = ["channel", "is_active"]


@admin.register(Reminder)
class ReminderAdmin(ReadOnlyAdmin):
    list_display = ["unit", "rule", "trigger", "channel", "period", "amount", "recipients", "sent_at"]
    list_filter = ["trigger", "channel"]
    list_select_related = ["unit__building", "rule"]
