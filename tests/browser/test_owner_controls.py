"""On a phone: a committee member (an owner) confirms the manager's proposal; an owner decides a
paper ballot entered for his unit that conflicts with his online ballot."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from sunlit.core.models import Upload
from sunlit.governance.controls import services as controls
from sunlit.governance.controls.models import ControlKind
from sunlit.governance.models import Ballot, Vote
from sunlit.governance.votes import balloting, services
from sunlit.governance.votes.choices import BallotStatus, MatterKind, VoteStatus
from tests.browser.conftest import screenshot
from tests.browser.test_vote import log_in
from tests.governance.conftest import estate  # noqa: F401  (the fixture)

pytestmark = pytest.mark.django_db(transaction=True)


def _open_vote(estate, committee, title):  # noqa: F811
    now = timezone.now()
    vote = services.create_vote(
        estate.units.u101.community, actor=committee, title=title,
        description="物业服务不达标，提请业主表决。", matter=MatterKind.MANAGER,
        opens_at=now - dt.timedelta(hours=1), closes_at=now + dt.timedelta(days=2))
    services.announce_vote(vote, actor=committee, now=now - dt.timedelta(days=16))
    return services.open_vote(vote, actor=committee, now=now)


def test_committee_confirms_on_the_phone_and_owner_resolves_a_held_ballot(
        live_server, phone, estate, committee, manager, service):  # noqa: F811
    base = live_server.url
    vote = _open_vote(estate, committee, "解聘阳光物业服务有限公司")
    change = controls.request_change(vote.community, ControlKind.VOTE_EXTEND, {
        "vote": vote.pk, "closes_at": (vote.closes_at + dt.timedelta(days=3)).isoformat()},
        actor=manager, reason="参与率不足")

    log_in(phone, base, "committee")
    phone.goto(f"{base}/governance/controls/")
    phone.get_by_test_id("control-row").first.click()
    assert "刘经理" in phone.get_by_test_id("control-proposer").inner_text()
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390
    screenshot(phone, "control-change-committee-phone")
    phone.get_by_role("button", name="同意，立即生效").click()
    assert "已确认，变更已生效" in phone.get_by_role("alert").inner_text()
    assert Vote.objects.get(pk=vote.pk).closes_at == vote.closes_at + dt.timedelta(days=3)
    assert Vote.objects.get(pk=vote.pk).status == VoteStatus.OPEN
    change.refresh_from_db()
    assert change.decided_by == committee

    # the neighbour voted online; staff enter a paper ballot for his unit; the committee confirms
    neighbour = estate.people.neighbour
    balloting.cast_ballot(vote, estate.units.u102, actor=neighbour, choice="no")
    scan = Upload.objects.create(community=vote.community, storage_key="test/scan.jpg",
                                 content_type="image/jpeg", size=10, sha256="ab" * 32,
                                 original_name="scan.jpg", uploaded_by=service)
    paper = balloting.enter_ballot(vote, estate.units.u102, actor=service, choice="yes",
                                   received_at=timezone.now() - dt.timedelta(minutes=5),
                                   scan=scan)
    balloting.confirm_ballot(paper, actor=committee)
    phone.context.clear_cookies()
    log_in(phone, base, "neighbour")
    phone.goto(f"{base}/governance/{vote.pk}/")
    held = phone.get_by_test_id("entered-ballot").inner_text()
    assert "与您的线上投票不一致" in held
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390
    screenshot(phone, "held-ballot-owner-phone")
    phone.get_by_role("button", name="以我的线上投票为准").click()
    assert "以您的线上投票为准" in phone.get_by_role("alert").inner_text()
    assert Ballot.objects.get(pk=paper.pk).status == BallotStatus.REJECTED
