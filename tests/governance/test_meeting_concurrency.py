"""Concurrent steps on one meeting (PostgreSQL): the meeting row is locked, so a double tap on
“报名参会” registers once, two staff ticking the same attendee sign him in once, and decisions
recorded at the same moment get distinct positions."""

from __future__ import annotations

import threading

import pytest
from django.core.exceptions import ValidationError
from django.db import connection

from sunlit.governance.meetings import services as meetings
from sunlit.governance.meetings.models import Attendee
from tests.governance.meeting_fixtures import STARTS, T0

pytestmark = pytest.mark.skipif(connection.vendor == "sqlite",
                                reason="in-memory SQLite serialises writers: nothing to race")


def _race(work, count: int) -> list[BaseException]:
    errors, barrier = [], threading.Barrier(count)

    def run(n):
        try:
            barrier.wait()
            work(n)
        except BaseException as exc:
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(n,)) for n in range(count)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return errors


def test_a_double_registration_and_a_double_sign_in_count_once(transactional_db, meeting_draft,
                                                               committee, owner, service,
                                                               manager):
    meeting = meeting_draft()
    meetings.announce_meeting(meeting, actor=committee, now=T0)
    errors = _race(lambda n: meetings.register_for_meeting(meeting, actor=owner, now=T0), 3)
    assert Attendee.objects.filter(meeting=meeting, user=owner).count() == 1
    assert len(errors) == 2 and all(isinstance(e, ValidationError) for e in errors)
    attendee = Attendee.objects.get(meeting=meeting, user=owner)
    staff = [service, manager, committee]
    errors = _race(lambda n: meetings.sign_in(attendee, actor=staff[n], now=STARTS), 3)
    assert len(errors) == 2 and all("已于" in str(e) for e in errors)
    attendee.refresh_from_db()
    assert attendee.signed_in_at == STARTS


def test_decisions_recorded_at_once_get_distinct_positions(transactional_db, held_meeting,
                                                           committee):
    meeting = held_meeting()
    errors = _race(lambda n: meetings.add_decision(meeting, actor=committee, text=f"决定 {n}"), 4)
    assert errors == []
    assert sorted(meeting.decisions.values_list("position", flat=True)) == [1, 2, 3, 4]
