"""Every change of the 阳光账本: publishing a month's report, and an owner's query on an entry.

``publish_report`` freezes a closed month: its report and, per figure, the count and SHA-256 of
its entries, as RFC 8785 canonical JSON, hashed, recorded on the log
(``finance.report.published``) in the same transaction; the row is never updated again (the
services refuse, a database trigger backs them). ``raise_query`` turns an owner's question on
an entry into an inquiry ticket (咨询, through ``tickets.services.submit_ticket``) linked by an
``EntryQuery``; the ticket follows the normal workflow and its public answer is shown beside
the entry (``answers_for``).
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Iterable
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from sunlit.core import audit
from sunlit.core.choices import DepartmentKind
from sunlit.core.idempotency import replayed
from sunlit.core.masking import mask_text, roster_names
from sunlit.core.models import AuditEvent, Community, Department, Membership, User
from sunlit.core.permissions import can, require
from sunlit.core.validators import normalize_text
from sunlit.finance.books import money
from sunlit.finance.models import Account, EntryQuery, JournalEntry, MonthlyReport
from sunlit.finance.report import selectors as report
from sunlit.tickets import configuration
from sunlit.tickets import services as tickets
from sunlit.tickets.choices import Action, Priority, TicketKind, TicketStatus
from sunlit.tickets.models import Category, TicketEvent
from sunlit.transparency import services as log
from sunlit.transparency.entry import canonical

MAX_NOTE = 500
MAX_QUESTION = 500
QUERY_CATEGORY = "财务质询"
ANSWERED = frozenset({TicketStatus.RESOLVED, TicketStatus.FOLLOWED_UP, TicketStatus.ARCHIVED})


# --- publication --------------------------------------------------------------------------------


def published(community, month: dt.date) -> MonthlyReport | None:
    return MonthlyReport.objects.in_community(community).filter(month=month).first()


def content_bytes(row: MonthlyReport) -> bytes:
    """The exact bytes whose SHA-256 is on the log (RFC 8785 canonical JSON)."""
    return canonical(row.content)


@transaction.atomic
def publish_report(community: Community, month, *, actor: User, note: str = "",
                   now: dt.datetime | None = None) -> MonthlyReport:
    """发布阳光账本: freezes a closed month's report, hashes it, puts the hash on the log and
    tells the members. Once per month; a published month never changes (corrections are new
    entries in later months, shown with a note)."""
    require(actor, "finance.report.publish", community=community)
    month = report.parse_month(month)
    now = now or timezone.now()
    if not isinstance(note, str):
        raise ValidationError({"note": [_("必须是文本")]})
    note = note.strip()
    if len(note) > MAX_NOTE:
        raise ValidationError({"note": [_("说明最多 %(n)d 个字") % {"n": MAX_NOTE}]})
    note = mask_text(note, names=roster_names(community))[:MAX_NOTE]  # public, and on the log
    if not report.is_closed(month, timezone.localdate(now)):
        raise ValidationError({"month": [_("%(m)s 尚未结束，月末之后才能发布") % {"m": f"{month:%Y-%m}"}]})
    if not Account.objects.in_community(community).exists():
        raise ValidationError({"month": [_("本小区尚未开设账簿")]})
    if published(community, month) is not None:
        raise ValidationError({"month": [_("%(m)s 的阳光账本已发布，不能更改") % {"m": f"{month:%Y-%m}"}]})
    content = report.snapshot(community, month)
    content.update({"community": community.code, "community_name": community.name,
                    "published_at": timezone.localtime(now).isoformat(), "note": note})
    digest = hashlib.sha256(canonical(content)).hexdigest()
    try:
        with transaction.atomic():
            row = MonthlyReport.objects.create(community=community, month=month, content=content,
                                               content_sha256=digest, note=note, published_at=now,
                                               published_by=actor)
    except IntegrityError:  # published at the same moment by someone else
        raise ValidationError({"month": [_("%(m)s 的阳光账本已发布，不能更改") % {
            "m": f"{month:%Y-%m}"}]}) from None
    leaf = log.record(community, "finance.report.published", row, time=now, public={
        "month": content["month"], "income": content["income"]["total"]["month"],
        "costs": content["costs"]["total"]["month"],
        "public_income": next(r["month"] for r in content["public_income"]["rows"]
                              if r["key"] == "public-in"),
        "fund_closing": content["fund"]["balance"]["closing"], "content_sha256": digest,
        "note": note or None})
    # the one update a row ever gets: its leaf, set while it is still empty (the trigger allows it)
    MonthlyReport.objects.filter(pk=row.pk, leaf__isnull=True).update(leaf=leaf)
    row.leaf = leaf
    audit.record(AuditEvent.Action.CREATE, row, actor=actor, summary=f"发布阳光账本 {month:%Y-%m}")
    _notify_members(row)
    ensure_query_category(community, actor=actor)
    return row


def _notify_members(row: MonthlyReport) -> None:
    from sunlit.notices.choices import NotificationKind
    from sunlit.notices.services import notify

    recipients = (Membership.objects.in_community(row.community_id).active()
                  .values_list("user_id", flat=True).distinct())
    content = row.content
    notify(community=row.community, recipients=list(recipients),
           title=_("%(m)s 阳光账本已发布") % {"m": row.month.strftime("%Y-%m")},
           body=_("本月收入 %(i)s 元，支出 %(c)s 元；维修资金余额 %(f)s 元。") % {
               "i": content["income"]["total"]["month"], "c": content["costs"]["total"]["month"],
               "f": content["fund"]["balance"]["closing"]},
           url=reverse("finance:ledger_month", args=[f"{row.month:%Y-%m}"]),
           kind=NotificationKind.ANNOUNCEMENT, obj=row)


# --- queries (质询) ---------------------------------------------------------------------------------


def ensure_query_category(community: Community, *, actor: User) -> Category | None:
    """The inquiry category 财务质询 (created through the tickets configuration service, with the
    community's finance department, when the actor may configure tickets). None if it neither
    exists nor may be created by this actor (queries then use another inquiry category)."""
    found = (Category.objects.in_community(community)
             .filter(kind=TicketKind.INQUIRY, name=QUERY_CATEGORY).first())
    if found is not None or not can(actor, "tickets.manage", community=community):
        return found
    department = (Department.objects.in_community(community).filter(kind=DepartmentKind.FINANCE)
                  .order_by("pk").first())
    return configuration.create_category(community, actor=actor, kind=TicketKind.INQUIRY,
                                         name=QUERY_CATEGORY, department=department,
                                         default_priority=Priority.NORMAL)


def query_category(community: Community) -> Category | None:
    """Where a query goes: 财务质询, else the inquiry category 收费, else any active inquiry one."""
    categories = list(Category.objects.in_community(community).active()
                      .filter(kind=TicketKind.INQUIRY).order_by("sort_key", "pk"))
    for name in (QUERY_CATEGORY, "收费"):
        for category in categories:
            if category.name == name:
                return category
    return categories[0] if categories else None


def daily_limit() -> int:
    return getattr(settings, "SUNLIT_ENTRY_QUERY_DAILY_LIMIT", 10)


def _question(value) -> str:
    if value is None:
        value = ""
    if not isinstance(value, str):
        raise ValidationError({"question": [_("必须是文本")]})
    value = value.strip()
    if not value:
        raise ValidationError({"question": [_("请填写质询内容")]})
    if len(value) > MAX_QUESTION:
        raise ValidationError({"question": [_("质询内容最多 %(n)d 个字") % {"n": MAX_QUESTION}]})
    return value


@transaction.atomic
def raise_query(entry: JournalEntry, *, actor: User, question: str, idempotency_key: str = "",
                now: dt.datetime | None = None) -> EntryQuery:
    """提出质询 on an entry: an inquiry ticket for the community's finance desk, linked to the entry.

    Idempotent: a retry with the same ``idempotency_key``, or the same question on the same
    entry by the same owner, returns the first query. At most ``SUNLIT_ENTRY_QUERY_DAILY_LIMIT``
    new queries per owner per day (and the tickets' hourly limit). Only entries of a published
    month may be queried (that is what owners can see).
    """
    require(actor, "finance.report.query", community=entry.community_id)
    idempotency_key = (idempotency_key or "").strip() if isinstance(idempotency_key, str) else None
    if idempotency_key is None or len(idempotency_key) > 64:
        raise ValidationError({"idempotency_key": [_("幂等键最长 64 个字符")]})
    question = _question(question)
    if idempotency_key:
        existing = replayed(EntryQuery.objects.filter(asked_by=actor), idempotency_key)
        if existing is not None:
            if existing.entry_id != entry.pk:
                raise ValidationError({"idempotency_key": [_("该幂等键已用于另一条质询")]})
            return existing
    same = (EntryQuery.objects.filter(asked_by=actor, entry=entry).order_by("-created_at")
            .select_related("ticket"))
    for earlier in same:
        if normalize_text(earlier.question) == normalize_text(question):
            return earlier
    community = entry.community
    if published(community, entry.date.replace(day=1)) is None:
        raise ValidationError({"entry": [_("该凭证所在月份的阳光账本尚未发布")]})
    now = now or timezone.now()
    limit = daily_limit()
    if limit > 0 and EntryQuery.objects.filter(
            asked_by=actor, created_at__gt=now - dt.timedelta(days=1), created_at__lte=now).count() >= limit:
        raise ValidationError({"__all__": [_("质询过于频繁：每人每天最多提出 %(n)d 条质询，请明天再试") % {
            "n": limit}]})
    category = query_category(community)
    if category is None:
        raise ValidationError({"__all__": [_("本小区尚未设置咨询类工单类别，请联系物业")]})
    public = mask_text(question, names=tuple(roster_names(community)))[:MAX_QUESTION]
    ticket = tickets.submit_ticket(
        community, actor=actor, kind=TicketKind.INQUIRY, category=category,
        title=_("阳光账本质询 %(n)s") % {"n": entry.number},
        description=_("凭证 %(n)s（%(d)s，%(s)s，金额 %(a)s 元）：%(q)s") % {
            "n": entry.number, "d": entry.date.isoformat(), "s": entry.get_source_display(),
            "a": money.text(entry.total), "q": public},
        location_text=_("阳光账本 %(n)s") % {"n": entry.number},
        idempotency_key=f"entry-query:{idempotency_key}"[:64] if idempotency_key else "", now=now)
    try:
        with transaction.atomic():
            query = EntryQuery.objects.create(community=community, entry=entry, ticket=ticket,
                                              asked_by=actor, question=question,
                                              question_public=public,
                                              idempotency_key=idempotency_key, created_at=now)
    except IntegrityError:  # a concurrent retry with the same key won
        existing = replayed(EntryQuery.objects.filter(asked_by=actor), idempotency_key)
        if existing is None:
            raise
        return existing
    audit.record(AuditEvent.Action.CREATE, query, actor=actor,
                 summary=f"质询凭证 {entry.number} → {ticket.number}")
    log.record(community, "finance.entry.queried", query, time=now, public={
        "entry": entry.number, "entry_date": entry.date, "ticket": ticket.number})
    return query


# --- answers ----------------------------------------------------------------------------------------


@dataclass
class QueryView:
    """A query as members see it: the masked question, the ticket's state and its public answer."""

    query: EntryQuery
    answer: str
    answered_at: dt.datetime | None
    unresolvable: bool = False

    @property
    def is_answered(self) -> bool:
        return bool(self.answer)


def answers_for(queries: Iterable[EntryQuery]) -> list[QueryView]:
    """Each query with its public answer: the note of the ticket's last public 处理完成 while
    the ticket stands resolved (or the public reason when it was found 无法解决). One query."""
    queries = list(queries)
    ids = [q.ticket_id for q in queries]
    resolved: dict[int, TicketEvent] = {}
    for event in (TicketEvent.objects.filter(ticket_id__in=ids, action=Action.RESOLVE, is_public=True)
                  .order_by("ticket_id", "at", "id")):
        resolved[event.ticket_id] = event  # the last one wins
    names_by_community: dict[int, tuple[str, ...]] = {}
    out = []
    for query in queries:
        ticket = query.ticket
        names = names_by_community.get(query.community_id)
        if names is None:
            names = names_by_community[query.community_id] = tuple(roster_names(query.community_id))
        if ticket.status in ANSWERED and ticket.pk in resolved and resolved[ticket.pk].note:
            event = resolved[ticket.pk]
            out.append(QueryView(query, mask_text(event.note, names=names), event.at))
        elif ticket.status == TicketStatus.UNRESOLVABLE and ticket.public_reason:
            out.append(QueryView(query, mask_text(ticket.public_reason, names=names), ticket.closed_at,
                                 unresolvable=True))
        else:
            out.append(QueryView(query, "", None))
    return out


def queries_by_entry(entry_ids: Iterable[int]) -> dict[int, list[QueryView]]:
    rows = (EntryQuery.objects.filter(entry_id__in=list(entry_ids)).select_related("ticket")
            .order_by("created_at", "id"))
    out: dict[int, list[QueryView]] = {}
    for view in answers_for(rows):
        out.setdefault(view.query.entry_id, []).append(view)
    return out
