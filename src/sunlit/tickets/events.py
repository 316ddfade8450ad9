"""The tickets' event types on the log: every state change of a ticket, quotes, ratings,
escalations, promised times.

Registered from ``TicketsConfig.ready``; the machinery is ``sunlit.transparency.events``."""

from __future__ import annotations

from django.utils.translation import gettext_noop

from sunlit.transparency.events import ListOf, Obj, Tuple, opt, register_event

# --- tickets (报修/投诉/建议/咨询): every state change is a fact on the log -----------------------
# Public: the ticket number, kind, category, states and promised/kept times, and the staff
# member responsible (name and job number — public responsibility). The reporter and his unit
# go in only as commitments; descriptions, notes and comments stay off the log, except the
# public reason of 无法解决 and a public area's location (both masked).

TICKET_FACTS = {"number": "ref", "kind": "enum", "category": "masked_text", "priority": "enum",
                "due_accept": "datetime?", "due_arrive": "datetime?", "due_resolve": "datetime?"}

register_event(
    "tickets.ticket.submitted", label=gettext_noop("提交工单"), subject="tickets.ticket",
    public={**TICKET_FACTS, "status": "enum", "channel": "enum", "location": "masked_text?",
            "photos": "hashes?"},
    private={"reporter_name": "text?", "unit": "text?"},
)
register_event(
    "tickets.ticket.transitioned", label=gettext_noop("工单状态变更"), subject="tickets.ticket",
    public={**TICKET_FACTS, "action": "enum", "status_from": "enum", "status_to": "enum",
            "assignee": "staff_name?", "assignee_job_number": "code?",
            "department": "masked_text?", "met_accept": "flag?", "met_arrive": "flag?",
            "met_resolve": "flag?", "paused_seconds": "number", "reason": "masked_text?",
            "photos": "hashes?",
            # [name, quantity, unit] of each material used
            "materials": opt(ListOf(Tuple(("masked_text", "decimal", "masked_text")))),
            "labor_minutes": "number?"},
)
register_event(
    "tickets.quote.proposed", label=gettext_noop("工单报价"), subject="tickets.ticket",
    public={"number": "ref", "category": "masked_text", "amount": "amount",
            "items": opt(ListOf(Obj(name="masked_text", amount="amount")))},
)
register_event(
    "tickets.quote.decided", label=gettext_noop("业主确认报价"), subject="tickets.ticket",
    public={"number": "ref", "amount": "amount", "decision": "enum"},
)
register_event(
    "tickets.ticket.escalated", label=gettext_noop("工单超时升级"), subject="tickets.ticket",
    public={"number": "ref", "kind": "enum", "category": "masked_text", "step": "enum",
            "level": "enum", "due": "datetime", "assignee": "staff_name?",
            "assignee_job_number": "code?", "department": "masked_text?"},
)
register_event(
    "tickets.ticket.rated", label=gettext_noop("工单评价"), subject="tickets.ticket",
    public={"number": "ref", "kind": "enum", "category": "masked_text", "rating": "number"},
    private={"comment": "text?"},
)
# Promised times are public: a changed (or reset to default) SLA target of a category.
register_event(
    "tickets.category.sla_set", label=gettext_noop("服务时限调整"), subject="tickets.category",
    public={"category": "masked_text", "kind": "enum", "priority": "enum", "defaults": "flag",
            "accept_minutes": "number?", "accept_calendar": "enum?",
            "arrive_minutes": "number?", "arrive_calendar": "enum?",
            "resolve_minutes": "number?", "resolve_calendar": "enum?"},
)
