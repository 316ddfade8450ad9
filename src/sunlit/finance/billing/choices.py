"""Choice sets of billing: fee kinds, billing cycles, meter kinds, the states of runs and bills."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from sunlit.core import badges


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


badges.register("finance.bill", {BillStatus.PAID: "green", BillStatus.PARTIAL: "yellow"}, default="red")
