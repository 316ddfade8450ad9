"""Prints the signed-root material of the demo's log on a fixed clock, to compare two versions.

    .venv/bin/python scripts/demo_root.py [--units 100]

A refactoring that must not change any leaf's bytes (issue 13) runs this before and after and
compares the output. The demo is deterministic from its seed; two things are not and are fixed
here: the clock (time-machine, 2026-03-11 10:00 Shanghai), the keys (fixed), and every secret
drawn (salts of commitments, ballot numbers, receipts, batch ids: a seeded generator here), and
the hash seed. The database is a throw-away SQLite file in a temporary folder.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import random
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def main() -> int:
    if os.environ.get("PYTHONHASHSEED") != "0":  # set iteration order: the same in every run
        os.execve(sys.executable, [sys.executable, *sys.argv],  # noqa: S606
                  {**os.environ, "PYTHONHASHSEED": "0"})
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--units", type=int, default=100)
    parser.add_argument("--dump", help="also write every leaf, one per line, to this file")
    args = parser.parse_args()
    data = tempfile.mkdtemp(prefix="sunlit-demo-root-")
    os.environ["SUNLIT_DATA_DIR"] = data
    os.environ.pop("DATABASE_URL", None)
    # fixed keys: the blind index decides owner pseudonyms in votes (not secret here: a demo)
    os.environ["SUNLIT_SECRET_KEY"] = "demo-root-comparison-only"  # noqa: S105
    os.environ["SUNLIT_FIELD_KEYS"] = "k1:" + "A" * 43 + "="
    os.environ["SUNLIT_BLIND_INDEX_KEY"] = "0" * 64
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "sunlit.settings")
    sys.path.insert(0, str(ROOT / "src"))
    import datetime as dt
    from zoneinfo import ZoneInfo

    import django
    import time_machine

    django.setup()
    # reproducible randomness for the comparison only: salts, ballot numbers and receipts,
    # activation codes, batch ids (every secret the demo draws comes through these)
    import secrets
    import uuid

    from django.core.management import call_command

    from sunlit.transparency import entry

    rng = random.Random(2026)  # noqa: S311
    secrets.token_bytes = lambda n=32: rng.randbytes(n)
    secrets.token_hex = lambda n=32: rng.randbytes(n).hex()
    secrets.token_urlsafe = lambda n=32: rng.randbytes(n).hex()
    secrets.choice = rng.choice
    secrets.randbelow = rng.randrange
    uuid.uuid4 = lambda: uuid.UUID(int=rng.getrandbits(128), version=4)
    entry.new_salt = lambda: rng.randbytes(entry.SALT_SIZE)
    with time_machine.travel(dt.datetime(2026, 3, 11, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai")),
                             tick=False):
        call_command("migrate", verbosity=0)
        from sunlit.demo import load_demo

        load_demo(units=args.units)
        from sunlit.transparency.models import Log, LogLeaf

        for log in Log.objects.order_by("origin"):
            leaves = hashlib.sha256()
            dump = open(args.dump, "w", encoding="utf-8") if args.dump else None  # noqa: SIM115
            for data_bytes in LogLeaf.objects.filter(log=log).order_by("index").values_list(
                    "data", flat=True).iterator():
                leaves.update(data_bytes.encode())
                if dump:
                    dump.write(data_bytes + "\n")
            if dump:
                dump.close()
            print(f"{log.origin} size={log.size} root={bytes(log.root_hash).hex()} "
                  f"leaves_sha256={leaves.hexdigest()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
