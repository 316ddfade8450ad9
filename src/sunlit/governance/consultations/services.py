"""Every change to a public comment period — 公示 / 征求意见: draft, documents, publication,
owners' comments, public answers, the close with a summary.

A 公示 only shows a matter for its period; a 征求意见 also takes owners' comments while
``starts_at <= now < ends_at``. Comments are shown with a masked author (“3号楼业主”); on the
log a comment is the SHA-256 of its text plus a salted commitment to its author's name.
Answers by the company or the committee are public with the answerer's name and role. A period
lasts at least ``SUNLIT_CONSULTATION_MIN_DAYS`` (default 7).
"""

from __future__ import annotations

import datetime as dt
import hashlib
from functools import partial

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from sunlit.core import audit, uploads
from sunlit.core.choices import STAFF_ROLES, Role
from sunlit.core.clock import minute, now_or
from sunlit.core.locking import locked, status_error
from sunlit.core.models import AuditEvent, Community, Membership, Upload, User
from sunlit.core.permissions import require, roles_in
from sunlit.core.validators import clean_prose
from sunlit.governance.consultations.models import (
    Answer,
    Comment,
    Consultation,
    ConsultationDocument,
    ConsultationKind,
    ConsultationStatus,
    ConsultationTopic,
)
from sunlit.governance.meetings.services import display_name
from sunlit.governance.votes.selectors import owner_label, sha256_of
from sunlit.registry.models import Ownership
from sunlit.transparency import services as log
from sunlit.transparency.kinds import rfc3339

MAX_TITLE = 100
MAX_TEXT = 10000
MAX_COMMENT = 2000
MAX_ANSWER = 2000
MAX_SUMMARY = 5000
MAX_DAYS = 180
#: The role named with an answer (the most responsible one the answerer holds).
ANSWERER_ROLES = (Role.COMMITTEE, Role.COMPANY_ADMIN, Role.MANAGER, Role.SERVICE)


def min_days() -> int:
    return max(1, int(settings.SUNLIT_CONSULTATION_MIN_DAYS))



_status_error = partial(status_error, message=gettext_lazy("当前为“%(status)s”，%(wanted)s"))



def _sha(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


# --- the draft -----------------------------------------------------------------------------------

def _clean(errors: dict, *, kind, topic, title, description, starts_at, ends_at) -> dict:
    title = clean_prose(title if isinstance(title, str) else "")
    description = (description if isinstance(description, str) else "").strip()
    if kind not in ConsultationKind.values:
        errors["kind"] = [_("请选择公示或征求意见")]
    if topic not in ConsultationTopic.values:
        errors["topic"] = [_("请选择事项类别")]
    if not title:
        errors["title"] = [_("请填写事项")]
    elif len(title) > MAX_TITLE:
        errors["title"] = [_("事项最多 %(n)s 个字") % {"n": MAX_TITLE}]
    if not description:
        errors["description"] = [_("请填写事项说明")]
    elif len(description) > MAX_TEXT:
        errors["description"] = [_("事项说明最多 %(n)s 个字") % {"n": MAX_TEXT}]
    for name, value in (("starts_at", starts_at), ("ends_at", ends_at)):
        if not isinstance(value, dt.datetime) or timezone.is_naive(value):
            errors[name] = [_("请填写完整的日期和时间")]
    if "starts_at" not in errors and "ends_at" not in errors:
        _check_period(errors, starts_at, ends_at)
    return {"kind": kind, "topic": topic, "title": title, "description": description,
            "starts_at": starts_at, "ends_at": ends_at}


def _check_period(errors: dict, starts_at: dt.datetime, ends_at: dt.datetime) -> None:
    days = min_days()
    if ends_at - starts_at < dt.timedelta(days=days):
        errors["ends_at"] = [_("公示期至少 %(n)s 天（截止不早于 %(at)s）")
                             % {"n": days, "at": minute(starts_at + dt.timedelta(days=days))}]
    elif ends_at - starts_at > dt.timedelta(days=MAX_DAYS):
        errors["ends_at"] = [_("公示期最长 %(n)s 天") % {"n": MAX_DAYS}]


@transaction.atomic
def create_consultation(community: Community, *, actor: User, kind: str, title: str,
                        description: str, starts_at: dt.datetime, ends_at: dt.datetime,
                        topic: str = ConsultationTopic.OTHER) -> Consultation:
    """Drafts a 公示 or 征求意见 for a major matter. Nothing is public until it is published."""
    require(actor, "consultations.manage", community=community)
    errors: dict[str, list[str]] = {}
    data = _clean(errors, kind=kind, topic=topic, title=title, description=description,
                  starts_at=starts_at, ends_at=ends_at)
    if errors:
        raise ValidationError(errors)
    consultation = Consultation.objects.create(community=community, created_by=actor, **data)
    audit.record(AuditEvent.Action.CREATE, consultation, actor=actor, summary=consultation.title)
    return consultation


@transaction.atomic
def update_consultation(consultation: Consultation, *, actor: User, **fields) -> Consultation:
    """Changes a draft; after publication the text is on the log and stays as it is."""
    require(actor, "consultations.manage", consultation)
    consultation = locked(consultation, "community")
    if consultation.status != ConsultationStatus.DRAFT:
        raise _status_error(consultation, _("发布后不能再修改"))
    allowed = {"kind", "topic", "title", "description", "starts_at", "ends_at"}
    unknown = set(fields) - allowed
    if unknown:
        raise ValidationError({name: [_("不支持修改此项")] for name in sorted(unknown)})
    current = {name: getattr(consultation, name) for name in allowed}
    current.update(fields)
    errors: dict[str, list[str]] = {}
    data = _clean(errors, **current)
    if errors:
        raise ValidationError(errors)
    changes = audit.diff(consultation, data)
    for name, value in data.items():
        setattr(consultation, name, value)
    consultation.save(update_fields=list(data))
    audit.record(AuditEvent.Action.UPDATE, consultation, actor=actor, changes=changes,
                 summary=consultation.title)
    return consultation


@transaction.atomic
def add_document(consultation: Consultation, upload: Upload, *, actor: User,
                 title: str) -> ConsultationDocument:
    """Attaches a document (PDF or image: contract draft, plan, quote) to a draft."""
    require(actor, "consultations.manage", consultation)
    consultation = locked(consultation, "community")
    if consultation.status != ConsultationStatus.DRAFT:
        raise _status_error(consultation, _("发布后不能再增加材料"))
    title = clean_prose(title if isinstance(title, str) else "")
    errors = {}
    if not title or len(title) > 100:
        errors["title"] = [_("请填写材料名称（最多 100 个字）")]
    if problems := uploads.attach_errors(actor, [upload], community=consultation.community_id,
                                         purpose=uploads.CONSULTATION_DOCUMENT):
        errors["upload"] = problems
    if errors:
        raise ValidationError(errors)
    document = ConsultationDocument.objects.create(
        community_id=consultation.community_id, consultation=consultation, upload=upload,
        title=title)
    audit.record(AuditEvent.Action.CREATE, document, actor=actor, summary=title)
    return document


def text_document(consultation: Consultation) -> dict:
    """What the publication commits to (RFC 8785 JSON; its SHA-256 is on the log)."""
    return {
        "consultation": consultation.pk, "community": consultation.community.code,
        "kind": consultation.kind, "topic": consultation.topic, "title": consultation.title,
        "description": consultation.description,
        "starts_at": rfc3339(consultation.starts_at), "ends_at": rfc3339(consultation.ends_at),
        "documents": [{"title": d.title, "sha256": d.upload.sha256}
                      for d in consultation.documents.select_related("upload").order_by("pk")],
    }


@transaction.atomic
def publish_consultation(consultation: Consultation, *, actor: User,
                         now: dt.datetime | None = None) -> Consultation:
    """Publishes it — 发布公示: text, documents and period become public and fixed, every member
    is notified. A start already past becomes the moment of publication; the period must still
    last the minimum number of days."""
    require(actor, "consultations.manage", consultation)
    now = now_or(now)
    consultation = locked(consultation, "community")
    if consultation.status != ConsultationStatus.DRAFT:
        raise _status_error(consultation, _("只有草稿可以发布"))
    starts_at = max(consultation.starts_at, now)
    errors: dict[str, list[str]] = {}
    _check_period(errors, starts_at, consultation.ends_at)
    if errors:
        raise ValidationError(errors)
    consultation.starts_at = starts_at
    document = text_document(consultation)
    consultation.status, consultation.published_at = ConsultationStatus.PUBLISHED, now
    consultation.text_sha256 = sha256_of(document)
    consultation.save(update_fields=["starts_at", "status", "published_at", "text_sha256"])
    audit.record(AuditEvent.Action.UPDATE, consultation, actor=actor, summary=_("发布"),
                 changes={"status": [ConsultationStatus.DRAFT, ConsultationStatus.PUBLISHED]})
    log.record(consultation.community, "governance.consultation.published", consultation,
               time=now, public={
                   "title": consultation.title, "kind": consultation.kind,
                   "topic": consultation.topic, "starts_at": consultation.starts_at,
                   "ends_at": consultation.ends_at, "text_sha256": consultation.text_sha256,
                   "documents": [d["sha256"] for d in document["documents"]]})
    from sunlit.notices.choices import NotificationKind
    from sunlit.notices.services import notify

    members = list(Membership.objects.in_community(consultation.community).active()
                   .values_list("user_id", flat=True).distinct())
    notify(community=consultation.community, recipients=members,
           title=f"【{consultation.get_kind_display()}】{consultation.title}",
           body=_("公示期 %(a)s 至 %(b)s") % {"a": minute(consultation.starts_at),
                                          "b": minute(consultation.ends_at)},
           url=f"/governance/consultations/{consultation.pk}/",
           kind=NotificationKind.ANNOUNCEMENT, obj=consultation)
    return consultation


# --- comments and answers ------------------------------------------------------------------------

def author_label(unit) -> str:
    """The masked author of a comment: the building of his unit, “3号楼业主”."""
    return owner_label(unit.building.name)[:60]


@transaction.atomic
def comment(consultation: Consultation, *, actor: User, text: str,
            now: dt.datetime | None = None) -> Comment:
    """An owner comments — 发表意见 — within the period of a 征求意见. He may comment more than
    once. Shown as “X号楼业主”; on the log the text's SHA-256 and a commitment to his name."""
    require(actor, "consultations.comment", consultation)
    now = now_or(now)
    consultation = locked(consultation, "community")
    if consultation.kind != ConsultationKind.COMMENT:
        raise ValidationError({"consultation": [_("该事项只作公示，不征求意见")]})
    if not consultation.accepts_comments(now):
        if consultation.status == ConsultationStatus.PUBLISHED and now < consultation.starts_at:
            message = _("征求意见尚未开始（%(at)s 开始）") % {"at": minute(consultation.starts_at)}
        else:
            message = _("征求意见已结束")
        raise ValidationError({"consultation": [message]})
    ownership = (Ownership.objects.current(timezone.localdate(now))
                 .filter(community_id=consultation.community_id, person__user=actor)
                 .select_related("unit__building", "person")
                 .order_by("unit__building__sort_key", "unit__building__name", "pk").first())
    if ownership is None:
        raise ValidationError({"consultation": [_("只有本小区登记的业主可以发表意见")]})
    text = (text if isinstance(text, str) else "").strip()
    if not text:
        raise ValidationError({"text": [_("请填写意见")]})
    if len(text) > MAX_COMMENT:
        raise ValidationError({"text": [_("意见最多 %(n)s 个字") % {"n": MAX_COMMENT}]})
    item = Comment.objects.create(
        community_id=consultation.community_id, consultation=consultation, author=actor,
        person=ownership.person, author_label=author_label(ownership.unit), text=text,
        text_sha256=_sha(text), created_at=now)
    audit.record(AuditEvent.Action.CREATE, item, actor=actor, summary=text[:100])
    leaf = log.record(consultation.community, "governance.consultation.commented", item,
                      time=now, public={"consultation": consultation.pk, "comment": item.pk,
                                        "author": item.author_label,
                                        "text_sha256": item.text_sha256},
                      private={"author_name": ownership.person.name})
    item.leaf_index = leaf.index
    item.save(update_fields=["leaf_index"])
    return item


def answerer_role(user: User, community_id: int) -> str:
    roles = roles_in(user, community_id)
    for role in ANSWERER_ROLES:
        if role in roles:
            return str(Role(role).label)
    return ""


@transaction.atomic
def answer(item: Comment, *, actor: User, text: str, now: dt.datetime | None = None) -> Answer:
    """The company or the committee answers a comment in public — 答复 — by name and role,
    during the period or after it."""
    require(actor, "consultations.answer", item)
    now = now_or(now)
    consultation = locked(item.consultation, "community")
    if consultation.status not in (ConsultationStatus.PUBLISHED, ConsultationStatus.CLOSED):
        raise _status_error(consultation, _("不能答复"))
    text = (text if isinstance(text, str) else "").strip()
    if not text:
        raise ValidationError({"text": [_("请填写答复")]})
    if len(text) > MAX_ANSWER:
        raise ValidationError({"text": [_("答复最多 %(n)s 个字") % {"n": MAX_ANSWER}]})
    reply = Answer.objects.create(
        community_id=item.community_id, comment=item, answered_by=actor,
        answerer_name=display_name(actor), answerer_role=answerer_role(actor, item.community_id),
        text=text, created_at=now)
    audit.record(AuditEvent.Action.CREATE, reply, actor=actor, summary=text[:100])
    # staff answer in office by name; a committee member is an owner: his name only as a commitment
    by_staff = bool(set(roles_in(actor, item.community_id)) & STAFF_ROLES)
    log.record(consultation.community, "governance.consultation.answered", reply, time=now,
               public={"consultation": consultation.pk, "comment": item.pk, "answer": text,
                       "answerer": reply.answerer_name if by_staff else None,
                       "answerer_role": reply.answerer_role},
               private={} if by_staff else {"answerer_name": reply.answerer_name})
    from sunlit.notices.choices import NotificationKind
    from sunlit.notices.services import notify

    notify(community=consultation.community, recipients=[item.author_id],
           title=_("您对“%(title)s”的意见已获答复") % {"title": consultation.title},
           body=text[:200], url=f"/governance/consultations/{consultation.pk}/#comment-{item.pk}",
           kind=NotificationKind.SYSTEM, obj=consultation)
    return reply


@transaction.atomic
def close_consultation(consultation: Consultation, *, actor: User, summary: str,
                       vote=None, now: dt.datetime | None = None) -> Consultation:
    """Closes the period with a public summary — 公示结束 / 意见汇总 — once it has ended;
    optionally names the vote the matter goes to."""
    from sunlit.governance.votes.models import Vote

    require(actor, "consultations.manage", consultation)
    now = now_or(now)
    consultation = locked(consultation, "community")
    if consultation.status != ConsultationStatus.PUBLISHED:
        raise _status_error(consultation, _("只有已发布的事项可以结束"))
    if now < consultation.ends_at:
        raise ValidationError({"ends_at": [_("公示期尚未结束（%(at)s 截止）")
                                           % {"at": minute(consultation.ends_at)}]})
    errors: dict[str, list[str]] = {}
    summary = (summary if isinstance(summary, str) else "").strip()
    if not summary:
        errors["summary"] = [_("请填写结果说明（意见汇总与处理）")]
    elif len(summary) > MAX_SUMMARY:
        errors["summary"] = [_("结果说明最多 %(n)s 个字") % {"n": MAX_SUMMARY}]
    if vote is not None and (not isinstance(vote, Vote)
                             or vote.community_id != consultation.community_id):
        errors["vote"] = [_("只能关联本小区的表决")]
    if errors:
        raise ValidationError(errors)
    comments = consultation.comments.count()
    answered = consultation.comments.filter(answers__isnull=False).distinct().count()
    consultation.status, consultation.closed_at = ConsultationStatus.CLOSED, now
    consultation.summary, consultation.summary_sha256 = summary, _sha(summary)
    consultation.vote = vote
    consultation.save(update_fields=["status", "closed_at", "summary", "summary_sha256", "vote"])
    audit.record(AuditEvent.Action.UPDATE, consultation, actor=actor, summary=_("结束"),
                 changes={"status": [ConsultationStatus.PUBLISHED, ConsultationStatus.CLOSED]})
    log.record(consultation.community, "governance.consultation.closed", consultation, time=now,
               public={"title": consultation.title, "comments": comments, "answered": answered,
                       "summary": summary, "summary_sha256": consultation.summary_sha256,
                       "vote": vote.pk if vote is not None else None})
    return consultation
