"""The platform admin's read-only view of payments at the counter (收款): money changes only through the
services, which post balanced entries and write the transparency log."""

from django.contrib import admin

from sunlit.core.admin import ReadOnlyAdmin
from sunlit.finance.payments.models import Payment, Refund


@admin.register(Payment)
class PaymentAdmin(ReadOnlyAdmin):
    list_display = ["number", "unit", "method", "amount", "refunded", "received_at"]
    search_fields = ["number"]
    raw_id_fields = ["unit"]


@admin.register(Refund)
class RefundAdmin(ReadOnlyAdmin):
    list_display = ["number", "payment", "amount", "reason", "refunded_at"]
