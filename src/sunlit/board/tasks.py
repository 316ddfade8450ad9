"""The board schedule (run by `sunlit worker`).

Huey matches crontabs in UTC, so the job runs every hour and ``services.run_weekly`` decides:
from Monday 08:00 Asia/Shanghai on, every community without last week's board gets it (drafted,
and published at once where the community does not require the committee's co-signature). A
worker that was down at 08:00 catches up on its next hourly run; a second run finds the boards
made and does nothing.
"""

from __future__ import annotations

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from sunlit.board import services


@db_periodic_task(crontab(minute="2"))
def weekly_boards() -> int:
    return len(services.run_weekly())
