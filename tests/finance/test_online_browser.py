"""In a real browser: an owner pays a bill with 微信支付 through the local simulator, sees it 已缴
and downloads the PDF receipt (its text checked with pdftotext)."""

from __future__ import annotations

import shutil
import subprocess

import pytest
import time_machine

from sunlit.finance.billing import services
from sunlit.finance.models import Payment
from tests.browser.conftest import screenshot
from tests.finance.conftest import JAN, NOW
from tests.finance.test_browser import PHONE, in_browser, log_in

pytestmark = [
    pytest.mark.usefixtures("no_late_fees"),  # late fees online: test_online_late_fees.py
    pytest.mark.django_db(transaction=True),
    pytest.mark.browser,
    pytest.mark.skipif(shutil.which("pdftotext") is None, reason="needs pdftotext (poppler-utils)"),
]


@pytest.fixture
def billed(community, finance, homes, property_fee):
    with time_machine.travel(NOW, tick=False):
        services.run_billing(community, JAN, actor=finance)


def test_owner_pays_a_bill_with_wechat_and_downloads_the_receipt(live_server, owner, billed, tmp_path):
    url, mobile = live_server.url, owner.mobile

    def drive(phone):
        log_in(phone, url, mobile)
        phone.goto(f"{url}/finance/my/")
        form = phone.locator("[data-pay-form]").first
        assert "¥210.33" in form.get_by_test_id("pay-total").inner_text()
        form.get_by_label("微信支付").check()
        screenshot(phone, "finance-pay-online-phone")
        form.get_by_test_id("pay-submit").click()
        phone.get_by_test_id("sandbox-warning").wait_for()
        assert "210.33" in phone.get_by_test_id("simulator").inner_text()
        screenshot(phone, "finance-pay-simulator-phone")
        phone.get_by_test_id("simulator-confirm").click()
        phone.get_by_test_id("order-paid").wait_for()
        assert "已缴" in phone.get_by_test_id("order-state").inner_text()
        assert phone.evaluate("document.documentElement.scrollWidth") <= 390
        screenshot(phone, "finance-pay-paid-phone")
        with phone.expect_download() as download:
            phone.get_by_test_id("receipt-pdf").click()
        download.value.save_as(tmp_path / "receipt.pdf")
        phone.goto(f"{url}/finance/my/")
        assert "已缴清" in phone.get_by_test_id("my-bills").inner_text()

    in_browser(drive, PHONE)
    payment = Payment.objects.get()
    text = subprocess.run(
        ["pdftotext", "-layout", str(tmp_path / "receipt.pdf"), "-"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    flat = text.replace(" ", "").replace("\n", "")
    assert "电子收据" in text and payment.number in text and "微信支付" in text
    assert "贰佰壹拾元叁角叁分" in flat and payment.reference in flat
