"""The platform admin's read-only view of the books (账簿): money changes only through the
services, which post balanced entries and write the transparency log."""

from django.contrib import admin

from sunlit.core.admin import ReadOnlyAdmin
from sunlit.finance.books.models import Account, FinancePolicy, JournalEntry


@admin.register(Account)
class AccountAdmin(ReadOnlyAdmin):
    list_display = ["code", "name", "kind", "community", "is_active"]
    list_filter = ["kind"]


@admin.register(JournalEntry)
class JournalEntryAdmin(ReadOnlyAdmin):
    list_display = ["number", "date", "source", "memo", "total", "community"]
    list_filter = ["source"]
    search_fields = ["number", "memo"]


@admin.register(FinancePolicy)
class FinancePolicyAdmin(ReadOnlyAdmin):
    list_display = ["community", "late_fee_daily_rate", "late_fee_grace_days", "notice_days"]
