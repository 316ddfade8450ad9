"""The whole loop, SLA bookkeeping through pauses, ratings, and log leaves in the transaction."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from sunlit.core.models import AuditEvent
from sunlit.tickets import services
from sunlit.tickets.models import Ticket, TicketEvent
from sunlit.transparency.models import LogLeaf
from tests.tickets.conftest import MORNING


def minutes(n):
    return MORNING + dt.timedelta(minutes=n)


def test_the_whole_loop(submit, service, dispatcher, technician, technician_member, owner):
    ticket = submit()
    ticket = services.accept_ticket(ticket, actor=service, now=minutes(10))
    ticket = services.dispatch_ticket(ticket, to=technician, actor=dispatcher, now=minutes(20))
    assert ticket.assignee == technician_member
    ticket = services.arrive_ticket(ticket, actor=technician, now=minutes(150))
    ticket = services.resolve_ticket(ticket, actor=technician, note="更换密封圈", now=minutes(200))
    ticket = services.rate_ticket(ticket, actor=owner, rating=5, comment="师傅很专业",
                                  now=minutes(300))
    ticket = services.follow_up_ticket(ticket, actor=service, note="业主满意", now=minutes(400))
    ticket = services.archive_ticket(ticket, actor=service, now=minutes(500))
    assert ticket.status == "archived" and ticket.closed_at == minutes(500)
    assert (ticket.met_accept, ticket.met_arrive, ticket.met_resolve) == (True, False, True)
    assert [e.action for e in ticket.events.all()] == [
        "submit", "accept", "dispatch", "arrive", "resolve", "rate", "follow_up", "archive"]
    leaves = LogLeaf.objects.filter(subject_type="tickets.ticket", subject_id=str(ticket.pk))
    assert leaves.count() == 8
    dispatched = json.loads(leaves.get(data__contains='"action":"dispatch"').data)["public"]
    # public responsibility: the technician by name and job number
    assert (dispatched["assignee"], dispatched["assignee_job_number"]) == (str(technician), "G007")
    assert AuditEvent.objects.filter(object_type="tickets.ticket", object_id=str(ticket.pk)).count() == 8


def test_reassignment_keeps_the_history(ticket_in, dispatcher, other_technician, technician):
    ticket = ticket_in("dispatched")
    ticket = services.dispatch_ticket(ticket, to=other_technician, actor=dispatcher, now=minutes(5))
    assert ticket.assignee.user == other_technician
    event = ticket.events.latest("id")
    assert event.data["from"] == str(technician) and event.data["to"] == str(other_technician)
    # the first technician no longer may work on it
    with pytest.raises(PermissionDenied):
        services.arrive_ticket(ticket, actor=technician, now=minutes(6))


def test_dispatch_only_to_staff_of_the_community(ticket_in, dispatcher, owner, make_member,
                                                 other_community):
    from sunlit.core.choices import Role

    outsider = make_member(Role.TECHNICIAN, other_community, username="outsider")
    ticket = ticket_in("accepted", assignee=None)
    for to in (owner, outsider):
        with pytest.raises(ValidationError):
            services.dispatch_ticket(ticket, to=to, actor=dispatcher, now=minutes(5))
    assert Ticket.objects.get(pk=ticket.pk).status == "accepted"


def test_suspension_pauses_the_clock(submit, dispatcher, technician, technician_member):
    ticket = submit()  # arrive due at +120 min, 24×7
    ticket = services.dispatch_ticket(ticket, to=technician_member, actor=dispatcher, now=minutes(5))
    ticket = services.suspend_ticket(ticket, actor=technician, reason="业主不在家", now=minutes(60))
    assert ticket.is_paused and not ticket.is_overdue(minutes(500))
    ticket = services.resume_ticket(ticket, actor=technician, now=minutes(240))
    assert ticket.status == "dispatched" and ticket.paused_at is None
    assert ticket.paused_seconds == 180 * 60
    assert ticket.due_arrive == minutes(120 + 180)
    ticket = services.arrive_ticket(ticket, actor=technician, now=minutes(290))
    assert ticket.met_arrive is True


@pytest.mark.parametrize("rating", [0, 6, "5", None, True])
def test_ratings_out_of_range_are_refused(ticket_in, owner, rating):
    ticket = ticket_in("resolved")
    with pytest.raises(ValidationError):
        services.rate_ticket(ticket, actor=owner, rating=rating, now=minutes(5))
    assert Ticket.objects.get(pk=ticket.pk).rating is None


def test_a_low_rating_goes_back_to_the_manager(ticket_in, owner):
    ticket = services.rate_ticket(ticket_in("resolved"), actor=owner, rating=2, comment="太慢",
                                  now=minutes(5))
    assert ticket.needs_manager_review
    leaf = LogLeaf.objects.latest("index")
    assert leaf.event_type == "tickets.ticket.rated" and "太慢" not in leaf.data
    with pytest.raises(ValidationError):  # once per resolution
        services.rate_ticket(ticket, actor=owner, rating=4, now=minutes(6))


def test_only_the_reporter_rates_and_only_after_resolution(ticket_in, owner, neighbour):
    with pytest.raises(PermissionDenied):
        services.rate_ticket(ticket_in("resolved"), actor=neighbour, rating=5)
    with pytest.raises(ValidationError):
        services.rate_ticket(ticket_in("on_site"), actor=owner, rating=5)


def test_a_rolled_back_step_leaves_no_leaf_and_no_timeline(ticket_in, service):
    ticket = ticket_in("pending")
    counts = (LogLeaf.objects.count(), TicketEvent.objects.count(), AuditEvent.objects.count())
    with pytest.raises(RuntimeError), transaction.atomic():
        services.accept_ticket(ticket, actor=service, now=minutes(5))
        assert LogLeaf.objects.count() == counts[0] + 1
        raise RuntimeError("boom")
    assert (LogLeaf.objects.count(), TicketEvent.objects.count(),
            AuditEvent.objects.count()) == counts
    assert Ticket.objects.get(pk=ticket.pk).status == "pending"


def test_the_assignee_takes_the_task_once_per_dispatch(ticket_in, technician, dispatcher,
                                                       other_technician):
    ticket = ticket_in("dispatched")
    ticket = services.take_ticket(ticket, actor=technician, now=MORNING)
    assert ticket.status == "dispatched" and ticket.taken_at == MORNING
    with pytest.raises(ValidationError):
        services.take_ticket(ticket, actor=technician, now=MORNING)
    other = other_technician.memberships.get()
    ticket = services.dispatch_ticket(ticket, to=other, actor=dispatcher, now=MORNING)
    assert Ticket.objects.get(pk=ticket.pk).taken_at is None  # the new assignee is asked again
    with pytest.raises(PermissionDenied):  # no longer his
        services.take_ticket(ticket, actor=technician, now=MORNING)
    assert services.take_ticket(ticket, actor=other_technician, now=MORNING).taken_at == MORNING


def test_the_service_desk_never_rates_for_the_owner(ticket_in, service, manager):
    """Rule (a) of docs/security.md: the company does not rate its own service for an owner."""
    ticket = ticket_in("resolved")
    for staff in (service, manager):
        with pytest.raises(PermissionDenied):
            services.rate_ticket(ticket, actor=staff, rating=5)
    assert Ticket.objects.get(pk=ticket.pk).rating is None
    assert not TicketEvent.objects.filter(ticket=ticket, action="rate").exists()


def test_staff_withdraw_only_a_call_of_an_owner_without_an_account(
        submit, service, owner, owner_unit, plumbing):
    """An owner who reported in the app withdraws himself; customer service withdraws only what
    it registered for a caller who has no account (he cannot do it himself)."""
    from sunlit.tickets.choices import Channel
    from tests.factories import OwnershipFactory, PersonFactory

    own = submit()
    with pytest.raises(PermissionDenied):
        services.withdraw_ticket(own, actor=service, now=minutes(5))
    assert Ticket.objects.get(pk=own.pk).status == "pending"
    caller = PersonFactory(community=owner_unit.community, name="电话业主")
    OwnershipFactory(unit=owner_unit, person=caller)
    call = submit(actor=service, reporter=caller, channel=Channel.PHONE)
    assert call.reporter_user_id is None
    services.withdraw_ticket(call, actor=service, note="业主来电撤销", now=minutes(5))
    assert Ticket.objects.get(pk=call.pk).status == "withdrawn"
