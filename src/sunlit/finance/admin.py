"""Platform admin views of the finance app: read-only. Money changes only through the
services, which post balanced entries and write the transparency log."""

from django.contrib import admin

from sunlit.finance.models import (
    Account,
    Bill,
    BillingRun,
    CallbackRefusal,
    FeeItem,
    FinancePolicy,
    JournalEntry,
    Payment,
    PaymentOrder,
    Refund,
    Reminder,
    ReminderRule,
    ReminderTemplate,
    Tariff,
)


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Account)
class AccountAdmin(ReadOnlyAdmin):
    list_display = ["code", "name", "kind", "community", "is_active"]
    list_filter = ["kind"]


@admin.register(JournalEntry)
class JournalEntryAdmin(ReadOnlyAdmin):
    list_display = ["number", "date", "source", "memo", "total", "community"]
    list_filter = ["source"]
    search_fields = ["number", "memo"]


@admin.register(FeeItem)
class FeeItemAdmin(ReadOnlyAdmin):
    list_display = ["code", "name", "kind", "cycle", "community", "is_active"]


@admin.register(Tariff)
class TariffAdmin(ReadOnlyAdmin):
    list_display = ["fee_item", "price", "effective_from", "effective_to", "notice_published_on"]


@admin.register(FinancePolicy)
class FinancePolicyAdmin(ReadOnlyAdmin):
    list_display = ["community", "late_fee_daily_rate", "late_fee_grace_days", "notice_days"]


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


@admin.register(Payment)
class PaymentAdmin(ReadOnlyAdmin):
    list_display = ["number", "unit", "method", "amount", "refunded", "received_at"]
    search_fields = ["number"]
    raw_id_fields = ["unit"]


@admin.register(Refund)
class RefundAdmin(ReadOnlyAdmin):
    list_display = ["number", "payment", "amount", "reason", "refunded_at"]


# --- online payments (finance.online) ---------------------------------------------------------------


@admin.register(PaymentOrder)
class PaymentOrderAdmin(ReadOnlyAdmin):
    list_display = ("out_trade_no", "community", "unit", "provider", "amount", "status", "created_at")
    list_filter = ("provider", "status", "sandbox")
    search_fields = ("out_trade_no", "transaction_id")


@admin.register(CallbackRefusal)
class CallbackRefusalAdmin(ReadOnlyAdmin):
    list_display = ("received_at", "community", "provider", "reason", "out_trade_no", "amount_seen")
    list_filter = ("provider", "reason")


# --- arrears (催缴): read-only like the rest ----------------------------------------------------------


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
