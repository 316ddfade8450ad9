"""Reaching roster objects within the user's communities.

An object the user may not see (another community, a neighbour's unit) is 404, so its
existence is not revealed; an object he may see but not change (``for_write``) is 403.
"""

from __future__ import annotations

from django.http import Http404
from django.shortcuts import get_object_or_404

from sunlit.core.models import Person
from sunlit.core.permissions import can, object_rule, require
from sunlit.registry.models import Building, Unit, Vehicle


@object_rule("unit.view")
def _owner_sees_own_unit(user, unit) -> bool:
    return Unit.objects.of_user(user).filter(pk=unit.pk).exists()


def get_unit_for(user, unit_id: int, *, for_write: bool = False) -> Unit:
    unit = get_object_or_404(Unit.objects.select_related("building"), pk=unit_id)
    if not can(user, "unit.view", unit):
        raise Http404
    if for_write:
        require(user, "roster.edit", unit)
    return unit


def _get_roster_object(queryset, user, pk: int, *, for_write: bool):
    obj = get_object_or_404(queryset.visible_to(user, "roster.view"), pk=pk)
    if for_write:
        require(user, "roster.edit", obj)
    return obj


def get_building_for(user, building_id: int, *, for_write: bool = False) -> Building:
    return _get_roster_object(Building.objects.all(), user, building_id, for_write=for_write)


def get_person_for(user, person_id: int, *, for_write: bool = False) -> Person:
    return _get_roster_object(Person.objects.all(), user, person_id, for_write=for_write)


def get_vehicle_for(user, vehicle_id: int, *, for_write: bool = False) -> Vehicle:
    return _get_roster_object(Vehicle.objects.all(), user, vehicle_id, for_write=for_write)
