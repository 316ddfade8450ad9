"""What the roster services share: the precision of areas and shares, and the facts each roster
change puts on the transparency log (unit-level facts; owners only as commitments).
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from sunlit.core.models import Person
from sunlit.core.validators import normalize_text
from sunlit.registry.models import Ownership, Unit
from sunlit.transparency import services as log

AREA_PLACES = Decimal("0.01")
SHARE_PLACES = Decimal("0.0001")
MAX_AREA = Decimal("100000")
# A change of any of these puts a roster.unit.changed event on the log: they decide fees
# (area × price, from delivery), votes (area) and which unit a fact is about (its label).
LOGGED_UNIT_FIELDS = ("number", "entrance", "floor", "area", "usage", "delivery_status",
                      "delivered_on")


def parse_area(value) -> Decimal:
    """An exclusive area in m², two places; raises ValidationError in Chinese."""
    try:
        area = Decimal(normalize_text(str(value)).replace(",", ""))
    except (InvalidOperation, ValueError):
        raise ValidationError(_("面积必须是数字"), code="area") from None
    if not area.is_finite() or area <= 0:
        raise ValidationError(_("面积必须大于 0"), code="area")
    if area >= MAX_AREA:
        raise ValidationError(_("面积过大"), code="area")
    if area != area.quantize(AREA_PLACES):
        raise ValidationError(_("面积最多保留两位小数"), code="area")
    return area.quantize(AREA_PLACES)


# --- what goes on the transparency log (unit-level facts; owners only as commitments) ---------

def _unit_facts(unit: Unit) -> dict:
    return {"unit": unit.label, "building": unit.building.name, "floor": unit.floor,
            "area": unit.area, "usage": str(unit.usage),
            "delivery_status": str(unit.delivery_status), "delivered_on": unit.delivered_on}


def unit_registered_event(unit: Unit) -> log.Event:
    """登记房屋 on the log: the unit's label, floor, area, usage and delivery."""
    return log.Event("roster.unit.registered", unit, _unit_facts(unit))


def unit_changed_event(unit: Unit, changes: dict[str, list]) -> log.Event:
    """变更房屋信息: the unit's facts after the change and ``{field: [old, new]}``."""
    return log.Event("roster.unit.changed", unit, {**_unit_facts(unit), "changes": changes})


def _share_text(share) -> str:
    return str(Decimal(share).quantize(SHARE_PLACES))


def ownership_registered_event(ownership: Ownership, *, unit: Unit | None = None,
                               person: Person | None = None) -> log.Event:
    """登记产权: unit, share and start in the clear; the owner's name and ID number only as
    salted commitments (they can be opened to the owner, and erased)."""
    unit, person = unit or ownership.unit, person or ownership.person
    return log.Event(
        "roster.ownership.registered", ownership,
        {"unit": unit.label, "share": _share_text(ownership.share), "start": ownership.start},
        {"owner_name": person.name, "owner_id_number": person.id_number or None},
    )


def ownership_changed_event(ownership: Ownership, old_share, *,
                            unit: Unit | None = None) -> log.Event:
    """变更产权份额: the unit and the new share, with ``{"share": [old, new]}``."""
    unit = unit or ownership.unit
    share = _share_text(ownership.share)
    return log.Event("roster.ownership.changed", ownership, {
        "unit": unit.label, "share": share, "changes": {"share": [_share_text(old_share), share]}})


def ownership_ended_event(ownership: Ownership, *, unit: Unit | None = None) -> log.Event:
    """产权终止: the unit and the day the title ended."""
    unit = unit or ownership.unit
    return log.Event("roster.ownership.ended", ownership, {"unit": unit.label, "end": ownership.end})
