"""Choice sets of the finance app."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class AccountKind(models.TextChoices):
    """The five classes of a chart of accounts; the first two and expense have debit balances."""

    ASSET = "asset", _("资产")
    LIABILITY = "liability", _("负债")
    EQUITY = "equity", _("所有者权益")
    INCOME = "income", _("收入")
    EXPENSE = "expense", _("成本费用")


DEBIT_NORMAL = frozenset({AccountKind.ASSET, AccountKind.EXPENSE})


class EntrySource(models.TextChoices):
    """What a journal entry records (凭证来源)."""

    BILLING_RUN = "billing_run", _("批量计费")
    BILL = "bill", _("单笔账单")
    PAYMENT = "payment", _("收款")
    PREPAID_OFFSET = "prepaid_offset", _("预存款抵扣")
    REFUND = "refund", _("退款")
    REVERSAL = "reversal", _("冲销")
    MANUAL = "manual", _("手工凭证")


class FeeKind(models.TextChoices):
    AREA = "area", _("按面积（物业服务费）")
    FIXED = "fixed", _("按户/按车位固定")
    METERED = "metered", _("按表计量")
    SHARED = "shared", _("公摊（按专有面积分摊）")
    ONE_TIME = "one_time", _("一次性收费")
    DEPOSIT = "deposit", _("押金")


#: Fee kinds a billing run computes; the others are charged one by one.
RUN_KINDS = frozenset({FeeKind.AREA, FeeKind.FIXED, FeeKind.METERED, FeeKind.SHARED})


class Cycle(models.TextChoices):
    MONTHLY = "monthly", _("按月")
    QUARTERLY = "quarterly", _("按季")
    YEARLY = "yearly", _("按年")
    ONCE = "once", _("一次性")


CYCLE_MONTHS = {Cycle.MONTHLY: 1, Cycle.QUARTERLY: 3, Cycle.YEARLY: 12}


class MeterKind(models.TextChoices):
    WATER = "water", _("水")
    ELECTRICITY = "electricity", _("电")
    GAS = "gas", _("燃气")


class RunStatus(models.TextChoices):
    QUEUED = "queued", _("排队中")
    RUNNING = "running", _("计费中")
    COMMITTED = "committed", _("已完成")
    FAILED = "failed", _("失败")


class BillStatus(models.TextChoices):
    OPEN = "open", _("待缴")
    PARTIAL = "partial", _("部分缴纳")
    PAID = "paid", _("已缴清")


class PaymentMethod(models.TextChoices):
    CASH = "cash", _("现金")
    POS = "pos", _("POS 刷卡")
    TRANSFER = "transfer", _("银行转账")


COUNTER_METHODS = frozenset({PaymentMethod.CASH, PaymentMethod.POS, PaymentMethod.TRANSFER})


class AllocationKind(models.TextChoices):
    PAYMENT = "payment", _("收款核销")
    PREPAID = "prepaid", _("预存款抵扣")
    REFUND = "refund", _("退款撤销核销")


# --- arrears (催缴) ------------------------------------------------------------------------------


class ReminderChannel(models.TextChoices):
    """How a reminder reaches the household: always the inbox, plus SMS or e-mail if chosen
    (sent through ``sunlit.notices``' channels)."""

    INBOX = "inbox", _("站内通知")
    SMS = "sms", _("短信")
    EMAIL = "email", _("电子邮件")


class ReminderTrigger(models.TextChoices):
    SCHEDULE = "schedule", _("按规则自动")
    MANUAL = "manual", _("人工催缴")
