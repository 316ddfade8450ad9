"""Benchmarks of the demo data set; the numbers go into docs/performance.md.

    .venv/bin/python bench/demo_load.py                    # everything below
    .venv/bin/python bench/demo_load.py --only serve       # just `sunlit demo` until it serves
    .venv/bin/python bench/demo_load.py --units 20000      # a quicker large load
    .venv/bin/python bench/demo_load.py --postgres postgresql://postgres@127.0.0.1:5432/postgres

Measures, each in a fresh data directory (and a throw-away PostgreSQL database):

- serve: wall time of `sunlit demo --port P` from an empty database until GET /login/ answers
  200 (migrate + load 明强小区 + start worker and server); then SIGTERM, and a check that the
  worker process it started is gone.
- large: `sunlit demo --load-only --units N` (default 100,000) wall time and the load time the
  command reports, with units per second.

PostgreSQL runs when ``--postgres`` or ``DATABASE_URL`` names a server: the benchmark creates
``sunlit_bench_<pid>`` there with psql (the URL's user must be allowed to) and drops it after.
Results are printed as a table and written to bench/out/demo_load-<time>.json.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import platform
import re
import signal
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
SUNLIT = [sys.executable, "-m", "sunlit.cli"]
LOAD_RE = re.compile(r"用时 ([\d.]+) 秒.*?数据库迁移 ([\d.]+) 秒")
WORKER_RE = re.compile(r"后台任务进程已启动（pid (\d+)）")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def child_env(data_dir: str, database_url: str | None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL")}
    env["SUNLIT_DATA_DIR"] = data_dir
    env["PYTHONUNBUFFERED"] = "1"
    if database_url:
        env["DATABASE_URL"] = database_url
    return env


def parse_load(output: str) -> tuple[float | None, float | None]:
    match = LOAD_RE.search(output)
    return (float(match.group(1)), float(match.group(2))) if match else (None, None)


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    try:  # a zombie waiting for its parent counts as gone
        return Path(f"/proc/{pid}/stat").read_text().split()[2] != "Z"
    except OSError:
        return False


def bench_serve(database_url: str | None, timeout: float = 300) -> dict:
    """`sunlit demo` from an empty database until /login/ answers 200."""
    with tempfile.TemporaryDirectory(prefix="sunlit-bench-") as data_dir:
        port = free_port()
        log = Path(data_dir) / "demo.log"
        with log.open("w") as out:
            started = time.perf_counter()
            proc = subprocess.Popen([*SUNLIT, "demo", "--port", str(port)], cwd=ROOT,
                                    env=child_env(data_dir, database_url), stdout=out,
                                    stderr=subprocess.STDOUT)
            url = f"http://127.0.0.1:{port}/login/"
            serving = None
            try:
                while time.perf_counter() - started < timeout:
                    if proc.poll() is not None:
                        raise RuntimeError(f"sunlit demo exited early:\n{log.read_text()}")
                    try:
                        with urllib.request.urlopen(url, timeout=2) as response:
                            if response.status == 200:
                                serving = time.perf_counter() - started
                                break
                    except (urllib.error.URLError, ConnectionError, TimeoutError):
                        pass
                    time.sleep(0.05)
                else:
                    raise RuntimeError(f"no answer from {url} within {timeout} s")
            finally:
                proc.send_signal(signal.SIGTERM)
                try:
                    proc.wait(timeout=20)
                except subprocess.TimeoutExpired:
                    proc.kill()
                    proc.wait()
        output = log.read_text()
        load, migrate = parse_load(output)
        worker = WORKER_RE.search(output)
        worker_pid = int(worker.group(1)) if worker else None
        deadline = time.monotonic() + 10
        while worker_pid and alive(worker_pid) and time.monotonic() < deadline:
            time.sleep(0.1)
        return {"seconds": round(serving, 2), "load_seconds": load, "migrate_seconds": migrate,
                "worker_started": worker_pid is not None,
                "worker_stopped": worker_pid is not None and not alive(worker_pid)}


def bench_large(units: int, database_url: str | None) -> dict:
    """`sunlit demo --load-only --units N` from an empty database."""
    with tempfile.TemporaryDirectory(prefix="sunlit-bench-") as data_dir:
        started = time.perf_counter()
        done = subprocess.run([*SUNLIT, "demo", "--load-only", "--units", str(units)], cwd=ROOT,
                              env=child_env(data_dir, database_url), capture_output=True,
                              text=True, check=False)
        wall = time.perf_counter() - started
        if done.returncode:
            raise RuntimeError(f"sunlit demo failed:\n{done.stdout}\n{done.stderr}")
        load, migrate = parse_load(done.stdout)
        persons = re.search(r"人员档案 ([\d,]+) 人", done.stdout)
        return {"units": units, "seconds": round(wall, 2), "load_seconds": load,
                "migrate_seconds": migrate,
                "units_per_second": round(units / load) if load else None,
                "persons": int(persons.group(1).replace(",", "")) if persons else None}


class Postgres:
    """A throw-away database on the server of ``url`` (created and dropped with psql)."""

    def __init__(self, url: str):
        parts = urlsplit(url)
        self.admin = urlunsplit(parts._replace(path="/postgres"))
        self.name = f"sunlit_bench_{os.getpid()}"
        self.url = urlunsplit(parts._replace(path=f"/{self.name}"))

    def psql(self, sql: str) -> str:
        return subprocess.run(["psql", self.admin, "-v", "ON_ERROR_STOP=1", "-qtAc", sql],
                              capture_output=True, text=True, check=True).stdout.strip()

    def __enter__(self) -> Postgres:
        self.psql(f"DROP DATABASE IF EXISTS {self.name}")
        self.psql(f"CREATE DATABASE {self.name}")
        return self

    def __exit__(self, *exc) -> None:
        self.psql(f"DROP DATABASE IF EXISTS {self.name} WITH (FORCE)")

    def version(self) -> str:
        return self.psql("SHOW server_version")


def machine() -> dict:
    cpu = ""
    with contextlib.suppress(OSError, StopIteration):
        cpu = next(line.split(":", 1)[1].strip()
                   for line in Path("/proc/cpuinfo").read_text().splitlines()
                   if line.startswith("model name"))
    return {"date": time.strftime("%Y-%m-%d"), "cpus": os.cpu_count(), "cpu": cpu,
            "python": platform.python_version(), "sqlite": sqlite3.sqlite_version,
            "system": f"{platform.system()} {platform.release()}"}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--units", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=3, help="runs of the serve benchmark")
    parser.add_argument("--only", choices=["serve", "large"])
    parser.add_argument("--postgres", default=os.environ.get("DATABASE_URL", ""),
                        help="a PostgreSQL URL (its server gets a throw-away database)")
    args = parser.parse_args()

    info = machine()
    backends: list[tuple[str, str | None]] = [("SQLite", None)]
    if args.postgres:
        backends.append(("PostgreSQL", args.postgres))
    results = []
    for backend, url in backends:
        for kind in ("serve", "large"):
            if args.only and args.only != kind:
                continue
            runs = []
            for _ in range(args.repeat if kind == "serve" else 1):
                if url:
                    with Postgres(url) as pg:
                        info["postgres"] = pg.version()
                        runs.append(bench_serve(pg.url) if kind == "serve"
                                    else bench_large(args.units, pg.url))
                else:
                    runs.append(bench_serve(None) if kind == "serve"
                                else bench_large(args.units, None))
                print(f"  {backend:<10} {kind:<5} {runs[-1]}", file=sys.stderr)
            best = min(runs, key=lambda r: r["seconds"])
            row = {"backend": backend, "kind": kind, **best,
                   "median_seconds": round(statistics.median(r["seconds"] for r in runs), 2),
                   "runs": len(runs)}
            results.append(row)

    print()
    print(f"{info['date']} · {info['cpus']} CPU ({info['cpu']}) · Python {info['python']} · "
          f"SQLite {info['sqlite']}" + (f" · PostgreSQL {info['postgres']}" if "postgres" in info
                                        else ""))
    print()
    print("| benchmark | database | wall time (s) | load (s) | migrate (s) | units/s |")
    print("|---|---|---:|---:|---:|---:|")
    for r in results:
        if r["kind"] == "serve":
            name = f"`sunlit demo` empty DB → /login/ 200 (median of {r['runs']})"
            wall = r["median_seconds"]
            rate = round(1200 / r["load_seconds"]) if r["load_seconds"] else ""
        else:
            name = f"`sunlit demo --load-only --units {r['units']:,}`"
            wall, rate = r["seconds"], f"{r['units_per_second']:,}"
        print(f"| {name} | {r['backend']} | {wall} | {r['load_seconds']} | "
              f"{r['migrate_seconds']} | {rate} |")
    serve_rows = [r for r in results if r["kind"] == "serve"]
    if serve_rows and not all(r["worker_stopped"] for r in serve_rows):
        print("\nWARNING: a worker process outlived `sunlit demo`", file=sys.stderr)

    out = ROOT / "bench" / "out"
    out.mkdir(exist_ok=True)
    path = out / f"demo_load-{time.strftime('%Y%m%d-%H%M%S')}.json"
    path.write_text(json.dumps({"machine": info, "results": results}, ensure_ascii=False,
                               indent=2), encoding="utf-8")
    print(f"\n(written to {path.relative_to(ROOT)})")


if __name__ == "__main__":
    main()
