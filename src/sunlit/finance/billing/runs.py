"""Billing runs — 批量计费: every bill of a community for one month, planned, previewed, written.

``plan_run`` computes everything in memory (a few queries, no writes): which fee items are due
in the period (monthly items every month, quarterly items in January, April, July and October
for three months, yearly items in January for the year), each unit's lines with their
calculations, bill totals, warnings (a fee item without a tariff, a metered unit without a
reading). The preview page shows a plan; ``commit_run`` writes one:

- bills and lines with ``core.bulk.bulk_insert`` (COPY on PostgreSQL, executemany on SQLite),
- ONE journal entry for the whole run through ``ledger.post_entries``: debit 1122 应收账款, credit
  each fee item's income account (the unit-level detail is the bills themselves: the
  receivable sub-ledger),
- the automatic offset of prepaid balances against the new bills (``payments.offset_prepaid``),
- ONE event on the log, ``finance.run.committed``, with the totals per fee item and the
  Merkle root (RFC 6962) over the run's bills. A log event per bill would cost about as much as
  the run itself (the log appends ~12,000 events/s on PostgreSQL); with the root each bill is
  still provable: its canonical JSON, its inclusion proof in the run's bill tree
  (``bill_proof``) and the run's event on the log.

All of it in one transaction: a failure leaves nothing. A period is billed once: the partial
unique constraint on committed runs per (community, period) and the unique (fee item, unit,
period) of every bill line make a second run fail even if two start at the same moment.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import IntegrityError, connections, router, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from sunlit.core.models import Community, User
from sunlit.finance.billing.choices import CYCLE_MONTHS, RUN_KINDS, BillStatus, FeeKind, RunStatus
from sunlit.finance.books import calc, ledger, money
from sunlit.finance.books.choices import EntrySource
from sunlit.finance.models import (
    Bill,
    BillingRun,
    BillLine,
    Calculation,
    FeeItem,
    FinancePolicy,
    Meter,
    MeterReading,
    Tariff,
)
from sunlit.registry.models import Unit
from sunlit.transparency import entry as canonical_json
from sunlit.transparency import merkle
from sunlit.transparency import services as log

Progress = Callable[[int, int], None]


@dataclass
class PlannedLine:
    fee_item: FeeItem
    start: dt.date
    end: dt.date
    result: calc.Result


@dataclass
class PlannedBill:
    unit_id: int
    label: str
    lines: list[PlannedLine]
    amount: Decimal = money.ZERO

    def __post_init__(self) -> None:
        self.amount = sum((x.result.amount for x in self.lines), money.ZERO)


@dataclass
class RunPlan:
    community: Community
    period_start: dt.date
    period_end: dt.date
    items: list[tuple[FeeItem, dt.date, dt.date]]
    bills: list[PlannedBill] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    by_item: dict[str, dict] = field(default_factory=dict)

    @property
    def total(self) -> Decimal:
        return sum((b.amount for b in self.bills), money.ZERO)

    @property
    def line_count(self) -> int:
        return sum(len(b.lines) for b in self.bills)


def item_period(cycle: str, period_start: dt.date) -> tuple[dt.date, dt.date] | None:
    """The period a fee item of ``cycle`` bills in the run for month ``period_start``."""
    months = CYCLE_MONTHS.get(cycle)
    if months is None:
        return None
    if (period_start.month - 1) % months:
        return None
    return period_start, calc.add_months(period_start, months)


def check_period(period_start) -> dt.date:
    if not isinstance(period_start, dt.date) or isinstance(period_start, dt.datetime):
        raise ValidationError({"period": [_("账期应为日期（某月 1 日）")]})
    if period_start.day != 1:
        raise ValidationError({"period": [_("账期应为某月 1 日")]})
    return period_start


def _versions(tariffs: list[Tariff]) -> list[calc.Version]:
    return [calc.Version(price=t.price, start=t.effective_from, end=t.effective_to,
                         tiers=tuple((None if r.get("upto") is None else Decimal(str(r["upto"])),
                                      Decimal(str(r["price"]))) for r in (t.tiers or [])))
            for t in tariffs]


def _label(building: str, entrance: str, number: str) -> str:
    return "-".join([building, *([f"{entrance}单元"] if entrance else []), number])


def plan_run(community: Community, period_start: dt.date) -> RunPlan:
    """Computes the run for ``period_start`` without writing anything."""
    period_start = check_period(period_start)
    period_end = calc.add_months(period_start, 1)
    items = []
    for item in FeeItem.objects.in_community(community).active().filter(kind__in=RUN_KINDS):
        span = item_period(item.cycle, period_start)
        if span is not None:
            items.append((item, *span))
    plan = RunPlan(community, period_start, period_end, items)
    tariffs: dict[int, list[Tariff]] = defaultdict(list)
    for t in Tariff.objects.filter(fee_item__in=[i for i, _s, _e in items]).order_by("effective_from"):
        tariffs[t.fee_item_id].append(t)
    units = list(Unit.objects.in_community(community).order_by("id").values_list(
        "id", "building__name", "entrance", "number", "area", "usage", "delivered_on",
        "building_id"))
    lines: dict[int, list[PlannedLine]] = defaultdict(list)
    for item, start, end in items:
        versions = _versions(tariffs.get(item.pk, []))
        if not versions:
            plan.warnings.append(_("收费项目“%(item)s”没有收费标准，未计费") % {"item": item.name})
            continue
        usages = set(item.applies_to or [])
        scope = [u for u in units if u[5] in usages]
        before = sum(len(v) for v in lines.values())
        if item.kind in (FeeKind.AREA, FeeKind.FIXED):
            # Units with the same area (and start of charging) have the same line: computed once,
            # the PlannedLine (and its calculation) shared.
            cache: dict[tuple, PlannedLine | None] = {}
            by_area = item.kind == FeeKind.AREA
            for uid, _b, _e, _n, area, _usage, delivered_on, _bid in scope:
                if delivered_on is not None and delivered_on >= end:
                    continue
                charge_from = delivered_on if delivered_on is not None and delivered_on > start else None
                key = (area if by_area else None, charge_from)
                if key not in cache:
                    result = calc.periodic_fee(start=start, end=end, versions=versions,
                                               area=area if by_area else None, charge_from=charge_from)
                    cache[key] = (PlannedLine(item, start, end, result)
                                  if result is not None and result.amount > 0 else None)
                if cache[key] is not None:
                    lines[uid].append(cache[key])
        elif item.kind == FeeKind.METERED:
            _plan_metered(plan, item, start, end, versions, scope, lines)
        elif item.kind == FeeKind.SHARED:
            _plan_shared(plan, item, start, end, versions, scope, lines)
        added = [x for v in lines.values() for x in v if x.fee_item is item]
        plan.by_item[item.code] = {
            "name": item.name, "account": item.account.code if item.account_id else "",
            "lines": sum(len(v) for v in lines.values()) - before,
            "total": sum((x.result.amount for x in added), money.ZERO)}
    for uid, building, entrance, number, *_rest in units:
        if lines.get(uid):
            plan.bills.append(PlannedBill(uid, _label(building, entrance, number), lines[uid]))
    return plan


def _plan_metered(plan, item, start, end, versions, scope, lines) -> None:
    version = calc.version_on(versions, start)
    if version is None:
        plan.warnings.append(_("收费项目“%(item)s”在本期没有有效的收费标准") % {"item": item.name})
        return
    meters = dict(Meter.objects.in_community(plan.community).filter(
        kind=item.meter_kind, unit__isnull=False).values_list("unit_id", "id"))
    readings = {m: (p, c) for m, p, c in MeterReading.objects.filter(
        meter_id__in=meters.values(), period_start=start).values_list("meter_id", "previous", "current")}
    missing = 0
    for uid, *_rest in scope:
        meter_id = meters.get(uid)
        if meter_id is None:
            continue
        reading = readings.get(meter_id)
        if reading is None:
            missing += 1
            continue
        result = calc.metered_fee(previous=reading[0], current=reading[1], version=version,
                                  meter_id=meter_id)
        if result is not None and result.amount > 0:
            lines[uid].append(PlannedLine(item, start, end, result))
    if missing:
        plan.warnings.append(_("收费项目“%(item)s”：%(n)d 户本期未抄表，未计费") % {
            "item": item.name, "n": missing})


def _plan_shared(plan, item, start, end, versions, scope, lines) -> None:
    version = calc.version_on(versions, start)
    meter = item.meter
    if version is None or meter is None:
        plan.warnings.append(_("公摊项目“%(item)s”缺少收费标准或公摊总表") % {"item": item.name})
        return
    reading = MeterReading.objects.filter(meter=meter, period_start=start).first()
    if reading is None:
        plan.warnings.append(_("公摊项目“%(item)s”的总表本期未抄表，未计费") % {"item": item.name})
        return
    sharing = [u for u in scope if (meter.building_id is None or u[7] == meter.building_id)
               and (u[6] is None or u[6] < end)]
    total_area = sum((u[4] for u in sharing), Decimal(0))
    shares, cache = [], {}
    for uid, _b, _e, _n, area, *_rest in sharing:
        if area not in cache:
            result = calc.shared_fee(meter_usage=reading.usage, version=version, unit_area=area,
                                     total_area=total_area, units=len(sharing))
            cache[area] = (PlannedLine(item, start, end, result)
                           if result is not None and result.amount > 0 else None)
        if cache[area] is not None:
            lines[uid].append(cache[area])
            shares.append(cache[area].result.amount)
    if shares:
        whole, _rows = calc.tiered_cost(reading.usage, version)
        residue = sum(shares, money.ZERO) - calc.round_half_up(whole)
        if residue:
            plan.warnings.append(_("公摊项目“%(item)s”：各户四舍五入后合计与总额相差 %(r)s 元") % {
                "item": item.name, "r": money.text(residue)})


# --- the documents a bill is proved by ------------------------------------------------------------


def bill_document(*, community_code: str, number: str, unit_id: int, label: str,
                  period_start: dt.date, period_end: dt.date, issued_on: dt.date, due_on: dt.date,
                  amount: Decimal, lines: list[dict]) -> dict:
    """The canonical content of a bill (what its digest and the run's root commit to)."""
    return {"type": "finance.bill", "community": community_code, "number": number,
            "unit_id": unit_id, "unit": label, "period_start": period_start.isoformat(),
            "period_end": (period_end - calc.ONE_DAY).isoformat(), "issued_on": issued_on.isoformat(),
            "due_on": due_on.isoformat(), "amount": money.text(amount), "lines": lines}


def line_document(item_code: str, item_name: str, line_start: dt.date, line_end: dt.date,
                  result_amount: Decimal, quantity: Decimal, price: Decimal, calculation: dict) -> dict:
    return {"item": item_code, "name": item_name, "from": line_start.isoformat(),
            "to": (line_end - calc.ONE_DAY).isoformat(), "quantity": f"{Decimal(quantity):.4f}",
            "price": f"{Decimal(price):.4f}", "amount": money.text(result_amount), "calculation": calculation}


def document_of(bill: Bill) -> dict:
    """The canonical document of a stored bill (re-derived from its rows)."""
    lines = [line_document(x.fee_item.code, x.fee_item.name, x.period_start, x.period_end,
                           x.amount, x.quantity, x.price, x.calculation)
             for x in bill.lines.select_related("fee_item", "calc").order_by("id")]
    return bill_document(community_code=bill.community.code, number=bill.number, unit_id=bill.unit_id,
                         label=bill.unit.label, period_start=bill.period_start,
                         period_end=bill.period_end, issued_on=bill.issued_on, due_on=bill.due_on,
                         amount=bill.amount, lines=lines)


def leaf_of(document: dict) -> bytes:
    """The RFC 6962 leaf hash of a bill: SHA-256(0x00 || canonical JSON)."""
    return merkle.leaf_hash(canonical_json.canonical(document))


# --- committing ------------------------------------------------------------------------------------


def commit_run(run: BillingRun, plan: RunPlan, *, actor: User | None,
               now: dt.datetime | None = None, progress: Progress | None = None) -> BillingRun:
    """Writes ``plan`` as ``run`` (inside the caller's transaction): bills, lines, the entry,
    prepaid offsets, the log event; marks the run committed."""
    from sunlit.finance.payments.services import offset_prepaid_bulk

    community = plan.community
    now = now or timezone.now()
    today = timezone.localdate(now)
    policy = FinancePolicy.objects.get_or_create(community=community)[0]
    due_on = today + dt.timedelta(days=policy.due_days)
    total_steps = len(plan.bills) * 2 + 3
    done = 0

    def step(n: int) -> None:
        nonlocal done
        done += n
        if progress:
            progress(done, total_steps)

    numbers = ledger.reserve_numbers(community, f"ZD-{plan.period_start:%Y%m}", len(plan.bills))
    connection = connections[router.db_for_write(Bill)]
    date = connection.ops.adapt_datefield_value
    period_start, period_end = date(plan.period_start), date(plan.period_end)
    issued_on, due = date(today), date(due_on)
    # Per shared PlannedLine: its canonical JSON, its calculation and its row values, made once
    # (units of the same area share one PlannedLine); each distinct calculation is stored once.
    line_parts: dict[int, tuple[str, dict, tuple]] = {}
    head = bill_json_head(community_code=community.code, period_start=plan.period_start,
                          period_end=plan.period_end, issued_on=today, due_on=due_on)
    bill_rows, tree = [], merkle.MemoryTree()
    cid, status = community.pk, BillStatus.OPEN.value
    for index, (planned, number) in enumerate(zip(plan.bills, numbers, strict=True)):
        docs = []
        for x in planned.lines:
            part = line_parts.get(id(x))
            if part is None:
                r = x.result
                part = line_parts[id(x)] = (
                    fast_canonical(line_document(x.fee_item.code, x.fee_item.name, x.start, x.end,
                                                 r.amount, r.quantity, r.price, r.calculation)).decode(),
                    r.calculation,
                    (x.fee_item.pk, date(x.start), date(x.end), r.quantity, r.price, r.amount))
            docs.append(part[0])
        amount = planned.amount
        leaf = merkle.leaf_hash(bill_json(head, number=number, unit_id=planned.unit_id,
                                          label=planned.label, amount=amount, line_jsons=docs))
        tree.append(leaf)
        bill_rows.append((cid, number, run.pk, index, planned.unit_id, period_start, period_end,
                          issued_on, due, amount, money.ZERO, status, leaf.hex()))  # BILL_COLUMNS
        if index % 5000 == 4999:
            step(5000)
    step(len(plan.bills) % 5000)
    insert_rows(Bill, BILL_COLUMNS, bill_rows, connection)
    bill_ids = dict(Bill.objects.filter(run=run).values_list("run_index", "id"))
    calculations = calculations_for(community, [part[1] for part in line_parts.values()])
    calc_ids = {key: c.pk for key, c in zip(line_parts, calculations, strict=True)}
    line_rows = []
    for index, planned in enumerate(plan.bills):
        for x in planned.lines:
            fee_item_id, start, end, quantity, price, line_amount = line_parts[id(x)][2]
            line_rows.append((cid, bill_ids[index], fee_item_id, planned.unit_id, start, end, quantity,
                              price, line_amount, calc_ids[id(x)]))  # BILL_LINE_COLUMNS
    insert_rows(BillLine, BILL_LINE_COLUMNS, line_rows, connection)
    step(len(plan.bills))
    entry = None
    receivable = {}
    for item, _s, _e in plan.items:
        total = plan.by_item.get(item.code, {}).get("total", money.ZERO)
        if total:
            receivable[item] = total
    if receivable:
        entry_lines = [ledger.Line(ledger.RECEIVABLE, debit=sum(receivable.values(), money.ZERO),
                                   memo=f"{plan.period_start:%Y-%m} 应收")]
        entry_lines += [ledger.Line(item.account.code, credit=amount, memo=item.name)
                        for item, amount in receivable.items()]
        entry = ledger.post_entry(community, ledger.EntrySpec(
            today, EntrySource.BILLING_RUN, f"{plan.period_start:%Y年%m月} 批量计费 {len(bill_rows)} 户",
            entry_lines), actor=actor, time=now)
    step(1)
    offsets = offset_prepaid_bulk(community, [b.unit_id for b in plan.bills], actor=actor, now=now)
    step(1)
    run.status, run.finished_at = RunStatus.COMMITTED, timezone.now()
    run.bill_count, run.line_count, run.total = len(bill_rows), len(line_rows), plan.total
    run.bills_root = tree.root().hex() if bill_rows else ""
    run.entry = entry
    run.summary = {"items": {code: {**v, "total": money.text(v["total"])}
                             for code, v in plan.by_item.items()},
                   "warnings": plan.warnings, "offsets": offsets}
    try:
        with transaction.atomic():
            run.save(update_fields=["status", "finished_at", "bill_count", "line_count", "total",
                                    "bills_root", "entry", "summary"])
    except IntegrityError:
        raise ValidationError({"period": [_("%(p)s 已经计费，不能重复计费") % {
            "p": f"{plan.period_start:%Y-%m}"}]}) from None
    log.record(community, "finance.run.committed", run, time=now, public={
        "period_start": plan.period_start, "period_end": plan.period_end - calc.ONE_DAY,
        "bills": len(bill_rows), "lines": len(line_rows), "total": plan.total,
        "by_fee_item": run.summary["items"], "bills_root": run.bills_root,
        "entry": entry.number if entry else None, "offsets": offsets})
    step(1)
    return run


#: The columns of the rows ``commit_run`` writes; the database numbers them.
BILL_COLUMNS = ("community_id", "number", "run_id", "run_index", "unit_id", "period_start",
                "period_end", "issued_on", "due_on", "amount", "paid", "status", "digest")
BILL_LINE_COLUMNS = ("community_id", "bill_id", "fee_item_id", "unit_id", "period_start",
                     "period_end", "quantity", "price", "amount", "calc_id")


def calculations_for(community: Community, calculations: list[dict]) -> list[Calculation]:
    """The stored ``Calculation`` of each dict (created when new), in order. Inside the caller's
    transaction; equal dicts share one row."""
    encoded = [fast_canonical(c) for c in calculations]
    digests = [hashlib.sha256(e).hexdigest() for e in encoded]
    found: dict[str, Calculation] = {}
    wanted = list(dict.fromkeys(digests))
    for start in range(0, len(wanted), 500):  # SQLite's limit on query parameters
        found.update((c.digest, c) for c in Calculation.objects.filter(
            community=community, digest__in=wanted[start:start + 500]))
    new = {d: c for d, c in zip(digests, calculations, strict=True) if d not in found}
    if new:
        Calculation.objects.bulk_create(
            [Calculation(community_id=community.pk, digest=d, data=c) for d, c in new.items()],
            batch_size=500)
        for start in range(0, len(new), 500):
            found.update((c.digest, c) for c in Calculation.objects.filter(
                community=community, digest__in=list(new)[start:start + 500]))
    return [found[d] for d in digests]


def insert_rows(model, columns: tuple[str, ...], rows: list[tuple], connection,
                batch_size: int = 2000) -> None:
    """Inserts prepared rows into ``columns`` (attribute names) of ``model``'s table: ``COPY ...
    FROM STDIN`` on PostgreSQL, one prepared INSERT by ``executemany`` on SQLite. Like
    ``core.bulk`` (whose measurements chose these paths) but without model instances (400,000
    of them took longer than the whole run should) and without the id column: the database
    numbers the rows, so no sequence values travel. Every table constraint applies as to any
    INSERT."""
    if not rows:
        return
    by_attname = {f.attname: f.column for f in model._meta.concrete_fields}
    quote = connection.ops.quote_name
    table = quote(model._meta.db_table)
    names = ", ".join(quote(by_attname[c]) for c in columns)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # COPY's text format, written in large blocks: a third of write_row's time per row.
            with (connection.wrap_database_errors,
                  cursor.cursor.copy(f"COPY {table} ({names}) FROM STDIN") as copy):
                for start in range(0, len(rows), batch_size):
                    copy.write("".join("\t".join(map(_copy_text, row)) + "\n"
                                       for row in rows[start:start + batch_size]).encode("utf-8"))
            return
        sql = f"INSERT INTO {table} ({names}) VALUES ({', '.join(['%s'] * len(columns))})"  # noqa: S608
        for start in range(0, len(rows), batch_size):
            cursor.executemany(sql, rows[start:start + batch_size])


_COPY_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})


def _copy_text(value) -> str:
    """One value in PostgreSQL's COPY text format."""
    if value is None:
        return "\\N"
    if isinstance(value, str):
        if "\\" in value or "\t" in value or "\n" in value or "\r" in value:
            return value.translate(_COPY_ESCAPES)
        return value
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)  # int, Decimal


def _text(value: str) -> str:
    """A JSON string as RFC 8785 writes it (the fast path: nothing to escape)."""
    if value.isprintable() and '"' not in value and "\\" not in value:
        return '"' + value + '"'
    return json.dumps(value, ensure_ascii=False)


def bill_json_head(*, community_code: str, period_start: dt.date, period_end: dt.date,
                   issued_on: dt.date, due_on: dt.date) -> dict[str, str]:
    """The parts of a run's bill JSON that every bill of the run shares."""
    return {"community": _text(community_code), "due_on": _text(due_on.isoformat()),
            "issued_on": _text(issued_on.isoformat()),
            "period_end": _text((period_end - calc.ONE_DAY).isoformat()),
            "period_start": _text(period_start.isoformat())}


def bill_json(head: dict[str, str], *, number: str, unit_id: int, label: str, amount: Decimal,
              line_jsons: list[str]) -> bytes:
    """The RFC 8785 bytes of ``bill_document(...)``, assembled from already canonical parts:
    the keys written in sorted order, each value by the C JSON encoder (see ``fast_canonical``).
    Proved byte-identical to ``transparency.entry.canonical`` in the tests."""
    return ('{"amount":' + _text(money.text(amount)) + ',"community":' + head["community"]
            + ',"due_on":' + head["due_on"] + ',"issued_on":' + head["issued_on"]
            + ',"lines":[' + ",".join(line_jsons) + '],"number":' + _text(number)
            + ',"period_end":' + head["period_end"] + ',"period_start":' + head["period_start"]
            + ',"type":"finance.bill","unit":' + _text(label) + ',"unit_id":' + str(int(unit_id))
            + "}").encode("utf-8")


def fast_canonical(document: dict) -> bytes:
    """RFC 8785 bytes of a bill document through the C JSON encoder. Identical to
    ``transparency.entry.canonical`` for what a bill holds — ASCII keys, text, integers below
    2^53, no floats (proved in tests/finance/test_billing_run.py) — and ten times faster."""
    return json.dumps(document, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode("utf-8")


def bill_proof(bill: Bill) -> dict:
    """What proves a run's bill: its canonical JSON, leaf index, tree size and the inclusion
    proof (hex, RFC 6962) up to the run's ``bills_root`` — which the run's log event holds.

    Rebuilds the run's tree from the stored leaf hashes (one query; ~0.3 s for 100,000 bills).
    """
    run = bill.run
    if run is None:
        raise ValidationError({"bill": [_("该账单不是批量计费生成的，请查看其单独的存证")]})
    document = document_of(bill)
    data = canonical_json.canonical(document)
    if merkle.leaf_hash(data).hex() != bill.digest:
        raise ValidationError({"bill": [_("账单内容与其摘要不符")]})
    leaves = [bytes.fromhex(d) for d in
              run.bills.order_by("run_index").values_list("digest", flat=True)]
    tree = merkle.MemoryTree(leaves)
    proof = tree.inclusion_proof(bill.run_index)
    return {"bill": document, "canonical": data.decode("utf-8"), "leaf_index": bill.run_index,
            "tree_size": tree.size, "bills_root": run.bills_root,
            "inclusion_proof": [h.hex() for h in proof], "run_id": run.pk}
