"""Votes API (/api/v1/): votes, ballots, published documents — scoped like the pages.

Every lookup goes through ``governance.access`` or ``sunlit.api.scope.community_for``: a vote of another
community, or a draft the caller does not run, is 404. Participation is shown while a vote is
open; the yes/no figures only once the result is published (or to those who run the vote,
after the close). Creating POSTs honour ``Idempotency-Key``.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404
from django.utils import timezone
from ninja import Field, Query, Router, Schema, Status

from sunlit.api.errors import ERRORS
from sunlit.api.filtering import filtered
from sunlit.api.idempotency import IdempotencyKeyHeader, idempotent
from sunlit.api.pagination import Page, PageQuery, page
from sunlit.api.scope import community_for
from sunlit.api.values import plain_values
from sunlit.core import uploads
from sunlit.core.models import Person
from sunlit.core.permissions import can
from sunlit.governance.controls import services as controls
from sunlit.governance.controls.models import ControlKind
from sunlit.governance.votes import access, balloting, selectors, services
from sunlit.governance.votes.choices import (
    PUBLIC_STATUSES,
    Channel,
    Choice,
    MatterKind,
    VoteScope,
    VoteStatus,
)
from sunlit.governance.votes.filters import VoteFilter
from sunlit.governance.votes.models import Ballot, Vote, VoteUnit
from sunlit.registry.models import Building, Unit
from sunlit.web.rendering import canonical_json

router = Router(tags=["governance"])


def ratio_out(value) -> dict:
    """An exact ratio (``Fraction``) as the ``Ratio`` schema: never a rounded float."""
    return {"numerator": value.numerator, "denominator": value.denominator}


# --- schemas -------------------------------------------------------------------------------------

class Ratio(Schema):
    numerator: int
    denominator: int


class ThresholdOut(Schema):
    name: str = Field(..., description="participation_area / participation_owners / "
                                       "approval_area / approval_owners")
    value: Ratio
    limit: Ratio
    strict: bool = Field(..., description="true：须大于 limit；false：须大于或等于 limit")
    met: bool


class ResultOut(Schema):
    passed: bool
    rule: str = Field(..., description="“3/4”（第六至八项）或“>1/2”")
    participation_met: bool
    approval_met: bool
    total_area: str
    total_owners: int
    participating_area: str
    participating_owners: int
    yes_area: str
    yes_owners: int
    no_area: str
    no_owners: int
    abstain_area: str
    abstain_owners: int
    mixed_owners: int = Field(..., description="多套房屋意见不一致的业主（参与但不计同意）")
    ballots: int
    ballots_sha256: str
    thresholds: list[ThresholdOut]


class ParticipationOut(Schema):
    total_area: str
    total_owners: int
    area: str
    owners: int
    area_ratio: Ratio
    owners_ratio: Ratio


class EnteredOut(Schema):
    id: int
    ref: str
    channel: Channel
    choice: Choice
    status: str = Field(..., description="pending：待业委会复核；held：与线上投票冲突，待业主确认")
    received_at: dt.datetime
    entered_at: dt.datetime | None


class MyBallotOut(Schema):
    unit_id: int | None = Field(..., description="房屋 id（registry）")
    unit: str
    area: str
    choice: Choice | None
    channel: Channel | None
    cast_at: dt.datetime | None
    receipt: str | None = Field(..., description="回执码：选票编号-随机数，请妥善保存")
    pending: int = Field(..., description="已录入、待业委会复核或待业主确认的纸质/委托票张数")
    entered: list[EnteredOut] = Field(..., description="为本户录入、尚未定论的纸质/委托票")


class VoteOut(Schema):
    id: int
    community_id: int
    title: str
    description: str
    matter: MatterKind
    matter_label: str
    special: bool = Field(..., description="第六至八项：须四分之三以上同意")
    scope: VoteScope
    status: str
    status_label: str
    notice_days: int
    opens_at: dt.datetime
    closes_at: dt.datetime
    announced_at: dt.datetime | None
    text_sha256: str
    electorate_sha256: str


class VoteDetailOut(VoteOut):
    participation: ParticipationOut | None
    my_ballots: list[MyBallotOut]
    result: ResultOut | None


class VoteIn(Schema):
    title: str = Field(..., max_length=100)
    description: str = Field(..., max_length=10000)
    matter: MatterKind
    scope: VoteScope = VoteScope.COMMUNITY
    building_ids: list[int] = []
    unit_ids: list[int] = []
    opens_at: dt.datetime
    closes_at: dt.datetime
    notice_days: int = Field(15, ge=0, le=90)


class VotePatch(Schema):
    title: str | None = Field(None, max_length=100)
    description: str | None = Field(None, max_length=10000)
    matter: MatterKind | None = None
    scope: VoteScope | None = None
    building_ids: list[int] | None = None
    unit_ids: list[int] | None = None
    opens_at: dt.datetime | None = None
    closes_at: dt.datetime | None = None
    notice_days: int | None = Field(None, ge=0, le=90)


class CastIn(Schema):
    unit_id: int = Field(..., description="房屋 id（registry）")
    choice: Choice


class BallotOut(Schema):
    id: int
    ref: str
    unit: str
    choice: Choice
    channel: Channel
    status: str
    is_current: bool
    cast_at: dt.datetime
    commitment: str
    leaf_index: int | None
    receipt: str | None = Field(None, description="只返回给该户业主")


class EnterIn(Schema):
    unit_id: int
    choice: Choice
    channel: Channel = Channel.PAPER
    received_at: dt.datetime
    person_id: int | None = Field(None, description="签署的业主（人员 id）；一户只有一位业主时可不填")
    scan_id: int | None = Field(None, description="表决票扫描件（上传文件 id）")
    authorisation_id: int | None = Field(None, description="授权委托书（上传文件 id）")
    proxy_name: str = Field("", max_length=50)


class VoteReasonIn(Schema):
    reason: str = Field(..., max_length=200)


class ExtendIn(Schema):
    closes_at: dt.datetime = Field(..., description="新的截止时间：晚于现在的截止，至多公告截止后 30 天")
    reason: str = Field("", max_length=200)


class ResolveIn(Schema):
    decision: Literal["accept", "keep"] = Field(
        ..., description="accept：以录入的票为准；keep：以我的线上投票为准")


class ReceiptIn(Schema):
    receipt: str = Field(..., max_length=40)


class BallotReceiptOut(Schema):
    ballot: str
    unit: str
    choice: Choice
    counted: bool
    leaf: int | None
    superseded_by: str | None


# --- helpers -------------------------------------------------------------------------------------

def _vote_out(vote: Vote) -> dict[str, Any]:
    return {
        "id": vote.pk, "community_id": vote.community_id, "title": vote.title,
        "description": vote.description, "matter": vote.matter,
        "matter_label": vote.get_matter_display(), "special": vote.is_special,
        "scope": vote.scope, "status": vote.status, "status_label": vote.get_status_display(),
        "notice_days": vote.notice_days, "opens_at": vote.opens_at, "closes_at": vote.closes_at,
        "announced_at": vote.announced_at, "text_sha256": vote.text_sha256,
        "electorate_sha256": vote.electorate_sha256,
    }


def _result_out(vote: Vote) -> dict | None:
    r = getattr(vote, "result", None)
    if r is None:
        return None
    figures = selectors.result_tally(r)
    area = selectors.area_text
    return {
        "passed": r.passed, "rule": "3/4" if r.special else ">1/2",
        "participation_met": r.participation_met, "approval_met": r.approval_met,
        "total_area": area(r.total_area), "total_owners": r.total_owners,
        "participating_area": area(r.participating_area),
        "participating_owners": r.participating_owners, "yes_area": area(r.yes_area),
        "yes_owners": r.yes_owners, "no_area": area(r.no_area), "no_owners": r.no_owners,
        "abstain_area": area(r.abstain_area), "abstain_owners": r.abstain_owners,
        "mixed_owners": r.mixed_owners, "ballots": r.ballots,
        "ballots_sha256": r.ballots_sha256,
        "thresholds": [{"name": t.name, "value": ratio_out(t.value), "limit": ratio_out(t.limit),
                        "strict": t.strict, "met": t.met} for t in figures.thresholds],
    }


def _detail(request, vote: Vote) -> dict:
    part = selectors.participation(vote)
    shows = vote.shows_result or can(request.auth, "governance.manage", vote)
    return {
        **_vote_out(vote),
        "participation": None if part is None else {
            "total_area": selectors.area_text(part.total_area), "total_owners": part.total_owners,
            "area": selectors.area_text(part.area), "owners": part.owners,
            "area_ratio": ratio_out(part.area_ratio), "owners_ratio": ratio_out(part.owners_ratio)},
        "my_ballots": [{
            "unit_id": unit.unit_id, "unit": unit.unit_label, "area": selectors.area_text(unit.area),
            "choice": ballot.choice if ballot else None,
            "channel": ballot.channel if ballot else None,
            "cast_at": ballot.cast_at if ballot else None,
            "receipt": ballot.receipt if ballot else None, "pending": len(pending),
            "entered": [{"id": b.pk, "ref": b.ref, "channel": b.channel, "choice": b.choice,
                         "status": b.status, "received_at": b.cast_at,
                         "entered_at": b.entered_at} for b in pending],
        } for unit, ballot, pending in selectors.my_units(vote, request.auth)],
        "result": _result_out(vote) if shows else None,
    }


def _in_community(model, ids, community_id) -> list:
    objects = list(model.objects.filter(pk__in=ids, community_id=community_id))
    if len(objects) != len(set(ids)):
        raise ValidationError({"building_ids" if model is Building else "unit_ids":
                               ["包含不属于本小区或不存在的编号"]})
    return objects


def _ballot_out(ballot: Ballot, *, receipt: bool) -> dict:
    return {"id": ballot.pk, "ref": ballot.ref, "unit": ballot.vote_unit.unit_label,
            "choice": ballot.choice, "channel": ballot.channel, "status": ballot.status,
            "is_current": ballot.is_current, "cast_at": ballot.cast_at,
            "commitment": ballot.commitment, "leaf_index": ballot.leaf_index,
            "receipt": ballot.receipt if receipt else None}


# --- votes ---------------------------------------------------------------------------------------

@router.get("/communities/{community_id}/votes", response={200: Page[VoteOut], **ERRORS},
            summary="表决列表")
def list_votes(request, community_id: int, query: Query[PageQuery], status: VoteStatus | None = None):
    """Managers see drafts too; everyone else the announced, open and closed votes."""
    community = community_for(request, community_id, "governance.view")
    votes = Vote.objects.in_community(community)
    if not can(request.auth, "governance.manage", community=community):
        votes = votes.filter(status__in=PUBLIC_STATUSES)
    votes = filtered(VoteFilter, votes, {"status": status})
    return page(votes.order_by("-opens_at", "-pk"), query, _vote_out)


@router.post("/communities/{community_id}/votes", response={201: VoteDetailOut, **ERRORS},
             summary="发起表决（草稿）")
@idempotent
def create_vote(request, community_id: int, payload: VoteIn,
                idempotency_key: IdempotencyKeyHeader = None):
    community = community_for(request, community_id, "governance.manage")
    data = payload.dict()
    buildings = _in_community(Building, data.pop("building_ids"), community.pk)
    units = _in_community(Unit, data.pop("unit_ids"), community.pk)
    vote = services.create_vote(community, actor=request.auth, buildings=buildings, units=units,
                                **plain_values(data))
    return Status(201, _detail(request, vote))


@router.get("/votes/{vote_id}", response={200: VoteDetailOut, **ERRORS}, summary="表决详情")
def get_vote(request, vote_id: int):
    return _detail(request, access.get_vote_for(request.auth, vote_id))


@router.patch("/votes/{vote_id}", response={200: VoteDetailOut, **ERRORS}, summary="修改草稿")
def patch_vote(request, vote_id: int, payload: VotePatch):
    vote = access.get_vote_for(request.auth, vote_id, for_write=True)
    data = plain_values({k: v for k, v in payload.dict(exclude_unset=True).items() if v is not None})
    if "building_ids" in data:
        data["buildings"] = _in_community(Building, data.pop("building_ids"), vote.community_id)
    if "unit_ids" in data:
        data["units"] = _in_community(Unit, data.pop("unit_ids"), vote.community_id)
    vote = services.update_vote(vote, actor=request.auth, **data)
    return _detail(request, vote)


STEPS = {"open": services.open_vote, "close": services.close_vote,
         "publish": services.publish_result, "effective": services.make_effective}


def _step(name: str):
    def step(request, vote_id: int):
        vote = access.get_vote_for(request.auth, vote_id, for_write=True)
        return _detail(request, STEPS[name](vote, actor=request.auth))

    step.__name__ = f"{name}_vote"
    return step


for _name, _summary in (("open", "开始投票"), ("close", "截止投票并计票（录入期结束前仅业委会）"),
                        ("publish", "公布结果"), ("effective", "确认生效")):
    router.post(f"/votes/{{vote_id}}/{_name}", response={200: VoteDetailOut, **ERRORS},
                summary=_summary)(_step(_name))


def _control(request, vote: Vote, kind: str, params: dict, reason: str = "") -> Vote:
    """An owner-side control of the vote, changed by the committee at once (a company-side user
    gets a 403 and proposes it through ``POST /communities/{id}/control-changes``)."""
    controls.request_change(vote.community, kind, params, actor=request.auth, reason=reason,
                            propose=False)
    vote.refresh_from_db()
    return vote


@router.post("/votes/{vote_id}/announce", response={200: VoteDetailOut, **ERRORS},
             summary="公告（业委会；物业公司请提交管控变更申请）")
def announce_vote(request, vote_id: int):
    vote = access.get_vote_for(request.auth, vote_id, for_write=True)
    return _detail(request, _control(request, vote, ControlKind.VOTE_ANNOUNCE, {"vote": vote.pk}))


@router.post("/votes/{vote_id}/cancel", response={200: VoteDetailOut, **ERRORS},
             summary="撤销表决（已公告的：业委会；物业公司请提交管控变更申请）")
def cancel_vote(request, vote_id: int, payload: VoteReasonIn):
    vote = access.get_vote_for(request.auth, vote_id, for_write=True)
    return _detail(request, _control(request, vote, ControlKind.VOTE_CANCEL,
                                     {"vote": vote.pk, "reason": payload.reason}, payload.reason))


@router.post("/votes/{vote_id}/extend", response={200: VoteDetailOut, **ERRORS},
             summary="延长投票期（业委会；物业公司请提交管控变更申请）")
def extend_vote(request, vote_id: int, payload: ExtendIn):
    vote = access.get_vote_for(request.auth, vote_id, for_write=True)
    if timezone.is_naive(payload.closes_at):
        raise ValidationError({"closes_at": ["请带时区填写时间，如 2026-03-30T10:00:00+08:00"]})
    return _detail(request, _control(request, vote, ControlKind.VOTE_EXTEND, {
        "vote": vote.pk, "closes_at": services.log_time(payload.closes_at)}, payload.reason))


# --- ballots -------------------------------------------------------------------------------------

def _vote_unit(vote: Vote, unit_id: int) -> VoteUnit | None:
    return VoteUnit.objects.filter(vote=vote, unit_id=unit_id).first()


@router.post("/votes/{vote_id}/ballots", response={201: BallotOut, **ERRORS},
             summary="投票（业主线上）")
@idempotent
def cast_ballot(request, vote_id: int, payload: CastIn,
                idempotency_key: IdempotencyKeyHeader = None):
    vote = access.get_vote_for(request.auth, vote_id)
    ballot = balloting.cast_ballot(vote, _vote_unit(vote, payload.unit_id), actor=request.auth,
                                   choice=payload.choice.value)
    return Status(201, _ballot_out(ballot, receipt=True))


@router.post("/votes/{vote_id}/entered-ballots", response={201: BallotOut, **ERRORS},
             summary="录入纸质票/委托票（待复核）")
@idempotent
def enter_ballot(request, vote_id: int, payload: EnterIn,
                 idempotency_key: IdempotencyKeyHeader = None):
    vote = access.get_vote_for(request.auth, vote_id)
    person = None
    if payload.person_id is not None:
        person = get_object_or_404(Person, pk=payload.person_id, community_id=vote.community_id)
    ballot = balloting.enter_ballot(
        vote, _vote_unit(vote, payload.unit_id), actor=request.auth,
        choice=payload.choice.value, channel=payload.channel.value,
        received_at=payload.received_at, person=person,
        scan=uploads.resolve_upload(request.auth, payload.scan_id, community=vote.community,
                                    purpose=uploads.BALLOT_SCAN, field="scan_id"),
        authorisation=uploads.resolve_upload(request.auth, payload.authorisation_id,
                                             community=vote.community,
                                             purpose=uploads.BALLOT_AUTHORISATION,
                                             field="authorisation_id"),
        proxy_name=payload.proxy_name)
    return Status(201, _ballot_out(ballot, receipt=False))


@router.post("/ballots/{ballot_id}/confirm", response={200: BallotOut, **ERRORS},
             summary="复核通过（业委会委员，非录入人；业主已在线投票的转为待业主确认）")
def confirm_ballot(request, ballot_id: int):
    ballot = access.get_ballot_for(request.auth, ballot_id, for_write=True)
    return _ballot_out(balloting.confirm_ballot(ballot, actor=request.auth), receipt=False)


@router.post("/ballots/{ballot_id}/reject", response={200: BallotOut, **ERRORS},
             summary="复核退回（业委会委员）")
def reject_ballot(request, ballot_id: int, payload: VoteReasonIn):
    ballot = access.get_ballot_for(request.auth, ballot_id, for_write=True)
    return _ballot_out(balloting.reject_ballot(ballot, actor=request.auth, reason=payload.reason),
                       receipt=False)


@router.post("/ballots/{ballot_id}/resolve", response={200: BallotOut, **ERRORS},
             summary="业主确认：录入的票与线上投票冲突时以哪张为准")
def resolve_ballot(request, ballot_id: int, payload: ResolveIn):
    ballot = access.get_ballot_for(request.auth, ballot_id)
    ballot = balloting.resolve_held_ballot(ballot, actor=request.auth,
                                           accept=payload.decision == "accept")
    return _ballot_out(ballot, receipt=ballot.status == "valid")


@router.post("/votes/{vote_id}/verify-receipt", response={200: BallotReceiptOut, **ERRORS},
             summary="核对回执")
def verify_receipt(request, vote_id: int, payload: ReceiptIn):
    vote = access.get_vote_for(request.auth, vote_id)
    checked = services.verify_receipt(vote, payload.receipt)
    return {"ballot": checked["ballot"].ref, "unit": checked["unit"],
            "choice": checked["choice"], "counted": checked["counted"],
            "leaf": checked["leaf"], "superseded_by": checked["superseded_by"]}


# --- published documents -------------------------------------------------------------------------

@router.get("/votes/{vote_id}/electorate", response={200: Any, **ERRORS},
            summary="表决权名册（开始投票时冻结；RFC 8785 JSON，SHA-256 见透明日志）")
def electorate(request, vote_id: int):
    vote = access.get_vote_for(request.auth, vote_id)
    if not vote.electorate_sha256:
        raise ValidationError({"status": ["开始投票后才有表决权名册"]})
    return canonical_json(selectors.electorate_document(vote))


@router.get("/votes/{vote_id}/ballot-list", response={200: Any, **ERRORS},
            summary="选票清单（公布结果后；可据此重新计票）")
def ballot_list(request, vote_id: int):
    vote = access.get_vote_for(request.auth, vote_id)
    if not vote.shows_result:
        raise ValidationError({"status": ["公布结果后才公开选票清单"]})
    return canonical_json(selectors.ballots_document(vote))
