"""Demo boards: the last three complete weeks of the demo tickets.

Call after the tickets demo: ``from sunlit.board.demo import load_demo; load_demo(community)``.
The two older weeks are published by the system (as the Monday schedule would), oldest first, so
the trends read left to right. Then the owners' committee switches co-signing on, and the last
complete week is generated and waits for its co-signature (the schedule does not publish it
without one): the committee's first task in the demo. A week already there is left as it is.
"""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from sunlit.board import generation, services
from sunlit.board.models import WeeklyBoard
from sunlit.core.choices import Role
from sunlit.core.demo import DemoCast
from sunlit.core.models import Community

WEEKS = 3


def load_demo(community: Community, *, cast: DemoCast | None = None, seed: int = 2026,
              now: dt.datetime | None = None) -> list[WeeklyBoard]:
    """Published by the system; the committee (from the cast) switches co-signing on."""
    now = now or timezone.now()
    last = generation.last_complete_week(now)
    committee = (cast or DemoCast.of(community)).lead(Role.COMMITTEE)
    boards = []
    for back in range(WEEKS - 1, -1, -1):
        week = last - dt.timedelta(weeks=back)
        if back == 0 and committee is not None:
            services.set_require_cosign(community, True, actor=committee)
        board = services.generate_board(community, week, actor=None, now=now)
        if not board.is_published and not services.settings_for(community).require_cosign:
            board = services.publish_board(board, actor=None, now=now)
        boards.append(board)
    return boards
