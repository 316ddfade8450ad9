"""Board API (每周曝光台): the weeks of a community, one week's content, and every review step.

The same services and the same reach as the pages: members read published weeks; staff, the
committee and the auditor also drafts (``board.view_drafts``); generating, measures and 不属实
marks need ``board.prepare``, co-signing ``board.cosign``, publishing ``board.publish``, contests
``board.contest`` and answers ``board.answer``. A board, item or contest of another community, or
a draft the caller may not see, is a 404 like a missing one.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import Http404, HttpResponse
from ninja import Field, Query, Router, Schema, Status

from sunlit.api.errors import ERRORS
from sunlit.api.idempotency import IdempotencyKeyHeader, idempotent
from sunlit.api.pagination import Page, PageQuery, page
from sunlit.api.scope import community_for
from sunlit.board import access, selectors, services
from sunlit.board.choices import BoardStatus
from sunlit.board.models import WeeklyBoard

router = Router(tags=["board"])


class BoardOut(Schema):
    id: int
    community_id: int
    week_start: dt.date = Field(..., description="周一日期（上海时间的自然周）")
    status: BoardStatus
    status_label: str
    generated_at: dt.datetime
    published_at: dt.datetime | None
    cosigned_at: dt.datetime | None
    content_sha256: str = Field(..., description="已发布：规范化内容（RFC 8785）的 SHA-256")
    log_origin: str | None = Field(None, description="已发布：日志来源")
    log_index: int | None = Field(None, description="已发布：日志条目序号")
    stats: dict[str, Any] = Field(..., description="本周统计（与上周、近四周平均对比）")

    @staticmethod
    def resolve_status_label(obj) -> str:
        return str(obj.get_status_display())

    @staticmethod
    def resolve_log_origin(obj) -> str | None:
        return obj.leaf.log.origin if obj.leaf_id else None

    @staticmethod
    def resolve_log_index(obj) -> int | None:
        return obj.leaf.index if obj.leaf_id else None

    @staticmethod
    def resolve_stats(obj) -> dict:
        return obj.content.get("stats", {})


class ContestOut(Schema):
    id: int
    item_id: int
    text: str
    raised_at: dt.datetime
    answer: str
    answered_at: dt.datetime | None


class BoardDetailOut(BoardOut):
    items: list[dict[str, Any]] = Field(
        ..., description="本周事项：已发布为冻结内容，草稿为当前审核内容（item_id 用于审核和质疑）")
    contests: list[ContestOut]

    @staticmethod
    def resolve_items(obj) -> list[dict]:
        return obj.api_items

    @staticmethod
    def resolve_contests(obj) -> list:
        return obj.api_contests


class GenerateIn(Schema):
    week: dt.date = Field(..., description="该周任意一天；生成这一周（周一至周日）的草稿")


class CosignIn(Schema):
    note: str = Field("", max_length=300, description="会签意见")


class MeasuresIn(Schema):
    measures: str = Field(..., description="采取的措施")


class UntrueIn(Schema):
    reason: str = Field(..., description="经核实不属实的说明（公开）")


class ContestIn(Schema):
    text: str = Field(..., description="质疑内容")


class ContestAnswerIn(Schema):
    answer: str = Field(..., description="答复内容（公开）")


class ItemOut(Schema):
    id: int
    board_id: int
    measures: str
    is_untrue: bool
    untrue_reason: str


def _boards():
    return WeeklyBoard.objects.select_related("leaf__log")


def _detail(board: WeeklyBoard) -> WeeklyBoard:
    board = _boards().get(pk=board.pk)
    board.api_items = selectors.view_model(board)["items"]
    board.api_contests = list(board.contests.order_by("raised_at", "id"))
    return board


@router.get("/communities/{community_id}/boards", response={200: Page[BoardOut], **ERRORS},
            summary="曝光台列表（往期）")
def list_boards(request, community_id: int, query: Query[PageQuery]):
    community = community_for(request, community_id, "board.view")
    boards = (access.visible_boards(request.auth).in_community(community)
              .select_related("leaf__log").order_by("-week_start"))
    return page(boards, query)


@router.post("/communities/{community_id}/boards", response={201: BoardDetailOut, **ERRORS},
             summary="生成某周曝光台草稿")
@idempotent
def generate_board(request, community_id: int, payload: GenerateIn,
                   idempotency_key: IdempotencyKeyHeader = None):
    community = community_for(request, community_id, "board.prepare")
    board = services.generate_board(community, payload.week, actor=request.auth)
    return Status(201, BoardDetailOut.from_orm(_detail(board)))


@router.get("/boards/{board_id}", response={200: BoardDetailOut, **ERRORS}, summary="一周曝光台")
def get_board(request, board_id: int):
    return _detail(access.get_board_for(request.auth, board_id))


@router.get("/boards/{board_id}/content", response={200: None, **ERRORS},
            summary="已发布内容的规范化 JSON（其 SHA-256 在日志上）")
def board_content(request, board_id: int):
    board = access.get_board_for(request.auth, board_id)
    if not board.is_published:
        raise Http404
    return HttpResponse(services.content_bytes(board), content_type="application/json")


@router.post("/boards/{board_id}/cosign", response={200: BoardDetailOut, **ERRORS},
             summary="业委会会签")
def cosign(request, board_id: int, payload: CosignIn):
    board = access.get_board_for(request.auth, board_id)
    return _detail(services.cosign_board(board, actor=request.auth, note=payload.note))


@router.post("/boards/{board_id}/publish", response={200: BoardDetailOut, **ERRORS},
             summary="发布（内容冻结，哈希上日志）")
def publish(request, board_id: int):
    board = access.get_board_for(request.auth, board_id)
    return _detail(services.publish_board(board, actor=request.auth))


@router.post("/boards/{board_id}/regenerate", response={200: BoardDetailOut, **ERRORS},
             summary="按当前工单重新生成草稿")
def regenerate(request, board_id: int):
    board = access.get_board_for(request.auth, board_id)
    return _detail(services.generate_board(board.community, board.week_start, actor=request.auth))


@router.post("/board-items/{item_id}/measures", response={200: ItemOut, **ERRORS},
             summary="填写采取的措施")
def add_measures(request, item_id: int, payload: MeasuresIn):
    item = access.get_item_for(request.auth, item_id)
    return services.add_measure(item, payload.measures, actor=request.auth)


@router.post("/board-items/{item_id}/untrue", response={200: ItemOut, **ERRORS},
             summary="标记经核实不属实（附说明，不删除）")
def mark_untrue(request, item_id: int, payload: UntrueIn):
    item = access.get_item_for(request.auth, item_id)
    return services.mark_untrue(item, payload.reason, actor=request.auth)


@router.post("/board-items/{item_id}/clear-untrue", response={200: ItemOut, **ERRORS},
             summary="撤销不属实标记")
def clear_untrue(request, item_id: int):
    item = access.get_item_for(request.auth, item_id)
    return services.clear_untrue(item, actor=request.auth)


@router.post("/board-items/{item_id}/contests", response={201: ContestOut, **ERRORS},
             summary="业委会对一条提出质疑")
@idempotent
def contest(request, item_id: int, payload: ContestIn, idempotency_key: IdempotencyKeyHeader = None):
    item = access.get_item_for(request.auth, item_id)
    if not item.board.is_published:
        raise Http404
    return Status(201, ContestOut.from_orm(
        services.contest_item(item, payload.text, actor=request.auth)))


@router.post("/board-contests/{contest_id}/answer", response={200: ContestOut, **ERRORS},
             summary="物业答复质疑")
def answer(request, contest_id: int, payload: ContestAnswerIn):
    item_contest = access.get_contest_for(request.auth, contest_id)
    return services.answer_contest(item_contest, payload.answer, actor=request.auth)

