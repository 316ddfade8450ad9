"""Choice sets of the company app."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from sunlit.core import badges


class EmployeeStatus(models.TextChoices):
    ACTIVE = "active", _("在职")
    SUSPENDED = "suspended", _("停职")
    LEFT = "left", _("离职")


badges.register("company.employee", {EmployeeStatus.ACTIVE: "green",
                                     EmployeeStatus.SUSPENDED: "yellow",
                                     EmployeeStatus.LEFT: "secondary"})


class HolidayRule(models.TextChoices):
    """How a rotating roster meets the calendar."""

    ROTATE = "rotate", _("轮班（节假日照常轮转）")
    WORKDAYS = "workdays", _("随工作日（法定节假日休息，调休日上班）")


class RequestStatus(models.TextChoices):
    PENDING = "pending", _("待审批")
    APPROVED = "approved", _("已批准")
    REFUSED = "refused", _("未批准")
    WITHDRAWN = "withdrawn", _("已撤回")


for _kind in ("company.leaverequest", "company.swaprequest"):
    badges.register(_kind, {RequestStatus.PENDING: "yellow", RequestStatus.APPROVED: "green",
                            RequestStatus.REFUSED: "red", RequestStatus.WITHDRAWN: "secondary"})
