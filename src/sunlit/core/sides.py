"""The two sides of the trust model (docs/security.md): the owner side and the company side.

``core.choices.OWNER_SIDE_ROLES`` (业主, 住户, 业委会, 阳光监督小组) and ``STAFF_ROLES`` (客服 …
物业公司管理员) name the roles; these questions say on which side a *user* acts in one
community. A person holding roles on both sides (an employee who also sits on the committee)
acts for the company there: whatever the company may not do alone, he may not do alone
either, so a company-side account can never pass for the owner side by adding a role.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from sunlit.core.choices import OWNER_SIDE_ROLES, STAFF_ROLES, Role
from sunlit.core.permissions import roles_in

#: Owner-side roles that speak for the owners as a body (the controls of rule b, confirming
#: entered ballots): the owners' committee, elected by the owners (Civil Code art. 278 item 3).
COMMITTEE_ROLES = frozenset({Role.COMMITTEE})


def is_company_side(user, community) -> bool:
    """Holds a company-side role in ``community`` (whatever else he holds)."""
    return bool(roles_in(user, community) & STAFF_ROLES)


def is_owner_side(user, community) -> bool:
    """Holds an owner-side role in ``community`` and no company-side one."""
    roles = roles_in(user, community)
    return bool(roles & OWNER_SIDE_ROLES) and not roles & STAFF_ROLES


def is_committee_member(user, community) -> bool:
    """May act for the owners' side as a body: a committee member who holds no company role."""
    roles = roles_in(user, community)
    return bool(roles & COMMITTEE_ROLES) and not roles & STAFF_ROLES


COMMITTEE, COMPANY, OWNER = "committee", "company", "owner"
#: How pages name a side (the log keeps the code).
SIDE_LABELS = {COMMITTEE: _("业委会"), COMPANY: _("物业公司"), OWNER: _("业主")}


def side_of(user, community) -> str:
    """``committee``, ``company`` or ``owner`` (``""`` for someone with no role there)."""
    if is_company_side(user, community):
        return COMPANY
    if is_committee_member(user, community):
        return COMMITTEE
    if is_owner_side(user, community):
        return OWNER
    return ""


def owner_side_required(what: str) -> PermissionDenied:
    """The refusal a company-side user gets when he tries to weaken a protection himself."""
    return PermissionDenied(gettext("“%(what)s”由业委会决定：物业公司可以提交变更申请，"
                                    "经业委会委员确认后生效") % {"what": what})


def require_committee(actor, community, what: str) -> None:
    """The owner-side check of every service that changes a control in the weakening direction
    (docs/security.md, rule b): a committee member who holds no company role in ``community``.
    A company-side user proposes the change instead (``governance.controls``)."""
    if not is_committee_member(actor, community):
        raise owner_side_required(what)
