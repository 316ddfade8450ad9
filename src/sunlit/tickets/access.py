"""Reaching tickets within the user's communities (STYLE.md rule 5).

Staff with ``tickets.view_all`` see every ticket of their communities; a technician sees the
tickets assigned to him; a member sees the tickets he reported and the community's
common-area tickets (reporters masked on the page). Anything else — and any ticket of another
community — is a 404.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _

from sunlit.core.permissions import can, communities_where, object_rule
from sunlit.tickets import workflow
from sunlit.tickets.models import Ticket


@object_rule("tickets.view_all")
def _member_sees_own_or_common_area(user, ticket) -> bool:
    if ticket.reporter_user_id == user.pk or ticket.unit_id is None:
        return True
    return ticket.assignee_id is not None and ticket.assignee.user_id == user.pk


def visible_tickets(user):
    """The tickets ``user`` may see, in all his communities."""
    everything = communities_where(user, "tickets.view_all")
    member_of = communities_where(user, "community.view")
    if not member_of:
        return Ticket.objects.none()
    return Ticket.objects.filter(
        Q(community_id__in=everything)
        | Q(community_id__in=member_of)
        & (Q(reporter_user=user) | Q(unit__isnull=True) | Q(assignee__user=user))
    )


def get_ticket_for(user, ticket_id: int, *, for_write: bool = False) -> Ticket:
    """The ticket within the user's reach, or 404; ``for_write``: 403 without any action."""
    ticket = get_object_or_404(
        Ticket.objects.select_related("category", "assignee__user", "unit__building", "building"),
        pk=ticket_id)
    if not can(user, "tickets.view_all", ticket):
        raise Http404
    if for_write and not workflow.allowed_actions(ticket, user):
        raise PermissionDenied(_("您没有执行此操作的权限"))
    return ticket
