"""In a real browser: at the counter the cashier sees an overdue bill's principal and late fee
apart, takes the money, and the receipt shows the late fee collected; finance asks for a waiver
of another bill and the manager approves it in the queue."""

from __future__ import annotations

import os

import pytest
import time_machine

from sunlit.finance.billing import services
from sunlit.finance.models import Waiver
from tests.browser.conftest import screenshot
from tests.finance.conftest import JAN, NOW
from tests.finance.test_browser import DESKTOP, in_browser, log_in

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.browser]


@pytest.fixture
def overdue(community, finance, homes, property_fee):
    """January's bills, due 2026-02-07: overdue (with a late fee) on any day after 9 March."""
    with time_machine.travel(NOW, tick=False):
        services.run_billing(community, JAN, actor=finance)
    return homes


def test_counter_collects_the_late_fee_and_a_waiver_is_approved(live_server, finance, manager, overdue):
    url = live_server.url
    unit, other = overdue[0], overdue[1]

    def drive(desktop):
        log_in(desktop, url, finance.username)
        desktop.goto(f"{url}/finance/units/{unit.pk}/")
        late = desktop.get_by_test_id("late-fees").inner_text()
        total = desktop.get_by_test_id("total-due").inner_text()
        assert late.startswith("¥") and late != "¥0.00" and total.startswith("¥")
        shot = screenshot(desktop, "finance-counter-late-fee")
        if os.environ.get("SUNLIT_CHARGES_SHOT"):
            desktop.screenshot(path=os.environ["SUNLIT_CHARGES_SHOT"], full_page=True)
        desktop.get_by_label("收款金额（元）").fill(total.removeprefix("¥"))
        desktop.get_by_role("button", name="确认收款").click()
        receipt = desktop.get_by_test_id("receipt-late-fees").inner_text()
        assert late.removeprefix("¥") in desktop.content() and "¥" in receipt
        screenshot(desktop, "finance-receipt-late-fee")

        bill = other.bills.get()
        desktop.goto(f"{url}/finance/bills/{bill.pk}/")
        desktop.get_by_test_id("request-waiver").click()
        desktop.get_by_label("减免金额（元）").fill("30.00")
        desktop.get_by_label("减免原因", exact=True).fill("电梯停运两周，按约定减免")
        desktop.get_by_role("button", name="提交审批").click()
        desktop.get_by_text("已提交，待经理审批").wait_for()

        desktop.context.clear_cookies()
        log_in(desktop, url, manager.username)
        desktop.goto(f"{url}/finance/waivers/")
        row = desktop.get_by_test_id(f"waiver-{Waiver.objects.get().number}")
        assert "电梯停运两周" in row.inner_text()
        screenshot(desktop, "finance-waiver-queue")
        row.get_by_role("button", name="批准").click()
        desktop.get_by_text("已批准").first.wait_for()
        return shot

    in_browser(drive, DESKTOP)
    waiver = Waiver.objects.get()
    assert waiver.status == "approved" and waiver.decided_by == manager
