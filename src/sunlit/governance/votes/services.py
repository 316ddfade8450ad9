"""Every change to a vote: draft, announce, open, close, publish, effect, cancel, extend.
Ballots (cast, entered, reviewed) are ``balloting.py``; the owner-side controls' plan and apply
of a vote are ``controls.py``.

Owner-side controls (docs/security.md, rule b): announcing a vote, cancelling an announced or
open one (or an owner-side draft), extending it and closing it before the paper-ballot entry
period ends are the owner side's — a committee member holding no company role — or take effect
through ``governance.controls`` when the committee confirms a company-side proposal. Entered
(paper and proxy) ballots are confirmed by a committee member only, never replace an owner's
online ballot without his acceptance, and are announced to the unit's owners on every channel.

Each service is ``@transaction.atomic``: it checks permission first, locks the vote row,
validates (ValidationError with Chinese messages per field; nothing written on refusal),
writes with ``update_fields``, records the audit event and puts the fact on the community's
transparency log in the same transaction. ``actor=None`` is the scheduler (opening and closing
votes whose time has come, ``tasks.py``).
"""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Iterable

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from sunlit.core import audit, sides, uploads
from sunlit.core.bulk import bulk_insert
from sunlit.core.clock import minute, now_or
from sunlit.core.locking import locked
from sunlit.core.models import AuditEvent, Community, Upload, User
from sunlit.core.permissions import require
from sunlit.core.validators import clean_prose
from sunlit.governance.controls import services as controls
from sunlit.governance.votes import balloting, receipts, selectors
from sunlit.governance.votes.choices import (
    BallotStatus,
    MatterKind,
    VoteScope,
    VoteStatus,
)
from sunlit.governance.votes.models import (
    Ballot,
    Result,
    Vote,
    VoteDocument,
    VoteUnit,
    VoteVoter,
    entry_period,
)
from sunlit.governance.votes.rules import MAX_REASON, status_error
from sunlit.registry.models import Building, Unit
from sunlit.transparency import services as log

MAX_TITLE = 100
MAX_DESCRIPTION = 10000
MAX_NOTICE_DAYS = 90
#: How far beyond the announced close the committee may extend an open vote.
MAX_EXTENSION = dt.timedelta(days=30)


def _require(actor: User | None, action: str, obj) -> None:
    if actor is not None:
        require(actor, action, obj)


def _own_draft(vote: Vote, actor: User) -> None:
    """A draft the owner side wrote is changed by the owner side only."""
    if vote.owner_side_draft and not sides.is_committee_member(actor, vote.community_id):
        raise PermissionDenied(_("这是业委会拟定的表决草稿，只有业委会可以修改"))


# --- the draft -----------------------------------------------------------------------------------

def _clean_vote(community: Community, errors: dict, *, title, description, matter, scope,
                buildings, units, opens_at, closes_at, notice_days) -> dict:
    title, description = clean_prose(title or ""), (description or "").strip()
    if not title:
        errors["title"] = [_("请填写表决事项")]
    elif len(title) > MAX_TITLE:
        errors["title"] = [_("表决事项最多 %(n)s 个字") % {"n": MAX_TITLE}]
    if not description:
        errors["description"] = [_("请填写事项说明")]
    elif len(description) > MAX_DESCRIPTION:
        errors["description"] = [_("事项说明最多 %(n)s 个字") % {"n": MAX_DESCRIPTION}]
    if matter not in MatterKind.values:
        errors["matter"] = [_("请选择《民法典》第二百七十八条规定的事项类别")]
    if scope not in VoteScope.values:
        errors["scope"] = [_("请选择表决范围")]
    buildings, units = list(buildings or ()), list(units or ())
    if any(not isinstance(b, Building) or b.community_id != community.pk for b in buildings):
        errors["buildings"] = [_("请选择本小区的楼栋")]
    elif scope == VoteScope.BUILDINGS and not buildings:
        errors["buildings"] = [_("按楼栋表决时请至少选择一栋楼")]
    if any(not isinstance(u, Unit) or u.community_id != community.pk for u in units):
        errors["units"] = [_("请选择本小区的房屋")]
    elif scope == VoteScope.UNITS and not units:
        errors["units"] = [_("按房屋表决时请至少选择一户")]
    for name, value in (("opens_at", opens_at), ("closes_at", closes_at)):
        if not isinstance(value, dt.datetime) or timezone.is_naive(value):
            errors[name] = [_("请填写完整的日期和时间")]
    if "opens_at" not in errors and "closes_at" not in errors and closes_at <= opens_at:
        errors["closes_at"] = [_("投票截止时间必须晚于开始时间")]
    if isinstance(notice_days, bool) or not isinstance(notice_days, int) \
            or not 0 <= notice_days <= MAX_NOTICE_DAYS:
        errors["notice_days"] = [_("公告期应为 0 至 %(n)s 天") % {"n": MAX_NOTICE_DAYS}]
    return {"title": title, "description": description, "matter": matter, "scope": scope,
            "opens_at": opens_at, "closes_at": closes_at, "notice_days": notice_days,
            "buildings": buildings if scope == VoteScope.BUILDINGS else [],
            "units": units if scope == VoteScope.UNITS else []}


@transaction.atomic
def create_vote(community: Community, *, actor: User, title: str, description: str,
                matter: str, opens_at: dt.datetime, closes_at: dt.datetime,
                scope: str = VoteScope.COMMUNITY, buildings: Iterable[Building] = (),
                units: Iterable[Unit] = (), notice_days: int = 15) -> Vote:
    """Drafts a vote — 拟定表决事项. Nothing is public until it is announced."""
    require(actor, "governance.manage", community=community)
    errors: dict[str, list[str]] = {}
    data = _clean_vote(community, errors, title=title, description=description, matter=matter,
                       scope=scope, buildings=buildings, units=units, opens_at=opens_at,
                       closes_at=closes_at, notice_days=notice_days)
    if errors:
        raise ValidationError(errors)
    buildings, units = data.pop("buildings"), data.pop("units")
    vote = Vote.objects.create(community=community, created_by=actor,
                               owner_side_draft=sides.is_committee_member(actor, community),
                               pseudonym_key=secrets.token_hex(32), **data)
    vote.scope_buildings.set(buildings)
    vote.scope_units.set(units)
    audit.record(AuditEvent.Action.CREATE, vote, actor=actor, summary=vote.title)
    return vote


@transaction.atomic
def update_vote(vote: Vote, *, actor: User, **fields) -> Vote:
    """Changes a draft. After the announcement the text is on the log: no change any more."""
    require(actor, "governance.manage", vote)
    vote = locked(vote, "community")
    _own_draft(vote, actor)
    if not vote.is_editable:
        raise status_error(vote, _("公告后不能再修改；如需变更请撤销后重新发起"))
    unknown = set(fields) - {"title", "description", "matter", "scope", "buildings", "units",
                             "opens_at", "closes_at", "notice_days"}
    if unknown:
        raise ValidationError({name: [_("不支持修改此项")] for name in sorted(unknown)})
    current = {"title": vote.title, "description": vote.description, "matter": vote.matter,
               "scope": vote.scope, "opens_at": vote.opens_at, "closes_at": vote.closes_at,
               "notice_days": vote.notice_days,
               "buildings": list(vote.scope_buildings.all()),
               "units": list(vote.scope_units.all())}
    current.update(fields)
    errors: dict[str, list[str]] = {}
    data = _clean_vote(vote.community, errors, **current)
    if errors:
        raise ValidationError(errors)
    buildings, units = data.pop("buildings"), data.pop("units")
    changes = audit.diff(vote, data)
    for name, value in data.items():
        setattr(vote, name, value)
    vote.save(update_fields=list(data))
    vote.scope_buildings.set(buildings)
    vote.scope_units.set(units)
    audit.record(AuditEvent.Action.UPDATE, vote, actor=actor, changes=changes,
                 summary=vote.title)
    return vote


@transaction.atomic
def add_document(vote: Vote, upload: Upload, *, actor: User, title: str) -> VoteDocument:
    """Attaches a document (plan, quote, contract draft) to a draft; its SHA-256 goes into the
    announced text."""
    require(actor, "governance.manage", vote)
    vote = locked(vote, "community")
    _own_draft(vote, actor)
    if not vote.is_editable:
        raise status_error(vote, _("公告后不能再增加材料"))
    title = clean_prose(title or "")
    errors = {}
    if not title or len(title) > 100:
        errors["title"] = [_("请填写材料名称（最多 100 个字）")]
    if problems := uploads.attach_errors(actor, [upload], community=vote.community_id,
                                         purpose=uploads.VOTE_DOCUMENT):
        errors["upload"] = problems
    if errors:
        raise ValidationError(errors)
    document = VoteDocument.objects.create(community_id=vote.community_id, vote=vote,
                                           upload=upload, title=title)
    audit.record(AuditEvent.Action.CREATE, document, actor=actor, summary=title)
    return document


def text_document(vote: Vote) -> dict:
    """What the announcement commits to: the whole text, scope, window and documents."""
    return {
        "vote": vote.pk, "community": vote.community.code, "title": vote.title,
        "description": vote.description, "matter": vote.matter, "scope": vote.scope,
        "buildings": sorted(b.name for b in vote.scope_buildings.all()),
        "units": sorted(u.label for u in vote.scope_units.select_related("building")),
        "opens_at": log_time(vote.opens_at), "closes_at": log_time(vote.closes_at),
        "notice_days": vote.notice_days,
        "documents": [{"title": d.title, "sha256": d.upload.sha256}
                      for d in vote.documents.select_related("upload").order_by("pk")],
    }


def log_time(value: dt.datetime) -> str:
    from sunlit.transparency.kinds import rfc3339

    return rfc3339(value)


@transaction.atomic
def announce_vote(vote: Vote, *, actor: User, now: dt.datetime | None = None) -> Vote:
    """Announces a vote — 公告: the text, documents, scope and window become public and fixed;
    voting may start no earlier than ``notice_days`` after the announcement. The owner side
    announces (a company-side draft through a proposal the committee confirms)."""
    require(actor, "governance.manage", vote)
    controls.require_committee(actor, vote.community_id, _("公告表决"))
    now = now_or(now)
    vote = locked(vote, "community")
    if vote.status != VoteStatus.DRAFT:
        raise status_error(vote, _("只有草稿可以公告"))
    earliest = now + dt.timedelta(days=vote.notice_days)
    if vote.opens_at < earliest:
        raise ValidationError({"opens_at": [
            _("投票开始时间须在公告之日起至少 %(n)s 天之后（不早于 %(at)s）")
            % {"n": vote.notice_days,
               "at": minute(earliest)}]})
    if not selectors.scope_units(vote).exists():
        raise ValidationError({"scope": [_("表决范围内没有房屋")]})
    document = text_document(vote)
    vote.status, vote.announced_at, vote.announced_by = VoteStatus.ANNOUNCED, now, actor
    vote.text_sha256 = selectors.sha256_of(document)
    vote.save(update_fields=["status", "announced_at", "announced_by", "text_sha256"])
    audit.record(AuditEvent.Action.UPDATE, vote, actor=actor, summary=_("公告表决"),
                 changes={"status": [VoteStatus.DRAFT, VoteStatus.ANNOUNCED]})
    log.record(vote.community, "governance.vote.announced", vote, time=now, public={
        "title": vote.title, "matter": vote.matter, "scope": vote.scope,
        "opens_at": vote.opens_at, "closes_at": vote.closes_at,
        "notice_days": vote.notice_days, "text_sha256": vote.text_sha256,
        "documents": [d["sha256"] for d in document["documents"]],
    })
    _notify_owners("vote_announced", vote, now)  # proposals: vote notifications
    return vote


# --- opening: the electorate is frozen ------------------------------------------------------------

def _owner_refs(vote: Vote, keys: set[str]) -> dict[str, str]:
    key = bytes.fromhex(vote.pseudonym_key)
    for length in (10, 16, 26):
        refs = {k: receipts.owner_ref(key, k, length) for k in keys}
        if len(set(refs.values())) == len(refs):
            return refs
    raise RuntimeError("owner pseudonyms collide")  # 2^-130: not in this universe


@transaction.atomic
def open_vote(vote: Vote, *, actor: User | None, now: dt.datetime | None = None) -> Vote:
    """Opens the vote — 开始投票: freezes the electorate (units, areas, owners, who may vote for
    each unit) as of today and puts its SHA-256, size, area and owner count on the log."""
    _require(actor, "governance.manage", vote)
    now = now_or(now)
    vote = locked(vote, "community")
    if vote.status != VoteStatus.ANNOUNCED:
        raise status_error(vote, _("只有已公告的表决可以开始投票"))
    if now < vote.opens_at:
        raise ValidationError({"opens_at": [_("未到投票开始时间（%(at)s）") % {
            "at": minute(vote.opens_at)}]})
    if now >= vote.closes_at:
        raise ValidationError({"closes_at": [_("投票截止时间已过，请撤销后重新发起")]})
    rows = selectors.build_electorate(vote, timezone.localdate(now))
    if not rows:
        raise ValidationError({"scope": [_("表决范围内没有房屋")]})
    refs = _owner_refs(vote, {r.owner_key for r in rows})
    units = [VoteUnit(community_id=vote.community_id, vote=vote, unit_id=r.unit_id,
                      unit_label=r.label, area=r.area, owner_key=r.owner_key,
                      owner_ref=refs[r.owner_key], developer=r.developer) for r in rows]
    bulk_insert(VoteUnit, units)
    bulk_insert(VoteVoter, [
        VoteVoter(community_id=vote.community_id, vote=vote, vote_unit_id=unit.pk,
                  person_id=person_id)
        for unit, row in zip(units, rows, strict=True) for person_id in row.voters])
    document = selectors.electorate_document(vote)
    vote.status, vote.opened_at = VoteStatus.OPEN, now
    vote.electorate_sha256 = selectors.sha256_of(document)
    vote.save(update_fields=["status", "opened_at", "electorate_sha256"])
    total_area = sum((r.area for r in rows), 0)
    audit.record(AuditEvent.Action.UPDATE, vote, actor=actor, summary=_("开始投票"),
                 changes={"status": [VoteStatus.ANNOUNCED, VoteStatus.OPEN]})
    log.record(vote.community, "governance.vote.opened", vote, time=now, public={
        "title": vote.title, "electorate_sha256": vote.electorate_sha256, "units": len(rows),
        "area": total_area, "owners": len(refs),
    })
    _notify_owners("vote_opened", vote, now)  # proposals: vote notifications
    return vote


# --- close, result, effect -----------------------------------------------------------------------

UNRESOLVED_AT_CLOSE = "截止前业主未确认，以线上投票为准"


@transaction.atomic
def close_vote(vote: Vote, *, actor: User | None, now: dt.datetime | None = None) -> Vote:
    """Closes the vote — 投票截止: counts the ballots over the frozen electorate and fixes the
    published ballot list (its SHA-256 goes on the log). Never before ``closes_at``; before the
    end of the entry period (``entry_deadline``) only a committee member (the owner side ends
    the entry of paper ballots early); refused while entered ballots wait for the committee's
    review. Entries still held for an owner's decision do not count (the online ballot stands)."""
    _require(actor, "governance.manage", vote)
    now = now_or(now)
    vote = locked(vote, "community")
    if vote.status != VoteStatus.OPEN:
        raise status_error(vote, _("只有投票中的表决可以截止"))
    if now < vote.closes_at:
        raise ValidationError({"closes_at": [_("未到投票截止时间（%(at)s）") % {
            "at": minute(vote.closes_at)}]})
    if now < vote.entry_deadline and (actor is None or not sides.is_committee_member(
            actor, vote.community_id)):
        raise ValidationError({"closes_at": [
            _("纸质票和委托票的录入期至 %(at)s 结束；在此之前只有业委会可以决定提前计票") % {
                "at": minute(vote.entry_deadline)}]})
    pending = Ballot.objects.filter(vote=vote).pending().count()
    if pending:
        raise ValidationError({"ballots": [
            _("尚有 %(n)s 张录入的选票待业委会复核，请先复核或退回") % {"n": pending}]})
    for held in (Ballot.objects.select_for_update(of=("self",)).filter(
            vote=vote, status=BallotStatus.HELD).order_by("pk")):
        held.status, held.reject_reason = BallotStatus.REJECTED, UNRESOLVED_AT_CLOSE
        held.save(update_fields=["status", "reject_reason"])
        balloting.record_rejected(vote, held, by="投票截止", by_name=None, reason=UNRESOLVED_AT_CLOSE,
                         now=now)
    counted = selectors.current_tally(vote)
    document = selectors.ballots_document(vote)
    result = Result.objects.create(
        community_id=vote.community_id, vote=vote, special=counted.special,
        total_area=counted.total_area, total_owners=counted.total_owners,
        participating_area=counted.participating_area,
        participating_owners=counted.participating_owners,
        yes_area=counted.area["yes"], yes_owners=counted.owners["yes"],
        no_area=counted.area["no"], no_owners=counted.owners["no"],
        abstain_area=counted.area["abstain"], abstain_owners=counted.owners["abstain"],
        mixed_owners=counted.owners["mixed"], ballots=counted.ballots,
        participation_met=counted.participation_met, approval_met=counted.approval_met,
        passed=counted.passed, ballots_sha256=selectors.sha256_of(document), computed_at=now)
    vote.status, vote.closed_at = VoteStatus.CLOSED, now
    vote.save(update_fields=["status", "closed_at"])
    audit.record(AuditEvent.Action.UPDATE, vote, actor=actor, summary=_("投票截止"),
                 changes={"status": [VoteStatus.OPEN, VoteStatus.CLOSED]})
    log.record(vote.community, "governance.vote.closed", vote, time=now, public={
        "title": vote.title, "ballots": result.ballots, "ballots_sha256": result.ballots_sha256,
    })
    return vote


@transaction.atomic
def publish_result(vote: Vote, *, actor: User, now: dt.datetime | None = None) -> Vote:
    """Publishes the result — 公布表决结果: every figure and both thresholds on the log."""
    require(actor, "governance.manage", vote)
    now = now_or(now)
    vote = locked(vote, "community")
    if vote.status != VoteStatus.CLOSED:
        raise status_error(vote, _("只有已截止的表决可以公布结果"))
    r = vote.result
    vote.status, vote.published_at = VoteStatus.PUBLISHED, now
    vote.save(update_fields=["status", "published_at"])
    audit.record(AuditEvent.Action.UPDATE, vote, actor=actor, summary=_("公布表决结果"),
                 changes={"status": [VoteStatus.CLOSED, VoteStatus.PUBLISHED]})
    log.record(vote.community, "governance.vote.published", vote, time=now, public={
        "title": vote.title, "matter": vote.matter, "rule": "3/4" if r.special else ">1/2",
        "passed": r.passed, "participation_met": r.participation_met,
        "approval_met": r.approval_met, "total_area": r.total_area,
        "total_owners": r.total_owners, "participating_area": r.participating_area,
        "participating_owners": r.participating_owners, "yes_area": r.yes_area,
        "yes_owners": r.yes_owners, "no_area": r.no_area, "no_owners": r.no_owners,
        "abstain_area": r.abstain_area, "abstain_owners": r.abstain_owners,
        "mixed_owners": r.mixed_owners, "ballots": r.ballots,
        "electorate_sha256": vote.electorate_sha256, "ballots_sha256": r.ballots_sha256,
    })
    return vote


@transaction.atomic
def make_effective(vote: Vote, *, actor: User, now: dt.datetime | None = None) -> Vote:
    """Marks a passed, published decision as in effect — 决定生效 (binding on all owners,
    Civil Code art. 280)."""
    require(actor, "governance.manage", vote)
    now = now_or(now)
    vote = locked(vote, "community")
    if vote.status != VoteStatus.PUBLISHED:
        raise status_error(vote, _("只有已公布结果的表决可以生效"))
    if not vote.result.passed:
        raise ValidationError({"status": [_("表决未通过，不能生效")]})
    vote.status, vote.effective_at = VoteStatus.EFFECTIVE, now
    vote.save(update_fields=["status", "effective_at"])
    audit.record(AuditEvent.Action.UPDATE, vote, actor=actor, summary=_("决定生效"),
                 changes={"status": [VoteStatus.PUBLISHED, VoteStatus.EFFECTIVE]})
    log.record(vote.community, "governance.vote.effective", vote, time=now,
               public={"title": vote.title})
    return vote


def cancel_is_owner_side(vote: Vote) -> bool:
    """Cancelling an announced or open vote, or a draft of the owner side, is the owner side's."""
    return vote.status != VoteStatus.DRAFT or vote.owner_side_draft


@transaction.atomic
def cancel_vote(vote: Vote, *, actor: User, reason: str,
                now: dt.datetime | None = None) -> Vote:
    """Cancels a vote before its close — 撤销表决; the ballots already cast are kept. An
    announced or open vote (or an owner-side draft) only by the owner side: a company-side
    proposal takes effect when the committee confirms it (``governance.controls``)."""
    require(actor, "governance.manage", vote)
    now = now_or(now)
    vote = locked(vote, "community")
    if vote.status not in (VoteStatus.DRAFT, VoteStatus.ANNOUNCED, VoteStatus.OPEN):
        raise status_error(vote, _("截止后不能撤销"))
    if cancel_is_owner_side(vote):
        controls.require_committee(actor, vote.community_id, _("撤销已公告的表决"))
    reason = clean_prose(reason)
    if not reason or len(reason) > MAX_REASON:
        raise ValidationError({"reason": [_("请填写撤销原因（最多 200 个字）")]})
    was = vote.status
    vote.status, vote.cancelled_at, vote.cancel_reason = VoteStatus.CANCELLED, now, reason
    vote.save(update_fields=["status", "cancelled_at", "cancel_reason"])
    audit.record(AuditEvent.Action.UPDATE, vote, actor=actor, summary=reason,
                 changes={"status": [was, VoteStatus.CANCELLED]})
    if was != VoteStatus.DRAFT:
        log.record(vote.community, "governance.vote.cancelled", vote, time=now,
                   public={"title": vote.title, "status_from": was, "reason": reason})
    return vote


@transaction.atomic
def extend_vote(vote: Vote, *, actor: User, closes_at: dt.datetime,
                now: dt.datetime | None = None) -> Vote:
    """Extends an open vote — 延长投票期 — before its close, by the owner side (a company-side
    proposal through ``governance.controls``), to at most 30 days after the announced close.
    The new close is on the log and the voters are told."""
    require(actor, "governance.manage", vote)
    controls.require_committee(actor, vote.community_id, _("延长投票期"))
    now = now_or(now)
    vote = locked(vote, "community")
    check_extension(vote, closes_at, now)
    was = vote.closes_at
    vote.announced_closes_at = vote.announced_closes_at or was
    vote.closes_at = closes_at
    vote.save(update_fields=["closes_at", "announced_closes_at"])
    audit.record(AuditEvent.Action.UPDATE, vote, actor=actor, summary=_("延长投票期"),
                 changes={"closes_at": [log_time(was), log_time(closes_at)]})
    log.record(vote.community, "governance.vote.extended", vote, time=now, public={
        "title": vote.title, "closes_at_from": was, "closes_at": closes_at})
    from sunlit.notices.choices import NotificationKind
    from sunlit.notices.services import notify

    users = (VoteVoter.objects.filter(vote=vote, person__user__isnull=False)
             .values_list("person__user_id", flat=True).distinct())
    with translation.override(settings.LANGUAGE_CODE):
        notify(community=vote.community, recipients=list(users),
               title=_("投票期延长：%(t)s") % {"t": vote.title},
               body=_("投票截止时间由 %(a)s 延长至 %(b)s。") % {
                   "a": minute(was),
                   "b": minute(closes_at)},
               url=reverse("governance:vote", args=[vote.pk]), kind=NotificationKind.VOTE,
               obj=vote)
    return vote


def check_extension(vote: Vote, closes_at, now: dt.datetime) -> None:
    if vote.status != VoteStatus.OPEN:
        raise status_error(vote, _("只有投票中的表决可以延长投票期"))
    if now >= vote.closes_at:
        raise ValidationError({"closes_at": [_("投票已截止，不能再延长")]})
    if not isinstance(closes_at, dt.datetime) or timezone.is_naive(closes_at):
        raise ValidationError({"closes_at": [_("请填写完整的日期和时间")]})
    if closes_at <= vote.closes_at:
        raise ValidationError({"closes_at": [_("新的截止时间须晚于现在的截止时间")]})
    limit = (vote.announced_closes_at or vote.closes_at) + MAX_EXTENSION
    if closes_at > limit:
        raise ValidationError({"closes_at": [_("最多延长至公告截止时间后 30 天（%(at)s）") % {
            "at": minute(limit)}]})


# --- vote notifications (proposals/notices.py): owners at announcement and opening ------------------

def _notify_owners(stage: str, vote: Vote, now: dt.datetime) -> None:
    from sunlit.governance.proposals import notices as proposal_notices

    getattr(proposal_notices, stage)(vote, now)


# --- the scheduler -------------------------------------------------------------------------------

def open_due_votes(now: dt.datetime | None = None) -> list[Vote]:
    """Opens every announced vote whose start has come (the schedule runs this each minute)."""
    now = now_or(now)
    opened = []
    for vote in Vote.objects.filter(status=VoteStatus.ANNOUNCED, opens_at__lte=now,
                                    closes_at__gt=now).order_by("pk"):
        opened.append(open_vote(vote, actor=None, now=now))
    return opened


def close_due_votes(now: dt.datetime | None = None) -> list[Vote]:
    """Closes every open vote whose entry period (close + ``SUNLIT_BALLOT_ENTRY_HOURS``) has
    passed and has no ballot waiting for review."""
    now = now_or(now)
    closed = []
    for vote in Vote.objects.filter(status=VoteStatus.OPEN,
                                    closes_at__lte=now - entry_period()).order_by("pk"):
        if Ballot.objects.filter(vote=vote).pending().exists():
            continue
        closed.append(close_vote(vote, actor=None, now=now))
    return closed


def verify_receipt(vote: Vote, code: str) -> dict:
    """What an owner's receipt proves: the ballot it names, whether its commitment opens to
    the published (unit, choice), and whether it is the one counted for the unit."""
    try:
        ref, nonce = receipts.parse_receipt(code)
    except ValueError:
        raise ValidationError({"receipt": [_("回执码格式不正确")]}) from None
    ballot = (Ballot.objects.filter(vote=vote, ref=ref).select_related("vote_unit",
                                                                          "superseded_by")
              .first())
    if ballot is None or ballot.status != BallotStatus.VALID:
        raise ValidationError({"receipt": [_("没有找到该回执对应的有效选票")]})
    opens = receipts.matches(ballot.commitment, vote.pk, ballot.vote_unit.unit_label,
                             ballot.choice, nonce)
    if not opens:
        raise ValidationError({"receipt": [_("回执码与选票承诺值不符")]})
    return {"ballot": ballot, "unit": ballot.vote_unit.unit_label, "choice": ballot.choice,
            "counted": ballot.is_current, "leaf": ballot.leaf_index,
            "superseded_by": ballot.superseded_by.ref if ballot.superseded_by else None}
