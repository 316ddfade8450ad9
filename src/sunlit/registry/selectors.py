"""Read queries on the roster used by more than one caller."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Count, Exists, OuterRef, Q, Sum
from django.utils.translation import gettext as _

from sunlit.core.choices import Role
from sunlit.core.models import Community, Person
from sunlit.registry.choices import DeliveryStatus
from sunlit.registry.models import Building, Ownership, Residency, Unit, Vehicle


def _area(value) -> Decimal:
    """Sums of areas to 2 places (SQLite sums decimals as floats)."""
    return Decimal(str(value or 0)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def community_stats(community: Community) -> list[tuple[str, object, str]]:
    """The community's census as (label, figure, unit) rows."""
    units = Unit.objects.in_community(community)
    totals = units.aggregate(n=Count("id"), area=Sum("area"))
    owners = (Ownership.objects.in_community(community).current()
              .values("person_id").distinct().count())
    return [
        (_("楼栋"), Building.objects.in_community(community).count(), _("栋")),
        (_("房屋"), totals["n"] or 0, _("套")),
        (_("专有面积"), _area(totals["area"]), "㎡"),
        (_("业主"), owners, _("人")),
        (_("在住住户"), Residency.objects.in_community(community).current().count(), _("人")),
        (_("车辆"), Vehicle.objects.in_community(community).count(), _("辆")),
        (_("未售房屋"), units.filter(delivery_status=DeliveryStatus.UNSOLD).count(), _("套")),
        (_("已开户业主"), Person.objects.in_community(community)
         .filter(user__isnull=False, ownerships__isnull=False).distinct().count(), _("人")),
    ]


def building_summaries(community: Community) -> list[dict]:
    rows = (
        Building.objects.in_community(community)
        .annotate(
            units_n=Count("units", distinct=True),
            area_sum=Sum("units__area"),
            unsold_n=Count("units", filter=Q(units__delivery_status=DeliveryStatus.UNSOLD),
                           distinct=True),
        )
        .values("id", "name", "units_n", "area_sum", "unsold_n")
        .order_by("sort_key", "name")
    )
    activated = dict(
        Unit.objects.in_community(community)
        .filter(ownerships__person__user__isnull=False)
        .values_list("building_id")
        .annotate(n=Count("id", distinct=True))
    )
    return [
        {"id": b["id"], "name": b["name"], "units": b["units_n"], "area": _area(b["area_sum"]),
         "unsold": b["unsold_n"], "activated": activated.get(b["id"], 0)}
        for b in rows
    ]


@dataclass
class Household:
    """One home of a user: the unit, who owns it, who lives there, which cars."""

    unit: Unit
    community: Community
    role: str
    owners: list[Ownership] = field(default_factory=list)
    residents: list[Residency] = field(default_factory=list)
    vehicles: list[Vehicle] = field(default_factory=list)


def households_of(user) -> list[Household]:
    units = (Unit.objects.of_user(user)
             .select_related("building", "community")
             .prefetch_related("ownerships__person", "residencies__person", "vehicles"))
    homes = []
    for unit in units:
        owners = [o for o in unit.ownerships.all() if o.is_current()]
        role = Role.OWNER.label if any(o.person.user_id == user.pk for o in owners) \
            else Role.RESIDENT.label
        homes.append(Household(
            unit=unit, community=unit.community, role=role, owners=owners,
            residents=[r for r in unit.residencies.all() if r.moved_out is None],
            vehicles=list(unit.vehicles.all()),
        ))
    return homes


def unit_owners(unit: Unit) -> list[Ownership]:
    return list(unit.ownerships.current().select_related("person").order_by("-share", "pk"))


def owners_without_account(community: Community, *, building: Building | None = None):
    """Current owners (产权人) on the roster who have not opened an account yet."""
    owned = Ownership.objects.current().filter(person=OuterRef("pk"))
    if building is not None:
        owned = owned.filter(unit__building=building)
    return Person.objects.in_community(community).filter(user__isnull=True).filter(Exists(owned))
