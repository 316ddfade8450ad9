"""Every change to a proposal (金点子) or an interim owners' meeting request (临时业主大会提议).

Owners propose and support; at the community's threshold (for an interim-meeting request: 20 %
of the owners, counted like the votes count them) the committee must answer in public within
the policy's days; the answer may accept, decline, or turn the proposal into a draft vote or a
suggestion ticket. Each service checks permission first, validates (ValidationError with
Chinese per-field messages; nothing written on refusal), writes inside ``transaction.atomic``
and puts the fact on the community's log in the same transaction. ``actor=None`` is the
scheduler (marking answers overdue).
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Sequence
from functools import partial

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import F
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from sunlit.core import audit, sides, uploads
from sunlit.core.choices import Role
from sunlit.core.clock import now_or
from sunlit.core.locking import locked, status_error
from sunlit.core.models import AuditEvent, Community, Upload, User
from sunlit.core.permissions import can, require, roles_in
from sunlit.core.validators import clean_prose
from sunlit.governance.proposals import notices
from sunlit.governance.proposals import selectors as select
from sunlit.governance.proposals.choices import (
    Decision,
    ProposalCategory,
    ProposalKind,
    ProposalStatus,
)
from sunlit.governance.proposals.models import GovernancePolicy, Proposal, ProposalSupport
from sunlit.governance.votes import services as vote_services
from sunlit.governance.votes.choices import MatterKind
from sunlit.transparency import services as log

MAX_TITLE = 100
MAX_TEXT = 5000
MAX_ANSWER = 5000
MAX_NOTE = 200
MAX_PHOTOS = 9
MAX_THRESHOLD = 100_000
MAX_DAYS = 90

IDEA_DECISIONS = (Decision.ACCEPTED, Decision.DECLINED, Decision.TO_VOTE, Decision.TO_TICKET)
INTERIM_DECISIONS = (Decision.CONVENED, Decision.DECLINED)



_status_error = partial(status_error, message=gettext_lazy("该提议当前为“%(status)s”，%(wanted)s"))


def _owner_persons(community_id: int, actor: User, now: dt.datetime):
    persons = select.owner_persons(community_id, actor, timezone.localdate(now))
    if not persons:
        raise PermissionDenied(_("只有本小区登记在册的业主可以提出或支持提议"))
    return persons


def _sha256(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


# --- the policy ----------------------------------------------------------------------------------

def _clean_policy(*, support_threshold, answer_days, convene_days, interim_counts_area) -> dict:
    errors: dict[str, list[str]] = {}

    def whole(name, value, low, high, message):
        if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
            errors[name] = [message]

    whole("support_threshold", support_threshold, 1, MAX_THRESHOLD,
          _("答复门槛应为 1 至 %(n)s 人") % {"n": MAX_THRESHOLD})
    whole("answer_days", answer_days, 1, MAX_DAYS, _("答复期限应为 1 至 %(n)s 天") % {"n": MAX_DAYS})
    whole("convene_days", convene_days, 1, MAX_DAYS,
          _("召集期限应为 1 至 %(n)s 天") % {"n": MAX_DAYS})
    if not isinstance(interim_counts_area, bool):
        errors["interim_counts_area"] = [_("请选择是或否")]
    if errors:
        raise ValidationError(errors)
    return {"support_threshold": support_threshold, "answer_days": answer_days,
            "convene_days": convene_days, "interim_counts_area": interim_counts_area}


def policy_weakened(current, data: dict) -> bool:
    """Whether the new numbers make it harder for owners to be answered or to convene an
    interim meeting: a higher threshold, longer deadlines, area counted too."""
    return (data["support_threshold"] > current.support_threshold
            or data["answer_days"] > current.answer_days
            or data["convene_days"] > current.convene_days
            or (data["interim_counts_area"] and not current.interim_counts_area))


@transaction.atomic
def set_policy(community: Community, *, actor: User, support_threshold: int, answer_days: int,
               convene_days: int, interim_counts_area: bool = False) -> GovernancePolicy:
    """Sets the community's numbers — 议事规则设置: the support threshold of 金点子, the days
    to answer, the days to convene an interim meeting, and whether area counts too. Applies to
    proposals submitted (threshold) or reaching the threshold (days) from now on. Numbers that
    make owners' proposals and interim-meeting requests harder are the committee's to set (the
    company proposes them through ``governance.controls``)."""
    require(actor, "governance.policy", community=community)
    data = _clean_policy(support_threshold=support_threshold, answer_days=answer_days,
                         convene_days=convene_days, interim_counts_area=interim_counts_area)
    policy = (GovernancePolicy.objects.select_for_update().filter(community=community).first()
              or GovernancePolicy(community=community))
    current = policy if policy.pk else select.policy_for(community)
    if policy_weakened(current, data):
        sides.require_committee(actor, community, _("提高金点子答复门槛或延长期限"))
    changes = audit.diff(policy, data) if policy.pk else {k: [None, str(v)] for k, v in data.items()}
    for name, value in data.items():
        setattr(policy, name, value)
    policy.updated_by, policy.updated_at = actor, timezone.now()
    policy.save()
    audit.record(AuditEvent.Action.UPDATE, policy, actor=actor, changes=changes,
                 summary=_("议事规则设置"))
    log.record(community, "governance.policy.changed", policy, public={**data, "changes": changes})
    return policy


def plan_policy_change(community: Community, params: dict, *, now=None):
    """``governance.controls``: what a change of the proposal rules would do."""
    from sunlit.governance.controls.services import Plan

    current = select.policy_for(community)
    values = {"support_threshold": current.support_threshold, "answer_days": current.answer_days,
              "convene_days": current.convene_days,
              "interim_counts_area": current.interim_counts_area}
    unknown = set(params) - set(values)
    if unknown:
        raise ValidationError({name: [_("不支持修改此项")] for name in sorted(unknown)})
    data = _clean_policy(**(values | params))
    changed = {k: (values[k], v) for k, v in data.items() if values[k] != v}
    labels = {"support_threshold": _("答复门槛（人）"), "answer_days": _("答复期限（天）"),
              "convene_days": _("召集期限（天）"), "interim_counts_area": _("须同时达到20%面积")}
    def shown(value):
        return (_("是") if value else _("否")) if isinstance(value, bool) else value

    summary = "；".join(f"{labels[k]} {shown(old)} → {shown(new)}"
                       for k, (old, new) in changed.items())
    return Plan(params=data, summary=summary, weakens=policy_weakened(current, data),
                unchanged=not changed)


def apply_policy_change(community: Community, params: dict, *, actor: User, now=None):
    return set_policy(community, actor=actor, **params)


# --- submitting and supporting -------------------------------------------------------------------

@transaction.atomic
def submit_proposal(community: Community, *, actor: User, title: str, text: str,
                    kind: str = ProposalKind.IDEA, category: str = ProposalCategory.OTHER,
                    photos: Sequence[Upload] = (), now: dt.datetime | None = None) -> Proposal:
    """An owner proposes — 提出金点子 (or asks for an interim owners' meeting: he is its first
    signatory). Shown as “X栋业主”; his name goes on the log only as a commitment."""
    require(actor, "governance.propose", community=community)
    now = now_or(now)
    persons = _owner_persons(community.pk, actor, now)
    errors: dict[str, list[str]] = {}
    title, text = clean_prose(title or ""), (text or "").strip()
    if not title:
        errors["title"] = [_("请填写标题")]
    elif len(title) > MAX_TITLE:
        errors["title"] = [_("标题最多 %(n)s 个字") % {"n": MAX_TITLE}]
    if not text:
        errors["text"] = [_("请填写提议内容")]
    elif len(text) > MAX_TEXT:
        errors["text"] = [_("内容最多 %(n)s 个字") % {"n": MAX_TEXT}]
    if kind not in ProposalKind.values:
        errors["kind"] = [_("请选择提议类型")]
    if category not in ProposalCategory.values:
        errors["category"] = [_("请选择类别")]
    photos = list(photos or ())
    if len(photos) > MAX_PHOTOS:
        errors["photos"] = [_("最多上传 %(n)s 张图片") % {"n": MAX_PHOTOS}]
    elif problems := uploads.attach_errors(actor, photos, community=community,
                                           purpose=uploads.PROPOSAL_PHOTO):
        errors["photos"] = problems
    if errors:
        raise ValidationError(errors)
    policy = select.policy_for(community)
    interim = kind == ProposalKind.INTERIM_MEETING
    proposal = Proposal.objects.create(
        community=community, kind=kind, title=title, text=text,
        category=ProposalCategory.RULES if interim else category, author=actor,
        author_person=persons[0], author_label=select.author_label(community.pk, persons),
        threshold=0 if interim else policy.support_threshold, created_at=now)
    proposal.photos.set(photos)
    audit.record(AuditEvent.Action.CREATE, proposal, actor=actor, summary=title)
    log.record(community, "governance.proposal.submitted", proposal, time=now, public={
        "kind": kind, "title": title, "category": proposal.category,
        "author": proposal.author_label, "threshold": None if interim else proposal.threshold,
        "photos": [p.sha256 for p in photos] or None,
    }, private={"author_name": persons[0].name})
    if interim:
        ProposalSupport.objects.create(community=community, proposal=proposal, user=actor,
                                       created_at=now)
        Proposal.objects.filter(pk=proposal.pk).update(supporters=1)
        proposal.supporters = 1
        _check_interim(proposal, policy, now)
    return proposal


def _reach(proposal: Proposal, days: int, now: dt.datetime) -> None:
    proposal.status, proposal.reached_at = ProposalStatus.AWAITING, now
    proposal.answer_due = now + dt.timedelta(days=days)


def _check_idea(proposal: Proposal, policy: GovernancePolicy, now: dt.datetime) -> None:
    if proposal.supporters < proposal.threshold:
        return
    _reach(proposal, policy.answer_days, now)
    proposal.save(update_fields=["status", "reached_at", "answer_due"])
    log.record(proposal.community, "governance.proposal.threshold_reached", proposal, time=now,
               public={"title": proposal.title, "supporters": proposal.supporters,
                       "threshold": proposal.threshold, "answer_due": proposal.answer_due})
    notices.proposal_reached(proposal)


def _check_interim(proposal: Proposal, policy: GovernancePolicy, now: dt.datetime) -> None:
    progress = select.interim_progress(proposal, timezone.localdate(now), policy)
    if not progress.reached:
        return
    _reach(proposal, policy.convene_days, now)
    proposal.signed_owners, proposal.total_owners = progress.signed_owners, progress.total_owners
    proposal.signed_area, proposal.total_area = progress.signed_area, progress.total_area
    proposal.save(update_fields=["status", "reached_at", "answer_due", "signed_owners",
                                 "total_owners", "signed_area", "total_area"])
    log.record(proposal.community, "governance.interim.reached", proposal, time=now, public={
        "title": proposal.title, "signed_owners": progress.signed_owners,
        "total_owners": progress.total_owners, "signed_area": progress.signed_area,
        "total_area": progress.total_area,
        "rule": "owners>=1/5 & area>=1/5" if progress.counts_area else "owners>=1/5",
        "convene_due": proposal.answer_due})
    notices.proposal_reached(proposal)


@transaction.atomic
def support_proposal(proposal: Proposal, *, actor: User,
                     now: dt.datetime | None = None) -> ProposalSupport:
    """An owner supports a 金点子 (signs an interim-meeting request) — 支持/联署: once per
    person; not his own idea; only while it collects support. Reaching the threshold starts
    the committee's deadline."""
    require(actor, "governance.propose", proposal)
    now = now_or(now)
    proposal = locked(proposal, "community")
    _owner_persons(proposal.community_id, actor, now)
    if not proposal.collects_support:
        raise _status_error(proposal, _("不再征集支持"))
    if proposal.author_id == actor.pk and not proposal.is_interim:
        raise ValidationError({"proposal": [_("不能支持自己提出的金点子")]})
    if ProposalSupport.objects.filter(proposal=proposal, user=actor,
                                      withdrawn_at__isnull=True).exists():
        raise ValidationError({"proposal": [_("您已经支持过该提议")]})
    support = ProposalSupport.objects.create(community_id=proposal.community_id,
                                             proposal=proposal, user=actor, created_at=now)
    Proposal.objects.filter(pk=proposal.pk).update(supporters=F("supporters") + 1)
    proposal.refresh_from_db(fields=["supporters"])
    audit.record(AuditEvent.Action.CREATE, support, actor=actor, summary=proposal.title)
    policy = select.policy_for(proposal.community_id)
    if proposal.is_interim:
        _check_interim(proposal, policy, now)
    else:
        _check_idea(proposal, policy, now)
    return support


@transaction.atomic
def withdraw_support(proposal: Proposal, *, actor: User,
                     now: dt.datetime | None = None) -> ProposalSupport:
    """Takes one's support (signature) back — 撤回支持 — while the proposal still collects;
    the author of an interim-meeting request withdraws the request instead."""
    require(actor, "governance.view", proposal)
    now = now_or(now)
    proposal = locked(proposal, "community")
    if not proposal.collects_support:
        raise _status_error(proposal, _("已达到门槛或已结束，不能再撤回支持"))
    if proposal.is_interim and proposal.author_id == actor.pk:
        raise ValidationError({"proposal": [_("提议人请撤回整个提议")]})
    support = (ProposalSupport.objects.select_for_update()
               .filter(proposal=proposal, user=actor, withdrawn_at__isnull=True).first())
    if support is None:
        raise ValidationError({"proposal": [_("您没有支持该提议")]})
    support.withdrawn_at = now
    support.save(update_fields=["withdrawn_at"])
    Proposal.objects.filter(pk=proposal.pk).update(supporters=F("supporters") - 1)
    audit.record(AuditEvent.Action.UPDATE, support, actor=actor, summary=_("撤回支持"))
    return support


@transaction.atomic
def withdraw_proposal(proposal: Proposal, *, actor: User,
                      now: dt.datetime | None = None) -> Proposal:
    """The author withdraws his proposal — 撤回 — before it is answered."""
    require(actor, "governance.view", proposal)
    now = now_or(now)
    proposal = locked(proposal, "community")
    if proposal.author_id != actor.pk:
        raise PermissionDenied(_("只有提议人本人可以撤回"))
    if not proposal.is_answerable:
        raise _status_error(proposal, _("已答复的提议不能撤回"))
    was = proposal.status
    proposal.status, proposal.withdrawn_at = ProposalStatus.WITHDRAWN, now
    proposal.save(update_fields=["status", "withdrawn_at"])
    audit.record(AuditEvent.Action.UPDATE, proposal, actor=actor, summary=_("撤回提议"),
                 changes={"status": [was, ProposalStatus.WITHDRAWN]})
    log.record(proposal.community, "governance.proposal.withdrawn", proposal, time=now,
               public={"kind": proposal.kind, "title": proposal.title})
    return proposal


# --- the committee's answer ----------------------------------------------------------------------

def _answerer_label(actor: User, proposal: Proposal) -> tuple[str, str]:
    role = Role.COMMITTEE if Role.COMMITTEE in roles_in(actor, proposal.community_id) else ""
    with translation.override(settings.LANGUAGE_CODE):  # the log is written in one language
        label = str(Role(role).label) if role else ""
    return (actor.display_name or actor.username), label


def _convert_to_vote(proposal: Proposal, actor: User, vote_fields: dict):
    missing = [name for name in ("matter", "opens_at", "closes_at") if not vote_fields.get(name)]
    if missing:
        raise ValidationError({name: [_("转为表决时请填写此项")] for name in missing})
    return vote_services.create_vote(
        proposal.community, actor=actor, title=vote_fields.get("title") or proposal.title,
        description=vote_fields.get("description") or proposal.text,
        matter=vote_fields["matter"], opens_at=vote_fields["opens_at"],
        closes_at=vote_fields["closes_at"],
        notice_days=vote_fields.get("notice_days", 15))


def _convert_to_ticket(proposal: Proposal, actor: User, now: dt.datetime):
    from sunlit.tickets import services as ticket_services
    from sunlit.tickets.choices import TicketKind
    from sunlit.tickets.models import Category

    category = (Category.objects.in_community(proposal.community_id).active()
                .filter(kind=TicketKind.SUGGESTION).order_by("sort_key", "pk").first())
    if category is None:
        raise ValidationError({"decision": [_("本小区没有启用“建议”类工单类别，不能转为工单")]})
    return ticket_services.submit_ticket(
        proposal.community, actor=actor, kind=TicketKind.SUGGESTION, category=category,
        title=proposal.title[:100],
        description=_("由金点子 #%(n)s 转来（%(author)s 提出，%(count)s 人支持；照片见金点子页面 "
                      "%(url)s）：\n\n%(text)s")
        % {"n": proposal.pk, "author": proposal.author_label, "count": proposal.supporters,
           "url": reverse("proposals:proposal", args=[proposal.pk]), "text": proposal.text},
        location_text=_("小区公共区域"), now=now)


@transaction.atomic
def answer_proposal(proposal: Proposal, *, actor: User, decision: str, answer: str,
                    meeting_on: dt.date | None = None, vote_fields: dict | None = None,
                    now: dt.datetime | None = None) -> Proposal:
    """The committee answers in public — 业委会答复: accept, decline, or turn the 金点子 into a
    draft vote (``vote_fields``: matter, opens_at, closes_at, optionally title, description,
    notice_days) or a suggestion ticket; an interim-meeting request is answered with the date
    of the meeting (convened) or declined with reasons. An answer after the deadline is
    recorded with the days it came late."""
    require(actor, "governance.answer_proposals", proposal)
    now = now_or(now)
    proposal = locked(proposal, "community")
    if not proposal.is_answerable:
        raise _status_error(proposal, _("不能再答复"))
    answer = (answer or "").strip()
    errors: dict[str, list[str]] = {}
    allowed = INTERIM_DECISIONS if proposal.is_interim else IDEA_DECISIONS
    if decision not in allowed:
        errors["decision"] = [_("请选择答复结论：%(x)s") % {
            "x": "、".join(str(Decision(d).label) for d in allowed)}]
    if not answer:
        errors["answer"] = [_("请填写答复内容")]
    elif len(answer) > MAX_ANSWER:
        errors["answer"] = [_("答复最多 %(n)s 个字") % {"n": MAX_ANSWER}]
    if decision == Decision.CONVENED and decision in allowed:
        if proposal.status != ProposalStatus.AWAITING:
            errors["decision"] = [_("提议尚未达到法定提议人数")]
        if not isinstance(meeting_on, dt.date) or isinstance(meeting_on, dt.datetime):
            errors["meeting_on"] = [_("请填写临时业主大会的召开日期")]
        elif meeting_on < timezone.localdate(now):
            errors["meeting_on"] = [_("召开日期不能早于今天")]
    if decision == Decision.TO_VOTE and vote_fields is not None \
            and vote_fields.get("matter") not in (None, "", *MatterKind.values):
        errors["matter"] = [_("请选择《民法典》第二百七十八条规定的事项类别")]
    if errors:
        raise ValidationError(errors)
    late = 0
    if proposal.answer_due is not None and now > proposal.answer_due:
        late = max((timezone.localdate(now) - timezone.localdate(proposal.answer_due)).days, 1)
    target = None
    if decision == Decision.TO_VOTE:
        target = _convert_to_vote(proposal, actor, vote_fields or {})
        proposal.vote = target
    elif decision == Decision.TO_TICKET:
        target = _convert_to_ticket(proposal, actor, now)
        proposal.ticket = target
    name, role = _answerer_label(actor, proposal)
    was = proposal.status
    proposal.status, proposal.decision, proposal.answer = ProposalStatus.ANSWERED, decision, answer
    proposal.answer_sha256, proposal.answered_by, proposal.answered_at = _sha256(answer), actor, now
    proposal.answered_by_label = f"{role} {name}".strip()
    proposal.meeting_on = meeting_on if decision == Decision.CONVENED else None
    proposal.save(update_fields=["status", "decision", "answer", "answer_sha256", "answered_by",
                                 "answered_at", "answered_by_label", "meeting_on", "vote",
                                 "ticket"])
    audit.record(AuditEvent.Action.UPDATE, proposal, actor=actor, summary=_("答复提议"),
                 changes={"status": [was, ProposalStatus.ANSWERED], "decision": [None, decision]})
    log.record(proposal.community, "governance.proposal.answered", proposal, time=now, public={
        "kind": proposal.kind, "title": proposal.title, "decision": decision,
        "answer_sha256": proposal.answer_sha256, "answerer_role": role,
        "late_days": late, "meeting_on": proposal.meeting_on},
        # a committee member is an owner: his name only as a commitment (the page shows it)
        private={"answerer": name})
    if target is not None:
        log.record(proposal.community, "governance.proposal.converted", proposal, time=now,
                   public={"title": proposal.title,
                           "target": "vote" if decision == Decision.TO_VOTE else "ticket",
                           "vote": proposal.vote_id, "ticket": getattr(proposal.ticket, "number",
                                                                        None)})
    notices.proposal_answered(proposal, actor=actor)
    return proposal


@transaction.atomic
def close_proposal(proposal: Proposal, *, actor: User, note: str,
                   now: dt.datetime | None = None) -> Proposal:
    """Closes an answered proposal — 办结 — once what was decided is done (or not pursued)."""
    require(actor, "governance.answer_proposals", proposal)
    now = now_or(now)
    proposal = locked(proposal, "community")
    if proposal.status != ProposalStatus.ANSWERED:
        raise _status_error(proposal, _("只有已答复的提议可以办结"))
    note = clean_prose(note)
    if not note or len(note) > MAX_NOTE:
        raise ValidationError({"note": [_("请填写办结说明（最多 200 个字）")]})
    proposal.status, proposal.closed_at, proposal.close_note = ProposalStatus.CLOSED, now, note
    proposal.save(update_fields=["status", "closed_at", "close_note"])
    audit.record(AuditEvent.Action.UPDATE, proposal, actor=actor, summary=note,
                 changes={"status": [ProposalStatus.ANSWERED, ProposalStatus.CLOSED]})
    log.record(proposal.community, "governance.proposal.closed", proposal, time=now,
               public={"kind": proposal.kind, "title": proposal.title, "note": note})
    return proposal


# --- the scheduler -------------------------------------------------------------------------------

def mark_overdue(now: dt.datetime | None = None) -> list[Proposal]:
    """Marks every proposal whose answer is overdue (once: a conditional update claims it),
    puts that on the log and tells the committee. Run by the schedule every 10 minutes."""
    now = now_or(now)
    marked = []
    for pk in (Proposal.objects.overdue(now).filter(overdue_at__isnull=True).order_by("pk")
               .values_list("pk", flat=True)):
        with transaction.atomic():
            claimed = Proposal.objects.filter(pk=pk, overdue_at__isnull=True,
                                              status=ProposalStatus.AWAITING).update(overdue_at=now)
            if claimed != 1:
                continue
            proposal = Proposal.objects.select_related("community").get(pk=pk)
            log.record(proposal.community, "governance.proposal.overdue", proposal, time=now,
                       public={"kind": proposal.kind, "title": proposal.title,
                               "answer_due": proposal.answer_due})
            audit.record(AuditEvent.Action.UPDATE, proposal, summary=_("逾期未答复"))
            notices.proposal_overdue(proposal, now)
            marked.append(proposal)
    return marked


def may_answer(user, proposal: Proposal) -> bool:
    return can(user, "governance.answer_proposals", proposal)
