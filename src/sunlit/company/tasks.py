"""The company's schedule (run by `sunlit worker`): each night's snapshots of every community.

Huey matches crontabs in UTC: 18:30 UTC is 02:30 in Shanghai, when the day's books are closed.
A worker that was down then takes them on its next night; the benchmark pages say which day
their figures are from.
"""

from __future__ import annotations

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from sunlit.company.benchmarks import services


@db_periodic_task(crontab(hour="18", minute="30"))
def nightly_snapshots() -> int:
    return services.take_snapshots()
