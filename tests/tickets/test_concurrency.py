"""Races on PostgreSQL: the same submission twice at once, two dispatchers on one ticket,
two escalation workers at once."""

from __future__ import annotations

import threading

import pytest
from django.core.exceptions import ValidationError
from django.db import connection, connections

from sunlit.tickets import services
from sunlit.tickets.choices import Action, TicketStatus
from sunlit.tickets.models import Escalation, Ticket, TicketEvent
from tests.tickets.conftest import MORNING

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(connection.vendor != "postgresql",
                       reason="needs PostgreSQL (DATABASE_URL) for real concurrency"),
    pytest.mark.django_db(transaction=True),
]


def race(n: int, work) -> list:
    """Runs ``work(i)`` in ``n`` threads released at once; returns results or exceptions."""
    barrier = threading.Barrier(n)
    results: list = [None] * n

    def run(i):
        try:
            barrier.wait()
            results[i] = work(i)
        except Exception as error:
            results[i] = error
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


def test_the_same_submission_at_once_creates_one_ticket(submit):
    results = race(4, lambda i: submit(idempotency_key="twice").pk)
    assert all(isinstance(r, int) for r in results), results
    assert len(set(results)) == 1 and Ticket.objects.count() == 1
    assert TicketEvent.objects.filter(action=Action.SUBMIT).count() == 1


def test_two_dispatchers_on_one_ticket_are_serialized(submit, dispatcher, manager,
                                                      technician_member, other_technician):
    ticket = submit()
    other = other_technician.memberships.get()
    actors = [(dispatcher, technician_member), (manager, other)]
    results = race(2, lambda i: services.dispatch_ticket(
        ticket, to=actors[i][1], actor=actors[i][0], now=MORNING).assignee_id)
    assert not any(isinstance(r, Exception) for r in results), results
    ticket.refresh_from_db()
    # both are kept in order in the timeline (the second is a reassignment), the last one holds
    dispatches = list(ticket.events.filter(action=Action.DISPATCH).order_by("pk"))
    assert [e.from_status for e in dispatches] == [TicketStatus.PENDING, TicketStatus.DISPATCHED]
    assert ticket.assignee_id == dispatches[-1].ticket.assignee_id


def test_two_arrivals_at_once_record_one(ticket_in, technician):
    ticket = ticket_in("dispatched")
    results = race(2, lambda i: services.arrive_ticket(ticket, actor=technician, now=MORNING))
    assert sum(isinstance(r, ValidationError) for r in results) == 1
    assert ticket.events.filter(action=Action.ARRIVE).count() == 1


def test_two_escalation_workers_send_each_level_once(submit, dispatcher):
    submit()
    later = MORNING.replace(hour=10, minute=31)
    results = race(3, lambda i: len(services.run_escalations(now=later)))
    assert sum(results) == 1  # the breach; the warning below it is marked as passed
    assert Escalation.objects.count() == 2
