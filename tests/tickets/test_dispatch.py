"""Automatic dispatch: department → skill → on duty now → fewest open tickets."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from sunlit.core.choices import Role
from sunlit.tickets import dispatch, services
from sunlit.tickets.choices import Action, TicketStatus
from sunlit.tickets.models import Shift, Skill, Ticket
from tests.tickets.conftest import MORNING


@pytest.fixture
def on_duty(community):
    def make(member, start=MORNING - dt.timedelta(hours=2), hours=8):
        return Shift.objects.create(community=community, member=member, starts_at=start,
                                    ends_at=start + dt.timedelta(hours=hours))
    return make


@pytest.fixture
def second_technician(other_technician, community, engineering):
    member = other_technician.memberships.get(community=community, role=Role.TECHNICIAN)
    member.department, member.job_number = engineering, "G008"
    member.save(update_fields=["department", "job_number"])
    return member


def test_nobody_on_duty_means_no_choice(submit, technician_member):
    ticket = submit()
    assert dispatch.choose_assignee(ticket, at=MORNING) is None


def test_the_technician_on_duty_is_chosen(submit, technician_member, second_technician, on_duty):
    on_duty(second_technician)
    on_duty(technician_member, start=MORNING + dt.timedelta(hours=1))  # not yet on duty
    assert dispatch.choose_assignee(submit(), at=MORNING) == second_technician


def test_fewest_open_tickets_wins(submit, technician_member, second_technician, on_duty, dispatcher):
    on_duty(technician_member)
    on_duty(second_technician)
    busy = submit(idempotency_key="a")
    services.dispatch_ticket(busy, to=technician_member, actor=dispatcher, now=MORNING)
    assert dispatch.choose_assignee(submit(idempotency_key="b"), at=MORNING) == second_technician


def test_ties_go_to_whoever_waited_longest(submit, technician_member, second_technician, on_duty,
                                           dispatcher):
    on_duty(technician_member)
    on_duty(second_technician)
    first = services.dispatch_ticket(submit(idempotency_key="a"), to=technician_member,
                                     actor=dispatcher, now=MORNING)
    services.dispatch_ticket(submit(idempotency_key="b"), to=second_technician, actor=dispatcher,
                             now=MORNING + dt.timedelta(minutes=5))
    Ticket.objects.filter(pk=first.pk).update(status=TicketStatus.ARCHIVED)
    # second_technician still has one open; technician_member none
    assert dispatch.choose_assignee(submit(idempotency_key="c"), at=MORNING) == technician_member


def test_skill_narrows_the_candidates(submit, plumbing, technician_member, second_technician, on_duty):
    on_duty(technician_member)
    on_duty(second_technician)
    Skill.objects.create(community=plumbing.community, member=second_technician, category=plumbing)
    assert dispatch.choose_assignee(submit(), at=MORNING) == second_technician


def test_other_departments_and_communities_are_never_chosen(submit, technician_member, on_duty,
                                                           other_community, engineering):
    on_duty(technician_member)
    technician_member.department = None
    technician_member.save(update_fields=["department"])
    assert dispatch.choose_assignee(submit(), at=MORNING) is None


def test_auto_dispatch_service_records_the_choice(submit, technician_member, on_duty, dispatcher):
    on_duty(technician_member)
    ticket = services.auto_dispatch_ticket(submit(), actor=dispatcher, now=MORNING)
    assert ticket.status == TicketStatus.DISPATCHED and ticket.assignee == technician_member
    event = ticket.events.get(action=Action.DISPATCH)
    assert event.data["automatic"] is True and event.actor == dispatcher


def test_auto_dispatch_without_candidates_is_a_clear_error(submit, dispatcher, technician_member):
    ticket = submit()
    with pytest.raises(ValidationError) as error:
        services.auto_dispatch_ticket(ticket, actor=dispatcher, now=MORNING)
    assert "to" in error.value.message_dict
    assert Ticket.objects.get(pk=ticket.pk).status == TicketStatus.PENDING


def test_owner_may_not_auto_dispatch(submit, owner, technician_member, on_duty):
    on_duty(technician_member)
    ticket = submit()
    with pytest.raises(PermissionDenied):
        services.auto_dispatch_ticket(ticket, actor=owner, now=MORNING)
    assert Ticket.objects.get(pk=ticket.pk).assignee is None


def test_category_with_auto_dispatch_dispatches_on_submission(submit, plumbing, technician_member,
                                                              on_duty):
    plumbing.auto_dispatch = True
    plumbing.save(update_fields=["auto_dispatch"])
    on_duty(technician_member)
    ticket = submit()
    assert ticket.status == TicketStatus.DISPATCHED and ticket.assignee == technician_member
    assert ticket.events.get(action=Action.DISPATCH).actor is None


def test_auto_dispatch_category_waits_when_nobody_is_on_duty(submit, plumbing, technician_member):
    plumbing.auto_dispatch = True
    plumbing.save(update_fields=["auto_dispatch"])
    assert submit().status == TicketStatus.PENDING
