"""Reaching boards within the user's communities (STYLE.md rule 5).

Every member sees the published boards of his community; drafts only staff, the committee and
the auditor (``board.view_drafts``). Anything else — and anything of another community — is 404.
"""

from __future__ import annotations

from django.http import Http404
from django.shortcuts import get_object_or_404

from sunlit.board.choices import BoardStatus
from sunlit.board.models import BoardContest, BoardItem, WeeklyBoard
from sunlit.core.permissions import can, communities_where


def visible_boards(user):
    """The boards ``user`` may see, in all his communities."""
    drafts = communities_where(user, "board.view_drafts")
    return (WeeklyBoard.objects.visible_to(user, "board.view").filter(community_id__in=drafts)
            | WeeklyBoard.objects.visible_to(user, "board.view").filter(status=BoardStatus.PUBLISHED))


def _may_see(user, board: WeeklyBoard) -> bool:
    if not can(user, "board.view", board):
        return False
    return board.is_published or can(user, "board.view_drafts", board)


def get_board_for(user, board_id: int) -> WeeklyBoard:
    board = get_object_or_404(WeeklyBoard.objects.select_related("community", "leaf"), pk=board_id)
    if not _may_see(user, board):
        raise Http404
    return board


def get_item_for(user, item_id: int) -> BoardItem:
    item = get_object_or_404(BoardItem.objects.select_related("board__community"), pk=item_id)
    if not _may_see(user, item.board):
        raise Http404
    return item


def get_contest_for(user, contest_id: int) -> BoardContest:
    contest = get_object_or_404(BoardContest.objects.select_related("board__community", "item"),
                                pk=contest_id)
    if not _may_see(user, contest.board):
        raise Http404
    return contest
