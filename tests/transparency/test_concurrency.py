"""Concurrent appends from threads and processes: no gap, no duplicate, a tree that agrees.

On PostgreSQL (``DATABASE_URL``) the worker processes append to the test database itself; on
SQLite they share a file-backed database made for the test (the test database of the suite is
in memory, which other processes cannot open).
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from django.db import connection, transaction

from sunlit.transparency import merkle, services
from sunlit.transparency.logaudit import audit_log
from sunlit.transparency.models import STORED_LEVEL, Log, LogLeaf, TreeNode
from tests.transparency.conftest import unit_event

ROOT = Path(__file__).resolve().parents[2]
PROCESSES, THREADS, EVENTS = 3, 3, 12


def _check_log(log: Log, expected: int) -> None:
    log.refresh_from_db()
    indexes = list(LogLeaf.objects.filter(log=log).order_by("index").values_list("index", flat=True))
    assert indexes == list(range(expected)) == list(range(log.size))
    hashes = [bytes(h) for h in LogLeaf.objects.filter(log=log).order_by("index")
              .values_list("leaf_hash", flat=True)]
    tree = merkle.MemoryTree(hashes)
    stored = {(lvl, i): bytes(h) for lvl, i, h in
              TreeNode.objects.filter(log=log).values_list("level", "index", "hash")}
    assert stored == {k: v for k, v in tree.nodes.items() if k[0] >= STORED_LEVEL}
    assert bytes(log.root_hash) == tree.root()
    assert audit_log(log).ok


@pytest.mark.skipif(connection.vendor == "sqlite", reason="in-memory SQLite test database: the "
                    "SQLite case runs in test_processes_append_without_gaps_or_duplicates")
def test_threads_append_without_gaps_or_duplicates(transactional_db, community, unit):
    errors = []
    barrier = threading.Barrier(6)

    def work(n):
        try:
            barrier.wait()
            for i in range(10):
                with transaction.atomic():
                    services.record_many(community, [unit_event(unit, floor=n)] * (1 + i % 3))
        except BaseException as exc:
            errors.append(exc)
        finally:
            connection.close()

    pool = [threading.Thread(target=work, args=(n,)) for n in range(6)]
    for t in pool:
        t.start()
    for t in pool:
        t.join()
    assert not errors
    _check_log(Log.objects.get(community=community), 6 * sum(1 + i % 3 for i in range(10)))


def _env(tmp_path) -> dict:
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "sunlit.settings",
           "SUNLIT_DATA_DIR": str(tmp_path), "PYTHONPATH": str(ROOT)}
    if connection.vendor == "postgresql":
        settings = connection.settings_dict
        env["DATABASE_URL"] = (f"postgresql://{settings['USER']}:{settings['PASSWORD'] or ''}@"
                               f"{settings['HOST'] or '127.0.0.1'}:{settings['PORT'] or 5432}/"
                               f"{settings['NAME']}")
    else:
        env["DATABASE_URL"] = ""
    return env


def _sunlit(env, *args) -> str:
    done = subprocess.run([sys.executable, "-m", "sunlit.cli", *args], env=env, cwd=ROOT,
                          capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    return done.stdout


SETUP = """
from sunlit.core.models import Community, Organization
org = Organization.objects.create(name="并发测试物业")
Community.objects.create(organization=org, name="并发小区", code="concurrent")
"""

CHECK = """
from sunlit.core.models import Community
from sunlit.transparency.logaudit import audit_log
from sunlit.transparency.models import Log, LogLeaf
log = Log.objects.get(community__code="concurrent")
idx = list(LogLeaf.objects.filter(log=log).order_by("index").values_list("index", flat=True))
report = audit_log(log)
print(log.size, idx == list(range(log.size)), report.ok, report.nodes_checked)
"""


def test_processes_append_without_gaps_or_duplicates(transactional_db, tmp_path, organization):
    env = _env(tmp_path)
    if connection.vendor == "sqlite":
        _sunlit(env, "migrate", "-v0")
        _sunlit(env, "shell", "-c", SETUP)
    else:
        from tests.factories import CommunityFactory

        CommunityFactory(organization=organization, code="concurrent")
    workers = [subprocess.Popen(
        [sys.executable, "-m", "tests.transparency.append_worker", "concurrent", str(THREADS),
         str(EVENTS), str(1 + p)], env=env, cwd=ROOT, stdout=subprocess.PIPE,
        stderr=subprocess.PIPE, text=True) for p in range(PROCESSES)]
    indexes = []
    for worker in workers:
        out, err = worker.communicate(timeout=300)
        assert worker.returncode == 0, err
        indexes += [int(i) for i in out.split()]
    total = PROCESSES * THREADS * EVENTS
    assert sorted(indexes) == list(range(total))  # every append got its own index
    if connection.vendor == "sqlite":
        last = _sunlit(env, "shell", "-c", CHECK).strip().splitlines()[-1]
        size, contiguous, audit_ok, nodes = last.split()
        assert (int(size), contiguous, audit_ok) == (total, "True", "True")
        assert int(nodes) == sum(total >> lvl for lvl in range(STORED_LEVEL, total.bit_length()))
    else:
        _check_log(Log.objects.get(community__code="concurrent"), total)
