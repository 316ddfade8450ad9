"""The books' API under /api/v1/finance/: account balances of a community."""

from __future__ import annotations

from ninja import Router, Schema

from sunlit.api.errors import ERRORS
from sunlit.api.scope import community_for
from sunlit.finance.books import ledger, money

router = Router(tags=["finance"])

Money = str  # "123.40"
class BalanceOut(Schema):
    code: str
    name: str
    kind: str
    debit: Money
    credit: Money
    balance: Money


@router.get("/communities/{community_id}/balances", response={200: list[BalanceOut], **ERRORS},
            summary="科目余额（试算平衡）")
def balances(request, community_id: int):
    community = community_for(request, community_id, "finance.view")
    return [{"code": code, "name": row["account"].name, "kind": row["account"].kind,
             "debit": money.text(row["debit"]), "credit": money.text(row["credit"]),
             "balance": money.text(row["balance"])} for code, row in ledger.balances(community).items()]
