"""The escalation schedule: 80 % → the assignee, breach → the manager, 2× → the company."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine

from sunlit.tickets import services, tasks
from sunlit.tickets.choices import Action, EscalationLevel, TicketStatus
from sunlit.tickets.models import Escalation, Ticket
from sunlit.transparency.models import LogLeaf
from tests.tickets.conftest import MORNING


def at(minutes: int) -> dt.datetime:
    return MORNING + dt.timedelta(minutes=minutes)


def levels(ticket, step="accept"):
    return list(Escalation.objects.filter(ticket=ticket, step=step).order_by("pk")
                .values_list("level", flat=True))


@pytest.fixture
def staff(manager, dispatcher, company_admin, technician_member):
    return {"manager": manager, "dispatcher": dispatcher, "company": company_admin,
            "technician": technician_member.user}


def test_nothing_before_80_percent(submit, staff):
    ticket = submit()  # normal repair: accept within 30 minutes (24×7)
    assert services.run_escalations(now=at(23)) == []
    assert levels(ticket) == []


def test_warning_breach_and_company_each_once(submit, staff):
    ticket = submit()
    warn = services.run_escalations(now=at(24))
    assert [e.level for e in warn] == [EscalationLevel.WARN]
    assert warn[0].notified == [staff["dispatcher"].pk]  # no assignee yet: the dispatcher
    assert services.run_escalations(now=at(25)) == []
    breach = services.run_escalations(now=at(31))
    assert [e.level for e in breach] == [EscalationLevel.BREACH]
    assert set(breach[0].notified) == {staff["manager"].pk, staff["dispatcher"].pk}
    company = services.run_escalations(now=at(60))
    assert [(e.step, e.level) for e in company] == [("accept", EscalationLevel.COMPANY)]
    assert company[0].notified == [staff["company"].pk]
    assert levels(ticket) == ["warn", "breach", "company"]
    events = ticket.events.filter(action=Action.ESCALATE)
    assert events.count() == 3 and not events.get(data__level="warn").is_public
    leaves = LogLeaf.objects.filter(event_type="tickets.ticket.escalated", subject_id=str(ticket.pk))
    assert leaves.count() == 3


def test_the_assignee_is_warned_about_arrival(submit, staff, dispatcher, technician_member):
    ticket = services.dispatch_ticket(submit(), to=technician_member, actor=dispatcher, now=at(5))
    sent = services.run_escalations(now=at(96))  # arrive within 120 minutes: 80 % at 96
    assert [(e.step, e.level) for e in sent] == [("arrive", "warn")]
    assert sent[0].notified == [staff["technician"].pk]
    assert levels(ticket, "accept") == []  # accepted in time: nothing


def test_a_late_worker_sends_only_the_highest_level(submit, staff):
    ticket = submit()
    sent = services.run_escalations(now=at(90))
    assert [(e.step, e.level) for e in sent] == [("accept", "company")]
    assert levels(ticket) == ["warn", "breach", "company"]  # the lower ones marked as passed
    assert ticket.events.filter(action=Action.ESCALATE).count() == 1


def test_suspended_and_closed_tickets_are_left_alone(ticket_in, staff):
    paused = ticket_in("suspended")
    Ticket.objects.filter(pk=paused.pk).update(met_accept=None)
    closed = ticket_in("archived")
    Ticket.objects.filter(pk=closed.pk).update(met_accept=None)
    assert services.run_escalations(now=at(500)) == []


def test_a_moved_due_time_arms_the_levels_again(submit, staff, technician_member, dispatcher):
    ticket = services.dispatch_ticket(submit(), to=technician_member, actor=dispatcher, now=at(1))
    assert [e.level for e in services.run_escalations(now=at(100))] == ["warn"]
    ticket = services.suspend_ticket(ticket, actor=technician_member.user, reason="业主不在家",
                                     now=at(100))
    assert services.run_escalations(now=at(200)) == []
    ticket = services.resume_ticket(ticket, actor=technician_member.user, now=at(300))
    assert ticket.due_arrive == at(320)
    sent = services.run_escalations(now=at(316))
    assert [(e.step, e.level) for e in sent] == [("arrive", "warn")]
    assert Escalation.objects.filter(ticket=ticket, step="arrive").count() == 2


def test_working_time_targets_count_working_minutes(ticket_in, staff):
    # resolve within 3 working days; a ticket due Friday 18:00 is not late over the weekend
    ticket = ticket_in(TicketStatus.DISPATCHED)
    friday_close = dt.datetime(2026, 11, 20, 18, 0, tzinfo=MORNING.tzinfo)
    Ticket.objects.filter(pk=ticket.pk).update(due_resolve=friday_close, met_accept=True,
                                                met_arrive=True)
    sunday = dt.datetime(2026, 11, 22, 12, 0, tzinfo=MORNING.tzinfo)
    assert [e.level for e in services.run_escalations(now=sunday)] == ["breach"]
    # late by 3 × 480 working minutes only on Wednesday 18:00
    assert services.run_escalations(now=dt.datetime(2026, 11, 25, 17, 0, tzinfo=MORNING.tzinfo)) == []
    wednesday = dt.datetime(2026, 11, 25, 18, 0, tzinfo=MORNING.tzinfo)
    assert [e.level for e in services.run_escalations(now=wednesday)] == ["company"]


def test_the_periodic_task_runs_the_schedule(submit, staff):
    ticket = submit()
    with time_machine.travel(at(31), tick=False):
        assert tasks.escalate_late_tickets.call_local() == 1
    assert levels(ticket) == ["warn", "breach"]
