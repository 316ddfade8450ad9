"""Every change to a weekly board: generate, review, co-sign, publish, contest, answer.

A board is a draft until published; a published board never changes (every verb below refuses
it), and re-generating its week returns it untouched. Publishing freezes the content — the
generated figures plus each item with the measures and 不属实 marks staff added — as RFC 8785
canonical JSON, hashes it and records ``board.weekly.published`` with the hash in the same
transaction. Contests and answers are new rows, each on the log, shown beside the board.
"""

from __future__ import annotations

import datetime as dt
import hashlib

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from sunlit.board import generation
from sunlit.board.choices import BoardStatus
from sunlit.board.models import BoardContest, BoardItem, BoardSettings, WeeklyBoard
from sunlit.core import audit, sides
from sunlit.core.choices import OWNER_SIDE_ROLES
from sunlit.core.locking import locked
from sunlit.core.masking import mask_text, roster_names
from sunlit.core.models import AuditEvent, Community, Membership, User
from sunlit.core.permissions import require
from sunlit.transparency import services as log
from sunlit.transparency.entry import canonical

MAX_MEASURES = 1000
MAX_REASON = 300
MAX_CONTEST = 500
MAX_ANSWER = 1000


def settings_for(community: Community) -> BoardSettings:
    """The community's board settings (defaults when never set: no co-sign required)."""
    found = BoardSettings.objects.in_community(community).first()
    return found or BoardSettings(community=community)


@transaction.atomic
def set_require_cosign(community: Community, require_cosign: bool, *, actor: User) -> BoardSettings:
    """曝光台设置: whether the owners' committee must co-sign each board before publication.

    Switching the co-signature on is open to the committee and the company; switching it off
    only to a committee member who holds no company role (the company proposes it through
    ``governance.controls``; it takes effect when the committee confirms)."""
    require(actor, "board.settings", community=community)
    if not isinstance(require_cosign, bool):
        raise ValidationError({"require_cosign": [_("必须是 true 或 false")]})
    row, _created = BoardSettings.objects.select_for_update().get_or_create(community=community)
    if row.require_cosign and not require_cosign:
        sides.require_committee(actor, community, _("取消曝光台业委会会签"))
    if row.require_cosign != require_cosign:
        row.require_cosign, row.updated_at = require_cosign, timezone.now()
        row.save(update_fields=["require_cosign", "updated_at"])
        audit.record(AuditEvent.Action.UPDATE, row, actor=actor, summary="曝光台会签设置",
                     changes={"require_cosign": [not require_cosign, require_cosign]})
        log.record(community, "board.settings.changed", row, public={"require_cosign": require_cosign})
    return row


def plan_cosign_change(community: Community, params: dict, *, now=None):
    """``governance.controls``: switching the committee's co-signature on or off."""
    from sunlit.governance.controls.services import Plan

    value = params.get("require_cosign")
    if set(params) != {"require_cosign"} or not isinstance(value, bool):
        raise ValidationError({"require_cosign": [_("必须是 true 或 false")]})
    current = settings_for(community).require_cosign
    return Plan(params={"require_cosign": value}, weakens=current and not value,
                unchanged=current == value,
                summary=_("曝光台发布前须业委会会签") if value else _("曝光台发布前不再须业委会会签"))


def apply_cosign_change(community: Community, params: dict, *, actor: User, now=None):
    return set_require_cosign(community, params["require_cosign"], actor=actor)


def _week(week_start) -> dt.date:
    if isinstance(week_start, str):
        try:
            week_start = dt.date.fromisoformat(week_start)
        except ValueError:
            raise ValidationError({"week": [_("日期格式应为 YYYY-MM-DD")]}) from None
    if isinstance(week_start, dt.datetime) or not isinstance(week_start, dt.date):
        raise ValidationError({"week": [_("日期格式应为 YYYY-MM-DD")]})
    return generation.monday_of(week_start)


def _refuse_published(board: WeeklyBoard) -> None:
    if board.is_published:
        raise ValidationError({"board": [_("曝光台已发布，内容不可更改")]})


@transaction.atomic
def generate_board(community: Community, week_start, *, actor: User | None,
                   now: dt.datetime | None = None) -> WeeklyBoard:
    """生成曝光台 of the week containing ``week_start`` (any day of it).

    A new week gets a draft; a draft is refreshed from the tickets (measures and 不属实 marks
    already added to tickets still on it are kept); a published week is returned unchanged.
    ``actor`` None is the Monday schedule. A week that has not ended cannot be generated.
    """
    if actor is not None:
        require(actor, "board.prepare", community=community)
    now = now or timezone.now()
    week = _week(week_start)
    if generation.week_bounds(week)[1] > now:
        raise ValidationError({"week": [_("该周尚未结束，不能生成曝光台")]})
    board = WeeklyBoard.objects.in_community(community).filter(week_start=week).first()
    if board is not None and board.is_published:
        return board
    if board is None:
        try:
            with transaction.atomic():
                board = WeeklyBoard.objects.create(community=community, week_start=week,
                                                   generated_at=now)
        except IntegrityError:  # generated at the same moment by another worker
            board = WeeklyBoard.objects.get(community=community, week_start=week)
    board = locked(board)
    if board.is_published:
        return board
    built = generation.build(community, week)
    kept = {item.ticket_id: item for item in board.items.all()}
    board.items.exclude(ticket_id__in=[d.ticket_id for d in built.items]).delete()
    for position, draft in enumerate(built.items):
        item = kept.get(draft.ticket_id)
        if item is None:
            BoardItem.objects.create(community=community, board=board, ticket_id=draft.ticket_id,
                                     position=position, section=draft.section, facts=draft.facts)
        else:
            item.position, item.section, item.facts = position, draft.section, draft.facts
            item.save(update_fields=["position", "section", "facts"])
    board.content, board.generated_at = built.header, now
    board.cosigned_at = board.cosigned_by = None  # a co-signature covers what was generated then
    board.cosign_note = ""
    board.save(update_fields=["content", "generated_at", "cosigned_at", "cosigned_by", "cosign_note"])
    audit.record(AuditEvent.Action.UPDATE, board, actor=actor, summary=f"生成曝光台 {week}")
    return board


def _draft_item(item: BoardItem, actor: User) -> BoardItem:
    require(actor, "board.prepare", item)
    board = locked(item.board)
    _refuse_published(board)
    return locked(item)


def _text(value, *, field: str, limit: int, required: bool) -> str:
    if value is None:
        value = ""
    if not isinstance(value, str):
        raise ValidationError({field: [_("必须是文本")]})
    value = value.strip()
    if required and not value:
        raise ValidationError({field: [_("此项为必填项")]})
    if len(value) > limit:
        raise ValidationError({field: [_("不能超过 %(n)d 个字") % {"n": limit}]})
    return value


@transaction.atomic
def add_measure(item: BoardItem, text: str, *, actor: User) -> BoardItem:
    """填写采取的措施: what was done about the problem (shown on the board, masked)."""
    item = _draft_item(item, actor)
    item.measures = _text(text, field="measures", limit=MAX_MEASURES, required=False)
    item.measures_by = actor
    item.save(update_fields=["measures", "measures_by"])
    audit.record(AuditEvent.Action.UPDATE, item, actor=actor, summary="填写处理措施")
    return item


@transaction.atomic
def mark_untrue(item: BoardItem, reason: str, *, actor: User) -> BoardItem:
    """经核实不属实: the item stays on the board, marked, with the reason found on checking."""
    item = _draft_item(item, actor)
    item.untrue_reason = _text(reason, field="reason", limit=MAX_REASON, required=True)
    item.is_untrue = True
    item.save(update_fields=["is_untrue", "untrue_reason"])
    audit.record(AuditEvent.Action.UPDATE, item, actor=actor, summary="标记经核实不属实")
    return item


@transaction.atomic
def clear_untrue(item: BoardItem, *, actor: User) -> BoardItem:
    """Takes back a 不属实 mark (in draft only)."""
    item = _draft_item(item, actor)
    item.is_untrue, item.untrue_reason = False, ""
    item.save(update_fields=["is_untrue", "untrue_reason"])
    return item


@transaction.atomic
def cosign_board(board: WeeklyBoard, *, actor: User, note: str = "",
                 now: dt.datetime | None = None) -> WeeklyBoard:
    """业委会会签: the owners' committee has read the draft and agrees it may be published."""
    require(actor, "board.cosign", board)
    board = locked(board)
    _refuse_published(board)
    if board.cosigned_at is not None:
        raise ValidationError({"board": [_("本期曝光台已会签")]})
    now = now or timezone.now()
    board.cosign_note = _text(note, field="note", limit=300, required=False)
    board.cosigned_at, board.cosigned_by = now, actor
    board.save(update_fields=["cosigned_at", "cosigned_by", "cosign_note"])
    audit.record(AuditEvent.Action.UPDATE, board, actor=actor, summary="业委会会签曝光台")
    log.record(board.community, "board.weekly.cosigned", board, time=now,
               public={"week": board.week_start, "cosigner_role": "committee"},
               private={"cosigner": str(actor)})  # a committee member is an owner
    return board


@transaction.atomic
def return_board(board: WeeklyBoard, *, actor: User, note: str,
                 now: dt.datetime | None = None) -> WeeklyBoard:
    """退回并说明: a committee member sends the draft back to the staff who prepare it, saying
    what to change (required). A draft already co-signed is not returned (the co-signature
    stands); the staff are told at once, and the return is on the log with its words."""
    require(actor, "board.cosign", board)
    board = locked(board)
    _refuse_published(board)
    if board.cosigned_at is not None:
        raise ValidationError({"board": [_("本期曝光台已会签，不能再退回")]})
    now = now or timezone.now()
    board.return_note = _text(note, field="note", limit=500, required=True)
    board.returned_at, board.returned_by = now, actor
    board.save(update_fields=["returned_at", "returned_by", "return_note"])
    audit.record(AuditEvent.Action.UPDATE, board, actor=actor, summary="业委会退回曝光台草稿")
    log.record(board.community, "board.weekly.returned", board, time=now,
               public={"week": board.week_start, "by_role": "committee",
                       "note": mask_text(board.return_note, names=roster_names(board.community))},
               private={"by": str(actor)})
    _notify_preparers(board)
    return board


def _notify_preparers(board: WeeklyBoard) -> None:
    from sunlit.core.permissions import GRANTS
    from sunlit.notices.choices import NotificationKind
    from sunlit.notices.services import notify

    recipients = (Membership.objects.in_community(board.community).active()
                  .filter(role__in=GRANTS["board.prepare"]).values_list("user_id", flat=True).distinct())
    notify(community=board.community, recipients=list(recipients),
           title=_("业委会退回了曝光台草稿（%(start)s–%(end)s）")
           % {"start": board.week_start.strftime("%m.%d"), "end": board.week_end.strftime("%m.%d")},
           body=board.return_note, url=reverse("board:review", args=[board.pk]),
           kind=NotificationKind.SYSTEM, obj=board)


def frozen_content(board: WeeklyBoard, *, published_at: dt.datetime, cosigner: str | None) -> dict:
    """The board as published: the generated header plus every item with what staff added."""
    names = roster_names(board.community)
    items = []
    for item in board.items.order_by("position", "id"):
        items.append({**item.facts,
                      "measures": mask_text(item.measures, names=names),
                      "untrue": item.is_untrue,
                      "untrue_reason": mask_text(item.untrue_reason, names=names)})
    return {**board.content, "items": items, "published_at": generation.local(published_at),
            "cosigned_by": cosigner}


def content_bytes(board: WeeklyBoard) -> bytes:
    """The exact bytes whose SHA-256 is on the log (RFC 8785 canonical JSON)."""
    return canonical(board.content)


@transaction.atomic
def publish_board(board: WeeklyBoard, *, actor: User | None,
                  now: dt.datetime | None = None) -> WeeklyBoard:
    """发布曝光台: freeze, hash, log, and tell the owners. Publishing twice is refused.

    ``actor`` None is the Monday schedule, which publishes only where no co-sign is required.
    """
    if actor is not None:
        require(actor, "board.publish", board)
    board = locked(board)
    _refuse_published(board)
    if settings_for(board.community).require_cosign and board.cosigned_at is None:
        raise ValidationError({"board": [_("本小区要求业委会会签后才能发布")]})
    now = now or timezone.now()
    content = frozen_content(board, published_at=now,
                             cosigner=str(board.cosigned_by) if board.cosigned_by else None)
    digest = hashlib.sha256(canonical(content)).hexdigest()
    stats = content["stats"]
    leaf = log.record(board.community, "board.weekly.published", board, time=now, public={
        "week": board.week_start, "items": len(content["items"]), "new": stats["new"],
        "carried": stats["carried"], "by_status": stats["by_status"],
        "untrue": sum(i["untrue"] for i in content["items"]), "content_sha256": digest,
    })
    board.content, board.content_sha256, board.leaf = content, digest, leaf
    board.status, board.published_at, board.published_by = BoardStatus.PUBLISHED, now, actor
    board.save(update_fields=["content", "content_sha256", "leaf", "status", "published_at",
                              "published_by"])
    audit.record(AuditEvent.Action.UPDATE, board, actor=actor, summary=f"发布曝光台 {board.week_start}")
    _notify_members(board)
    return board


def _notify_members(board: WeeklyBoard) -> None:
    from sunlit.notices.choices import NotificationKind
    from sunlit.notices.services import notify

    recipients = (Membership.objects.in_community(board.community).active()
                  .filter(role__in=OWNER_SIDE_ROLES).values_list("user_id", flat=True).distinct())
    stats = board.content["stats"]
    notify(community=board.community, recipients=list(recipients),
           title=_("本周曝光台已发布（%(start)s–%(end)s）")
           % {"start": board.week_start.strftime("%m.%d"), "end": board.week_end.strftime("%m.%d")},
           body=_("本周新问题 %(new)d 项，老问题 %(carried)d 项。")
           % {"new": stats["new"], "carried": stats["carried"]},
           url=reverse("board:board", args=[board.pk]), kind=NotificationKind.ANNOUNCEMENT, obj=board)


@transaction.atomic
def contest_item(item: BoardItem, text: str, *, actor: User,
                 now: dt.datetime | None = None) -> BoardContest:
    """业委会质疑: the committee questions an item of a published board; shown and logged."""
    require(actor, "board.contest", item)
    if not item.board.is_published:
        raise ValidationError({"board": [_("只能对已发布的曝光台提出质疑")]})
    text = _text(text, field="text", limit=MAX_CONTEST, required=True)
    now = now or timezone.now()
    contest = BoardContest.objects.create(community_id=item.community_id, board_id=item.board_id,
                                          item=item, text=mask_text(text), raised_by=actor,
                                          raised_at=now)
    audit.record(AuditEvent.Action.CREATE, contest, actor=actor, summary="业委会质疑")
    log.record(item.board.community, "board.item.contested", contest, time=now, public={
        "week": item.board.week_start, "number": item.facts.get("number") or None,
        "text": contest.text, "by_role": "committee"}, private={"by": str(actor)})
    return contest


@transaction.atomic
def answer_contest(contest: BoardContest, text: str, *, actor: User,
                   now: dt.datetime | None = None) -> BoardContest:
    """答复质疑: the manager answers a contest once; the answer is shown and logged."""
    require(actor, "board.answer", contest)
    contest = locked(contest)
    if contest.answered_at is not None:
        raise ValidationError({"answer": [_("该质疑已答复")]})
    now = now or timezone.now()
    contest.answer = mask_text(_text(text, field="answer", limit=MAX_ANSWER, required=True))
    contest.answered_by, contest.answered_at = actor, now
    contest.save(update_fields=["answer", "answered_by", "answered_at"])
    audit.record(AuditEvent.Action.UPDATE, contest, actor=actor, summary="答复业委会质疑")
    log.record(contest.board.community, "board.contest.answered", contest, time=now, public={
        "week": contest.board.week_start, "number": contest.item.facts.get("number") or None,
        "answer": contest.answer, "by": str(actor)})
    return contest


def run_weekly(now: dt.datetime | None = None) -> list[WeeklyBoard]:
    """The Monday schedule: last week's draft for every community that has none yet, published
    at once where no co-sign is required (otherwise it waits for the committee and the manager)."""
    now = now or timezone.now()
    week = generation.last_complete_week(now)
    local_now = now.astimezone(generation.SHANGHAI)
    monday_8 = dt.datetime.combine(generation.monday_of(local_now.date()), dt.time(8),
                                   tzinfo=generation.SHANGHAI)
    if now < monday_8:  # before 08:00 on Monday the previous week's run still stands
        week -= dt.timedelta(days=7)
    done = []
    have = set(WeeklyBoard.objects.filter(week_start=week).values_list("community_id", flat=True))
    for community in Community.objects.exclude(pk__in=have).order_by("pk"):
        board = generate_board(community, week, actor=None, now=now)
        if not settings_for(community).require_cosign:
            board = publish_board(board, actor=None, now=now)
        done.append(board)
    return done
