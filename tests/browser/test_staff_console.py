"""The staff console in the real browser: the live countdown, the htmx filters, bulk assignment,
the technician's one-tap steps on a phone, and the configuration pages (screenshots in
$SUNLIT_SCREENSHOT_DIR)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from sunlit.tickets import configuration
from sunlit.tickets.choices import TicketKind
from sunlit.tickets.models import Ticket
from tests.browser.conftest import screenshot
from tests.conftest import PASSWORD
from tests.factories import BuildingFactory
from tests.tickets import conftest as ticket_fixtures

pytestmark = pytest.mark.django_db(transaction=True)
# the fixtures of the ticket tests (tests/tickets/conftest.py), for this directory too
engineering = ticket_fixtures.engineering
noise = ticket_fixtures.noise
plumbing = ticket_fixtures.plumbing
submit = ticket_fixtures.submit
technician_member = ticket_fixtures.technician_member


def log_in(page, live_server, user, then: str) -> None:
    page.goto(f"{live_server.url}/login/?next={then}")
    page.get_by_label("手机号或用户名").fill(user.username)
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(f"{live_server.url}{then}")


@pytest.fixture
def desk(browser):
    context = browser.new_context(viewport={"width": 1366, "height": 900}, locale="zh-CN")
    page = context.new_page()
    yield page
    context.close()


def test_dispatcher_filters_and_assigns_in_bulk(live_server, desk, dispatcher, community, submit,
                                                noise, technician_member):
    now = timezone.now()
    late = submit(title="厨房水管漏水", now=now - dt.timedelta(hours=1))  # accept was due 30 min ago
    fresh = submit(title="卫生间堵塞", now=now)
    east = BuildingFactory(community=community, name="5号楼")
    noisy = submit(kind=TicketKind.COMPLAINT, category=noise, title="楼道噪音", unit=None,
                   building=east, floor=3, now=now)
    log_in(desk, live_server, dispatcher, "/tickets/queue/")

    late_row = desk.locator(f'tr[data-ticket="{late.pk}"] [data-testid=countdown]')
    fresh_row = desk.locator(f'tr[data-ticket="{fresh.pk}"] [data-testid=countdown]')
    assert "超时" in late_row.inner_text() and "text-danger" in late_row.get_attribute("class")
    first = fresh_row.inner_text()
    assert first.startswith("剩 0:2")  # 29:xx left of the 30-minute accept target
    desk.wait_for_function(  # the script ticks: the text changes within about a second
        "([el, before]) => el.textContent !== before", arg=[fresh_row.element_handle(), first])
    screenshot(desk, "tickets-queue")

    desk.get_by_label("类型").select_option("complaint")
    desk.wait_for_url("**/tickets/queue/?*kind=complaint*")
    desk.wait_for_function("pk => !document.querySelector(`tr[data-ticket='${pk}']`)", arg=late.pk)
    assert desk.locator("tr[data-ticket]").count() == 1
    assert noisy.number in desk.get_by_test_id("queue-table").inner_text()

    desk.goto(f"{live_server.url}/tickets/queue/?kind=repair")
    desk.get_by_label(f"选择 {late.number}").check()
    desk.get_by_label(f"选择 {fresh.number}").check()
    desk.get_by_label("派给", exact=True).select_option(str(technician_member.pk))
    desk.get_by_role("button", name="派单", exact=True).click()
    desk.wait_for_url("**/tickets/queue/?kind=repair")
    assert "已将 2 张工单派给" in desk.get_by_role("alert").inner_text()
    assert set(Ticket.objects.filter(assignee=technician_member).values_list("pk", flat=True)) == {
        late.pk, fresh.pk}
    screenshot(desk, "tickets-queue-assigned")


def test_technician_arrives_with_one_tap_on_a_phone(live_server, phone, technician,
                                                    technician_member, submit):
    ticket = submit(title="厨房水管漏水", now=timezone.now())
    Ticket.objects.filter(pk=ticket.pk).update(status="dispatched", assignee=technician_member)
    log_in(phone, live_server, technician, "/tickets/tasks/")
    task = phone.get_by_test_id("task")
    assert ticket.number in task.inner_text() and "剩" in task.inner_text()
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390
    screenshot(phone, "tickets-my-tasks-phone")
    task.get_by_role("button", name="到场").click()
    phone.wait_for_url(f"{live_server.url}/tickets/tasks/")
    assert Ticket.objects.get(pk=ticket.pk).status == "on_site"
    assert phone.get_by_test_id("task").get_by_role("link", name="完成").is_visible()
    screenshot(phone, "tickets-my-tasks-on-site-phone")


def test_manager_configures_categories_and_the_roster(live_server, desk, manager, community,
                                                      technician_member, engineering):
    log_in(desk, live_server, manager, "/tickets/categories/")
    desk.get_by_role("button", name="添加默认类别").click()
    desk.wait_for_url(f"{live_server.url}/tickets/categories/")
    assert "电梯" in desk.get_by_test_id("categories").inner_text()
    screenshot(desk, "tickets-categories")
    desk.get_by_role("link", name="电梯").click()
    desk.locator("#id_normal-accept_minutes").fill("-5")
    desk.locator("#id_normal-use_default").uncheck()
    desk.get_by_role("button", name="保存服务时限").click()
    assert "应在 1 到" in desk.get_by_test_id("sla-form").inner_text()
    screenshot(desk, "tickets-category-sla-error")

    desk.goto(f"{live_server.url}/tickets/shifts/")
    configuration.add_shift(technician_member, actor=manager,
                            starts_at=timezone.now() - dt.timedelta(hours=1),
                            ends_at=timezone.now() + dt.timedelta(hours=2), note="白班")
    desk.reload()
    row = desk.locator(f'tr[data-member="{technician_member.pk}"]')
    assert "在岗" in row.inner_text() and "白班" in row.inner_text()
    desk.get_by_label("工作人员").select_option(str(technician_member.pk))
    # Around midnight the half hour before now is on yesterday's date: the form takes the
    # start's date, and an end earlier than the start as the next day.
    starts = timezone.localtime() - dt.timedelta(minutes=30)
    desk.get_by_label("日期").fill(starts.date().isoformat())
    desk.get_by_label("开始").fill(starts.strftime("%H:%M"))
    desk.get_by_label("结束", exact=True).fill(
        (starts + dt.timedelta(hours=1)).strftime("%H:%M"))
    desk.get_by_role("button", name="添加", exact=True).click()
    assert "与已有班次重叠" in desk.get_by_test_id("shift-form").inner_text()
    screenshot(desk, "tickets-shifts")
