"""Concurrent supports (PostgreSQL): the proposal row is locked before counting, so owners
supporting at the same moment are all counted, the threshold is reached exactly once, and the
same owner from two threads is counted once."""

from __future__ import annotations

import datetime as dt
import threading

import pytest
from django.db import connection

from sunlit.governance.proposals import services as proposals
from sunlit.governance.proposals.models import ProposalSupport
from sunlit.transparency.models import LogLeaf
from tests.governance.conftest import SHANGHAI

pytestmark = pytest.mark.skipif(connection.vendor == "sqlite",
                                reason="in-memory SQLite serialises writers: nothing to race")

T = dt.datetime(2026, 5, 4, 9, 0, tzinfo=SHANGHAI)


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


def test_concurrent_supports_count_all_and_reach_once(transactional_db, community, committee,
                                                      estate):
    proposals.set_policy(community, actor=committee, support_threshold=3, answer_days=7,
                         convene_days=15)
    proposal = proposals.submit_proposal(community, actor=estate.people.owner, title="快递柜",
                                         text="增设快递柜", now=T)
    people = [estate.people.neighbour, estate.people.co1, estate.people.co2, estate.people.multi]
    errors = _race(lambda n: proposals.support_proposal(proposal, actor=people[n], now=T), 4)
    proposal.refresh_from_db()
    # three get in before the threshold; the fourth finds it reached (or all four when they
    # raced in before the lock — never more than one threshold event)
    assert proposal.supporters == 4 - len(errors) >= 3
    assert proposal.status == "awaiting"
    assert LogLeaf.objects.filter(event_type="governance.proposal.threshold_reached").count() == 1


def test_the_same_owner_from_two_threads_is_counted_once(transactional_db, community, estate):
    proposal = proposals.submit_proposal(community, actor=estate.people.owner, title="快递柜",
                                         text="增设快递柜", now=T)
    _race(lambda n: proposals.support_proposal(proposal, actor=estate.people.neighbour, now=T), 3)
    proposal.refresh_from_db()
    assert proposal.supporters == 1 == ProposalSupport.objects.filter(proposal=proposal).count()
