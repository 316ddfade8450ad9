"""Numbered e-receipts: 大写金额, the receipt page, the PDF (with its log proof) and who may read it."""

from __future__ import annotations

import shutil
import subprocess
from decimal import Decimal

import pytest

from sunlit.finance.books import documents
from sunlit.finance.online import services as online
from sunlit.finance.online.gateways import sandbox
from sunlit.finance.payments import services as payments
from sunlit.finance.payments.receipts import amount_in_words, receipt_for
from sunlit.transparency.models import LogLeaf

# the payment path with late-fee collection off (test_online_late_fees.py: with it on)
pytestmark = pytest.mark.usefixtures("no_late_fees")

needs_pdftotext = pytest.mark.skipif(
    shutil.which("pdftotext") is None, reason="needs pdftotext (poppler-utils)"
)


@pytest.mark.parametrize(
    ("amount", "words"),
    [
        ("0", "零元整"),
        ("0.05", "伍分"),
        ("0.50", "伍角"),
        ("0.55", "伍角伍分"),
        ("1", "壹元整"),
        ("10", "壹拾元整"),
        ("16", "壹拾陆元整"),
        ("10.05", "壹拾元零伍分"),
        ("100.50", "壹佰元伍角"),
        ("105", "壹佰零伍元整"),
        ("210.33", "贰佰壹拾元叁角叁分"),
        ("1004.05", "壹仟零肆元零伍分"),
        ("1010", "壹仟零壹拾元整"),
        ("1680.32", "壹仟陆佰捌拾元叁角贰分"),
        ("10005", "壹万零伍元整"),
        ("100000", "壹拾万元整"),
        ("105000", "壹拾万伍仟元整"),
        ("1000100", "壹佰万零壹佰元整"),
        ("1000005", "壹佰万零伍元整"),
        ("1010101.01", "壹佰零壹万零壹佰零壹元零壹分"),
        ("100000000", "壹亿元整"),
        ("100000001", "壹亿零壹元整"),
        ("200010000", "贰亿零壹万元整"),
        ("123456789.12", "壹亿贰仟叁佰肆拾伍万陆仟柒佰捌拾玖元壹角贰分"),
        ("999999999999.99", "玖仟玖佰玖拾玖亿玖仟玖佰玖拾玖万玖仟玖佰玖拾玖元玖角玖分"),
    ],
)
def test_amount_in_chinese_capitals(amount, words):
    assert amount_in_words(Decimal(amount)) == words


def test_amount_in_words_refuses_floats_and_negatives():
    with pytest.raises(TypeError):
        amount_in_words(1.5)
    with pytest.raises(ValueError):
        amount_in_words(Decimal("-1"))


@pytest.fixture
def paid_online(client, owner, run, homes, property_fee):
    run()
    order = online.create_payment_order(homes[0], actor=owner, provider="wechat")
    online.simulate_payment(order, actor=owner)
    order.refresh_from_db()
    return order.payment


def _pdf_text(content: bytes, tmp_path) -> str:
    pdf = tmp_path / "receipt.pdf"
    pdf.write_bytes(content)
    return subprocess.run(
        ["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True
    ).stdout


def test_receipt_of_an_online_payment(paid_online, owner, finance):
    r = receipt_for(paid_online, viewer=owner)
    assert r.payer == "王小明" and r.amount_words == "贰佰壹拾元叁角叁分"
    assert receipt_for(paid_online, viewer=finance).payer == receipt_for(paid_online).payer == "王*明"
    assert r.lines[0]["period"] == "2026-01" and r.lines[0]["amount"] == Decimal("210.33")
    leaf = LogLeaf.objects.get(event_type="finance.payment.received", subject_id=str(paid_online.pk))
    assert r.leaf == leaf and r.leaf_sha256 == bytes(leaf.leaf_hash).hex()
    assert r.order.payer == owner


@needs_pdftotext
def test_households_and_finance_download_the_pdf_other_owners_do_not(
    client, paid_online, owner, resident, finance, owner_other_community, tmp_path
):
    url = f"/finance/payments/{paid_online.pk}/receipt.pdf"
    client.force_login(owner)
    response = client.get(url)
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    text = _pdf_text(response.content, tmp_path)
    flat = text.replace(" ", "").replace("\n", "")
    assert "电子收据" in text and paid_online.number in text and "明强小区" in text
    assert "贰佰壹拾元叁角叁分" in flat and "王小明" in text and "微信支付" in text
    assert "收款单位" in text and "阳光物业服务有限公司" in flat
    assert paid_online.reference in flat and "2026-01" in text
    assert receipt_for(paid_online).leaf_sha256 in flat
    assert f"http://testserver/finance/payments/{paid_online.pk}/" in flat
    for user in (resident, finance):
        client.force_login(user)
        assert client.get(url).status_code == 200
    client.force_login(owner_other_community)
    assert client.get(url).status_code == 404
    assert client.get(f"/api/v1/finance/payments/{paid_online.pk}/receipt.pdf").status_code == 404
    assert client.get(f"/api/v1/finance/payments/{paid_online.pk}/receipt").status_code == 404


def test_receipt_api_and_page(client, paid_online, owner):
    client.force_login(owner)
    data = client.get(f"/api/v1/finance/payments/{paid_online.pk}/receipt").json()
    assert data["number"] == paid_online.number and data["amount_words"] == "贰佰壹拾元叁角叁分"
    assert data["payer"] == "王小明" and data["method"] == "wechat" and data["log_index"] is not None
    assert data["pdf_url"] == f"/api/v1/finance/payments/{paid_online.pk}/receipt.pdf"
    pdf = client.get(data["pdf_url"])
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    page = client.get(f"/finance/payments/{paid_online.pk}/").content.decode()
    assert "人民币贰佰壹拾元叁角叁分" in page and data["leaf_sha256"] in page and "receipt.pdf" in page


def test_counter_receipts_mask_the_owners_for_anyone_but_the_household(
        client, owner, finance, run, homes, property_fee):
    run()
    payment = payments.receive_payment(homes[0], actor=finance, amount="300.00", method="cash")
    r = receipt_for(payment, viewer=finance)
    assert r.payer == "王*明" and r.amount_words == "叁佰元整" and r.order is None
    assert receipt_for(payment, viewer=owner).payer == "王小明"
    assert r.total == payment.amount and [line["kind"] for line in r.lines] == ["bill", "prepaid"]


def test_payment_entries_resolve_to_their_receipt(paid_online):
    found = documents.documents_for([paid_online.entry_id])
    doc = found[paid_online.entry_id][0]
    assert doc.kind == "receipt" and doc.url == f"/finance/payments/{paid_online.pk}/receipt.pdf"
    assert paid_online.number in doc.label


def test_sandbox_keys_are_made_once(settings):
    first = sandbox.keys()
    sandbox._keys.cache_clear()
    assert sandbox.keys() == first
    assert (sandbox.key_dir() / "wechat-platform.pem").stat().st_mode & 0o077 == 0
