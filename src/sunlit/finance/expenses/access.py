"""Reaching public money (public income, expenses, fund deposits and uses) within the user's
communities, and the receipts behind their journal entries (the 阳光账本 drill-down).

Staff, the committee, the supervision group and the auditor see every record of their
communities (``finance.money.view``). Receipts of what has been *done* — public income
recorded, expenses paid, fund uses posted — are open to every member of the community (that
money is the owners'); drafts and pending records only to ``finance.money.view``.
"""

from __future__ import annotations

from django.http import Http404
from django.shortcuts import get_object_or_404
from django.urls import reverse

from sunlit.core.models import Upload
from sunlit.core.permissions import can, require
from sunlit.finance.books import documents
from sunlit.finance.expenses.choices import ExpenseStatus
from sunlit.finance.fund.choices import FundUseStatus
from sunlit.finance.models import Expense, FundUse, PublicIncome


def get_income_for(user, income_id: int) -> PublicIncome:
    return get_object_or_404(PublicIncome.objects.visible_to(user, "finance.money.view")
                             .select_related("entry", "recorded_by"), pk=income_id)


def get_expense_for(user, expense_id: int, *, action: str | None = None) -> Expense:
    expense = get_object_or_404(Expense.objects.visible_to(user, "finance.money.view")
                                .select_related("entry", "created_by", "community"), pk=expense_id)
    if action is not None:
        require(user, action, expense)
    return expense


def get_receipt_for(user, upload_id: int) -> Upload:
    """A receipt or document of public money the user may see, or 404."""
    upload = get_object_or_404(Upload, pk=upload_id)
    community = upload.community_id
    if can(user, "finance.money.view", community=community):
        owners = [PublicIncome.receipts.through.objects.filter(upload_id=upload.pk),
                  Expense.receipts.through.objects.filter(upload_id=upload.pk),
                  FundUse.documents.through.objects.filter(upload_id=upload.pk)]
        if any(q.exists() for q in owners):
            return upload
        raise Http404
    if not can(user, "community.view", community=community):
        raise Http404
    done = (PublicIncome.objects.filter(receipts=upload).exists()
            or Expense.objects.filter(receipts=upload, status=ExpenseStatus.POSTED).exists()
            or FundUse.objects.filter(documents=upload, status=FundUseStatus.POSTED).exists())
    if not done:
        raise Http404
    return upload


def _docs(uploads, label: str) -> list[documents.EntryDocument]:
    return [documents.EntryDocument(f"{label} {n}", reverse("finance:money_file", args=[u.pk]),
                                    "receipt", u.sha256) for n, u in enumerate(uploads, start=1)]


@documents.resolver
def _public_money_documents(entry_ids):
    """Receipts of public income and expenses and the documents of fund uses, by entry id."""
    found: dict[int, list[documents.EntryDocument]] = {}
    for income in PublicIncome.objects.filter(entry_id__in=entry_ids).prefetch_related("receipts"):
        found.setdefault(income.entry_id, []).extend(
            _docs(income.receipts.order_by("id"), f"公共收益 {income.number} 票据"))
    for expense in Expense.objects.filter(entry_id__in=entry_ids).prefetch_related("receipts"):
        found.setdefault(expense.entry_id, []).extend(
            _docs(expense.receipts.order_by("id"), f"支出 {expense.number} 票据"))
    through = FundUse.entries.through
    links = list(through.objects.filter(journalentry_id__in=entry_ids)
                 .values_list("journalentry_id", "funduse_id"))
    uses = {u.pk: u for u in FundUse.objects.filter(pk__in={u for _e, u in links})
            .prefetch_related("documents")}
    for entry_id, use_id in links:
        use = uses[use_id]
        found.setdefault(entry_id, []).extend(
            _docs(sorted(use.documents.all(), key=lambda d: d.pk), f"维修资金使用 {use.number} 材料"))
    return found
