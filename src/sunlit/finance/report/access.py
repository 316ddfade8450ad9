"""Reaching the 阳光账本 within the user's communities (STYLE.md rule 5).

Every member of a community reads its published months (``finance.report.view``); drafts —
months not yet published — and the household lines are for ``finance.report.drafts`` (finance,
manager, company, auditor). A member who is not staff reaches an entry only in a published
month, and a household entry (one with a line carrying a unit) only if the unit is his own.
Anything else, and anything of another community, is a 404.
"""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404

from sunlit.core.permissions import can
from sunlit.finance.billing.choices import RunStatus
from sunlit.finance.models import BillingRun, JournalEntry, JournalLine, MonthlyReport
from sunlit.finance.report import selectors as report
from sunlit.registry.models import Unit


def sees_details(user, community) -> bool:
    """Staff of the community's books: drafts, and every household entry one by one."""
    return can(user, "finance.report.drafts", community=community)


def month_for(user, community, month) -> tuple[dt.date, MonthlyReport | None]:
    """The month and its publication; a month not published is a 404 for members (a draft for staff)."""
    try:
        month = report.parse_month(month)
    except ValidationError:
        raise Http404 from None
    if not can(user, "finance.report.view", community=community):
        raise Http404
    row = (MonthlyReport.objects.in_community(community).select_related("leaf__log")
           .filter(month=month).first())
    if row is None and not sees_details(user, community):
        raise Http404
    return month, row


def get_entry_for(user, entry_id: int) -> JournalEntry:
    """An entry the user may see in the 阳光账本 (and so query)."""
    entry = get_object_or_404(JournalEntry.objects.visible_to(user, "finance.report.view")
                              .select_related("community"), pk=entry_id)
    if sees_details(user, entry.community_id):
        return entry
    if not MonthlyReport.objects.filter(community_id=entry.community_id,
                                        month=entry.date.replace(day=1)).exists():
        raise Http404
    units = set(JournalLine.objects.filter(entry=entry, unit__isnull=False).values_list("unit_id", flat=True))
    if units and not units <= set(Unit.objects.of_user(user).values_list("pk", flat=True)):
        raise Http404
    return entry


def get_run_for(user, run_id: int) -> BillingRun:
    """A committed billing run of one of the user's communities (its public summary)."""
    return get_object_or_404(BillingRun.objects.visible_to(user, "finance.report.view")
                             .filter(status=RunStatus.COMMITTED).select_related("entry"), pk=run_id)
