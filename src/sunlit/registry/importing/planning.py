"""Planning an import against the community: who and what committing would create or change (people
matched by blind indexes, never by decrypting); reads only.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from sunlit.core import crypto
from sunlit.core.choices import PersonKind
from sunlit.core.models import Community, Person
from sunlit.registry.importing.parsing import parse_roster
from sunlit.registry.importing.rows import (
    SHEET_RESIDENTS,
    SHEET_UNITS,
    SHEET_VEHICLES,
    Col,
    ParsedRoster,
    PersonRef,
    UnitKey,
    UnitRow,
    capped_errors,
    unit_label,
)
from sunlit.registry.models import Building, Ownership, Residency, Unit, Vehicle

# --- planning against the community -------------------------------------------------------------

@dataclass
class PersonPlan:
    """One person of the file: matched to an existing Person, or to be created."""

    key: str
    name: str
    mobile: str = ""
    id_number: str = ""
    kind: str = PersonKind.NATURAL
    person: Person | None = None
    changes: dict[str, Any] = field(default_factory=dict)

    def absorb(self, ref: PersonRef) -> None:
        if not self.mobile and ref.mobile:
            self.mobile = ref.mobile
        if not self.id_number and ref.id_number:
            self.id_number = ref.id_number


@dataclass
class ImportPlan:
    """What committing would do. Writes nothing; ``services.commit_roster_import`` applies it."""

    community: Community
    errors: list[dict] = field(default_factory=list)
    buildings: dict[str, Building] = field(default_factory=dict)  # existing, by name
    buildings_new: dict[str, int] = field(default_factory=dict)  # name → floors
    buildings_raise: list[tuple[Building, int]] = field(default_factory=list)
    units: dict[UnitKey, Unit] = field(default_factory=dict)  # existing, by key
    units_new: dict[UnitKey, dict[str, Any]] = field(default_factory=dict)
    units_update: list[tuple[Unit, dict[str, Any], dict[str, list]]] = field(default_factory=list)
    units_unchanged: int = 0
    persons: dict[str, PersonPlan] = field(default_factory=dict)
    ownerships_new: list[tuple[UnitKey, str, Decimal, dt.date | None]] = field(default_factory=list)
    ownerships_update: list[tuple[Ownership, Decimal]] = field(default_factory=list)
    ownerships_unchanged: int = 0
    residencies_new: list[tuple[UnitKey, str, str, str, dt.date | None]] = \
        field(default_factory=list)
    residencies_unchanged: int = 0
    vehicles_new: list[tuple[str, str, UnitKey | None, str]] = field(default_factory=list)
    vehicles_update: list[tuple[Vehicle, UnitKey | None, str]] = field(default_factory=list)
    vehicles_unchanged: int = 0

    def error(self, sheet: str, row: int, column: str, message: str) -> None:
        self.errors.append({"sheet": sheet, "row": row, "column": column, "message": message})

    @property
    def persons_new(self) -> list[PersonPlan]:
        return [p for p in self._unique_persons() if p.person is None]

    @property
    def persons_update(self) -> list[PersonPlan]:
        return [p for p in self._unique_persons() if p.person is not None and p.changes]

    def _unique_persons(self) -> list[PersonPlan]:
        seen: set[int] = set()
        unique = []
        for plan in self.persons.values():
            if id(plan) not in seen:
                seen.add(id(plan))
                unique.append(plan)
        return unique

    @property
    def total_writes(self) -> int:
        return (len(self.buildings_new) + len(self.buildings_raise) + len(self.units_new)
                + len(self.units_update) + len(self.persons_new) + len(self.persons_update)
                + len(self.ownerships_new) + len(self.ownerships_update)
                + len(self.residencies_new) + len(self.vehicles_new) + len(self.vehicles_update))

    def summary(self) -> dict[str, dict[str, int]]:
        persons = self._unique_persons()
        new_persons = sum(1 for p in persons if p.person is None)
        updated = sum(1 for p in persons if p.person is not None and p.changes)
        return {
            "buildings": {"new": len(self.buildings_new), "updated": len(self.buildings_raise)},
            "units": {"new": len(self.units_new), "updated": len(self.units_update),
                      "unchanged": self.units_unchanged},
            "persons": {"new": new_persons, "updated": updated,
                        "unchanged": len(persons) - new_persons - updated},
            "ownerships": {"new": len(self.ownerships_new), "updated": len(self.ownerships_update),
                           "unchanged": self.ownerships_unchanged},
            "residents": {"new": len(self.residencies_new), "updated": 0,
                          "unchanged": self.residencies_unchanged},
            "vehicles": {"new": len(self.vehicles_new), "updated": len(self.vehicles_update),
                         "unchanged": self.vehicles_unchanged},
        }


def _chunks(items: list, size: int = 500):
    for start in range(0, len(items), size):
        yield items[start:start + size]


def not_ended(on: dt.date):
    """Ownerships that still hold on ``on`` (including ones starting later)."""
    return Q(end__isnull=True) | Q(end__gt=on)


class _Planner:
    def __init__(self, community: Community, parsed: ParsedRoster):
        self.community = community
        self.parsed = parsed
        self.plan = ImportPlan(community=community)
        self.today = timezone.localdate()

    # units and buildings
    def units(self) -> None:
        plan, parsed = self.plan, self.parsed
        names = sorted({u.building for u in parsed.units}
                       | {r.building for r in parsed.residents}
                       | {v.building for v in parsed.vehicles if v.building})
        for chunk in _chunks(names):
            for building in Building.objects.in_community(self.community).filter(name__in=chunk):
                plan.buildings[building.name] = building
            for unit in (Unit.objects.in_community(self.community)
                         .filter(building__name__in=chunk).select_related("building")):
                plan.units[(unit.building.name, unit.entrance, unit.number)] = unit
        top_floor: dict[str, int] = {}
        for unit in parsed.units:
            top_floor[unit.building] = max(top_floor.get(unit.building, 1), unit.floor)
        for name, floors in top_floor.items():
            building = plan.buildings.get(name)
            if building is None:
                plan.buildings_new[name] = floors
            elif floors > building.floors:
                plan.buildings_raise.append((building, floors))
        seen: set[UnitKey] = set()
        for row in parsed.units:
            if row.key in seen:
                continue
            seen.add(row.key)
            existing = plan.units.get(row.key)
            fields = row.unit_fields()
            if existing is None:
                plan.units_new[row.key] = fields
                continue
            changes = {k: [str(getattr(existing, k)), str(v)] for k, v in fields.items()
                       if getattr(existing, k) != v}
            if changes:
                plan.units_update.append((existing, fields, changes))
            else:
                plan.units_unchanged += 1

    def known_unit(self, key: UnitKey) -> bool:
        return key in self.parsed.unit_keys or key in self.plan.units

    # people
    def people(self) -> None:
        plan, parsed = self.plan, self.parsed
        by_mobile_name: dict[tuple[str, str], str] = {}
        by_unit_name: dict[tuple[UnitKey, str], str] = {}
        self.key_of: dict[tuple[str, int], str] = {}
        self.named_in_unit: dict[str, tuple[UnitKey, str]] = {}  # name-only person → unit, name

        def remember(ref: PersonRef, key: str, unit: UnitKey | None) -> None:
            if ref.mobile:
                by_mobile_name.setdefault((ref.mobile, ref.name), key)
            if unit is not None:
                by_unit_name.setdefault((unit, ref.name), key)

        def add(sheet: str, row: int, ref: PersonRef, unit: UnitKey | None, key: str) -> None:
            person = plan.persons.get(key)
            if person is None:
                kind = PersonKind.ORGANIZATION if ref.is_organization else PersonKind.NATURAL
                person = plan.persons[key] = PersonPlan(key=key, name=ref.name, kind=kind)
            person.absorb(ref)
            self.key_of[(sheet, row)] = key
            if key.startswith("nu:") and unit is not None:
                self.named_in_unit.setdefault(key, (unit, ref.name))
            remember(ref, key, unit)

        refs = [(SHEET_UNITS, u.row, u.owner, u.key) for u in parsed.units if u.owner]
        refs += [(SHEET_RESIDENTS, r.row, r.person, r.key) for r in parsed.residents]
        # Strongest identifier first, so that a row with only a mobile joins the person that
        # another row names with both.
        for sheet, row, ref, unit in refs:
            if ref.id_number:
                add(sheet, row, ref, unit, f"id:{ref.id_number}")
        for sheet, row, ref, unit in refs:
            if not ref.id_number and ref.mobile:
                key = by_mobile_name.get((ref.mobile, ref.name)) or f"mn:{ref.mobile}:{ref.name}"
                add(sheet, row, ref, unit, key)
        for sheet, row, ref, unit in refs:
            if not ref.id_number and not ref.mobile:
                key = by_unit_name.get((unit, ref.name)) or f"nu:{'/'.join(unit)}:{ref.name}"
                add(sheet, row, ref, unit, key)
        for vehicle in parsed.vehicles:
            ref = vehicle.person
            if ref.mobile:
                key = by_mobile_name.get((ref.mobile, ref.name)) or f"mn:{ref.mobile}:{ref.name}"
            elif vehicle.key is not None:
                key = by_unit_name.get((vehicle.key, ref.name)) \
                    or f"nu:{'/'.join(vehicle.key)}:{ref.name}"
            else:
                plan.error(SHEET_VEHICLES, vehicle.row, Col.DRIVER_MOBILE,
                           _("请填写车主手机号，或填写车辆所属房屋（车主须为该房屋的业主或住户）"))
                continue
            add(SHEET_VEHICLES, vehicle.row, ref, vehicle.key, key)
        self.match_people()

    def match_people(self) -> None:
        plan = self.plan
        people = Person.objects.in_community(self.community)
        by_id: dict[str, Person] = {}
        by_mobile: dict[tuple[str, str], Person] = {}
        id_indexes = sorted({crypto.blind_index(p.id_number, purpose="id")
                             for p in plan.persons.values() if p.id_number})
        mobile_indexes = sorted({crypto.blind_index(p.mobile, purpose="mobile")
                                 for p in plan.persons.values() if p.mobile})
        for chunk in _chunks(id_indexes):
            for person in people.filter(id_index__in=chunk).order_by("pk"):
                by_id.setdefault(person.id_index, person)
        for chunk in _chunks(mobile_indexes):
            for person in people.filter(mobile_index__in=chunk).order_by("pk"):
                by_mobile.setdefault((person.mobile_index, person.name), person)
        by_unit_name = self.people_of_units()
        claimed: dict[int, PersonPlan] = {}
        for key, person_plan in list(plan.persons.items()):
            found = None
            if person_plan.id_number:
                found = by_id.get(crypto.blind_index(person_plan.id_number, purpose="id"))
            if found is None and person_plan.mobile:
                candidate = by_mobile.get(
                    (crypto.blind_index(person_plan.mobile, purpose="mobile"), person_plan.name))
                # The same name and mobile but another ID number is somebody else.
                if candidate is not None and (not candidate.id_number or not person_plan.id_number
                                              or candidate.id_number == person_plan.id_number):
                    found = candidate
            if found is None and key.startswith("nu:"):
                found = by_unit_name.get(key)
            if found is None:
                continue
            if found.pk in claimed:
                # Two lines of the file turned out to be one person already on the roster.
                claimed[found.pk].absorb(PersonRef(person_plan.name, person_plan.mobile,
                                                   person_plan.id_number))
                plan.persons[key] = claimed[found.pk]
                continue
            claimed[found.pk] = person_plan
            person_plan.person = found
        for person_plan in plan._unique_persons():
            found = person_plan.person
            if found is None:
                continue
            for attr in ("name", "mobile", "id_number"):
                value = getattr(person_plan, attr)
                if value and value != getattr(found, attr):
                    person_plan.changes[attr] = value

    def people_of_units(self) -> dict[str, Person]:
        """Owners and residents already on record for units named in the file, by name."""
        wanted = {}
        for key, (unit_key, name) in self.named_in_unit.items():
            unit = self.plan.units.get(unit_key)
            if unit is not None:
                wanted[(unit.pk, name)] = key
        if not wanted:
            return {}
        unit_ids = sorted({unit_id for unit_id, _name in wanted})
        found: dict[str, Person] = {}
        for chunk in _chunks(unit_ids):
            links = [
                *Ownership.objects.filter(unit_id__in=chunk).filter(not_ended(self.today))
                .select_related("person"),
                *Residency.objects.filter(unit_id__in=chunk).current().select_related("person"),
            ]
            for link in links:
                key = wanted.get((link.unit_id, link.person.name))
                if key is not None:
                    found.setdefault(key, link.person)
        return found

    def person_of(self, sheet: str, row: int) -> PersonPlan | None:
        key = self.key_of.get((sheet, row))
        return self.plan.persons.get(key) if key else None

    # links
    def ownerships(self) -> None:
        plan, parsed = self.plan, self.parsed
        existing: dict[int, list[Ownership]] = defaultdict(list)
        unit_ids = sorted(u.pk for u in plan.units.values())
        for chunk in _chunks(unit_ids):
            for ownership in (Ownership.objects.filter(unit_id__in=chunk)
                              .filter(not_ended(self.today)).order_by("pk")):
                existing[ownership.unit_id].append(ownership)
        groups: dict[UnitKey, list[UnitRow]] = defaultdict(list)
        for row in parsed.units:
            if row.owner is not None:
                groups[row.key].append(row)
        for key, rows in groups.items():
            unit = plan.units.get(key)
            on_record = existing.get(unit.pk, []) if unit else []
            matched: set[int] = set()
            for row in rows:
                person = self.person_of(SHEET_UNITS, row.row)
                if person is None:
                    continue
                current = next((o for o in on_record if person.person is not None
                                and o.person_id == person.person.pk), None)
                if current is None:
                    plan.ownerships_new.append((key, person.key, row.share, row.start))
                    continue
                matched.add(current.pk)
                if row.share is not None and current.share != row.share:
                    plan.ownerships_update.append((current, row.share))
                else:
                    plan.ownerships_unchanged += 1
            others = sum((o.share for o in on_record if o.pk not in matched), Decimal(0))
            listed = sum((r.share or Decimal(0) for r in rows), Decimal(0))
            if others and others + listed > 1:
                plan.error(SHEET_UNITS, rows[0].row, Col.SHARE,
                           _("房屋 %(unit)s 在系统中还有未列入本文件的产权人（份额合计 %(held)s），"
                             "加上本文件的份额将超过 1；如已过户，请先在房屋页面办理产权终止")
                           % {"unit": unit_label(key), "held": f"{others.normalize():f}"})

    def residencies(self) -> None:
        plan, parsed = self.plan, self.parsed
        existing: set[tuple[int, int]] = set()
        unit_ids = sorted(u.pk for u in plan.units.values())
        for chunk in _chunks(unit_ids):
            existing.update(Residency.objects.filter(unit_id__in=chunk).current()
                            .values_list("unit_id", "person_id"))
        for row in parsed.residents:
            if not self.known_unit(row.key):
                plan.error(SHEET_RESIDENTS, row.row, Col.NUMBER, self.unknown_unit(row.key))
                continue
            person = self.person_of(SHEET_RESIDENTS, row.row)
            unit = plan.units.get(row.key)
            if person and person.person and unit and (unit.pk, person.person.pk) in existing:
                plan.residencies_unchanged += 1
                continue
            plan.residencies_new.append((row.key, person.key, row.kind, row.relation,
                                         row.moved_in))

    def vehicles(self) -> None:
        plan, parsed = self.plan, self.parsed
        plates = sorted({v.plate for v in parsed.vehicles})
        existing: dict[str, Vehicle] = {}
        for chunk in _chunks(plates):
            for vehicle in Vehicle.objects.in_community(self.community).filter(plate__in=chunk):
                existing[vehicle.plate] = vehicle
        for row in parsed.vehicles:
            if row.key is not None and not self.known_unit(row.key):
                plan.error(SHEET_VEHICLES, row.row, Col.NUMBER, self.unknown_unit(row.key))
                continue
            person = self.person_of(SHEET_VEHICLES, row.row)
            if person is None:
                continue  # already reported: the owner could not be identified
            vehicle = existing.get(row.plate)
            if vehicle is None:
                plan.vehicles_new.append((row.plate, person.key, row.key, row.brand))
                continue
            if person.person is None or vehicle.person_id != person.person.pk:
                plan.error(SHEET_VEHICLES, row.row, Col.PLATE,
                           _("车牌 %(plate)s 已登记在本小区其他人名下；如车辆已转让，请先在车辆页面注销")
                           % {"plate": row.plate})
                continue
            current_unit = plan.units.get(row.key) if row.key else None
            unit_changed = row.key is not None and (
                current_unit is None or vehicle.unit_id != current_unit.pk)
            brand_changed = bool(row.brand) and row.brand != vehicle.brand
            if unit_changed or brand_changed:
                plan.vehicles_update.append((vehicle, row.key if unit_changed else None,
                                             row.brand if brand_changed else vehicle.brand))
            else:
                plan.vehicles_unchanged += 1

    @staticmethod
    def unknown_unit(key: UnitKey) -> str:
        return _("房屋 %(unit)s 不在本文件的「房屋与业主」表中，也未在本小区登记") \
            % {"unit": unit_label(key)}

    def run(self) -> ImportPlan:
        self.units()
        self.people()
        self.ownerships()
        self.residencies()
        self.vehicles()
        return self.plan


def plan_import(community: Community, parsed: ParsedRoster) -> ImportPlan:
    """Compares the parsed rows with the community's roster; reads only."""
    return _Planner(community, parsed).run()


def validate_roster(community: Community, filename: str, data: bytes
                    ) -> tuple[ParsedRoster, ImportPlan]:
    """Parse, validate and plan in one go (what the preview shows and ``--commit`` checks)."""
    parsed = parse_roster(filename, data)
    plan = plan_import(community, parsed)
    parsed.errors = capped_errors(parsed.errors + plan.errors)
    return parsed, plan
