"""Owner-side controls API (/api/v1/): the public list of changes, proposing a change, the
committee's decision — scoped like the pages (another community's change is 404)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import ValidationError
from ninja import Field, Query, Router, Schema, Status

from sunlit.api.errors import ERRORS
from sunlit.api.filtering import filtered
from sunlit.api.idempotency import IdempotencyKeyHeader, idempotent
from sunlit.api.pagination import Page, PageQuery, page
from sunlit.api.scope import community_for
from sunlit.governance.controls import access
from sunlit.governance.controls import services as controls
from sunlit.governance.controls.filters import ControlChangeFilter
from sunlit.governance.controls.models import ControlChange, ControlKind, ControlStatus

router = Router(tags=["governance"])


class ControlChangeOut(Schema):
    id: int
    community_id: int
    kind: ControlKind
    kind_label: str
    subject: str = Field(..., description="对象（表决、见证人……），没有时为空")
    params: dict[str, Any] = Field(..., description="变更内容（各管控事项自己的参数）")
    summary: str
    reason: str
    weakens: bool = Field(..., description="是否削弱对业主的保护（是：须业委会决定）")
    status: ControlStatus
    status_label: str
    proposed_by: str
    proposed_side: str
    proposed_at: dt.datetime
    decided_by: str | None
    decided_side: str
    decided_at: dt.datetime | None
    decision_note: str


class ControlChangeIn(Schema):
    kind: ControlKind
    params: dict[str, Any] = Field(..., description=(
        "finance.money_policy: {dual_approval_above, receipt_required_above}（金额字符串）；"
        "board.require_cosign: {require_cosign}；log.witness_add: {name, vkey, url}；"
        "log.witness_revoke: {witness}；governance.vote_announce: {vote}；"
        "governance.vote_cancel: {vote, reason}；governance.vote_extend: {vote, closes_at}；"
        "governance.policy: {support_threshold, answer_days, convene_days, interim_counts_area}"))
    reason: str = Field("", max_length=200, description="理由（提请业委会确认时必填）")


class ControlConfirmIn(Schema):
    note: str = Field("", max_length=200)


class ReasonIn(Schema):
    reason: str = Field(..., max_length=200)


def change_out(change: ControlChange) -> dict:
    return {
        "id": change.pk, "community_id": change.community_id, "kind": change.kind,
        "kind_label": change.get_kind_display(), "subject": change.subject_label,
        "params": change.params, "summary": change.summary, "reason": change.reason,
        "weakens": change.weakens, "status": change.status,
        "status_label": change.get_status_display(),
        "proposed_by": str(change.proposed_by) if change.proposed_by else "",
        "proposed_side": change.proposed_side, "proposed_at": change.proposed_at,
        "decided_by": str(change.decided_by) if change.decided_by else None,
        "decided_side": change.decided_side, "decided_at": change.decided_at,
        "decision_note": change.decision_note,
    }


@router.get("/communities/{community_id}/control-changes",
            response={200: Page[ControlChangeOut], **ERRORS}, summary="管控变更（全体成员可见）")
def list_changes(request, community_id: int, query: Query[PageQuery],
                 status: ControlStatus | None = None, kind: ControlKind | None = None):
    community = community_for(request, community_id, "governance.controls.view")
    rows = ControlChange.objects.in_community(community).select_related("proposed_by",
                                                                        "decided_by")
    rows = filtered(ControlChangeFilter, rows, {"status": status, "kind": kind})
    return page(rows.order_by("-proposed_at", "-pk"), query, change_out)


@router.post("/communities/{community_id}/control-changes",
             response={201: ControlChangeOut, **ERRORS},
             summary="变更管控事项：业委会直接生效；物业公司加强保护的直接生效，削弱的提请业委会确认")
@idempotent
def request_change(request, community_id: int, payload: ControlChangeIn,
                   idempotency_key: IdempotencyKeyHeader = None):
    community = community_for(request, community_id, "governance.controls.view")
    change = controls.request_change(community, payload.kind.value, payload.params,
                                     actor=request.auth, reason=payload.reason)
    if change is None:
        raise ValidationError({"params": ["与现行设置相同，没有变化"]})
    return Status(201, change_out(change))


@router.get("/control-changes/{change_id}", response={200: ControlChangeOut, **ERRORS},
            summary="一项管控变更")
def get_change(request, change_id: int):
    return change_out(access.get_control_change_for(request.auth, change_id))


@router.post("/control-changes/{change_id}/confirm", response={200: ControlChangeOut, **ERRORS},
             summary="业委会委员确认（立即生效）")
def confirm_change(request, change_id: int, payload: ControlConfirmIn):
    change = access.get_control_change_for(request.auth, change_id)
    return change_out(controls.confirm_change(change, actor=request.auth, note=payload.note))


@router.post("/control-changes/{change_id}/reject", response={200: ControlChangeOut, **ERRORS},
             summary="业委会委员否决")
def reject_change(request, change_id: int, payload: ReasonIn):
    change = access.get_control_change_for(request.auth, change_id)
    return change_out(controls.reject_change(change, actor=request.auth, reason=payload.reason))


@router.post("/control-changes/{change_id}/withdraw", response={200: ControlChangeOut, **ERRORS},
             summary="提出人撤回")
def withdraw_change(request, change_id: int):
    change = access.get_control_change_for(request.auth, change_id)
    return change_out(controls.withdraw_change(change, actor=request.auth))
