"""Every change to a ticket: submission, each workflow step, rating.

Each service is ``@transaction.atomic``: it checks permission first (through
``workflow.transition_for``, which reads the transition table), locks the ticket row,
validates, writes the ticket with ``update_fields``, appends a ``TicketEvent`` to the
timeline, records the audit event and puts the state change on the transparency log, all in
the same transaction. Each returns the updated ticket (a fresh instance).

The package by section: ``categories``, ``submission``, ``steps`` (the workflow), ``quotes``
(and rating), ``escalation``; ``base`` holds what they share. Callers use the package:
``from sunlit.tickets import services``.
"""

from sunlit.tickets.services.base import (
    LOW_RATING,
    MAX_DESCRIPTION,
    MAX_NOTE,
    MAX_PHOTOS,
    MAX_TITLE,
    RATABLE,
    targets_for,
)
from sunlit.tickets.services.categories import (
    DEFAULT_CATEGORIES,
    create_default_categories,
)
from sunlit.tickets.services.escalation import (
    ESCALATION_HORIZON,
    LEVELS,
    WARN_AT,
    escalation_candidates,
    escalation_level,
    run_escalations,
)
from sunlit.tickets.services.quotes import (
    QUOTABLE,
    accept_quote,
    propose_quote,
    rate_ticket,
    reject_quote,
)
from sunlit.tickets.services.steps import (
    MAX_BULK,
    MAX_LABOR_MINUTES,
    MAX_MATERIALS,
    accept_ticket,
    archive_ticket,
    arrive_ticket,
    auto_dispatch_ticket,
    bulk_dispatch,
    dispatch_ticket,
    follow_up_ticket,
    latest_quote,
    mark_unresolvable,
    parse_amount,
    reopen_ticket,
    resolve_ticket,
    resume_ticket,
    suspend_ticket,
    take_ticket,
    withdraw_ticket,
)
from sunlit.tickets.services.submission import (
    hourly_limit,
    submit_ticket,
)

__all__ = [
    "DEFAULT_CATEGORIES",
    "ESCALATION_HORIZON",
    "LEVELS",
    "LOW_RATING",
    "MAX_BULK",
    "MAX_DESCRIPTION",
    "MAX_LABOR_MINUTES",
    "MAX_MATERIALS",
    "MAX_NOTE",
    "MAX_PHOTOS",
    "MAX_TITLE",
    "QUOTABLE",
    "RATABLE",
    "WARN_AT",
    "accept_quote",
    "accept_ticket",
    "archive_ticket",
    "arrive_ticket",
    "auto_dispatch_ticket",
    "bulk_dispatch",
    "create_default_categories",
    "dispatch_ticket",
    "escalation_candidates",
    "escalation_level",
    "follow_up_ticket",
    "hourly_limit",
    "latest_quote",
    "mark_unresolvable",
    "parse_amount",
    "propose_quote",
    "rate_ticket",
    "reject_quote",
    "reopen_ticket",
    "resolve_ticket",
    "resume_ticket",
    "run_escalations",
    "submit_ticket",
    "suspend_ticket",
    "take_ticket",
    "targets_for",
    "withdraw_ticket",
]
