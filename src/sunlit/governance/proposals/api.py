"""Proposals API (/api/v1/): 金点子 and interim-meeting requests, the policy, and the staff
list of units that have not voted yet — scoped like the pages.

A proposal of another community is 404; creating POSTs honour ``Idempotency-Key``; the
not-voted list never carries any choice.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import Http404
from django.utils import timezone
from ninja import Field, Query, Router, Schema, Status

from sunlit.api.errors import ERRORS
from sunlit.api.filtering import filtered
from sunlit.api.idempotency import IdempotencyKeyHeader, idempotent
from sunlit.api.pagination import Page, PageQuery, page
from sunlit.api.scope import community_for
from sunlit.core import uploads
from sunlit.core.permissions import require
from sunlit.governance.controls import services as controls
from sunlit.governance.controls.models import ControlKind
from sunlit.governance.proposals import selectors as select
from sunlit.governance.proposals import services as proposals
from sunlit.governance.proposals.access import get_proposal_for
from sunlit.governance.proposals.choices import (
    Decision,
    ProposalCategory,
    ProposalFilter,
    ProposalKind,
)
from sunlit.governance.proposals.filters import ProposalListFilter
from sunlit.governance.proposals.models import Proposal
from sunlit.governance.votes import access
from sunlit.governance.votes.api import Ratio, ratio_out  # one schema for exact ratios
from sunlit.governance.votes.choices import MatterKind

router = Router(tags=["proposals"])


class InterimProgressOut(Schema):
    signed_owners: int
    total_owners: int
    signed_area: str
    total_area: str
    owners_ratio: Ratio
    area_ratio: Ratio
    counts_area: bool = Field(..., description="是否同时要求 20% 专有面积")
    reached: bool = Field(..., description="达到法定提议人数（≥ 1/5，含本数）")


class ProposalOut(Schema):
    id: int
    community_id: int
    kind: ProposalKind
    title: str
    text: str
    category: ProposalCategory
    author: str = Field(..., description="提议人，只显示“X号楼业主”")
    status: str
    status_label: str
    supporters: int
    threshold: int = Field(..., description="答复门槛（支持人数）；临时业主大会提议为 0（按 20% 业主计）")
    created_at: dt.datetime
    reached_at: dt.datetime | None
    answer_due: dt.datetime | None = Field(..., description="答复（召集）期限")
    overdue_days: int = Field(..., description="逾期未答复的天数；0 为未逾期")
    decision: str
    answer: str
    answer_sha256: str
    answered_by: str
    answered_at: dt.datetime | None
    answered_late_days: int
    meeting_on: dt.date | None
    vote_id: int | None
    ticket_number: str | None
    photo_ids: list[int]


class ProposalDetailOut(ProposalOut):
    supported: bool = Field(..., description="当前用户是否已支持（联署）")
    progress: InterimProgressOut | None


class ProposalIn(Schema):
    kind: ProposalKind = ProposalKind.IDEA
    title: str = Field(..., max_length=100)
    text: str = Field(..., max_length=5000)
    category: ProposalCategory = ProposalCategory.OTHER
    photo_ids: list[int] = Field([], description="已上传图片的 id（最多 9 张）")


class SupportOut(Schema):
    proposal_id: int
    supporters: int
    status: str


class ProposalAnswerIn(Schema):
    decision: Decision
    answer: str = Field(..., max_length=5000)
    meeting_on: dt.date | None = Field(None, description="临时业主大会召开日期（组织召开时）")
    matter: MatterKind | None = Field(None, description="转为表决时：事项类别")
    opens_at: dt.datetime | None = Field(None, description="转为表决时：投票开始")
    closes_at: dt.datetime | None = Field(None, description="转为表决时：投票截止")


class ProposalCloseIn(Schema):
    note: str = Field(..., max_length=200)


class PolicyIO(Schema):
    support_threshold: int = Field(..., ge=1, le=100000)
    answer_days: int = Field(..., ge=1, le=90)
    convene_days: int = Field(..., ge=1, le=90)
    interim_counts_area: bool = False


class NotVotedOut(Schema):
    unit: str
    area: str
    owners: list[str] = Field(..., description="业主姓名（脱敏）")
    phones: list[str] = Field(..., description="联系电话（脱敏）")
    pending: int = Field(..., description="已录入、待复核的纸质/委托票张数")
    developer: bool


def _out(proposal: Proposal, now: dt.datetime) -> dict[str, Any]:
    return {
        "id": proposal.pk, "community_id": proposal.community_id, "kind": proposal.kind,
        "title": proposal.title, "text": proposal.text, "category": proposal.category,
        "author": proposal.author_label, "status": proposal.status,
        "status_label": proposal.get_status_display(), "supporters": proposal.supporters,
        "threshold": proposal.threshold, "created_at": proposal.created_at,
        "reached_at": proposal.reached_at, "answer_due": proposal.answer_due,
        "overdue_days": proposal.overdue_days(now), "decision": proposal.decision,
        "answer": proposal.answer, "answer_sha256": proposal.answer_sha256,
        "answered_by": proposal.answered_by_label, "answered_at": proposal.answered_at,
        "answered_late_days": proposal.answered_late_days(), "meeting_on": proposal.meeting_on,
        "vote_id": proposal.vote_id,
        "ticket_number": proposal.ticket.number if proposal.ticket_id else None,
        "photo_ids": [p.pk for p in proposal.photos.all()],
    }


def _detail(request, proposal: Proposal) -> dict[str, Any]:
    progress = None
    if proposal.is_interim:
        p = select.interim_progress(proposal)
        progress = {"signed_owners": p.signed_owners, "total_owners": p.total_owners,
                    "signed_area": f"{p.signed_area:.2f}", "total_area": f"{p.total_area:.2f}",
                    "owners_ratio": ratio_out(p.owners_ratio), "area_ratio": ratio_out(p.area_ratio),
                    "counts_area": p.counts_area, "reached": p.reached}
    return {**_out(proposal, timezone.now()),
            "supported": bool(select.supported_by(request.auth, [proposal])),
            "progress": progress}


@router.get("/communities/{community_id}/proposals", response={200: Page[ProposalOut], **ERRORS},
            summary="金点子列表")
def list_proposals(request, community_id: int, query: Query[PageQuery],
                   show: ProposalFilter | None = None, kind: ProposalKind | None = None):
    community = community_for(request, community_id, "governance.view")
    now = timezone.now()
    rows = filtered(ProposalListFilter, Proposal.objects.in_community(community),
                    {"show": show, "kind": kind}, now=now)
    rows = rows.select_related("ticket").prefetch_related("photos").order_by("-created_at", "-pk")
    return page(rows, query, lambda p: _out(p, now))


@router.post("/communities/{community_id}/proposals", response={201: ProposalDetailOut, **ERRORS},
             summary="提出金点子或临时业主大会提议")
@idempotent
def create_proposal(request, community_id: int, payload: ProposalIn,
                    idempotency_key: IdempotencyKeyHeader = None):
    community = community_for(request, community_id, "governance.propose")
    photos = uploads.resolve_uploads(request.auth, payload.photo_ids, community=community,
                                     purpose=uploads.PROPOSAL_PHOTO, field="photo_ids")
    proposal = proposals.submit_proposal(
        community, actor=request.auth, kind=payload.kind.value, title=payload.title,
        text=payload.text, category=payload.category.value, photos=photos)
    return Status(201, _detail(request, proposal))


@router.get("/proposals/{proposal_id}", response={200: ProposalDetailOut, **ERRORS},
            summary="金点子详情")
def get_proposal(request, proposal_id: int):
    return _detail(request, get_proposal_for(request.auth, proposal_id))


@router.post("/proposals/{proposal_id}/support", response={201: SupportOut, **ERRORS},
             summary="支持（联署）")
@idempotent
def support(request, proposal_id: int, idempotency_key: IdempotencyKeyHeader = None):
    proposal = get_proposal_for(request.auth, proposal_id)
    proposals.support_proposal(proposal, actor=request.auth)
    proposal.refresh_from_db()
    return Status(201, {"proposal_id": proposal.pk, "supporters": proposal.supporters,
                        "status": proposal.status})


@router.delete("/proposals/{proposal_id}/support", response={200: SupportOut, **ERRORS},
               summary="撤回支持")
def unsupport(request, proposal_id: int):
    proposal = get_proposal_for(request.auth, proposal_id)
    proposals.withdraw_support(proposal, actor=request.auth)
    proposal.refresh_from_db()
    return {"proposal_id": proposal.pk, "supporters": proposal.supporters,
            "status": proposal.status}


@router.post("/proposals/{proposal_id}/withdraw", response={200: ProposalDetailOut, **ERRORS},
             summary="提议人撤回")
def withdraw(request, proposal_id: int):
    proposal = proposals.withdraw_proposal(get_proposal_for(request.auth, proposal_id),
                                           actor=request.auth)
    return _detail(request, proposal)


@router.post("/proposals/{proposal_id}/answer", response={200: ProposalDetailOut, **ERRORS},
             summary="业委会公开答复（可转为表决或工单）")
def answer(request, proposal_id: int, payload: ProposalAnswerIn):
    proposal = get_proposal_for(request.auth, proposal_id)
    vote_fields = {"matter": payload.matter.value if payload.matter else None,
                   "opens_at": payload.opens_at, "closes_at": payload.closes_at}
    proposal = proposals.answer_proposal(
        proposal, actor=request.auth, decision=payload.decision.value, answer=payload.answer,
        meeting_on=payload.meeting_on, vote_fields=vote_fields)
    return _detail(request, proposal)


@router.post("/proposals/{proposal_id}/close", response={200: ProposalDetailOut, **ERRORS},
             summary="办结")
def close(request, proposal_id: int, payload: ProposalCloseIn):
    proposal = proposals.close_proposal(get_proposal_for(request.auth, proposal_id),
                                        actor=request.auth, note=payload.note)
    return _detail(request, proposal)


@router.get("/communities/{community_id}/governance-policy", response={200: PolicyIO, **ERRORS},
            summary="议事规则设置")
def get_policy(request, community_id: int):
    policy = select.policy_for(community_for(request, community_id, "governance.view"))
    return {"support_threshold": policy.support_threshold, "answer_days": policy.answer_days,
            "convene_days": policy.convene_days,
            "interim_counts_area": policy.interim_counts_area}


@router.put("/communities/{community_id}/governance-policy", response={200: PolicyIO, **ERRORS},
            summary="修改议事规则设置（业委会；物业公司只能降低门槛、缩短期限，其余请提交管控变更申请）")
def put_policy(request, community_id: int, payload: PolicyIO):
    community = community_for(request, community_id, "governance.policy")
    controls.request_change(community, ControlKind.GOVERNANCE_POLICY, payload.dict(),
                            actor=request.auth, propose=False)
    policy = select.policy_for(community)
    return {"support_threshold": policy.support_threshold, "answer_days": policy.answer_days,
            "convene_days": policy.convene_days,
            "interim_counts_area": policy.interim_counts_area}


@router.get("/votes/{vote_id}/not-voted", response={200: Page[NotVotedOut], **ERRORS},
            summary="未投票房屋（上门征集，不含表决意见）")
def not_voted(request, vote_id: int, query: Query[PageQuery]):
    vote = access.get_vote_for(request.auth, vote_id)
    require(request.auth, "governance.enter_ballots", vote)
    if not vote.electorate_sha256:
        raise Http404
    return page(select.not_voted(vote), query, lambda r: {
        "unit": r.unit, "area": f"{r.area:.2f}", "owners": r.owners, "phones": r.phones,
        "pending": r.pending, "developer": r.developer})
