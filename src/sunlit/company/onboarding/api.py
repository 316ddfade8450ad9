"""Onboarding API (小区建档): the same steps as the pages at ``/company/communities/``, for the
company's administrators; a community of another company is a 404 like a missing one."""

from __future__ import annotations

import datetime as dt

from django.urls import reverse
from ninja import Field, Router, Schema, Status

from sunlit.api.errors import ERRORS
from sunlit.api.idempotency import IdempotencyKeyHeader, idempotent
from sunlit.company.access import get_community_for
from sunlit.company.onboarding import selectors as onboarding_selectors
from sunlit.company.onboarding import services as onboarding
from sunlit.core import uploads

router = Router(tags=["company"])


class CommunityIn(Schema):
    name: str = Field(..., max_length=100, description="小区名称")
    code: str = Field(..., max_length=40, description="小区编码：3–40 位小写字母、数字或连字符")
    city: str = Field("", max_length=30)
    district: str = Field("", max_length=30)
    address: str = Field("", max_length=200)
    built_year: int | None = None
    service_phone: str = Field("", max_length=30)


class ChecklistStepOut(Schema):
    key: str
    label: str
    done: bool
    required: bool
    detail: str
    who: str = ""
    url: str = Field("", description="办理该项的页面")


class ChecklistOut(Schema):
    community_id: int
    name: str
    code: str
    log_origin: str | None
    steps: list[ChecklistStepOut]
    missing: list[str] = Field(..., description="开放业主激活前还缺的必需项（key）")


def _checklist(community) -> dict:
    from sunlit.transparency.models import Log

    steps = onboarding_selectors.checklist(community)
    log = Log.objects.filter(community=community).first()
    return {
        "community_id": community.pk, "name": community.name, "code": community.code,
        "log_origin": log.origin if log else None,
        "steps": [{"key": s.key, "label": str(s.label), "done": s.done, "required": s.required,
                   "detail": str(s.detail), "who": str(s.who), "url": s.url} for s in steps],
        "missing": [s.key for s in onboarding_selectors.missing(steps)],
    }


@router.post("/company/communities", response={201: ChecklistOut, **ERRORS},
             summary="新建小区（建档第一步）")
@idempotent
def create_community(request, payload: CommunityIn, idempotency_key: IdempotencyKeyHeader = None):
    community = onboarding.start_community(request.auth, **payload.dict())
    return Status(201, _checklist(community))


@router.get("/company/communities/{community_id}/checklist",
            response={200: ChecklistOut, **ERRORS}, summary="建档清单")
def checklist(request, community_id: int):
    return _checklist(get_community_for(request.auth, community_id))


class BuildingsIn(Schema):
    names: str = Field(..., max_length=2000, description="楼栋：如“1-12号楼”或“A座 B座”")
    floors: int = Field(..., description="地上层数（1–120）")
    has_elevator: bool = False


class BuildingsOut(Schema):
    added: list[str]
    checklist: ChecklistOut


@router.post("/company/communities/{community_id}/buildings",
             response={201: BuildingsOut, **ERRORS}, summary="登记楼栋")
@idempotent
def add_buildings(request, community_id: int, payload: BuildingsIn,
                  idempotency_key: IdempotencyKeyHeader = None):
    community = get_community_for(request.auth, community_id)
    built = onboarding.add_buildings(community, actor=request.auth, **payload.dict())
    return Status(201, {"added": [b.name for b in built], "checklist": _checklist(community)})


class CommitteeIn(Schema):
    authority: str = Field(..., max_length=100, description="备案机关")
    number: str = Field(..., max_length=60, description="备案编号")
    filed_on: dt.date = Field(..., description="备案日期")
    document_id: int = Field(..., description="备案文件：先上传（/communities/{id}/uploads）")
    member_ids: list[int] = Field(..., description="委员：名册中业主的人员 id")


class CommitteeOut(Schema):
    filing_id: int
    batch: str = Field(..., description="激活码批次：在“账号激活码”页面打印")
    codes: int
    print_url: str


@router.post("/company/communities/{community_id}/committee",
             response={201: CommitteeOut, **ERRORS}, summary="登记业委会备案并邀请委员")
@idempotent
def file_committee(request, community_id: int, payload: CommitteeIn,
                   idempotency_key: IdempotencyKeyHeader = None):
    community = get_community_for(request.auth, community_id)
    document = uploads.resolve_upload(request.auth, payload.document_id, community=community,
                                      purpose=uploads.COMMITTEE_FILING, field="document_id")
    filing = onboarding.file_committee(
        community, actor=request.auth, authority=payload.authority, number=payload.number,
        filed_on=payload.filed_on, document=document, members=payload.member_ids)
    batch = filing.codes.first().batch
    return Status(201, {"filing_id": filing.pk, "batch": batch, "codes": filing.codes.count(),
                        "print_url": reverse("registry:activation_batch", args=[batch])})


class SignedCheckpointOut(Schema):
    signed: bool = Field(..., description="本次签发了新的检查点（否则已是最新）")
    size: int | None = None


@router.post("/company/communities/{community_id}/checkpoint",
             response={200: SignedCheckpointOut, **ERRORS}, summary="签发检查点")
def sign_checkpoint(request, community_id: int):
    community = get_community_for(request.auth, community_id)
    checkpoint = onboarding.sign_first_checkpoint(community, actor=request.auth)
    return {"signed": checkpoint is not None, "size": checkpoint.size if checkpoint else None}


class InviteOut(Schema):
    batch: str
    print_url: str


@router.post("/company/communities/{community_id}/invite",
             response={201: InviteOut, **ERRORS}, summary="开放业主激活（建档完成）")
@idempotent
def invite_owners(request, community_id: int, idempotency_key: IdempotencyKeyHeader = None):
    community = get_community_for(request.auth, community_id)
    batch = onboarding.invite_owners(community, actor=request.auth)
    return Status(201, {"batch": batch,
                        "print_url": reverse("registry:activation_batch", args=[batch])})
