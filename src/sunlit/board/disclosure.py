"""信息公开: what the property company must make public in one community, gathered for the page.

Fee standards (from ``finance`` when it is installed — the hook is ``_fee_standards``), staff
with post and department and who is on duty now (``tickets.Shift``), the service promises (the
SLA table: ``tickets.services.targets_for`` per category × priority), a summary of the service
records (the published weekly boards) and the community log's verifier key. Each row carries
the object the template badges with its log reference (``{% proof_badge %}``) and the date it
last changed.
"""

from __future__ import annotations

from django.apps import apps
from django.utils import timezone

from sunlit.board.models import WeeklyBoard
from sunlit.core.choices import STAFF_ROLES
from sunlit.core.models import Community, Membership
from sunlit.notices.choices import AnnouncementKind
from sunlit.notices.models import Announcement
from sunlit.tickets import services as ticket_services
from sunlit.tickets.choices import Priority
from sunlit.tickets.models import Category, Shift, SlaTarget
from sunlit.transparency import selectors as log_selectors
from sunlit.transparency.models import Log

SUMMARY_WEEKS = 8


def _fee_standards(community: Community) -> list | None:
    """The tariffs in force (None when the finance app is not installed)."""
    if not apps.is_installed("sunlit.finance"):
        return None
    tariff = apps.get_model("finance", "Tariff")
    today = timezone.localdate()
    rows = (tariff.objects.in_community(community).filter(effective_from__lte=today)
            .exclude(effective_to__lte=today).select_related("fee_item")
            .order_by("fee_item__sort_key", "fee_item__name", "-effective_from"))
    return list(rows)


def _staff(community: Community, now) -> list[dict]:
    on_duty = set(Shift.objects.in_community(community).on_duty(now).values_list("member_id", flat=True))
    members = (Membership.objects.in_community(community).active().filter(role__in=STAFF_ROLES)
               .select_related("user", "department").order_by("department__name", "job_number", "id"))
    return [{"member": m, "name": m.user.display_name or m.user.username, "on_duty": m.pk in on_duty}
            for m in members]


def _promises(community: Community) -> list[dict]:
    categories = list(Category.objects.in_community(community).active().select_related("department"))
    changed = {}
    for row in SlaTarget.objects.in_community(community).values("category_id"):
        changed[row["category_id"]] = True
    rows = []
    for category in categories:
        targets = {p: ticket_services.targets_for(category, p) for p in Priority.values}
        rows.append({"category": category, "custom": category.pk in changed,
                     "targets": [(Priority(p).label, targets[p]) for p in Priority.values]})
    return rows


def collect(community: Community) -> dict:
    now = timezone.now()
    boards = list(WeeklyBoard.objects.in_community(community).published()
                  .order_by("-week_start")[:SUMMARY_WEEKS])
    log = Log.objects.filter(community=community).first()
    return {
        "fees": _fee_standards(community),
        "staff": _staff(community, now),
        "promises": _promises(community),
        "boards": boards,
        "major": list(Announcement.objects.in_community(community).published()
                      .filter(kind=AnnouncementKind.MAJOR).order_by("-published_at")[:20]),
        "notices": list(Announcement.objects.in_community(community).published()
                        .filter(kind=AnnouncementKind.NOTICE).order_by("-published_at")[:10]),
        "log": log,
        "verifier_key": log_selectors.verifier_key(log) if log is not None else "",
        "now": now,
    }
