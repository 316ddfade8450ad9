"""One search for homes and the people in them: an address as people say it or as the system
labels it, a name, a mobile or its last four digits — the same for customer service (the
caller), the counter, the roster and the API."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from sunlit.core.models import Person
from sunlit.registry.models import Unit
from sunlit.registry.search import find_people, find_units
from tests.factories import BuildingFactory, OwnershipFactory, ResidencyFactory, UnitFactory


@pytest.fixture
def street(community):
    eight = BuildingFactory(community=community, name="8号楼")
    eighteen = BuildingFactory(community=community, name="18号楼")
    garage = BuildingFactory(community=community, name="地下车库")
    homes = {
        "8-302": UnitFactory(building=eight, entrance="2", number="302", floor=3),
        "8-1302": UnitFactory(building=eight, entrance="1", number="1302", floor=13),
        "18-302": UnitFactory(building=eighteen, entrance="1", number="302", floor=3),
        "garage": UnitFactory(building=garage, entrance="", number="B1-001", floor=-1),
    }
    OwnershipFactory(unit=homes["8-302"], person__name="陈建国", person__mobile="13912345678")
    OwnershipFactory(unit=homes["18-302"], person__name="陈美玲", person__mobile="13800001111",
                     end=dt.date(2020, 1, 1))  # sold: no longer hers
    OwnershipFactory(unit=homes["18-302"], person__name="林志强", person__mobile="13700005678")
    ResidencyFactory(unit=homes["8-1302"], person__name="赵租客", person__mobile="13600002222")
    return homes


def _found(community, text):
    return {u.pk for u in find_units(Unit.objects.in_community(community), text)}


@pytest.mark.parametrize("text, expected", [
    ("8号楼302", {"8-302"}), ("8栋302", {"8-302"}), ("8#302", {"8-302"}), ("8-302", {"8-302"}),
    ("8号楼2单元302", {"8-302"}), ("8栋2单元302室", {"8-302"}), ("8号楼-2单元-302", {"8-302"}),
    ("8号楼1单元302", set()), ("18号楼302", {"18-302"}), ("地下车库-B1-001", {"garage"}),
    ("陈建国", {"8-302"}), ("陈", {"8-302"}),  # the former owner 陈美玲 is not found
    ("13912345678", {"8-302"}), ("139 1234 5678", {"8-302"}), ("5678", {"8-302", "18-302"}),
    ("2222", {"8-1302"}), ("赵租客", {"8-1302"}), ("1302", {"8-1302"}), ("车库", {"garage"}),
    ("", {"8-302", "8-1302", "18-302", "garage"}),
])
def test_one_search_finds_homes_as_people_say_them(community, street, text, expected):
    assert _found(community, text) == {street[k].pk for k in expected}


def test_a_home_of_another_community_is_never_found(community, other_community, street):
    other = UnitFactory(building=BuildingFactory(community=other_community, name="8号楼"), number="302")
    assert other.pk not in _found(community, "8号楼302")


def test_people_by_name_mobile_tail_and_address(community, street):
    people = Person.objects.in_community(community)
    assert {p.name for p in find_people(people, "8号楼302")} == {"陈建国"}
    assert {p.name for p in find_people(people, "5678")} == {"陈建国", "林志强"}
    assert {p.name for p in find_people(people, "13600002222")} == {"赵租客"}
    assert {p.name for p in find_people(people, "8号楼1302")} == {"赵租客"}


def test_the_tail_follows_the_mobile(community):
    person = Person.objects.create(community=community, name="王五", mobile="13511112468")
    assert person.mobile_tail == "2468"
    person.mobile = ""
    person.save()
    assert person.mobile_tail == ""


def test_the_roster_the_counter_and_the_caller_search_use_it(client, community, street, manager,
                                                              finance, service):
    client.force_login(manager)
    roster = client.get(reverse("registry:unit_list"), {"q": "8号楼302"}).text
    assert "8号楼-2单元-302" in roster and "18号楼-1单元-302" not in roster
    client.force_login(finance)
    counter = client.get(reverse("finance:counter"), {"q": "5678"}).text
    assert "8号楼-2单元-302" in counter and "18号楼-1单元-302" in counter
    client.force_login(service)
    caller = client.get(reverse("tickets:reporter_search"), {"unit_q": "8栋2单元302"}).text
    assert "8号楼-2单元-302" in caller
    api = client.get(f"/api/v1/communities/{community.pk}/units", {"q": "8#302"}).json()
    assert [u["id"] for u in api["items"]] == [street["8-302"].pk]
