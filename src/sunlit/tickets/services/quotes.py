"""Quotes (报价) for chargeable in-home repairs and the owner's rating (评价)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from sunlit.core import audit
from sunlit.core.locking import locked
from sunlit.core.models import AuditEvent, User
from sunlit.core.validators import normalize_text
from sunlit.tickets import notifications, workflow
from sunlit.tickets.choices import (
    Action,
    QuoteStatus,
    TicketKind,
    TicketStatus,
)
from sunlit.tickets.models import (
    Quote,
    Ticket,
    TicketEvent,
)
from sunlit.tickets.services.base import (
    LOW_RATING,
    MAX_NOTE,
    RATABLE,
    TICKET_RELATED,
    _actor_name,
    _clean_note,
)
from sunlit.tickets.services.steps import MAX_MATERIALS, latest_quote, parse_amount
from sunlit.transparency import services as log

# --- quotes (报价) for chargeable in-home repairs -----------------------------------------------

QUOTABLE = frozenset({TicketStatus.DISPATCHED, TicketStatus.ON_SITE})


def _quote_items(items, amount: Decimal) -> list[dict]:
    if items is None or items == []:
        return []
    if isinstance(items, (str, bytes, dict)) or not isinstance(items, Sequence) or len(items) > MAX_MATERIALS:
        raise ValidationError({"items": [_("报价明细格式无效")]})
    cleaned = []
    for number, item in enumerate(items, start=1):
        if not isinstance(item, dict):
            raise ValidationError({"items": [_("报价明细格式无效")]})
        name = normalize_text(str(item.get("name") or ""))
        if not name or len(name) > 60:
            raise ValidationError({"items": [_("第 %(n)s 项：请填写名称（最多 60 个字）") % {"n": number}]})
        cleaned.append({"name": name, "amount": parse_amount(item.get("amount", ""), field="items")})
    if sum((item["amount"] for item in cleaned), Decimal("0.00")) != amount:
        raise ValidationError({"items": [_("明细合计与报价金额不一致")]})
    return cleaned


@transaction.atomic
def propose_quote(ticket: Ticket, *, actor: User, amount, items: Sequence[dict] | None = None,
                  note: str = "", now: dt.datetime | None = None) -> Quote:
    """报价: the technician prices a chargeable in-home repair; the owner must accept it before
    the work is finished. A new quote supersedes one still pending."""
    now = now or timezone.now()
    ticket = locked(ticket, *TICKET_RELATED)
    if not workflow.may_work(actor, ticket):
        raise PermissionDenied(_("您没有执行此操作的权限"))
    if ticket.kind != TicketKind.REPAIR or ticket.unit_id is None:
        raise ValidationError({"status": [_("只有入户维修可以报价")]})
    if ticket.status not in QUOTABLE:
        raise ValidationError({"status": [_("派单后、完成前才能报价")]})
    amount = parse_amount(amount, field="amount", allow_zero=False)
    items = _quote_items(items, amount)
    note = _clean_note(note, required=False)
    current = latest_quote(ticket)
    if current is not None and current.status == QuoteStatus.ACCEPTED:
        raise ValidationError({"amount": [_("业主已同意报价，不能再改价")]})
    ticket.quotes.filter(status=QuoteStatus.PENDING).update(status=QuoteStatus.SUPERSEDED)
    quote = Quote.objects.create(community_id=ticket.community_id, ticket=ticket, amount=amount,
                                 items=[{"name": i["name"], "amount": str(i["amount"])} for i in items],
                                 note=note, created_by=actor, created_at=now)
    if not ticket.is_chargeable:
        ticket.is_chargeable, ticket.updated_at = True, now
        ticket.save(update_fields=["is_chargeable", "updated_at"])
    TicketEvent.objects.create(community_id=ticket.community_id, ticket=ticket, action=Action.QUOTE,
                               from_status=ticket.status, to_status=ticket.status, actor=actor,
                               actor_name=_actor_name(actor), note=note, at=now,
                               data={"quote": quote.pk, "amount": str(amount)})
    audit.record(AuditEvent.Action.CREATE, quote, actor=actor,
                 summary=f"{ticket.number} 报价 ¥{amount}")
    log.record(ticket.community, "tickets.quote.proposed", ticket, time=now, public={
        "number": ticket.number, "category": ticket.category.name, "amount": amount,
        "items": quote.items or None})
    notifications.quote_proposed(ticket, quote)
    return quote


def _decide_quote(quote: Quote, actor: User, accepted: bool, note: str, now) -> Quote:
    now = now or timezone.now()
    ticket = locked(quote.ticket, *TICKET_RELATED)
    # a charge is the owner's decision: the company never accepts (or declines) it for him
    if not workflow.is_reporter(actor, ticket):
        raise PermissionDenied(_("只有报事人本人可以确认报价"))
    quote = locked(quote)
    if quote.status != QuoteStatus.PENDING:
        raise ValidationError({"status": [_("该报价已处理或已被新报价取代")]})
    if ticket.status not in QUOTABLE:
        raise ValidationError({"status": [_("工单当前状态不能确认报价")]})
    note = _clean_note(note, required=False)
    quote.status = QuoteStatus.ACCEPTED if accepted else QuoteStatus.REJECTED
    quote.decided_by, quote.decided_at, quote.decision_note = actor, now, note
    quote.save(update_fields=["status", "decided_by", "decided_at", "decision_note"])
    action = Action.ACCEPT_QUOTE if accepted else Action.REJECT_QUOTE
    ticket.updated_at = now
    ticket.save(update_fields=["updated_at"])
    TicketEvent.objects.create(community_id=ticket.community_id, ticket=ticket, action=action,
                               from_status=ticket.status, to_status=ticket.status, actor=actor,
                               actor_name=_actor_name(actor), note=note, at=now,
                               data={"quote": quote.pk, "amount": str(quote.amount)})
    audit.record(AuditEvent.Action.UPDATE, quote, actor=actor,
                 summary=f"{ticket.number} {Action(action).label} ¥{quote.amount}",
                 changes={"status": [QuoteStatus.PENDING, quote.status]})
    log.record(ticket.community, "tickets.quote.decided", ticket, time=now, public={
        "number": ticket.number, "amount": quote.amount, "decision": str(quote.status)})
    notifications.quote_decided(ticket, quote)
    return quote


@transaction.atomic
def accept_quote(quote: Quote, *, actor: User, note: str = "",
                 now: dt.datetime | None = None) -> Quote:
    """同意报价: the reporter accepts the price, in his own account — never customer service on
    his behalf (docs/security.md, rule a)."""
    return _decide_quote(quote, actor, True, note, now)


@transaction.atomic
def reject_quote(quote: Quote, *, actor: User, note: str = "",
                 now: dt.datetime | None = None) -> Quote:
    """拒绝报价: the work is not done at that price; the technician may quote again, or the
    ticket is finished without charge or marked 无法解决."""
    return _decide_quote(quote, actor, False, note, now)


@transaction.atomic
def rate_ticket(ticket: Ticket, *, actor: User, rating: int, comment: str = "",
                now: dt.datetime | None = None) -> Ticket:
    """评价: the reporter rates the resolution 1–5; 2 or less goes back to the manager."""
    now = now or timezone.now()
    ticket = locked(ticket, *TICKET_RELATED)
    # the company never rates its own service for an owner
    if not workflow.is_reporter(actor, ticket):
        raise PermissionDenied(_("只有报事人本人可以评价"))
    errors = {}
    if isinstance(rating, bool) or not isinstance(rating, int) or not 1 <= rating <= 5:
        errors["rating"] = [_("评分应为 1 到 5 分")]
    comment = (comment or "").strip()
    if len(comment) > MAX_NOTE:
        errors["comment"] = [_("评价最多 %(n)s 个字") % {"n": MAX_NOTE}]
    if ticket.status not in RATABLE:
        errors["status"] = [_("工单处理完成后才能评价")]
    elif ticket.rated_at is not None and ticket.resolved_at and ticket.rated_at >= ticket.resolved_at:
        errors["rating"] = [_("已经评价过了")]
    if errors:
        raise ValidationError(errors)
    ticket.rating, ticket.rating_comment, ticket.rated_at = rating, comment, now
    ticket.needs_manager_review = rating <= LOW_RATING
    ticket.updated_at = now
    ticket.save(update_fields=["rating", "rating_comment", "rated_at", "needs_manager_review",
                               "updated_at"])
    TicketEvent.objects.create(community_id=ticket.community_id, ticket=ticket,
                               action=Action.RATE, from_status=ticket.status,
                               to_status=ticket.status, actor=actor, actor_name=_actor_name(actor),
                               note=comment, is_public=True, at=now,
                               data={"rating": rating, "needs_manager_review":
                                     ticket.needs_manager_review})
    audit.record(AuditEvent.Action.UPDATE, ticket, actor=actor,
                 summary=f"{ticket.number} 评价 {rating} 分", changes={"rating": [None, str(rating)]})
    log.record(ticket.community, "tickets.ticket.rated", ticket, time=now, public={
        "number": ticket.number, "kind": str(ticket.kind), "category": ticket.category.name,
        "rating": rating}, private={"comment": comment or None})
    notifications.ticket_rated(ticket)
    return ticket
