"""Every change to a meeting (议事会 / 业委会会议 / 业主大会): draft, notice, attendance, minutes.

``draft → announced → held → minutes`` (or ``cancelled`` before it is held). Like the vote
services, each one is ``@transaction.atomic``, checks permission first, locks the meeting row,
validates (``ValidationError`` with Chinese messages per field; nothing written on refusal),
and records its audit event and transparency log entry in the same transaction.

Notice period: a meeting is announced at least ``SUNLIT_MEETING_NOTICE_DAYS`` (default 7)
before it starts — the 7 days the 业主大会和业主委员会指导规则 asks of committee meetings, used
for 阳光议事会 too; an owners' assembly (业主大会) needs at least 15 days whatever the setting.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
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
from sunlit.core.permissions import require
from sunlit.core.validators import clean_prose
from sunlit.governance.meetings.models import (
    AgendaItem,
    Attendee,
    AttendeeRole,
    Decision,
    Meeting,
    MeetingKind,
    MeetingStatus,
    Organiser,
)
from sunlit.governance.votes.selectors import sha256_of
from sunlit.registry.models import Ownership
from sunlit.transparency import services as log
from sunlit.transparency.kinds import rfc3339

MAX_TITLE = 100
MAX_TEXT = 10000
MAX_MINUTES = 50000
MAX_AGENDA = 30
MAX_DECISIONS = 50
MAX_LINKS = 20
MAX_REASON = 200
ASSEMBLY_NOTICE_DAYS = 15
SIGN_IN_OPENS = dt.timedelta(hours=2)


def notice_days(kind: str) -> int:
    """The minimum notice of a meeting of ``kind``, in days."""
    days = max(0, int(settings.SUNLIT_MEETING_NOTICE_DAYS))
    return max(days, ASSEMBLY_NOTICE_DAYS) if kind == MeetingKind.ASSEMBLY else days



_status_error = partial(status_error, message=gettext_lazy("会议当前为“%(status)s”，%(wanted)s"))



def display_name(user: User) -> str:
    return (getattr(user, "display_name", "") or user.get_username())[:100]


# --- the draft -----------------------------------------------------------------------------------

def _clean_agenda(agenda, errors: dict) -> list[tuple[str, str]]:
    items = []
    if isinstance(agenda, (str, bytes)) or not hasattr(agenda, "__iter__"):
        errors["agenda"] = [_("议程格式不正确")]
        return items
    for n, item in enumerate(agenda, start=1):
        if isinstance(item, str):
            title, description = item, ""
        elif isinstance(item, dict):
            title, description = item.get("title", ""), item.get("description", "")
        elif isinstance(item, (tuple, list)) and len(item) == 2:
            title, description = item
        else:
            errors["agenda"] = [_("议程格式不正确")]
            return []
        title = clean_prose(title if isinstance(title, str) else "")
        description = (description if isinstance(description, str) else "").strip()
        if not title:
            continue
        if len(title) > MAX_TITLE or len(description) > 2000:
            errors["agenda"] = [_("第 %(n)s 项议程过长（议题最多 100 个字，说明最多 2000 个字）")
                                % {"n": n}]
            return []
        items.append((title, description))
    if len(items) > MAX_AGENDA:
        errors["agenda"] = [_("议程最多 %(n)s 项") % {"n": MAX_AGENDA}]
    return items


def _clean(errors: dict, *, kind, title, description, organiser, starts_at, ends_at, place,
           online_link) -> dict:
    title = clean_prose(title if isinstance(title, str) else "")
    description = (description if isinstance(description, str) else "").strip()
    place = clean_prose(place if isinstance(place, str) else "")
    online_link = (online_link if isinstance(online_link, str) else "").strip()
    if kind not in MeetingKind.values:
        errors["kind"] = [_("请选择会议类型")]
    if organiser not in Organiser.values:
        errors["organiser"] = [_("请选择召集人")]
    if not title:
        errors["title"] = [_("请填写会议名称")]
    elif len(title) > MAX_TITLE:
        errors["title"] = [_("会议名称最多 %(n)s 个字") % {"n": MAX_TITLE}]
    if len(description) > MAX_TEXT:
        errors["description"] = [_("会议说明最多 %(n)s 个字") % {"n": MAX_TEXT}]
    if not isinstance(starts_at, dt.datetime) or timezone.is_naive(starts_at):
        errors["starts_at"] = [_("请填写完整的日期和时间")]
    if ends_at is not None:
        if not isinstance(ends_at, dt.datetime) or timezone.is_naive(ends_at):
            errors["ends_at"] = [_("请填写完整的日期和时间")]
        elif "starts_at" not in errors and ends_at <= starts_at:
            errors["ends_at"] = [_("结束时间必须晚于开始时间")]
    if len(place) > 100:
        errors["place"] = [_("地点最多 100 个字")]
    if online_link and (not online_link.startswith("https://") or len(online_link) > 300
                        or any(ch.isspace() for ch in online_link)):
        errors["online_link"] = [_("线上会议链接须以 https:// 开头（最多 300 个字符）")]
    if not place and not online_link:
        errors["place"] = [_("请填写会议地点或线上会议链接")]
    return {"kind": kind, "title": title, "description": description, "organiser": organiser,
            "starts_at": starts_at, "ends_at": ends_at, "place": place,
            "online_link": online_link}


def _set_agenda(meeting: Meeting, items: list[tuple[str, str]]) -> None:
    AgendaItem.objects.filter(meeting=meeting).delete()
    AgendaItem.objects.bulk_create([
        AgendaItem(community_id=meeting.community_id, meeting=meeting, position=n, title=t,
                   description=d) for n, (t, d) in enumerate(items, start=1)])


@transaction.atomic
def create_meeting(community: Community, *, actor: User, kind: str, title: str,
                   organiser: str, starts_at: dt.datetime, ends_at: dt.datetime | None = None,
                   description: str = "", place: str = "", online_link: str = "",
                   agenda: Iterable = ()) -> Meeting:
    """Drafts a meeting — 拟定会议 — with its ordered agenda. Nothing is public yet."""
    require(actor, "meetings.manage", community=community)
    errors: dict[str, list[str]] = {}
    data = _clean(errors, kind=kind, title=title, description=description, organiser=organiser,
                  starts_at=starts_at, ends_at=ends_at, place=place, online_link=online_link)
    items = _clean_agenda(agenda, errors)
    if errors:
        raise ValidationError(errors)
    meeting = Meeting.objects.create(community=community, created_by=actor, **data)
    _set_agenda(meeting, items)
    audit.record(AuditEvent.Action.CREATE, meeting, actor=actor, summary=meeting.title)
    return meeting


@transaction.atomic
def update_meeting(meeting: Meeting, *, actor: User, **fields) -> Meeting:
    """Changes a draft (``agenda`` replaces the whole agenda). After the notice: no change."""
    require(actor, "meetings.manage", meeting)
    meeting = locked(meeting, "community")
    if not meeting.is_editable:
        raise _status_error(meeting, _("通知后不能再修改；如需变更请取消后重新发起"))
    allowed = {"kind", "title", "description", "organiser", "starts_at", "ends_at", "place",
               "online_link", "agenda"}
    unknown = set(fields) - allowed
    if unknown:
        raise ValidationError({name: [_("不支持修改此项")] for name in sorted(unknown)})
    current = {name: getattr(meeting, name) for name in allowed - {"agenda"}}
    agenda = fields.pop("agenda", None)
    current.update(fields)
    errors: dict[str, list[str]] = {}
    data = _clean(errors, **current)
    items = _clean_agenda(agenda, errors) if agenda is not None else None
    if errors:
        raise ValidationError(errors)
    changes = audit.diff(meeting, data)
    for name, value in data.items():
        setattr(meeting, name, value)
    meeting.save(update_fields=list(data))
    if items is not None:
        _set_agenda(meeting, items)
    audit.record(AuditEvent.Action.UPDATE, meeting, actor=actor, changes=changes,
                 summary=meeting.title)
    return meeting


def agenda_document(meeting: Meeting) -> dict:
    """What the notice commits to (RFC 8785 JSON; its SHA-256 is on the log)."""
    return {
        "meeting": meeting.pk, "community": meeting.community.code, "kind": meeting.kind,
        "title": meeting.title, "description": meeting.description,
        "organiser": meeting.organiser, "starts_at": rfc3339(meeting.starts_at),
        "ends_at": rfc3339(meeting.ends_at) if meeting.ends_at else None,
        "place": meeting.place, "online_link": meeting.online_link,
        "agenda": [{"position": a.position, "title": a.title, "description": a.description}
                   for a in meeting.agenda.order_by("position")],
    }


def _members(community: Community) -> list[int]:
    return list(Membership.objects.in_community(community).active()
                .values_list("user_id", flat=True).distinct())


def _notify(meeting: Meeting, title: str, body: str) -> None:
    from sunlit.notices.choices import NotificationKind
    from sunlit.notices.services import notify

    notify(community=meeting.community, recipients=_members(meeting.community), title=title,
           body=body, url=f"/governance/meetings/{meeting.pk}/",
           kind=NotificationKind.ANNOUNCEMENT, obj=meeting)


def _invite(meeting: Meeting, user: User, role: str) -> Attendee:
    attendee, _created = Attendee.objects.get_or_create(
        meeting=meeting, user=user,
        defaults={"community_id": meeting.community_id, "role": role, "invited": True,
                  "name": display_name(user)})
    return attendee


@transaction.atomic
def announce_meeting(meeting: Meeting, *, actor: User, now: dt.datetime | None = None) -> Meeting:
    """Announces a meeting — 会议通知: agenda, time and place become public and fixed, the
    committee members are invited, every member is notified. It must start at least the notice
    period after today."""
    require(actor, "meetings.manage", meeting)
    now = now_or(now)
    meeting = locked(meeting, "community")
    if meeting.status != MeetingStatus.DRAFT:
        raise _status_error(meeting, _("只有草稿可以发出通知"))
    days = notice_days(meeting.kind)
    earliest = now + dt.timedelta(days=days)
    if meeting.starts_at < earliest:
        raise ValidationError({"starts_at": [
            _("%(kind)s须提前至少 %(n)s 天通知：开始时间不能早于 %(at)s")
            % {"kind": meeting.get_kind_display(), "n": days, "at": minute(earliest)}]})
    if not meeting.agenda.exists():
        raise ValidationError({"agenda": [_("请至少列出一项议程")]})
    document = agenda_document(meeting)
    meeting.status, meeting.announced_at = MeetingStatus.ANNOUNCED, now
    meeting.agenda_sha256 = sha256_of(document)
    meeting.save(update_fields=["status", "announced_at", "agenda_sha256"])
    committee = (Membership.objects.in_community(meeting.community).active()
                 .filter(role=Role.COMMITTEE, user__is_active=True).select_related("user")
                 .order_by("pk"))
    for membership in committee:
        _invite(meeting, membership.user, AttendeeRole.COMMITTEE)
    audit.record(AuditEvent.Action.UPDATE, meeting, actor=actor, summary=_("发出会议通知"),
                 changes={"status": [MeetingStatus.DRAFT, MeetingStatus.ANNOUNCED]})
    log.record(meeting.community, "governance.meeting.announced", meeting, time=now, public={
        "title": meeting.title, "kind": meeting.kind, "organiser": meeting.organiser,
        "starts_at": meeting.starts_at, "place": meeting.place,
        "online": bool(meeting.online_link), "agenda": [a["title"] for a in document["agenda"]],
        "agenda_sha256": meeting.agenda_sha256, "notice_days": days,
    })
    _notify(meeting, _("【会议通知】%(title)s") % {"title": meeting.title},
            _("%(kind)s定于 %(at)s 在%(place)s召开，议程 %(n)s 项。")
            % {"kind": meeting.get_kind_display(), "at": minute(meeting.starts_at),
               "place": meeting.place or _("线上"), "n": len(document["agenda"])})
    return meeting


# --- attendance ----------------------------------------------------------------------------------

@transaction.atomic
def invite_member(meeting: Meeting, user: User, *, actor: User) -> Attendee:
    """Invites a committee member or a staff member of the community — 邀请参会."""
    require(actor, "meetings.manage", meeting)
    meeting = locked(meeting, "community")
    if meeting.status not in (MeetingStatus.DRAFT, MeetingStatus.ANNOUNCED):
        raise _status_error(meeting, _("会议召开后不能再邀请"))
    roles = set(Membership.objects.in_community(meeting.community).active()
                .filter(user=user).values_list("role", flat=True)) if isinstance(user, User) else set()
    if Role.COMMITTEE in roles:
        role = AttendeeRole.COMMITTEE
    elif roles & STAFF_ROLES:
        role = AttendeeRole.STAFF
    else:
        raise ValidationError({"user": [_("只能邀请本小区的业委会委员或物业工作人员")]})
    if Attendee.objects.filter(meeting=meeting, user=user).exists():
        raise ValidationError({"user": [_("%(name)s 已在参会名单中") % {"name": display_name(user)}]})
    attendee = _invite(meeting, user, role)
    audit.record(AuditEvent.Action.CREATE, attendee, actor=actor, summary=attendee.name)
    return attendee


def owned_units(user: User, community_id: int):
    """The units ``user`` owns today in the community (roster), labels ordered."""
    return [o.unit for o in Ownership.objects.current()
            .filter(community_id=community_id, person__user=user)
            .select_related("unit__building", "person").order_by("unit__building__sort_key",
                                                                 "unit__building__name", "unit_id")]


@transaction.atomic
def register_for_meeting(meeting: Meeting, *, actor: User,
                         now: dt.datetime | None = None) -> Attendee:
    """An owner registers to attend — 业主报名参会 — until the meeting starts."""
    require(actor, "meetings.register", meeting)
    now = now_or(now)
    meeting = locked(meeting, "community")
    if not meeting.accepts_registration(now):
        raise ValidationError({"meeting": [_("会议已开始或未在报名期间")]})
    ownership = (Ownership.objects.current().filter(community_id=meeting.community_id,
                                                      person__user=actor)
                 .select_related("unit__building", "person").order_by("pk").first())
    if ownership is None:
        raise ValidationError({"meeting": [_("只有本小区登记的业主可以报名")]})
    if Attendee.objects.filter(meeting=meeting, user=actor).exists():
        raise ValidationError({"meeting": [_("您已在参会名单中")]})
    attendee = Attendee.objects.create(
        community_id=meeting.community_id, meeting=meeting, user=actor,
        person=ownership.person, role=AttendeeRole.OWNER, name=ownership.person.name[:100],
        unit_label=ownership.unit.label[:80], registered_at=now)
    audit.record(AuditEvent.Action.CREATE, attendee, actor=actor, summary=_("报名参会"))
    return attendee


@transaction.atomic
def sign_in(attendee: Attendee, *, actor: User, now: dt.datetime | None = None) -> Attendee:
    """Staff record that an attendee is present — 签到 — from two hours before the start until
    the minutes are published."""
    require(actor, "meetings.sign_in", attendee)
    now = now_or(now)
    meeting = locked(attendee.meeting, "community")
    attendee = locked(attendee)
    if meeting.status not in (MeetingStatus.ANNOUNCED, MeetingStatus.HELD):
        raise _status_error(meeting, _("只能在会议通知后、纪要公布前签到"))
    if now < meeting.starts_at - SIGN_IN_OPENS:
        raise ValidationError({"signed_in_at": [_("签到于会议开始前 2 小时开放（%(at)s 起）")
                                                % {"at": minute(meeting.starts_at - SIGN_IN_OPENS)}]})
    if attendee.signed_in_at is not None:
        raise ValidationError({"signed_in_at": [_("%(name)s 已于 %(at)s 签到")
                                                % {"name": attendee.public_name,
                                                   "at": minute(attendee.signed_in_at)}]})
    attendee.signed_in_at, attendee.signed_in_by = now, actor
    attendee.save(update_fields=["signed_in_at", "signed_in_by"])
    audit.record(AuditEvent.Action.UPDATE, attendee, actor=actor, summary=_("签到"))
    return attendee


@transaction.atomic
def hold_meeting(meeting: Meeting, *, actor: User, now: dt.datetime | None = None) -> Meeting:
    """Records that the meeting took place — 会议已召开 — once its start time has come."""
    require(actor, "meetings.manage", meeting)
    now = now_or(now)
    meeting = locked(meeting, "community")
    if meeting.status != MeetingStatus.ANNOUNCED:
        raise _status_error(meeting, _("只有已通知的会议可以标记为已召开"))
    if now < meeting.starts_at:
        raise ValidationError({"starts_at": [_("会议尚未开始（%(at)s）") % {
            "at": minute(meeting.starts_at)}]})
    meeting.status, meeting.held_at = MeetingStatus.HELD, now
    meeting.save(update_fields=["status", "held_at"])
    signed = meeting.attendees.filter(signed_in_at__isnull=False).count()
    audit.record(AuditEvent.Action.UPDATE, meeting, actor=actor, summary=_("会议已召开"),
                 changes={"status": [MeetingStatus.ANNOUNCED, MeetingStatus.HELD]})
    log.record(meeting.community, "governance.meeting.held", meeting, time=now, public={
        "title": meeting.title, "held_at": now, "signed_in": signed})
    return meeting


def resolve_links(community, votes: list[str], tickets: list[str], entries: list[str]):
    """Votes by id, tickets and journal entries by number, within ``community`` only."""
    from sunlit.finance.models import JournalEntry
    from sunlit.governance.votes.models import Vote
    from sunlit.tickets.models import Ticket

    errors: dict[str, list[str]] = {}
    vote_ids = []
    for value in votes:
        value = value.lstrip("#")
        if not value.isdigit():
            errors["votes"] = [_("表决编号应为数字")]
            break
        vote_ids.append(int(value))
    found_votes = list(Vote.objects.in_community(community).filter(pk__in=vote_ids))
    if "votes" not in errors and len(found_votes) != len(set(vote_ids)):
        errors["votes"] = [_("本小区没有这些表决：%(x)s") % {"x": "、".join(
            str(v) for v in sorted(set(vote_ids) - {v.pk for v in found_votes}))}]
    found = {}
    for name, model, wanted, label in (("tickets", Ticket, tickets, _("工单")),
                                       ("entries", JournalEntry, entries, _("记账凭证"))):
        rows = list(model.objects.in_community(community).filter(number__in=wanted))
        missing = sorted(set(wanted) - {r.number for r in rows})
        if missing:
            errors[name] = [_("本小区没有这些%(what)s：%(x)s") % {"what": label,
                                                          "x": "、".join(missing[:10])}]
        found[name] = rows
    if errors:
        raise ValidationError(errors)
    return found_votes, found["tickets"], found["entries"]


# --- decisions and minutes -----------------------------------------------------------------------

def _check_links(meeting: Meeting, errors: dict, name: str, objects, model, label: str) -> list:
    objects = list(objects or ())
    if len(objects) > MAX_LINKS:
        errors[name] = [_("最多关联 %(n)s 项") % {"n": MAX_LINKS}]
    elif any(not isinstance(o, model) or o.community_id != meeting.community_id
             for o in objects):
        errors[name] = [_("只能关联本小区的%(what)s") % {"what": label}]
    return objects


@transaction.atomic
def add_decision(meeting: Meeting, *, actor: User, text: str, votes: Iterable = (),
                 tickets: Iterable = (), entries: Iterable = ()) -> Decision:
    """Records one decision of a held meeting — 会议决定 — with the votes, tickets and journal
    entries (expenses) that carry it out; all must be of the meeting's community."""
    from sunlit.finance.models import JournalEntry
    from sunlit.governance.votes.models import Vote
    from sunlit.tickets.models import Ticket

    require(actor, "meetings.manage", meeting)
    meeting = locked(meeting, "community")
    if meeting.status != MeetingStatus.HELD:
        raise _status_error(meeting, _("会议召开后、纪要公布前才能记录决定"))
    errors: dict[str, list[str]] = {}
    text = (text if isinstance(text, str) else "").strip()
    if not text:
        errors["text"] = [_("请填写决定内容")]
    elif len(text) > 2000:
        errors["text"] = [_("决定内容最多 2000 个字")]
    votes = _check_links(meeting, errors, "votes", votes, Vote, _("表决"))
    tickets = _check_links(meeting, errors, "tickets", tickets, Ticket, _("工单"))
    entries = _check_links(meeting, errors, "entries", entries, JournalEntry, _("记账凭证"))
    position = meeting.decisions.count() + 1
    if position > MAX_DECISIONS:
        errors["text"] = [_("一次会议最多记录 %(n)s 项决定") % {"n": MAX_DECISIONS}]
    if errors:
        raise ValidationError(errors)
    decision = Decision.objects.create(community_id=meeting.community_id, meeting=meeting,
                                       position=position, text=text, created_by=actor)
    decision.votes.set(votes)
    decision.tickets.set(tickets)
    decision.entries.set(entries)
    audit.record(AuditEvent.Action.CREATE, decision, actor=actor, summary=text[:100])
    return decision


@transaction.atomic
def remove_decision(decision: Decision, *, actor: User) -> None:
    """Takes back a decision recorded by mistake, before the minutes are published."""
    require(actor, "meetings.manage", decision)
    meeting = locked(decision.meeting, "community")
    if meeting.status != MeetingStatus.HELD:
        raise _status_error(meeting, _("纪要公布后不能再修改决定"))
    audit.record(AuditEvent.Action.DELETE, decision, actor=actor, summary=decision.text[:100])
    decision.delete()
    for n, item in enumerate(meeting.decisions.order_by("position"), start=1):
        if item.position != n:
            item.position = n
            item.save(update_fields=["position"])


def attendance(meeting: Meeting) -> dict:
    """Who attended: committee members and staff by name (public responsibility), owners as
    counts only."""
    rows = list(meeting.attendees.order_by("role", "pk"))
    present = [a for a in rows if a.signed_in_at]
    return {
        "committee": [a.name for a in present if a.role == AttendeeRole.COMMITTEE],
        "staff": [a.name for a in present if a.role == AttendeeRole.STAFF],
        "owners_registered": sum(1 for a in rows if a.role == AttendeeRole.OWNER),
        "owners_attended": sum(1 for a in present if a.role == AttendeeRole.OWNER),
        "attended": len(present),
    }


def _decisions(meeting: Meeting) -> list[dict]:
    return [{"position": d.position, "text": d.text,
             "votes": sorted(v.pk for v in d.votes.all()),
             "tickets": sorted(t.number for t in d.tickets.all()),
             "entries": sorted(e.number for e in d.entries.all())}
            for d in meeting.decisions.prefetch_related("votes", "tickets", "entries")
            .order_by("position")]


def minutes_document(meeting: Meeting) -> dict:
    """What the minutes commit to (RFC 8785 JSON; its SHA-256 is on the log)."""
    return {
        "meeting": meeting.pk, "community": meeting.community.code, "kind": meeting.kind,
        "title": meeting.title, "agenda_sha256": meeting.agenda_sha256,
        "held_at": rfc3339(meeting.held_at) if meeting.held_at else None,
        "text": meeting.minutes_text,
        "document_sha256": meeting.minutes_document.sha256 if meeting.minutes_document else None,
        "decisions": _decisions(meeting), "attendance": attendance(meeting),
    }


@transaction.atomic
def publish_minutes(meeting: Meeting, *, actor: User, text: str = "",
                    document: Upload | None = None, now: dt.datetime | None = None) -> Meeting:
    """Publishes the minutes — 公布会议纪要 — (text and/or a PDF) with the decisions and the
    attendance; their SHA-256 goes on the log and every member is notified. Only after the
    meeting was held; never changed afterwards."""
    require(actor, "meetings.manage", meeting)
    now = now_or(now)
    meeting = locked(meeting, "community")
    if meeting.status != MeetingStatus.HELD:
        raise _status_error(meeting, _("会议召开后才能公布纪要"))
    errors: dict[str, list[str]] = {}
    text = (text if isinstance(text, str) else "").strip()
    if len(text) > MAX_MINUTES:
        errors["text"] = [_("纪要最多 %(n)s 个字") % {"n": MAX_MINUTES}]
    if document is not None and (problems := uploads.attach_errors(
            actor, [document], community=meeting.community_id,
            purpose=uploads.MINUTES_DOCUMENT)):
        errors["document"] = problems
    if not text and document is None and not errors:
        errors["text"] = [_("请填写纪要内容或上传 PDF 纪要")]
    if errors:
        raise ValidationError(errors)
    meeting.minutes_text, meeting.minutes_document = text, document
    meeting.status, meeting.minutes_published_at = MeetingStatus.MINUTES, now
    content = minutes_document(meeting)
    meeting.minutes_sha256 = sha256_of(content)
    meeting.save(update_fields=["minutes_text", "minutes_document", "status",
                                "minutes_published_at", "minutes_sha256"])
    audit.record(AuditEvent.Action.UPDATE, meeting, actor=actor, summary=_("公布会议纪要"),
                 changes={"status": [MeetingStatus.HELD, MeetingStatus.MINUTES]})
    present = content["attendance"]
    log.record(meeting.community, "governance.meeting.minutes", meeting, time=now, public={
        "title": meeting.title, "minutes_sha256": meeting.minutes_sha256,
        "document_sha256": content["document_sha256"],
        "decisions": content["decisions"], "committee_attended": len(present["committee"]),
        "staff": present["staff"], "owners_registered": present["owners_registered"],
        "owners_attended": present["owners_attended"], "attended": present["attended"],
    # committee members are owners: their names only as a commitment (the minutes page shows them)
    }, private={"committee": "、".join(present["committee"])})
    _notify(meeting, _("【会议纪要】%(title)s") % {"title": meeting.title},
            _("会议纪要已公布，共 %(n)s 项决定。") % {"n": len(content["decisions"])})
    return meeting


@transaction.atomic
def cancel_meeting(meeting: Meeting, *, actor: User, reason: str,
                   now: dt.datetime | None = None) -> Meeting:
    """Cancels a meeting before it is held — 取消会议; if it was announced, on the log and
    every member is told."""
    require(actor, "meetings.manage", meeting)
    now = now_or(now)
    meeting = locked(meeting, "community")
    if meeting.status not in (MeetingStatus.DRAFT, MeetingStatus.ANNOUNCED):
        raise _status_error(meeting, _("会议召开后不能取消"))
    reason = clean_prose(reason if isinstance(reason, str) else "")
    if not reason or len(reason) > MAX_REASON:
        raise ValidationError({"reason": [_("请填写取消原因（最多 200 个字）")]})
    was = meeting.status
    meeting.status, meeting.cancelled_at, meeting.cancel_reason = (MeetingStatus.CANCELLED, now,
                                                                   reason)
    meeting.save(update_fields=["status", "cancelled_at", "cancel_reason"])
    audit.record(AuditEvent.Action.UPDATE, meeting, actor=actor, summary=reason,
                 changes={"status": [was, MeetingStatus.CANCELLED]})
    if was == MeetingStatus.ANNOUNCED:
        log.record(meeting.community, "governance.meeting.cancelled", meeting, time=now,
                   public={"title": meeting.title, "reason": reason})
        _notify(meeting, _("【会议取消】%(title)s") % {"title": meeting.title}, reason)
    return meeting
