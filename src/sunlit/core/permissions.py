"""The permission module: "may this user do this action (on this object)?".

Views, API endpoints and services all ask ``can``/``require`` here. Role grants are data
(``GRANTS``); an app adds object-level grants for owners with ``object_rule`` (e.g. an
owner may see the units he owns). Nothing else decides access.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _

from sunlit.core.choices import STAFF_ROLES, Role

ALL_ROLES = frozenset(Role)
R = Role

GRANTS: dict[str, frozenset[str]] = {
    "community.view": ALL_ROLES,
    "console.view": STAFF_ROLES | {R.AUDITOR, R.COMMITTEE},
    "roster.view": STAFF_ROLES | {R.AUDITOR, R.COMMITTEE},
    "roster.edit": frozenset({R.SERVICE, R.MANAGER, R.COMPANY_ADMIN}),
    "roster.import": frozenset({R.MANAGER, R.COMPANY_ADMIN}),
    "roster.export": frozenset({R.MANAGER, R.COMPANY_ADMIN, R.AUDITOR}),
    "person.reveal": frozenset({R.SERVICE, R.DISPATCHER, R.MANAGER, R.COMPANY_ADMIN,
                                R.AUDITOR}),
    "accounts.issue": frozenset({R.SERVICE, R.MANAGER, R.COMPANY_ADMIN}),
    "staff.manage": frozenset({R.MANAGER, R.COMPANY_ADMIN}),
    "audit.view": frozenset({R.MANAGER, R.COMPANY_ADMIN, R.AUDITOR, R.COMMITTEE}),
    "unit.view": STAFF_ROLES | {R.AUDITOR, R.COMMITTEE},
    # transparency log: entries (event contents) for members; erasing commitment openings
    "log.read_entries": ALL_ROLES,
    "log.erase_openings": frozenset({R.MANAGER, R.COMPANY_ADMIN}),
    # the witnesses are the owners' check on the log: the committee registers and revokes them;
    # the manager and the company may propose a change the committee confirms (governance.controls)
    "log.manage_witnesses": frozenset({R.COMMITTEE, R.MANAGER, R.COMPANY_ADMIN}),
    # tickets (报修/投诉/建议/咨询): which role may take which step is in tickets.workflow
    "tickets.submit": ALL_ROLES,
    "tickets.submit_for_owner": frozenset({R.SERVICE, R.DISPATCHER, R.MANAGER, R.COMPANY_ADMIN}),
    "tickets.view_all": frozenset({R.SERVICE, R.DISPATCHER, R.MANAGER, R.COMPANY_ADMIN,
                                   R.AUDITOR}),
    "tickets.accept": frozenset({R.SERVICE, R.DISPATCHER, R.MANAGER, R.COMPANY_ADMIN}),
    "tickets.dispatch": frozenset({R.DISPATCHER, R.MANAGER, R.COMPANY_ADMIN}),
    # technicians only on the tickets assigned to them (tickets.workflow checks the assignee)
    "tickets.work": frozenset({R.TECHNICIAN, R.DISPATCHER, R.MANAGER, R.COMPANY_ADMIN}),
    "tickets.follow_up": frozenset({R.SERVICE, R.MANAGER, R.COMPANY_ADMIN}),
    "tickets.manage": frozenset({R.MANAGER, R.COMPANY_ADMIN}),
    # finance (收费与账务): finance staff, the manager and the company write; the auditor reads;
    # owners and residents see their own units' bills and payments (finance.access object rule)
    "finance.view": frozenset({R.FINANCE, R.MANAGER, R.COMPANY_ADMIN, R.AUDITOR}),
    "finance.manage": frozenset({R.FINANCE, R.MANAGER, R.COMPANY_ADMIN}),
    "finance.bill": frozenset({R.FINANCE, R.MANAGER, R.COMPANY_ADMIN}),
    "finance.collect": frozenset({R.FINANCE, R.MANAGER, R.COMPANY_ADMIN}),
    "finance.post": frozenset({R.FINANCE, R.MANAGER, R.COMPANY_ADMIN}),
    # online payments: no role grants it; a household of the unit pays (finance.online object rule)
    "finance.pay_online": frozenset(),
    # public money (task `fund`): public income, expenses and the maintenance fund. The
    # committee and the supervision group read them; finance staff record; the manager and a
    # committee member approve (which side a user approves for is in finance.expenses). The
    # thresholds: the committee sets them; the manager and the company lower them, and propose
    # raising them to the committee (governance.controls)
    "finance.money.view": frozenset({R.FINANCE, R.MANAGER, R.COMPANY_ADMIN, R.AUDITOR,
                                     R.COMMITTEE, R.SUPERVISOR}),
    "finance.money.record": frozenset({R.FINANCE, R.MANAGER, R.COMPANY_ADMIN}),
    "finance.money.approve": frozenset({R.MANAGER, R.COMPANY_ADMIN, R.COMMITTEE}),
    "finance.money.policy": frozenset({R.MANAGER, R.COMPANY_ADMIN, R.COMMITTEE}),
    # 阳光账本 (finance/report/selectors.py): every member reads published months; finance staff, the
    # manager, the company and the auditor also read drafts and every household line; finance
    # and the manager publish; owners (and the committee and supervisors, who are owners) query
    "finance.report.view": ALL_ROLES,
    "finance.report.drafts": frozenset({R.FINANCE, R.MANAGER, R.COMPANY_ADMIN, R.AUDITOR}),
    "finance.report.publish": frozenset({R.FINANCE, R.MANAGER, R.COMPANY_ADMIN}),
    "finance.report.query": frozenset({R.OWNER, R.COMMITTEE, R.SUPERVISOR}),
    # finance charges: finance staff request waivers (减免); a manager or the company approves
    # them (never the requester: the services check that it is a different person)
    "finance.waive": frozenset({R.FINANCE, R.MANAGER, R.COMPANY_ADMIN}),
    "finance.approve_waiver": frozenset({R.MANAGER, R.COMPANY_ADMIN}),
    # uploads (photos, receipts): every member who acts, not the read-only auditor
    "uploads.create": ALL_ROLES - {R.AUDITOR},
    # announcements (公告) to the whole community: the service desk, the manager, the company
    "notices.publish": frozenset({R.SERVICE, R.MANAGER, R.COMPANY_ADMIN}),
    # governance (Civil Code art. 278 votes): owners vote for the units they hold (checked on
    # the frozen electorate); the committee and the manager run votes (announcing, cancelling,
    # extending and closing early are the committee's: governance.services and .controls);
    # staff and the committee enter paper and proxy ballots, a committee member who holds no
    # company role and did not enter it confirms them
    "governance.view": ALL_ROLES,
    "governance.manage": frozenset({R.COMMITTEE, R.MANAGER, R.COMPANY_ADMIN}),
    "governance.vote": frozenset({R.OWNER, R.RESIDENT, R.COMMITTEE, R.SUPERVISOR}),
    "governance.enter_ballots": frozenset({R.SERVICE, R.MANAGER, R.COMPANY_ADMIN, R.COMMITTEE}),
    "governance.confirm_ballots": frozenset({R.COMMITTEE}),
    # owner-side controls (governance.controls): every member sees what changed and who
    # proposed and confirmed it; the committee confirms or refuses the company's proposals
    "governance.controls.view": ALL_ROLES,
    "governance.controls.confirm": frozenset({R.COMMITTEE}),
    # proposals (金点子) and interim-meeting requests: owners propose and support (the service
    # also checks a current ownership); the committee answers in public; the committee or the
    # manager sets the threshold and deadlines
    "governance.propose": frozenset({R.OWNER, R.COMMITTEE, R.SUPERVISOR}),
    "governance.answer_proposals": frozenset({R.COMMITTEE}),
    "governance.policy": frozenset({R.COMMITTEE, R.MANAGER, R.COMPANY_ADMIN}),
    # meetings (议事会) and public comment (公示/征求意见): members read; the committee and the
    # manager run meetings and comment periods; staff and the committee sign attendees in and
    # answer comments; owners register for meetings and comment (checked against the roster)
    "meetings.view": ALL_ROLES,
    "meetings.manage": frozenset({R.COMMITTEE, R.MANAGER, R.COMPANY_ADMIN}),
    "meetings.sign_in": frozenset({R.SERVICE, R.MANAGER, R.COMPANY_ADMIN, R.COMMITTEE}),
    "meetings.register": frozenset({R.OWNER, R.COMMITTEE, R.SUPERVISOR}),
    "consultations.view": ALL_ROLES,
    "consultations.manage": frozenset({R.COMMITTEE, R.MANAGER, R.COMPANY_ADMIN}),
    "consultations.comment": frozenset({R.OWNER, R.COMMITTEE, R.SUPERVISOR}),
    "consultations.answer": frozenset({R.SERVICE, R.MANAGER, R.COMPANY_ADMIN, R.COMMITTEE}),
    # weekly exposure board (每周曝光台): members read published boards; staff prepare drafts;
    # the manager publishes; the committee co-signs (if the community requires it) and contests;
    # the company switches the co-signature on, only the committee switches it off (a company
    # proposal takes effect when the committee confirms it: governance.controls)
    "board.view": ALL_ROLES,
    "board.view_drafts": STAFF_ROLES | {R.AUDITOR, R.COMMITTEE},
    "board.prepare": frozenset({R.SERVICE, R.DISPATCHER, R.MANAGER, R.COMPANY_ADMIN}),
    "board.publish": frozenset({R.MANAGER, R.COMPANY_ADMIN}),
    "board.cosign": frozenset({R.COMMITTEE}),
    "board.contest": frozenset({R.COMMITTEE}),
    "board.answer": frozenset({R.MANAGER, R.COMPANY_ADMIN}),
    "board.settings": frozenset({R.COMMITTEE, R.COMPANY_ADMIN}),
    # duty rosters (排班, company.rosters): every member sees who is on duty today; the manager
    # and the company set shift types and patterns and approve leave and swaps (never their
    # own); each staff member asks for his own leave and swaps
    "rosters.manage": frozenset({R.MANAGER, R.COMPANY_ADMIN}),
    "rosters.request": STAFF_ROLES,
    # benchmarks (对标, company.benchmarks): the committee, the supervision group, the manager
    # and the auditor see their community beside the anonymised distribution of the company's
    # others (only when it has at least five communities)
    "benchmarks.view": frozenset({R.COMMITTEE, R.SUPERVISOR, R.MANAGER, R.COMPANY_ADMIN,
                                  R.AUDITOR}),
}

ObjectRule = Callable[[Any, Any], bool]
OBJECT_RULES: dict[str, ObjectRule] = {}


def object_rule(action: str) -> Callable[[ObjectRule], ObjectRule]:
    """Registers an object-level grant: ``rule(user, obj)`` True allows ``action`` on ``obj``."""

    def register(rule: ObjectRule) -> ObjectRule:
        OBJECT_RULES[action] = rule
        return rule

    return register


def role_map(user) -> dict[int, frozenset[str]]:
    """community_id → the user's active roles there; cached on the user object."""
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return {}
    cached = getattr(user, "_sunlit_roles", None)
    if cached is None:
        from sunlit.core.models import Membership

        roles: dict[int, set[str]] = {}
        rows = Membership.objects.filter(user=user, is_active=True).values_list(
            "community_id", "role"
        )
        for community_id, role in rows:
            roles.setdefault(community_id, set()).add(role)
        cached = {cid: frozenset(r) for cid, r in roles.items()}
        user._sunlit_roles = cached
    return cached


def forget_roles(user) -> None:
    """Drops the cached roles (after a membership change within the same request)."""
    if hasattr(user, "_sunlit_roles"):
        del user._sunlit_roles


def roles_in(user, community) -> frozenset[str]:
    return role_map(user).get(getattr(community, "pk", community), frozenset())


def _granted(action: str) -> frozenset[str]:
    try:
        return GRANTS[action]
    except KeyError:
        raise ValueError(f"unknown action {action!r}") from None


def communities_where(user, action: str) -> list[int]:
    """Ids of the communities where ``user`` may do ``action`` by role."""
    allowed = _granted(action)
    return sorted(cid for cid, roles in role_map(user).items() if roles & allowed)


def community_of(obj) -> int | None:
    if obj is None:
        return None
    if getattr(obj, "community_lookup", None) == "id":
        return obj.pk
    return getattr(obj, "community_id", None)


def can(user, action: str, obj=None, *, community=None) -> bool:
    allowed = _granted(action)
    community_id = getattr(community, "pk", community) if community is not None else None
    if community_id is None:
        community_id = community_of(obj)
    if community_id is None:
        return False
    if roles_in(user, community_id) & allowed:
        return True
    rule = OBJECT_RULES.get(action)
    return bool(rule and obj is not None and roles_in(user, community_id) and rule(user, obj))


def require(user, action: str, obj=None, *, community=None) -> None:
    if not can(user, action, obj, community=community):
        raise PermissionDenied(_("您没有执行此操作的权限"))
