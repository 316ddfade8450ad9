"""Fixtures of the transparency tests: a unit to record events about, and recorded logs."""

from __future__ import annotations

import pytest
from django.db import transaction

from sunlit.transparency import services
from tests.factories import UnitFactory


@pytest.fixture
def unit(community):
    return UnitFactory(building__community=community, building__name="2号楼", number="302",
                       floor=3)


def unit_event(unit, **public):
    return services.Event("roster.unit.registered", unit, {
        "unit": unit.label, "building": unit.building.name, "floor": unit.floor,
        "area": unit.area, "usage": unit.usage, "delivery_status": unit.delivery_status,
        **public,
    })


@pytest.fixture
def record_units(unit):
    """record_units(community, n): appends n unit events in one transaction; returns leaves."""

    def record(community, n, *, batch=True):
        events = [unit_event(unit, floor=i % 30) for i in range(n)]
        if community.pk != unit.community_id:
            other = UnitFactory(building__community=community)
            events = [unit_event(other, floor=i % 30) for i in range(n)]
        with transaction.atomic():
            if batch:
                return services.record_many(community, events)
            return [services.record_many(community, [e])[0] for e in events]

    return record
