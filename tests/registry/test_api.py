"""The roster API: filters, pagination, masking, validation errors in the uniform shape."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal

import pytest

from sunlit.core.choices import Role
from sunlit.core.models import AuditEvent, Person
from sunlit.registry.models import Ownership, Residency, Unit, Vehicle
from tests.factories import (
    BuildingFactory,
    OwnershipFactory,
    PersonFactory,
    ResidencyFactory,
    UnitFactory,
    VehicleFactory,
)

API = "/api/v1"


def call(client, method: str, path: str, data=None, **headers):
    body = json.dumps(data) if data is not None else None
    response = getattr(client, method)(f"{API}{path}", data=body,
                                       content_type="application/json", headers=headers)
    return response, (response.json() if response.content else None)


def fields_of(body) -> dict[str, str]:
    return {e["field"]: e["message"] for e in body["errors"]}


@pytest.fixture
def as_manager(client, manager):
    client.force_login(manager)
    return client


@pytest.fixture
def roster(community):
    """Two buildings of 明强小区 with a handful of units, owners and a car."""
    b1 = BuildingFactory(community=community, name="3号楼", sort_key=1)
    b2 = BuildingFactory(community=community, name="5号楼", sort_key=2)
    u101 = UnitFactory(building=b1, entrance="1", number="101", floor=1, area=Decimal("89.50"))
    u102 = UnitFactory(building=b1, entrance="1", number="102", floor=1, area=Decimal("120.00"))
    u201 = UnitFactory(building=b1, entrance="1", number="201", floor=2, area=Decimal("60.25"),
                       usage="commercial")
    s1 = UnitFactory(building=b2, entrance="", number="S1", floor=-1, area=Decimal("12.00"),
                     usage="parking", delivery_status="unsold")
    zhang = OwnershipFactory(unit=u101, person__name="张小三", person__mobile="13812345678").person
    OwnershipFactory(unit=u102, person__name="李四")
    tenant = ResidencyFactory(unit=u101, person__name="赵六六").person
    car = VehicleFactory(person=zhang, unit=u101, plate="京A12345")
    return {"b1": b1, "b2": b2, "u101": u101, "u102": u102, "u201": u201, "s1": s1,
            "zhang": zhang, "tenant": tenant, "car": car}


# --- units --------------------------------------------------------------------------------


def test_unit_list_gives_count_items_labels_and_two_place_areas(as_manager, community, roster):
    response, body = call(as_manager, "get", f"/communities/{community.pk}/units")
    assert response.status_code == 200
    assert body["count"] == 4
    first = body["items"][0]
    assert first["label"] == "3号楼-1单元-101"
    assert first["area"] == "89.50"
    assert first["usage"] == "residential" and first["usage_label"] == "住宅"
    assert first["delivery_status_label"] == "已售已交付"
    assert first["owners"] == ["张*三"]
    parking = next(i for i in body["items"] if i["number"] == "S1")
    assert parking["area"] == "12.00" and parking["usage_label"] == "车位"


@pytest.mark.parametrize(("params", "numbers"), [
    ("q=10", {"101", "102"}),
    ("q=张小三", {"101"}),
    ("q=138 1234 5678", {"101"}),
    ("usage=commercial", {"201"}),
    ("delivery_status=unsold", {"S1"}),
    ("floor=1", {"101", "102"}),
    ("min_area=60.25&max_area=100", {"101", "201"}),
    ("usage=residential&floor=1&q=102", {"102"}),
])
def test_unit_list_uses_the_page_filters(as_manager, community, roster, params, numbers):
    response, body = call(as_manager, "get", f"/communities/{community.pk}/units?{params}")
    assert response.status_code == 200, body
    assert {i["number"] for i in body["items"]} == numbers
    assert body["count"] == len(numbers)


def test_unit_list_filters_by_building(as_manager, community, roster):
    _, body = call(as_manager, "get", f"/communities/{community.pk}/units?building={roster['b2'].pk}")
    assert [i["number"] for i in body["items"]] == ["S1"]


def test_unit_list_refuses_a_building_of_another_community(as_manager, community, other_community,
                                                             roster):
    foreign = BuildingFactory(community=other_community)
    response, body = call(as_manager, "get",
                          f"/communities/{community.pk}/units?building={foreign.pk}")
    assert response.status_code == 422
    assert "building" in fields_of(body)


def test_unit_list_rejects_bad_filter_values_per_field(as_manager, community, roster):
    response, body = call(as_manager, "get",
                          f"/communities/{community.pk}/units?usage=castle&floor=abc")
    assert response.status_code == 422
    errors = fields_of(body)
    assert errors["floor"] == "必须是整数"
    assert errors["usage"].startswith("取值无效")


def test_unit_list_paginates_with_limit_and_offset(as_manager, community, roster):
    _, page1 = call(as_manager, "get", f"/communities/{community.pk}/units?limit=3")
    _, page2 = call(as_manager, "get", f"/communities/{community.pk}/units?limit=3&offset=3")
    assert page1["count"] == page2["count"] == 4
    assert len(page1["items"]) == 3 and len(page2["items"]) == 1
    ids = [i["id"] for i in page1["items"] + page2["items"]]
    assert len(set(ids)) == 4


@pytest.mark.parametrize("params", ["limit=0", "limit=201", "offset=-1"])
def test_unit_list_bounds_the_page_size(as_manager, community, roster, params):
    response, body = call(as_manager, "get", f"/communities/{community.pk}/units?{params}")
    assert response.status_code == 422
    assert body["detail"] == "请求数据不正确"
    assert set(fields_of(body)) <= {"limit", "offset"}


def test_unit_list_has_a_constant_query_budget(as_manager, community, roster,
                                               django_assert_num_queries):
    # session, user, memberships, community, count, units, current owners
    with django_assert_num_queries(7):
        call(as_manager, "get", f"/communities/{community.pk}/units")
    for n in range(12):
        OwnershipFactory(unit__building=roster["b2"], person__community=community,
                         person__name=f"业主{n}号")
    with django_assert_num_queries(7):
        _, body = call(as_manager, "get", f"/communities/{community.pk}/units")
    assert body["count"] == 16


def test_unit_detail_shows_current_owners_residents_and_vehicles_masked(as_manager, roster):
    OwnershipFactory(unit=roster["u101"], person__name="钱老七", share=Decimal("0.5"),
                     start=dt.date(2001, 1, 1), end=dt.date(2010, 1, 1))
    response, body = call(as_manager, "get", f"/units/{roster['u101'].pk}")
    assert response.status_code == 200
    assert [o["name"] for o in body["ownerships"]] == ["张*三"]  # the past owner is not listed
    assert body["ownerships"][0]["share"] == "1.0000"
    assert body["ownerships"][0]["start"] == "2015-05-01"
    assert [r["name"] for r in body["residents"]] == ["赵*六"]
    assert body["residents"][0]["kind_label"] == "租户"
    assert body["vehicles"][0]["plate"] == "京A12345"
    assert body["vehicles"][0]["owner"] == "张*三"
    assert "13812345678" not in json.dumps(body, ensure_ascii=False)


def test_patch_unit_changes_only_the_given_fields_and_audits(as_manager, manager, roster):
    unit = roster["u101"]
    response, body = call(as_manager, "patch", f"/units/{unit.pk}",
                          {"area": "90.5", "delivered_on": "2016-06-01"})
    assert response.status_code == 200, body
    assert body["area"] == "90.50" and body["delivered_on"] == "2016-06-01"
    unit.refresh_from_db()
    assert unit.area == Decimal("90.50") and unit.number == "101"
    event = AuditEvent.objects.get(object_type="registry.unit", object_id=str(unit.pk))
    assert event.actor == manager and event.changes["area"] == ["89.50", "90.50"]


@pytest.mark.parametrize("area", [95, 95.0, "95", "95.00"])
def test_patch_unit_accepts_area_as_number_or_string(as_manager, roster, area):
    response, body = call(as_manager, "patch", f"/units/{roster['u101'].pk}", {"area": area})
    assert response.status_code == 200
    assert body["area"] == "95.00"


@pytest.mark.parametrize(("data", "field", "message"), [
    ({"area": -3}, "area", "面积必须大于 0"),
    ({"area": 0}, "area", "面积必须大于 0"),
    ({"area": "89.555"}, "area", "面积最多保留两位小数"),
    ({"area": "八十"}, "area", "必须是数字"),
    ({"area": [1]}, "area", "必须是数字"),
    ({"floor": "abc"}, "floor", "必须是整数"),
    ({"floor": 1.5}, "floor", "必须是整数"),
    ({"floor": 500}, "floor", "楼层必须是 -10 到 200 之间的整数"),
    ({"number": ""}, "number", "请填写房号"),
    ({"number": None}, "number", "请填写房号"),
    ({"delivered_on": "2020-13-01"}, "delivered_on", "日期格式应为 YYYY-MM-DD"),
    ({"number": "x" * 21}, "number", "最多 20 个字符"),
])
def test_patch_unit_refuses_bad_values_with_field_messages(as_manager, roster, data, field,
                                                           message):
    unit = roster["u101"]
    response, body = call(as_manager, "patch", f"/units/{unit.pk}", data)
    assert response.status_code == 422
    assert body["detail"] == "请求数据不正确"
    assert fields_of(body)[field] == message
    unit.refresh_from_db()
    assert (unit.area, unit.floor, unit.number) == (Decimal("89.50"), 1, "101")
    assert not AuditEvent.objects.filter(object_type="registry.unit").exists()


def test_patch_unit_refuses_an_unknown_usage_with_the_choices(as_manager, roster):
    response, body = call(as_manager, "patch", f"/units/{roster['u101'].pk}", {"usage": "castle"})
    assert response.status_code == 422
    assert "residential" in fields_of(body)["usage"]


def test_patch_unit_refuses_a_duplicate_number(as_manager, roster):
    response, body = call(as_manager, "patch", f"/units/{roster['u102'].pk}", {"number": "101"})
    assert response.status_code == 422
    assert fields_of(body) == {"number": "该楼栋单元下已有此房号"}
    assert Unit.objects.get(pk=roster["u102"].pk).number == "102"


def test_invalid_json_is_a_400_in_the_uniform_shape(as_manager, roster):
    response = as_manager.patch(f"{API}/units/{roster['u101'].pk}", data="{area: 1",
                                content_type="application/json")
    assert response.status_code == 400
    assert response.json() == {"detail": "请求体不是有效的 JSON", "errors": []}


def test_not_found_and_forbidden_share_the_uniform_shape(client, technician, roster):
    client.force_login(technician)
    response, body = call(client, "get", "/units/999999")
    assert (response.status_code, body) == (404, {"detail": "未找到", "errors": []})
    response, body = call(client, "patch", f"/units/{roster['u101'].pk}", {"area": 1})
    assert response.status_code == 403
    assert body == {"detail": "您没有执行此操作的权限", "errors": []}


def test_buildings_list_counts_units(as_manager, community, roster):
    response, body = call(as_manager, "get", f"/communities/{community.pk}/buildings")
    assert response.status_code == 200
    assert [(b["name"], b["units"]) for b in body] == [("3号楼", 3), ("5号楼", 1)]


# --- people -------------------------------------------------------------------------------


def test_person_list_is_masked_and_filtered(as_manager, community, roster):
    response, body = call(as_manager, "get", f"/communities/{community.pk}/persons?q=13812345678")
    assert response.status_code == 200
    assert body["count"] == 1
    item = body["items"][0]
    assert item["name"] == "张*三" and item["mobile"] == "138****5678"
    assert item["id_number"].startswith("**************") and len(item["id_number"]) == 18
    assert set(item) == {"id", "community_id", "kind", "kind_label", "name", "mobile",
                         "id_number", "has_account"}
    _, owners = call(as_manager, "get", f"/communities/{community.pk}/persons?role=owner")
    assert {i["name"] for i in owners["items"]} == {"张*三", "李*"}
    _, residents = call(as_manager, "get", f"/communities/{community.pk}/persons?role=resident")
    assert [i["name"] for i in residents["items"]] == ["赵*六"]


def test_person_list_filters_on_accounts(as_manager, community, roster, owner):
    _, body = call(as_manager, "get", f"/communities/{community.pk}/persons?has_account=true")
    assert [i["name"] for i in body["items"]] == ["王*明"]
    assert body["items"][0]["has_account"] is True


def test_person_detail_is_masked_and_lists_homes_and_cars(as_manager, roster):
    response, body = call(as_manager, "get", f"/persons/{roster['zhang'].pk}")
    assert response.status_code == 200
    assert body["name"] == "张*三" and body["mobile"] == "138****5678"
    assert [o["unit"] for o in body["ownerships"]] == ["3号楼-1单元-101"]
    assert [v["plate"] for v in body["vehicles"]] == ["京A12345"]
    assert "13812345678" not in json.dumps(body)


def test_reveal_gives_full_data_and_is_audited(as_manager, manager, roster):
    person = roster["zhang"]
    response, body = call(as_manager, "post", f"/persons/{person.pk}/reveal",
                          {"reason": "回访核实"})
    assert response.status_code == 200
    assert body == {"name": "张小三", "mobile": "13812345678", "id_number": person.id_number}
    event = AuditEvent.objects.get(action=AuditEvent.Action.REVEAL)
    assert (event.actor, event.object_id, event.summary) == (manager, str(person.pk), "回访核实")


def test_reveal_works_without_a_body(as_manager, roster):
    response = as_manager.post(f"{API}/persons/{roster['zhang'].pk}/reveal", data="",
                               content_type="application/json")
    assert response.status_code == 200, response.content
    assert AuditEvent.objects.filter(action=AuditEvent.Action.REVEAL).count() == 1


def test_create_person_returns_the_masked_person(as_manager, manager, community):
    response, body = call(as_manager, "post", f"/communities/{community.pk}/persons",
                          {"name": "孙 悟空", "mobile": "+86 139-0000-1111", "kind": "natural"})
    assert response.status_code == 201, body
    person = Person.objects.get(pk=body["id"])
    assert person.mobile == "13900001111" and person.community == community
    assert body["mobile"] == "139****1111" and body["kind_label"] == "自然人"
    assert AuditEvent.objects.filter(action="create", object_id=str(person.pk),
                                     actor=manager).exists()


@pytest.mark.parametrize(("data", "field", "message"), [
    ({}, "name", "此项为必填项"),
    ({"name": ""}, "name", "请填写姓名"),
    ({"name": "甲", "mobile": "12345"}, "mobile", "手机号格式不正确，应为 11 位中国大陆手机号"),
    ({"name": "甲", "id_number": "110101199001011234"}, "id_number",
     "身份证号不正确（18 位，末位校验码不符）"),
    ({"name": "甲", "kind": "alien"}, "kind", None),
    ({"name": 5}, "name", "必须是文本"),
])
def test_create_person_refuses_bad_input_per_field(as_manager, community, data, field, message):
    response, body = call(as_manager, "post", f"/communities/{community.pk}/persons", data)
    assert response.status_code == 422
    errors = fields_of(body)
    assert field in errors
    if message:
        assert errors[field] == message
    assert not Person.objects.exists()


def test_patch_person_keeps_what_is_not_sent_and_clears_an_empty_mobile(as_manager, roster):
    person = roster["zhang"]
    id_number = person.id_number
    response, body = call(as_manager, "patch", f"/persons/{person.pk}", {"note": "业委会委员"})
    assert response.status_code == 200
    assert (body["note"], body["mobile"]) == ("业委会委员", "138****5678")
    person.refresh_from_db()
    assert (person.note, person.mobile, person.id_number) == ("业委会委员", "13812345678", id_number)
    call(as_manager, "patch", f"/persons/{person.pk}", {"mobile": ""})
    person.refresh_from_db()
    assert person.mobile == "" and person.mobile_index == ""
    event = AuditEvent.objects.filter(object_id=str(person.pk), action="update").first()
    assert event.changes["mobile"] == ["***", "***"]  # the number is not written to the audit


def test_patch_person_refuses_a_bad_mobile(as_manager, roster):
    response, body = call(as_manager, "patch", f"/persons/{roster['zhang'].pk}", {"mobile": "110"})
    assert response.status_code == 422
    assert "mobile" in fields_of(body)
    assert Person.objects.get(pk=roster["zhang"].pk).mobile == "13812345678"


# --- vehicles, ownership, residents -------------------------------------------------------


def test_register_vehicle_normalises_the_plate_and_defaults_to_the_owned_unit(as_manager, roster):
    response, body = call(as_manager, "post", f"/persons/{roster['zhang'].pk}/vehicles",
                          {"plate": "京a·d12345", "brand": "白色"})
    assert response.status_code == 201, body
    assert body["plate"] == "京AD12345" and body["kind"] == "new_energy"
    assert body["kind_label"] == "新能源汽车" and body["unit"] == "3号楼-1单元-101"
    assert Vehicle.objects.filter(plate="京AD12345", unit=roster["u101"]).exists()


@pytest.mark.parametrize(("plate", "message"), [
    ("京A1234", "车牌号格式不正确（如 京A12345 或新能源 京AD12345）"),
    ("ABC12345", "车牌号格式不正确（如 京A12345 或新能源 京AD12345）"),
    ("京A12345", "该车牌已登记"),
])
def test_register_vehicle_refuses_bad_and_duplicate_plates(as_manager, roster, plate, message):
    response, body = call(as_manager, "post", f"/persons/{roster['tenant'].pk}/vehicles",
                          {"plate": plate})
    assert response.status_code == 422
    assert fields_of(body) == {"plate": message}
    assert Vehicle.objects.count() == 1


def test_register_vehicle_on_a_unit_of_another_community_is_404(as_manager, roster,
                                                                 other_community):
    foreign = UnitFactory(building__community=other_community)
    response, _ = call(as_manager, "post", f"/persons/{roster['zhang'].pk}/vehicles",
                       {"plate": "京B54321", "unit_id": foreign.pk})
    assert response.status_code == 404
    assert Vehicle.objects.count() == 1


def test_vehicle_list_filters_by_plate(as_manager, community, roster):
    VehicleFactory(person=roster["tenant"], plate="沪C88888")
    _, body = call(as_manager, "get", f"/communities/{community.pk}/vehicles?q=沪c")
    assert [v["plate"] for v in body["items"]] == ["沪C88888"]
    assert body["items"][0]["owner"] == "赵*六"


def test_delete_vehicle_removes_it_and_audits(as_manager, roster):
    response = as_manager.delete(f"{API}/vehicles/{roster['car'].pk}")
    assert response.status_code == 204
    assert not Vehicle.objects.exists()
    assert AuditEvent.objects.filter(action="delete", object_type="registry.vehicle").exists()


def test_register_ownership_with_a_share(as_manager, community, roster):
    buyer = PersonFactory(community=community, name="周八")
    response, body = call(as_manager, "post", f"/units/{roster['u201'].pk}/ownerships",
                          {"person_id": buyer.pk, "share": "0.5", "start": "2024-01-01"})
    assert response.status_code == 201, body
    assert body["share"] == "0.5000" and body["name"] == "周*" and body["start"] == "2024-01-01"
    assert Ownership.objects.get(pk=body["id"]).share == Decimal("0.5")


def test_register_ownership_refuses_more_than_the_whole_unit(as_manager, community, roster):
    buyer = PersonFactory(community=community)
    response, body = call(as_manager, "post", f"/units/{roster['u101'].pk}/ownerships",
                          {"person_id": buyer.pk, "share": 0.5})
    assert response.status_code == 422
    assert fields_of(body) == {"share": "该房屋现有产权份额合计将超过 100%"}


def test_register_ownership_of_a_person_of_another_community_is_404(as_manager, roster,
                                                                    other_community):
    stranger = PersonFactory(community=other_community)
    response, body = call(as_manager, "post", f"/units/{roster['u201'].pk}/ownerships",
                          {"person_id": stranger.pk})
    assert (response.status_code, body["detail"]) == (404, "未找到")
    assert not Ownership.objects.filter(person=stranger).exists()


def test_register_resident(as_manager, community, roster):
    child = PersonFactory(community=community, name="张小小")
    response, body = call(as_manager, "post", f"/units/{roster['u101'].pk}/residents",
                          {"person_id": child.pk, "kind": "family", "relation": "子女",
                           "moved_in": "2024-09-01"})
    assert response.status_code == 201, body
    assert (body["kind_label"], body["relation"], body["name"]) == ("家庭成员", "子女", "张*小")
    assert Residency.objects.filter(person=child, unit=roster["u101"]).exists()


def test_register_resident_refuses_an_unknown_kind(as_manager, community, roster):
    child = PersonFactory(community=community)
    response, body = call(as_manager, "post", f"/units/{roster['u101'].pk}/residents",
                          {"person_id": child.pk, "kind": "pet"})
    assert response.status_code == 422
    assert "kind" in fields_of(body)


# --- the caller's homes -------------------------------------------------------------------


def test_my_homes_for_an_owner(client, owner, owner_unit, resident):
    VehicleFactory(person=owner.persons.get(), unit=owner_unit, plate="京N11111")
    client.force_login(owner)
    response, body = call(client, "get", "/me/homes")
    assert response.status_code == 200
    [home] = body
    assert home["role"] == Role.OWNER and home["role_label"] == "业主"
    assert home["community"] == "明强小区"
    assert home["unit"]["label"] == owner_unit.label
    assert [o["name"] for o in home["ownerships"]] == ["王*明"]
    assert [r["name"] for r in home["residents"]] == [resident.persons.get().masked_name]
    assert [v["plate"] for v in home["vehicles"]] == ["京N11111"]


def test_my_homes_for_a_resident_and_for_staff(client, resident, manager):
    client.force_login(resident)
    _, body = call(client, "get", "/me/homes")
    assert [h["role"] for h in body] == ["resident"]
    client.force_login(manager)
    _, body = call(client, "get", "/me/homes")
    assert body == []


def test_my_homes_needs_a_login(client):
    response, body = call(client, "get", "/me/homes")
    assert response.status_code == 401
    assert body == {"detail": "请先登录或提供有效的令牌", "errors": []}
