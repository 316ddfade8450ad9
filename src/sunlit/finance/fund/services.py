"""The maintenance fund — 专项维修资金 — a per-household sub-ledger of account 2244.

Every movement is a journal entry whose 2244 lines carry the unit (credit: a deposit; debit:
a share of a use): those lines are each household's statement, and ``FundAccount.balance``
keeps their sum per unit with ``F()``-style locked updates. A balance is never negative: a use
that would overdraw any beneficiary is refused, naming the households short (they must top up
first: 续筹).

* **Deposits** (``collect_initial``: area × rate for every unit in scope not yet in the fund;
  ``record_deposits``: amounts per unit) credit 2244 per unit, debit bank or cash.
* **Uses** (``create_fund_use``) need EITHER an owners' vote on "使用维修资金" (art. 278 item 5)
  of the same community whose result was published as passed (published or effective), whose
  electorate covers every beneficiary, and a committee member's confirmation that the use is
  the one the owners decided (works, contractor, amount), OR the emergency procedure (应急使用:
  the reason, at least one document, approval by the manager and by an owners'-committee
  member — two people, neither the one who registered it). Nobody moves the owners' fund
  alone: the owner side always confirms (docs/security.md, rule b). The cost is split by
  area among the beneficiary units (a building, a list, or the whole community) by the
  largest-remainder method: every share is the exact area share rounded down to the fen, and
  the fen left over go one each to the largest remainders (ties: lower unit id), so the
  shares sum exactly to the cost and each is within one fen of its exact share.
* On the log: ``finance.fund.deposited`` / ``finance.fund.used`` — totals, counts, the vote or
  the emergency reason with its approvers, the documents' SHA-256 and ``split_root``: the RFC
  6962 Merkle root over the per-unit rows (leaf = SHA-256(0x00 ‖ RFC 8785 JSON of
  ``{"unit_id", "unit", "area", "amount"}``), in unit id order). ``share_proof`` proves one
  household's row against it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from sunlit.core import audit, uploads
from sunlit.core.idempotency import clean_service_key, replayed
from sunlit.core.locking import locked, locked_rows
from sunlit.core.models import AuditEvent, Community, Upload, User
from sunlit.core.permissions import require
from sunlit.core.validators import clean_prose
from sunlit.finance.books import ledger, money
from sunlit.finance.books.choices import EntrySource
from sunlit.finance.expenses import services as expenses
from sunlit.finance.expenses.choices import ApproverSide, MoneyMethod
from sunlit.finance.fund.choices import FundBasis, FundDepositKind, FundScope, FundUseStatus
from sunlit.finance.models import FundAccount, FundDeposit, FundUse
from sunlit.registry.models import Building, Unit
from sunlit.transparency import entry as canonical_json
from sunlit.transparency import merkle
from sunlit.transparency import services as log

FUND = "2244"
#: Household lines per journal entry: each entry goes on the log with every line
#: (``finance.entry.posted``), and a log event holds at most 64 KB (~100 bytes a line).
CHUNK = 500


# --- the split --------------------------------------------------------------------------------------


def largest_remainder(total: Decimal, weights: Sequence[Decimal]) -> list[Decimal]:
    """``total`` (元, two places) split in proportion to ``weights`` (areas, two places):
    shares in fen that sum exactly to ``total``, each within one fen of its exact share.

    Exact integer arithmetic: share_i = floor(total × w_i / W) fen, then the fen left over
    go one each to the largest remainders (ties: the earlier weight)."""
    fen = int((total * 100).to_integral_value())
    if fen != total * 100 or fen < 0:
        raise ValueError("total must be a non-negative amount with two places")
    w = [int((x * 100).to_integral_value()) for x in weights]
    if any(x < 0 or x != y * 100 for x, y in zip(w, weights, strict=True)):
        raise ValueError("weights must be non-negative with two places")
    whole = sum(w)
    if whole == 0:
        raise ValueError("the weights sum to zero")
    floors, rems = [], []
    for x in w:
        q, r = divmod(fen * x, whole)
        floors.append(q)
        rems.append(r)
    left = fen - sum(floors)
    for i in sorted(range(len(w)), key=lambda i: (-rems[i], i))[:left]:
        floors[i] += 1
    return [Decimal(f).scaleb(-2).quantize(money.FEN) for f in floors]


@dataclass(frozen=True)
class Row:
    """One household's row of a split: what goes under ``split_root``."""

    unit_id: int
    unit: str
    area: Decimal
    amount: Decimal

    def document(self) -> dict:
        return {"unit_id": self.unit_id, "unit": self.unit, "area": money.text(self.area),
                "amount": money.text(self.amount)}


def leaf_of(row: dict) -> bytes:
    return merkle.leaf_hash(canonical_json.canonical(row))


def split_root(rows: Sequence[dict]) -> str:
    """The RFC 6962 Merkle root over the rows (already in unit id order)."""
    return merkle.MemoryTree(leaf_of(r) for r in rows).root().hex()


def share_proof(rows: Sequence[dict], unit_id: int) -> dict | None:
    """One household's row, its index and its inclusion proof to ``split_root``."""
    index = next((i for i, r in enumerate(rows) if r["unit_id"] == unit_id), None)
    if index is None:
        return None
    tree = merkle.MemoryTree(leaf_of(r) for r in rows)
    return {"row": rows[index], "canonical": canonical_json.canonical(rows[index]).decode(),
            "leaf_index": index, "tree_size": tree.size, "split_root": tree.root().hex(),
            "inclusion_proof": [h.hex() for h in tree.inclusion_proof(index)]}


# --- helpers ------------------------------------------------------------------------------------------


def _units_in_scope(community: Community, scope: str, buildings: Iterable[Building],
                    units: Iterable[Unit], errors: dict) -> list[Unit]:
    buildings, units = list(buildings or ()), list(units or ())
    if scope not in FundScope.values:
        errors["scope"] = [_("请选择受益范围")]
        return []
    if scope == FundScope.BUILDING:
        if not buildings:
            errors["buildings"] = [_("请选择楼栋")]
        elif any(not isinstance(b, Building) or b.community_id != community.pk for b in buildings):
            errors["buildings"] = [_("请选择本小区的楼栋")]
            return []
        found = Unit.objects.filter(building__in=buildings)
    elif scope == FundScope.UNITS:
        if not units:
            errors["units"] = [_("请至少选择一户")]
        elif any(not isinstance(u, Unit) or u.community_id != community.pk for u in units):
            errors["units"] = [_("请选择本小区的房屋")]
            return []
        found = Unit.objects.filter(pk__in=[u.pk for u in units])
    else:
        found = Unit.objects.in_community(community)
    chosen = list(found.filter(area__gt=0).select_related("building").order_by("id")
                  .only("id", "community_id", "area", "number", "entrance", "building__name"))
    if not chosen and not errors:
        errors["scope"] = [_("受益范围内没有面积大于零的房屋")]
    return chosen


def _lock_accounts(unit_ids: Sequence[int]) -> dict[int, FundAccount]:
    return {a.unit_id: a for a in locked_rows(FundAccount.objects.filter(unit_id__in=unit_ids))}


def _credit_accounts(community: Community, amounts: dict[int, Decimal]) -> None:
    accounts = _lock_accounts(list(amounts))
    for account in accounts.values():
        account.balance += amounts[account.unit_id]
    FundAccount.objects.bulk_update(list(accounts.values()), ["balance"], batch_size=500)
    FundAccount.objects.bulk_create([FundAccount(community=community, unit_id=u, balance=a)
                                     for u, a in amounts.items() if u not in accounts],
                                    batch_size=1000)


def _chunks(rows: Sequence, size: int = CHUNK):
    for start in range(0, len(rows), size):
        yield rows[start:start + size]


# --- deposits ------------------------------------------------------------------------------------------


def _deposit(community: Community, *, actor: User, kind: str, rows: list[Row], deposited_on: dt.date,
             memo: str, method: str, rate: Decimal | None, now: dt.datetime) -> FundDeposit:
    number = ledger.reserve_numbers(community, f"WJ-{deposited_on:%Y%m}", 1)[0]
    specs = []
    for part in _chunks(rows):
        total = sum((r.amount for r in part), money.ZERO)
        specs.append(ledger.EntrySpec(deposited_on, EntrySource.FUND_DEPOSIT, f"{memo} {number}", [
            ledger.Line(method, debit=total, memo=number),
            *(ledger.Line(FUND, credit=r.amount, unit_id=r.unit_id, memo=number) for r in part)]))
    entries = ledger.post_entries(community, specs, actor=actor, time=now)
    _credit_accounts(community, {r.unit_id: r.amount for r in rows})
    documents = [r.document() for r in rows]
    total = sum((r.amount for r in rows), money.ZERO)
    deposit = FundDeposit.objects.create(
        community=community, number=number, kind=kind, deposited_on=deposited_on, rate=rate,
        total=total, units=len(rows), memo=memo, method=method, split_root=split_root(documents),
        recorded_by=actor, recorded_at=now)
    deposit.entries.set(entries)
    log.record(community, "finance.fund.deposited", deposit, time=now, public={
        "number": number, "kind": kind, "date": deposited_on,
        "rate": None if rate is None else rate, "units": len(rows), "total": total,
        "split_root": deposit.split_root, "entries": [e.number for e in entries]})
    audit.record(AuditEvent.Action.CREATE, deposit, actor=actor,
                 summary=f"维修资金归集 {number}：{len(rows)} 户 {money.text(total)} 元")
    return deposit


def _check_common(community, actor, deposited_on, method, errors, now) -> None:
    expenses.clean_date(deposited_on, errors, "deposited_on", timezone.localdate(now))
    if method not in MoneyMethod.values:
        errors["method"] = [_("请选择收款账户")]


@transaction.atomic
def collect_initial(community: Community, *, actor: User, rate, deposited_on: dt.date,
                    scope: str = FundScope.COMMUNITY, buildings: Iterable[Building] = (),
                    units: Iterable[Unit] = (), method: str = MoneyMethod.BANK,
                    now: dt.datetime | None = None) -> FundDeposit:
    """首期归集: every unit in scope that is not yet in the fund pays area × rate (元/㎡,
    rounded half-up to the fen). Units already in the fund are refused (use ``record_deposits``
    for later deposits)."""
    require(actor, "finance.money.record", community=community)
    now = now or timezone.now()
    errors: dict[str, list[str]] = {}
    try:
        rate = money.parse_money(rate, what=_("归集标准"))
    except money.MoneyError as exc:
        errors["rate"] = [str(exc)]
    _check_common(community, actor, deposited_on, method, errors, now)
    chosen = _units_in_scope(community, scope, buildings, units, errors)
    if errors:
        raise ValidationError(errors)
    already = set(FundAccount.objects.filter(unit_id__in=[u.pk for u in chosen])
                  .values_list("unit_id", flat=True))
    if already:
        labels = [u.label for u in chosen if u.pk in already]
        raise ValidationError({"scope": [_("%(n)d 户已归集过维修资金（如 %(u)s），请改用补交登记") % {
            "n": len(labels), "u": "、".join(labels[:3])}]})
    rows = [Row(u.pk, u.label, u.area, (u.area * rate).quantize(money.FEN, rounding=ROUND_HALF_UP))
            for u in chosen]
    return _deposit(community, actor=actor, kind=FundDepositKind.INITIAL, rows=rows,
                    deposited_on=deposited_on, memo=_("维修资金首期归集 %(r)s 元/㎡") % {"r": rate},
                    method=method, rate=rate, now=now)


@transaction.atomic
def record_deposits(community: Community, *, actor: User, deposits: Sequence[tuple[Unit, object]],
                    deposited_on: dt.date, memo: str = "", method: str = MoneyMethod.BANK,
                    now: dt.datetime | None = None) -> FundDeposit:
    """续筹/补交: amounts paid into the fund for the units given — all or none."""
    require(actor, "finance.money.record", community=community)
    now = now or timezone.now()
    errors: dict[str, list[str]] = {}
    _check_common(community, actor, deposited_on, method, errors, now)
    memo = clean_prose(memo or "") or _("维修资金补交")
    if len(memo) > 100:
        errors["memo"] = [_("摘要最多 100 个字")]
    rows, seen = [], set()
    if not deposits:
        errors["deposits"] = [_("请至少登记一户")]
    for i, item in enumerate(deposits or ()):
        where = f"deposits.{i}"
        try:
            unit, amount = item
        except (TypeError, ValueError):
            errors[where] = [_("格式无效")]
            continue
        if not isinstance(unit, Unit) or unit.community_id != community.pk:
            errors[where] = [_("房屋不属于本小区")]
            continue
        if unit.pk in seen:
            errors[where] = [_("同一房屋重复登记")]
            continue
        seen.add(unit.pk)
        try:
            amount = money.parse_money(amount)
        except money.MoneyError as exc:
            errors[where] = [str(exc)]
            continue
        rows.append(Row(unit.pk, unit.label, unit.area, amount))
    if errors:
        raise ValidationError(errors)
    rows.sort(key=lambda r: r.unit_id)
    return _deposit(community, actor=actor, kind=FundDepositKind.DEPOSIT, rows=rows,
                    deposited_on=deposited_on, memo=memo, method=method, rate=None, now=now)


# --- uses ------------------------------------------------------------------------------------------------


def vote_errors(community: Community, vote, unit_ids: Sequence[int]) -> list[str]:
    """Why ``vote`` does not allow this use (empty when it does)."""
    from sunlit.governance.models import Result, Vote, VoteUnit
    from sunlit.governance.votes.choices import RESULT_STATUSES, MatterKind

    if not isinstance(vote, Vote) or vote.community_id != community.pk:
        return [_("请选择本小区的业主表决")]
    if vote.matter != MatterKind.USE_FUND:
        return [_("该表决不是“使用维修资金”事项")]
    if vote.status not in RESULT_STATUSES:
        return [_("该表决尚未公布结果（当前：%(s)s）") % {"s": vote.get_status_display()}]
    result = Result.objects.filter(vote=vote).first()
    if result is None or not result.passed:
        return [_("该表决未获通过")]
    electorate = set(VoteUnit.objects.filter(vote=vote).values_list("unit_id", flat=True))
    outside = [u for u in unit_ids if u not in electorate]
    if outside:
        return [_("%(n)d 户受益房屋不在该表决的表决范围内") % {"n": len(outside)}]
    return []


def _split_rows(chosen: Sequence[Unit], amount: Decimal) -> list[dict]:
    shares = largest_remainder(amount, [u.area for u in chosen])
    return [Row(u.pk, u.label, u.area, s).document() for u, s in zip(chosen, shares, strict=True)]


def _shortfalls(split: Sequence[dict], accounts: dict[int, FundAccount]) -> list[str]:
    short = []
    for row in split:
        account = accounts.get(row["unit_id"])
        balance = account.balance if account else money.ZERO
        if balance < Decimal(row["amount"]):
            short.append(_("%(u)s（余额 %(b)s，应摊 %(a)s）") % {
                "u": row["unit"], "b": money.text(balance), "a": row["amount"]})
    return short


def _refuse_shortfalls(short: list[str]) -> None:
    if short:
        raise ValidationError({"amount": [_("%(n)d 户维修资金余额不足，请先续筹：%(list)s") % {
            "n": len(short), "list": "；".join(short[:5]) + ("……" if len(short) > 5 else "")}]})


@transaction.atomic
def create_fund_use(community: Community, *, actor: User, title: str, contractor: str, amount,
                    used_on: dt.date, basis: str, vote=None, emergency_reason: str = "",
                    description: str = "", documents: Sequence[Upload] = (),
                    scope: str = FundScope.COMMUNITY, buildings: Iterable[Building] = (),
                    units: Iterable[Unit] = (), method: str = MoneyMethod.BANK,
                    currency: str = money.CURRENCY, idempotency_key: str = "",
                    now: dt.datetime | None = None) -> FundUse:
    """维修资金使用: registers works paid from the fund and splits the cost by area. It waits
    (``pending``) for the owner side: with a passed vote, a committee member's confirmation;
    an emergency use, the manager's and a committee member's approval (``approve_fund_use``)."""
    require(actor, "finance.money.record", community=community)
    now = now or timezone.now()
    errors: dict[str, list[str]] = {}
    key = clean_service_key(idempotency_key, errors)
    if key and not errors:
        existing = replayed(FundUse.objects.filter(community=community), key)
        if existing is not None:
            return existing
    title = clean_prose(title or "")
    if not title:
        errors["title"] = [_("请填写工程项目")]
    elif len(title) > 100:
        errors["title"] = [_("工程项目最多 100 个字")]
    description = clean_prose(description or "")
    if len(description) > 500:
        errors["description"] = [_("说明最多 500 个字")]
    contractor = expenses.clean_company(contractor, errors, "contractor", _("施工/收款单位"))
    amount = expenses.clean_amount(amount, errors, currency=currency)
    expenses.clean_date(used_on, errors, "used_on", timezone.localdate(now))
    if method not in MoneyMethod.values:
        errors["method"] = [_("请选择付款账户")]
    emergency_reason = clean_prose(emergency_reason or "")
    chosen = _units_in_scope(community, scope, buildings, units, errors)
    if basis == FundBasis.VOTE:
        if vote is None:
            errors["vote"] = [_("请选择表决通过的“使用维修资金”事项")]
        else:
            problems = vote_errors(community, vote, [u.pk for u in chosen])
            if problems:
                errors["vote"] = problems
        emergency_reason = ""
    elif basis == FundBasis.EMERGENCY:
        vote = None
        if not emergency_reason:
            errors["emergency_reason"] = [_("应急使用须写明事由（如电梯故障停运、屋面渗漏、消防设施失灵）")]
        elif len(emergency_reason) > 500:
            errors["emergency_reason"] = [_("应急事由最多 500 个字")]
    else:
        errors["basis"] = [_("使用维修资金须有业主表决通过的决定，或按应急程序办理")]
    required, threshold = expenses.needs_receipt(community, amount)
    documents, problems = expenses.receipt_errors(community, actor, documents, amount=threshold,
                                                  required=required, field="documents",
                                                  purpose=uploads.FUND_DOCUMENT)
    if basis == FundBasis.EMERGENCY and not documents and not problems:
        # the emergency procedure always has its documents, whatever the amount
        problems = {"documents": [_("应急使用须附现场照片、检测报告或报价等证明材料")]}
    errors.update(problems)
    if errors:
        raise ValidationError(errors)
    split = _split_rows(chosen, amount)
    _refuse_shortfalls(_shortfalls(split, {a.unit_id: a for a in FundAccount.objects.filter(
        unit_id__in=[r["unit_id"] for r in split])}))
    number = ledger.reserve_numbers(community, f"WS-{used_on:%Y%m}", 1)[0]
    use = FundUse.objects.create(
        community=community, number=number, title=title, description=description,
        contractor=contractor, amount=amount, used_on=used_on, basis=basis, vote=vote,
        emergency_reason=emergency_reason, scope=scope, beneficiaries=[r["unit_id"] for r in split],
        area_total=sum((u.area for u in chosen), money.ZERO), split=split,
        split_root=split_root(split), method=method, status=FundUseStatus.PENDING,
        created_by=actor, created_at=now, idempotency_key=key)
    use.documents.set(documents)
    if scope == FundScope.BUILDING:
        use.buildings.set(list(buildings))
    audit.record(AuditEvent.Action.CREATE, use, actor=actor,
                 summary=f"维修资金使用 {number} {title} {money.text(amount)} 元")
    return use


def use_approvers(use: FundUse, *, names: bool = True) -> list[dict]:
    """The emergency approvals; on the log (``names=False``) as ``expenses.approver_entry``."""
    out = []
    for side, user, at in ((ApproverSide.MANAGER, use.manager_approved_by, use.manager_approved_at),
                           (ApproverSide.COMMITTEE, use.committee_approved_by, use.committee_approved_at)):
        if at is not None:
            row = expenses.approver_entry(side, expenses.actor_name(user), at)
            if names:
                row["name"] = expenses.actor_name(user)
            out.append(row)
    return out


def sides_needed(use: FundUse) -> set[str]:
    """Who approves a use: by a vote, the committee (the owners decided; a member checks that
    this is what they decided); in an emergency, the manager and the committee."""
    if use.basis == FundBasis.VOTE:
        return {ApproverSide.COMMITTEE}
    return {ApproverSide.MANAGER, ApproverSide.COMMITTEE}


def may_approve(use: FundUse, user: User) -> bool:
    """Whether ``approve_fund_use`` would accept ``user`` now (for the pages' buttons)."""
    from sunlit.core import sides
    from sunlit.core.permissions import roles_in

    if use.status != FundUseStatus.PENDING or user.pk in (
            use.created_by_id, use.manager_approved_by_id, use.committee_approved_by_id):
        return False
    needed = sides_needed(use)
    company = bool(roles_in(user, use.community_id) & expenses.COMPANY_ROLES)
    committee = sides.is_committee_member(user, use.community_id)
    return ((company and ApproverSide.MANAGER in needed and not use.manager_approved_at)
            or (committee and not use.committee_approved_at))


@transaction.atomic
def approve_fund_use(use: FundUse, *, actor: User, now: dt.datetime | None = None) -> FundUse:
    """审批/确认 a fund use: a use by vote is confirmed by an owners'-committee member; an
    emergency use is approved by the manager and a committee member, two different people,
    neither the one who registered it. When every side needed has approved, the use is posted
    and reported on the log."""
    require(actor, "finance.money.approve", community=use.community_id)
    now = now or timezone.now()
    use = locked(use, "community")
    if use.status != FundUseStatus.PENDING:
        raise ValidationError({"status": [_("该笔维修资金使用已列支，无需审批")]})
    if actor.pk == use.created_by_id:
        raise ValidationError({"approver": [_("经办人不能审批自己登记的使用")]})
    if actor.pk in (use.manager_approved_by_id, use.committee_approved_by_id):
        raise ValidationError({"approver": [_("同一人不能重复审批")]})
    approved = {s for s, at in ((ApproverSide.MANAGER, use.manager_approved_at),
                                (ApproverSide.COMMITTEE, use.committee_approved_at)) if at}
    needed = sides_needed(use)
    if ApproverSide.MANAGER not in needed:
        approved.add(ApproverSide.MANAGER)  # the owners' vote stands for the decision
    try:
        side = expenses.side_for(use, actor, approved=approved, needs_committee=True)
    except ValidationError:
        if ApproverSide.MANAGER not in needed and ApproverSide.COMMITTEE not in approved:
            raise ValidationError({"approver": [
                _("依业主表决使用维修资金，由业委会委员核对表决事项后确认")]}) from None
        raise
    if side == ApproverSide.MANAGER:
        use.manager_approved_by, use.manager_approved_at = actor, now
    else:
        use.committee_approved_by, use.committee_approved_at = actor, now
    use.save(update_fields=["manager_approved_by", "manager_approved_at", "committee_approved_by",
                            "committee_approved_at"])
    audit.record(AuditEvent.Action.UPDATE, use, actor=actor,
                 summary=f"应急使用审批 {use.number}（{ApproverSide(side).label}）")
    done = {s for s, at in ((ApproverSide.MANAGER, use.manager_approved_at),
                            (ApproverSide.COMMITTEE, use.committee_approved_at)) if at}
    if sides_needed(use) <= done:
        use = _post_use(use, actor=actor, now=now)
    return use


def _post_use(use: FundUse, *, actor: User, now: dt.datetime) -> FundUse:
    community = use.community
    split = use.split
    accounts = _lock_accounts([r["unit_id"] for r in split])
    _refuse_shortfalls(_shortfalls(split, accounts))
    for row in split:
        accounts[row["unit_id"]].balance -= Decimal(row["amount"])
    FundAccount.objects.bulk_update(list(accounts.values()), ["balance"], batch_size=500)
    date = use.used_on
    specs = []
    for part in _chunks(split):
        total = sum((Decimal(r["amount"]) for r in part), money.ZERO)
        lines = [ledger.Line(FUND, debit=Decimal(r["amount"]), unit_id=r["unit_id"], memo=use.number)
                 for r in part if Decimal(r["amount"]) > 0]
        specs.append(ledger.EntrySpec(date, EntrySource.FUND_USE, f"维修资金使用 {use.title} {use.number}",
                                      [*lines, ledger.Line(use.method, credit=total,
                                                           memo=use.contractor[:100])]))
    entries = ledger.post_entries(community, specs, actor=actor, time=now)
    use.status = FundUseStatus.POSTED
    use.save(update_fields=["status"])
    use.entries.set(entries)
    emergency = use.basis == FundBasis.EMERGENCY
    log.record(community, "finance.fund.used", use, time=now, public={
        "number": use.number, "title": use.title, "contractor": use.contractor, "basis": use.basis,
        "vote": use.vote_id, "vote_title": use.vote.title if use.vote_id else None,
        "emergency_reason": use.emergency_reason if emergency else None,
        "approvers": use_approvers(use, names=False),
        "documents": [d.sha256 for d in use.documents.order_by("id")], "total": use.amount,
        "beneficiaries": len(split), "area_total": use.area_total, "split_root": use.split_root,
        "entries": [e.number for e in entries]},
        private={"committee_approver": expenses.actor_name(use.committee_approved_by)})
    audit.record(AuditEvent.Action.UPDATE, use, actor=actor,
                 summary=f"维修资金列支 {use.number}：{len(split)} 户 {money.text(use.amount)} 元")
    return use


# --- reading -------------------------------------------------------------------------------------------


def unit_statement(unit: Unit):
    """One household's fund movements, oldest first: the 2244 lines that carry the unit."""
    from sunlit.finance.models import JournalLine

    return (JournalLine.objects.filter(unit=unit, account__code=FUND, community_id=unit.community_id)
            .select_related("entry").order_by("entry__date", "entry_id", "id"))


def fund_summary(community: Community) -> dict:
    """The fund as a whole: 2244's balance, households in it, deposits and uses."""
    from django.db.models import Count, Sum

    agg = FundAccount.objects.in_community(community).aggregate(n=Count("id"), total=Sum("balance"))
    book = ledger.balances(community).get(FUND)
    return {"households": agg["n"] or 0,
            "balance": money.to_fen(Decimal(str(agg["total"] or 0))),
            "book_balance": book["balance"] if book else money.ZERO,
            "deposited": money.to_fen(Decimal(str(FundDeposit.objects.in_community(community)
                                                  .aggregate(t=Sum("total"))["t"] or 0))),
            "used": money.to_fen(Decimal(str(FundUse.objects.in_community(community)
                                             .filter(status=FundUseStatus.POSTED)
                                             .aggregate(t=Sum("amount"))["t"] or 0))),
            "pending": FundUse.objects.in_community(community).filter(
                status=FundUseStatus.PENDING).count()}


def eligible_votes(community: Community):
    """Votes on using the fund whose result was published (the form's choices)."""
    from sunlit.governance.models import Vote
    from sunlit.governance.votes.choices import RESULT_STATUSES, MatterKind

    return (Vote.objects.in_community(community)
            .filter(Q(matter=MatterKind.USE_FUND), status__in=RESULT_STATUSES, result__passed=True)
            .order_by("-published_at"))
