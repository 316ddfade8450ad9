"""In a real browser: an owner whose bill was paid at the counter sees it paid on his phone,
reads the calculation, verifies the payment on the log and downloads the bill's proof and the
receipt; finance staff preview a billing run and commit it.

The Chromium of ``tests/browser`` is driven here from a thread of its own: its session-wide
Playwright (a fixture of that directory) may already be running in the main thread, and the
sync API allows one per thread.
"""

from __future__ import annotations

import json
import os
import shutil
import threading
from pathlib import Path

import pytest
import time_machine

from sunlit.finance.billing import services
from sunlit.finance.payments import services as payments
from sunlit.transparency import merkle
from sunlit.transparency import services as log
from sunlit.transparency.entry import canonical
from sunlit.transparency.models import Log
from tests.browser.conftest import CHROMIUM, screenshot
from tests.conftest import PASSWORD
from tests.finance.conftest import JAN, NOW

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.browser]
PHONE = {"viewport": {"width": 390, "height": 844}, "device_scale_factor": 2, "is_mobile": True,
         "has_touch": True, "locale": "zh-CN"}
DESKTOP = {"viewport": {"width": 1280, "height": 900}, "locale": "zh-CN"}


def in_browser(drive, context_options: dict) -> None:
    """Runs ``drive(page)`` in a new thread with its own Playwright and Chromium; re-raises."""
    if not (Path(CHROMIUM).exists() or shutil.which(CHROMIUM)):
        pytest.skip(f"Chromium not found at {CHROMIUM}")
    playwright_api = pytest.importorskip("playwright.sync_api")
    failure: list[BaseException] = []

    def work():
        try:
            with playwright_api.sync_playwright() as pw:
                browser = pw.chromium.launch(executable_path=CHROMIUM, args=[
                    "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking"])
                try:
                    context = browser.new_context(**context_options)
                    drive(context.new_page())
                finally:
                    browser.close()
        except BaseException as exc:  # handed to the test's thread
            failure.append(exc)

    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    thread = threading.Thread(target=work)
    thread.start()
    thread.join(timeout=180)
    if thread.is_alive():
        pytest.fail("the browser did not finish within 3 minutes")
    if failure:
        raise failure[0]


def log_in(page, url: str, login: str) -> None:
    page.goto(f"{url}/login/")
    page.get_by_label("手机号或用户名").fill(login)
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_load_state()


@pytest.fixture
def paid_bill(community, finance, homes, property_fee, water_fee):
    with time_machine.travel(NOW, tick=False):
        services.run_billing(community, JAN, actor=finance)
        payment = payments.receive_payment(homes[0], actor=finance, amount="300.00", method="cash")
    log.sign_checkpoint(Log.objects.get(community=community))
    return payment


def test_owner_sees_paid_bill_verifies_and_downloads_proofs(live_server, owner, paid_bill, tmp_path):
    bill_number = paid_bill.allocations.get().bill.number
    url, mobile = live_server.url, owner.mobile

    def drive(phone):
        log_in(phone, url, mobile)
        phone.goto(f"{url}/finance/my/")
        bills = phone.get_by_test_id("my-bills")
        assert "已缴清" in bills.inner_text()
        assert "¥89.67" in phone.get_by_test_id("prepaid").inner_text()
        assert phone.evaluate("document.documentElement.scrollWidth") <= 390
        screenshot(phone, "finance-my-bills-phone")

        proof = phone.get_by_test_id("proof-finance.payment")
        proof.get_by_role("button", name="验证").click()
        verdict = proof.get_by_test_id("proof-verdict")
        verdict.wait_for()
        assert "验证通过" in verdict.inner_text()

        phone.get_by_test_id(f"bill-{bill_number}").click()
        line = phone.get_by_test_id("bill-line").first.inner_text()
        assert "89.50 ㎡ × 2.3500 元 × 1 月" in line and "210.33" in line
        screenshot(phone, "finance-bill-phone")
        with phone.expect_download() as download:
            phone.get_by_test_id("bill-proof").click()
        download.value.save_as(tmp_path / "bill.json")

        phone.get_by_role("link", name=paid_bill.number).click()
        receipt = phone.get_by_test_id("receipt").inner_text()
        assert paid_bill.number in receipt and "300.00" in receipt
        screenshot(phone, "finance-receipt-phone")

    in_browser(drive, PHONE)
    got = json.loads((tmp_path / "bill.json").read_text(encoding="utf-8"))
    merkle.verify_inclusion(got["leaf_index"], got["tree_size"], merkle.leaf_hash(canonical(got["bill"])),
                            [bytes.fromhex(h) for h in got["inclusion_proof"]],
                            bytes.fromhex(got["bills_root"]))


def test_finance_staff_preview_and_run_billing(live_server, finance, homes, property_fee,
                                               parking_space, parking_fee):
    url, username = live_server.url, finance.username

    def drive(desktop):
        log_in(desktop, url, username)
        desktop.get_by_role("link", name="收费", exact=True).click()
        desktop.get_by_role("link", name="计费与预览").click()
        desktop.get_by_label("账期（月份）").fill("2026-01")
        desktop.get_by_role("button", name="预览").click()
        preview = desktop.get_by_test_id("run-preview").inner_text()
        assert "账单 4 张，合计 ¥714.13" in preview and "车位管理费" in preview
        screenshot(desktop, "finance-run-preview")
        asked = []
        desktop.once("dialog", lambda dialog: (asked.append(dialog.message), dialog.accept()))
        desktop.get_by_test_id("run-commit").click()  # asks first, with the count and total
        status = desktop.get_by_test_id("run-status")
        status.get_by_text("已完成").wait_for()
        assert "账单 4 张" in status.inner_text()
        assert asked and "开具账单 4 张，合计 ¥714.13" in asked[0]
        screenshot(desktop, "finance-run-status")

    in_browser(drive, DESKTOP)
