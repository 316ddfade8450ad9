#!/usr/bin/env python3
"""Benchmark of the transparency log: appends per second, proof times at a million leaves.

    .venv/bin/python bench/log_bench.py                       # SQLite in a throw-away data dir
    DATABASE_URL=postgresql://postgres@127.0.0.1:5432/sunlit_dev .venv/bin/python bench/log_bench.py

With ``DATABASE_URL`` the benchmark creates a scratch database next to the given one
(``<name>_logbench``), migrates it and drops it at the end (``--keep`` keeps it). It measures:

1. single appends: one ``record()`` per transaction (the way a service records one fact);
2. batched appends: ``record_many()`` of ``--batch-size`` events per transaction — unit
   registrations (public fields only), then titles with two commitments each (two salts and
   two encrypted openings per leaf);
3. building a tree of ``--leaves`` leaves quickly (bulk inserts of precomputed leaves and nodes,
   the same rows ``record_many`` writes, without the per-event validation);
4. at that size: inclusion and consistency proofs (selector = server work, and through the
   JSON API with the test client), the root, a checkpoint signature, and optionally an audit.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlparse, urlunparse

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))


def scratch_postgres(url: str) -> tuple[str, callable]:
    """Creates ``<db>_logbench`` beside the database of ``url``; returns its URL and a dropper."""
    import psycopg
    from psycopg import sql

    parts = urlparse(url)
    name = f"{parts.path.lstrip('/') or 'sunlit'}_logbench"
    admin = urlunparse(parts._replace(path="/postgres"))
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {}").format(sql.Identifier(name)))
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))

    def drop() -> None:
        from django.db import connections

        connections.close_all()
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(sql.SQL("DROP DATABASE IF EXISTS {}").format(sql.Identifier(name)))

    return urlunparse(parts._replace(path=f"/{name}")), drop


def ms(samples: list[float]) -> str:
    samples = sorted(samples)
    p95 = samples[min(len(samples) - 1, int(len(samples) * 0.95))]
    return f"median {statistics.median(samples) * 1000:.2f} ms, p95 {p95 * 1000:.2f} ms"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    parser.add_argument("--single", type=int, default=2000, help="single appends to time")
    parser.add_argument("--batched", type=int, default=50000, help="events appended in batches")
    parser.add_argument("--batch-size", type=int, default=1000)
    parser.add_argument("--leaves", type=int, default=1_000_000, help="tree size for proofs")
    parser.add_argument("--proofs", type=int, default=200, help="proofs of each kind to time")
    parser.add_argument("--audit", action="store_true", help="also time a full audit (slow)")
    parser.add_argument("--keep", action="store_true", help="keep the scratch database")
    args = parser.parse_args()

    os.environ["DJANGO_SETTINGS_MODULE"] = "sunlit.settings"
    os.environ.setdefault("SUNLIT_DATA_DIR", tempfile.mkdtemp(prefix="sunlit-logbench-"))
    drop = None
    url = os.environ.get("DATABASE_URL", "")
    if url:
        os.environ["DATABASE_URL"], drop = scratch_postgres(url)
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection, transaction
    from django.test import Client

    try:
        call_command("migrate", verbosity=0)
        result = run(args, connection, transaction, Client)
    finally:
        if drop and not args.keep:
            drop()
    print(json.dumps(result, ensure_ascii=False, indent=2))
    return 0


def run(args, connection, transaction, Client) -> dict:
    from sunlit.core.choices import Role
    from sunlit.core.models import Community, Membership, Organization, User
    from sunlit.transparency import merkle, selectors, services, tiles
    from sunlit.transparency.logaudit import audit_log
    from sunlit.transparency.models import STORED_LEVEL, LogLeaf, TreeNode

    backend = f"{connection.vendor} {connection.Database.sqlite_version}" if \
        connection.vendor == "sqlite" else f"PostgreSQL {connection.pg_version // 10000}"
    print(f"backend: {backend}", file=sys.stderr)
    org = Organization.objects.create(name="基准测试物业")
    result: dict = {"backend": backend}

    def event(i: int) -> services.Event:
        return services.Event("roster.unit.registered", ("registry.unit", str(i % 997)), {
            "unit": f"{i % 30 + 1}号楼-1单元-{i % 3000}", "building": f"{i % 30 + 1}号楼",
            "floor": i % 33, "area": "89.50", "usage": "residential",
            "delivery_status": "delivered",
        })

    def title(i: int) -> services.Event:
        return services.Event("roster.ownership.registered", ("registry.ownership", str(i)), {
            "unit": f"{i % 30 + 1}号楼-1单元-{i % 3000}", "share": "1.0000", "start": "2015-05-01",
        }, {"owner_name": f"业主{i}", "owner_id_number": f"31010119800101{i % 10000:04d}"})

    # 1. single appends
    single = Community.objects.create(organization=org, name="单条", code="bench-single")
    start = time.perf_counter()
    for i in range(args.single):
        with transaction.atomic():
            services.record_many(single, [event(i)])
    elapsed = time.perf_counter() - start
    result["single_appends_per_s"] = round(args.single / elapsed)
    print(f"single: {result['single_appends_per_s']}/s", file=sys.stderr)

    # 2. batched appends
    batched = Community.objects.create(organization=org, name="批量", code="bench-batched")
    start = time.perf_counter()
    done = 0
    while done < args.batched:
        n = min(args.batch_size, args.batched - done)
        with transaction.atomic():
            services.record_many(batched, [event(done + i) for i in range(n)])
        done += n
    elapsed = time.perf_counter() - start
    result["batched_appends_per_s"] = round(args.batched / elapsed)
    result["batch_size"] = args.batch_size
    print(f"batched: {result['batched_appends_per_s']}/s", file=sys.stderr)

    # 2b. batched appends with commitments: titles with two private fields each (two salts,
    # two encrypted openings per leaf), as the roster import and the demo write them
    titled = Community.objects.create(organization=org, name="产权", code="bench-titles")
    start = time.perf_counter()
    done = 0
    while done < args.batched:
        n = min(args.batch_size, args.batched - done)
        with transaction.atomic():
            services.record_many(titled, [title(done + i) for i in range(n)])
        done += n
    elapsed = time.perf_counter() - start
    result["batched_with_commitments_per_s"] = round(args.batched / elapsed)
    print(f"batched with commitments: {result['batched_with_commitments_per_s']}/s", file=sys.stderr)

    # 3. a big tree, fast: precomputed canonical entries, bulk inserts of leaves and nodes
    big = Community.objects.create(organization=org, name="百万", code="bench-big")
    log = services.get_or_create_log(big)
    frontier = merkle.Frontier()
    start = time.perf_counter()
    chunk = 20000
    template = ('{{"commitments":{{}},"community":"bench-big","public":{{"area":"89.50",'
                '"building":"{b}号楼","delivery_status":"delivered","floor":{f},'
                '"unit":"{b}号楼-1单元-{i}","usage":"residential"}},'
                '"subject":{{"id":"{i}","type":"registry.unit"}},'
                '"time":"2025-05-01T09:30:00.000000+08:00","type":"roster.unit.registered"}}')
    from django.utils import timezone

    now = timezone.now()
    for first in range(0, args.leaves, chunk):
        leaves, nodes = [], []
        for i in range(first, min(first + chunk, args.leaves)):
            data = template.format(b=i % 30 + 1, f=i % 33, i=i)
            leaf_hash = merkle.leaf_hash(data.encode())
            done_nodes = frontier.append(leaf_hash)
            leaves.append(LogLeaf(community=big, log=log, index=i, data=data, leaf_hash=leaf_hash,
                                  event_type="roster.unit.registered", subject_type="registry.unit",
                                  subject_id=str(i), time=now))
            nodes += [TreeNode(community=big, log=log, level=lvl, index=j, hash=h)
                      for lvl, j, h in done_nodes[STORED_LEVEL:]]
        with transaction.atomic():
            LogLeaf.objects.bulk_create(leaves, batch_size=5000)
            TreeNode.objects.bulk_create(nodes, batch_size=5000)
        print(f"\rbuilding: {frontier.size}", end="", file=sys.stderr)
    log.size, log.root_hash, log.frontier = frontier.size, frontier.root(), frontier.to_bytes()
    log.save(update_fields=["size", "root_hash", "frontier"])
    build = time.perf_counter() - start
    result["build_leaves"] = args.leaves
    result["build_s"] = round(build, 1)
    rows = args.leaves + sum(args.leaves >> lvl for lvl in range(STORED_LEVEL, args.leaves.bit_length()))
    result["build_rows_per_s"] = round(rows / build)
    print(f"\nbuilt {args.leaves} leaves in {build:.1f} s", file=sys.stderr)

    # 4. proofs at that size
    n = args.leaves
    rng = random.Random(1)
    timings = []
    for _ in range(args.proofs):
        i = rng.randrange(n)
        t = time.perf_counter()
        proof = selectors.inclusion_proof(log, i, n)
        timings.append(time.perf_counter() - t)
    root = selectors.root_at(log, n)
    merkle.verify_inclusion(i, n, bytes(LogLeaf.objects.get(log=log, index=i).leaf_hash), proof, root)
    result["inclusion_proof"] = ms(timings)

    timings = []
    for _ in range(args.proofs):
        m = rng.randrange(1, n)
        t = time.perf_counter()
        proof = selectors.consistency_proof(log, m, n)
        timings.append(time.perf_counter() - t)
    merkle.verify_consistency(m, n, selectors.root_at(log, m), root, proof)
    result["consistency_proof"] = ms(timings)

    timings = []
    for _ in range(args.proofs):
        s = rng.randrange(1, n + 1)
        t = time.perf_counter()
        selectors.root_at(log, s)
        timings.append(time.perf_counter() - t)
    result["root_at_any_size"] = ms(timings)

    t = time.perf_counter()
    services.sign_checkpoint(log)
    result["sign_checkpoint_ms"] = round((time.perf_counter() - t) * 1000, 1)

    user = User.objects.create(username="bench-owner")
    Membership.objects.create(user=user, community=big, role=Role.OWNER)
    client = Client()
    client.force_login(user)
    client.get(f"/api/v1/logs/{big.pk}/proofs/inclusion?index=0")  # warm up (URL, schemas)
    timings = []
    for _ in range(args.proofs):
        i = rng.randrange(n)
        t = time.perf_counter()
        response = client.get(f"/api/v1/logs/{big.pk}/proofs/inclusion?index={i}")
        timings.append(time.perf_counter() - t)
        assert response.status_code == 200, response.content
    result["inclusion_proof_api_request"] = ms(timings)
    timings = []
    for _ in range(args.proofs // 4):
        tile_n = rng.randrange(n // 256)
        t = time.perf_counter()
        response = client.get(f"/log/bench-big/tile/0/{tiles.encode_index(tile_n)}")
        timings.append(time.perf_counter() - t)
        assert response.status_code == 200 and len(response.content) == 8192
    result["hash_tile_request"] = ms(timings)

    if args.audit:
        t = time.perf_counter()
        report = audit_log(log, quick=True)
        result["audit_quick_s"] = round(time.perf_counter() - t, 1)
        assert report.ok, report.findings[:3]
    return result


if __name__ == "__main__":
    sys.exit(main())
