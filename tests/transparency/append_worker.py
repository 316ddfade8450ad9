"""Appends events to one community's log from several threads; run as a separate process.

    python -m tests.transparency.append_worker CODE THREADS EVENTS_PER_THREAD BATCH

Used by ``test_concurrency`` to append from several processes at once, against the database
of its environment (``DATABASE_URL`` or ``SUNLIT_DATA_DIR``). Prints the indexes it got.
"""

from __future__ import annotations

import os
import sys
import threading


def main(argv: list[str]) -> int:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "sunlit.settings")
    import django

    django.setup()
    from django.db import connection, transaction

    from sunlit.core.models import Community
    from sunlit.transparency import services

    code, threads, per_thread, batch = argv[0], int(argv[1]), int(argv[2]), int(argv[3])
    community = Community.objects.get(code=code)
    got: list[int] = []
    errors: list[BaseException] = []
    lock = threading.Lock()
    start = threading.Barrier(threads)

    def work(worker: int) -> None:
        try:
            start.wait()
            done = 0
            while done < per_thread:
                n = min(batch, per_thread - done)
                events = [services.Event("roster.unit.registered", ("registry.unit", str(worker)), {
                    "unit": f"{os.getpid()}-{worker}-{done + i}", "building": "1号楼",
                    "floor": 1, "area": "90.00", "usage": "residential",
                    "delivery_status": "delivered",
                }) for i in range(n)]
                with transaction.atomic():
                    leaves = services.record_many(community, events)
                with lock:
                    got.extend(leaf.index for leaf in leaves)
                done += n
        except BaseException as exc:
            errors.append(exc)
        finally:
            connection.close()

    pool = [threading.Thread(target=work, args=(i,)) for i in range(threads)]
    for t in pool:
        t.start()
    for t in pool:
        t.join()
    if errors:
        print(f"errors: {errors!r}", file=sys.stderr)
        return 1
    print(" ".join(map(str, sorted(got))))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
