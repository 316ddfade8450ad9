"""The tickets API: list with the queue's filters, detail with timeline and masking, idempotent
submission, photos, every workflow action, rating, categories — and bad input refused in the
uniform error shape with nothing changed."""

from __future__ import annotations

import io
import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from sunlit.core.choices import Role
from sunlit.core.models import IdempotencyKey, Membership, Upload
from sunlit.tickets import configuration
from sunlit.tickets.choices import Priority, TicketKind
from sunlit.tickets.models import Category, Ticket, TicketEvent, TicketPhoto
from sunlit.transparency.models import LogLeaf
from tests.factories import BuildingFactory, UnitFactory
from tests.tickets.conftest import MORNING

API = "/api/v1"


def call(client, method: str, path: str, data=None, **headers):
    body = json.dumps(data) if data is not None else None
    response = getattr(client, method)(f"{API}{path}", data=body,
                                       content_type="application/json", headers=headers)
    return response, (response.json() if response.content else None)


def fields_of(body) -> dict[str, str]:
    return {e["field"]: e["message"] for e in body["errors"]}


def jpeg(name="p.jpg") -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", (64, 48), (200, 80, 40)).save(buffer, "JPEG")
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/jpeg")


def put(ticket, **fields) -> Ticket:
    Ticket.objects.filter(pk=ticket.pk).update(**fields)
    return Ticket.objects.get(pk=ticket.pk)


@pytest.fixture
def login(client):
    def as_(user):
        client.force_login(user)
        return client

    return as_


@pytest.fixture
def submission(community, plumbing, owner_unit):
    def make(**overrides):
        data = {"community_id": community.pk, "kind": "repair", "category_id": plumbing.pk,
                "title": "厨房水管漏水", "description": "水槽下面的水管一直滴水",
                "unit_id": owner_unit.pk}
        data.update(overrides)
        return data

    return make


@pytest.fixture
def foreign(other_community, owner_other_community):
    from sunlit.tickets import services

    category = Category.objects.create(community=other_community, name="水电", kind=TicketKind.REPAIR)
    building = BuildingFactory(community=other_community, name="1号楼")
    unit = UnitFactory(building=building)
    ticket = services.submit_ticket(other_community, actor=owner_other_community,
                                    kind=TicketKind.REPAIR, category=category, title="外小区",
                                    description="外小区", building=building, now=MORNING)
    return {"category": category, "building": building, "unit": unit, "ticket": ticket}


def snapshot():
    return (Ticket.objects.count(), TicketEvent.objects.count(), LogLeaf.objects.count(),
            IdempotencyKey.objects.count())


# --- submit -------------------------------------------------------------------------------------


def test_owner_submits_and_gets_the_detail(login, owner, submission):
    response, body = call(login(owner), "post", "/tickets", submission())
    assert response.status_code == 201
    assert body["number"].startswith("BX-") and body["status"] == "pending"
    assert body["status_label"] == "待受理" and body["channel"] == "api"
    assert body["location"] == "1号楼-1单元-101" and body["reporter"] == "王小明"
    assert body["timeline"][0]["action"] == "submit" and body["next_due"] is not None
    assert Ticket.objects.get().created_by == owner


def test_submit_with_the_same_key_twice_gives_one_ticket_and_the_same_answer(login, owner,
                                                                             submission):
    client = login(owner)
    first, body = call(client, "post", "/tickets", submission(), **{"Idempotency-Key": "abc-1"})
    retry, again = call(client, "post", "/tickets", submission(), **{"Idempotency-Key": "abc-1"})
    assert first.status_code == retry.status_code == 201
    assert again == body and retry["Idempotent-Replayed"] == "true"
    assert Ticket.objects.count() == 1
    assert Ticket.objects.get().idempotency_key == "abc-1"
    other, _ = call(client, "post", "/tickets", submission(), **{"Idempotency-Key": "abc-2"})
    assert other.status_code == 201 and Ticket.objects.count() == 2


def test_the_same_key_with_another_body_is_refused(login, owner, submission):
    client = login(owner)
    call(client, "post", "/tickets", submission(), **{"Idempotency-Key": "k"})
    response, body = call(client, "post", "/tickets", submission(title="另一件事"),
                          **{"Idempotency-Key": "k"})
    assert response.status_code == 422 and "Idempotency-Key" in fields_of(body)
    assert Ticket.objects.count() == 1


def test_a_refused_submit_leaves_no_key_behind(login, owner, submission):
    client = login(owner)
    response, _ = call(client, "post", "/tickets", submission(title=""),
                       **{"Idempotency-Key": "retry-me"})
    assert response.status_code == 422 and not IdempotencyKey.objects.exists()
    response, _ = call(client, "post", "/tickets", submission(), **{"Idempotency-Key": "retry-me"})
    assert response.status_code == 201


@pytest.mark.parametrize(("overrides", "field"), [
    ({"title": ""}, "title"),
    ({"title": "长" * 61}, "title"),
    ({"description": "   "}, "description"),
    ({"kind": "gossip"}, "kind"),
    ({"kind": "complaint"}, "category_id"),  # 水电 is a repair category
    ({"category_id": "abc"}, "category_id"),
    ({"category_id": 999999}, "category_id"),
    ({"priority": "asap"}, "priority"),
    ({"floor": "三楼", "unit_id": None}, "floor"),
    ({"photo_ids": [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]}, "photo_ids"),
    ({"photo_ids": [424242]}, "photo_ids"),
    ({"preferred_from": "明天上午"}, "preferred_from"),
    ({"unit_id": None}, "location_text"),  # neither a unit nor a common area
])
def test_bad_submissions_are_refused_with_field_errors(login, owner, submission, overrides, field):
    before = snapshot()
    response, body = call(login(owner), "post", "/tickets", submission(**overrides),
                          **{"Idempotency-Key": "bad"})
    assert response.status_code == 422, body
    assert field in fields_of(body), body
    assert snapshot() == before


def test_missing_fields_are_named(login, owner, community):
    response, body = call(login(owner), "post", "/tickets", {"community_id": community.pk})
    assert response.status_code == 422
    assert {"kind", "category_id", "title", "description"} <= set(fields_of(body))


def test_another_communitys_ids_are_refused(login, owner, submission, foreign, other_community):
    client = login(owner)
    before = snapshot()
    for overrides, field in (({"category_id": foreign["category"].pk}, "category_id"),
                             ({"unit_id": foreign["unit"].pk}, "unit_id"),
                             ({"unit_id": None, "building_id": foreign["building"].pk},
                              "building_id")):
        response, body = call(client, "post", "/tickets", submission(**overrides))
        assert response.status_code == 422 and field in fields_of(body), body
    response, body = call(client, "post", "/tickets",
                          submission(community_id=other_community.pk))
    assert response.status_code == 404
    assert snapshot() == before


def test_a_neighbours_unit_is_refused(login, neighbour, submission):
    before = snapshot()
    response, body = call(login(neighbour), "post", "/tickets", submission())
    assert response.status_code == 422 and "unit_id" in fields_of(body)
    assert snapshot() == before


def test_service_registers_a_phone_call_for_an_owner(login, service, owner, submission, community):
    person = owner.persons.get()
    response, body = call(login(service), "post", "/tickets",
                          submission(channel="phone", reporter_id=person.pk))
    assert response.status_code == 201, body
    assert body["channel"] == "phone" and body["reporter"] == "王小明"
    ticket = Ticket.objects.get()
    assert ticket.reporter == person and ticket.reporter_user == owner


def test_owners_cannot_register_for_others(login, owner, neighbour, submission, community):
    from sunlit.core.models import Person

    someone = Person.objects.create(community=community, name="赵大爷")
    response, _ = call(login(neighbour), "post", "/tickets",
                       submission(channel="phone", reporter_id=someone.pk, unit_id=None,
                                  location_text="东门"))
    assert response.status_code == 403 and not Ticket.objects.exists()


def test_photos_are_uploaded_then_attached(login, owner, submission, community):
    client = login(owner)
    response = client.post(f"{API}/tickets/photos",
                           {"community_id": community.pk, "photos": [jpeg(), jpeg("b.png")]})
    assert response.status_code == 201, response.content
    uploads = response.json()
    assert len(uploads) == 2 and all(len(u["sha256"]) == 64 for u in uploads)
    ids = [u["id"] for u in uploads]
    response, body = call(client, "post", "/tickets", submission(photo_ids=ids))
    assert response.status_code == 201, body
    assert body["photo_count"] == 2 and [p["upload_id"] for p in body["photos"]] == ids
    assert TicketPhoto.objects.count() == 2
    # the same photos cannot go on a second ticket
    response, body = call(client, "post", "/tickets", submission(photo_ids=ids))
    assert response.status_code == 422 and "photo_ids" in fields_of(body)


def test_non_images_are_refused_on_upload(login, owner, community):
    fake = SimpleUploadedFile("x.jpg", b"not an image at all", content_type="image/jpeg")
    response = login(owner).post(f"{API}/tickets/photos",
                                 {"community_id": community.pk, "photos": [fake]})
    assert response.status_code == 422
    assert "photos" in fields_of(response.json()) and not Upload.objects.exists()


def test_someone_elses_upload_cannot_be_attached(login, owner, neighbour, submission, community):
    response = login(neighbour).post(f"{API}/tickets/photos",
                                     {"community_id": community.pk, "photos": [jpeg()]})
    theirs = response.json()[0]["id"]
    response, body = call(login(owner), "post", "/tickets", submission(photo_ids=[theirs]))
    assert response.status_code == 422 and "photo_ids" in fields_of(body)


# --- list and detail ----------------------------------------------------------------------------


@pytest.fixture
def tickets(submit, noise, technician_member, community):
    east = BuildingFactory(community=community, name="5号楼")
    return {
        "home": submit(),
        "common": submit(kind=TicketKind.COMPLAINT, category=noise, title="楼道噪音", unit=None,
                         building=east, floor=3),
        "assigned": put(submit(title="卫生间堵塞"), status="dispatched",
                        assignee=technician_member),
        "closed": put(submit(title="已撤销"), status="withdrawn", closed_at=MORNING),
    }


def listed(client, query="") -> tuple[int, list[str]]:
    response, body = call(client, "get", f"/tickets{query}")
    assert response.status_code == 200, body
    return body["count"], [item["number"] for item in body["items"]]


def test_staff_list_uses_the_queue_filters(login, dispatcher, tickets, foreign):
    client = login(dispatcher)
    count, _numbers = listed(client)
    assert count == 4 and foreign["ticket"].pk not in [t["id"] for t in call(
        client, "get", "/tickets")[1]["items"]]
    assert listed(client, "?kind=complaint")[1] == [tickets["common"].number]
    assert listed(client, "?scope=open")[0] == 3
    assert listed(client, "?status=dispatched&status=withdrawn")[0] == 2
    assert listed(client, f"?building={tickets['common'].building_id}")[1] == [
        tickets["common"].number]
    assert listed(client, "?assignee=none&scope=open")[0] == 2
    assert listed(client, "?limit=1&offset=1")[0] == 4
    assert len(listed(client, "?limit=1")[1]) == 1


def test_list_refuses_bad_and_foreign_filter_values(login, dispatcher, tickets, foreign):
    client = login(dispatcher)
    for query, field in ((f"?category={foreign['category'].pk}", "category"),
                         ("?risk=someday", "risk"), ("?limit=0", "limit"),
                         ("?status=lost", "status"), ("?created_after=yesterday", "created_after")):
        response, body = call(client, "get", f"/tickets{query}")
        assert response.status_code == 422, (query, body)
        assert any(name.split(".")[0] == field for name in fields_of(body)), (query, body)


def test_owners_list_their_own_and_common_area_tickets_masked(login, neighbour, owner, tickets):
    _count, numbers = listed(login(neighbour))
    assert numbers == [tickets["common"].number]
    item = call(login(neighbour), "get", "/tickets")[1]["items"][0]
    assert item["reporter"] == "王*明"
    assert listed(login(owner))[0] == 4  # all four are his


def test_technician_lists_only_assigned_and_common_area(login, technician, tickets):
    numbers = set(listed(login(technician))[1])
    assert numbers == {tickets["assigned"].number, tickets["common"].number}


def test_detail_masks_the_reporter_and_hides_internal_steps_from_members(
        login, neighbour, dispatcher, service, tickets):
    ticket = tickets["common"]
    from sunlit.tickets import services

    services.accept_ticket(ticket, actor=service, note="内部：先看监控")
    TicketEvent.objects.filter(ticket=ticket, action="accept").update(is_public=False)
    response, body = call(login(neighbour), "get", f"/tickets/{ticket.pk}")
    assert response.status_code == 200
    assert body["reporter"] == "王*明" and body["reporter_info"] == {
        "person_id": None, "name": "王*明", "mobile": ""}
    assert [e["action"] for e in body["timeline"]] == ["submit"]
    assert body["timeline"][0]["actor"] == "王*明"
    assert body["allowed_actions"] == []
    response, body = call(login(dispatcher), "get", f"/tickets/{ticket.pk}")
    assert body["reporter"] == "王小明" and body["reporter_info"]["person_id"] is not None
    assert [e["action"] for e in body["timeline"]] == ["submit", "accept"]
    assert "dispatch" in body["allowed_actions"]


def test_another_communitys_or_a_neighbours_ticket_is_404(login, neighbour, dispatcher, tickets,
                                                          foreign):
    assert call(login(dispatcher), "get", f"/tickets/{foreign['ticket'].pk}")[0].status_code == 404
    assert call(login(neighbour), "get", f"/tickets/{tickets['home'].pk}")[0].status_code == 404
    response, body = call(login(dispatcher), "post",
                          f"/tickets/{foreign['ticket'].pk}/actions/accept", {})
    assert response.status_code == 404 and body["detail"] == "未找到"
    assert Ticket.objects.get(pk=foreign["ticket"].pk).status == "pending"


def test_unauthenticated_calls_are_401(client, tickets):
    assert call(client, "get", "/tickets")[0].status_code == 401


def test_categories_with_effective_targets(login, owner, manager, plumbing, noise, community):
    configuration.set_sla_target(plumbing, Priority.URGENT, actor=manager, accept_minutes=5,
                                 arrive_minutes=30, resolve_minutes=None)
    configuration.update_category(noise, actor=manager, name="噪音扰民", department=None,
                                  default_priority="normal", is_active=False, auto_dispatch=False)
    response, body = call(login(owner), "get", f"/tickets/categories?community_id={community.pk}")
    assert response.status_code == 200
    assert [c["name"] for c in body] == ["水电"]  # inactive ones only for managers
    urgent = body[0]["targets"]["urgent"]
    assert urgent["is_default"] is False and urgent["accept"]["minutes"] == 5
    assert urgent["resolve"] is None
    normal = body[0]["targets"]["normal"]
    assert normal["is_default"] is True and normal["arrive"]["minutes"] == 120
    assert normal["resolve"]["calendar"] == "working"
    response, body = call(login(manager), "get",
                          f"/tickets/categories?community_id={community.pk}&include_inactive=true")
    assert {c["name"] for c in body} == {"水电", "噪音扰民"}


def test_categories_of_another_community_are_404(login, owner, other_community):
    response, _ = call(login(owner), "get", f"/tickets/categories?community_id={other_community.pk}")
    assert response.status_code == 404


# --- actions ------------------------------------------------------------------------------------


def act(client, ticket, action, data=None):
    return call(client, "post", f"/tickets/{ticket.pk}/actions/{action}",
                data if data is not None else {})


def test_the_whole_loop_through_the_api(login, owner, service, dispatcher, technician,
                                        technician_member, submission):
    _, body = call(login(owner), "post", "/tickets", submission())
    ticket = Ticket.objects.get(pk=body["id"])
    response, body = act(login(service), ticket, "accept", {"note": "已受理"})
    assert response.status_code == 200 and body["status"] == "accepted"
    response, body = act(login(dispatcher), ticket, "dispatch",
                         {"to": technician_member.pk, "note": "请今天上门"})
    assert body["status"] == "dispatched" and body["assignee"]["job_number"] == "G007"
    client = login(technician)
    photo = client.post(f"{API}/tickets/photos",
                        {"community_id": ticket.community_id, "photos": [jpeg()]}).json()[0]
    response, body = act(client, ticket, "arrive", {"photo_ids": [photo["id"]]})
    assert body["status"] == "on_site"
    response, body = act(client, ticket, "resolve", {
        "note": "换了水管", "labor_minutes": 40,
        "materials": [{"name": "PPR 水管", "quantity": "1.5", "unit": "米"}]})
    assert response.status_code == 200, body
    assert body["status"] == "resolved"
    assert ticket.materials.get().name == "PPR 水管"
    response, body = act(login(service), ticket, "follow_up", {"note": "业主满意"})
    assert body["status"] == "followed_up"
    response, body = call(login(owner), "post", f"/tickets/{ticket.pk}/rate",
                          {"rating": 5, "comment": "很快"})
    assert response.status_code == 200 and body["rating"] == 5
    response, body = act(login(service), ticket, "archive")
    assert body["status"] == "archived" and body["next_due"] is None
    assert [e["action"] for e in body["timeline"]] == [
        "submit", "accept", "dispatch", "arrive", "resolve", "follow_up", "rate", "archive"]


def test_suspend_resume_mark_unresolvable(login, technician, dispatcher, ticket_in):
    ticket = ticket_in("on_site")
    client = login(technician)
    response, body = act(client, ticket, "suspend", {})
    assert response.status_code == 422 and "reason" in fields_of(body)
    response, body = act(client, ticket, "suspend", {"reason": "业主不在家"})
    assert body["status"] == "suspended" and body["paused"] is True
    response, body = act(client, ticket, "resume")
    assert body["status"] == "on_site" and body["paused"] is False
    response, body = act(login(dispatcher), ticket, "mark_unresolvable",
                         {"reason": "需开发商维修"})
    assert body["status"] == "unresolvable" and body["public_reason"] == "需开发商维修"


def test_withdraw_and_reopen_by_the_owner(login, owner, ticket_in, submit):
    response, body = act(login(owner), submit(), "withdraw", {"note": "已自行修好"})
    assert body["status"] == "withdrawn"
    resolved = ticket_in("resolved", resolved_at=Ticket.objects.first().created_at.now(
        tz=MORNING.tzinfo))
    response, body = act(login(owner), resolved, "reopen", {"reason": "还在漏"})
    assert response.status_code == 200, body
    assert body["status"] == "reopened" and body["reopened_count"] == 1


def test_auto_dispatch_and_quotes(login, dispatcher, technician, owner, technician_member,
                                  submit, manager):
    from django.utils import timezone

    ticket = submit()
    configuration.add_shift(technician_member, actor=manager,
                            starts_at=timezone.now() - timezone.timedelta(hours=1),
                            ends_at=timezone.now() + timezone.timedelta(hours=1))
    response, body = act(login(dispatcher), ticket, "auto_dispatch")
    assert response.status_code == 200, body
    assert body["assignee"]["job_number"] == "G007"
    Ticket.objects.filter(pk=ticket.pk).update(is_chargeable=True)
    response, body = act(login(technician), ticket, "quote", {})
    assert response.status_code == 422 and "amount" in fields_of(body)
    response, body = act(login(technician), ticket, "quote",
                         {"amount": "120.00", "items": [{"name": "人工", "amount": "120.00"}]})
    assert response.status_code == 200, body
    response, body = act(login(owner), ticket, "accept_quote", {"note": "同意"})
    assert response.status_code == 200, body
    assert ticket.quotes.get().status == "accepted"


@pytest.mark.parametrize(("persona", "action", "status"), [
    ("owner", "accept", 403),
    ("owner", "dispatch", 403),
    ("technician", "accept", 404),  # not assigned to him: he does not see it
    ("neighbour", "withdraw", 404),  # an in-home ticket of someone else: not even visible
    ("service", "arrive", 403),
])
def test_refused_actions_change_nothing(login, request, submit, persona, action, status,
                                        technician_member):
    ticket = submit()
    before = snapshot()
    response, body = act(login(request.getfixturevalue(persona)), ticket, action,
                         {"to": technician_member.pk})
    assert response.status_code == status, body
    assert snapshot() == before and Ticket.objects.get(pk=ticket.pk).status == "pending"


def test_actions_not_possible_now_are_field_errors(login, service, ticket_in):
    ticket = ticket_in("archived")
    before = snapshot()
    response, body = act(login(service), ticket, "accept")
    assert response.status_code == 422 and "status" in fields_of(body)
    assert snapshot() == before


@pytest.mark.parametrize(("data", "field"), [
    ({}, "to"),
    ({"to": "张师傅"}, "to"),
    ({"to": 999999}, "to"),
    ({"note": "长" * 501, "to": 1}, "note"),
])
def test_bad_dispatch_input(login, dispatcher, submit, data, field):
    ticket = submit()
    before = snapshot()
    response, body = act(login(dispatcher), ticket, "dispatch", data)
    assert response.status_code == 422 and field in fields_of(body), body
    assert snapshot() == before


def test_dispatch_to_a_member_of_another_community(login, dispatcher, submit, make_member,
                                                   other_community):
    stranger = Membership.objects.get(user=make_member(Role.TECHNICIAN, other_community))
    ticket = submit()
    response, body = act(login(dispatcher), ticket, "dispatch", {"to": stranger.pk})
    assert response.status_code == 422 and "to" in fields_of(body)
    assert Ticket.objects.get(pk=ticket.pk).assignee is None


def test_unknown_action_is_refused(login, service, submit):
    response, body = act(login(service), submit(), "teleport")
    assert response.status_code == 422 and "action" in fields_of(body)


@pytest.mark.parametrize(("data", "field"), [
    ({"rating": 6}, "rating"),
    ({"rating": 0}, "rating"),
    ({"rating": "五"}, "rating"),
    ({}, "rating"),
    ({"rating": 3, "comment": "长" * 501}, "comment"),
])
def test_bad_ratings_are_refused(login, owner, ticket_in, data, field):
    ticket = ticket_in("resolved")
    before = snapshot()
    response, body = call(login(owner), "post", f"/tickets/{ticket.pk}/rate", data)
    assert response.status_code == 422 and field in fields_of(body), body
    assert snapshot() == before and Ticket.objects.get(pk=ticket.pk).rating is None


def test_low_rating_flags_manager_review(login, owner, ticket_in, dispatcher):
    ticket = ticket_in("resolved")
    call(login(owner), "post", f"/tickets/{ticket.pk}/rate", {"rating": 1})
    assert listed(login(dispatcher), "?needs_review=true")[1] == [ticket.number]


def test_a_flood_of_submissions_is_refused_with_a_clear_error(login, owner, submission, settings):
    settings.SUNLIT_TICKET_HOURLY_LIMIT = 2
    client = login(owner)
    for n in range(2):
        response, _body = call(client, "post", "/tickets", submission(), **{"Idempotency-Key": f"f{n}"})
        assert response.status_code == 201
    response, body = call(client, "post", "/tickets", submission(), **{"Idempotency-Key": "f2"})
    assert response.status_code in (400, 422)
    assert "每小时最多提交 2 个工单" in json.dumps(body, ensure_ascii=False)
    assert Ticket.objects.count() == 2
