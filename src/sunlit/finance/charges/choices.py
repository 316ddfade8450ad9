"""Choice sets of charges: waiver targets, states and reasons; meter-import states."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from sunlit.core import badges

# --- charges: waivers (减免) and meter-reading imports ---------------------------------------------


class WaiverTarget(models.TextChoices):
    BILL = "bill", _("账单欠费")
    LATE_FEE = "late_fee", _("滞纳金")


class WaiverStatus(models.TextChoices):
    PENDING = "pending", _("待审批")
    APPROVED = "approved", _("已批准")
    REJECTED = "rejected", _("已驳回")


badges.register("finance.waiver", {WaiverStatus.APPROVED: "green", WaiverStatus.REJECTED: "red"},
                default="yellow")


class WaiverReason(models.TextChoices):
    HARDSHIP = "hardship", _("困难家庭")
    SERVICE = "service", _("服务未达约定")
    BILLING_ERROR = "billing_error", _("计费差错")
    VACANCY = "vacancy", _("空置或未交付")
    PROMOTION = "promotion", _("优惠活动")
    OTHER = "other", _("其他")


class ImportStatus(models.TextChoices):
    STAGED = "staged", _("待确认")
    COMMITTED = "committed", _("已导入")
    DISCARDED = "discarded", _("已放弃")
