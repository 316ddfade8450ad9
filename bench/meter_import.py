#!/usr/bin/env python3
"""Benchmark of a meter-reading import: 10,000 water readings from one file, on SQLite.

    .venv/bin/python bench/meter_import.py                     # 10,000 readings, .xlsx and .csv
    .venv/bin/python bench/meter_import.py --rows 20000 --postgres postgresql://postgres@127.0.0.1:5432/postgres

In a throw-away data directory (and, with ``--postgres``, a scratch database created and dropped)
it migrates, bulk-creates ``--rows`` homes with a water meter each (meter number ``W-000001`` …)
and a reading of the previous month, writes the month's readings as an Excel workbook and as a
CSV, and times for each file:

1. ``stage``: reading the file, checking every row against the community's meters, units and
   readings, and keeping the import for the preview (``meter_import.stage_meter_import``);
2. ``commit``: the second check and every reading written through ``services.record_readings``,
   with the import's log event, in one transaction (``meter_import.commit_meter_import``).

The readings of the first file are deleted (in SQL) before the second file is imported, so
both import the same month onto the same meters. Prints a Markdown table.
"""

from __future__ import annotations

import argparse
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


def child(rows: int) -> dict:
    import csv
    import datetime as dt
    import io

    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "sunlit.settings")
    django.setup()
    from django.core.management import call_command
    from django.db import connection, transaction
    from openpyxl import Workbook

    call_command("migrate", verbosity=0)
    from sunlit.core.bulk import bulk_insert
    from sunlit.core.choices import Role
    from sunlit.core.models import Community, Membership, Organization, User
    from sunlit.core.permissions import forget_roles
    from sunlit.finance.books import ledger
    from sunlit.finance.charges import meter_import
    from sunlit.finance.models import Meter, MeterReading
    from sunlit.registry.models import Building, Unit

    jan, feb = dt.date(2026, 1, 1), dt.date(2026, 2, 1)
    org = Organization.objects.create(name="基准物业")
    user = User.objects.create(username="bench-finance")
    community = Community.objects.create(organization=org, name="抄表基准", code="meterbench")
    Membership.objects.create(user=user, community=community, role=Role.FINANCE)
    forget_roles(user)
    with transaction.atomic():
        ledger.open_books(community, actor=user)
        buildings = [Building(community_id=community.pk, name=f"{b + 1}号楼", floors=25)
                     for b in range((rows + 99) // 100)]
        bulk_insert(Building, buildings)
        units = [Unit(community_id=community.pk, building_id=buildings[i // 100].pk, entrance="1",
                      number=f"{(i % 100) // 4 + 1}{i % 4 + 1:02d}", floor=(i % 100) // 4 + 1, area=89)
                 for i in range(rows)]
        bulk_insert(Unit, units)
        unit_ids = list(Unit.objects.filter(community=community).order_by("id").values_list("id", flat=True))
        meters = [Meter(community_id=community.pk, kind="water", unit_id=u, number=f"W-{n + 1:06d}")
                  for n, u in enumerate(unit_ids)]
        bulk_insert(Meter, meters)
        meter_ids = list(Meter.objects.filter(community=community).order_by("id")
                         .values_list("id", flat=True))
        bulk_insert(MeterReading, [
            MeterReading(community_id=community.pk, meter_id=m, period_start=jan, previous=0,
                         current=100 + n % 50, read_on=dt.date(2026, 1, 31), entered_by_id=user.pk)
            for n, m in enumerate(meter_ids)])
    table = [(f"W-{n + 1:06d}", 100 + n % 50 + 5 + n % 17, "2026-02-27") for n in range(rows)]
    book = Workbook(write_only=True)
    sheet = book.create_sheet("抄表")
    sheet.append(["表号", "本期读数", "抄表日期"])
    for number, current, day in table:
        sheet.append([number, current, dt.date.fromisoformat(day)])
    buffer = io.BytesIO()
    book.save(buffer)
    xlsx = buffer.getvalue()
    text = io.StringIO()
    writer = csv.writer(text)
    writer.writerow(["表号", "本期读数", "抄表日期"])
    writer.writerows(table)
    files = {"xlsx": xlsx, "csv": text.getvalue().encode("utf-8")}
    out = {"rows": rows, "database": connection.vendor}
    for name, data in files.items():
        MeterReading.objects.filter(period_start=feb).delete()
        started = time.perf_counter()
        staged = meter_import.stage_meter_import(community, actor=user, kind="water", period_start=feb,
                                                 filename=f"feb.{name}", data=data)
        staged_s = time.perf_counter() - started
        assert not staged.errors, staged.errors[:3]
        started = time.perf_counter()
        meter_import.commit_meter_import(staged, actor=user)
        commit_s = time.perf_counter() - started
        assert MeterReading.objects.filter(period_start=feb).count() == rows
        out[name] = {"bytes": len(data), "stage_s": round(staged_s, 2), "commit_s": round(commit_s, 2),
                     "total_s": round(staged_s + commit_s, 2),
                     "rows_per_s": round(rows / (staged_s + commit_s))}
    return out


class Postgres:
    """A scratch database on the server of ``url``, dropped afterwards."""

    def __init__(self, url: str):
        self.server = url
        self.name = f"sunlit_meterbench_{os.getpid()}"
        parts = urlsplit(url)
        self.url = urlunsplit(parts._replace(path=f"/{self.name}"))

    def _psql(self, sql: str) -> None:
        subprocess.run(["psql", self.server, "-q", "-c", sql], check=True)

    def __enter__(self):
        self._psql(f'CREATE DATABASE "{self.name}"')
        return self

    def __exit__(self, *exc):
        self._psql(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')


def spawn(rows: int, database_url: str | None) -> dict:
    data_dir = tempfile.mkdtemp(prefix="sunlit-meterbench-")
    env = {**os.environ, "SUNLIT_DATA_DIR": data_dir, "DJANGO_SETTINGS_MODULE": "sunlit.settings"}
    env.pop("DATABASE_URL", None)
    if database_url:
        env["DATABASE_URL"] = database_url
    try:
        got = subprocess.run([sys.executable, __file__, "--child", "--rows", str(rows)], env=env,
                             capture_output=True, text=True, check=False)
    finally:
        shutil.rmtree(data_dir, ignore_errors=True)
    if got.returncode:
        sys.stderr.write(got.stderr)
        raise SystemExit(got.returncode)
    return json.loads(got.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    parser.add_argument("--rows", type=int, default=10_000)
    parser.add_argument("--postgres", default="", help="a PostgreSQL server URL (a scratch database is made)")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(child(args.rows)))
        return
    results = [("SQLite", spawn(args.rows, None))]
    if args.postgres:
        with Postgres(args.postgres) as pg:
            results.append(("PostgreSQL", spawn(args.rows, pg.url)))
    print(f"Meter-reading import, {args.rows:,} readings · {platform.machine()} · {os.cpu_count()} CPU · "
          f"Python {platform.python_version()}\n")
    print("| database | file | size | check + stage (preview) | commit | total | readings/s |")
    print("|---|---|---:|---:|---:|---:|---:|")
    for name, r in results:
        for kind in ("xlsx", "csv"):
            x = r[kind]
            print(f"| {name} | .{kind} | {x['bytes'] / 1024:,.0f} KB | {x['stage_s']} s | {x['commit_s']} s "
                  f"| **{x['total_s']} s** | {x['rows_per_s']:,} |")


if __name__ == "__main__":
    main()
