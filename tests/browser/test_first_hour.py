"""The first hour of each role on the demo (issue 14), in Chromium: log in, land on the page
where the role's work is, and do its most common action from there by tapping through, not by
typing addresses — owners, the tenant, the committee member and the technician on a phone,
the office on a desktop. Each step is screenshotted (SUNLIT_SCREENSHOT_DIR keeps them), and no
page may raise a script error or break the Content-Security-Policy."""

from __future__ import annotations

import re

import pytest

from sunlit.board.models import WeeklyBoard
from sunlit.demo import load_demo
from sunlit.finance.models import Bill
from sunlit.registry.models import Unit
from sunlit.tickets.models import Ticket
from tests.browser.conftest import screenshot
from tests.browser.test_csp import log_in

pytestmark = pytest.mark.django_db(transaction=True)

PHONE_WIDTH = 390


@pytest.fixture
def demo(monkeypatch):
    monkeypatch.setenv("SUNLIT_PAYMENTS_SANDBOX", "local")  # as `sunlit demo` sets it
    load_demo(units=100)


def _fits(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth") <= PHONE_WIDTH


def _no_english(page) -> None:
    """No English words on the Chinese page: commands (in <code>), identifiers such as a
    witness's name (``yezhu.example/mingqiang-witness``) and the language switch aside."""
    text = page.evaluate("""() => { const body = document.body.cloneNode(true);
        body.querySelectorAll('code, kbd, script, style').forEach(e => e.remove());
        return body.innerText; }""")
    words = set(re.findall(r"(?<![\w./-])[A-Za-z]{4,}(?![\w./-])", text)) - {"Sunlit", "English"}
    assert not words, words


def test_owners_side_on_a_phone(live_server, browser, demo):
    base = live_server.url

    # the owner: his home says what he owes; he pays it all with 微信支付 (the simulator)
    context, page, watcher = log_in(browser, base, "demo-owner", phone=True)
    assert page.url == f"{base}/me/"
    due = page.get_by_test_id("total-due").inner_text()
    assert due.startswith("¥") and _fits(page)
    _no_english(page)
    screenshot(page, "first-hour-owner-home")
    page.get_by_test_id("pay-link").click()
    page.wait_for_url(f"{base}/finance/my/")
    page.locator("[data-pay-form]").first.get_by_test_id("pay-submit").click()
    page.get_by_test_id("simulator-confirm").click()
    page.get_by_test_id("order-paid").wait_for()
    screenshot(page, "first-hour-owner-paid")
    watcher.check(page)
    context.close()

    # the tenant: reports a leak from his home
    context, page, watcher = log_in(browser, base, "demo-resident", phone=True)
    page.get_by_test_id("owner-tickets").get_by_role("link", name="我要报事").click()
    page.wait_for_url(f"{base}/tickets/new/")
    page.locator("#id_category").select_option(label="水电")
    page.get_by_label("标题").fill("卫生间水龙头漏水")
    page.get_by_label("问题描述").fill("关紧后仍在滴水")
    page.get_by_role("button", name="提交").click()
    page.wait_for_url(re.compile(rf"{base}/tickets/\d+/$"))
    ticket = Ticket.objects.get(title="卫生间水龙头漏水")
    assert f"工单号 {ticket.number}" in page.get_by_role("alert").first.inner_text()
    assert _fits(page)
    screenshot(page, "first-hour-resident-reported")
    watcher.check(page)
    context.close()

    # the committee member: lands on the owners' side; co-signs the week waiting for it
    context, page, watcher = log_in(browser, base, "demo-committee", phone=True)
    waiting = page.get_by_test_id("committee").locator("[data-testid=figure]").filter(
        has_text="曝光台待会签")
    assert waiting.locator(".h2").inner_text() == "1"
    screenshot(page, "first-hour-committee-home")
    waiting.click()
    draft = WeeklyBoard.objects.get(status="draft")
    page.get_by_role("link", name=re.compile(f"^{draft.week_start:%Y-%m-%d}")).click()
    page.wait_for_url(f"{base}/board/{draft.pk}/review/")
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="会签").click()
    page.get_by_text("业委会已会签").first.wait_for()
    draft.refresh_from_db()
    assert draft.cosigned_at is not None
    screenshot(page, "first-hour-committee-cosigned")
    watcher.check(page)
    context.close()


def test_the_field_on_a_phone_and_the_dispatch_desk(live_server, browser, demo):
    base = live_server.url

    # the technician: lands on his tasks and takes the first one offered
    context, page, watcher = log_in(browser, base, "demo-technician", phone=True)
    assert page.url == f"{base}/tickets/tasks/"
    take = page.locator("button[data-action=take]").first
    number = take.locator("xpath=ancestor::*[@data-testid='task']").inner_text().split()[0]
    assert _fits(page)
    screenshot(page, "first-hour-technician-tasks")
    take.click()
    page.wait_for_url(f"{base}/tickets/tasks/")
    assert Ticket.objects.get(number=number).accepted_at is not None
    watcher.check(page)
    context.close()

    # the dispatcher: lands on the queue, filters what nobody has, sends one to a technician
    context, page, watcher = log_in(browser, base, "demo-dispatcher")
    assert page.url.startswith(f"{base}/tickets/queue/")
    page.goto(f"{base}/tickets/queue/?assignee=none")
    row = page.locator("[data-testid=queue-table] tbody tr").first
    ticket_id = int(row.get_attribute("data-ticket"))
    row.locator("input[name=tickets]").check()
    page.locator("select[name=to]").select_option(index=1)
    screenshot(page, "first-hour-dispatcher-queue")
    page.get_by_role("button", name="派单", exact=True).click()
    assert "已将 1 张工单派给" in page.get_by_role("alert").first.inner_text()
    assert Ticket.objects.get(pk=ticket_id).assignee_id is not None
    watcher.check(page)
    context.close()

    # customer service: a caller gives his address the way people say it; a ticket for him
    unit = (Unit.objects.filter(ownerships__person__isnull=False, building__name__endswith="号楼")
            .select_related("building").order_by("id").first())
    said = f"{unit.building.name}{unit.number}"
    context, page, watcher = log_in(browser, base, "demo-service")
    assert page.url == f"{base}/console/"
    page.get_by_role("link", name="报事报修").first.click()
    page.get_by_test_id("new-ticket").click()
    page.get_by_label("报事人（按房号、业主姓名或手机号查找）").fill(said)
    results = page.get_by_test_id("reporter-results")
    results.wait_for()
    assert unit.label in results.inner_text()
    results.locator("button, a, label").first.click()
    page.locator("#id_category").select_option(label="水电")
    page.get_by_label("标题").fill("楼道水管渗水")
    page.get_by_label("问题描述").fill("业主来电：楼道水管接口渗水")
    screenshot(page, "first-hour-service-call")
    page.get_by_role("button", name="提交").click()
    page.wait_for_url(re.compile(rf"{base}/tickets/\d+/$"))
    assert Ticket.objects.get(title="楼道水管渗水").unit == unit
    watcher.check(page)
    context.close()


def test_the_office_on_a_desktop(live_server, browser, demo):
    base = live_server.url

    # the manager: what needs him today; the overdue tickets open from their figure
    context, page, watcher = log_in(browser, base, "demo-manager")
    assert page.url == f"{base}/console/"
    _no_english(page)
    screenshot(page, "first-hour-manager-console")
    page.get_by_test_id("work").first.locator("[data-testid=figure]").filter(
        has_text="已超时").click()
    page.wait_for_url(re.compile(r".*/tickets/queue/\?risk=overdue"))
    assert page.locator("[data-testid=queue-table] tbody tr").count() >= 1
    screenshot(page, "first-hour-manager-overdue")
    watcher.check(page)
    context.close()

    # finance: from the households in arrears to the first debtor's account; he pays in cash
    context, page, watcher = log_in(browser, base, "demo-finance")
    assert page.url == f"{base}/console/"
    page.locator("[data-testid=figure]").filter(has_text="逾期欠费户").click()
    page.wait_for_load_state()
    screenshot(page, "first-hour-finance-arrears")
    page.locator("a[href^='/finance/units/']").first.click()
    page.wait_for_url(re.compile(r".*/finance/units/\d+/$"))
    unit_id = int(page.url.rstrip("/").rsplit("/", 1)[1])
    owed = sum(b.outstanding for b in Bill.objects.filter(unit_id=unit_id).unpaid())
    form = page.get_by_test_id("payment-form")
    form.get_by_label("收款金额（元）").fill(str(owed))
    form.get_by_label("收款方式").select_option("cash")
    form.get_by_role("button", name="确认收款").click()
    page.get_by_role("alert").first.wait_for()
    assert Unit.objects.get(pk=unit_id).payments.filter(amount=owed).exists()
    screenshot(page, "first-hour-finance-paid")
    watcher.check(page)
    context.close()
