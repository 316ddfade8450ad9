"""Duty rosters on the demo (issue 15), in Chromium: a guard asks for a day off and a swap from
his phone, the manager approves on the 排班 page, an owner sees who is on duty for repairs and
security, the company's administrator sees both communities, their benchmarks and scorecard."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.utils import timezone

from sunlit.company.choices import RequestStatus
from sunlit.company.models import LeaveRequest, SwapRequest
from sunlit.core.models import Membership, User
from sunlit.demo import DEMO_PASSWORD, load_demo
from tests.browser.conftest import screenshot
from tests.browser.test_csp import Watcher, log_in
from tests.browser.test_first_hour import _fits, _no_english

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def demo():
    load_demo(units=100, communities=2)


def _guard() -> User:
    """The first guard of 明强小区's round-the-clock rotation, given the demo password."""
    member = (Membership.objects.filter(community__code="mingqiang", department__kind="security")
              .select_related("user").order_by("pk").first())
    member.user.set_password(DEMO_PASSWORD)
    member.user.save()
    return member.user


def _phone(browser, base, user: User):
    context = browser.new_context(locale="zh-CN", viewport={"width": 390, "height": 844},
                                  is_mobile=True, has_touch=True)
    watcher = Watcher(context)
    page = context.new_page()
    page.goto(f"{base}/login/")
    page.get_by_label("手机号或用户名").fill(user.username)
    page.get_by_label("密码").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_load_state()
    return context, page, watcher


def test_a_guard_asks_the_manager_decides_the_owner_sees(live_server, browser, demo):
    base = live_server.url
    guard = _guard()

    context, page, watcher = _phone(browser, base, guard)
    page.locator(".navbar-toggler").click()
    page.get_by_role("link", name="我的排班").click()
    page.wait_for_url(f"{base}/company/rosters/mine/")
    assert _fits(page)
    _no_english(page)
    later = timezone.localdate() + dt.timedelta(days=5)
    leave_form = page.locator("form[action$='/mine/leave/']")
    leave_form.get_by_label("开始日期").fill(later.isoformat())
    leave_form.get_by_label("结束日期").fill(later.isoformat())
    leave_form.get_by_label("事由").fill("孩子开家长会")
    leave_form.get_by_role("button", name="提交请假申请").click()
    page.wait_for_url(f"{base}/company/rosters/mine/")
    shift = page.locator("[id^=shift-]").first
    shift.locator("summary").click()
    shift.get_by_label("接班同事").select_option(index=1)
    shift.get_by_label("事由").fill("临时有事")
    shift.get_by_role("button", name="提交换班申请").click()
    page.wait_for_url(f"{base}/company/rosters/mine/")
    assert _fits(page)
    screenshot(page, "roster-guard-requests")
    watcher.check(page)
    context.close()
    leave = LeaveRequest.objects.get(member__user=guard)
    swap = SwapRequest.objects.get(from_member__user=guard)

    context, page, watcher = log_in(browser, base, "demo-manager")
    page.get_by_role("link", name="排班", exact=True).click()
    page.wait_for_url(f"{base}/company/rosters/")
    _no_english(page)
    screenshot(page, "roster-manager")
    page.locator(f"form[action$='/leave/{leave.pk}/decide/']").get_by_role(
        "button", name="批准", exact=True).click()
    page.wait_for_url(f"{base}/company/rosters/")
    page.locator(f"form[action$='/swap/{swap.pk}/decide/']").get_by_role(
        "button", name="不批准").click()
    page.wait_for_url(f"{base}/company/rosters/")
    leave.refresh_from_db()
    swap.refresh_from_db()
    assert (leave.status, swap.status) == (RequestStatus.APPROVED, RequestStatus.REFUSED)
    watcher.check(page)
    context.close()

    context, page, watcher = log_in(browser, base, "demo-owner", phone=True)
    duty = page.get_by_test_id("owner-on-duty").inner_text()
    assert duty.startswith("正在值班") and ("秩序部" in duty or "此刻无人值班" in duty)
    assert _fits(page)
    watcher.check(page)
    context.close()


def test_the_company_admin_compares_the_two_communities(live_server, browser, demo):
    base = live_server.url
    context, page, watcher = log_in(browser, base, "demo-company-admin")
    page.get_by_role("link", name="公司总览").click()
    page.wait_for_url(f"{base}/company/")
    assert "明强小区二期" in page.content()
    _no_english(page)
    screenshot(page, "company-view-demo")
    page.get_by_role("link", name="小区对标").click()
    page.get_by_role("button", name="生成今日快照").click()
    page.wait_for_url(f"{base}/company/benchmarks/")
    assert "百分位" in page.content()
    _no_english(page)
    screenshot(page, "company-benchmarks")
    page.get_by_role("link", name="月度考核").click()
    page.wait_for_url(re.compile(rf"{base}/company/assessment/.*"))
    assert "总分" in page.content()
    screenshot(page, "company-assessment")
    page.get_by_role("link", name="公司总览").click()
    page.get_by_role("link", name="员工", exact=True).click()
    page.wait_for_url(f"{base}/company/staff/")
    assert page.locator("tbody tr").count() > 40
    watcher.check(page)
    context.close()
