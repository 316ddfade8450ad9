"""Employee — 员工档案: a person the company employs, across all its communities."""

from __future__ import annotations

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from sunlit.company.choices import EmployeeStatus
from sunlit.core.models import Organization, User


class EmployeeQuerySet(models.QuerySet):
    def active(self):
        return self.filter(status=EmployeeStatus.ACTIVE)

    def admins(self):
        return self.active().filter(is_admin=True)


class Employee(models.Model):
    """Employee — 员工档案: the company's record of one of its people (job number, whether he
    administers the company). His work in a community is a ``core.Membership`` there; this
    record is what the company holds of him wherever he works. A company administrator
    (``is_admin``) onboards communities and sees the company view over all of them."""

    organization = models.ForeignKey(Organization, on_delete=models.PROTECT,
                                     related_name="employees", verbose_name=_("物业公司"))
    user = models.ForeignKey(User, on_delete=models.PROTECT, related_name="employments",
                             verbose_name=_("账号"))
    job_number = models.CharField(_("工号"), max_length=20)
    is_admin = models.BooleanField(_("公司管理员"), default=False)
    status = models.CharField(_("状态"), max_length=12, choices=EmployeeStatus.choices,
                              default=EmployeeStatus.ACTIVE)
    hired_at = models.DateTimeField(_("入职时间"), default=timezone.now)
    left_at = models.DateTimeField(_("离职时间"), null=True, blank=True)
    # the postings (membership ids) a suspension ended, given back on reinstatement
    suspended_postings = models.JSONField(default=list, blank=True)

    objects = EmployeeQuerySet.as_manager()

    class Meta:
        verbose_name = _("员工档案")
        verbose_name_plural = _("员工档案")
        ordering = ["organization", "job_number"]
        constraints = [
            models.UniqueConstraint(fields=["organization", "job_number"],
                                    name="employee_unique_job_number"),
            models.UniqueConstraint(fields=["organization", "user"], name="employee_unique_user"),
        ]

    def __str__(self) -> str:
        return f"{self.job_number} {self.user}"
