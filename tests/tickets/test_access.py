"""Reaching a ticket: another community's is a 404, a neighbour's in-home ticket too."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied
from django.http import Http404

from sunlit.tickets.access import get_ticket_for, visible_tickets


@pytest.fixture
def in_home(ticket_in):
    return ticket_in("dispatched")


@pytest.fixture
def common_area(submit):
    return submit(unit=None, location_text="2号楼电梯")


@pytest.mark.parametrize("persona", ["owner", "service", "dispatcher", "manager", "technician",
                                     "auditor", "company_admin"])
def test_who_sees_an_in_home_ticket(request, in_home, persona):
    user = request.getfixturevalue(persona)
    assert get_ticket_for(user, in_home.pk) == in_home
    assert in_home in visible_tickets(user)


@pytest.mark.parametrize("persona", ["neighbour", "owner_other_community", "other_technician",
                                     "finance", "committee"])
def test_who_does_not_see_an_in_home_ticket(request, in_home, persona):
    user = request.getfixturevalue(persona)
    with pytest.raises(Http404):
        get_ticket_for(user, in_home.pk)
    assert in_home not in visible_tickets(user)


def test_common_area_tickets_are_seen_by_the_community_only(common_area, neighbour, committee,
                                                            owner_other_community):
    assert get_ticket_for(neighbour, common_area.pk) == common_area
    assert get_ticket_for(committee, common_area.pk) == common_area
    with pytest.raises(Http404):
        get_ticket_for(owner_other_community, common_area.pk)
    assert not visible_tickets(owner_other_community).exists()


def test_for_write_needs_an_action_to_take(common_area, neighbour, owner, dispatcher):
    with pytest.raises(PermissionDenied):
        get_ticket_for(neighbour, common_area.pk, for_write=True)
    assert get_ticket_for(owner, common_area.pk, for_write=True)  # may withdraw
    assert get_ticket_for(dispatcher, common_area.pk, for_write=True)


def test_unknown_ticket_is_a_404(owner):
    with pytest.raises(Http404):
        get_ticket_for(owner, 999999)
