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
