"""The nightly snapshot of every community (经营快照) and the company's scorecard (考核方案)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count
from django.utils import timezone
from django.utils.translation import gettext as _

from sunlit.company.access import require_company_admin
from sunlit.company.benchmarks.models import CommunitySnapshot, Scorecard
from sunlit.company.benchmarks.selectors import BY_KEY, KPIS
from sunlit.core import audit
from sunlit.core.models import AuditEvent, Organization

COMPLAINT_DAYS = 30


def snapshot_organization(organization: Organization, *, now: dt.datetime | None = None) -> int:
    """Today's snapshot of each of the company's communities (taken again, it replaces the
    day's): the company view's figures, one grouped query each, plus complaints in 30 days."""
    from sunlit.company.overview.selectors import overview
    from sunlit.tickets.choices import TicketKind
    from sunlit.tickets.models import Ticket

    now = now or timezone.now()
    day = timezone.localdate(now)
    view = overview(organization, now=now)
    ids = [row.community.pk for row in view.rows]
    complaints = dict(Ticket.objects.filter(
        community_id__in=ids, kind=TicketKind.COMPLAINT,
        created_at__gte=now - dt.timedelta(days=COMPLAINT_DAYS))
        .values_list("community_id").annotate(n=Count("pk")))
    fields = ("units", "area", "open_tickets", "overdue_tickets", "sla_met", "sla_judged",
              "rating_sum", "ratings", "billed", "collected", "arrears", "overdue_units", "fund")
    with transaction.atomic():
        for row in view.rows:
            values = {name: getattr(row, name) for name in fields}
            CommunitySnapshot.objects.update_or_create(
                community=row.community, day=day,
                defaults={**values, "complaints": complaints.get(row.community.pk, 0),
                          "taken_at": now})
    return len(view.rows)


def take_snapshots(*, now: dt.datetime | None = None) -> int:
    """Every company's snapshots (the worker runs it each night)."""
    return sum(snapshot_organization(o, now=now) for o in Organization.objects.order_by("pk"))


def snapshot_now(actor, *, now: dt.datetime | None = None) -> int:
    """A company administrator takes today's snapshot at once (rather than wait for the night)."""
    organization = require_company_admin(actor)
    count = snapshot_organization(organization, now=now)
    audit.record(AuditEvent.Action.CREATE, None, actor=actor,
                 object_type="company.communitysnapshot", object_id=str(organization.pk),
                 summary=f"生成经营快照（{count} 个小区）")
    return count


def set_scorecard(actor, *, weights: dict, targets: dict) -> Scorecard:
    """考核方案: the weights (whole numbers summing to 100) and the targets of the KPIs."""
    organization = require_company_admin(actor)
    errors: dict[str, list[str]] = {}
    clean_weights, clean_targets = {}, {}
    for kpi in KPIS:
        try:
            weight = int(weights.get(kpi.key, 0))
        except (TypeError, ValueError):
            weight = -1
        if not 0 <= weight <= 100:
            errors[f"weight_{kpi.key}"] = [_("权重为 0–100 的整数")]
        clean_weights[kpi.key] = weight
        try:
            target = Decimal(str(targets.get(kpi.key, kpi.default_target)))
        except InvalidOperation:
            target = Decimal(-1)
        if not target.is_finite() or target <= 0 or target > Decimal("1000000"):
            errors[f"target_{kpi.key}"] = [_("目标须为正数")]
        clean_targets[kpi.key] = str(target)
    unknown = (set(weights) | set(targets)) - set(BY_KEY)
    if unknown:
        errors["weights"] = [_("未知的指标：%(keys)s") % {"keys": "、".join(sorted(unknown))}]
    elif not errors and sum(clean_weights.values()) != 100:
        errors["weights"] = [_("权重合计须为 100（现为 %(n)s）") % {
            "n": sum(clean_weights.values())}]
    if errors:
        raise ValidationError(errors)
    card, _created = Scorecard.objects.update_or_create(
        organization=organization, defaults={"weights": clean_weights, "targets": clean_targets,
                                             "updated_by": actor, "updated_at": timezone.now()})
    audit.record(AuditEvent.Action.UPDATE, card, actor=actor, summary="修改考核方案",
                 changes={"weights": clean_weights, "targets": clean_targets})
    return card
