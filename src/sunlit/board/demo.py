"""Demo boards: the last three complete weeks of the demo tickets, generated and published.

Call after the tickets demo: ``from sunlit.board.demo import load_demo; load_demo(community)``.
Published by the system (as the Monday schedule would), oldest first, so the trends read left to
right; a week already published is left as it is.
"""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from sunlit.board import generation, services
from sunlit.board.models import WeeklyBoard
from sunlit.core.demo import DemoCast
from sunlit.core.models import Community

WEEKS = 3


def load_demo(community: Community, *, cast: DemoCast | None = None, seed: int = 2026,
              now: dt.datetime | None = None) -> list[WeeklyBoard]:
    """Published by the system: the cast is not needed."""
    now = now or timezone.now()
    last = generation.last_complete_week(now)
    boards = []
    for back in range(WEEKS - 1, -1, -1):
        week = last - dt.timedelta(weeks=back)
        board = services.generate_board(community, week, actor=None, now=now)
        if not board.is_published:
            board = services.publish_board(board, actor=None, now=now)
        boards.append(board)
    return boards
