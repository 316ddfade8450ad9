"""Tickets: submissions per second through HTTP, and the staff queue page at 100,000 tickets.

    .venv/bin/python bench/tickets_bench.py --postgres postgresql://postgres@127.0.0.1:5432/postgres
    .venv/bin/python bench/tickets_bench.py                      # SQLite
    .venv/bin/python bench/tickets_bench.py --seconds 20 --clients 8 --tickets 100000

Starts from a throw-away data directory (and a throw-away PostgreSQL database
``sunlit_bench_tickets_<pid>``), loads the demo community 明强小区, and serves it with
``sunlit serve`` (waitress, 8 threads) on a free port.

1. **submit**: ``--clients`` threads POST ``/api/v1/tickets`` with the demo owner's API token
   for ``--seconds`` seconds, each request with its own ``Idempotency-Key`` — every submission
   runs the whole service: validation, SLA due times, the ticket number sequence, the timeline,
   the audit trail, a transparency-log leaf and the in-app notifications. Prints accepted
   submissions per second and the latency p50/p95. The clients run on the same machine and
   take CPU from the server, so this is a lower bound.
2. **queue**: bulk-inserts ``--tickets`` more tickets into the community (mostly closed history,
   about 8 % open, spread over categories, buildings and due times), ``ANALYZE``s, logs in as
   demo-dispatcher and times ``GET /tickets/queue/`` (the default view, sorted by next due time)
   and filtered views ``--repeat`` times each; prints median and p95.
"""

from __future__ import annotations

import argparse
import http.cookiejar
import json
import os
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
import uuid
from pathlib import Path
from urllib.parse import urlencode, urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
SUNLIT = [str(ROOT / ".venv" / "bin" / "sunlit")]
PYTHON = str(ROOT / ".venv" / "bin" / "python")

SETUP = r'''
import random, datetime as dt
from django.utils import timezone
from sunlit.core.models import Community, User
from sunlit.core.services import create_api_token
owner = User.objects.get(username="demo-owner")
print("TOKEN", create_api_token(owner, name="bench", valid_days=1))
'''

UNIT_AND_CATEGORY = r'''
import json
from sunlit.core.models import User
from sunlit.registry.models import Unit
from sunlit.tickets.models import Category
unit = Unit.objects.of_user(User.objects.get(username="demo-owner")).order_by("pk").first()
category = Category.objects.in_community(unit.community_id).get(kind="repair", name="其他")
print(json.dumps([unit.pk, category.pk, unit.community_id]))
'''

FILL = r'''
import random, datetime as dt, sys, time
from django.db import connection
from django.utils import timezone
from sunlit.core.models import Community, Membership, User
from sunlit.registry.models import Building, Unit
from sunlit.tickets.models import Category, Ticket
n = int(sys.argv[1])
community = Community.objects.get(code="mingqiang")
cats = list(Category.objects.in_community(community))
buildings = list(Building.objects.in_community(community))
units = list(Unit.objects.in_community(community).values_list("pk", flat=True)[:1000])
staff = list(Membership.objects.in_community(community).staff())
rng = random.Random(7)
now = timezone.now()
open_states = ["pending", "accepted", "dispatched", "on_site", "suspended", "resolved", "reopened"]
started = time.perf_counter()
batch = []
for i in range(n):
    cat = rng.choice(cats)
    created = now - dt.timedelta(minutes=rng.randint(0, 3 * 365 * 24 * 60))
    is_open = rng.random() < 0.08
    closed = ["archived"] * 8 + ["withdrawn", "unresolvable"]
    status = rng.choice(open_states) if is_open else rng.choice(closed)
    in_home = rng.random() < 0.5
    batch.append(Ticket(
        community=community, number=f"B{i:08d}", kind=cat.kind, category=cat, priority=cat.default_priority,
        status=status, title="批量工单", description="基准测试数据", created_at=created, updated_at=created,
        unit_id=rng.choice(units) if in_home else None,
        building=None if in_home else rng.choice(buildings), location_text="" if in_home else "公共区域",
        assignee=rng.choice(staff) if status not in ("pending", "accepted") else None,
        due_accept=created + dt.timedelta(minutes=30), due_arrive=created + dt.timedelta(hours=2),
        due_resolve=created + dt.timedelta(days=3),
        met_accept=None if status == "pending" else True,
        met_arrive=None if is_open else rng.random() < 0.9,
        met_resolve=None if is_open else rng.random() < 0.85,
        paused_at=created if status == "suspended" else None))
    if len(batch) == 5000:
        Ticket.objects.bulk_create(batch)
        batch = []
Ticket.objects.bulk_create(batch)
if connection.vendor == "postgresql":
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
print("FILLED", Ticket.objects.in_community(community).count(), round(time.perf_counter() - started, 1))
'''


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def env_for(data_dir: str, database_url: str | None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL")}
    env.update(SUNLIT_DATA_DIR=data_dir, PYTHONUNBUFFERED="1", SUNLIT_LOG_LEVEL="ERROR",
               SUNLIT_TICKET_HOURLY_LIMIT="0")  # one account submits hundreds here
    if database_url:
        env["DATABASE_URL"] = database_url
    return env


def django_run(code: str, env: dict, *args: str) -> str:
    script = "import django, os\nos.environ.setdefault('DJANGO_SETTINGS_MODULE', 'sunlit.settings')\n" \
             "django.setup()\n" + code
    done = subprocess.run([PYTHON, "-c", script, *args], cwd=ROOT, env=env, capture_output=True,
                          text=True, check=False)
    if done.returncode:
        raise RuntimeError(done.stdout + done.stderr)
    return done.stdout


def pct(values: list[float], q: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, round(q * (len(values) - 1)))]


def bench_submit(base: str, token: str, unit: int, category: int, community: int,
                 clients: int, seconds: float) -> dict:
    latencies: list[float] = []
    failures: list[str] = []
    lock = threading.Lock()
    deadline = time.perf_counter() + seconds
    body = json.dumps({"community_id": community, "kind": "repair", "category_id": category,
                       "title": "厨房水管漏水", "description": "基准测试：水槽下面的水管一直滴水",
                       "unit_id": unit}).encode()

    def client():
        while time.perf_counter() < deadline:
            request = urllib.request.Request(
                f"{base}/api/v1/tickets", data=body, method="POST",
                headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json",
                         "Idempotency-Key": uuid.uuid4().hex})
            started = time.perf_counter()
            try:
                with urllib.request.urlopen(request, timeout=30) as response:
                    ok = response.status == 201
                    detail = str(response.status)
            except urllib.error.HTTPError as error:
                ok, detail = False, f"{error.code} {error.read()[:300]!r}"
            took = time.perf_counter() - started
            with lock:
                if ok:
                    latencies.append(took)
                else:
                    failures.append(detail)

    started = time.perf_counter()
    threads = [threading.Thread(target=client) for _ in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - started
    if failures and not latencies:
        raise RuntimeError(f"every submission failed, e.g. {failures[0]}")
    return {"submitted": len(latencies), "failed": len(failures), "seconds": round(elapsed, 1),
            "per_second": round(len(latencies) / elapsed, 1),
            "p50_ms": round(statistics.median(latencies) * 1000),
            "p95_ms": round(pct(latencies, 0.95) * 1000),
            "first_failure": failures[0] if failures else None}


def login(base: str, username: str, password: str) -> urllib.request.OpenerDirector:
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    page = opener.open(f"{base}/login/").read().decode()
    csrf = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
    data = urlencode({"csrfmiddlewaretoken": csrf, "username": username, "password": password})
    opener.open(urllib.request.Request(f"{base}/login/", data=data.encode(),
                                       headers={"Referer": f"{base}/login/"}))
    return opener


def bench_queue(base: str, repeat: int) -> dict:
    opener = login(base, "demo-dispatcher", "sunlit-demo-2026")
    views = {"default": "", "overdue": "?risk=overdue", "status+kind": "?status=dispatched&kind=repair",
             "page 50": "?page=50", "search": "?q=B0000123"}
    results = {}
    for name, query in views.items():
        times = []
        for i in range(repeat + 2):
            started = time.perf_counter()
            with opener.open(f"{base}/tickets/queue/{query}") as response:
                response.read()
                if response.status != 200 or "/login/" in response.url:
                    raise RuntimeError(f"queue answered {response.status} at {response.url}")
            if i >= 2:  # two warm-up requests
                times.append(time.perf_counter() - started)
        results[name] = {"p50_ms": round(statistics.median(times) * 1000),
                         "p95_ms": round(pct(times, 0.95) * 1000)}
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--postgres", help="PostgreSQL server URL (a throw-away database is made)")
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--tickets", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=20)
    args = parser.parse_args()
    database_url = args.postgres or os.environ.get("DATABASE_URL") or None
    admin_url = db_name = None
    if database_url:
        db_name = f"sunlit_bench_tickets_{os.getpid()}"
        parts = urlsplit(database_url)
        admin_url = urlunsplit(parts._replace(path="/postgres"))
        subprocess.run(["psql", admin_url, "-qc", f"CREATE DATABASE {db_name}"], check=True)
        database_url = urlunsplit(parts._replace(path=f"/{db_name}"))
    server = None
    try:
        with tempfile.TemporaryDirectory(prefix="sunlit-bench-") as data_dir:
            env = env_for(data_dir, database_url)
            subprocess.run([*SUNLIT, "demo", "--load-only"], cwd=ROOT, env=env, check=True,
                           capture_output=True)
            token = re.search(r"TOKEN (\S+)", django_run(SETUP, env)).group(1)
            port = free_port()
            server = subprocess.Popen([*SUNLIT, "serve", "--port", str(port)], cwd=ROOT, env=env,
                                      stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            base = f"http://127.0.0.1:{port}"
            for _ in range(200):
                try:
                    urllib.request.urlopen(f"{base}/login/", timeout=1).read()
                    break
                except (urllib.error.URLError, ConnectionError):
                    time.sleep(0.1)
            unit, category, community = json.loads(django_run(UNIT_AND_CATEGORY, env).strip())
            submit = bench_submit(base, token, unit, category, community, args.clients,
                                  args.seconds)
            filled = django_run(FILL, env, str(args.tickets)).strip()
            queue = bench_queue(base, args.repeat)
    finally:
        if server is not None:
            server.terminate()
            server.wait(timeout=20)
        if db_name:
            subprocess.run(["psql", admin_url, "-qc", f"DROP DATABASE IF EXISTS {db_name}"], check=False)
    database = "PostgreSQL" if database_url else "SQLite"
    print(f"## tickets on {database}")
    print(f"submissions over HTTP ({args.clients} clients, {args.seconds:g} s): "
          f"{submit['per_second']}/s, p50 {submit['p50_ms']} ms, p95 {submit['p95_ms']} ms "
          f"({submit['submitted']} accepted, {submit['failed']} failed)")
    if submit["first_failure"]:
        print(f"  first failure: {submit['first_failure']}")
    print(f"queue data: {filled}")
    print("| queue view | median | p95 |\n|---|---|---|")
    for name, row in queue.items():
        print(f"| {name} | {row['p50_ms']} ms | {row['p95_ms']} ms |")


if __name__ == "__main__":
    sys.exit(main())
