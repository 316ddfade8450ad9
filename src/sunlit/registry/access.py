"""Reaching roster objects within the user's communities (404 outside them)."""

from __future__ import annotations

from django.http import Http404
from django.shortcuts import get_object_or_404

from sunlit.core.models import Person
from sunlit.core.permissions import can, object_rule
from sunlit.registry.models import Building, Unit, Vehicle


@object_rule("unit.view")
def _owner_sees_own_unit(user, unit) -> bool:
    return Unit.objects.of_user(user).filter(pk=unit.pk).exists()


@object_rule("household.view")
def _owner_sees_own_household(user, unit) -> bool:
    return Unit.objects.of_user(user).filter(pk=unit.pk).exists()


def get_unit_for(user, unit_id: int, *, for_write: bool = False) -> Unit:
    unit = get_object_or_404(Unit.objects.select_related("building"), pk=unit_id)
    if not can(user, "unit.view", unit):
        raise Http404
    if for_write and not can(user, "roster.edit", unit):
        raise Http404
    return unit


def get_building_for(user, building_id: int, *, for_write: bool = False) -> Building:
    action = "roster.edit" if for_write else "roster.view"
    return get_object_or_404(Building.objects.visible_to(user, action), pk=building_id)


def get_person_for(user, person_id: int, *, for_write: bool = False) -> Person:
    action = "roster.edit" if for_write else "roster.view"
    return get_object_or_404(Person.objects.visible_to(user, action), pk=person_id)


def get_vehicle_for(user, vehicle_id: int, *, for_write: bool = False) -> Vehicle:
    action = "roster.edit" if for_write else "roster.view"
    return get_object_or_404(Vehicle.objects.visible_to(user, action), pk=vehicle_id)
