"""Vote pages: what owners and staff see, and what they can do, over HTTP."""

from __future__ import annotations

import datetime as dt
import hashlib
import io

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image

from sunlit.core.choices import Role
from sunlit.core.models import Upload
from sunlit.governance.models import Ballot, Vote
from sunlit.governance.votes import balloting, services
from sunlit.governance.votes.choices import BallotStatus
from tests.governance.conftest import CLOSES, DURING, T0


@pytest.fixture
def login(client):
    def as_(user):
        client.force_login(user)
        return client

    return as_


def test_owners_do_not_see_drafts(login, draft, estate, committee):
    vote = draft()
    page = login(estate.people.owner).get(reverse("governance:vote_list"))
    assert page.status_code == 200 and vote.title not in page.content.decode()
    assert login(estate.people.owner).get(reverse("governance:vote", args=[vote.pk])) \
        .status_code == 404
    page = login(committee).get(reverse("governance:vote_list"))
    assert vote.title in page.content.decode() and "发起表决" in page.content.decode()


def test_another_community_gets_404(login, open_vote, owner_other_community):
    vote = open_vote()
    client = login(owner_other_community)
    for name in ("governance:vote", "governance:electorate_json", "governance:result"):
        assert client.get(reverse(name, args=[vote.pk])).status_code == 404


def test_owner_votes_on_his_phone_page_and_sees_only_participation(login, open_vote, estate):
    vote = open_vote()
    client = login(estate.people.owner)
    with time_machine.travel(DURING, tick=False):
        page = client.get(reverse("governance:vote", args=[vote.pk])).content.decode()
        assert "尚未投票" in page and "投票" in page
        unit_id = vote.electorate.get(unit=estate.units.u101).pk
        answer = client.post(reverse("governance:cast", args=[vote.pk]),
                             {"unit": unit_id, "choice": "yes"}, follow=True)
        text = answer.content.decode()
    ballot = Ballot.objects.get(vote=vote)
    assert "投票成功" in text and ballot.receipt in text
    assert "89.50 / 889.50" in text  # participation: area and owners, live
    assert "1 / 7" in text
    assert "已投" in text
    # a neighbour sees participation, never the choice of others
    with time_machine.travel(DURING, tick=False):
        other = login(estate.people.neighbour).get(reverse("governance:vote", args=[vote.pk]))
    assert "同意的专有面积" not in other.content.decode()
    assert ballot.receipt not in other.content.decode()
    # the result page does not exist for owners before the publication
    client = login(estate.people.owner)
    assert client.get(reverse("governance:result", args=[vote.pk])).status_code == 404


def test_tenant_cannot_vote_through_the_page(login, open_vote, estate, resident):
    vote = open_vote()
    unit_id = vote.electorate.get(unit=estate.units.u101).pk
    with time_machine.travel(DURING, tick=False):
        answer = login(resident).post(reverse("governance:cast", args=[vote.pk]),
                                      {"unit": unit_id, "choice": "yes"}, follow=True)
    assert "不能为其投票" in answer.content.decode()
    assert not Ballot.objects.exists()


def test_committee_runs_the_vote_through_the_pages(login, estate, committee, manager):
    client = login(committee)
    with time_machine.travel(T0, tick=False):
        answer = client.post(reverse("governance:vote_create"), {
            "title": "增设电动自行车充电桩", "matter": "common_use", "scope": "buildings",
            "buildings": [estate.building.pk], "description": "在1号楼北侧设充电桩。",
            "opens_at": "2026-03-17T10:00", "closes_at": "2026-03-24T10:00",
            "notice_days": "15"})
        vote = Vote.objects.get()
        assert answer.status_code == 302
        client.post(reverse("governance:vote_action", args=[vote.pk, "announce"]))
    assert Vote.objects.get().status == "announced"
    with time_machine.travel(dt.datetime(2026, 3, 17, 10, 0, 1, tzinfo=T0.tzinfo), tick=False):
        client.post(reverse("governance:vote_action", args=[vote.pk, "open"]))
        balloting.cast_ballot(vote, estate.units.u101, actor=estate.people.owner, choice="yes")
    with time_machine.travel(dt.datetime(2026, 3, 24, 10, 0, 1, tzinfo=T0.tzinfo), tick=False):
        client.post(reverse("governance:vote_action", args=[vote.pk, "close"]))
        preview = client.get(reverse("governance:result", args=[vote.pk])).content.decode()
        assert "尚未公布" in preview
        client.post(reverse("governance:vote_action", args=[vote.pk, "publish"]))
    assert Vote.objects.get().status == "published"
    page = login(estate.people.owner).get(reverse("governance:result", args=[vote.pk]))
    text = page.content.decode()
    assert "未通过" in text and "参与表决的专有面积" in text and "未达到 ≥ 2/3" in text
    assert "89.50 / 789.50" in text  # building 1 only: 8 units
    electorate = login(estate.people.owner).get(
        reverse("governance:electorate_json", args=[vote.pk])).content
    assert hashlib.sha256(electorate).hexdigest() == Vote.objects.get().electorate_sha256
    ballots = login(estate.people.owner).get(
        reverse("governance:ballots_json", args=[vote.pk])).content
    assert hashlib.sha256(ballots).hexdigest() == Vote.objects.get().result.ballots_sha256


def test_bad_draft_keeps_what_was_typed(login, committee, estate):
    with time_machine.travel(T0, tick=False):
        answer = login(committee).post(reverse("governance:vote_create"), {
            "title": "修订管理规约", "matter": "covenant", "scope": "units",
            "units": "1号楼-1单元-101\n9号楼-9单元-999", "description": "修订第五条",
            "opens_at": "2026-03-24T10:00", "closes_at": "2026-03-17T10:00",
            "notice_days": "15"})
    text = answer.content.decode()
    assert answer.status_code == 200 and "没有这些房屋：9号楼-9单元-999" in text
    assert "修订管理规约" in text and not Vote.objects.exists()


def _jpeg() -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", (60, 40), "white").save(buffer, "JPEG")
    return SimpleUploadedFile("ballot.jpg", buffer.getvalue(), content_type="image/jpeg")


def test_paper_ballot_entered_by_staff_and_confirmed_by_a_committee_member(
        login, open_vote, estate, service, make_member, committee, settings, tmp_path):
    settings.SUNLIT_STORAGE_URL = str(tmp_path)
    clerk = make_member(Role.SERVICE, username="clerk", display_name="客服小李")
    vote = open_vote()
    with time_machine.travel(DURING, tick=False):
        answer = login(clerk).post(reverse("governance:ballot_entry", args=[vote.pk]), {
            "unit": "1号楼-1单元-102", "choice": "no", "channel": "paper",
            "received_at": "2026-03-18T09:30", "scan": _jpeg()}, follow=True)
    text = answer.content.decode()
    assert "已通知该户业主，待业委会委员复核" in text and "待业委会委员复核" in text
    ballot = Ballot.objects.get()
    assert ballot.status == BallotStatus.PENDING and ballot.scan is not None
    assert ballot.scan.sha256[:12] in text  # the scan's fingerprint beside the entry
    scan = login(clerk).get(reverse("governance:ballot_file", args=[ballot.pk, "scan"]))
    assert scan.status_code == 200
    # the owner of the unit may see the scan of his ballot; another owner may not
    assert login(estate.people.neighbour).get(
        reverse("governance:ballot_file", args=[ballot.pk, "scan"])).status_code == 200
    assert login(estate.people.owner).get(
        reverse("governance:ballot_file", args=[ballot.pk, "scan"])).status_code == 404
    # the owner sees the entry on his vote page, with what to do if it is not his
    with time_machine.travel(DURING + dt.timedelta(minutes=5), tick=False):
        page = login(estate.people.neighbour).get(
            reverse("governance:vote", args=[vote.pk])).content.decode()
    assert "已录入，待业委会委员复核" in page and "请立即联系业委会" in page
    # another staff member cannot confirm any more: 403, nothing changes
    with time_machine.travel(DURING + dt.timedelta(hours=1), tick=False):
        refused = login(service).post(reverse("governance:ballot_review",
                                              args=[ballot.pk, "confirm"]))
    assert refused.status_code == 403
    ballot.refresh_from_db()
    assert ballot.status == BallotStatus.PENDING
    # the committee member reviews on the same page (phone-first list) and confirms
    page = login(committee).get(reverse("governance:ballot_entry", args=[vote.pk]))
    assert page.status_code == 200 and "复核通过" in page.content.decode()
    with time_machine.travel(DURING + dt.timedelta(hours=1), tick=False):
        login(committee).post(reverse("governance:ballot_review", args=[ballot.pk, "confirm"]))
    ballot.refresh_from_db()
    assert ballot.status == BallotStatus.VALID and ballot.is_current


def test_owner_resolves_a_held_entry_on_his_vote_page(login, open_vote, estate, service,
                                                       committee, upload):
    vote = open_vote()
    neighbour = estate.people.neighbour
    balloting.cast_ballot(vote, estate.units.u102, actor=neighbour, choice="no", now=DURING)
    paper = balloting.enter_ballot(vote, estate.units.u102, actor=service, choice="yes",
                                   received_at=DURING, scan=upload(by=service),
                                   now=DURING + dt.timedelta(hours=1))
    paper = balloting.confirm_ballot(paper, actor=committee, now=DURING + dt.timedelta(hours=2))
    with time_machine.travel(DURING + dt.timedelta(hours=3), tick=False):
        client = login(neighbour)
        page = client.get(reverse("governance:vote", args=[vote.pk])).content.decode()
        assert "以我的线上投票为准" in page and "以录入的票为准" in page
        # a bad decision is refused and nothing changes
        client.post(reverse("governance:ballot_resolve", args=[paper.pk]), {"decision": "x"})
        assert Ballot.objects.get(pk=paper.pk).status == BallotStatus.HELD
        # another owner cannot reach it
        assert login(estate.people.owner).post(
            reverse("governance:ballot_resolve", args=[paper.pk]),
            {"decision": "accept"}).status_code in (403, 404)
        answer = login(neighbour).post(reverse("governance:ballot_resolve", args=[paper.pk]),
                                       {"decision": "keep"}, follow=True)
    assert "已确认：以您的线上投票为准" in answer.content.decode()
    assert Ballot.objects.get(pk=paper.pk).status == BallotStatus.REJECTED


def test_paper_ballot_without_scan_is_refused_and_the_form_kept(login, open_vote, service,
                                                                settings, tmp_path):
    settings.SUNLIT_STORAGE_URL = str(tmp_path)
    vote = open_vote()
    with time_machine.travel(DURING, tick=False):
        answer = login(service).post(reverse("governance:ballot_entry", args=[vote.pk]), {
            "unit": "1号楼-1单元-102", "choice": "no", "channel": "paper",
            "received_at": "2026-03-18T09:30"})
    text = answer.content.decode()
    assert "纸质表决票须上传扫描件" in text and 'value="1号楼-1单元-102"' in text
    assert not Ballot.objects.exists()
    # a refused entry with a scan keeps no upload row either (the view's transaction)
    with time_machine.travel(DURING, tick=False):
        answer = login(service).post(reverse("governance:ballot_entry", args=[vote.pk]), {
            "unit": "1号楼-1单元-102", "choice": "no", "channel": "paper",
            "received_at": "2026-03-30T09:30", "scan": _jpeg()})
    assert "收票时间须在投票期间内" in answer.content.decode()
    assert not Ballot.objects.exists() and not Upload.objects.exists()


def test_owner_checks_his_receipt_on_the_result_page(login, open_vote, estate, committee):
    vote = open_vote()
    ballot = balloting.cast_ballot(vote, estate.units.u101, actor=estate.people.owner,
                                   choice="abstain", now=DURING)
    services.close_vote(vote, actor=committee, now=CLOSES)
    services.publish_result(vote, actor=committee, now=CLOSES)
    client = login(estate.people.owner)
    page = client.get(reverse("governance:result", args=[vote.pk]),
                      {"receipt": ballot.receipt}).content.decode()
    assert "已按所投意见计入" in page and "弃权" in page
    page = client.get(reverse("governance:result", args=[vote.pk]),
                      {"receipt": "nonsense"}).content.decode()
    assert "回执码格式不正确" in page
