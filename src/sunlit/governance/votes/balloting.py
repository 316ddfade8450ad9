"""Ballots of a vote: cast online by an owner, entered on paper or by proxy (by staff, with
the scan), reviewed by a committee member, held for the owner when they meet his online
ballot. Each step is ``@transaction.atomic``, locks the vote row and puts the fact on the log;
see ``services.py`` for the rules every vote service follows."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from sunlit.core import audit, sides, uploads
from sunlit.core.clock import minute, now_or
from sunlit.core.locking import locked
from sunlit.core.models import AuditEvent, Person, Upload, User
from sunlit.core.permissions import require
from sunlit.core.validators import clean_prose, normalize_text
from sunlit.governance.votes import receipts
from sunlit.governance.votes.choices import (
    ENTERED_CHANNELS,
    BallotStatus,
    Channel,
    Choice,
    VoteStatus,
)
from sunlit.governance.votes.models import (
    Ballot,
    Vote,
    VoteUnit,
    VoteVoter,
    entry_period,
)
from sunlit.governance.votes.rules import MAX_REASON, status_error
from sunlit.registry.models import Unit
from sunlit.transparency import services as log

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
    return locked(found)


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
    now = now_or(now)
    vote = locked(vote, "community")
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
            "received": minute(ballot.cast_at),
            "close": minute(ballot.vote.closes_at)}


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
    now = now_or(now)
    vote = locked(vote, "community")
    if vote.status != VoteStatus.OPEN:
        raise status_error(vote, _("只能在投票期间录入选票"))
    if now >= vote.entry_deadline:
        raise ValidationError({"vote": [
            _("纸质票和委托票须在投票截止后 %(h)s 小时内录入（至 %(at)s），录入期已过")
            % {"h": int(entry_period().total_seconds() // 3600),
               "at": minute(vote.entry_deadline)}]})
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
    vote = locked(ballot.vote, "community")
    ballot = (Ballot.objects.select_for_update(of=("self",))
              .select_related("entered_by", "person", "vote_unit", "vote").get(pk=ballot.pk))
    if ballot.status != BallotStatus.PENDING:
        raise ValidationError({"status": [_("该选票已复核过（%(s)s）")
                                          % {"s": ballot.get_status_display()}]})
    if ballot.entered_by_id == actor.pk:
        raise ValidationError({"confirmed_by": [_("复核须由录入人以外的另一名业委会委员完成")]})
    if vote.status != VoteStatus.OPEN:
        raise status_error(vote, _("只能在投票期间复核选票"))
    return vote, ballot


@transaction.atomic
def confirm_ballot(ballot: Ballot, *, actor: User, now: dt.datetime | None = None) -> Ballot:
    """A committee member confirms an entered ballot against its scan — 复核. If no owner of the
    unit has voted online it is valid (and counts if it is the unit's latest by the time it was
    received) and goes on the log; otherwise it is *held*: the online ballot stands unless an
    owner of the unit accepts the entered one before the close."""
    now = now_or(now)
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


def record_rejected(vote: Vote, ballot: Ballot, *, by: str, by_name: str | None, reason: str,
                     now: dt.datetime) -> None:
    from sunlit.core.masking import mask_text

    log.record(vote.community, "governance.ballot.rejected", ballot, time=now, public={
        "vote": vote.pk, "ballot": ballot.ref, "channel": ballot.channel, "by": by,
        "reason": mask_text(reason)}, private={"by_name": by_name} if by_name else {})


@transaction.atomic
def reject_ballot(ballot: Ballot, *, actor: User, reason: str,
                  now: dt.datetime | None = None) -> Ballot:
    """The committee member finds the entry wrong (choice, unit, unreadable or missing scan): it
    is kept, rejected, never counts, and the owners are told; it may be entered again
    correctly (within the entry period)."""
    now = now_or(now)
    reason = clean_prose(reason)
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
    record_rejected(vote, ballot, by=by, by_name=by_name, reason=reason, now=now)
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
    now = now_or(now)
    vote = locked(ballot.vote, "community")
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
        record_rejected(vote, ballot, by="业主", by_name=str(actor)[:50],
                         reason=OWNER_KEPT_ONLINE, now=now)
        title = _("您的房屋 %(unit)s 已由业主确认以线上投票为准")
    audit.record(AuditEvent.Action.UPDATE, ballot, actor=actor,
                 summary=_("业主确认以录入的票为准") if accept else OWNER_KEPT_ONLINE,
                 changes={"status": [BallotStatus.HELD, ballot.status]})
    with translation.override(settings.LANGUAGE_CODE):
        _tell_owners(ballot, title % facts,
                     _("表决「%(title)s」：%(channel)s意见“%(choice)s”。") % facts, but=actor)
    return ballot
