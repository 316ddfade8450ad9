"""Choice sets of fund: kinds of fund deposits, the basis and state of a use, its scope."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from sunlit.core import badges

# --- public money: public income, expenses, the maintenance fund (task `fund`) --------------------


class FundDepositKind(models.TextChoices):
    INITIAL = "initial", _("首期归集（面积 × 标准）")
    DEPOSIT = "deposit", _("续筹/补交")


class FundBasis(models.TextChoices):
    VOTE = "vote", _("业主表决通过")
    EMERGENCY = "emergency", _("应急使用")


class FundUseStatus(models.TextChoices):
    PENDING = "pending", _("待审批（应急）")
    POSTED = "posted", _("已列支")


badges.register("finance.funduse", {FundUseStatus.POSTED: "green", FundUseStatus.PENDING: "yellow"})


class FundScope(models.TextChoices):
    COMMUNITY = "community", _("全体业主")
    BUILDING = "building", _("指定楼栋")
    UNITS = "units", _("指定房屋")
