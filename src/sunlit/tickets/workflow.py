"""The ticket workflow as data: which action leads from which state to which, and for whom.

``TRANSITIONS`` is the whole state machine. Each row names the permission (a ``GRANTS``
action in ``core.permissions``) whose roles may take it; ``reporter`` rows may also be taken
by the reporter himself. Technicians hold ``tickets.work`` only on the tickets assigned to
them. ``to_status`` ``None`` means "back to the state before the suspension".
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

from sunlit.core.choices import Role
from sunlit.core.permissions import GRANTS, can, roles_in
from sunlit.tickets.choices import Action, TicketKind, TicketStatus

S = TicketStatus
NOT_REPAIR = frozenset({TicketKind.COMPLAINT, TicketKind.SUGGESTION, TicketKind.INQUIRY})


@dataclass(frozen=True)
class Transition:
    from_status: str
    action: str
    to_status: str | None
    grant: str | None  # a GRANTS action; None: the reporter only
    reporter: bool = False
    kinds: frozenset[str] | None = None  # None: every kind
    # the owner's own decision: a holder of ``grant`` takes it only for a reporter who has no
    # account of his own (a phone or counter registration), never instead of an owner who can
    # act himself (docs/security.md, rule a)
    owner_decides: bool = False


T = Transition
TRANSITIONS: tuple[Transition, ...] = (
    T(S.PENDING, Action.ACCEPT, S.ACCEPTED, "tickets.accept"),
    T(S.REOPENED, Action.ACCEPT, S.ACCEPTED, "tickets.accept"),
    T(S.PENDING, Action.DISPATCH, S.DISPATCHED, "tickets.dispatch"),
    T(S.ACCEPTED, Action.DISPATCH, S.DISPATCHED, "tickets.dispatch"),
    T(S.REOPENED, Action.DISPATCH, S.DISPATCHED, "tickets.dispatch"),
    T(S.DISPATCHED, Action.DISPATCH, S.DISPATCHED, "tickets.dispatch"),  # reassignment
    # the assignee acknowledges the task (接单) — once per dispatch
    T(S.DISPATCHED, Action.TAKE, S.DISPATCHED, "tickets.work"),
    T(S.DISPATCHED, Action.ARRIVE, S.ON_SITE, "tickets.work"),
    T(S.ON_SITE, Action.RESOLVE, S.RESOLVED, "tickets.work"),
    # complaints, suggestions and inquiries may be answered by customer service directly
    T(S.ACCEPTED, Action.RESOLVE, S.RESOLVED, "tickets.accept", kinds=NOT_REPAIR),
    T(S.RESOLVED, Action.FOLLOW_UP, S.FOLLOWED_UP, "tickets.follow_up"),
    T(S.FOLLOWED_UP, Action.ARCHIVE, S.ARCHIVED, "tickets.follow_up"),
    T(S.UNRESOLVABLE, Action.ARCHIVE, S.ARCHIVED, "tickets.follow_up"),
    # before work starts (nobody on site yet)
    *(T(s, Action.WITHDRAW, S.WITHDRAWN, "tickets.submit_for_owner", reporter=True,
        owner_decides=True) for s in (S.PENDING, S.ACCEPTED, S.DISPATCHED)),
    *(T(s, Action.MARK_UNRESOLVABLE, S.UNRESOLVABLE, "tickets.dispatch")
      for s in (S.ACCEPTED, S.DISPATCHED, S.ON_SITE, S.SUSPENDED, S.REOPENED)),
    # within SUNLIT_TICKET_REOPEN_DAYS of the resolution
    T(S.RESOLVED, Action.REOPEN, S.REOPENED, "tickets.submit_for_owner", reporter=True),
    T(S.FOLLOWED_UP, Action.REOPEN, S.REOPENED, "tickets.submit_for_owner", reporter=True),
    *(T(s, Action.SUSPEND, S.SUSPENDED, "tickets.work")
      for s in (S.ACCEPTED, S.DISPATCHED, S.ON_SITE)),
    T(S.SUSPENDED, Action.RESUME, None, "tickets.work"),
)


def reopen_days() -> int:
    return getattr(settings, "SUNLIT_TICKET_REOPEN_DAYS", 7)


def is_reporter(user, ticket) -> bool:
    return (ticket.reporter_user_id is not None and ticket.reporter_user_id == user.pk
            and bool(roles_in(user, ticket.community_id)))


def _granted(user, grant: str, ticket) -> bool:
    if grant == "tickets.work":
        roles = roles_in(user, ticket.community_id) & GRANTS["tickets.work"]
        if roles - {Role.TECHNICIAN}:
            return True
        return bool(roles) and ticket.assignee is not None and ticket.assignee.user_id == user.pk
    return can(user, grant, ticket)


def may_work(user, ticket) -> bool:
    """Whether ``user`` works on ``ticket``: its assignee, or a dispatcher/manager."""
    return getattr(user, "is_authenticated", False) and _granted(user, "tickets.work", ticket)


def may_take(user, row: Transition, ticket) -> bool:
    """Whether ``user`` may take ``row`` on ``ticket`` by role, assignment or as reporter."""
    if not getattr(user, "is_authenticated", False):
        return False
    if row.reporter and is_reporter(user, ticket):
        return True
    if row.owner_decides and ticket.reporter_user_id is not None:
        return False
    return row.grant is not None and _granted(user, row.grant, ticket)


def may_ever(user, ticket, action: str) -> bool:
    """Whether ``user`` could take ``action`` on ``ticket`` in some state: the question a page
    or an endpoint answers (403) before it looks at what was typed."""
    if action == Action.QUOTE:
        return may_work(user, ticket)
    if action in (Action.ACCEPT_QUOTE, Action.REJECT_QUOTE, Action.RATE):
        return is_reporter(user, ticket)
    return any(may_take(user, row, ticket) for row in TRANSITIONS
               if row.action == action and _applies(row, ticket))


def _applies(row: Transition, ticket) -> bool:
    return row.kinds is None or ticket.kind in row.kinds


def target_status(row: Transition, ticket) -> str:
    return row.to_status if row.to_status is not None else ticket.suspended_from


def _condition_error(row: Transition, ticket, now) -> str | None:
    if row.action == Action.TAKE and ticket.taken_at is not None:
        return _("已接单")
    if row.action == Action.REOPEN:
        resolved = ticket.resolved_at
        if resolved is None or now - resolved > dt.timedelta(days=reopen_days()):
            return _("已超过可重新打开的期限（处理完成后 %(days)s 天内）") % {"days": reopen_days()}
    return None


def allowed_actions(ticket, user, *, now=None) -> list[str]:
    """The actions ``user`` may take on ``ticket`` now (for buttons and the API)."""
    now = now or timezone.now()
    return [row.action for row in TRANSITIONS
            if row.from_status == ticket.status and _applies(row, ticket)
            and may_take(user, row, ticket) and _condition_error(row, ticket, now) is None]


def transition_for(ticket, user, action: str, *, now=None) -> Transition:
    """The row that lets ``user`` take ``action`` on ``ticket`` now.

    Raises PermissionDenied when the user may not take this action at all (in any state),
    ValidationError when the action is not possible from the ticket's current state.
    """
    now = now or timezone.now()
    rows = [row for row in TRANSITIONS if row.action == action and _applies(row, ticket)]
    current = [row for row in rows if row.from_status == ticket.status]
    if current:
        row = current[0]
        if not may_take(user, row, ticket):
            raise PermissionDenied(_("您没有执行此操作的权限"))
        error = _condition_error(row, ticket, now)
        if error:
            raise ValidationError({"status": [error]})
        return row
    if not any(may_take(user, row, ticket) for row in rows):
        raise PermissionDenied(_("您没有执行此操作的权限"))
    raise ValidationError({"status": [
        _("工单当前状态为“%(status)s”，不能%(action)s")
        % {"status": ticket.get_status_display(), "action": Action(action).label}]})
