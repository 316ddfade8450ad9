"""Vote notifications (at announcement, at opening, two days before the close to those who have
not voted — each once) and the staff list of units that have not voted (never a choice)."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine

from sunlit.governance.proposals import notices as proposal_notices
from sunlit.governance.proposals import selectors as select
from sunlit.governance.proposals.models import VoteNotice
from sunlit.governance.votes import balloting, services
from sunlit.notices.models import Notification
from tests.governance.conftest import CLOSES, DURING, OPENS, T0

OWNERS = ("owner", "neighbour", "co1", "co2", "multi", "other_building", "developer")


def told(user, title_start: str) -> int:
    return Notification.objects.filter(recipient=user, kind="vote",
                                       title__startswith=title_start).count()


def test_owners_in_scope_told_at_announcement_and_opening_once(draft, committee, estate):
    vote = draft()
    services.announce_vote(vote, actor=committee, now=T0)
    people = estate.people
    for name in OWNERS:
        assert told(getattr(people, name), "表决公告") == 1, name
    assert told(committee, "表决公告") == 0
    assert proposal_notices.vote_announced(vote) is None  # once
    assert told(people.owner, "表决公告") == 1
    services.open_vote(vote, actor=committee, now=OPENS)
    assert told(people.multi, "开始投票") == 1 and told(people.buyer, "开始投票") == 0
    assert proposal_notices.vote_opened(vote) is None
    assert VoteNotice.objects.filter(vote=vote).count() == 2


def test_building_scope_tells_only_that_building(draft, committee, estate):
    vote = draft(scope="buildings", buildings=[estate.units.b2_101.building])
    services.announce_vote(vote, actor=committee, now=T0)
    assert told(estate.people.other_building, "表决公告") == 1
    assert told(estate.people.owner, "表决公告") == 0


def test_reminder_two_days_before_close_to_those_who_have_not_voted_once(open_vote, estate):
    vote = open_vote()
    people = estate.people
    balloting.cast_ballot(vote, estate.units.u101, actor=people.owner, choice="yes", now=DURING)
    balloting.cast_ballot(vote, estate.units.u201, actor=people.co1, choice="no", now=DURING)
    balloting.cast_ballot(vote, estate.units.u301, actor=people.multi, choice="yes", now=DURING)
    early = CLOSES - dt.timedelta(days=2, minutes=1)
    assert proposal_notices.remind_due_votes(early) == []
    with time_machine.travel(CLOSES - dt.timedelta(days=2), tick=False):
        assert proposal_notices.remind_due_votes() == [vote.pk]
        assert proposal_notices.remind_due_votes() == []
    assert proposal_notices.remind_due_votes(CLOSES - dt.timedelta(hours=1)) == []
    assert told(people.owner, "投票即将截止") == 0
    assert told(people.co2, "投票即将截止") == 0  # his co-owner voted for the unit
    assert told(people.multi, "投票即将截止") == 1  # 302 has not voted
    assert told(people.neighbour, "投票即将截止") == 1
    assert VoteNotice.objects.get(vote=vote, stage="reminder").recipients == 4


def test_not_voted_excludes_voted_units_and_never_shows_choices(open_vote, estate):
    vote = open_vote()
    balloting.cast_ballot(vote, estate.units.u101, actor=estate.people.owner, choice="no",
                          now=DURING)
    rows = select.not_voted(vote)
    labels = [r.unit for r in rows]
    assert "1号楼-1单元-101" not in labels and "1号楼-1单元-102" in labels
    assert len(rows) == 8
    row = next(r for r in rows if r.unit == "1号楼-1单元-102")
    assert row.owners == ["邻**周"]
    assert all(not hasattr(r, "choice") for r in rows)


@pytest.fixture
def login(client):
    def as_(user):
        client.force_login(user)
        return client

    return as_


def test_not_voted_page_csv_and_api_for_staff_only(open_vote, estate, service, login):
    vote = open_vote()
    balloting.cast_ballot(vote, estate.units.u101, actor=estate.people.owner, choice="no",
                          now=DURING)
    page = login(service).get(f"/governance/{vote.pk}/not-voted/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "1号楼-1单元-102" in html and "1号楼-1单元-101" not in html and "反对" not in html
    csv_text = (login(service).get(f"/governance/{vote.pk}/not-voted.csv").getvalue()
                .decode("utf-8-sig"))
    assert "1号楼-1单元-102" in csv_text and "no" not in csv_text.lower().split(",")
    body = login(service).get(f"/api/v1/votes/{vote.pk}/not-voted").json()["items"]
    assert len(body) == 8 and all("choice" not in row for row in body)
    assert login(estate.people.owner).get(f"/governance/{vote.pk}/not-voted/").status_code == 403
    assert login(estate.people.owner).get(f"/api/v1/votes/{vote.pk}/not-voted").status_code == 403


def test_not_voted_of_another_community_is_404(open_vote, login, make_member, other_community):
    from sunlit.core.choices import Role

    vote = open_vote()
    stranger = make_member(Role.SERVICE, other_community)
    assert login(stranger).get(f"/api/v1/votes/{vote.pk}/not-voted").status_code == 404
    assert login(stranger).get(f"/governance/{vote.pk}/not-voted/").status_code == 404
