"""Roster API. (Being written.)"""

from ninja import Router

router = Router(tags=["roster"])
