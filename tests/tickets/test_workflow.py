"""The state machine: every transition by role (allowed and refused), refusals change nothing."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from sunlit.tickets import services, workflow
from sunlit.tickets.choices import Action, TicketKind, TicketStatus
from sunlit.tickets.models import Ticket, TicketEvent
from sunlit.transparency.models import LogLeaf
from tests.tickets.conftest import MORNING

LATER = MORNING + dt.timedelta(hours=1)
PERSONAS = ["owner", "neighbour", "owner_other_community", "service", "dispatcher", "manager",
            "technician", "other_technician", "finance", "committee", "auditor", "company_admin"]
STAFF_DESK = {"service", "dispatcher", "manager", "company_admin"}
DISPATCH = {"dispatcher", "manager", "company_admin"}
WORK = {"technician", "dispatcher", "manager", "company_admin"}  # technician: assigned only
FOLLOW_UP = {"service", "manager", "company_admin"}


def _do(action, request):
    """action → callable(ticket, actor) taking that step."""
    calls = {
        Action.ACCEPT: lambda t, a: services.accept_ticket(t, actor=a, now=LATER),
        Action.DISPATCH: lambda t, a: services.dispatch_ticket(
            t, to=request.getfixturevalue("technician_member"), actor=a, now=LATER),
        Action.ARRIVE: lambda t, a: services.arrive_ticket(t, actor=a, now=LATER),
        Action.TAKE: lambda t, a: services.take_ticket(t, actor=a, now=LATER),
        Action.RESOLVE: lambda t, a: services.resolve_ticket(t, actor=a, note="已更换", now=LATER),
        Action.FOLLOW_UP: lambda t, a: services.follow_up_ticket(t, actor=a, note="满意", now=LATER),
        Action.ARCHIVE: lambda t, a: services.archive_ticket(t, actor=a, now=LATER),
        Action.WITHDRAW: lambda t, a: services.withdraw_ticket(t, actor=a, now=LATER),
        Action.MARK_UNRESOLVABLE: lambda t, a: services.mark_unresolvable(
            t, actor=a, reason="属开发商保修范围", now=LATER),
        Action.REOPEN: lambda t, a: services.reopen_ticket(t, actor=a, reason="还在漏", now=LATER),
        Action.SUSPEND: lambda t, a: services.suspend_ticket(t, actor=a, reason="业主不在家",
                                                             now=LATER),
        Action.RESUME: lambda t, a: services.resume_ticket(t, actor=a, now=LATER),
    }
    return calls[action]


# (action, from state, kind, who may take it, state afterwards)
MATRIX = [
    (Action.ACCEPT, "pending", TicketKind.REPAIR, STAFF_DESK, "accepted"),
    (Action.ACCEPT, "reopened", TicketKind.REPAIR, STAFF_DESK, "accepted"),
    (Action.DISPATCH, "pending", TicketKind.REPAIR, DISPATCH, "dispatched"),
    (Action.DISPATCH, "accepted", TicketKind.REPAIR, DISPATCH, "dispatched"),
    (Action.DISPATCH, "dispatched", TicketKind.REPAIR, DISPATCH, "dispatched"),
    (Action.DISPATCH, "reopened", TicketKind.REPAIR, DISPATCH, "dispatched"),
    (Action.TAKE, "dispatched", TicketKind.REPAIR, WORK, "dispatched"),
    (Action.ARRIVE, "dispatched", TicketKind.REPAIR, WORK, "on_site"),
    (Action.RESOLVE, "on_site", TicketKind.REPAIR, WORK, "resolved"),
    (Action.RESOLVE, "accepted", TicketKind.COMPLAINT, STAFF_DESK, "resolved"),
    (Action.FOLLOW_UP, "resolved", TicketKind.REPAIR, FOLLOW_UP, "followed_up"),
    (Action.ARCHIVE, "followed_up", TicketKind.REPAIR, FOLLOW_UP, "archived"),
    (Action.ARCHIVE, "unresolvable", TicketKind.REPAIR, FOLLOW_UP, "archived"),
    # the owner's own decision: staff withdraw only calls of owners without an account
    # (test_steps.py), never a ticket the owner reported himself
    (Action.WITHDRAW, "pending", TicketKind.REPAIR, {"owner"}, "withdrawn"),
    (Action.WITHDRAW, "accepted", TicketKind.REPAIR, {"owner"}, "withdrawn"),
    (Action.WITHDRAW, "dispatched", TicketKind.REPAIR, {"owner"}, "withdrawn"),
    (Action.MARK_UNRESOLVABLE, "accepted", TicketKind.REPAIR, DISPATCH, "unresolvable"),
    (Action.MARK_UNRESOLVABLE, "dispatched", TicketKind.REPAIR, DISPATCH, "unresolvable"),
    (Action.MARK_UNRESOLVABLE, "on_site", TicketKind.REPAIR, DISPATCH, "unresolvable"),
    (Action.MARK_UNRESOLVABLE, "suspended", TicketKind.REPAIR, DISPATCH, "unresolvable"),
    (Action.MARK_UNRESOLVABLE, "reopened", TicketKind.REPAIR, DISPATCH, "unresolvable"),
    (Action.REOPEN, "resolved", TicketKind.REPAIR, STAFF_DESK | {"owner"}, "reopened"),
    (Action.REOPEN, "followed_up", TicketKind.REPAIR, STAFF_DESK | {"owner"}, "reopened"),
    (Action.SUSPEND, "accepted", TicketKind.REPAIR, WORK, "suspended"),
    (Action.SUSPEND, "dispatched", TicketKind.REPAIR, WORK, "suspended"),
    (Action.SUSPEND, "on_site", TicketKind.REPAIR, WORK, "suspended"),
    (Action.RESUME, "suspended", TicketKind.REPAIR, WORK, "on_site"),
]


def test_the_matrix_covers_the_whole_table():
    table = {(r.action, r.from_status) for r in workflow.TRANSITIONS}
    assert table == {(a, s) for a, s, *_ in MATRIX}


def _snapshot(ticket):
    ticket = Ticket.objects.get(pk=ticket.pk)
    return (ticket.status, ticket.assignee_id, ticket.updated_at, ticket.due_resolve,
            TicketEvent.objects.filter(ticket=ticket).count(), LogLeaf.objects.count())


@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize(("action", "status", "kind", "allowed", "after"), MATRIX,
                         ids=[f"{a}-{s}" for a, s, *_ in MATRIX])
def test_transition_by_role(request, ticket_in, noise, action, status, kind, allowed, after,
                            persona):
    extra = {"kind": kind, "category": noise} if kind == TicketKind.COMPLAINT else {}
    ticket = ticket_in(status, **({"kind": kind, "category": noise} if extra else {}))
    user = request.getfixturevalue(persona)
    before = _snapshot(ticket)
    if persona in allowed:
        assert action in workflow.allowed_actions(ticket, user, now=LATER)
        done = _do(action, request)(ticket, user)
        assert done.status == after
        event = TicketEvent.objects.filter(ticket=ticket).latest("id")
        assert (event.action, event.from_status, event.to_status, event.actor) == (
            action, status, after, user)
        leaf = LogLeaf.objects.latest("index")
        assert leaf.event_type == "tickets.ticket.transitioned"
        assert f'"status_to":"{after}"' in leaf.data
    else:
        assert action not in workflow.allowed_actions(ticket, user, now=LATER)
        with pytest.raises(PermissionDenied):
            _do(action, request)(ticket, user)
        assert _snapshot(ticket) == before


ALL_STATUSES = list(TicketStatus.values)
REFUSED = [(a, s) for a in {a for a, *_ in MATRIX} for s in ALL_STATUSES
           if (a, s) not in {(a2, s2) for a2, s2, *_ in MATRIX}]


@pytest.mark.parametrize(("action", "status"), sorted(REFUSED))
def test_transition_from_a_wrong_state_is_refused(request, ticket_in, company_admin, owner,
                                                  action, status):
    ticket = ticket_in(status, resolved_at=MORNING, paused_at=None)
    before = _snapshot(ticket)
    actor = owner if action == Action.WITHDRAW else company_admin
    with pytest.raises(ValidationError) as caught:
        _do(action, request)(ticket, actor)
    assert "status" in caught.value.message_dict
    assert _snapshot(ticket) == before


def test_repairs_cannot_be_resolved_without_going_on_site(ticket_in, manager):
    ticket = ticket_in("accepted")
    with pytest.raises(ValidationError):
        services.resolve_ticket(ticket, actor=manager, now=LATER)


def test_reopen_only_within_the_configured_days(ticket_in, owner, settings):
    settings.SUNLIT_TICKET_REOPEN_DAYS = 3
    ticket = ticket_in("resolved", resolved_at=LATER - dt.timedelta(days=4))
    with pytest.raises(ValidationError) as caught:
        services.reopen_ticket(ticket, actor=owner, reason="还在漏", now=LATER)
    assert "3 天" in str(caught.value)
    ticket = ticket_in("resolved", resolved_at=LATER - dt.timedelta(days=2))
    reopened = services.reopen_ticket(ticket, actor=owner, reason="还在漏", now=LATER)
    assert reopened.reopened_count == 1 and reopened.due_resolve > LATER


@pytest.mark.parametrize("call", [
    lambda t, u: services.suspend_ticket(t, actor=u, reason="  ", now=LATER),
    lambda t, u: services.mark_unresolvable(t, actor=u, reason="", now=LATER),
])
def test_a_reason_is_required(ticket_in, manager, call):
    ticket = ticket_in("on_site")
    before = _snapshot(ticket)
    with pytest.raises(ValidationError):
        call(ticket, manager)
    assert _snapshot(ticket) == before


def test_unresolvable_reason_is_public_on_the_log(ticket_in, manager):
    ticket = services.mark_unresolvable(ticket_in("on_site"), actor=manager,
                                        reason="属开发商保修范围", now=LATER)
    assert ticket.public_reason == "属开发商保修范围"
    assert "属开发商保修范围" in LogLeaf.objects.latest("index").data


def test_withdrawn_and_a_cancelled_vote_are_different_words_in_english():
    from django.utils import translation

    from sunlit.governance.votes.choices import VoteStatus
    from sunlit.tickets.choices import TicketStatus

    with translation.override("en"):
        assert str(TicketStatus.WITHDRAWN.label) == "Withdrawn"
        assert str(VoteStatus.CANCELLED.label) == "Cancelled"
    assert str(TicketStatus.WITHDRAWN.label) == str(VoteStatus.CANCELLED.label) == "已撤销"
