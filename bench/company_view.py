#!/usr/bin/env python3
"""Benchmark of the company view (公司总览) and the nightly snapshot at a company of many
communities with a year of bills and tickets (issue 15: 200 communities × 1,000 units, page p95
≤ 300 ms on PostgreSQL).

    .venv/bin/python bench/company_view.py --communities 20 --units 1000          # SQLite
    .venv/bin/python bench/company_view.py --postgres postgresql://postgres@127.0.0.1:5432/postgres
    .venv/bin/python bench/company_view.py --communities 200 --units 1000 --postgres URL

In a throw-away data directory (and a scratch PostgreSQL database, ``billing_run.Postgres``)
it loads the demo company with ``--communities`` communities of ``--units`` units
(``sunlit.demo.load_demo``: the first two with the apps' year of work, the rest their rosters),
then — a data shortcut of the benchmark, not a service — writes for every other community a
year of monthly bills in bulk (every unit, 12 months; 85 % paid, 10 % half paid, 5 % unpaid)
and one ticket per unit over the year (10 % still open, 70 % of the closed ones within their
promises, a third of them rated). Then it times, ``--repeat`` times each:

1. ``overview``: ``company.overview.selectors.overview`` (the statements and the wall time);
2. ``page``: ``GET /company/`` as the demo company's administrator through Django's test client
   (the whole view: session, permissions, the template) — p50 and p95;
3. ``snapshot``: ``company.benchmarks.services.take_snapshots`` (the nightly job);
4. ``benchmarks``: ``GET /company/benchmarks/`` (read from the snapshots) — p50 and p95.

Prints a Markdown table; the raw numbers go to ``bench/out/company_view-<time>.json``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT / "bench"))

from billing_run import Postgres  # noqa: E402


def _year_of_work(community, year: int) -> tuple[int, int]:
    """Bulk bills and tickets for one roster-only community (see the module docstring)."""
    import datetime as dt
    from decimal import Decimal

    from django.utils import timezone

    from sunlit.finance.billing.models import Bill
    from sunlit.registry.models import Unit
    from sunlit.tickets.choices import Priority, TicketKind, TicketStatus
    from sunlit.tickets.models import Category, Ticket

    units = list(Unit.objects.filter(community=community).values_list("pk", "area"))
    bills = []
    for month in range(1, 13):
        start = dt.date(year, month, 1)
        end = dt.date(year + (month == 12), month % 12 + 1, 1)
        for n, (unit_id, area) in enumerate(units):
            amount = (Decimal(area) * Decimal("2.35")).quantize(Decimal("0.01")) or Decimal("1.00")
            share = n % 20
            paid = amount if share < 17 else (amount / 2).quantize(Decimal("0.01")) \
                if share < 19 else Decimal("0.00")
            status = "paid" if paid == amount else "partial" if paid else "open"
            bills.append(Bill(community=community, number=f"B{month:02d}{n:06d}", unit_id=unit_id,
                              period_start=start, period_end=end, issued_on=start,
                              due_on=start + dt.timedelta(days=30), amount=amount, paid=paid,
                              status=status, digest="0" * 64))
    Bill.objects.bulk_create(bills, batch_size=5000)
    category, _new = Category.objects.get_or_create(community=community, name="水电",
                                                    defaults={"kind": TicketKind.REPAIR})
    now = timezone.now()
    tickets = []
    for n, (unit_id, _area) in enumerate(units):
        created = now - dt.timedelta(days=n % 365, hours=n % 24)
        open_ = n % 10 == 0
        kept = n % 10 < 7
        tickets.append(Ticket(
            community=community, number=f"BX{n:07d}", kind=TicketKind.REPAIR, category=category,
            priority=Priority.NORMAL, title="报修", description="基准数据", unit_id=unit_id,
            status=TicketStatus.DISPATCHED if open_ else TicketStatus.ARCHIVED,
            created_at=created, due_resolve=created + dt.timedelta(days=2),
            met_accept=None if open_ else True, met_arrive=None if open_ else True,
            met_resolve=None if open_ else kept,
            closed_at=None if open_ else created + dt.timedelta(days=1),
            rating=None if open_ or n % 3 else 3 + n % 3,
            rated_at=None if open_ or n % 3 else created + dt.timedelta(days=2)))
    Ticket.objects.bulk_create(tickets, batch_size=5000)
    return len(bills), len(tickets)


def _times(call, repeat: int) -> list[float]:
    out = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        call()
        out.append((time.perf_counter() - t0) * 1000)
    return out


def _p95(values: list[float]) -> float:
    return sorted(values)[max(0, round(len(values) * 0.95) - 1)]


def child(communities: int, units: int, repeat: int) -> dict:
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from sunlit.company.benchmarks import services
    from sunlit.company.overview.selectors import overview
    from sunlit.core.models import Community, Organization, User
    from sunlit.demo import APP_DEMO_COMMUNITIES, load_demo

    call_command("migrate", verbosity=0)
    out: dict = {"vendor": connection.vendor, "communities": communities, "units": units}
    t0 = time.perf_counter()
    load_demo(units=units, communities=communities)
    out["load_demo_s"] = round(time.perf_counter() - t0, 1)
    t0 = time.perf_counter()
    year = timezone.localdate().year
    bills = tickets = 0
    for community in Community.objects.order_by("pk")[APP_DEMO_COMMUNITIES:]:
        b, t = _year_of_work(community, year)
        bills, tickets = bills + b, tickets + t
    out["generated_bills"], out["generated_tickets"] = bills, tickets
    out["generate_s"] = round(time.perf_counter() - t0, 1)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")

    organization = Organization.objects.get()
    overview(organization)  # warm
    with CaptureQueriesContext(connection) as queries:
        overview(organization)
    out["overview_statements"] = len(queries)
    out["overview_ms"] = _times(lambda: overview(organization), repeat)

    client = Client()
    client.force_login(User.objects.get(username="demo-company-admin"))
    client.get("/company/")
    out["page_ms"] = _times(lambda: client.get("/company/"), repeat)

    t0 = time.perf_counter()
    services.take_snapshots()
    out["snapshot_s"] = round(time.perf_counter() - t0, 2)
    client.get("/company/benchmarks/")
    out["benchmarks_ms"] = _times(lambda: client.get("/company/benchmarks/"), repeat)
    return out


def spawn(communities: int, units: int, repeat: int, database_url: str | None) -> dict:
    data_dir = tempfile.mkdtemp(prefix="sunlit-companybench-")
    env = {**os.environ, "SUNLIT_DATA_DIR": data_dir, "DJANGO_SETTINGS_MODULE": "sunlit.settings"}
    env.pop("DATABASE_URL", None)
    if database_url:
        env["DATABASE_URL"] = database_url
    got = subprocess.run([sys.executable, __file__, "--child", "--communities", str(communities),
                          "--units", str(units), "--repeat", str(repeat)],
                         env=env, capture_output=True, text=True, check=False)
    if got.returncode:
        sys.stderr.write(got.stderr[-4000:])
        raise SystemExit(got.returncode)
    return json.loads(got.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--communities", type=int, default=200)
    parser.add_argument("--units", type=int, default=1000)
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--postgres", help="a PostgreSQL server URL (a scratch database is made)")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(child(args.communities, args.units, args.repeat)))
        return
    runs = []
    if args.postgres:
        with Postgres(args.postgres) as pg:
            runs.append(spawn(args.communities, args.units, args.repeat, pg.url))
    else:
        runs.append(spawn(args.communities, args.units, args.repeat, None))
    print("| database | communities × units | statements | overview p50 / p95 (ms) | "
          "GET /company/ p50 / p95 (ms) | snapshot (s) | GET /company/benchmarks/ p95 (ms) |")
    print("|---|---|---|---|---|---|---|")
    for r in runs:
        print(f"| {r['vendor']} | {r['communities']} × {r['units']:,} | {r['overview_statements']} "
              f"| {statistics.median(r['overview_ms']):.0f} / {_p95(r['overview_ms']):.0f} "
              f"| {statistics.median(r['page_ms']):.0f} / {_p95(r['page_ms']):.0f} "
              f"| {r['snapshot_s']} | {_p95(r['benchmarks_ms']):.0f} |")
    out_dir = ROOT / "bench" / "out"
    out_dir.mkdir(exist_ok=True)
    path = out_dir / f"company_view-{time.strftime('%Y%m%d-%H%M%S')}.json"
    path.write_text(json.dumps({"machine": platform.platform(), "python": platform.python_version(),
                                "runs": runs}, indent=2))
    print(f"raw: {path}")


if __name__ == "__main__":
    main()
