"""Ticket categories (工单类别): the default list a new community starts with."""

from __future__ import annotations

from django.db import transaction

from sunlit.core import audit
from sunlit.core.choices import DepartmentKind
from sunlit.core.models import AuditEvent, Community, Department, User
from sunlit.core.permissions import require
from sunlit.tickets.choices import (
    Priority,
    TicketKind,
)
from sunlit.tickets.models import (
    Category,
)

# --- categories --------------------------------------------------------------------------------

K, D = TicketKind, DepartmentKind
# (kind, name, responsible department kind, default priority): the list of issue 4
DEFAULT_CATEGORIES = (
    (K.REPAIR, "水电", D.ENGINEERING, Priority.NORMAL),
    (K.REPAIR, "电梯", D.ENGINEERING, Priority.URGENT),
    (K.REPAIR, "门禁", D.ENGINEERING, Priority.NORMAL),
    (K.REPAIR, "公共照明", D.ENGINEERING, Priority.NORMAL),
    (K.REPAIR, "其他", D.ENGINEERING, Priority.NORMAL),
    (K.COMPLAINT, "保洁", D.CLEANING, Priority.NORMAL),
    (K.COMPLAINT, "绿化", D.GREENING, Priority.NORMAL),
    (K.COMPLAINT, "安保", D.SECURITY, Priority.NORMAL),
    (K.COMPLAINT, "停车", D.SECURITY, Priority.NORMAL),
    (K.COMPLAINT, "噪音扰民", D.SECURITY, Priority.NORMAL),
    (K.COMPLAINT, "服务态度", D.SERVICE, Priority.NORMAL),
    (K.COMPLAINT, "收费", D.FINANCE, Priority.NORMAL),
    (K.COMPLAINT, "其他", D.SERVICE, Priority.NORMAL),
    (K.SUGGESTION, "其他", D.SERVICE, Priority.LOW),
    (K.INQUIRY, "收费", D.FINANCE, Priority.LOW),
    (K.INQUIRY, "其他", D.SERVICE, Priority.LOW),
)


@transaction.atomic
def create_default_categories(community: Community, *, actor: User | None) -> list[Category]:
    """Gives a community the usual categories (工单类别), each with the community's department
    of the matching kind when it has one. Adds only the missing ones; returns those added."""
    if actor is not None:
        require(actor, "tickets.manage", community=community)
    departments: dict[str, Department] = {}
    for department in Department.objects.in_community(community).order_by("pk"):
        departments.setdefault(department.kind, department)
    present = set(Category.objects.in_community(community).values_list("kind", "name"))
    added = []
    for sort_key, (kind, name, department_kind, priority) in enumerate(DEFAULT_CATEGORIES):
        if (kind, name) in present:
            continue
        category = Category.objects.create(community=community, kind=kind, name=name,
                                           department=departments.get(department_kind),
                                           default_priority=priority, sort_key=sort_key)
        added.append(category)
    if added:
        audit.record(AuditEvent.Action.CREATE, community=community, actor=actor,
                     object_type="tickets.category", summary=f"默认工单类别 {len(added)} 个")
    return added
