"""The platform admin's read-only view of billing (计费): money changes only through the
services, which post balanced entries and write the transparency log."""

from django.contrib import admin

from sunlit.core.admin import ReadOnlyAdmin
from sunlit.finance.billing.models import Bill, BillingRun, FeeItem, Tariff


@admin.register(FeeItem)
class FeeItemAdmin(ReadOnlyAdmin):
    list_display = ["code", "name", "kind", "cycle", "community", "is_active"]


@admin.register(Tariff)
class TariffAdmin(ReadOnlyAdmin):
    list_display = ["fee_item", "price", "effective_from", "effective_to", "notice_published_on"]


@admin.register(BillingRun)
class BillingRunAdmin(ReadOnlyAdmin):
    list_display = ["community", "period_start", "status", "bill_count", "total", "started_at"]
    list_filter = ["status"]


@admin.register(Bill)
class BillAdmin(ReadOnlyAdmin):
    list_display = ["number", "unit", "period_start", "amount", "paid", "status"]
    list_filter = ["status"]
    search_fields = ["number"]
    raw_id_fields = ["unit", "run"]
