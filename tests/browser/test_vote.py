"""Owners vote on their phones; the committee closes and publishes; the owner checks the result."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from sunlit.governance.models import Vote
from sunlit.governance.votes import services
from sunlit.governance.votes.choices import MatterKind, VoteScope
from tests.browser.conftest import screenshot
from tests.conftest import PASSWORD
from tests.governance.conftest import estate  # noqa: F401  (the fixture)

pytestmark = pytest.mark.django_db(transaction=True)


def log_in(page, base, username):
    page.goto(f"{base}/login/")
    page.get_by_label("手机号或用户名").fill(username)
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(f"{base}/**")


def test_owners_vote_and_the_result_is_published(live_server, browser, phone, estate,  # noqa: F811
                                                 committee):
    now = timezone.now()
    vote = services.create_vote(
        estate.units.u101.community, actor=committee, title="101、102 门前加装无障碍坡道",
        description="在1单元入口加装无障碍坡道，费用由公共收益列支。",
        matter=MatterKind.COMMON_USE, scope=VoteScope.UNITS,
        units=[estate.units.u101, estate.units.u102],
        opens_at=now - dt.timedelta(hours=1), closes_at=now + dt.timedelta(hours=2))
    services.announce_vote(vote, actor=committee, now=now - dt.timedelta(days=16))
    services.open_vote(vote, actor=committee, now=now)
    base = live_server.url

    # the first owner votes on his phone and keeps the receipt
    log_in(phone, base, "owner")
    phone.goto(f"{base}/governance/")
    phone.get_by_text("101、102 门前加装无障碍坡道").click()
    assert "须四分之三以上同意" in phone.get_by_test_id("vote-page").inner_text()
    phone.get_by_text("同意", exact=True).click()
    phone.get_by_role("button", name="投票", exact=True).click()
    assert "投票成功" in phone.get_by_role("alert").inner_text()
    receipt = phone.get_by_test_id("receipt").inner_text()
    participation = phone.get_by_test_id("participation").inner_text()
    assert "50.00%" in participation and "89.50 / 189.50" in participation
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390
    screenshot(phone, "vote-owner-phone")

    # the neighbour votes too, changes his mind, the later ballot counts
    other = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True,
                                has_touch=True, locale="zh-CN").new_page()
    log_in(other, base, "neighbour")
    other.goto(f"{base}/governance/{vote.pk}/")
    other.get_by_text("反对", exact=True).click()
    other.get_by_role("button", name="投票", exact=True).click()
    other.get_by_text("同意", exact=True).click()
    asked = []
    other.once("dialog", lambda dialog: (asked.append(dialog.message), dialog.accept()))
    other.get_by_role("button", name="改投").click()  # an irreversible step asks first
    other.wait_for_load_state("networkidle")
    assert asked and "确定改投" in asked[0]
    assert "同意" in other.get_by_test_id("my-ballot").inner_text()
    other.context.close()

    # the window ends; the committee closes and publishes on its own screen
    services.close_vote(Vote.objects.get(pk=vote.pk), actor=committee,
                        now=vote.closes_at)
    desk = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN").new_page()
    log_in(desk, base, "committee")
    desk.goto(f"{base}/governance/{vote.pk}/")
    desk.get_by_role("button", name="公布结果").click()
    assert "表决结果已公布" in desk.get_by_role("alert").inner_text()
    desk.context.close()

    # the owner reads the result and checks his receipt
    phone.goto(f"{base}/governance/{vote.pk}/")
    phone.get_by_test_id("result-link").click()
    assert phone.get_by_test_id("verdict").inner_text() == "通过"
    thresholds = phone.get_by_test_id("threshold").all_inner_texts()
    assert len(thresholds) == 4 and all("达到" in t for t in thresholds)
    assert "189.50 / 189.50 ㎡ = 1/1" in thresholds[0]
    phone.get_by_label("回执码").fill(receipt)
    phone.get_by_role("button", name="核对").click()
    assert "已按所投意见计入" in phone.get_by_test_id("receipt-check").inner_text()
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390
    screenshot(phone, "vote-result-phone")
