"""Every change to a vote: draft, announce, open, ballots, close, publish, effect, cancel.

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

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from sunlit.core import audit, uploads
from sunlit.core.bulk import bulk_insert
from sunlit.core.models import AuditEvent, Community, Person, Upload, User
from sunlit.core.permissions import require
from sunlit.core.validators import normalize_text
from sunlit.governance import receipts, selectors
from sunlit.governance.choices import (
    ENTERED_CHANNELS,
    BallotStatus,
    Channel,
    Choice,
    MatterKind,
    VoteScope,
    VoteStatus,
)
from sunlit.governance.models import (
    Ballot,
    Result,
    Vote,
    VoteDocument,
    VoteUnit,
    VoteVoter,
)
from sunlit.registry.models import Building, Unit
from sunlit.transparency import services as log

MAX_TITLE = 100
MAX_DESCRIPTION = 10000
MAX_NOTICE_DAYS = 90
MAX_REASON = 200


def _locked(vote: Vote) -> Vote:
    return (Vote.objects.select_for_update(of=("self",)).select_related("community")
            .get(pk=vote.pk))


def _require(actor: User | None, action: str, obj) -> None:
    if actor is not None:
        require(actor, action, obj)


def _status_error(vote: Vote, wanted: str) -> ValidationError:
    return ValidationError({"status": [
        _("表决当前为“%(status)s”，%(wanted)s") % {"status": vote.get_status_display(),
                                               "wanted": wanted}]})


def _now(now: dt.datetime | None) -> dt.datetime:
    now = now or timezone.now()
    if timezone.is_naive(now):
        raise ValueError("naive datetime")
    return now


# --- the draft -----------------------------------------------------------------------------------

def _clean_vote(community: Community, errors: dict, *, title, description, matter, scope,
                buildings, units, opens_at, closes_at, notice_days) -> dict:
    title, description = normalize_text(title or ""), (description or "").strip()
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
                               pseudonym_key=secrets.token_hex(32), **data)
    vote.scope_buildings.set(buildings)
    vote.scope_units.set(units)
    audit.record(AuditEvent.Action.CREATE, vote, actor=actor, summary=vote.title)
    return vote


@transaction.atomic
def update_vote(vote: Vote, *, actor: User, **fields) -> Vote:
    """Changes a draft. After the announcement the text is on the log: no change any more."""
    require(actor, "governance.manage", vote)
    vote = _locked(vote)
    if not vote.is_editable:
        raise _status_error(vote, _("公告后不能再修改；如需变更请撤销后重新发起"))
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
    vote = _locked(vote)
    if not vote.is_editable:
        raise _status_error(vote, _("公告后不能再增加材料"))
    title = normalize_text(title or "")
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
    from sunlit.transparency.events import rfc3339

    return rfc3339(value)


@transaction.atomic
def announce_vote(vote: Vote, *, actor: User, now: dt.datetime | None = None) -> Vote:
    """Announces a vote — 公告: the text, documents, scope and window become public and fixed;
    voting may start no earlier than ``notice_days`` after the announcement."""
    require(actor, "governance.manage", vote)
    now = _now(now)
    vote = _locked(vote)
    if vote.status != VoteStatus.DRAFT:
        raise _status_error(vote, _("只有草稿可以公告"))
    earliest = now + dt.timedelta(days=vote.notice_days)
    if vote.opens_at < earliest:
        raise ValidationError({"opens_at": [
            _("投票开始时间须在公告之日起至少 %(n)s 天之后（不早于 %(at)s）")
            % {"n": vote.notice_days,
               "at": timezone.localtime(earliest).strftime("%Y-%m-%d %H:%M")}]})
    if not selectors.scope_units(vote).exists():
        raise ValidationError({"scope": [_("表决范围内没有房屋")]})
    document = text_document(vote)
    vote.status, vote.announced_at = VoteStatus.ANNOUNCED, now
    vote.text_sha256 = selectors.sha256_of(document)
    vote.save(update_fields=["status", "announced_at", "text_sha256"])
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
    now = _now(now)
    vote = _locked(vote)
    if vote.status != VoteStatus.ANNOUNCED:
        raise _status_error(vote, _("只有已公告的表决可以开始投票"))
    if now < vote.opens_at:
        raise ValidationError({"opens_at": [_("未到投票开始时间（%(at)s）") % {
            "at": timezone.localtime(vote.opens_at).strftime("%Y-%m-%d %H:%M")}]})
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


# --- ballots -------------------------------------------------------------------------------------

def _vote_unit(vote: Vote, unit: Unit | VoteUnit | None) -> VoteUnit:
    if isinstance(unit, VoteUnit):
        found = unit if unit.vote_id == vote.pk else None
    elif isinstance(unit, Unit):
        found = VoteUnit.objects.filter(vote=vote, unit=unit).first()
    else:
        found = None
    if found is None:
        raise ValidationError({"unit": [_("该房屋不在本次表决范围内")]})
    return VoteUnit.objects.select_for_update().get(pk=found.pk)


def _new_ref(vote: Vote) -> str:
    while True:
        ref = receipts.new_ref()
        if not Ballot.objects.filter(vote=vote, ref=ref).exists():
            return ref


def _make_counted(ballot: Ballot) -> None:
    """Of a unit's valid ballots the one cast last counts; the other is kept, superseded."""
    held = (Ballot.objects.select_for_update().filter(vote_unit_id=ballot.vote_unit_id,
                                                      is_current=True)
            .exclude(pk=ballot.pk).first())
    if held is None or (held.cast_at, held.pk) < (ballot.cast_at, ballot.pk):
        if held is not None:
            held.is_current, held.superseded_by = False, ballot
            held.save(update_fields=["is_current", "superseded_by"])
        ballot.is_current = True
        ballot.save(update_fields=["is_current"])
    else:
        ballot.is_current, ballot.superseded_by = False, held
        ballot.save(update_fields=["is_current", "superseded_by"])


def _record_cast(vote: Vote, ballot: Ballot, now: dt.datetime) -> None:
    public = {"vote": vote.pk, "ballot": ballot.ref, "channel": ballot.channel,
              "commitment": ballot.commitment}
    if ballot.channel in ENTERED_CHANNELS:
        public["entered_by"] = str(ballot.entered_by)[:50] if ballot.entered_by else None
        public["confirmed_by"] = str(ballot.confirmed_by)[:50] if ballot.confirmed_by else None
    leaf = log.record(vote.community, "governance.ballot.cast", ballot, time=now, public=public,
                      private={"voter_name": ballot.person.name if ballot.person else None})
    ballot.leaf_index = leaf.index
    ballot.save(update_fields=["leaf_index"])


def _check_choice(choice) -> None:
    if choice not in Choice.values:
        raise ValidationError({"choice": [_("请选择同意、反对或弃权")]})


@transaction.atomic
def cast_ballot(vote: Vote, unit: Unit | VoteUnit, *, actor: User, choice: str,
                now: dt.datetime | None = None) -> Ballot:
    """An owner votes online for one of his units — 线上投票. He may vote again before the
    close: the later ballot counts, the earlier stays, superseded. Co-owners share the
    unit's one ballot (the later counts, whoever cast it)."""
    require(actor, "governance.vote", vote)
    now = _now(now)
    vote = _locked(vote)
    if not vote.accepts_ballots(now):
        if vote.status == VoteStatus.OPEN and now >= vote.closes_at:
            raise ValidationError({"vote": [_("投票已截止")]})
        if vote.status in (VoteStatus.ANNOUNCED, VoteStatus.DRAFT) or now < vote.opens_at:
            raise ValidationError({"vote": [_("投票尚未开始")]})
        raise ValidationError({"vote": [_("投票已结束（%(status)s）")
                                        % {"status": vote.get_status_display()}]})
    vote_unit = _vote_unit(vote, unit)
    person = (Person.objects.filter(pk__in=vote_unit.voters.values("person_id"), user=actor)
              .order_by("pk").first())
    if person is None:
        raise PermissionDenied(_("您不是该房屋在投票开始时登记的业主，不能为其投票"))
    _check_choice(choice)
    nonce = receipts.new_nonce()
    ballot = Ballot.objects.create(
        community_id=vote.community_id, vote=vote, vote_unit=vote_unit, choice=choice,
        channel=Channel.ONLINE, status=BallotStatus.VALID, person=person, cast_by=actor,
        cast_at=now, ref=_new_ref(vote), nonce=nonce,
        commitment=receipts.commitment(vote.pk, vote_unit.unit_label, choice, nonce))
    _make_counted(ballot)
    audit.record(AuditEvent.Action.CREATE, ballot, actor=actor, summary=ballot.ref)
    _record_cast(vote, ballot, now)
    return ballot


@transaction.atomic
def enter_ballot(vote: Vote, unit: Unit | VoteUnit, *, actor: User, choice: str,
                 received_at: dt.datetime, channel: str = Channel.PAPER,
                 person: Person | None = None, scan: Upload | None = None,
                 authorisation: Upload | None = None, proxy_name: str = "",
                 now: dt.datetime | None = None) -> Ballot:
    """Staff enter a paper ballot (with its scan) or a proxy's ballot (with the authorisation)
    — 录入纸质票/委托票. It does not count until a second staff member confirms it."""
    require(actor, "governance.enter_ballots", vote)
    now = _now(now)
    vote = _locked(vote)
    if vote.status != VoteStatus.OPEN:
        raise _status_error(vote, _("只能在投票期间录入选票"))
    errors: dict[str, list[str]] = {}
    if channel not in ENTERED_CHANNELS:
        errors["channel"] = [_("请选择纸质表决票或委托投票")]
    if not isinstance(received_at, dt.datetime) or timezone.is_naive(received_at):
        errors["received_at"] = [_("请填写收票时间")]
    elif not vote.opens_at <= received_at < vote.closes_at or received_at > now:
        errors["received_at"] = [_("收票时间须在投票期间内，且不晚于现在")]
    for name, upload, purpose in (("scan", scan, uploads.BALLOT_SCAN),
                                  ("authorisation", authorisation, uploads.BALLOT_AUTHORISATION)):
        if upload is not None and (problems := uploads.attach_errors(
                actor, [upload], community=vote.community_id, purpose=purpose)):
            errors[name] = problems
    if scan is not None and scan == authorisation:
        errors["authorisation"] = [_("同一文件不能重复附上")]
    if channel == Channel.PAPER and scan is None:
        errors.setdefault("scan", [_("纸质表决票须上传扫描件")])
    proxy_name = normalize_text(proxy_name)
    if channel == Channel.PROXY:
        if authorisation is None:
            errors.setdefault("authorisation", [_("委托投票须上传授权委托书")])
        if not proxy_name:
            errors["proxy_name"] = [_("请填写受托人姓名")]
    if len(proxy_name) > 50:
        errors["proxy_name"] = [_("受托人姓名最多 50 个字")]
    if choice not in Choice.values:
        errors["choice"] = [_("请选择同意、反对或弃权")]
    if errors:
        raise ValidationError(errors)
    vote_unit = _vote_unit(vote, unit)
    voters = list(Person.objects.filter(pk__in=vote_unit.voters.values("person_id"))
                  .order_by("pk"))
    if person is None and len(voters) == 1:
        person = voters[0]
    if person is None or person.pk not in {p.pk for p in voters}:
        raise ValidationError({"person": [_("请选择该房屋在投票开始时登记的业主")]})
    nonce = receipts.new_nonce()
    ballot = Ballot.objects.create(
        community_id=vote.community_id, vote=vote, vote_unit=vote_unit, choice=choice,
        channel=channel, status=BallotStatus.PENDING, person=person, cast_at=received_at,
        ref=_new_ref(vote), nonce=nonce, scan=scan, authorisation=authorisation,
        proxy_name=proxy_name, entered_by=actor,
        commitment=receipts.commitment(vote.pk, vote_unit.unit_label, choice, nonce))
    audit.record(AuditEvent.Action.CREATE, ballot, actor=actor, summary=ballot.ref,
                 changes={"channel": [None, channel]})
    return ballot


def _pending_for_review(ballot: Ballot, actor: User) -> tuple[Vote, Ballot]:
    require(actor, "governance.enter_ballots", ballot)
    vote = _locked(ballot.vote)
    ballot = (Ballot.objects.select_for_update(of=("self",))
              .select_related("entered_by", "person").get(pk=ballot.pk))
    if ballot.status != BallotStatus.PENDING:
        raise ValidationError({"status": [_("该选票已复核过（%(s)s）")
                                          % {"s": ballot.get_status_display()}]})
    if ballot.entered_by_id == actor.pk:
        raise ValidationError({"confirmed_by": [_("复核须由录入人以外的另一名工作人员完成")]})
    if vote.status != VoteStatus.OPEN:
        raise _status_error(vote, _("只能在投票期间复核选票"))
    return vote, ballot


@transaction.atomic
def confirm_ballot(ballot: Ballot, *, actor: User, now: dt.datetime | None = None) -> Ballot:
    """A second staff member confirms an entered ballot against its scan — 复核: from now on
    it counts (if it is the unit's latest by the time it was received), and it goes on the log."""
    now = _now(now)
    vote, ballot = _pending_for_review(ballot, actor)
    ballot.status, ballot.confirmed_by, ballot.confirmed_at = BallotStatus.VALID, actor, now
    ballot.save(update_fields=["status", "confirmed_by", "confirmed_at"])
    _make_counted(ballot)
    audit.record(AuditEvent.Action.UPDATE, ballot, actor=actor, summary=_("复核通过"),
                 changes={"status": [BallotStatus.PENDING, BallotStatus.VALID]})
    _record_cast(vote, ballot, now)
    return ballot


@transaction.atomic
def reject_ballot(ballot: Ballot, *, actor: User, reason: str) -> Ballot:
    """The second staff member finds the entry wrong (choice, unit, unreadable scan): it is
    kept, rejected, and never counts; staff enter it again correctly."""
    reason = normalize_text(reason)
    if not reason or len(reason) > MAX_REASON:
        raise ValidationError({"reason": [_("请填写不通过的原因（最多 200 个字）")]})
    _vote, ballot = _pending_for_review(ballot, actor)
    ballot.status, ballot.confirmed_by, ballot.reject_reason = (BallotStatus.REJECTED, actor,
                                                                reason)
    ballot.confirmed_at = timezone.now()
    ballot.save(update_fields=["status", "confirmed_by", "reject_reason", "confirmed_at"])
    audit.record(AuditEvent.Action.UPDATE, ballot, actor=actor, summary=reason,
                 changes={"status": [BallotStatus.PENDING, BallotStatus.REJECTED]})
    return ballot


# --- close, result, effect -----------------------------------------------------------------------

@transaction.atomic
def close_vote(vote: Vote, *, actor: User | None, now: dt.datetime | None = None) -> Vote:
    """Closes the vote — 投票截止: counts the ballots over the frozen electorate and fixes the
    published ballot list (its SHA-256 goes on the log). Refused while entered ballots wait
    for their second confirmation."""
    _require(actor, "governance.manage", vote)
    now = _now(now)
    vote = _locked(vote)
    if vote.status != VoteStatus.OPEN:
        raise _status_error(vote, _("只有投票中的表决可以截止"))
    if now < vote.closes_at:
        raise ValidationError({"closes_at": [_("未到投票截止时间（%(at)s）") % {
            "at": timezone.localtime(vote.closes_at).strftime("%Y-%m-%d %H:%M")}]})
    pending = Ballot.objects.filter(vote=vote).pending().count()
    if pending:
        raise ValidationError({"ballots": [
            _("尚有 %(n)s 张录入的选票待复核，请先复核或退回") % {"n": pending}]})
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
    now = _now(now)
    vote = _locked(vote)
    if vote.status != VoteStatus.CLOSED:
        raise _status_error(vote, _("只有已截止的表决可以公布结果"))
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
    now = _now(now)
    vote = _locked(vote)
    if vote.status != VoteStatus.PUBLISHED:
        raise _status_error(vote, _("只有已公布结果的表决可以生效"))
    if not vote.result.passed:
        raise ValidationError({"status": [_("表决未通过，不能生效")]})
    vote.status, vote.effective_at = VoteStatus.EFFECTIVE, now
    vote.save(update_fields=["status", "effective_at"])
    audit.record(AuditEvent.Action.UPDATE, vote, actor=actor, summary=_("决定生效"),
                 changes={"status": [VoteStatus.PUBLISHED, VoteStatus.EFFECTIVE]})
    log.record(vote.community, "governance.vote.effective", vote, time=now,
               public={"title": vote.title})
    return vote


@transaction.atomic
def cancel_vote(vote: Vote, *, actor: User, reason: str,
                now: dt.datetime | None = None) -> Vote:
    """Cancels a vote before its close — 撤销表决; the ballots already cast are kept."""
    require(actor, "governance.manage", vote)
    now = _now(now)
    vote = _locked(vote)
    if vote.status not in (VoteStatus.DRAFT, VoteStatus.ANNOUNCED, VoteStatus.OPEN):
        raise _status_error(vote, _("截止后不能撤销"))
    reason = normalize_text(reason)
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


# --- vote notifications (proposal_notices.py): owners at announcement and opening ------------------

def _notify_owners(stage: str, vote: Vote, now: dt.datetime) -> None:
    from sunlit.governance import proposal_notices

    getattr(proposal_notices, stage)(vote, now)


# --- the scheduler -------------------------------------------------------------------------------

def open_due_votes(now: dt.datetime | None = None) -> list[Vote]:
    """Opens every announced vote whose start has come (the schedule runs this each minute)."""
    now = _now(now)
    opened = []
    for vote in Vote.objects.filter(status=VoteStatus.ANNOUNCED, opens_at__lte=now,
                                    closes_at__gt=now).order_by("pk"):
        opened.append(open_vote(vote, actor=None, now=now))
    return opened


def close_due_votes(now: dt.datetime | None = None) -> list[Vote]:
    """Closes every open vote whose end has passed and has no ballot waiting for review."""
    now = _now(now)
    closed = []
    for vote in Vote.objects.filter(status=VoteStatus.OPEN, closes_at__lte=now).order_by("pk"):
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
