"""Choice sets of books: the chart's account kinds and the sources of journal entries."""

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
    # public money (task `fund`)
    PUBLIC_INCOME = "public_income", _("公共收益")
    EXPENSE = "expense", _("支出")
    FUND_DEPOSIT = "fund_deposit", _("维修资金归集")
    FUND_USE = "fund_use", _("维修资金使用")
    WAIVER = "waiver", _("减免")  # charges
