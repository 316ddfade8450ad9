"""Roster pages: lists with filters and htmx partials, detail, edit through services."""

from decimal import Decimal

import pytest
from django.urls import reverse

from sunlit.core.models import AuditEvent
from sunlit.registry.models import Unit
from tests.factories import OwnershipFactory, PersonFactory, UnitFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def roster(community):
    units = [UnitFactory(building__community=community, building__name=f"{b}号楼",
                         number=f"{f}0{n}", floor=f, area=Decimal("60.00") + b * 10)
             for b in (1, 2) for f in (1, 2, 3) for n in (1, 2)]
    for i, unit in enumerate(units):
        OwnershipFactory(unit=unit, person__community=community, person__name=f"赵{i}明",
                         person__mobile=f"1370000{i:04d}")
    return units


def test_unit_list_filters_by_building_and_searches_owner(client, manager, roster):
    client.force_login(manager)
    building = roster[0].building
    page = client.get(reverse("registry:unit_list"), {"building": building.pk})
    assert page.context["page_obj"].paginator.count == 6
    found = client.get(reverse("registry:unit_list"), {"q": "赵3明"}).context["page_obj"]
    assert [u.pk for u in found] == [roster[3].pk]
    by_mobile = client.get(reverse("registry:unit_list"), {"q": "137 0000 0005"})
    assert [u.pk for u in by_mobile.context["page_obj"]] == [roster[5].pk]


def test_unit_list_masks_owner_names(client, manager, roster):
    client.force_login(manager)
    page = client.get(reverse("registry:unit_list")).content.decode()
    assert "赵*明" in page and "赵3明" not in page


def test_htmx_request_gets_only_the_results_partial(client, manager, roster):
    client.force_login(manager)
    response = client.get(reverse("registry:unit_list"), HTTP_HX_REQUEST="true")
    body = response.content.decode()
    assert "<table" in body and "<html" not in body


def test_unit_list_query_count_does_not_grow_with_rows(client, manager, roster,
                                                       django_assert_max_num_queries):
    client.force_login(manager)
    with django_assert_max_num_queries(12):
        client.get(reverse("registry:unit_list"))


def test_edit_unit_through_form_is_audited(client, manager, roster):
    unit = roster[0]
    old_area = str(unit.area)
    client.force_login(manager)
    data = {"entrance": unit.entrance, "number": unit.number, "floor": unit.floor,
            "area": "88.88", "usage": "residential", "delivery_status": "delivered"}
    response = client.post(reverse("registry:unit_edit", args=[unit.pk]), data)
    assert response.status_code == 302
    unit.refresh_from_db()
    assert unit.area == Decimal("88.88")
    event = AuditEvent.objects.get(object_type="registry.unit", action="update")
    assert event.changes["area"] == [old_area, "88.88"] and event.actor == manager


def test_bad_edit_keeps_input_and_shows_chinese_error(client, manager, roster):
    unit = roster[0]
    client.force_login(manager)
    data = {"entrance": unit.entrance, "number": unit.number, "floor": "abc",
            "area": "-5", "usage": "residential", "delivery_status": "delivered"}
    response = client.post(reverse("registry:unit_edit", args=[unit.pk]), data)
    assert response.status_code == 200
    page = response.content.decode()
    assert 'value="-5"' in page
    assert "请输入整数" in page or "整数" in page
    assert Unit.objects.get(pk=unit.pk).area == unit.area


def test_duplicate_unit_number_is_refused_beside_the_field(client, manager, roster):
    unit, twin = roster[0], roster[1]
    client.force_login(manager)
    data = {"entrance": twin.entrance, "number": twin.number, "floor": unit.floor,
            "area": "70.00", "usage": "residential", "delivery_status": "delivered"}
    response = client.post(reverse("registry:unit_edit", args=[unit.pk]), data)
    assert "该楼栋单元下已有此房号" in response.content.decode()


def test_revealing_full_personal_data_is_audited(client, service, community):
    person = PersonFactory(community=community, mobile="13912340000")
    client.force_login(service)
    detail = client.get(reverse("registry:person", args=[person.pk])).content.decode()
    assert "139****0000" in detail and "13912340000" not in detail
    response = client.post(reverse("registry:person_reveal", args=[person.pk]))
    assert "13912340000" in response.content.decode()
    event = AuditEvent.objects.get(action="reveal")
    assert event.actor == service and event.object_id == str(person.pk)


def test_committee_sees_masked_roster_but_cannot_reveal(client, committee, community):
    person = PersonFactory(community=community)
    client.force_login(committee)
    assert client.get(reverse("registry:person", args=[person.pk])).status_code == 200
    assert client.post(reverse("registry:person_reveal", args=[person.pk])).status_code == 403
    assert not AuditEvent.objects.filter(action="reveal").exists()


def test_edit_person_keeps_numbers_when_left_blank(client, service, community):
    person = PersonFactory(community=community, mobile="13912340000", name="钱多多")
    client.force_login(service)
    response = client.post(reverse("registry:person_edit", args=[person.pk]),
                           {"name": "钱多", "mobile": "", "id_number": "", "note": ""})
    assert response.status_code == 302
    person.refresh_from_db()
    assert person.name == "钱多" and person.mobile == "13912340000"


def test_invalid_plate_is_refused_with_reason(client, service, community):
    person = PersonFactory(community=community)
    client.force_login(service)
    response = client.post(reverse("registry:vehicle_add", args=[person.pk]), {"plate": "ABC123"})
    assert response.status_code == 400
    assert "车牌号格式不正确" in response.content.decode()
    ok = client.post(reverse("registry:vehicle_add", args=[person.pk]), {"plate": "沪 AD·12345"})
    assert ok.status_code == 302
    assert person.vehicles.get().plate == "沪AD12345"
