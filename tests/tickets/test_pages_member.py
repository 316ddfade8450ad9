"""The members' pages: my tickets, the common-area tab, and the 报事 form (also by phone)."""

from __future__ import annotations

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from sunlit.core.models import Upload
from sunlit.tickets import services
from sunlit.tickets.choices import Channel, TicketKind
from sunlit.tickets.models import Category, Ticket, TicketPhoto
from sunlit.transparency.models import LogLeaf
from tests.factories import BuildingFactory, OwnershipFactory, PersonFactory, UnitFactory

pytestmark = pytest.mark.django_db

LIST = reverse("tickets:ticket_list")
NEW = reverse("tickets:submit")


@pytest.fixture
def neighbour_person(neighbour, community):
    return PersonFactory(user=neighbour, community=community, name="周大海")


@pytest.fixture
def common_ticket(neighbour, neighbour_person, submit, noise):
    """The neighbour complains about noise under building 3 (a common-area ticket)."""
    return submit(actor=neighbour, kind=TicketKind.COMPLAINT, category=noise, unit=None,
                  title="夜间施工噪音", location_text="3号楼楼下")


def form_data(owner_unit, plumbing, client=None, **overrides):
    """What an owner's phone posts for a leaking pipe at home; overrides change fields."""
    data = {"kind": "repair", "category": plumbing.pk, "title": "厨房水管漏水",
            "description": "水槽下面的水管一直滴水", "where": "home", "unit": owner_unit.pk,
            "building": "", "floor": "", "location_text": "", "preferred_from": "",
            "preferred_to": "", "idempotency_key": "k-1"}
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def jpeg(name="leak.jpg", size=(64, 48)) -> SimpleUploadedFile:
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", size, (200, 80, 40)).save(buffer, "JPEG")
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/jpeg")


# --- the list ---------------------------------------------------------------------------------

def test_owner_sees_his_tickets_in_chinese(client, owner, submit):
    ticket = submit()
    client.force_login(owner)
    page = client.get(LIST)
    body = page.content.decode()
    assert page.status_code == 200
    assert "我的报事" in body and "公共区域" in body and "待受理" in body
    assert ticket.title in body and reverse("tickets:ticket", args=[ticket.pk]) in body


@pytest.mark.parametrize("persona", ["technician", "service", "dispatcher", "manager", "auditor",
                                     "resident"])
def test_list_renders_for_every_role(client, request, persona, common_ticket):
    client.force_login(request.getfixturevalue(persona))
    page = client.get(LIST, {"tab": "common"})
    assert page.status_code == 200
    assert "报事报修" in page.content.decode()
    assert common_ticket.title in page.content.decode()


def test_common_area_tab_masks_the_reporter_for_owners(client, owner, common_ticket):
    client.force_login(owner)
    body = client.get(LIST, {"tab": "common"}).content.decode()
    assert "夜间施工噪音" in body
    assert "周*海" in body and "周大海" not in body


def test_staff_see_the_reporter_and_a_link_to_their_pages(client, dispatcher, common_ticket):
    client.force_login(dispatcher)
    body = client.get(LIST, {"tab": "common"}).content.decode()
    assert "周大海" in body
    assert 'data-testid="staff-links"' in body


def test_my_tab_holds_only_my_tickets(client, owner, submit, common_ticket):
    mine = submit()
    client.force_login(owner)
    listed = list(client.get(LIST).context["page_obj"])
    assert listed == [mine]


def test_a_neighbours_in_home_ticket_is_not_listed(client, owner, neighbour, neighbour_person,
                                                   community, plumbing):
    unit = UnitFactory(building__community=community)
    OwnershipFactory(unit=unit, person=neighbour_person)
    services.submit_ticket(community, actor=neighbour, kind="repair", category=plumbing,
                           title="卫生间漏水", description="天花板滴水", unit=unit)
    client.force_login(owner)
    for tab in ("mine", "common"):
        assert "卫生间漏水" not in client.get(LIST, {"tab": tab}).content.decode()


def test_status_chips_filter_and_count(client, owner, submit, ticket_in):
    submit(idempotency_key="a")
    ticket_in("resolved")
    ticket_in("archived")
    client.force_login(owner)
    page = client.get(LIST)
    assert [count for _key, _label, count in page.context["chips"]] == [3, 1, 1, 1]
    resolved = client.get(LIST, {"status": "resolved"}).context["page_obj"]
    assert [t.status for t in resolved] == ["resolved"]
    # an unknown chip is ignored, not an error
    assert client.get(LIST, {"status": "nonsense", "tab": "x"}).status_code == 200


def test_htmx_request_gets_only_the_results(client, owner, submit):
    submit()
    client.force_login(owner)
    body = client.get(LIST, {"status": "open"}, HTTP_HX_REQUEST="true").content.decode()
    assert "厨房水管漏水" in body and "<html" not in body


def _queries(client, **params) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(LIST, params).status_code == 200
    return len(queries)


def test_list_query_count_does_not_grow_with_tickets(client, owner, submit, common_ticket,
                                                     django_assert_max_num_queries):
    submit(idempotency_key="one")
    client.force_login(owner)
    few = _queries(client, tab="common")
    for n in range(8):
        submit(idempotency_key=f"more-{n}", unit=None, location_text=f"{n}号楼大堂")
    assert _queries(client, tab="common") == few
    assert _queries(client) == few
    with django_assert_max_num_queries(12):
        client.get(LIST, {"tab": "common"})


def test_list_paginates(client, owner, submit):
    for n in range(23):
        submit(idempotency_key=f"p{n}")
    client.force_login(owner)
    page = client.get(LIST)
    assert len(page.context["page_obj"]) == 20
    assert len(client.get(LIST, {"page": 2}).context["page_obj"]) == 3


def test_anonymous_goes_to_login(client):
    response = client.get(LIST)
    assert response.status_code == 302 and "/login/" in response["Location"]


# --- the form ------------------------------------------------------------------------------------

def test_form_renders_for_the_owner_with_his_unit_preselected(client, owner, owner_unit, plumbing,
                                                              noise):
    client.force_login(owner)
    page = client.get(NEW)
    body = page.content.decode()
    assert page.status_code == 200
    assert "我要报事" in body and "报修" in body and "投诉" in body and "咨询" in body
    assert 'data-kind="complaint"' in body and "水电" in body
    assert 'accept="image/*"' in body and "capture" in body
    form = page.context["form"]
    assert form.initial["unit"] == owner_unit.pk and form.initial["where"] == "home"
    assert len(form.initial["idempotency_key"]) == 32
    assert 'data-testid="staff-fields"' not in body


def test_owner_reports_a_repair_at_home(client, owner, owner_unit, plumbing):
    client.force_login(owner)
    response = client.post(NEW, form_data(owner_unit, plumbing, preferred_from="2026-11-19T09:00",
                                          preferred_to="2026-11-19T12:00"))
    ticket = Ticket.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("tickets:ticket", args=[ticket.pk])
    assert ticket.unit == owner_unit and ticket.reporter_user == owner
    assert ticket.channel == Channel.APP and ticket.idempotency_key == "k-1"
    assert timezone.localtime(ticket.preferred_from).hour == 9  # Shanghai time as typed
    page = client.get(response["Location"]).content.decode()
    assert f"已提交，工单号 {ticket.number}" in page


def test_owner_reports_a_common_area_problem(client, owner, owner_unit, plumbing, community):
    building = BuildingFactory(community=community, name="3号楼", floors=18)
    client.force_login(owner)
    response = client.post(NEW, form_data(owner_unit, plumbing, where="common", unit="",
                                          building=building.pk, floor="12",
                                          location_text="电梯厅灯不亮"))
    assert response.status_code == 302
    ticket = Ticket.objects.get()
    assert ticket.unit is None and ticket.building == building and ticket.floor == 12
    assert ticket.location_text == "电梯厅灯不亮"


def test_double_submit_with_the_same_key_makes_one_ticket(client, owner, owner_unit, plumbing):
    client.force_login(owner)
    first = client.post(NEW, form_data(owner_unit, plumbing))
    second = client.post(NEW, form_data(owner_unit, plumbing))
    assert Ticket.objects.count() == 1
    assert first["Location"] == second["Location"]
    assert LogLeaf.objects.filter(event_type="tickets.ticket.submitted").count() == 1


def _refused(client, data, *messages):
    before = (Ticket.objects.count(), LogLeaf.objects.count())
    response = client.post(NEW, data)
    body = response.content.decode()
    assert response.status_code == 200
    for message in messages:
        assert message in body, message
    assert 'data-testid="form-error"' in body
    assert (Ticket.objects.count(), LogLeaf.objects.count()) == before
    return response


@pytest.mark.parametrize(("overrides", "message"), [
    ({"title": ""}, "请填写标题"),
    ({"title": "漏" * 61}, "最多 60 个字"),
    ({"description": ""}, "请描述问题"),
    ({"description": "水" * 2001}, "最多 2000 个字"),
    ({"category": ""}, "请选择类别"),
    ({"category": "abc"}, "请选择本小区有效的类别"),
    ({"kind": "party"}, "请选择类型"),
    ({"kind": None}, "请选择类型"),
    ({"where": None}, "请选择位置"),
    ({"unit": ""}, "请选择房屋"),
    ({"unit": "999999"}, "只能为本人名下或居住的房屋报事"),
    ({"where": "common", "unit": "", "building": "", "location_text": ""},
     "请选择楼栋或填写公共区域的位置"),
    ({"where": "common", "unit": "", "building": "x"}, "楼栋不属于本小区"),
    ({"where": "common", "unit": "", "location_text": "大门", "floor": "三楼"},
     "楼层必须是 -10 到 200 之间的整数"),
    ({"where": "common", "unit": "", "location_text": "大门", "floor": "900"},
     "楼层必须是 -10 到 200 之间的整数"),
    ({"location_text": "位" * 101, "where": "common", "unit": ""}, "最多 100 个字"),
    ({"preferred_from": "明天上午"}, "请输入有效的日期和时间"),
    ({"preferred_from": "2026-11-19T12:00", "preferred_to": "2026-11-19T09:00"},
     "预约结束时间应晚于开始时间"),
    ({"idempotency_key": "k" * 65}, "Ensure this value"),
])
def test_bad_input_is_refused_beside_the_field(client, owner, owner_unit, plumbing, overrides,
                                               message):
    client.force_login(owner)
    if message == "Ensure this value":  # the hidden key is not typed by people: any error will do
        _refused(client, form_data(owner_unit, plumbing, **overrides))
        return
    _refused(client, form_data(owner_unit, plumbing, **overrides), message)


def test_what_was_typed_is_kept_after_an_error(client, owner, owner_unit, plumbing):
    client.force_login(owner)
    response = _refused(client, form_data(owner_unit, plumbing, description="",
                                          title="阳台门关不上", photos=[jpeg()]), "请描述问题")
    body = response.content.decode()
    assert 'value="阳台门关不上"' in body
    assert "请重新选择照片" in body
    # the same key comes back, so the corrected form still cannot make two tickets
    assert 'value="k-1"' in body


def test_a_unit_i_do_not_live_in_is_refused(client, owner, owner_unit, plumbing, community):
    stranger = UnitFactory(building=owner_unit.building, number="102")
    client.force_login(owner)
    _refused(client, form_data(owner_unit, plumbing, unit=stranger.pk),
             "只能为本人名下或居住的房屋报事")


def test_another_communitys_category_and_building_are_refused(client, owner, owner_unit, plumbing,
                                                              other_community):
    theirs = Category.objects.create(community=other_community, name="水电", kind="repair")
    building = BuildingFactory(community=other_community)
    client.force_login(owner)
    _refused(client, form_data(owner_unit, plumbing, category=theirs.pk), "请选择本小区有效的类别")
    _refused(client, form_data(owner_unit, plumbing, where="common", unit="",
                               building=building.pk), "楼栋不属于本小区")


def test_an_inactive_category_or_the_wrong_kind_is_refused(client, owner, owner_unit, plumbing,
                                                          noise):
    client.force_login(owner)
    _refused(client, form_data(owner_unit, plumbing, category=noise.pk), "类别与类型不符")
    plumbing.is_active = False
    plumbing.save(update_fields=["is_active"])
    _refused(client, form_data(owner_unit, plumbing), "请选择本小区有效的类别")


def test_more_than_nine_photos_are_refused(client, owner, owner_unit, plumbing):
    client.force_login(owner)
    photos = [jpeg(f"p{n}.jpg") for n in range(10)]
    _refused(client, form_data(owner_unit, plumbing, photos=photos), "最多上传 9 张照片")
    assert not Upload.objects.exists()


def test_a_member_of_another_community_cannot_report_here(client, owner_other_community, plumbing,
                                                          owner_unit):
    client.force_login(owner_other_community)
    # his own community has no such category: the form says so, nothing is created
    _refused(client, form_data(owner_unit, plumbing), "请选择本小区有效的类别")


# --- photos (core.uploads) -------------------------------------------------------------------------

def test_owner_reports_with_photos(client, owner, owner_unit, plumbing):
    client.force_login(owner)
    response = client.post(NEW, form_data(owner_unit, plumbing,
                                          photos=[jpeg("a.jpg"), jpeg("b.png")]))
    assert response.status_code == 302
    ticket = Ticket.objects.get()
    photos = list(TicketPhoto.objects.filter(ticket=ticket).select_related("upload"))
    assert ticket.photo_count == 2 and len(photos) == 2
    assert all(p.upload.uploaded_by == owner for p in photos)
    thumb = client.get(reverse("tickets:photo", args=[ticket.pk, photos[0].upload_id]),
                       {"thumb": "1"})
    assert thumb.status_code == 200 and thumb["Content-Type"].startswith("image/")


def test_a_file_that_is_not_an_image_is_refused(client, owner, owner_unit, plumbing):
    client.force_login(owner)
    fake = SimpleUploadedFile("leak.jpg", b"this is not a picture", content_type="image/jpeg")
    response = _refused(client, form_data(owner_unit, plumbing, photos=[fake]))
    assert "photos" in response.context["form"].errors


# --- customer service on an owner's behalf -------------------------------------------------------

def test_reporter_search_finds_owners_and_residents(client, service, owner, resident, owner_unit):
    client.force_login(service)
    body = client.get(reverse("tickets:reporter_search"), {"unit_q": "101"}).content.decode()
    tenant = resident.persons.get()
    assert "王小明（业主）" in body and f"{tenant.name}（租户）" in body
    assert f'value="{owner_unit.pk}:{owner.persons.get().pk}"' in body
    assert f'value="{owner_unit.pk}:{tenant.pk}"' in body
    nothing = client.get(reverse("tickets:reporter_search"), {"unit_q": "不存在"})
    assert "没有找到匹配的房屋" in nothing.content.decode()


def test_owner_cannot_search_reporters(client, owner):
    client.force_login(owner)
    assert client.get(reverse("tickets:reporter_search"), {"unit_q": "101"}).status_code == 403


def test_service_registers_a_phone_call_for_an_owner(client, service, owner, owner_unit, plumbing):
    client.force_login(service)
    page = client.get(NEW).content.decode()
    assert 'data-testid="staff-fields"' in page and "电话" in page and "前台" in page
    person = owner.persons.get()
    response = client.post(NEW, form_data(owner_unit, plumbing, unit=None, channel="phone",
                                          pick=f"{owner_unit.pk}:{person.pk}", priority="urgent"))
    assert response.status_code == 302
    ticket = Ticket.objects.get()
    assert ticket.channel == Channel.PHONE and ticket.created_by == service
    assert ticket.reporter == person and ticket.reporter_user == owner
    assert ticket.unit == owner_unit and ticket.priority == "urgent"
    # the owner finds it among his tickets
    client.force_login(owner)
    assert ticket in list(client.get(LIST).context["page_obj"])


def test_service_must_pick_the_reporter_for_a_home_repair(client, service, owner_unit, plumbing):
    client.force_login(service)
    _refused(client, form_data(owner_unit, plumbing, unit=None, channel="phone"),
             "请先按房号查找并选择报事人")


def test_service_cannot_pick_another_communitys_person(client, service, owner_unit, plumbing,
                                                       owner_other_community):
    client.force_login(service)
    theirs = owner_other_community.persons.get()
    unit = theirs.ownerships.get().unit
    _refused(client, form_data(owner_unit, plumbing, unit=None, channel="counter",
                               pick=f"{unit.pk}:{theirs.pk}"), "报事人不属于本小区")
    _refused(client, form_data(owner_unit, plumbing, unit=None, channel="counter",
                               pick="1:x"), "请重新选择报事人")


def test_service_picks_a_person_who_does_not_live_in_the_unit(client, service, owner_unit,
                                                              plumbing, community):
    stranger = PersonFactory(community=community, name="陌生人")
    client.force_login(service)
    _refused(client, form_data(owner_unit, plumbing, unit=None, channel="phone",
                               pick=f"{owner_unit.pk}:{stranger.pk}"),
             "只能为本人名下或居住的房屋报事")


def test_owner_cannot_pretend_to_be_customer_service(client, owner, owner_unit, plumbing):
    client.force_login(owner)
    # the extra fields are not his: they are ignored and the ticket is his own, from the app
    client.post(NEW, form_data(owner_unit, plumbing, channel="phone", pick="1:1"))
    ticket = Ticket.objects.get()
    assert ticket.channel == Channel.APP and ticket.reporter_user == owner


def test_technician_reports_a_common_area_problem_himself(client, technician, owner_unit,
                                                          plumbing, community):
    client.force_login(technician)  # technicians do not register for owners: the plain form
    response = client.post(NEW, form_data(owner_unit, plumbing, where="common", unit="",
                                          location_text="地下车库B2入口"))
    assert response.status_code == 302
    assert Ticket.objects.get().created_by == technician


def test_a_flood_is_refused_on_the_form_keeping_the_input(client, owner, owner_unit, plumbing,
                                                          settings):
    settings.SUNLIT_TICKET_HOURLY_LIMIT = 1
    client.force_login(owner)
    first = client.post(reverse("tickets:submit"), form_data(owner_unit, plumbing))
    assert first.status_code == 302
    again = client.post(reverse("tickets:submit"),
                        form_data(owner_unit, plumbing, idempotency_key="k-2", title="又漏水了"))
    page = again.content.decode()
    assert again.status_code == 200 and "每小时最多提交 1 个工单" in page and "又漏水了" in page
    assert Ticket.objects.count() == 1
