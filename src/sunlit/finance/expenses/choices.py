"""Choice sets of expenses: public income and expense categories, money methods, expense states
and steps, approver sides."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from sunlit.core import badges

# --- public money: public income, expenses, the maintenance fund (task `fund`) --------------------


class PublicIncomeCategory(models.TextChoices):
    """公共收益 from the owners' common parts (Civil Code art. 282: it belongs to the owners)."""

    ADVERTISING = "advertising", _("广告")
    VENUE = "venue", _("场地租金")
    PARKING = "parking", _("停车位租金")
    FACILITIES = "facilities", _("快递柜/充电桩")
    OTHER = "other", _("其他")


class ExpenseCategory(models.TextChoices):
    """What an expense is charged to: a cost account of the company, or the owners' public
    income (2243). Maintenance-fund spending is a ``FundUse`` (it needs a vote or the emergency
    procedure), never an expense."""

    LABOUR = "6401", _("人工")
    CLEANING = "6402", _("保洁")
    GREENING = "6403", _("绿化")
    SECURITY = "6404", _("秩序维护")
    REPAIRS = "6405", _("设施设备维修养护")
    ENERGY = "6406", _("公共能耗")
    ELEVATOR = "6407", _("电梯运行维护")
    ADMIN = "6602", _("管理费用")
    PUBLIC_INCOME = "2243", _("从公共收益列支")


class MoneyMethod(models.TextChoices):
    """Where public money arrives or leaves: the bank account or the cash box."""

    BANK = "1002", _("银行存款")
    CASH = "1001", _("库存现金")


class ExpenseStatus(models.TextChoices):
    DRAFT = "draft", _("草稿")
    SUBMITTED = "submitted", _("待审批")
    APPROVED = "approved", _("已审批")
    POSTED = "posted", _("已支付入账")
    REJECTED = "rejected", _("已驳回")


badges.register("finance.expense", {ExpenseStatus.POSTED: "green", ExpenseStatus.REJECTED: "red",
                                    ExpenseStatus.SUBMITTED: "yellow"}, default="blue")


class ExpenseAction(models.TextChoices):
    CREATED = "created", _("创建")
    SUBMITTED = "submitted", _("提交审批")
    APPROVED = "approved", _("审批同意")
    REJECTED = "rejected", _("驳回")
    POSTED = "posted", _("支付入账")


class ApproverSide(models.TextChoices):
    """The two sides whose approval an expense (or an emergency fund use) may need."""

    MANAGER = "manager", _("项目经理")
    COMMITTEE = "committee", _("业委会委员")
