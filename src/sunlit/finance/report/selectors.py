"""阳光账本 — the community's monthly report, computed from the journal, and its drill-down.

Every figure is a sum of journal lines selected by account code, side and entry source
(``FIGURES``): income by category (6001–6051, 6301, credit − debit), costs by category
(6401–6407, 6602, 6603, 6711, debit − credit), receivables billed (1122 debits of billing
runs and single bills), collected (1122 credits) and other movements (1122 debits of refunds
and manual entries), public income (2243 credits) and its use (2243 debits), the maintenance
fund (2244) in and out; with the opening and closing balances of 1122, 2243 and 2244. Month,
previous month and year to date come from one aggregate query, the opening balances from a
second; amounts are summed in SQL as whole fen (``ROUND(x * 100)`` cast to an integer), so
SQLite's float arithmetic never touches them and every figure is exact.

The drill-down of a figure lists its entries with each one's share of the figure (the same
lines, grouped by entry): the shares add up to the figure exactly. ``figure_entries`` gives
every figure's entries at once (for publication: each figure's count and the SHA-256 of its
list of [entry number, amount] go into the snapshot).

What an owner sees: the community's money, not the neighbours'. An entry with a household
line (a line carrying a unit: payments, refunds, prepaid offsets, single bills) is shown to a
member without ``finance.report.drafts`` only inside a group per day and source (count and
sum), never with its number, memo or unit; his own household's entries he sees in 我的账单.
Community-level entries (billing runs, expenses, public income, fund movements, manual
entries without units) are shown one by one to everyone.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db.models import BigIntegerField, Count, Exists, F, OuterRef, Q, Sum
from django.db.models.functions import Cast, Round
from django.utils.translation import gettext as _

from sunlit.finance.books import calc, ledger, money
from sunlit.finance.books.choices import EntrySource
from sunlit.finance.models import JournalEntry, JournalLine
from sunlit.transparency.entry import canonical

ACCOUNT_NAMES = {code: name for code, name, _kind in ledger.CHART}
INCOME_ACCOUNTS = ("6001", "6002", "6003", "6051", "6301")
COST_ACCOUNTS = ("6401", "6402", "6403", "6404", "6405", "6406", "6407", "6602", "6603", "6711")
RECEIVABLE, PUBLIC_INCOME, FUND = ledger.RECEIVABLE, "2243", "2244"
BILLED_SOURCES = frozenset({EntrySource.BILLING_RUN, EntrySource.BILL})
NET_CREDIT, NET_DEBIT, DEBIT, CREDIT = "net_credit", "net_debit", "debit", "credit"
MAX_PER_PAGE = 500


def short_name(code: str) -> str:
    """物业服务费 for 6001 主营业务收入-物业服务费: the category, without the account class."""
    return ACCOUNT_NAMES.get(code, code).rsplit("-", 1)[-1]


@dataclass(frozen=True)
class Figure:
    """One total of the report: lines of ``accounts`` on ``side``, of the entry sources given."""

    key: str
    section: str
    label: str
    accounts: tuple[str, ...]
    side: str
    sources: frozenset[str] | None = None
    exclude_sources: frozenset[str] | None = None

    def matches(self, code: str, source: str) -> bool:
        if code not in self.accounts:
            return False
        if self.sources is not None and source not in self.sources:
            return False
        return not (self.exclude_sources is not None and source in self.exclude_sources)

    def amount(self, debit: Decimal, credit: Decimal) -> Decimal:
        return {NET_CREDIT: credit - debit, NET_DEBIT: debit - credit, DEBIT: debit,
                CREDIT: credit}[self.side]

    def line_filter(self) -> Q:
        """The lines of this figure (on any date), as a filter on JournalLine."""
        q = Q(account__code__in=self.accounts)
        if self.side == DEBIT:
            q &= Q(debit__gt=0)
        elif self.side == CREDIT:
            q &= Q(credit__gt=0)
        if self.sources is not None:
            q &= Q(entry__source__in=sorted(self.sources))
        if self.exclude_sources is not None:
            q &= ~Q(entry__source__in=sorted(self.exclude_sources))
        return q

    def entry_filter(self) -> Q:
        """The entries with a line of this figure (on any date), as a filter on JournalEntry:
        an EXISTS probe of each entry's lines, so a month's entries are found from the
        (community, date) index whatever the size of the books."""
        lines = Q(account__code__in=self.accounts)
        if self.side == DEBIT:
            lines &= Q(debit__gt=0)
        elif self.side == CREDIT:
            lines &= Q(credit__gt=0)
        q = Q(Exists(JournalLine.objects.filter(lines, entry_id=OuterRef("pk"))))
        if self.sources is not None:
            q &= Q(source__in=sorted(self.sources))
        if self.exclude_sources is not None:
            q &= ~Q(source__in=sorted(self.exclude_sources))
        return q


def _figures() -> tuple[Figure, ...]:
    out = [Figure(f"income-{code}", "income", short_name(code), (code,), NET_CREDIT)
           for code in INCOME_ACCOUNTS]
    out += [Figure(f"cost-{code}", "costs", short_name(code), (code,), NET_DEBIT)
            for code in COST_ACCOUNTS]
    out += [
        Figure("receivable-billed", "receivables", "本月开具应收", (RECEIVABLE,), DEBIT,
               sources=BILLED_SOURCES),
        Figure("receivable-collected", "receivables", "本月收回", (RECEIVABLE,), CREDIT),
        Figure("receivable-other", "receivables", "退款转回及其他调整", (RECEIVABLE,), DEBIT,
               exclude_sources=BILLED_SOURCES),
        Figure("public-in", "public_income", "公共收益收入", (PUBLIC_INCOME,), CREDIT),
        Figure("public-out", "public_income", "公共收益使用", (PUBLIC_INCOME,), DEBIT),
        Figure("fund-in", "fund", "维修资金增加", (FUND,), CREDIT),
        Figure("fund-out", "fund", "维修资金使用", (FUND,), DEBIT),
    ]
    return tuple(out)


FIGURES = _figures()
BY_KEY = {f.key: f for f in FIGURES}


def figure(key: str) -> Figure:
    try:
        return BY_KEY[key]
    except KeyError:
        raise ValidationError({"figure": [_("没有这一项：%(key)s") % {"key": key}]}) from None


# --- months --------------------------------------------------------------------------------------


def parse_month(value) -> dt.date:
    """The first day of a month from ``"2026-01"`` (or a date); refuses anything else."""
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        return value.replace(day=1)
    if isinstance(value, str):
        try:
            parsed = dt.datetime.strptime(value.strip(), "%Y-%m").date()
        except ValueError:
            parsed = None
        if parsed is not None and 2000 <= parsed.year <= 2100:
            return parsed
    raise ValidationError({"month": [_("月份格式应为 YYYY-MM")]})


def month_bounds(month: dt.date) -> tuple[dt.date, dt.date]:
    """[first day, first day of the next month)."""
    return month, calc.add_months(month, 1)


def is_closed(month: dt.date, today: dt.date) -> bool:
    """Whether the month is over (its report may be published)."""
    return month_bounds(month)[1] <= today


# --- sums in fen -----------------------------------------------------------------------------------


def _fen(column: str, condition: Q | None = None) -> Sum:
    """SUM of a money column as whole fen (exact on SQLite, whose decimals are floats)."""
    return Sum(Cast(Round(F(column) * 100), BigIntegerField()), filter=condition)


def _yuan(value) -> Decimal:
    """Whole fen from the database (int, Decimal or an integral float) → yuan, two places."""
    if value is None:
        return money.ZERO
    return (Decimal(int(Decimal(str(value)))) / 100).quantize(money.FEN)


# --- the report ------------------------------------------------------------------------------------


@dataclass
class Row:
    """One figure of the report: this month, the previous month, the year to date."""

    figure: Figure
    month: Decimal = money.ZERO
    previous: Decimal = money.ZERO
    ytd: Decimal = money.ZERO

    def as_json(self) -> dict:
        return {"key": self.figure.key, "label": self.figure.label,
                "accounts": list(self.figure.accounts), "month": money.text(self.month),
                "previous": money.text(self.previous), "ytd": money.text(self.ytd)}


@dataclass
class Balance:
    """An account's balance at the start and the end of the month, on its normal side."""

    code: str
    opening: Decimal = money.ZERO
    closing: Decimal = money.ZERO

    def as_json(self) -> dict:
        return {"account": self.code, "name": ACCOUNT_NAMES.get(self.code, self.code),
                "opening": money.text(self.opening), "closing": money.text(self.closing)}


@dataclass
class Report:
    """The month's figures (all ``Decimal``) — computed live (a draft) or read from a snapshot."""

    community_id: int
    month: dt.date
    rows: dict[str, Row] = field(default_factory=dict)
    balances: dict[str, Balance] = field(default_factory=dict)

    def section(self, name: str) -> list[Row]:
        return [row for row in self.rows.values() if row.figure.section == name]

    def total(self, section: str, attr: str = "month") -> Decimal:
        return sum((getattr(r, attr) for r in self.section(section)), money.ZERO)

    @property
    def income(self) -> Decimal:
        return self.total("income")

    @property
    def costs(self) -> Decimal:
        return self.total("costs")

    def as_json(self) -> dict:
        """The report as JSON-ready data: amounts as ``"123.40"`` (what a snapshot freezes)."""
        sections = {}
        for name in ("income", "costs", "receivables", "public_income", "fund"):
            sections[name] = {"rows": [r.as_json() for r in self.section(name)]}
        for name in ("income", "costs"):
            sections[name]["total"] = {attr: money.text(self.total(name, attr))
                                       for attr in ("month", "previous", "ytd")}
        surplus = {attr: money.text(self.total("income", attr) - self.total("costs", attr))
                   for attr in ("month", "previous", "ytd")}
        for name, code in (("receivables", RECEIVABLE), ("public_income", PUBLIC_INCOME),
                           ("fund", FUND)):
            sections[name]["balance"] = self.balances[code].as_json()
        start, end = month_bounds(self.month)
        return {"month": f"{self.month:%Y-%m}", "from": start.isoformat(),
                "to": (end - dt.timedelta(days=1)).isoformat(), "currency": money.CURRENCY,
                **sections, "surplus": surplus}


def build_report(community, month: dt.date) -> Report:
    """The month's report from the journal: two aggregate queries whatever the size of the books."""
    start, end = month_bounds(month)
    previous = calc.add_months(start, -1)
    year_start = start.replace(month=1)
    since = min(previous, year_start)
    date = "entry__date"
    rows = (JournalLine.objects.in_community(community)
            .filter(entry__date__gte=since, entry__date__lt=end)
            .values("account__code", "entry__source")
            .annotate(d_m=_fen("debit", Q(**{f"{date}__gte": start})),
                      c_m=_fen("credit", Q(**{f"{date}__gte": start})),
                      d_p=_fen("debit", Q(**{f"{date}__gte": previous, f"{date}__lt": start})),
                      c_p=_fen("credit", Q(**{f"{date}__gte": previous, f"{date}__lt": start})),
                      d_y=_fen("debit", Q(**{f"{date}__gte": year_start})),
                      c_y=_fen("credit", Q(**{f"{date}__gte": year_start})))
            .order_by())
    report = Report(getattr(community, "pk", community), start,
                    rows={f.key: Row(f) for f in FIGURES})
    for row in rows:
        code, source = row["account__code"], row["entry__source"]
        for fig in FIGURES:
            if fig.matches(code, source):
                target = report.rows[fig.key]
                target.month += fig.amount(_yuan(row["d_m"]), _yuan(row["c_m"]))
                target.previous += fig.amount(_yuan(row["d_p"]), _yuan(row["c_p"]))
                target.ytd += fig.amount(_yuan(row["d_y"]), _yuan(row["c_y"]))
    opening = {row["account__code"]: row for row in (
        JournalLine.objects.in_community(community)
        .filter(entry__date__lt=start, account__code__in=[RECEIVABLE, PUBLIC_INCOME, FUND])
        .values("account__code").annotate(d=_fen("debit"), c=_fen("credit")).order_by())}
    for code in (RECEIVABLE, PUBLIC_INCOME, FUND):
        row = opening.get(code, {})
        debit, credit = _yuan(row.get("d")), _yuan(row.get("c"))
        report.balances[code] = Balance(code, debit - credit if code == RECEIVABLE else credit - debit)
    r = report.rows
    report.balances[RECEIVABLE].closing = (report.balances[RECEIVABLE].opening + r["receivable-billed"].month
                                           + r["receivable-other"].month - r["receivable-collected"].month)
    report.balances[PUBLIC_INCOME].closing = (report.balances[PUBLIC_INCOME].opening + r["public-in"].month
                                              - r["public-out"].month)
    report.balances[FUND].closing = (report.balances[FUND].opening + r["fund-in"].month
                                     - r["fund-out"].month)
    return report


def report_from_content(community_id: int, content: dict) -> Report:
    """A published snapshot read back as a ``Report`` (for pages, CSV and PDF alike)."""
    report = Report(community_id, parse_month(content["month"]))
    for section in ("income", "costs", "receivables", "public_income", "fund"):
        for row in content[section]["rows"]:
            fig = BY_KEY.get(row["key"]) or Figure(row["key"], section, row["label"],
                                                  tuple(row["accounts"]), NET_CREDIT)
            report.rows[fig.key] = Row(fig, Decimal(row["month"]), Decimal(row["previous"]),
                                       Decimal(row["ytd"]))
    for section in ("receivables", "public_income", "fund"):
        bal = content[section]["balance"]
        report.balances[bal["account"]] = Balance(bal["account"], Decimal(bal["opening"]),
                                                  Decimal(bal["closing"]))
    return report


# --- every figure's entries -------------------------------------------------------------------------


@dataclass(frozen=True)
class EntryShare:
    """An entry's part in one figure."""

    entry_id: int
    number: str
    date: dt.date
    amount: Decimal


def figure_entries(community, month: dt.date) -> dict[str, list[EntryShare]]:
    """Every figure's entries in the month with their amounts (one grouped query), by date and
    number. The amounts of a figure add up to its total exactly."""
    start, end = month_bounds(month)
    rows = (JournalLine.objects.in_community(community)
            .filter(entry__date__gte=start, entry__date__lt=end)
            .values("account__code", "entry__source", "entry_id", "entry__number", "entry__date")
            .annotate(d=_fen("debit"), c=_fen("credit")).order_by())
    shares: dict[str, dict[int, list]] = {f.key: {} for f in FIGURES}
    for row in rows:
        debit, credit = _yuan(row["d"]), _yuan(row["c"])
        for fig in FIGURES:
            if fig.matches(row["account__code"], row["entry__source"]):
                amount = fig.amount(debit, credit)
                if fig.side in (DEBIT, CREDIT) and not amount:
                    continue
                slot = shares[fig.key].setdefault(row["entry_id"], [row["entry__number"],
                                                                    row["entry__date"], money.ZERO])
                slot[2] += amount
    return {key: sorted((EntryShare(eid, n, d, a) for eid, (n, d, a) in found.items()),
                        key=lambda s: (s.date, s.number))
            for key, found in shares.items()}


def entries_digest(shares: Iterable[EntryShare]) -> str:
    """SHA-256 of the canonical JSON list of [entry number, amount] — what a snapshot keeps of
    each figure's drill-down, so a reader can check the list he is shown against the log."""
    return hashlib.sha256(canonical([[s.number, money.text(s.amount)] for s in shares])).hexdigest()


def snapshot(community, month: dt.date) -> dict:
    """The content a publication freezes: the report, and per figure its entries' count and digest."""
    content = build_report(community, month).as_json()
    entries = figure_entries(community, month)
    for section in ("income", "costs", "receivables", "public_income", "fund"):
        for row in content[section]["rows"]:
            shares = entries[row["key"]]
            row["entries"] = len(shares)
            row["entries_sha256"] = entries_digest(shares)
    return content


# --- drill-down ----------------------------------------------------------------------------------


@dataclass
class Group:
    """Household entries of one day and source, shown together to members: count and sum."""

    date: dt.date
    source: str
    count: int
    amount: Decimal

    @property
    def source_label(self) -> str:
        return _source_label(self.source)


@dataclass
class DrillDown:
    """The entries behind one figure of one month (one page of them) and the household groups."""

    figure: Figure
    month: dt.date
    total: Decimal
    count: int
    page: int
    per_page: int
    entries: list[JournalEntry]
    amounts: dict[int, Decimal]
    groups: list[Group]
    household_ids: set[int]

    @property
    def pages(self) -> int:
        return max(1, -(-self.count // self.per_page))


def _source_label(source: str) -> str:
    try:
        return str(EntrySource(source).label)
    except ValueError:
        return source


def _month_lines(community, month: dt.date, fig: Figure):
    start, end = month_bounds(month)
    return (JournalLine.objects.in_community(community)
            .filter(entry__date__gte=start, entry__date__lt=end).filter(fig.line_filter()))


def household_line() -> Exists:
    """Whether a line's entry is a household entry (has a line carrying a unit): a correlated
    EXISTS on the entry's lines, one index probe per line on either database (an ``IN`` over
    the month's household lines made PostgreSQL loop over the community index)."""
    return Exists(JournalLine.objects.filter(entry_id=OuterRef("entry_id"), unit__isnull=False))


def _fund_use(entry_ref: str) -> Exists:
    """Whether the entry pays a maintenance-fund use: split among many households by area, it is
    a community matter and is listed with its use, not folded into the households' sums."""
    from sunlit.finance.fund.models import FundUse

    return Exists(FundUse.entries.through.objects.filter(journalentry_id=OuterRef(entry_ref)))


def drill_down(community, month: dt.date, key: str, *, details: bool, page: int = 1,
               per_page: int = 50) -> DrillDown:
    """The entries behind ``key`` in ``month``, oldest first.

    ``details`` (staff): every entry one by one. Otherwise household entries are grouped per
    day and source (``groups``) and only community-level entries are listed.
    """
    fig = figure(key)
    per_page = max(1, min(int(per_page), MAX_PER_PAGE))
    lines = _month_lines(community, month, fig)
    lines = (lines.alias(household=household_line(), fund_use=_fund_use("entry_id"))
             if not details else lines)
    start, end = month_bounds(month)
    entries = (JournalEntry.objects.in_community(community).filter(date__gte=start, date__lt=end)
               .filter(fig.entry_filter()))
    if not details:
        entries = entries.exclude(Exists(JournalLine.objects.filter(entry_id=OuterRef("pk"),
                                                                    unit__isnull=False))
                                  & ~_fund_use("pk"))
    entries = entries.select_related("reverses").order_by("date", "number")
    count = entries.count()
    page = max(1, min(int(page), max(1, -(-count // per_page))))
    chosen = list(entries[(page - 1) * per_page:page * per_page])
    ids = [e.pk for e in chosen]
    amounts = {row["entry_id"]: fig.amount(_yuan(row["d"]), _yuan(row["c"])) for row in (
        lines.filter(entry_id__in=ids).values("entry_id")
        .annotate(d=_fen("debit"), c=_fen("credit")).order_by())}
    groups = []
    if not details:
        groups = [Group(row["entry__date"], row["entry__source"], row["n"],
                        fig.amount(_yuan(row["d"]), _yuan(row["c"]))) for row in (
            lines.filter(household=True, fund_use=False).values("entry__date", "entry__source")
            .annotate(n=Count("entry_id", distinct=True), d=_fen("debit"), c=_fen("credit"))
            .order_by("entry__date", "entry__source"))]
    total_row = lines.aggregate(d=_fen("debit"), c=_fen("credit"))
    household_ids = set(JournalLine.objects.filter(entry_id__in=ids, unit__isnull=False)
                        .values_list("entry_id", flat=True)) if details else set()
    return DrillDown(fig, month, fig.amount(_yuan(total_row["d"]), _yuan(total_row["c"])), count,
                     page, per_page, chosen, amounts, groups, household_ids)


def figure_shares(community, month: dt.date, key: str) -> list[EntryShare]:
    """One figure's entries in the month with their amounts (one grouped query), by date and
    number — the same list ``figure_entries`` gives for it."""
    fig = figure(key)
    rows = (_month_lines(community, month, fig)
            .values("entry_id", "entry__number", "entry__date")
            .annotate(d=_fen("debit"), c=_fen("credit")).order_by())
    shares = [EntryShare(r["entry_id"], r["entry__number"], r["entry__date"],
                         fig.amount(_yuan(r["d"]), _yuan(r["c"]))) for r in rows]
    return sorted(shares, key=lambda s: (s.date, s.number))


def live_digest(community, month: dt.date, key: str) -> str:
    """The digest of the figure's entries as the books stand now (compared with a snapshot's)."""
    return entries_digest(figure_shares(community, month, key))


# --- corrections after publication -----------------------------------------------------------------


def later_corrections(community, month: dt.date, published_at: dt.datetime | None) -> dict:
    """What changed about a published month since: entries dated in it but posted after the
    publication (补记), and entries of later months reversing entries of this month (冲销)."""
    start, end = month_bounds(month)
    entries = JournalEntry.objects.in_community(community)
    late = (entries.filter(date__gte=start, date__lt=end, posted_at__gt=published_at)
            .order_by("date", "number") if published_at else entries.none())
    reversals = (entries.filter(date__gte=end, reverses__date__gte=start, reverses__date__lt=end)
                 .select_related("reverses").order_by("date", "number"))
    return {"late": list(late[:100]), "reversals": list(reversals[:100])}
