"""Owners propose and support on their phones; the list shows an overdue answer; the interim
owners' meeting request shows its progress."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from sunlit.governance.proposals import services as proposals
from sunlit.governance.proposals.models import Proposal
from tests.browser.conftest import screenshot
from tests.browser.test_vote import log_in
from tests.governance.conftest import estate  # noqa: F401  (the fixture)

pytestmark = pytest.mark.django_db(transaction=True)


def test_owner_proposes_neighbour_supports_and_overdue_is_shown(live_server, browser, phone,
                                                                estate, committee):  # noqa: F811
    community = estate.units.u101.community
    now = timezone.now()
    proposals.set_policy(community, actor=committee, support_threshold=2, answer_days=7,
                         convene_days=15)
    late = proposals.submit_proposal(community, actor=estate.people.multi, title="公开电梯维保记录",
                                     text="希望公示每台电梯的维保记录。", category="safety",
                                     now=now - dt.timedelta(days=20))
    for user in (estate.people.co1, estate.people.co2):
        proposals.support_proposal(late, actor=user, now=now - dt.timedelta(days=19))
    interim = proposals.submit_proposal(community, actor=estate.people.co1, kind="interim",
                              title="提议召开临时业主大会", text="审议公共收益使用方案。")
    base = live_server.url

    log_in(phone, base, "owner")
    phone.goto(f"{base}/proposals/new/")
    phone.get_by_label("标题").fill("北门增设快递柜")
    phone.get_by_label("类别").select_option("service")
    phone.get_by_label("内容").fill("北门快递堆在地上，建议增设智能快递柜。")
    phone.get_by_role("button", name="发布").click()
    assert "提议已发布" in phone.get_by_role("alert").inner_text()
    proposal = Proposal.objects.get(title="北门增设快递柜")
    assert "1号楼业主" in phone.get_by_test_id("proposal-page").inner_text()
    assert phone.get_by_test_id("support").count() == 0  # not his own

    other = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True,
                                has_touch=True, locale="zh-CN").new_page()
    log_in(other, base, "neighbour")
    other.goto(f"{base}/proposals/{proposal.pk}/")
    other.get_by_test_id("support").click()
    assert "已支持" in other.get_by_role("alert").inner_text()
    assert other.get_by_test_id("supporters").inner_text() == "1"

    phone.goto(f"{base}/proposals/")
    listing = phone.get_by_test_id("proposal-list").inner_text()
    assert "逾期未答复 12 天" in listing and "北门增设快递柜" in listing
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390
    screenshot(phone, "proposals-owner-phone")

    phone.goto(f"{base}/proposals/{interim.pk}/")
    progress = phone.get_by_test_id("support-card").inner_text()
    assert "1 / 7" in progress and "我也联署" in progress
    screenshot(phone, "proposals-interim-phone")


def test_committee_answers_an_overdue_idea_on_the_phone(live_server, browser, phone, estate,  # noqa: F811
                                                        committee):
    community = estate.units.u101.community
    now = timezone.now()
    proposals.set_policy(community, actor=committee, support_threshold=1, answer_days=7,
                         convene_days=15)
    late = proposals.submit_proposal(community, actor=estate.people.multi, title="公开电梯维保记录",
                                     text="希望公示每台电梯的维保记录。", category="safety",
                                     now=now - dt.timedelta(days=10))
    proposals.support_proposal(late, actor=estate.people.co1, now=now - dt.timedelta(days=10))
    base = live_server.url
    log_in(phone, base, "committee")
    phone.goto(f"{base}/proposals/{late.pk}/")
    assert "已逾期 3 天" in phone.get_by_test_id("deadline").inner_text()
    phone.get_by_label("答复结论").select_option("accepted")
    phone.get_by_label("公开答复").fill("采纳。下周起在电梯轿厢和网上公示维保记录。")
    screenshot(phone, "proposals-committee-answer-phone")
    phone.get_by_role("button", name="公开答复").click()
    assert "答复已公开" in phone.get_by_role("alert").inner_text()
    answer = phone.get_by_test_id("answer").inner_text()
    assert "逾期 3 天答复" in answer and "采纳" in answer
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390
    screenshot(phone, "proposals-answered-phone")
