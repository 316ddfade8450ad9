#!/usr/bin/env python3
"""Benchmark of the 阳光账本: the monthly report and its drill-down on a busy community's books.

    .venv/bin/python bench/ledger_report.py                          # SQLite, 10,000 units × 6 months
    .venv/bin/python bench/ledger_report.py --postgres postgresql://postgres@127.0.0.1:5432/postgres
    .venv/bin/python bench/ledger_report.py --units 20000 --months 12

In a throw-away data directory (and, with ``--postgres``, a scratch database
``sunlit_ledgerbench_<pid>``, created and dropped) it bulk-creates ``--units`` units and posts,
through ``ledger.post_entries``, for each month: one receivable entry (a billing run's shape),
one counter payment per unit (a household entry: debit cash, credit 1122, both lines with the
unit), ``--costs`` cost entries and a public-income and a fund entry. Then it times, for the
last month: ``build_report`` (the whole report: month, previous month, year to date,
balances), ``snapshot`` (the report plus every figure's entries and their digests — what
publication freezes), ``drill_down`` of 本月收回 (every payment: a staff page of 50, and the
member view grouped per day), and ``publish_report`` (snapshot, hash, log event, trigger).
Prints one Markdown row per measure.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))


def timed(label: str, fn, out: list, repeat: int = 3):
    best, result = None, None
    for _ in range(repeat):
        t0 = time.perf_counter()
        result = fn()
        took = time.perf_counter() - t0
        best = took if best is None else min(best, took)
    out.append((label, best))
    return result


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--units", type=int, default=10_000)
    parser.add_argument("--months", type=int, default=6)
    parser.add_argument("--costs", type=int, default=100)
    parser.add_argument("--postgres", default="", help="a PostgreSQL server URL (a scratch database is used)")
    parser.add_argument("--explain", action="store_true", help="print the query plans of the drill-down")
    args = parser.parse_args()
    scratch = None
    os.environ["SUNLIT_DATA_DIR"] = tempfile.mkdtemp(prefix="ledgerbench-")
    if args.postgres:
        import psycopg

        parts = urlsplit(args.postgres)
        scratch = f"sunlit_ledgerbench_{os.getpid()}"
        with psycopg.connect(args.postgres, autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{scratch}"')
        os.environ["DATABASE_URL"] = urlunsplit(parts._replace(path=f"/{scratch}"))
    else:
        os.environ["DATABASE_URL"] = ""
    try:
        run(args)
    finally:
        if scratch:
            import psycopg
            from django.db import connections

            connections.close_all()
            with psycopg.connect(args.postgres, autocommit=True) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{scratch}"')


def run(args) -> None:
    import datetime as dt
    from decimal import Decimal

    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "sunlit.settings")
    django.setup()
    from django.core.management import call_command
    from django.db import connection, transaction
    from django.utils import timezone

    call_command("migrate", verbosity=0)
    from sunlit.core.bulk import bulk_insert
    from sunlit.core.choices import Role
    from sunlit.core.models import Community, Membership, Organization, User
    from sunlit.finance.books import calc, ledger
    from sunlit.finance.books.choices import EntrySource
    from sunlit.finance.report import selectors as report
    from sunlit.finance.report import services as report_services
    from sunlit.registry.models import Building, Unit

    org = Organization.objects.create(name="基准物业")
    user = User.objects.create(username="bench-finance")
    community = Community.objects.create(organization=org, name="基准小区", code="bench")
    Membership.objects.create(user=user, community=community, role=Role.FINANCE)
    with transaction.atomic():
        buildings = [Building(community_id=community.pk, name=f"{b + 1}号楼", floors=25)
                     for b in range((args.units + 99) // 100)]
        bulk_insert(Building, buildings)
        units = [Unit(community_id=community.pk, building_id=buildings[i // 100].pk, entrance="1",
                      number=f"{i % 100 + 1:03d}", floor=i % 25 + 1, area=Decimal(60 + i % 90),
                      usage="residential", delivery_status="delivered", created_at=timezone.now())
                 for i in range(args.units)]
        bulk_insert(Unit, units)
    ledger.open_books(community, actor=user)
    unit_ids = list(Unit.objects.in_community(community).values_list("pk", flat=True))
    first = dt.date(2026, 1, 1)
    t0 = time.perf_counter()
    entries = 0
    for n in range(args.months):
        month = calc.add_months(first, n)
        fee = {uid: Decimal(60 + i % 90) * Decimal("2.35") for i, uid in enumerate(unit_ids)}
        total = sum(fee.values(), Decimal(0))
        specs = [ledger.EntrySpec(month.replace(day=5), EntrySource.BILLING_RUN, f"{month:%Y-%m} 批量计费", [
            ledger.Line("1122", debit=total), ledger.Line("6001", credit=total)])]
        for i, uid in enumerate(unit_ids):
            day = month.replace(day=6 + i % 20)
            specs.append(ledger.EntrySpec(day, EntrySource.PAYMENT, f"收款 {i}", [
                ledger.Line("1001", debit=fee[uid], unit_id=uid),
                ledger.Line("1122", credit=fee[uid], unit_id=uid)]))
        for c in range(args.costs):
            amount = Decimal(100 + c) + Decimal("0.35")
            specs.append(ledger.EntrySpec(month.replace(day=1 + c % 27), EntrySource.MANUAL, f"支出 {c}", [
                ledger.Line(f"640{1 + c % 7}", debit=amount), ledger.Line("1002", credit=amount)]))
        specs.append(ledger.EntrySpec(month.replace(day=10), EntrySource.MANUAL, "广告收入", [
            ledger.Line("1002", debit=Decimal("6000.00")), ledger.Line("2243", credit=Decimal("6000.00"))]))
        specs.append(ledger.EntrySpec(month.replace(day=12), EntrySource.MANUAL, "维修资金归集", [
            ledger.Line("1002", debit=Decimal("50000.00")), ledger.Line("2244", credit=Decimal("50000.00"))]))
        for chunk in range(0, len(specs), 5000):
            with transaction.atomic():
                ledger.post_entries(community, specs[chunk:chunk + 5000], actor=user)
        entries += len(specs)
    setup = time.perf_counter() - t0
    if connection.vendor == "postgresql":  # what autovacuum does after a bulk load
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    last = calc.add_months(first, args.months - 1)
    if args.explain:
        fig = report.figure("receivable-collected")
        lines = report._month_lines(community, last, fig).alias(household=report.household_line())
        grouped = (lines.filter(household=True).values("entry__date", "entry__source")
                   .annotate(d=report._fen("debit")).order_by())
        print(grouped.explain(analyze=True) if connection.vendor == "postgresql" else grouped.explain())
        from django.test.utils import CaptureQueriesContext

        for details in (True, False):
            with CaptureQueriesContext(connection) as captured:
                report.drill_down(community, last, "receivable-collected", details=details)
            for q in captured.captured_queries:
                print(f"{float(q['time']) * 1000:8.1f} ms  {q['sql'][:300]}")
    out: list = []
    rep = timed("build_report (whole month: figures, previous month, year to date, balances)",
                lambda: report.build_report(community, last), out)
    content = timed("snapshot (report + every figure's entries and digests)",
                    lambda: report.snapshot(community, last), out)
    staff = timed("drill_down 本月收回, staff, page 1 of 50",
                  lambda: report.drill_down(community, last, "receivable-collected", details=True), out)
    member = timed("drill_down 本月收回, member (grouped per day)",
                   lambda: report.drill_down(community, last, "receivable-collected", details=False), out)
    with timezone.override("Asia/Shanghai"):
        later = timezone.make_aware(dt.datetime.combine(calc.add_months(last, 1), dt.time(9)))
    from django.urls import reverse

    reverse("finance:ledger_home")  # load the URLconf (and every app's API) before timing
    t0 = time.perf_counter()
    report_services.publish_report(community, last, actor=user, now=max(later, timezone.now()))
    out.append(("publish_report (snapshot, hash, log event)", time.perf_counter() - t0))
    collected = rep.rows["receivable-collected"].month
    assert collected == staff.total == member.total == sum((g.amount for g in member.groups), Decimal(0))
    assert content["receivables"]["rows"][1]["entries"] == args.units
    print(f"\n{connection.vendor}: {args.units:,} units, {args.months} months, {entries:,} entries "
          f"posted in {setup:.1f} s; last month {collected} collected in {staff.count:,} payments\n")
    print("| measure | best of 3 (publish: once) |\n|---|---:|")
    for label, seconds in out:
        print(f"| {label} | {seconds * 1000:.0f} ms |")


if __name__ == "__main__":
    main()
