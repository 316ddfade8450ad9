"""Public money's attach points refuse uploads the caller may not attach (core.uploads).

Receipts of public income and expenses, documents of maintenance-fund uses: another person's
upload (an owner's photo, a colleague's receipt), the caller's own in another community, one
already attached and an id that does not exist — 422 naming the field, a Chinese message, no
record, nothing attached, no log leaf.
"""

from __future__ import annotations

import pytest
import time_machine

from sunlit.finance.expenses import services as expenses
from sunlit.finance.models import Expense, FundUse, PublicIncome
from sunlit.transparency.models import LogLeaf
from tests.factories import attachments_of, hostile_uploads, make_upload
from tests.finance.conftest import NOW
from tests.finance.money_fixtures import TODAY

CASES = ["another person's", "another community's", "already attached", "nonexistent"]
JSON = "application/json"


def bodies(books):
    base = f"/api/v1/finance/communities/{books.pk}"
    return {
        "public-income": (f"{base}/public-income", "receipt_ids", {
            "category": "parking", "payer": "上海捷停停车管理有限公司", "amount": "3600.00",
            "received_on": str(TODAY)}),
        "expense": (f"{base}/expenses", "receipt_ids", {
            "category": "6405", "payee": "上海申安电梯维保有限公司", "amount": "800.00",
            "spent_on": str(TODAY), "description": "门禁控制器"}),
        "fund use": (f"{base}/fund/uses", "document_ids", {
            "title": "3号楼屋面防水", "contractor": "上海某防水工程有限公司", "amount": "5000.00",
            "used_on": str(TODAY), "basis": "emergency", "emergency_reason": "屋面渗漏"}),
    }


def counts(ids) -> tuple:
    return (attachments_of(ids), PublicIncome.objects.count(), Expense.objects.count(),
            FundUse.objects.count(), LogLeaf.objects.count())


@pytest.mark.parametrize("case", CASES)
@pytest.mark.parametrize("point", ["public-income", "expense", "fund use"])
@time_machine.travel(NOW, tick=False)
def test_money_attach_points_refuse_uploads_not_the_callers(client, finance, books,
                                                            other_community, point, case):
    url, field, body = bodies(books)[point]
    bad = hostile_uploads(books, finance, other_community)
    before = counts(bad.values())
    client.force_login(finance)
    answer = client.post(url, {**body, field: [bad[case]]}, content_type=JSON)
    assert answer.status_code == 422, answer.content
    errors = answer.json()["errors"]
    assert [e["field"] for e in errors] == [field]
    assert any("\u4e00" <= ch <= "\u9fff" for ch in errors[0]["message"])
    assert counts(bad.values()) == before


@time_machine.travel(NOW, tick=False)
def test_an_owners_photo_is_not_a_receipt(books, finance, owner):
    """The service refuses it too: the rule holds for pages (which store a fresh upload)."""
    photo = make_upload(books, owner)
    receipts, problems = expenses.receipt_errors(books, finance, [photo], amount=0,
                                                 required=False)
    assert receipts == [] and "本人" in problems["receipts"][0]
