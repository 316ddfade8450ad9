"""The documents the finance app itself knows behind its entries (``finance.documents``).

A billing run's entry → the run's public summary (period, bills, totals per fee item and the
Merkle root over its bills, with its log proof); a refund's entry → the refunded payment's
page. Pages still check who may open them: a receipt
is for finance staff and the household, and the 阳光账本 shows household entries one by one
only to those. A payment's entry → its e-receipt is registered by ``finance.receipts``.
"""

from __future__ import annotations

from collections.abc import Sequence

from django.urls import reverse
from django.utils.translation import gettext as _

from sunlit.finance.books import documents
from sunlit.finance.models import BillingRun, FundUse, Refund


@documents.resolver
def billing_runs(entry_ids: Sequence[int]) -> dict[int, list[documents.EntryDocument]]:
    out: dict[int, list[documents.EntryDocument]] = {}
    for run in BillingRun.objects.filter(entry_id__in=entry_ids).only("id", "entry_id", "period_start",
                                                                       "bills_root"):
        out.setdefault(run.entry_id, []).append(documents.EntryDocument(
            _("计费批次 %(period)s") % {"period": f"{run.period_start:%Y-%m}"},
            reverse("finance:ledger_run", args=[run.pk]),
            "billing_run", run.bills_root))
    return out


@documents.resolver
def refunds(entry_ids: Sequence[int]) -> dict[int, list[documents.EntryDocument]]:
    """Refund entries → the refunded payment's page (payments' e-receipts: finance.receipts)."""
    out: dict[int, list[documents.EntryDocument]] = {}
    for refund in Refund.objects.filter(entry_id__in=entry_ids).only("id", "entry_id", "number",
                                                                     "payment_id"):
        out.setdefault(refund.entry_id, []).append(documents.EntryDocument(
            _("退款单 %(number)s") % {"number": refund.number},
            reverse("finance:payment", args=[refund.payment_id]), "refund"))
    return out


@documents.resolver
def fund_uses(entry_ids: Sequence[int]) -> dict[int, list[documents.EntryDocument]]:
    """A maintenance-fund use's entries → the use's page (works, basis, the vote or the
    emergency approvals, the split by area with its Merkle root), open to every member once
    posted."""
    out: dict[int, list[documents.EntryDocument]] = {}
    through = FundUse.entries.through
    rows = through.objects.filter(journalentry_id__in=entry_ids).select_related("funduse")
    for row in rows:
        use = row.funduse
        out.setdefault(row.journalentry_id, []).append(documents.EntryDocument(
            _("维修资金使用 %(n)s %(t)s") % {"n": use.number, "t": use.title},
            reverse("finance:fund_use", args=[use.pk]), "fund_use", use.split_root))
    return out
