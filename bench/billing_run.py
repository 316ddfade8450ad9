#!/usr/bin/env python3
"""Benchmark of a billing run: 100,000 units × three fee items, SQLite and PostgreSQL.

    .venv/bin/python bench/billing_run.py                                    # SQLite only
    .venv/bin/python bench/billing_run.py --postgres postgresql://postgres@127.0.0.1:5432/postgres
    .venv/bin/python bench/billing_run.py --units 20000 --naive 2000

For each database, in a throw-away data directory (and a scratch PostgreSQL database
``sunlit_billbench_<pid>``, created and dropped), it migrates, bulk-creates ``--units`` units
(1 in 20 a parking space) and three fee items — 物业服务费 (area × price, homes and shops),
生活垃圾清运费 (fixed per home) and 公共电费分摊 (a common meter's usage split by exclusive
area) — then times:

1. ``plan``: ``billing.plan_run`` alone (reading units and tariffs, computing every line);
2. ``run``: ``services.run_billing`` — plan, bills and lines through ``core.bulk.bulk_insert``,
   the receivable entry, the prepaid offset and the run's log event, one transaction;
3. ``naive``: the same bills written the straightforward way, one ``save()`` per bill and per
   line (and a ``get_or_create`` of its calculation), for ``--naive`` units of a second
   community, extrapolated linearly to ``--units``.

Prints a Markdown table; the raw numbers go to ``bench/out/billing_run-<time>.json``.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))


def child(units: int, naive: int, months: int = 0, owners: int = 200) -> dict:
    """Runs in a fresh interpreter with SUNLIT_DATA_DIR / DATABASE_URL set by the parent."""
    import datetime as dt
    from decimal import Decimal

    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "sunlit.settings")
    django.setup()
    from django.core.management import call_command
    from django.db import connection, transaction

    call_command("migrate", verbosity=0)
    from sunlit.core.bulk import bulk_insert
    from sunlit.core.choices import Role
    from sunlit.core.models import Community, Membership, Organization, User
    from sunlit.core.permissions import forget_roles
    from sunlit.finance.billing import runs as billing
    from sunlit.finance.billing import services
    from sunlit.finance.billing.choices import Cycle, FeeKind, MeterKind
    from sunlit.finance.books import ledger
    from sunlit.finance.models import Bill, BillLine, Calculation
    from sunlit.registry.models import Building, Unit

    jan = dt.date(2026, 1, 1)
    org = Organization.objects.create(name="基准物业")
    user = User.objects.create(username="bench-finance")

    def community_with(code: str, count: int) -> Community:
        community = Community.objects.create(organization=org, name=code, code=code)
        Membership.objects.create(user=user, community=community, role=Role.FINANCE)
        forget_roles(user)
        with transaction.atomic():
            buildings = [Building(community_id=community.pk, name=f"{b + 1}号楼", floors=25)
                         for b in range((count + 99) // 100)]
            bulk_insert(Building, buildings)
            rows = []
            for i in range(count):
                parking = i % 20 == 19
                rows.append(Unit(community_id=community.pk, building_id=buildings[i // 100].pk,
                                 entrance=str(i % 4 + 1), number=f"{i % 100 + 1:03d}",
                                 floor=-1 if parking else i % 25 + 1,
                                 area=Decimal("12.50") if parking else Decimal(60 + i % 90) + Decimal("0.37"),
                                 usage="parking" if parking else "residential",
                                 delivery_status="delivered", created_at=django.utils.timezone.now()))
            bulk_insert(Unit, rows)
        ledger.open_books(community, actor=user)
        setup = dt.date(2025, 1, 1)
        fee = services.create_fee_item(community, actor=user, code="WY", name="物业服务费", kind=FeeKind.AREA,
                                       cycle=Cycle.MONTHLY, account="6001",
                                       applies_to=["residential", "commercial"])
        services.set_tariff(fee, actor=user, price="2.35", effective_from=setup, today=setup)
        garbage = services.create_fee_item(community, actor=user, code="LJ", name="生活垃圾清运费",
                                           kind=FeeKind.FIXED, cycle=Cycle.MONTHLY, account="6051",
                                           applies_to=["residential", "parking"])
        services.set_tariff(garbage, actor=user, price="8.00", effective_from=setup, today=setup)
        meter = services.create_meter(community, actor=user, kind=MeterKind.ELECTRICITY, name="公共照明总表")
        shared = services.create_fee_item(community, actor=user, code="GT", name="公共电费分摊",
                                          kind=FeeKind.SHARED, cycle=Cycle.MONTHLY, account="6003",
                                          applies_to=["residential", "parking"], meter=meter)
        services.set_tariff(shared, actor=user, price="0.65", effective_from=setup, today=setup)
        services.record_readings(community, actor=user, period_start=jan, read_on=jan,
                                 readings=[(meter, "100000", str(100000 + count * 3))])
        return community

    out: dict = {"vendor": connection.vendor, "units": units}
    t0 = time.perf_counter()
    big = community_with("big", units)
    out["setup_s"] = round(time.perf_counter() - t0, 2)

    t0 = time.perf_counter()
    plan = billing.plan_run(big, jan)
    out["plan_s"] = round(time.perf_counter() - t0, 2)
    out["bills"], out["lines"] = len(plan.bills), plan.line_count
    del plan

    t0 = time.perf_counter()
    run = services.run_billing(big, jan, actor=user)
    out["run_s"] = round(time.perf_counter() - t0, 2)
    out["total"] = str(run.total)
    out["bills_per_s"] = round(run.bill_count / out["run_s"])

    if naive:
        small = community_with("naive", naive)
        plan = billing.plan_run(small, jan)
        numbers = ledger.reserve_numbers(small, "NV", len(plan.bills))
        t0 = time.perf_counter()
        with transaction.atomic():
            for planned, number in zip(plan.bills, numbers, strict=True):
                bill = Bill(community=small, number=number, unit_id=planned.unit_id, period_start=jan,
                            period_end=plan.period_end, issued_on=jan, due_on=jan,
                            amount=planned.amount, digest="0" * 64)
                bill.save()
                for x in planned.lines:
                    data = x.result.calculation
                    calc, _new = Calculation.objects.get_or_create(
                        community=small, digest=hashlib.sha256(billing.fast_canonical(data)).hexdigest(),
                        defaults={"data": data})
                    BillLine(community=small, bill=bill, fee_item=x.fee_item, unit_id=planned.unit_id,
                             period_start=x.start, period_end=x.end, quantity=x.result.quantity,
                             price=x.result.price, amount=x.result.amount, calc=calc).save()
        elapsed = time.perf_counter() - t0
        out["naive_units"] = naive
        out["naive_s"] = round(elapsed, 2)
        out["naive_extrapolated_s"] = round(elapsed * units / naive, 1)
    if months > 1:
        out.update(my_bills(big, user, months, owners))
    return out


def my_bills(community, user, months: int, owners: int) -> dict:
    """Bills ``months`` months in all, gives ``owners`` random units an owner with an account
    (some paying part of what they owe), then times GET /finance/my/ for each owner."""
    import datetime as dt
    import random
    import statistics

    from django.test import Client

    from sunlit.core.choices import Role
    from sunlit.core.models import Membership, Person, User
    from sunlit.finance.billing import services
    from sunlit.finance.books import calc
    from sunlit.finance.payments import services as payments
    from sunlit.registry.models import Ownership, Unit

    t0 = time.perf_counter()
    for n in range(1, months):
        period = calc.add_months(dt.date(2026, 1, 1), n)
        services.record_readings(community, actor=user, period_start=period, read_on=period,
                                 readings=[(community_meter(community), "0", str(units_of(community) * 3))])
        services.run_billing(community, period, actor=user)
    billed_s = time.perf_counter() - t0
    rng = random.Random(7)
    ids = rng.sample(list(Unit.objects.in_community(community).values_list("id", flat=True)), owners)
    people = []
    for n, unit in enumerate(Unit.objects.filter(pk__in=ids).select_related("community", "building")):
        account = User.objects.create(username=f"bench-owner-{n}", display_name=f"业主{n}")
        Membership.objects.create(user=account, community=community, role=Role.OWNER)
        person = Person.objects.create(community=community, name=f"业主{n}", user=account)
        Ownership.objects.create(community=community, unit=unit, person=person, start=dt.date(2020, 1, 1))
        if n % 2:
            payments.receive_payment(unit, actor=user, amount="1000.00", method="cash")
        people.append(account)
    client, times = Client(), []
    for account in people:
        client.force_login(account)
        started = time.perf_counter()
        answer = client.get("/finance/my/")
        times.append(time.perf_counter() - started)
        assert answer.status_code == 200
    times.sort()
    from sunlit.finance.models import Bill, BillLine

    return {"months": months, "bills_total": Bill.objects.count(), "lines_total": BillLine.objects.count(),
            "billing_months_s": round(billed_s, 1),
            "my_bills_median_ms": round(statistics.median(times) * 1000, 1),
            "my_bills_p95_ms": round(times[int(len(times) * 0.95) - 1] * 1000, 1), "owners": owners}


def community_meter(community):
    from sunlit.finance.models import Meter

    return Meter.objects.in_community(community).get(unit__isnull=True)


def units_of(community) -> int:
    from sunlit.registry.models import Unit

    return Unit.objects.in_community(community).count()


class Postgres:
    def __init__(self, url: str):
        parts = urlsplit(url)
        self.name = f"sunlit_billbench_{os.getpid()}"
        self.admin = urlunsplit(parts._replace(path="/postgres"))
        self.url = urlunsplit(parts._replace(path=f"/{self.name}"))

    def psql(self, sql: str) -> str:
        return subprocess.run(["psql", self.admin, "-v", "ON_ERROR_STOP=1", "-qtAc", sql],
                              check=True, capture_output=True, text=True).stdout.strip()

    def __enter__(self):
        self.psql(f"DROP DATABASE IF EXISTS {self.name}")
        self.psql(f"CREATE DATABASE {self.name}")
        return self

    def __exit__(self, *exc):
        self.psql(f"DROP DATABASE IF EXISTS {self.name} WITH (FORCE)")


def spawn(units: int, naive: int, database_url: str | None, months: int = 0) -> dict:
    data_dir = tempfile.mkdtemp(prefix="sunlit-billbench-")
    env = {**os.environ, "SUNLIT_DATA_DIR": data_dir, "DJANGO_SETTINGS_MODULE": "sunlit.settings"}
    env.pop("DATABASE_URL", None)
    if database_url:
        env["DATABASE_URL"] = database_url
    try:
        got = subprocess.run([sys.executable, __file__, "--child", "--units", str(units), "--naive",
                              str(naive), "--months", str(months)],
                             env=env, capture_output=True, text=True, check=False)
    finally:
        shutil.rmtree(data_dir, ignore_errors=True)  # the SQLite file of 24 months is gigabytes
    if got.returncode:
        sys.stderr.write(got.stderr)
        raise SystemExit(got.returncode)
    return json.loads(got.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    parser.add_argument("--units", type=int, default=100_000)
    parser.add_argument("--naive", type=int, default=5_000, help="units written one save() at a time")
    parser.add_argument("--postgres", default=os.environ.get("DATABASE_URL", ""),
                        help="a PostgreSQL server URL (a scratch database is created there)")
    parser.add_argument("--only", choices=["sqlite", "postgres"])
    parser.add_argument("--months", type=int, default=0,
                        help="also bill this many months in all (24 in the issue) and time the owners' "
                             "\"my bills\" page (median, p95)")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(child(args.units, args.naive, args.months)))
        return
    results = []
    if args.only != "postgres":
        results.append(("SQLite", spawn(args.units, args.naive, None, args.months)))
    if args.postgres and args.only != "sqlite":
        with Postgres(args.postgres) as pg:
            results.append(("PostgreSQL", spawn(args.units, args.naive, pg.url, args.months)))
    print(f"Billing run, {args.units:,} units × 3 fee items · {platform.machine()} · "
          f"{os.cpu_count()} CPU · Python {platform.python_version()}\n")
    print("| database | bills | lines | plan | run (bulk) | bills/s | naive save() loop "
          "| naive, extrapolated |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|")
    for name, r in results:
        naive = (f"{r['naive_s']} s for {r['naive_units']:,}" if "naive_s" in r else "-")
        print(f"| {name} | {r['bills']:,} | {r['lines']:,} | {r['plan_s']} s | **{r['run_s']} s** "
              f"| {r['bills_per_s']:,} | {naive} | {r.get('naive_extrapolated_s', '-')} s |")
    if args.months > 1:
        print(f"\n\"My bills\" page with {args.months} months billed:\n")
        print("| database | bills | lines | billing the months | page median | page p95 |")
        print("|---|---:|---:|---:|---:|---:|")
        for name, r in results:
            print(f"| {name} | {r['bills_total']:,} | {r['lines_total']:,} | {r['billing_months_s']} s "
                  f"| {r['my_bills_median_ms']} ms | {r['my_bills_p95_ms']} ms |")
    out = ROOT / "bench" / "out"
    out.mkdir(exist_ok=True)
    path = out / f"billing_run-{time.strftime('%Y%m%d-%H%M%S')}.json"
    path.write_text(json.dumps(dict(results), indent=2), encoding="utf-8")
    print(f"\nraw: {path.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
