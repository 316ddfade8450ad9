"""The platform admin's read-only view of online payments (线上缴费): money changes only through the
services, which post balanced entries and write the transparency log."""

from django.contrib import admin

from sunlit.core.admin import ReadOnlyAdmin
from sunlit.finance.online.models import CallbackRefusal, PaymentOrder


@admin.register(PaymentOrder)
class PaymentOrderAdmin(ReadOnlyAdmin):
    list_display = ("out_trade_no", "community", "unit", "provider", "amount", "status", "created_at")
    list_filter = ("provider", "status", "sandbox")
    search_fields = ("out_trade_no", "transaction_id")


@admin.register(CallbackRefusal)
class CallbackRefusalAdmin(ReadOnlyAdmin):
    list_display = ("received_at", "community", "provider", "reason", "out_trade_no", "amount_seen")
    list_filter = ("provider", "reason")
