#!/usr/bin/env python3
"""Benchmark of an art. 278 vote in a community of 20,000 units: freeze, tally, close.

    .venv/bin/python bench/vote_tally.py                       # SQLite in a throw-away data dir
    DATABASE_URL=postgresql://postgres@127.0.0.1:5432/postgres .venv/bin/python bench/vote_tally.py

With ``DATABASE_URL`` a scratch database ``<name>_votebench`` is created beside the given one,
migrated and dropped at the end. The roster is written with ``core.bulk.bulk_insert``: ``--units``
units in buildings of 200, one owner each except every 10th owner who holds a second unit (a
parking space), every 25th unit co-owned by two persons, 2 % of the units unsold (developer).
Then, timed:

1. ``open_vote``: the electorate frozen from the roster (units, areas, owner keys, voters);
2. ballots for ``--turnout`` of the units, written in bulk (set-up, not timed);
3. the pure tally (``tally.tally``) over in-memory electors and ballots — ``--repeat`` runs;
4. ``selectors.current_tally``: reading the frozen electorate and counted ballots + the tally;
5. live participation (``selectors.participation``), what the vote page computes per view;
6. ``close_vote``: tally, the published ballot list and its SHA-256, the Result, the log entry.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import statistics
import sys
import tempfile
import time
from decimal import Decimal
from pathlib import Path
from urllib.parse import urlparse, urlunparse

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))


def scratch_postgres(url: str):
    import psycopg
    from psycopg import sql

    parts = urlparse(url)
    name = f"{parts.path.lstrip('/') or 'sunlit'}_votebench"
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


def timed(fn, repeat: int = 1) -> tuple[object, list[float]]:
    samples, value = [], None
    for _ in range(repeat):
        start = time.perf_counter()
        value = fn()
        samples.append(time.perf_counter() - start)
    return value, samples


def ms(samples: list[float]) -> str:
    return f"{statistics.median(samples) * 1000:.1f} ms"


def build_roster(units_n: int):
    """A community of ``units_n`` units with owners, written with bulk_insert."""
    from django.db import transaction

    from sunlit.core.bulk import bulk_insert
    from sunlit.core.choices import PersonKind, Role
    from sunlit.core.models import Community, Membership, Organization, Person, User
    from sunlit.registry.choices import DeliveryStatus, UnitUsage
    from sunlit.registry.models import Building, Ownership, Unit

    with transaction.atomic():
        org = Organization.objects.create(name="基准物业")
        community = Community.objects.create(organization=org, name="基准小区", code="votebench")
        committee = User.objects.create(username="bench-committee")
        Membership.objects.create(user=committee, community=community, role=Role.COMMITTEE)
        buildings = [Building(community=community, name=f"{i + 1}号楼", sort_key=i)
                     for i in range((units_n + 199) // 200)]
        bulk_insert(Building, buildings)
        units = []
        for i in range(units_n):
            parking = i % 10 == 9
            units.append(Unit(
                community=community, building=buildings[i // 200], entrance=str(i % 4 + 1),
                number=f"{i:05d}", floor=i % 30 + 1,
                area=Decimal("12.50") if parking else Decimal(60 + i % 90) + Decimal("0.35"),
                usage=UnitUsage.PARKING if parking else UnitUsage.RESIDENTIAL,
                delivery_status=DeliveryStatus.UNSOLD if i % 50 == 7 else
                DeliveryStatus.DELIVERED))
        bulk_insert(Unit, units)
        developer = Person(community=community, name="基准置业", kind=PersonKind.DEVELOPER)
        people = [developer] + [Person(community=community, name=f"业主{i}")
                                for i in range(units_n)]
        bulk_insert(Person, people)
        start = dt.date(2015, 5, 1)
        ownerships = []
        for i, unit in enumerate(units):
            if unit.delivery_status == DeliveryStatus.UNSOLD:
                ownerships.append(Ownership(community=community, unit=unit, person=developer,
                                            start=start))
                continue
            # a parking space belongs to the owner of the flat before it: multi-unit owners
            owner = people[i] if i % 10 == 9 else people[i + 1]
            share = Decimal("0.5") if i % 25 == 3 else Decimal("1")
            ownerships.append(Ownership(community=community, unit=unit, person=owner,
                                        share=share, start=start))
            if share < 1:
                ownerships.append(Ownership(community=community, unit=unit,
                                            person=people[(i + 2) % units_n + 1], share=share,
                                            start=start))
        bulk_insert(Ownership, ownerships)
    return community, committee


def run(args) -> dict:
    from django.db import connection, transaction
    from django.utils import timezone

    from sunlit.core.bulk import bulk_insert
    from sunlit.governance.models import Ballot, VoteUnit
    from sunlit.governance.votes import receipts, selectors, services, tally
    from sunlit.governance.votes.choices import MatterKind

    started = time.perf_counter()
    community, committee = build_roster(args.units)
    setup_roster = time.perf_counter() - started
    now = timezone.now()
    vote = services.create_vote(community, actor=committee, title="基准表决",
                                description="基准", matter=MatterKind.USE_FUND,
                                opens_at=now, closes_at=now + dt.timedelta(days=7))
    services.announce_vote(vote, actor=committee, now=now - dt.timedelta(days=15))
    vote, open_samples = timed(lambda: services.open_vote(vote, actor=committee, now=now))

    electorate = list(VoteUnit.objects.filter(vote=vote).order_by("pk"))
    voting = [u for i, u in enumerate(electorate) if (i * 7919) % 100 < args.turnout * 100]
    choices = ["yes", "yes", "yes", "no", "abstain"]
    ballots = []
    for i, unit in enumerate(voting):
        nonce, choice = receipts.new_nonce(), choices[i % len(choices)]
        ballots.append(Ballot(
            community_id=community.pk, vote=vote, vote_unit=unit, choice=choice,
            channel="online", status="valid", cast_at=now, is_current=True,
            ref=f"B{i:07d}", nonce=nonce,
            commitment=receipts.commitment(vote.pk, unit.unit_label, choice, nonce)))
    with transaction.atomic():
        bulk_insert(Ballot, ballots)

    electors = [tally.Elector(u.pk, u.area, u.owner_key) for u in electorate]
    counted = {b.vote_unit_id: b.choice for b in ballots}
    pure, pure_samples = timed(lambda: tally.tally(electors, counted, special=False),
                               args.repeat)
    _read, read_samples = timed(lambda: selectors.current_tally(vote), args.repeat)
    _part, part_samples = timed(lambda: selectors.participation(vote), args.repeat)
    _closed, close_samples = timed(lambda: services.close_vote(
        vote, actor=committee, now=vote.closes_at))
    result = vote.result
    return {
        "database": connection.vendor,
        "units": len(electorate), "owners": pure.total_owners, "ballots": len(ballots),
        "roster_setup_s": round(setup_roster, 2),
        "open_vote (freeze electorate)": ms(open_samples),
        "tally, pure (median)": ms(pure_samples),
        "current_tally, DB read + tally (median)": ms(read_samples),
        "participation, per page view (median)": ms(part_samples),
        "close_vote (tally + ballot list + hash + log)": ms(close_samples),
        "result": {"participating_area": str(result.participating_area),
                   "total_area": str(result.total_area),
                   "participating_owners": result.participating_owners,
                   "passed": result.passed},
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawTextHelpFormatter)
    parser.add_argument("--units", type=int, default=20_000)
    parser.add_argument("--turnout", type=float, default=0.75, help="share of units that vote")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--keep", action="store_true", help="keep the scratch database")
    args = parser.parse_args()
    os.environ["DJANGO_SETTINGS_MODULE"] = "sunlit.settings"
    os.environ.setdefault("SUNLIT_DATA_DIR", tempfile.mkdtemp(prefix="sunlit-votebench-"))
    drop = None
    url = os.environ.get("DATABASE_URL", "")
    if url:
        os.environ["DATABASE_URL"], drop = scratch_postgres(url)
    import django

    django.setup()
    from django.core.management import call_command

    try:
        call_command("migrate", verbosity=0)
        result = run(args)
    finally:
        if drop and not args.keep:
            drop()
    print(json.dumps(result, ensure_ascii=False, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
