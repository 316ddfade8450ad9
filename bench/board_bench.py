"""Board: generation time for one week of a community whose history holds 1,000,000 tickets.

    .venv/bin/python bench/board_bench.py --postgres postgresql://postgres@127.0.0.1:5432/postgres
    .venv/bin/python bench/board_bench.py --tickets 100000          # SQLite, smaller

Starts from a throw-away data directory (and a throw-away PostgreSQL database
``sunlit_bench_board_<pid>``), migrates, makes one community with the default categories, a
department, 20 staff and 2,000 owners on the roster, and bulk-inserts ``--tickets`` tickets
spread over three years (``--open`` of them still open, the rest closed with ``closed_at``). The last
complete week gets ``--week-tickets`` realistic tickets with timelines (accepted, dispatched,
resolved, rated). Then ``generation.build`` (what ``generate_board`` computes) is timed
``--repeat`` times, and ``generate_board`` + ``publish_board`` once; prints JSON.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
PYTHON = str(ROOT / ".venv" / "bin" / "python")

RUN = r'''
import datetime as dt, json, random, statistics, sys, time
import django, os
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "sunlit.settings")
django.setup()
from django.core.management import call_command
from django.db import connection
from django.utils import timezone
call_command("migrate", verbosity=0)
from sunlit.board import generation, services
from sunlit.core.choices import DepartmentKind, PersonKind, Role
from sunlit.core.models import Community, Department, Membership, Organization, Person, User
from sunlit.registry.models import Building, Unit
from sunlit.tickets import services as tickets
from sunlit.tickets.models import Category, Ticket, TicketEvent

n, week_n, repeat, open_n = (int(a) for a in sys.argv[1:5])
rng = random.Random(7)
org = Organization.objects.create(name="基准物业")
community = Community.objects.create(organization=org, name="基准小区", code="bench")
tickets.create_default_categories(community, actor=None)
cats = list(Category.objects.in_community(community))
eng = Department.objects.create(community=community, kind=DepartmentKind.ENGINEERING, name="工程部")
staff = []
for i in range(20):
    user = User.objects.create_user(username=f"staff{i}", password="x", display_name=f"员工{i}")
    staff.append(Membership.objects.create(user=user, community=community, role=Role.TECHNICIAN,
                                           department=eng, job_number=f"G{i:03d}"))
manager = User.objects.create_user(username="mgr", password="x", display_name="经理")
Membership.objects.create(user=manager, community=community, role=Role.MANAGER)
buildings = [Building.objects.create(community=community, name=f"{b}号楼") for b in range(1, 21)]
units = Unit.objects.bulk_create([Unit(community=community, building=b, entrance="1", floor=f,
                                       number=f"{f}{r:02d}", area=89)
                                  for b in buildings for f in range(1, 21) for r in range(1, 6)])
surnames, given = "王李张刘陈杨赵黄周吴", "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平"
Person.objects.bulk_create([Person(community=community, kind=PersonKind.NATURAL,
                                   name=rng.choice(surnames) + rng.choice(given) + rng.choice(given))
                            for _ in range(2000)])
now = timezone.now()
week = generation.last_complete_week(now)
start, end = generation.week_bounds(week)

started = time.perf_counter()
batch, made = [], 0
for i in range(n):
    cat = rng.choice(cats)
    created = start - dt.timedelta(minutes=rng.randint(60, 3 * 365 * 24 * 60))
    is_open = rng.random() < open_n / n
    status = rng.choice(["dispatched", "on_site", "suspended", "resolved"]) if is_open else \
        rng.choice(["archived"] * 8 + ["withdrawn", "unresolvable"])
    closed = None if is_open else created + dt.timedelta(hours=rng.randint(1, 200))
    in_home = rng.random() < 0.5
    batch.append(Ticket(
        community=community, number=f"H{i:08d}", kind=cat.kind, category=cat,
        priority=cat.default_priority, status=status, title="历史工单", description="基准测试数据",
        created_at=created, updated_at=created, closed_at=closed,
        accepted_at=created + dt.timedelta(minutes=20), resolved_at=closed,
        unit=rng.choice(units) if in_home else None,
        building=None if in_home else rng.choice(buildings),
        location_text="" if in_home else "楼道", assignee=rng.choice(staff),
        due_accept=created + dt.timedelta(minutes=30), due_resolve=created + dt.timedelta(days=3),
        met_accept=True, met_resolve=None if is_open else rng.random() < 0.85,
        rating=rng.choice([None, 3, 4, 5])))
    if len(batch) == 5000:
        Ticket.objects.bulk_create(batch)
        made += len(batch)
        batch = []
Ticket.objects.bulk_create(batch)
fill_seconds = time.perf_counter() - started

# the week itself: real tickets through the services, with timelines
owners = list(Person.objects.in_community(community)[:week_n])
for i in range(week_n):
    at = start + dt.timedelta(minutes=rng.randint(0, 7 * 24 * 60 - 600))
    cat = rng.choice([c for c in cats if c.kind == "repair"])
    t = tickets.submit_ticket(community, actor=manager, kind="repair", category=cat, title="水管漏水",
                              description=f"联系电话 138{rng.randint(10000000, 99999999)}，3-2-1502",
                              building=rng.choice(buildings), location_text="楼道", now=at,
                              reporter=owners[i], channel="phone")
    if i % 4:
        tickets.accept_ticket(t, actor=manager, now=at + dt.timedelta(minutes=rng.randint(3, 60)))
        tickets.dispatch_ticket(t, to=rng.choice(staff), actor=manager, now=at + dt.timedelta(minutes=70))
    if i % 4 == 1:
        tickets.arrive_ticket(t, actor=manager, now=at + dt.timedelta(minutes=100))
        tickets.resolve_ticket(t, actor=manager, note="已处理", now=at + dt.timedelta(minutes=200))
if connection.vendor == "postgresql":
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")

if os.environ.get("BOARD_BENCH_PROFILE"):
    import cProfile, pstats
    cProfile.run("generation.build(community, week)", "/tmp/board_bench.prof")
    pstats.Stats("/tmp/board_bench.prof").sort_stats("cumulative").print_stats(25)
timings = []
for _ in range(repeat):
    t0 = time.perf_counter()
    built = generation.build(community, week)
    timings.append(time.perf_counter() - t0)
t0 = time.perf_counter()
board = services.generate_board(community, week, actor=manager)
board = services.publish_board(board, actor=manager)
publish_seconds = time.perf_counter() - t0
print("RESULT", json.dumps({
    "vendor": connection.vendor, "history_tickets": Ticket.objects.in_community(community).count(),
    "fill_seconds": round(fill_seconds, 1), "items": len(built.items),
    "new": built.header["stats"]["new"], "carried": built.header["stats"]["carried"],
    "build_median_ms": round(statistics.median(timings) * 1000),
    "build_max_ms": round(max(timings) * 1000),
    "generate_and_publish_ms": round(publish_seconds * 1000)}))
'''


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--postgres", help="PostgreSQL server URL (a scratch database is made)")
    parser.add_argument("--tickets", type=int, default=1_000_000)
    parser.add_argument("--week-tickets", type=int, default=200)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--profile", action="store_true", help="print a cProfile of one build")
    parser.add_argument("--open", type=int, default=300, help="history tickets still open (老问题)")
    args = parser.parse_args()
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL")}
    data_dir = tempfile.mkdtemp(prefix="sunlit-bench-board-")
    env.update(SUNLIT_DATA_DIR=data_dir, PYTHONUNBUFFERED="1", SUNLIT_LOG_LEVEL="ERROR")
    if args.profile:
        env["BOARD_BENCH_PROFILE"] = "1"
    scratch = None
    if args.postgres:
        import psycopg

        scratch = f"sunlit_bench_board_{os.getpid()}"
        with psycopg.connect(args.postgres, autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{scratch}"')
        parts = urlsplit(args.postgres)
        env["DATABASE_URL"] = urlunsplit(parts._replace(path=f"/{scratch}"))
    try:
        done = subprocess.run([PYTHON, "-c", RUN, str(args.tickets), str(args.week_tickets),
                               str(args.repeat), str(args.open)],
                              cwd=ROOT, env=env, capture_output=True, text=True, check=False)
        if done.returncode:
            sys.exit(done.stdout[-3000:] + done.stderr[-3000:])
        profile, result = done.stdout.split("RESULT", 1)
        if args.profile:
            print(profile[-6000:])
        result = json.loads(result)
        print(json.dumps(result, ensure_ascii=False, indent=2))
    finally:
        if scratch:
            import psycopg

            with psycopg.connect(args.postgres, autocommit=True) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{scratch}" WITH (FORCE)')


if __name__ == "__main__":
    main()
