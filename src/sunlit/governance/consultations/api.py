"""Public comment API (/api/v1/, tag ``meetings``): scoped like the pages; another community's
comment period, or a draft the caller does not run, is 404. Creating POSTs honour
``Idempotency-Key``."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import ValidationError
from ninja import Field, Query, Router, Schema, Status

from sunlit.api.errors import ERRORS
from sunlit.api.idempotency import IdempotencyKeyHeader, idempotent
from sunlit.api.pagination import Page, PageQuery, page
from sunlit.api.scope import community_for
from sunlit.api.values import plain_values
from sunlit.core import uploads
from sunlit.core.permissions import can
from sunlit.governance.consultations import services as consultations
from sunlit.governance.consultations.access import get_comment_for, get_consultation_for
from sunlit.governance.consultations.models import Consultation, ConsultationKind, ConsultationTopic
from sunlit.governance.votes.models import Vote

router = Router(tags=["meetings"])


# --- schemas ---

class ConsultationIn(Schema):
    kind: ConsultationKind
    topic: ConsultationTopic = ConsultationTopic.OTHER
    title: str = Field(..., max_length=100)
    description: str = Field(..., max_length=10000)
    starts_at: dt.datetime
    ends_at: dt.datetime


class DocumentIn(Schema):
    upload_id: int
    title: str = Field(..., max_length=100)


class AnswerOut(Schema):
    id: int
    answerer: str
    answerer_role: str
    text: str
    created_at: dt.datetime


class CommentOut(Schema):
    id: int
    author: str = Field(..., description="脱敏的发表人，如“3号楼业主”")
    text: str
    text_sha256: str
    created_at: dt.datetime
    leaf_index: int | None
    answers: list[AnswerOut]


class ConsultationDocumentOut(Schema):
    id: int
    title: str
    kind: str
    sha256: str


class ConsultationOut(Schema):
    id: int
    community_id: int
    kind: str
    topic: str
    title: str
    description: str
    starts_at: dt.datetime
    ends_at: dt.datetime
    status: str
    accepts_comments: bool
    text_sha256: str
    summary: str
    summary_sha256: str
    vote_id: int | None
    documents: list[ConsultationDocumentOut]
    comments: list[CommentOut]


class CommentIn(Schema):
    text: str = Field(..., max_length=5000)


class ConsultationCloseIn(Schema):
    summary: str = Field(..., max_length=5000)
    vote_id: int | None = None


def _consultation_out(item: Consultation) -> dict[str, Any]:
    from django.utils import timezone

    return {
        "id": item.pk, "community_id": item.community_id, "kind": item.kind,
        "topic": item.topic, "title": item.title, "description": item.description,
        "starts_at": item.starts_at, "ends_at": item.ends_at, "status": item.status,
        "accepts_comments": item.accepts_comments(timezone.now()),
        "text_sha256": item.text_sha256, "summary": item.summary,
        "summary_sha256": item.summary_sha256, "vote_id": item.vote_id,
        "documents": [{"id": d.pk, "title": d.title, "kind": d.upload.kind,
                       "sha256": d.upload.sha256}
                      for d in item.documents.select_related("upload")],
        "comments": [{"id": c.pk, "author": c.author_label, "text": c.text,
                      "text_sha256": c.text_sha256, "created_at": c.created_at,
                      "leaf_index": c.leaf_index,
                      "answers": [{"id": a.pk, "answerer": a.answerer_name,
                                   "answerer_role": a.answerer_role, "text": a.text,
                                   "created_at": a.created_at} for a in c.answers.all()]}
                     for c in item.comments.prefetch_related("answers").order_by("created_at",
                                                                                 "pk")],
    }


# --- public comment ------------------------------------------------------------------------------

@router.get("/communities/{community_id}/consultations",
            response={200: Page[ConsultationOut], **ERRORS}, summary="公示与征求意见列表")
def list_consultations(request, community_id: int, query: Query[PageQuery]):
    community = community_for(request, community_id, "consultations.view")
    items = Consultation.objects.in_community(community)
    if not can(request.auth, "consultations.manage", community=community):
        items = items.public()
    return page(items.order_by("-starts_at", "-pk"), query, _consultation_out)


@router.post("/communities/{community_id}/consultations",
             response={201: ConsultationOut, **ERRORS}, summary="发起公示/征求意见（草稿）")
@idempotent
def create_consultation(request, community_id: int, payload: ConsultationIn,
                        idempotency_key: IdempotencyKeyHeader = None):
    community = community_for(request, community_id, "consultations.manage")
    item = consultations.create_consultation(community, actor=request.auth,
                                             **plain_values(payload.dict()))
    return Status(201, _consultation_out(item))


@router.get("/consultations/{consultation_id}", response={200: ConsultationOut, **ERRORS},
            summary="公示详情（含意见与答复）")
def get_consultation(request, consultation_id: int):
    return _consultation_out(get_consultation_for(request.auth, consultation_id))


@router.post("/consultations/{consultation_id}/documents",
             response={201: ConsultationOut, **ERRORS}, summary="添加公示材料（草稿）")
@idempotent
def add_document(request, consultation_id: int, payload: DocumentIn,
                 idempotency_key: IdempotencyKeyHeader = None):
    item = get_consultation_for(request.auth, consultation_id, for_write=True)
    upload = uploads.resolve_upload(request.auth, payload.upload_id, community=item.community,
                                    purpose=uploads.CONSULTATION_DOCUMENT, field="upload_id")
    consultations.add_document(item, upload, actor=request.auth, title=payload.title)
    return Status(201, _consultation_out(item))


@router.post("/consultations/{consultation_id}/publish",
             response={200: ConsultationOut, **ERRORS}, summary="发布")
def publish_consultation(request, consultation_id: int):
    item = get_consultation_for(request.auth, consultation_id, for_write=True)
    return _consultation_out(consultations.publish_consultation(item, actor=request.auth))


@router.post("/consultations/{consultation_id}/comments", response={201: CommentOut, **ERRORS},
             summary="业主发表意见（征求意见期间）")
@idempotent
def add_comment(request, consultation_id: int, payload: CommentIn,
                idempotency_key: IdempotencyKeyHeader = None):
    item = get_consultation_for(request.auth, consultation_id)
    c = consultations.comment(item, actor=request.auth, text=payload.text)
    return Status(201, {"id": c.pk, "author": c.author_label, "text": c.text,
                        "text_sha256": c.text_sha256, "created_at": c.created_at,
                        "leaf_index": c.leaf_index, "answers": []})


@router.post("/comments/{comment_id}/answers", response={201: AnswerOut, **ERRORS},
             summary="公开答复业主意见")
@idempotent
def add_answer(request, comment_id: int, payload: CommentIn,
               idempotency_key: IdempotencyKeyHeader = None):
    a = consultations.answer(get_comment_for(request.auth, comment_id), actor=request.auth,
                             text=payload.text)
    return Status(201, {"id": a.pk, "answerer": a.answerer_name,
                        "answerer_role": a.answerer_role, "text": a.text,
                        "created_at": a.created_at})


@router.post("/consultations/{consultation_id}/close",
             response={200: ConsultationOut, **ERRORS}, summary="结束并公布结果说明")
def close_consultation(request, consultation_id: int, payload: ConsultationCloseIn):
    item = get_consultation_for(request.auth, consultation_id, for_write=True)
    vote = None
    if payload.vote_id is not None:
        vote = Vote.objects.in_community(item.community).filter(pk=payload.vote_id).first()
        if vote is None:
            raise ValidationError({"vote_id": ["只能关联本小区的表决"]})
    return _consultation_out(consultations.close_consultation(item, actor=request.auth,
                                                              summary=payload.summary,
                                                              vote=vote))
