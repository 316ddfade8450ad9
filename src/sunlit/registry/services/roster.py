"""Every change to the roster itself: buildings, units, ownership, residents, vehicles."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from sunlit.core import audit
from sunlit.core.locking import locked
from sunlit.core.models import AuditEvent, Community, Person, User
from sunlit.core.permissions import require
from sunlit.core.validators import normalize_text, validate_plate
from sunlit.registry.choices import (
    DeliveryStatus,
    ResidentKind,
    UnitUsage,
    VehicleKind,
)
from sunlit.registry.models import Building, Ownership, Residency, Unit, Vehicle
from sunlit.registry.services.base import (
    LOGGED_UNIT_FIELDS,
    ownership_ended_event,
    ownership_registered_event,
    parse_area,
    unit_changed_event,
    unit_registered_event,
)
from sunlit.transparency import services as log


@transaction.atomic
def create_building(community: Community, *, actor: User | None, name: str, floors: int = 1,
                    has_elevator: bool = False, sort_key: int = 0) -> Building:
    """Building — 楼栋."""
    if actor is not None:
        require(actor, "roster.edit", community=community)
    name = normalize_text(name)
    if not name:
        raise ValidationError({"name": [_("请填写楼栋名称")]})
    if Building.objects.in_community(community).filter(name=name).exists():
        raise ValidationError({"name": [_("楼栋名称已存在")]})
    building = Building.objects.create(community=community, name=name, floors=floors,
                                       has_elevator=has_elevator, sort_key=sort_key)
    audit.record(AuditEvent.Action.CREATE, building, actor=actor, summary=name)
    return building


def _clean_unit(data: dict) -> dict:
    errors: dict[str, list[str]] = {}
    cleaned: dict = {}
    if "number" in data:
        cleaned["number"] = normalize_text(data["number"])
        if not cleaned["number"]:
            errors["number"] = [_("请填写房号")]
    if "entrance" in data:
        cleaned["entrance"] = normalize_text(data["entrance"] or "")
    if "floor" in data:
        try:
            cleaned["floor"] = int(data["floor"])
            if not -10 <= cleaned["floor"] <= 200:
                raise ValueError
        except (TypeError, ValueError):
            errors["floor"] = [_("楼层必须是 -10 到 200 之间的整数")]
    if "area" in data:
        try:
            cleaned["area"] = parse_area(data["area"])
        except ValidationError as exc:
            errors["area"] = exc.messages
    if "usage" in data:
        if data["usage"] not in UnitUsage.values:
            errors["usage"] = [_("用途无效")]
        cleaned["usage"] = data["usage"]
    if "delivery_status" in data:
        if data["delivery_status"] not in DeliveryStatus.values:
            errors["delivery_status"] = [_("交付状态无效")]
        cleaned["delivery_status"] = data["delivery_status"]
    if "delivered_on" in data:
        cleaned["delivered_on"] = data["delivered_on"] or None
    if errors:
        raise ValidationError(errors)
    return cleaned


@transaction.atomic
def create_unit(building: Building, *, actor: User | None, number: str, floor: int, area,
                entrance: str = "", usage: str = UnitUsage.RESIDENTIAL,
                delivery_status: str = DeliveryStatus.DELIVERED,
                delivered_on: dt.date | None = None) -> Unit:
    """Unit — 房屋, within a building."""
    if actor is not None:
        require(actor, "roster.edit", building)
    fields = _clean_unit({"number": number, "floor": floor, "area": area, "entrance": entrance,
                          "usage": usage, "delivery_status": delivery_status,
                          "delivered_on": delivered_on})
    try:
        with transaction.atomic():
            unit = Unit.objects.create(community_id=building.community_id, building=building,
                                       **fields)
    except IntegrityError:
        raise ValidationError({"number": [_("该楼栋单元下已有此房号")]}) from None
    audit.record(AuditEvent.Action.CREATE, unit, actor=actor, summary=unit.label)
    log.record_many(unit.community, [unit_registered_event(unit)])
    return unit


@transaction.atomic
def update_unit(unit: Unit, *, actor: User, **data) -> Unit:
    """Edits a unit's registered facts; every change is audited with old and new values."""
    require(actor, "roster.edit", unit)
    unit = locked(unit, "building")
    fields = _clean_unit(data)
    changes = audit.diff(unit, fields)
    if not changes:
        return unit
    for key, value in fields.items():
        setattr(unit, key, value)
    try:
        with transaction.atomic():
            unit.save(update_fields=list(fields))
    except IntegrityError:
        raise ValidationError({"number": [_("该楼栋单元下已有此房号")]}) from None
    audit.record(AuditEvent.Action.UPDATE, unit, actor=actor, changes=changes,
                 summary=unit.label)
    logged = {k: v for k, v in changes.items() if k in LOGGED_UNIT_FIELDS}
    if logged:
        log.record_many(unit.community, [unit_changed_event(unit, logged)])
    return unit


@transaction.atomic
def register_ownership(unit: Unit, person: Person, *, actor: User | None,
                       share=Decimal("1"), start: dt.date | None = None) -> Ownership:
    """Ownership — 产权登记. The current shares of a unit may not add up to more than 1."""
    if actor is not None:
        require(actor, "roster.edit", unit)
    if person.community_id != unit.community_id:
        raise ValidationError({"person": [_("业主与房屋不属于同一小区")]})
    try:
        share = Decimal(str(share))
    except InvalidOperation:
        raise ValidationError({"share": [_("产权份额必须是数字")]}) from None
    if not Decimal("0") < share <= Decimal("1"):
        raise ValidationError({"share": [_("产权份额应在 0 到 1 之间")]})
    Unit.objects.select_for_update().filter(pk=unit.pk).first()  # serialise share checks
    held = unit.ownerships.current().aggregate(s=Sum("share"))["s"] or Decimal("0")
    if held + share > Decimal("1"):
        raise ValidationError({"share": [_("该房屋现有产权份额合计将超过 100%")]})
    ownership = Ownership.objects.create(
        community_id=unit.community_id, unit=unit, person=person, share=share,
        start=start or timezone.localdate(),
    )
    audit.record(AuditEvent.Action.CREATE, ownership, actor=actor,
                 summary=f"{unit.label} {person.masked_name}")
    log.record_many(unit.community, [ownership_registered_event(ownership, unit=unit,
                                                                person=person)])
    return ownership


@transaction.atomic
def end_ownership(ownership: Ownership, *, actor: User, end: dt.date) -> Ownership:
    """Ends an ownership (sale, inheritance): history stays, a new owner is registered anew."""
    require(actor, "roster.edit", ownership)
    if end <= ownership.start:
        raise ValidationError({"end": [_("终止日必须晚于起始日")]})
    ownership.end = end
    ownership.save(update_fields=["end"])
    audit.record(AuditEvent.Action.UPDATE, ownership, actor=actor,
                 changes={"end": [None, end.isoformat()]})
    log.record_many(ownership.community, [ownership_ended_event(ownership)])
    return ownership


@transaction.atomic
def register_resident(unit: Unit, person: Person, *, actor: User | None, kind: str,
                      moved_in: dt.date | None = None, relation: str = "") -> Residency:
    """Residency — 住户登记: a tenant or family member moves in."""
    if actor is not None:
        require(actor, "roster.edit", unit)
    if person.community_id != unit.community_id:
        raise ValidationError({"person": [_("住户与房屋不属于同一小区")]})
    if kind not in ResidentKind.values:
        raise ValidationError({"kind": [_("住户类型无效")]})
    residency = Residency.objects.create(
        community_id=unit.community_id, unit=unit, person=person, kind=kind,
        relation=normalize_text(relation)[:20], moved_in=moved_in or timezone.localdate(),
    )
    audit.record(AuditEvent.Action.CREATE, residency, actor=actor,
                 summary=f"{unit.label} {person.masked_name}")
    return residency


@transaction.atomic
def move_out(residency: Residency, *, actor: User, moved_out: dt.date) -> Residency:
    require(actor, "roster.edit", residency)
    if moved_out < residency.moved_in:
        raise ValidationError({"moved_out": [_("搬离日期不能早于入住日期")]})
    residency.moved_out = moved_out
    residency.save(update_fields=["moved_out"])
    audit.record(AuditEvent.Action.UPDATE, residency, actor=actor,
                 changes={"moved_out": [None, moved_out.isoformat()]})
    return residency


def vehicle_kind_of(plate: str) -> str:
    return VehicleKind.NEW_ENERGY if len(plate) == 8 else VehicleKind.CAR


@transaction.atomic
def register_vehicle(person: Person, *, actor: User | None, plate: str,
                     unit: Unit | None = None, brand: str = "") -> Vehicle:
    """Vehicle — 车辆登记. A plate is registered once per community."""
    if actor is not None:
        require(actor, "roster.edit", person)
    try:
        plate = validate_plate(plate)
    except ValidationError as exc:
        raise ValidationError({"plate": exc.messages}) from None
    if unit is not None and unit.community_id != person.community_id:
        raise ValidationError({"unit": [_("房屋与车主不属于同一小区")]})
    try:
        with transaction.atomic():
            vehicle = Vehicle.objects.create(
                community_id=person.community_id, plate=plate, kind=vehicle_kind_of(plate),
                person=person, unit=unit, brand=normalize_text(brand)[:40],
            )
    except IntegrityError:
        raise ValidationError({"plate": [_("该车牌已登记")]}) from None
    audit.record(AuditEvent.Action.CREATE, vehicle, actor=actor, summary=plate)
    return vehicle


@transaction.atomic
def remove_vehicle(vehicle: Vehicle, *, actor: User) -> None:
    require(actor, "roster.edit", vehicle)
    audit.record(AuditEvent.Action.DELETE, vehicle, actor=actor, summary=vehicle.plate)
    vehicle.delete()
