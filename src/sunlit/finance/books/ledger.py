"""The books — 账簿: the standard chart of accounts and the ONE function that posts entries.

``post_entries`` is the only writer of ``JournalEntry`` and ``JournalLine``. It refuses, before
writing anything, an entry without lines or with a single line, a line that is not exactly one
positive amount on one side, an amount that is a float, negative, zero or has more than two
places, an account that is not in the community's chart, and above all an entry whose debits
and credits differ. Every entry it writes is put on the transparency log in the same
transaction (``finance.entry.posted``: number, date, source, memo and its lines by account —
the lines of households summed per account and side, with how many households, so the log shows
what the community's money did, never one household's).

Nothing updates or deletes an entry: ``reverse_entry`` posts its mirror image.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from sunlit.core import audit, numbering
from sunlit.core.bulk import bulk_insert
from sunlit.core.locking import locked
from sunlit.core.models import AuditEvent, Community, User
from sunlit.core.permissions import require
from sunlit.finance.books import money
from sunlit.finance.books.choices import AccountKind, EntrySource
from sunlit.finance.models import Account, FinancePolicy, JournalEntry, JournalLine, NumberSequence
from sunlit.transparency import services as log

A = AccountKind
# The standard chart (标准科目表) every community's books open with. Codes follow the Chinese
# enterprise accounting standard's numbering where one exists; public income and the
# maintenance fund are liabilities: the money belongs to the owners, not to the company.
CHART: tuple[tuple[str, str, str], ...] = (
    ("1001", "库存现金", A.ASSET),
    ("1002", "银行存款", A.ASSET),
    ("1012", "其他货币资金-POS及第三方支付", A.ASSET),
    ("1122", "应收账款-业主", A.ASSET),
    ("2203", "预收账款-业主预存", A.LIABILITY),
    ("2241", "其他应付款-押金", A.LIABILITY),
    ("2242", "其他应付款-代收水电燃气费", A.LIABILITY),
    ("2243", "其他应付款-公共收益（业主共有）", A.LIABILITY),
    ("2244", "其他应付款-专项维修资金", A.LIABILITY),
    ("4103", "本年利润", A.EQUITY),
    ("6001", "主营业务收入-物业服务费", A.INCOME),
    ("6002", "主营业务收入-停车服务费", A.INCOME),
    ("6003", "主营业务收入-公共能耗分摊", A.INCOME),
    # charges: approved waivers (减免) of bills reduce income here (a debit balance)
    ("6009", "主营业务收入-减免（冲减收入）", A.INCOME),
    ("6051", "其他业务收入", A.INCOME),
    ("6301", "营业外收入-滞纳金", A.INCOME),
    ("6401", "主营业务成本-人工", A.EXPENSE),
    ("6402", "主营业务成本-保洁", A.EXPENSE),
    ("6403", "主营业务成本-绿化", A.EXPENSE),
    ("6404", "主营业务成本-秩序维护", A.EXPENSE),
    ("6405", "主营业务成本-设施设备维修养护", A.EXPENSE),
    ("6406", "主营业务成本-公共能耗", A.EXPENSE),
    ("6407", "主营业务成本-电梯运行维护", A.EXPENSE),
    ("6602", "管理费用-办公及行政", A.EXPENSE),
    ("6603", "财务费用-手续费", A.EXPENSE),
    ("6711", "营业外支出", A.EXPENSE),
)

CASH, BANK, POS, RECEIVABLE, PREPAID, DEPOSITS, UTILITIES = (
    "1001", "1002", "1012", "1122", "2203", "2241", "2242")
LATE_FEES, WAIVERS = "6301", "6009"  # charges: 滞纳金 collected; 减免 of bills
MAX_LINES = 10_000


@dataclass(frozen=True)
class Line:
    """One side of an entry to post: ``account`` is the account code."""

    account: str
    debit: Decimal = money.ZERO
    credit: Decimal = money.ZERO
    unit_id: int | None = None
    memo: str = ""


@dataclass
class EntrySpec:
    """An entry to post: its date, source, memo and lines (and the entry it reverses).

    ``public_memo`` is what the log shows instead of ``memo`` when the memo names a household
    (收款 SK-… 1号楼-1单元-101 → 收款 SK-…); the log masks any memo anyway."""

    date: dt.date
    source: str
    memo: str
    lines: Sequence[Line]
    reverses: JournalEntry | None = None
    public_memo: str | None = None
    entry: JournalEntry | None = field(default=None, init=False)  # set once posted


# --- opening the books ---------------------------------------------------------------------------


@transaction.atomic
def open_books(community: Community, *, actor: User | None) -> list[Account]:
    """Gives a community the standard chart of accounts and default terms (adds what is
    missing; returns the accounts added). Recorded on the log when anything was added."""
    if actor is not None:
        require(actor, "finance.manage", community=community)
    FinancePolicy.objects.get_or_create(community=community)
    present = set(Account.objects.in_community(community).values_list("code", flat=True))
    added = [Account(community=community, code=code, name=name, kind=kind)
             for code, name, kind in CHART if code not in present]
    if not added:
        return []
    Account.objects.bulk_create(added)
    log.record(community, "finance.books.opened", community, public={
        "accounts": [{"code": a.code, "name": a.name, "kind": str(a.kind)} for a in added]})
    audit.record(AuditEvent.Action.CREATE, community=community, actor=actor,
                 object_type="finance.account", summary=f"开设账簿：科目 {len(added)} 个")
    return added


# --- posting -------------------------------------------------------------------------------------


def _check_amount(value, where: str, errors: dict) -> Decimal:
    if isinstance(value, bool | float) or not isinstance(value, Decimal | int):
        errors.setdefault(where, []).append(_("金额必须是 Decimal，不能是浮点数或文本"))
        return money.ZERO
    value = Decimal(value)
    if not value.is_finite():
        errors.setdefault(where, []).append(_("金额必须是有限的数字"))
        return money.ZERO
    if value < 0:
        errors.setdefault(where, []).append(_("金额不能为负数"))
    if value != value.quantize(money.FEN):
        errors.setdefault(where, []).append(_("金额最多保留两位小数"))
    elif abs(value) > money.MAX_AMOUNT:
        errors.setdefault(where, []).append(_("金额超出上限"))
    return value


def validate_entry(spec: EntrySpec, accounts: dict[str, Account], prefix: str = "") -> dict:
    """The errors of one entry ({field: [message]}; empty when it may be posted)."""
    errors: dict[str, list[str]] = {}
    lines = list(spec.lines)
    if len(lines) < 2:
        errors[f"{prefix}lines"] = [_("一张凭证至少要有一借一贷两条分录")]
    if len(lines) > MAX_LINES:
        errors[f"{prefix}lines"] = [_("一张凭证最多 %(n)d 条分录") % {"n": MAX_LINES}]
    if spec.source not in EntrySource.values:
        errors[f"{prefix}source"] = [_("凭证来源无效")]
    if not isinstance(spec.date, dt.date) or isinstance(spec.date, dt.datetime):
        errors[f"{prefix}date"] = [_("记账日期无效")]
    if not (spec.memo or "").strip():
        errors[f"{prefix}memo"] = [_("请填写摘要")]
    debits = credits = money.ZERO
    for i, line in enumerate(lines):
        where = f"{prefix}lines.{i}"
        debit = _check_amount(line.debit, f"{where}.debit", errors)
        credit = _check_amount(line.credit, f"{where}.credit", errors)
        if (debit > 0) == (credit > 0):
            errors.setdefault(where, []).append(_("每条分录只能在借方或贷方之一填写正数金额"))
        account = accounts.get(line.account)
        if account is None:
            errors[f"{where}.account"] = [_("科目 %(code)s 不在本小区的科目表中") % {
                "code": line.account}]
        elif not account.is_active:
            errors[f"{where}.account"] = [_("科目 %(code)s 已停用") % {"code": line.account}]
        debits += debit
        credits += credit
    if not errors and debits != credits:
        errors[f"{prefix}lines"] = [_("借贷不平衡：借方合计 %(d)s，贷方合计 %(c)s") % {
            "d": money.text(debits), "c": money.text(credits)}]
    return errors


def _accounts(community: Community) -> dict[str, Account]:
    return {a.code: a for a in Account.objects.in_community(community)}


def reserve_numbers(community: Community, key: str, count: int) -> list[str]:
    """``count`` new numbers ``<key>-000001`` ... from the community's counter for ``key``."""
    return [f"{key}-{n:06d}" for n in numbering.reserve(NumberSequence, community, key, count)]


def post_entries(community: Community, specs: Sequence[EntrySpec], *, actor: User | None,
                 time: dt.datetime | None = None) -> list[JournalEntry]:
    """Posts balanced entries — 过账 — all or none, and puts each on the log.

    The single place where the books are written. Raises ValidationError (nothing written)
    if any entry is invalid; keys are ``entries.<i>.<field>`` when several are posted.
    Must run inside the caller's transaction.
    """
    if not transaction.get_connection().in_atomic_block:
        raise transaction.TransactionManagementError("post_entries() must run inside atomic()")
    if not specs:
        return []
    accounts = _accounts(community)
    errors: dict[str, list[str]] = {}
    for i, spec in enumerate(specs):
        errors.update(validate_entry(spec, accounts, prefix=f"entries.{i}." if len(specs) > 1 else ""))
        if spec.reverses is not None and spec.reverses.community_id != community.pk:
            errors["reverses"] = [_("被冲销的凭证不属于本小区")]
    if errors:
        raise ValidationError(errors)
    now = time or timezone.now()
    by_month: dict[str, list[EntrySpec]] = defaultdict(list)
    for spec in specs:
        by_month[f"JZ-{spec.date:%Y%m}"].append(spec)
    for key, group in by_month.items():
        for spec, number in zip(group, reserve_numbers(community, key, len(group)), strict=True):
            spec.entry = JournalEntry(
                community_id=community.pk, number=number, date=spec.date, source=spec.source,
                memo=spec.memo.strip()[:200], total=sum((Decimal(x.debit) for x in spec.lines),
                                                        money.ZERO),
                reverses=spec.reverses, posted_by=actor if getattr(actor, "pk", None) else None,
                posted_at=now)
    entries = [spec.entry for spec in specs]
    _insert(JournalEntry, entries)
    lines = [JournalLine(community_id=community.pk, entry_id=spec.entry.pk,
                         account_id=accounts[line.account].pk, debit=money.to_fen(line.debit),
                         credit=money.to_fen(line.credit), unit_id=line.unit_id,
                         memo=(line.memo or "")[:100])
             for spec in specs for line in spec.lines]
    _insert(JournalLine, lines)
    log.record_many(community, [log.Event("finance.entry.posted", spec.entry, entry_facts(
        spec.entry, spec.lines, accounts, memo=spec.public_memo), time=now) for spec in specs])
    return entries


def _insert(model, objs: list) -> None:
    if len(objs) >= 32:
        bulk_insert(model, objs)
    else:
        model.objects.bulk_create(objs)


def entry_facts(entry: JournalEntry, lines: Sequence[Line], accounts: dict[str, Account], *,
                memo: str | None = None) -> dict:
    """What the log says about an entry: its lines by account code and name. Lines of the
    community (no unit) one by one, as posted; lines of households (with a unit) summed per
    account and side, with ``households``: how many — one household's amount is its own fact,
    and their order (by unit) would lead to the unit. ``memo`` replaces the entry's memo when
    that names a household; the log masks it anyway (field kind ``masked_text``)."""
    rows: list[dict] = []
    grouped: dict[tuple[str, str], dict] = {}
    for x in lines:
        if x.unit_id is None:
            rows.append({"account": x.account, "name": accounts[x.account].name,
                         "debit": money.text(x.debit), "credit": money.text(x.credit)})
            continue
        side = "debit" if x.debit else "credit"
        row = grouped.get((x.account, side))
        if row is None:
            row = grouped[(x.account, side)] = {
                "account": x.account, "name": accounts[x.account].name, "debit": money.ZERO,
                "credit": money.ZERO, "units": set()}
            rows.append(row)
        row["debit"] += x.debit
        row["credit"] += x.credit
        row["units"].add(x.unit_id)
    for row in rows:
        if "units" in row:
            row["households"] = len(row.pop("units"))
            row["debit"], row["credit"] = money.text(row["debit"]), money.text(row["credit"])
    facts = {
        "number": entry.number, "date": entry.date, "source": str(entry.source),
        "memo": entry.memo if memo is None else memo, "total": entry.total, "lines": rows,
    }
    if entry.reverses is not None:
        facts["reverses"] = entry.reverses.number
    return facts


def post_entry(community: Community, spec: EntrySpec, *, actor: User | None,
               time: dt.datetime | None = None) -> JournalEntry:
    return post_entries(community, [spec], actor=actor, time=time)[0]


@transaction.atomic
def post_manual_entry(community: Community, *, actor: User, date: dt.date, memo: str,
                      lines: Sequence[Line]) -> JournalEntry:
    """A manual journal entry — 手工凭证 — by finance staff (adjustments, expenses before the
    expense flow exists)."""
    require(actor, "finance.post", community=community)
    entry = post_entry(community, EntrySpec(date, EntrySource.MANUAL, memo, lines), actor=actor)
    audit.record(AuditEvent.Action.CREATE, entry, actor=actor, summary=f"手工凭证 {entry.number}")
    return entry


def reversal_of(entry: JournalEntry, *, date: dt.date, memo: str,
                source: str = EntrySource.REVERSAL) -> EntrySpec:
    """The mirror image of ``entry``: every debit becomes a credit and the other way round."""
    lines = [Line(line.account.code, debit=line.credit, credit=line.debit, unit_id=line.unit_id,
                  memo=line.memo) for line in entry.lines.select_related("account")]
    return EntrySpec(date, source, memo, lines, reverses=entry)


@transaction.atomic
def reverse_entry(entry: JournalEntry, *, actor: User, reason: str,
                  date: dt.date | None = None) -> JournalEntry:
    """冲销: cancels a manual entry by posting its mirror image (never an edit)."""
    require(actor, "finance.post", community=entry.community_id)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": [_("请填写冲销原因")]})
    entry = locked(entry)
    if entry.reverses_id is not None:
        raise ValidationError({"entry": [_("冲销凭证不能再冲销，请另做凭证")]})
    if entry.source != EntrySource.MANUAL:
        raise ValidationError({"entry": [_("只有手工凭证可以直接冲销；收款请办理退款")]})
    if JournalEntry.objects.filter(reverses=entry).exists():
        raise ValidationError({"entry": [_("该凭证已被冲销")]})
    spec = reversal_of(entry, date=date or timezone.localdate(),
                       memo=f"冲销 {entry.number}：{reason}"[:200])
    reversal = post_entry(entry.community, spec, actor=actor)
    audit.record(AuditEvent.Action.CREATE, reversal, actor=actor,
                 summary=f"冲销凭证 {entry.number}：{reason[:100]}")
    return reversal


# --- reading ---------------------------------------------------------------------------------------


def balances(community: Community, *, as_of: dt.date | None = None) -> dict[str, dict]:
    """Per account code: debit and credit totals and the balance on its normal side."""
    lines = JournalLine.objects.in_community(community)
    if as_of is not None:
        lines = lines.filter(entry__date__lte=as_of)
    sums = {row["account_id"]: row for row in
            lines.values("account_id").annotate(d=Sum("debit"), c=Sum("credit"))}
    out = {}
    for account in Account.objects.in_community(community):
        row = sums.get(account.pk, {})
        # SQLite sums decimals as floats: back to exact fen through text.
        debit = money.to_fen(Decimal(str(row.get("d") or 0)))
        credit = money.to_fen(Decimal(str(row.get("c") or 0)))
        out[account.code] = {"account": account, "debit": debit, "credit": credit,
                             "balance": account.balance_of(debit, credit)}
    return out


def trial_balance_ok(community: Community) -> bool:
    """试算平衡: total debits equal total credits over the whole book."""
    rows = balances(community)
    return sum(r["debit"] for r in rows.values()) == sum(r["credit"] for r in rows.values())
