"""Racing public-money writes (PostgreSQL): an approved expense paid twice at once is paid once;
two fund uses racing for the same households never overdraw a balance."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.db import connection

from sunlit.finance.expenses import services as expenses
from sunlit.finance.fund import services as fund
from sunlit.finance.models import FundAccount, FundUse, JournalEntry
from tests.finance.money_fixtures import TODAY, storage_dir  # noqa: F401
from tests.finance.test_concurrency import _race

pytestmark = [
    pytest.mark.skipif(
        connection.vendor == "sqlite", reason="in-memory SQLite serialises writers: nothing to race"
    ),
    pytest.mark.usefixtures("storage_dir"),
]


def test_an_expense_paid_twice_at_once_is_paid_once(transactional_db, books, finance, manager, receipt):
    expense = expenses.create_expense(
        books,
        actor=finance,
        category="6405",
        payee="上海申安电梯维保有限公司",
        amount="900.00",
        spent_on=TODAY,
        description="门禁",
        receipts=[receipt(finance)],
        submit=True,
    )
    expenses.approve_expense(expense, actor=manager)
    errors = _race(lambda n: expenses.post_expense(expense, actor=finance), 3)
    assert len(errors) == 2 and JournalEntry.objects.filter(source="expense").count() == 1


def test_racing_fund_uses_never_overdraw(
    transactional_db, books, finance, manager, committee, homes, receipt
):
    fund.collect_initial(books, actor=finance, rate="10", deposited_on=TODAY)  # 895.00, 1203.30, 600.10
    pending = [
        fund.create_fund_use(
            books,
            actor=finance,
            title=f"抢修 {n}",
            contractor="上海建工防水工程有限公司",
            amount="2000.00",
            used_on=TODAY,
            basis="emergency",
            emergency_reason="渗漏",
            documents=[receipt(finance)],
            scope="units",
            units=homes,
        )
        for n in range(2)
    ]
    for use in pending:
        fund.approve_fund_use(use, actor=manager)
    errors = _race(lambda n: fund.approve_fund_use(pending[n], actor=committee), 2)
    assert len(errors) == 1 and FundUse.objects.filter(status="posted").count() == 1
    assert all(a.balance >= 0 for a in FundAccount.objects.all())
    assert sum(a.balance for a in FundAccount.objects.all()) == Decimal("698.40")
