"""Roster API: buildings, units, people, ownership, residents, vehicles — scoped like the pages.

Every lookup goes through ``registry.access`` or ``sunlit.api.scope.community_for``: an id of another
community, or an object the caller may not see, is 404 (nothing about it is revealed); an
object he may see but not change is 403. Personal data is masked; the full mobile and ID
number only through ``/persons/{id}/reveal``, which is audited. Creating POSTs honour
``Idempotency-Key``.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from types import SimpleNamespace
from typing import Literal

from django.db.models import Count, Prefetch
from ninja import Field, Query, Router, Schema, Status

from sunlit.api.errors import ERRORS
from sunlit.api.filtering import filtered
from sunlit.api.idempotency import IdempotencyKeyHeader, idempotent
from sunlit.api.pagination import PageQuery, page
from sunlit.api.scope import community_for
from sunlit.api.values import plain_values
from sunlit.core.choices import PersonKind, Role
from sunlit.core.models import Person
from sunlit.core.services import create_person, reveal_person, update_person
from sunlit.registry import access, selectors, services
from sunlit.registry.choices import DeliveryStatus, ResidentKind, UnitUsage, VehicleKind
from sunlit.registry.filters import PersonFilter, UnitFilter, VehicleFilter
from sunlit.registry.models import Building, Ownership, Unit, Vehicle

router = Router(tags=["roster"])



def _label(choices, value) -> str:
    return str(choices(value).label) if value in choices.values else str(value or "")


def _money(value) -> str:
    return f"{Decimal(value).quantize(Decimal('0.01'))}"


# --- output schemas -------------------------------------------------------------------------


class BuildingOut(Schema):
    id: int
    name: str
    floors: int
    has_elevator: bool
    units: int = Field(..., description="房屋数")

    @staticmethod
    def resolve_units(obj) -> int:
        return obj.units_count


class UnitOut(Schema):
    id: int
    community_id: int
    building_id: int
    building: str
    entrance: str
    number: str
    label: str = Field(..., description="楼栋-单元-房号")
    floor: int
    area: str = Field(..., description="专有面积（㎡），两位小数", examples=["89.50"])
    usage: UnitUsage
    usage_label: str
    delivery_status: DeliveryStatus
    delivery_status_label: str
    delivered_on: dt.date | None
    owners: list[str] = Field(..., description="现业主姓名（脱敏）")

    @staticmethod
    def resolve_building(obj) -> str:
        return obj.building.name

    @staticmethod
    def resolve_area(obj) -> str:
        return _money(obj.area)

    @staticmethod
    def resolve_usage_label(obj) -> str:
        return _label(UnitUsage, obj.usage)

    @staticmethod
    def resolve_delivery_status_label(obj) -> str:
        return _label(DeliveryStatus, obj.delivery_status)

    @staticmethod
    def resolve_owners(obj) -> list[str]:
        ownerships = getattr(obj, "current_ownerships", None)
        if ownerships is None:
            ownerships = selectors.unit_owners(obj)
        return [o.person.masked_name for o in ownerships]


class OwnershipOut(Schema):
    id: int
    unit_id: int
    unit: str
    person_id: int
    name: str = Field(..., description="业主姓名（脱敏）")
    share: str = Field(..., description="产权份额，0–1，四位小数", examples=["1.0000"])
    start: dt.date
    end: dt.date | None

    @staticmethod
    def resolve_unit(obj) -> str:
        return obj.unit.label

    @staticmethod
    def resolve_name(obj) -> str:
        return obj.person.masked_name

    @staticmethod
    def resolve_share(obj) -> str:
        return f"{Decimal(obj.share).quantize(Decimal('0.0001'))}"


class ResidentOut(Schema):
    id: int
    unit_id: int
    unit: str
    person_id: int
    name: str = Field(..., description="住户姓名（脱敏）")
    kind: ResidentKind
    kind_label: str
    relation: str
    moved_in: dt.date
    moved_out: dt.date | None

    @staticmethod
    def resolve_unit(obj) -> str:
        return obj.unit.label

    @staticmethod
    def resolve_name(obj) -> str:
        return obj.person.masked_name

    @staticmethod
    def resolve_kind_label(obj) -> str:
        return _label(ResidentKind, obj.kind)


class VehicleOut(Schema):
    id: int
    plate: str
    kind: VehicleKind
    kind_label: str
    brand: str
    person_id: int
    owner: str = Field(..., description="车主姓名（脱敏）")
    unit_id: int | None
    unit: str | None
    registered_at: dt.datetime

    @staticmethod
    def resolve_kind_label(obj) -> str:
        return _label(VehicleKind, obj.kind)

    @staticmethod
    def resolve_owner(obj) -> str:
        return obj.person.masked_name

    @staticmethod
    def resolve_unit(obj) -> str | None:
        return obj.unit.label if obj.unit_id else None


class UnitDetailOut(UnitOut):
    ownerships: list[OwnershipOut] = Field(..., description="现有产权")
    residents: list[ResidentOut] = Field(..., description="在住住户")
    vehicles: list[VehicleOut]

    @staticmethod
    def resolve_ownerships(obj) -> list:
        return obj.current_ownerships

    @staticmethod
    def resolve_residents(obj) -> list:
        return obj.current_residents

    @staticmethod
    def resolve_vehicles(obj) -> list:
        return obj.vehicle_list


class PersonOut(Schema):
    id: int
    community_id: int
    kind: PersonKind
    kind_label: str
    name: str = Field(..., description="姓名（脱敏）", examples=["张*三"])
    mobile: str = Field(..., description="手机号（脱敏）", examples=["138****1234"])
    id_number: str = Field(..., description="证件号（脱敏）")
    has_account: bool = Field(..., description="已开通业主账号")

    @staticmethod
    def resolve_kind_label(obj) -> str:
        return _label(PersonKind, obj.kind)

    @staticmethod
    def resolve_name(obj) -> str:
        return obj.masked_name

    @staticmethod
    def resolve_mobile(obj) -> str:
        return obj.masked_mobile

    @staticmethod
    def resolve_id_number(obj) -> str:
        return obj.masked_id_number

    @staticmethod
    def resolve_has_account(obj) -> bool:
        return obj.user_id is not None


class PersonDetailOut(PersonOut):
    note: str
    ownerships: list[OwnershipOut] = Field(..., description="现有产权")
    residencies: list[ResidentOut] = Field(..., description="在住登记")
    vehicles: list[VehicleOut]

    @staticmethod
    def resolve_ownerships(obj) -> list:
        return obj.current_ownerships

    @staticmethod
    def resolve_residencies(obj) -> list:
        return obj.current_residencies

    @staticmethod
    def resolve_vehicles(obj) -> list:
        return obj.vehicle_list


class RevealedOut(Schema):
    name: str
    mobile: str
    id_number: str


class HomeOut(Schema):
    """One home of the caller (业主 / 住户 app)."""

    community_id: int
    community: str
    role: Literal["owner", "resident"]
    role_label: str
    unit: UnitOut
    ownerships: list[OwnershipOut]
    residents: list[ResidentOut]
    vehicles: list[VehicleOut]


class UnitPage(Schema):
    count: int
    items: list[UnitOut]


class PersonPage(Schema):
    count: int
    items: list[PersonOut]


class VehiclePage(Schema):
    count: int
    items: list[VehicleOut]


# --- input schemas --------------------------------------------------------------------------


class UnitQuery(PageQuery):
    q: str | None = Field(None, description="房号、业主姓名或手机号")
    building: int | None = Field(None, description="楼栋 id")
    usage: UnitUsage | None = None
    delivery_status: DeliveryStatus | None = None
    floor: int | None = None
    min_area: Decimal | None = None
    max_area: Decimal | None = None


class PersonQuery(PageQuery):
    q: str | None = Field(None, description="姓名或手机号")
    has_account: bool | None = None
    role: Literal["owner", "resident"] | None = None
    kind: PersonKind | None = None


class VehicleQuery(PageQuery):
    q: str | None = Field(None, description="车牌号")
    kind: VehicleKind | None = None


class UnitPatch(Schema):
    """Only the fields sent are changed."""

    entrance: str | None = Field(None, max_length=10)
    number: str | None = Field(None, max_length=20)
    floor: int | None = None
    area: Decimal | None = Field(None, description="专有面积（㎡），数字或字符串，最多两位小数")
    usage: UnitUsage | None = None
    delivery_status: DeliveryStatus | None = None
    delivered_on: dt.date | None = None


class PersonIn(Schema):
    name: str = Field(..., max_length=100)
    mobile: str = Field("", max_length=20)
    id_number: str = Field("", max_length=20)
    kind: PersonKind = PersonKind.NATURAL
    note: str = Field("", max_length=200)


class PersonPatch(Schema):
    """Only the fields sent are changed; an empty mobile or ID number clears it."""

    name: str | None = Field(None, max_length=100)
    mobile: str | None = Field(None, max_length=20)
    id_number: str | None = Field(None, max_length=20)
    note: str | None = Field(None, max_length=200)


class RevealIn(Schema):
    reason: str = Field("", max_length=300, description="查看原因（记入审计）")


class VehicleIn(Schema):
    plate: str = Field(..., max_length=20, examples=["京A12345"])
    brand: str = Field("", max_length=40)
    unit_id: int | None = Field(None, description="不填则用车主现有的第一套房屋")


class OwnershipIn(Schema):
    person_id: int
    share: Decimal = Field(Decimal("1"), description="产权份额，0–1")
    start: dt.date | None = Field(None, description="不填为今天")


class ResidentIn(Schema):
    person_id: int
    kind: ResidentKind
    relation: str = Field("", max_length=20)
    moved_in: dt.date | None = Field(None, description="不填为今天")


# --- helpers --------------------------------------------------------------------------------


def _filter_data(query: Schema) -> dict:
    """A Ninja query schema's filters (not its page)."""
    return query.dict(exclude={"limit", "offset"})


def _unit_detail(unit: Unit) -> UnitDetailOut:
    unit.current_ownerships = selectors.unit_owners(unit)
    for ownership in unit.current_ownerships:
        ownership.unit = unit
    unit.current_residents = list(unit.residencies.current().select_related("person")
                                  .order_by("-moved_in", "pk"))
    for residency in unit.current_residents:
        residency.unit = unit
    unit.vehicle_list = list(unit.vehicles.select_related("person", "unit__building")
                             .order_by("plate"))
    return UnitDetailOut.from_orm(unit)


def _person_detail(person: Person) -> PersonDetailOut:
    person.current_ownerships = list(person.ownerships.current()
                                     .select_related("person", "unit__building")
                                     .order_by("-start", "pk"))
    person.current_residencies = list(person.residencies.current()
                                      .select_related("person", "unit__building")
                                      .order_by("-moved_in", "pk"))
    person.vehicle_list = list(person.vehicles.select_related("person", "unit__building")
                               .order_by("plate"))
    return PersonDetailOut.from_orm(person)


# --- buildings and units --------------------------------------------------------------------


@router.get("/communities/{community_id}/buildings", response={200: list[BuildingOut], **ERRORS},
            summary="楼栋列表")
def list_buildings(request, community_id: int):
    community = community_for(request, community_id, "roster.view")
    return (Building.objects.in_community(community).annotate(units_count=Count("units"))
            .order_by("sort_key", "name"))


@router.get("/communities/{community_id}/units", response={200: UnitPage, **ERRORS},
            summary="房屋列表（筛选、分页）")
def list_units(request, community_id: int, query: Query[UnitQuery]):
    community = community_for(request, community_id, "roster.view")
    units = (Unit.objects.in_community(community).select_related("building")
             .prefetch_related(Prefetch("ownerships", to_attr="current_ownerships",
                                        queryset=Ownership.objects.current()
                                        .select_related("person").order_by("-share", "pk")))
             .order_by("building__sort_key", "building__name", "entrance", "floor", "number",
                       "pk"))
    return page(filtered(UnitFilter, units, _filter_data(query), community=community), query)


@router.get("/units/{unit_id}", response={200: UnitDetailOut, **ERRORS}, summary="房屋详情")
def get_unit(request, unit_id: int):
    """Staff of the community, and the unit's own owners and residents."""
    return _unit_detail(access.get_unit_for(request.auth, unit_id))


@router.patch("/units/{unit_id}", response={200: UnitDetailOut, **ERRORS}, summary="修改房屋")
def patch_unit(request, unit_id: int, payload: UnitPatch):
    unit = access.get_unit_for(request.auth, unit_id, for_write=True)
    unit = services.update_unit(unit, actor=request.auth,
                                **plain_values(payload.dict(exclude_unset=True)))
    return _unit_detail(unit)


@router.post("/units/{unit_id}/ownerships", response={201: OwnershipOut, **ERRORS},
             summary="登记产权")
@idempotent
def add_ownership(request, unit_id: int, payload: OwnershipIn,
                  idempotency_key: IdempotencyKeyHeader = None):
    unit = access.get_unit_for(request.auth, unit_id, for_write=True)
    person = access.get_person_for(request.auth, payload.person_id)
    ownership = services.register_ownership(unit, person, actor=request.auth,
                                            share=payload.share, start=payload.start)
    return Status(201, OwnershipOut.from_orm(ownership))


@router.post("/units/{unit_id}/residents", response={201: ResidentOut, **ERRORS},
             summary="登记住户")
@idempotent
def add_resident(request, unit_id: int, payload: ResidentIn,
                 idempotency_key: IdempotencyKeyHeader = None):
    unit = access.get_unit_for(request.auth, unit_id, for_write=True)
    person = access.get_person_for(request.auth, payload.person_id)
    residency = services.register_resident(unit, person, actor=request.auth,
                                           kind=payload.kind.value, relation=payload.relation,
                                           moved_in=payload.moved_in)
    return Status(201, ResidentOut.from_orm(residency))


# --- people ---------------------------------------------------------------------------------


@router.get("/communities/{community_id}/persons", response={200: PersonPage, **ERRORS},
            summary="人员列表（脱敏，筛选、分页）")
def list_persons(request, community_id: int, query: Query[PersonQuery]):
    community = community_for(request, community_id, "roster.view")
    people = Person.objects.in_community(community).order_by("name", "pk")
    return page(filtered(PersonFilter, people, _filter_data(query)), query)


@router.post("/communities/{community_id}/persons", response={201: PersonOut, **ERRORS},
             summary="新增人员")
@idempotent
def add_person(request, community_id: int, payload: PersonIn,
               idempotency_key: IdempotencyKeyHeader = None):
    community = community_for(request, community_id, "roster.edit")
    person = create_person(community, actor=request.auth, name=payload.name,
                           mobile=payload.mobile, id_number=payload.id_number,
                           kind=payload.kind.value, note=payload.note)
    return Status(201, PersonOut.from_orm(person))


@router.get("/persons/{person_id}", response={200: PersonDetailOut, **ERRORS},
            summary="人员详情（脱敏）")
def get_person(request, person_id: int):
    return _person_detail(access.get_person_for(request.auth, person_id))


@router.patch("/persons/{person_id}", response={200: PersonDetailOut, **ERRORS},
              summary="修改人员")
def patch_person(request, person_id: int, payload: PersonPatch):
    person = access.get_person_for(request.auth, person_id, for_write=True)
    data = payload.dict(exclude_unset=True)
    person = update_person(
        person, actor=request.auth,
        name=data.get("name", person.name),
        mobile=data.get("mobile", person.mobile),
        id_number=data.get("id_number", person.id_number),
        note=data.get("note", person.note),
    )
    return _person_detail(person)


@router.post("/persons/{person_id}/reveal", response={200: RevealedOut, **ERRORS},
             summary="查看完整个人信息（记入审计）")
def reveal(request, person_id: int, payload: RevealIn | None = None):
    person = access.get_person_for(request.auth, person_id)
    return reveal_person(person, actor=request.auth, reason=payload.reason if payload else "")


# --- vehicles -------------------------------------------------------------------------------


@router.get("/communities/{community_id}/vehicles", response={200: VehiclePage, **ERRORS},
            summary="车辆列表（筛选、分页）")
def list_vehicles(request, community_id: int, query: Query[VehicleQuery]):
    community = community_for(request, community_id, "roster.view")
    vehicles = (Vehicle.objects.in_community(community)
                .select_related("person", "unit__building").order_by("plate", "pk"))
    return page(filtered(VehicleFilter, vehicles, _filter_data(query)), query)


@router.post("/persons/{person_id}/vehicles", response={201: VehicleOut, **ERRORS},
             summary="登记车辆")
@idempotent
def add_vehicle(request, person_id: int, payload: VehicleIn,
                idempotency_key: IdempotencyKeyHeader = None):
    person = access.get_person_for(request.auth, person_id, for_write=True)
    if payload.unit_id is not None:
        unit = access.get_unit_for(request.auth, payload.unit_id)
    else:
        ownership = person.ownerships.current().select_related("unit").order_by("pk").first()
        unit = ownership.unit if ownership else None
    vehicle = services.register_vehicle(person, actor=request.auth, plate=payload.plate,
                                        unit=unit, brand=payload.brand)
    return Status(201, VehicleOut.from_orm(vehicle))


@router.delete("/vehicles/{vehicle_id}", response={204: None, **ERRORS}, summary="注销车辆")
def delete_vehicle(request, vehicle_id: int):
    vehicle = access.get_vehicle_for(request.auth, vehicle_id, for_write=True)
    services.remove_vehicle(vehicle, actor=request.auth)
    return Status(204, None)


# --- the caller's own homes -----------------------------------------------------------------


@router.get("/me/homes", response={200: list[HomeOut], **ERRORS}, summary="我的房屋（业主/住户）")
def my_homes(request):
    homes = []
    for home in selectors.households_of(request.auth):
        for row in (*home.owners, *home.residents, *home.vehicles):
            row.unit = home.unit
        home.unit.current_ownerships = home.owners
        owns = any(o.person.user_id == request.auth.pk for o in home.owners)
        role = Role.OWNER if owns else Role.RESIDENT
        homes.append(SimpleNamespace(
            community_id=home.community.pk, community=home.community.name,
            role=role.value, role_label=str(role.label), unit=home.unit,
            ownerships=home.owners, residents=home.residents, vehicles=home.vehicles,
        ))
    return homes
