"""The finance API under /api/v1/finance/: one router per domain package, gathered here and
mounted once by ``sunlit.api``.

Amounts and prices travel as strings with at most two (prices: four) decimal places —
``"123.40"`` — never as JSON numbers, so no float ever touches money; a number is refused
with 422. Lookups go through each domain's ``access`` / ``sunlit.api.scope.community_for``: another
community's id or another household's bill is 404. Creating POSTs honour ``Idempotency-Key``.
"""

from __future__ import annotations

from ninja import Router

from sunlit.finance.arrears.api import router as arrears
from sunlit.finance.billing.api import router as billing
from sunlit.finance.books.api import router as books
from sunlit.finance.charges.api import router as charges
from sunlit.finance.expenses.api import router as expenses
from sunlit.finance.fund.api import router as fund
from sunlit.finance.online.api import router as online
from sunlit.finance.payments.api import router as payments
from sunlit.finance.report.api import router as report

router = Router()
for domain in (billing, payments, books, online, charges, expenses, fund, report, arrears):
    router.add_router("", domain)
