"""Choice sets of the core app."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    """What a member does in one community (DESIGN.md, "Who uses it")."""

    OWNER = "owner", _("业主")
    RESIDENT = "resident", _("住户")
    COMMITTEE = "committee", _("业委会")
    SUPERVISOR = "supervisor", _("阳光监督小组")
    SERVICE = "service", _("客服")
    DISPATCHER = "dispatcher", _("调度")
    MANAGER = "manager", _("项目经理")
    TECHNICIAN = "technician", _("维修工")
    FINANCE = "finance", _("财务")
    AUDITOR = "auditor", _("第三方审计")
    COMPANY_ADMIN = "company_admin", _("物业公司管理员")


STAFF_ROLES = frozenset(
    {Role.SERVICE, Role.DISPATCHER, Role.MANAGER, Role.TECHNICIAN, Role.FINANCE,
     Role.COMPANY_ADMIN}
)
OWNER_SIDE_ROLES = frozenset({Role.OWNER, Role.RESIDENT, Role.COMMITTEE, Role.SUPERVISOR})


class DepartmentKind(models.TextChoices):
    SERVICE = "service", _("客服部")
    ENGINEERING = "engineering", _("工程部")
    CLEANING = "cleaning", _("保洁部")
    SECURITY = "security", _("秩序部")
    GREENING = "greening", _("绿化部")
    FINANCE = "finance", _("财务部")
    MANAGEMENT = "management", _("综合管理部")
    OTHER = "other", _("其他")


class PersonKind(models.TextChoices):
    NATURAL = "natural", _("自然人")
    ORGANIZATION = "organization", _("单位")
    DEVELOPER = "developer", _("建设单位（开发商）")
