#!/usr/bin/env python3
"""Benchmark of the arrears reports: aging (账龄) and collection rate (收缴率) at 100,000 units ×
12 months of bills, SQLite and PostgreSQL.

    .venv/bin/python bench/arrears.py                                     # SQLite only
    .venv/bin/python bench/arrears.py --postgres postgresql://postgres@127.0.0.1:5432/postgres
    .venv/bin/python bench/arrears.py --units 20000 --months 6 --repeat 3

For each database, in a throw-away data directory (and a scratch PostgreSQL database), it
builds the data with ``bench/billing_run.py``'s ``child`` (100,000 units, three fee items,
January billed in bulk), bills the other months with ``services.run_billing``, then — a data
shortcut of the benchmark, not a service — dates each month's bills (issued on the 5th, due 30
days later) and records payments in bulk SQL (one journal entry, ``INSERT … SELECT``
allocations): 70 % of the units pay every bill 15 days after issue, 3 % pay all but the last
three months and half of the fourth-last (a partly paid bill each), the rest pay nothing.

Then times, ``--repeat`` times each (median printed):

1. ``aging``: ``arrears.aging`` as of 15 January of the next year (everything, default view);
2. ``aging_item``: the same for one fee item (lines instead of bills);
3. ``aging_past``: as of 1 July (payments after that date count as not yet made);
4. ``aging_csv``: every unit's row of the CSV export (``arrears.aging_by_unit``);
5. ``collection``: ``arrears.collection`` of the year as of the same date.

Prints a Markdown table; the raw numbers go to ``bench/out/arrears-<time>.json``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT / "bench"))

from billing_run import Postgres, community_meter, units_of  # noqa: E402
from billing_run import child as billing_child  # noqa: E402


def child(units: int, months: int, repeat: int) -> dict:
    import datetime as dt
    from decimal import Decimal

    out = billing_child(units, 0)  # django.setup, migrate, 100,000 units, January billed
    from django.db import connection, transaction
    from django.utils import timezone

    from sunlit.core.models import Community, User
    from sunlit.finance.arrears import selectors as arrears
    from sunlit.finance.billing import services
    from sunlit.finance.books import calc, ledger
    from sunlit.finance.models import Bill, BillLine, FeeItem

    community = Community.objects.get(code="big")
    user = User.objects.get(username="bench-finance")
    year = 2026
    t0 = time.perf_counter()
    for n in range(1, months):
        period = calc.add_months(dt.date(year, 1, 1), n)
        services.record_readings(
            community,
            actor=user,
            period_start=period,
            read_on=period,
            readings=[(community_meter(community), "0", str(units_of(community) * 3))],
        )
        services.run_billing(community, period, actor=user)
    out["billing_more_s"] = round(time.perf_counter() - t0, 1)

    t0 = time.perf_counter()
    table_bill, table_alloc = Bill._meta.db_table, "finance_allocation"
    with transaction.atomic():
        total = Bill.objects.filter(community=community).count()
        entry = ledger.post_entry(
            community,
            ledger.EntrySpec(
                dt.date(year, 12, 31),
                "manual",
                "基准测试：批量收款（数据准备）",
                [ledger.Line("1001", debit=Decimal("1.00")), ledger.Line("1122", credit=Decimal("1.00"))],
            ),
            actor=user,
        )
        with connection.cursor() as cursor:
            for n in range(months):
                period = calc.add_months(dt.date(year, 1, 1), n)
                issued = period + dt.timedelta(days=4)
                Bill.objects.filter(community=community, period_start=period).update(
                    issued_on=issued, due_on=issued + dt.timedelta(days=30)
                )
                paid_at = timezone.make_aware(
                    dt.datetime.combine(issued + dt.timedelta(days=15), dt.time(10))
                )
                # 70 % pay every month; 3 % too until four months before the end
                rule = "unit_id %% 100 < 73" if n < months - 4 else "unit_id %% 100 < 70"
                where = f"community_id = %s AND period_start = %s AND {rule}"
                cursor.execute(
                    f"INSERT INTO {table_alloc} (community_id, bill_id, kind, amount, entry_id, created_at) "
                    f"SELECT community_id, id, 'payment', amount, %s, %s FROM {table_bill} WHERE {where}",
                    [entry.pk, paid_at, community.pk, period],
                )
                cursor.execute(
                    f"UPDATE {table_bill} SET paid = amount, status = 'paid' WHERE {where}",
                    [community.pk, period],
                )
                if n == months - 4:  # 3 % pay half of this month: one partly paid bill each
                    half = (
                        "community_id = %s AND period_start = %s AND unit_id %% 100 >= 70 "
                        "AND unit_id %% 100 < 73"
                    )
                    columns = "community_id, bill_id, kind, amount, entry_id, created_at"
                    cursor.execute(
                        f"INSERT INTO {table_alloc} ({columns}) "
                        f"SELECT community_id, id, 'payment', ROUND(amount / 2, 2), %s, %s FROM {table_bill} "
                        f"WHERE {half}",
                        [entry.pk, paid_at, community.pk, period],
                    )
                    cursor.execute(
                        f"UPDATE {table_bill} SET paid = ROUND(amount / 2, 2), status = 'partial' "
                        f"WHERE {half}",
                        [community.pk, period],
                    )
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE")
    out["payments_setup_s"] = round(time.perf_counter() - t0, 1)
    out["bills_total"] = total
    out["lines_total"] = BillLine.objects.filter(community=community).count()
    out["partial_bills"] = Bill.objects.filter(community=community, status="partial").count()
    out["unpaid_bills"] = Bill.objects.filter(community=community).exclude(status="paid").count()

    as_of = dt.date(year + 1, 1, 15)
    item = FeeItem.objects.get(community=community, code="WY")

    def timed(name, fn):
        times = []
        for _ in range(repeat):
            started = time.perf_counter()
            result = fn()
            times.append(time.perf_counter() - started)
        out[f"{name}_median_s"] = round(statistics.median(times), 2)
        out[f"{name}_all_s"] = [round(x, 2) for x in times]
        return result

    report = timed("aging", lambda: arrears.aging(community, as_of=as_of))
    out["aging_total"], out["aging_units"] = str(report.total), report.units
    out["aging_buckets"] = {k: str(v) for k, v in report.buckets.items()}
    out["aging_late_fees"] = str(report.late_fees)
    timed("aging_item", lambda: arrears.aging(community, as_of=as_of, fee_item=item))
    past = timed("aging_past", lambda: arrears.aging(community, as_of=dt.date(year, 7, 1)))
    out["aging_past_total"] = str(past.total)
    rows = timed("aging_csv", lambda: sum(1 for _ in arrears.aging_by_unit(community, as_of=as_of)))
    out["aging_csv_rows"] = rows
    rate = timed("collection", lambda: arrears.collection(community, year=year, as_of=as_of))
    out["collection_year_percent"] = str(rate.year_rate.percent)
    out["collection_cells"] = len(rate.cells)
    return out


def spawn(units: int, months: int, repeat: int, database_url: str | None) -> dict:
    data_dir = tempfile.mkdtemp(prefix="sunlit-arrearsbench-")
    env = {**os.environ, "SUNLIT_DATA_DIR": data_dir, "DJANGO_SETTINGS_MODULE": "sunlit.settings"}
    env.pop("DATABASE_URL", None)
    if database_url:
        env["DATABASE_URL"] = database_url
    try:
        got = subprocess.run(
            [
                sys.executable,
                __file__,
                "--child",
                "--units",
                str(units),
                "--months",
                str(months),
                "--repeat",
                str(repeat),
            ],
            env=env,
            capture_output=True,
            text=True,
            check=False,
        )
    finally:
        shutil.rmtree(data_dir, ignore_errors=True)
    if got.returncode:
        sys.stderr.write(got.stderr)
        raise SystemExit(got.returncode)
    return json.loads(got.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    parser.add_argument("--units", type=int, default=100_000)
    parser.add_argument("--months", type=int, default=12)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--postgres", default="", help="a PostgreSQL server URL (a scratch database is made)")
    parser.add_argument("--only", choices=["sqlite", "postgres"])
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(child(args.units, args.months, args.repeat)))
        return
    results = []
    if args.only != "postgres":
        results.append(("SQLite", spawn(args.units, args.months, args.repeat, None)))
    if args.postgres and args.only != "sqlite":
        with Postgres(args.postgres) as pg:
            results.append(("PostgreSQL", spawn(args.units, args.months, args.repeat, pg.url)))
    print(
        f"Arrears reports, {args.units:,} units × {args.months} months · {platform.machine()} · "
        f"{os.cpu_count()} CPU · Python {platform.python_version()} · median of {args.repeat}\n"
    )
    print(
        "| database | bills | unpaid (partial) | aging | aging, one fee item | aging as of 1 July "
        "| CSV rows (units) | collection rate |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|---:|")
    for name, r in results:
        print(
            f"| {name} | {r['bills_total']:,} | {r['unpaid_bills']:,} ({r['partial_bills']:,}) "
            f"| **{r['aging_median_s']} s** | {r['aging_item_median_s']} s | {r['aging_past_median_s']} s "
            f"| {r['aging_csv_median_s']} s ({r['aging_csv_rows']:,}) | **{r['collection_median_s']} s** |"
        )
    out = ROOT / "bench" / "out"
    out.mkdir(exist_ok=True)
    path = out / f"arrears-{time.strftime('%Y%m%d-%H%M%S')}.json"
    path.write_text(json.dumps(dict(results), indent=2), encoding="utf-8")
    print(f"\nraw: {path.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
