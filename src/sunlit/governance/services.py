"""Every change to a vote: draft, announce, open, ballots, close, publish, effect, cancel.

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
from sunlit.governance.controls import services as controls
from sunlit.governance.models import (
    Ballot,
    Result,
    Vote,
    VoteDocument,
    VoteUnit,
    VoteVoter,
    entry_period,
)
from sunlit.registry.models import Building, Unit
from sunlit.transparency import services as log

MAX_TITLE = 100
MAX_DESCRIPTION = 10000
MAX_NOTICE_DAYS = 90
MAX_REASON = 200
#: How far beyond the announced close the committee may extend an open vote.
MAX_EXTENSION = dt.timedelta(days=30)


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


def _own_draft(vote: Vote, actor: User) -> None:
    """A draft the owner side wrote is changed by the owner side only."""
    if vote.owner_side_draft and not sides.is_committee_member(actor, vote.community_id):
        raise PermissionDenied(_("这是业委会拟定的表决草稿，只有业委会可以修改"))


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
    vote = _locked(vote)
    _own_draft(vote, actor)
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
    _own_draft(vote, actor)
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
    voting may start no earlier than ``notice_days`` after the announcement. The owner side
    announces (a company-side draft through a proposal the committee confirms)."""
    require(actor, "governance.manage", vote)
    controls.require_committee(actor, vote.community_id, _("公告表决"))
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


def _count_over_the_rest(ballot: Ballot) -> None:
    """An owner accepted an entered ballot over his online one: it counts from now on, whenever
    it was received (a later online ballot still replaces it, being later)."""
    held = (Ballot.objects.select_for_update().filter(vote_unit_id=ballot.vote_unit_id,
                                                      is_current=True)
            .exclude(pk=ballot.pk).first())
    if held is not None:
        held.is_current, held.superseded_by = False, ballot
        held.save(update_fields=["is_current", "superseded_by"])
    ballot.is_current, ballot.superseded_by = True, None
    ballot.save(update_fields=["is_current", "superseded_by"])


#: How the log names a committee member who entered or confirmed a ballot (he is an owner: his
#: name goes in only as a commitment). Staff are named: entering ballots is public responsibility.
COMMITTEE_MEMBER = "业委会委员"


def _who(user: User | None, community_id: int) -> tuple[str | None, str | None]:
    """(public, private) naming of who entered or confirmed an entered ballot."""
    if user is None:
        return None, None
    if sides.is_company_side(user, community_id):
        return str(user)[:50], None
    return COMMITTEE_MEMBER, str(user)[:50]


def _record_cast(vote: Vote, ballot: Ballot, now: dt.datetime, *,
                 accepted_by_owner: bool = False) -> None:
    public = {"vote": vote.pk, "ballot": ballot.ref, "channel": ballot.channel,
              "commitment": ballot.commitment}
    private = {"voter_name": ballot.person.name if ballot.person else None}
    if ballot.channel in ENTERED_CHANNELS:
        public["entered_by"], entered_name = _who(ballot.entered_by, vote.community_id)
        public["confirmed_by"], confirmer_name = _who(ballot.confirmed_by, vote.community_id)
        if accepted_by_owner:
            public["accepted_by_owner"] = True
        private.update({k: v for k, v in (("entered_by_name", entered_name),
                                          ("confirmer_name", confirmer_name)) if v})
    leaf = log.record(vote.community, "governance.ballot.cast", ballot, time=now, public=public,
                      private=private)
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


# --- entered (paper and proxy) ballots -----------------------------------------------------------

def _online_ballot(ballot: Ballot) -> Ballot | None:
    """The unit's latest valid online ballot: an owner of the unit has voted himself."""
    return (Ballot.objects.filter(vote_unit_id=ballot.vote_unit_id, channel=Channel.ONLINE,
                                  status=BallotStatus.VALID)
            .order_by("-cast_at", "-pk").first())


def unit_owner_users(vote_unit: VoteUnit) -> list[int]:
    """The accounts of the persons who may vote for the unit (frozen at the opening)."""
    return sorted(set(VoteVoter.objects.filter(vote_unit=vote_unit, person__user__isnull=False)
                      .values_list("person__user_id", flat=True)))


def _tell_owners(ballot: Ballot, title: str, body: str, *, but: User | None = None) -> None:
    """The unit's owners hear at once, on every channel (their channel preferences do not
    apply: something was done in their name). One notification per owner and event."""
    from sunlit.notices.choices import NotificationKind
    from sunlit.notices.services import notify

    users = [pk for pk in unit_owner_users(ballot.vote_unit) if but is None or pk != but.pk]
    if users:
        notify(community=ballot.vote.community, recipients=users, title=title, body=body,
               url=reverse("governance:vote", args=[ballot.vote_id]), kind=NotificationKind.VOTE,
               obj=ballot, mandatory=True)


def _facts(ballot: Ballot) -> dict:
    return {"unit": ballot.vote_unit.unit_label, "channel": ballot.get_channel_display(),
            "title": ballot.vote.title, "choice": ballot.get_choice_display(),
            "received": timezone.localtime(ballot.cast_at).strftime("%Y-%m-%d %H:%M"),
            "close": timezone.localtime(ballot.vote.closes_at).strftime("%Y-%m-%d %H:%M")}


def _shown(user: User | None, community_id: int) -> str:
    public, _private = _who(user, community_id)
    return public or "—"


def _upload_errors(vote: Vote, errors: dict, *, channel: str, scan, authorisation) -> None:
    # who may attach which file (the uploader, in this community, once) is the attach rule of
    # core.uploads, checked by the caller; here: what a ballot of this channel needs
    if scan is None:
        errors.setdefault("scan", [_("纸质表决票须上传扫描件") if channel != Channel.PROXY
                                   else _("委托投票须上传受托人签署的表决票扫描件")])
    elif "scan" not in errors and Ballot.objects.filter(vote=vote, scan__sha256=scan.sha256) \
            .exists():
        errors["scan"] = [_("该扫描件已用于本次表决的另一张选票")]
    if channel == Channel.PROXY and authorisation is None:
        errors.setdefault("authorisation", [_("委托投票须上传业主签署的授权委托书")])


@transaction.atomic
def enter_ballot(vote: Vote, unit: Unit | VoteUnit, *, actor: User, choice: str,
                 received_at: dt.datetime, channel: str = Channel.PAPER,
                 person: Person | None = None, scan: Upload | None = None,
                 authorisation: Upload | None = None, proxy_name: str = "",
                 now: dt.datetime | None = None) -> Ballot:
    """Enters a paper ballot (with its scan) or a proxy's ballot (with its scan and the owner's
    authorisation) — 录入纸质票/委托票. It must have been received before the close and is
    entered at the latest ``SUNLIT_BALLOT_ENTRY_HOURS`` after it. It counts only once a committee
    member confirms it (``confirm_ballot``). The entry goes on the log with the SHA-256 of the
    scan and the authorisation, and the unit's owners are told at once on every channel."""
    require(actor, "governance.enter_ballots", vote)
    now = _now(now)
    vote = _locked(vote)
    if vote.status != VoteStatus.OPEN:
        raise _status_error(vote, _("只能在投票期间录入选票"))
    if now >= vote.entry_deadline:
        raise ValidationError({"vote": [
            _("纸质票和委托票须在投票截止后 %(h)s 小时内录入（至 %(at)s），录入期已过")
            % {"h": int(entry_period().total_seconds() // 3600),
               "at": timezone.localtime(vote.entry_deadline).strftime("%Y-%m-%d %H:%M")}]})
    errors: dict[str, list[str]] = {}
    if channel not in ENTERED_CHANNELS:
        errors["channel"] = [_("请选择纸质表决票或委托投票")]
    if not isinstance(received_at, dt.datetime) or timezone.is_naive(received_at):
        errors["received_at"] = [_("请填写收票时间")]
    elif not vote.opens_at <= received_at < vote.closes_at or received_at > now:
        errors["received_at"] = [_("收票时间须在投票期间内（截止之前），且不晚于现在")]
    _upload_errors(vote, errors, channel=channel, scan=scan, authorisation=authorisation)
    for name, upload, purpose in (("scan", scan, uploads.BALLOT_SCAN),
                                  ("authorisation", authorisation, uploads.BALLOT_AUTHORISATION)):
        if name not in errors and upload is not None and (problems := uploads.attach_errors(
                actor, [upload], community=vote.community_id, purpose=purpose)):
            errors[name] = problems
    if scan is not None and scan == authorisation:
        errors["authorisation"] = [_("同一文件不能重复附上")]
    proxy_name = normalize_text(proxy_name)
    if channel == Channel.PROXY and not proxy_name:
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
        proxy_name=proxy_name, entered_by=actor, entered_at=now,
        commitment=receipts.commitment(vote.pk, vote_unit.unit_label, choice, nonce))
    audit.record(AuditEvent.Action.CREATE, ballot, actor=actor, summary=ballot.ref,
                 changes={"channel": [None, channel]})
    entered, entered_name = _who(actor, vote.community_id)
    log.record(vote.community, "governance.ballot.entered", ballot, time=now, public={
        "vote": vote.pk, "ballot": ballot.ref, "channel": channel, "received_at": received_at,
        "scan_sha256": scan.sha256,
        "authorisation_sha256": authorisation.sha256 if authorisation else None,
        "entered_by": entered}, private={
        "voter_name": person.name, "proxy_name": proxy_name or None,
        "entered_by_name": entered_name})
    facts = _facts(ballot) | {"by": entered}
    online = _online_ballot(ballot)
    with translation.override(settings.LANGUAGE_CODE):
        body = _("表决「%(title)s」：录入的意见为“%(choice)s”，收票时间 %(received)s，录入人 "
                 "%(by)s。须经业委会委员对照扫描件复核后才可能计入。如果不是您或共有人所投，"
                 "请立即联系业委会。") % facts
        if online is not None:
            body += _("您已在线投票，线上投票继续有效；录入的票只有经您确认才会计入。")
        else:
            body += _("截止（%(close)s）前您仍可在线投票，线上投票不会被录入的票替代。") % facts
        _tell_owners(ballot, _("您的房屋 %(unit)s 被录入了一张%(channel)s") % facts, body)
    return ballot


def _for_review(ballot: Ballot, actor: User) -> tuple[Vote, Ballot]:
    """The committee reviews entered ballots: a committee member holding no company role, never
    the one who entered it."""
    require(actor, "governance.confirm_ballots", ballot)
    if not sides.is_committee_member(actor, ballot.community_id):
        raise PermissionDenied(_("录入的选票须由业委会委员复核，物业公司人员不能复核"))
    vote = _locked(ballot.vote)
    ballot = (Ballot.objects.select_for_update(of=("self",))
              .select_related("entered_by", "person", "vote_unit", "vote").get(pk=ballot.pk))
    if ballot.status != BallotStatus.PENDING:
        raise ValidationError({"status": [_("该选票已复核过（%(s)s）")
                                          % {"s": ballot.get_status_display()}]})
    if ballot.entered_by_id == actor.pk:
        raise ValidationError({"confirmed_by": [_("复核须由录入人以外的另一名业委会委员完成")]})
    if vote.status != VoteStatus.OPEN:
        raise _status_error(vote, _("只能在投票期间复核选票"))
    return vote, ballot


@transaction.atomic
def confirm_ballot(ballot: Ballot, *, actor: User, now: dt.datetime | None = None) -> Ballot:
    """A committee member confirms an entered ballot against its scan — 复核. If no owner of the
    unit has voted online it is valid (and counts if it is the unit's latest by the time it was
    received) and goes on the log; otherwise it is *held*: the online ballot stands unless an
    owner of the unit accepts the entered one before the close."""
    now = _now(now)
    vote, ballot = _for_review(ballot, actor)
    online = _online_ballot(ballot)
    ballot.confirmed_by, ballot.confirmed_at = actor, now
    confirmed, confirmer_name = _who(actor, vote.community_id)
    facts = _facts(ballot)
    if online is not None:
        ballot.status = BallotStatus.HELD
        ballot.save(update_fields=["status", "confirmed_by", "confirmed_at"])
        log.record(vote.community, "governance.ballot.held", ballot, time=now, public={
            "vote": vote.pk, "ballot": ballot.ref, "channel": ballot.channel,
            "online_ballot": online.ref, "confirmed_by": confirmed},
            private={"confirmer_name": confirmer_name} if confirmer_name else {})
        with translation.override(settings.LANGUAGE_CODE):
            _tell_owners(ballot, _("您的房屋 %(unit)s 有一张%(channel)s与您的线上投票冲突，"
                                   "待您确认") % facts,
                         _("表决「%(title)s」：录入的意见为“%(choice)s”（收票 %(received)s）。您的"
                           "线上投票继续有效；只有您在截止（%(close)s）前确认以录入的票为准，它才会"
                           "计入。") % facts)
    else:
        ballot.status = BallotStatus.VALID
        ballot.save(update_fields=["status", "confirmed_by", "confirmed_at"])
        _make_counted(ballot)
        _record_cast(vote, ballot, now)
        with translation.override(settings.LANGUAGE_CODE):
            _tell_owners(ballot, _("您的房屋 %(unit)s 的%(channel)s已复核计入") % facts,
                         _("表决「%(title)s」：意见“%(choice)s”。截止（%(close)s）前您仍可在线投票，"
                           "以最后一次为准；如有异议请联系业委会。") % facts)
    audit.record(AuditEvent.Action.UPDATE, ballot, actor=actor, summary=_("复核通过"),
                 changes={"status": [BallotStatus.PENDING, ballot.status]})
    return ballot


def _record_rejected(vote: Vote, ballot: Ballot, *, by: str, by_name: str | None, reason: str,
                     now: dt.datetime) -> None:
    from sunlit.board.masking import mask_text

    log.record(vote.community, "governance.ballot.rejected", ballot, time=now, public={
        "vote": vote.pk, "ballot": ballot.ref, "channel": ballot.channel, "by": by,
        "reason": mask_text(reason)}, private={"by_name": by_name} if by_name else {})


@transaction.atomic
def reject_ballot(ballot: Ballot, *, actor: User, reason: str,
                  now: dt.datetime | None = None) -> Ballot:
    """The committee member finds the entry wrong (choice, unit, unreadable or missing scan): it
    is kept, rejected, never counts, and the owners are told; it may be entered again
    correctly (within the entry period)."""
    now = _now(now)
    reason = normalize_text(reason)
    if not reason or len(reason) > MAX_REASON:
        raise ValidationError({"reason": [_("请填写不通过的原因（最多 200 个字）")]})
    vote, ballot = _for_review(ballot, actor)
    ballot.status, ballot.confirmed_by, ballot.reject_reason = (BallotStatus.REJECTED, actor,
                                                                reason)
    ballot.confirmed_at = now
    ballot.save(update_fields=["status", "confirmed_by", "reject_reason", "confirmed_at"])
    audit.record(AuditEvent.Action.UPDATE, ballot, actor=actor, summary=reason,
                 changes={"status": [BallotStatus.PENDING, BallotStatus.REJECTED]})
    by, by_name = _who(actor, vote.community_id)
    _record_rejected(vote, ballot, by=by, by_name=by_name, reason=reason, now=now)
    facts = _facts(ballot) | {"reason": reason}
    with translation.override(settings.LANGUAGE_CODE):
        _tell_owners(ballot, _("您的房屋 %(unit)s 的%(channel)s未计入") % facts,
                     _("表决「%(title)s」：业委会复核未通过（%(reason)s）。") % facts)
    return ballot


OWNER_KEPT_ONLINE = "业主确认以线上投票为准"


@transaction.atomic
def resolve_held_ballot(ballot: Ballot, *, actor: User, accept: bool,
                        now: dt.datetime | None = None) -> Ballot:
    """An owner of the unit decides a held entry — 业主确认: ``accept`` makes the entered ballot
    the counted one (over his online ballot); otherwise it is rejected and the online ballot
    stands. Only before the close: afterwards the online ballot stands."""
    require(actor, "governance.vote", ballot)
    now = _now(now)
    vote = _locked(ballot.vote)
    ballot = (Ballot.objects.select_for_update(of=("self",))
              .select_related("entered_by", "confirmed_by", "person", "vote_unit", "vote")
              .get(pk=ballot.pk))
    if not VoteVoter.objects.filter(vote_unit_id=ballot.vote_unit_id, person__user=actor).exists():
        raise PermissionDenied(_("只有该房屋在投票开始时登记的业主可以确认"))
    if ballot.status != BallotStatus.HELD:
        raise ValidationError({"status": [_("这张选票无需您确认（%(s)s）")
                                          % {"s": ballot.get_status_display()}]})
    if not vote.accepts_ballots(now):
        raise ValidationError({"vote": [_("投票已截止，以线上投票为准")]})
    if not isinstance(accept, bool):
        raise ValidationError({"decision": [_("请选择以录入的票为准，或以线上投票为准")]})
    ballot.resolved_by, ballot.resolved_at = actor, now
    facts = _facts(ballot)
    if accept:
        ballot.status = BallotStatus.VALID
        ballot.save(update_fields=["status", "resolved_by", "resolved_at"])
        _count_over_the_rest(ballot)
        _record_cast(vote, ballot, now, accepted_by_owner=True)
        title = _("您的房屋 %(unit)s 已由业主确认以%(channel)s为准")
    else:
        ballot.status, ballot.reject_reason = BallotStatus.REJECTED, OWNER_KEPT_ONLINE
        ballot.save(update_fields=["status", "reject_reason", "resolved_by", "resolved_at"])
        _record_rejected(vote, ballot, by="业主", by_name=str(actor)[:50],
                         reason=OWNER_KEPT_ONLINE, now=now)
        title = _("您的房屋 %(unit)s 已由业主确认以线上投票为准")
    audit.record(AuditEvent.Action.UPDATE, ballot, actor=actor,
                 summary=_("业主确认以录入的票为准") if accept else OWNER_KEPT_ONLINE,
                 changes={"status": [BallotStatus.HELD, ballot.status]})
    with translation.override(settings.LANGUAGE_CODE):
        _tell_owners(ballot, title % facts,
                     _("表决「%(title)s」：%(channel)s意见“%(choice)s”。") % facts, but=actor)
    return ballot


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
    now = _now(now)
    vote = _locked(vote)
    if vote.status != VoteStatus.OPEN:
        raise _status_error(vote, _("只有投票中的表决可以截止"))
    if now < vote.closes_at:
        raise ValidationError({"closes_at": [_("未到投票截止时间（%(at)s）") % {
            "at": timezone.localtime(vote.closes_at).strftime("%Y-%m-%d %H:%M")}]})
    if now < vote.entry_deadline and (actor is None or not sides.is_committee_member(
            actor, vote.community_id)):
        raise ValidationError({"closes_at": [
            _("纸质票和委托票的录入期至 %(at)s 结束；在此之前只有业委会可以决定提前计票") % {
                "at": timezone.localtime(vote.entry_deadline).strftime("%Y-%m-%d %H:%M")}]})
    pending = Ballot.objects.filter(vote=vote).pending().count()
    if pending:
        raise ValidationError({"ballots": [
            _("尚有 %(n)s 张录入的选票待业委会复核，请先复核或退回") % {"n": pending}]})
    for held in (Ballot.objects.select_for_update(of=("self",)).filter(
            vote=vote, status=BallotStatus.HELD).order_by("pk")):
        held.status, held.reject_reason = BallotStatus.REJECTED, UNRESOLVED_AT_CLOSE
        held.save(update_fields=["status", "reject_reason"])
        _record_rejected(vote, held, by="投票截止", by_name=None, reason=UNRESOLVED_AT_CLOSE,
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


def _cancel_is_owner_side(vote: Vote) -> bool:
    """Cancelling an announced or open vote, or a draft of the owner side, is the owner side's."""
    return vote.status != VoteStatus.DRAFT or vote.owner_side_draft


@transaction.atomic
def cancel_vote(vote: Vote, *, actor: User, reason: str,
                now: dt.datetime | None = None) -> Vote:
    """Cancels a vote before its close — 撤销表决; the ballots already cast are kept. An
    announced or open vote (or an owner-side draft) only by the owner side: a company-side
    proposal takes effect when the committee confirms it (``governance.controls``)."""
    require(actor, "governance.manage", vote)
    now = _now(now)
    vote = _locked(vote)
    if vote.status not in (VoteStatus.DRAFT, VoteStatus.ANNOUNCED, VoteStatus.OPEN):
        raise _status_error(vote, _("截止后不能撤销"))
    if _cancel_is_owner_side(vote):
        controls.require_committee(actor, vote.community_id, _("撤销已公告的表决"))
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


@transaction.atomic
def extend_vote(vote: Vote, *, actor: User, closes_at: dt.datetime,
                now: dt.datetime | None = None) -> Vote:
    """Extends an open vote — 延长投票期 — before its close, by the owner side (a company-side
    proposal through ``governance.controls``), to at most 30 days after the announced close.
    The new close is on the log and the voters are told."""
    require(actor, "governance.manage", vote)
    controls.require_committee(actor, vote.community_id, _("延长投票期"))
    now = _now(now)
    vote = _locked(vote)
    _check_extension(vote, closes_at, now)
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
                   "a": timezone.localtime(was).strftime("%Y-%m-%d %H:%M"),
                   "b": timezone.localtime(closes_at).strftime("%Y-%m-%d %H:%M")},
               url=reverse("governance:vote", args=[vote.pk]), kind=NotificationKind.VOTE,
               obj=vote)
    return vote


def _check_extension(vote: Vote, closes_at, now: dt.datetime) -> None:
    if vote.status != VoteStatus.OPEN:
        raise _status_error(vote, _("只有投票中的表决可以延长投票期"))
    if now >= vote.closes_at:
        raise ValidationError({"closes_at": [_("投票已截止，不能再延长")]})
    if not isinstance(closes_at, dt.datetime) or timezone.is_naive(closes_at):
        raise ValidationError({"closes_at": [_("请填写完整的日期和时间")]})
    if closes_at <= vote.closes_at:
        raise ValidationError({"closes_at": [_("新的截止时间须晚于现在的截止时间")]})
    limit = (vote.announced_closes_at or vote.closes_at) + MAX_EXTENSION
    if closes_at > limit:
        raise ValidationError({"closes_at": [_("最多延长至公告截止时间后 30 天（%(at)s）") % {
            "at": timezone.localtime(limit).strftime("%Y-%m-%d %H:%M")}]})


# --- the vote's owner-side controls (governance.controls): plan and apply --------------------------

def _vote_param(community: Community, params: dict) -> Vote:
    vote_id = params.get("vote")
    vote = None
    if isinstance(vote_id, int) and not isinstance(vote_id, bool):
        vote = Vote.objects.in_community(community).filter(pk=vote_id).first()
    if vote is None:
        raise ValidationError({"vote": [_("请选择本小区的表决")]})
    return vote


def _when(value: dt.datetime) -> str:
    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M")


def plan_announce(community: Community, params: dict, *, now=None) -> controls.Plan:
    vote = _vote_param(community, params)
    if vote.status != VoteStatus.DRAFT:
        raise _status_error(vote, _("只有草稿可以公告"))
    return controls.Plan(
        params={"vote": vote.pk}, weakens=True, subject=vote, subject_label=vote.title,
        summary=_("公告表决「%(t)s」，投票 %(a)s 至 %(b)s") % {
            "t": vote.title, "a": _when(vote.opens_at), "b": _when(vote.closes_at)})


def apply_announce(community: Community, params: dict, *, actor: User, now) -> Vote:
    return announce_vote(_vote_param(community, params), actor=actor, now=now)


def plan_cancel(community: Community, params: dict, *, now=None) -> controls.Plan:
    vote = _vote_param(community, params)
    if vote.status not in (VoteStatus.DRAFT, VoteStatus.ANNOUNCED, VoteStatus.OPEN):
        raise _status_error(vote, _("截止后不能撤销"))
    reason = normalize_text(params.get("reason") if isinstance(params.get("reason"), str) else "")
    if not reason or len(reason) > MAX_REASON:
        raise ValidationError({"reason": [_("请填写撤销原因（最多 200 个字）")]})
    return controls.Plan(
        params={"vote": vote.pk, "reason": reason}, weakens=_cancel_is_owner_side(vote),
        subject=vote, subject_label=vote.title,
        summary=_("撤销%(s)s的表决「%(t)s」：%(r)s") % {
            "s": vote.get_status_display(), "t": vote.title, "r": reason})


def apply_cancel(community: Community, params: dict, *, actor: User, now) -> Vote:
    return cancel_vote(_vote_param(community, params), actor=actor, reason=params["reason"],
                       now=now)


def _closes_param(params: dict) -> dt.datetime:
    value = params.get("closes_at")
    if isinstance(value, str):
        try:
            value = dt.datetime.fromisoformat(value)
        except ValueError:
            value = None
    if not isinstance(value, dt.datetime) or timezone.is_naive(value):
        raise ValidationError({"closes_at": [_("请填写完整的日期和时间")]})
    return value


def plan_extend(community: Community, params: dict, *, now=None) -> controls.Plan:
    vote = _vote_param(community, params)
    closes_at = _closes_param(params)
    _check_extension(vote, closes_at, now or timezone.now())
    return controls.Plan(
        params={"vote": vote.pk, "closes_at": log_time(closes_at)}, weakens=True, subject=vote,
        subject_label=vote.title,
        summary=_("表决「%(t)s」投票截止由 %(a)s 延长至 %(b)s") % {
            "t": vote.title, "a": _when(vote.closes_at), "b": _when(closes_at)})


def apply_extend(community: Community, params: dict, *, actor: User, now) -> Vote:
    return extend_vote(_vote_param(community, params), actor=actor,
                       closes_at=_closes_param(params), now=now)


# --- vote notifications (proposals/notices.py): owners at announcement and opening ------------------

def _notify_owners(stage: str, vote: Vote, now: dt.datetime) -> None:
    from sunlit.governance.proposals import notices as proposal_notices

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
    """Closes every open vote whose entry period (close + ``SUNLIT_BALLOT_ENTRY_HOURS``) has
    passed and has no ballot waiting for review."""
    now = _now(now)
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
