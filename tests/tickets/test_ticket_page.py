"""The ticket page for every role, and every action through HTTP (refusals change nothing)."""

from __future__ import annotations

import datetime as dt
import io

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from sunlit.core.choices import Role
from sunlit.tickets import services
from sunlit.tickets.choices import QuoteStatus, TicketKind
from sunlit.tickets.models import MaterialUse, Ticket, TicketEvent, TicketPhoto
from sunlit.transparency.models import LogLeaf
from tests.conftest import HOSTILE_NEXT
from tests.factories import MembershipFactory, OwnershipFactory, PersonFactory, UserFactory
from tests.tickets.conftest import MORNING

pytestmark = pytest.mark.django_db

SOON = MORNING + dt.timedelta(minutes=20)


@pytest.fixture(autouse=True)
def _morning():
    with time_machine.travel(SOON, tick=False):
        yield


def page(ticket):
    return reverse("tickets:ticket", args=[ticket.pk])


def act(ticket, action):
    return reverse("tickets:act", args=[ticket.pk, action])


def jpeg(name="done.jpg", size=(40, 30)) -> SimpleUploadedFile:
    from PIL import Image

    buffer = io.BytesIO()
    Image.radial_gradient("L").convert("RGB").resize(size).save(buffer, "JPEG")
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/jpeg")


def snapshot(ticket) -> tuple:
    ticket.refresh_from_db()
    return (ticket.status, ticket.assignee_id, ticket.rating, ticket.updated_at,
            TicketEvent.objects.filter(ticket=ticket).count(), LogLeaf.objects.count())


# --- the page for each role ----------------------------------------------------------------------

def test_reporter_sees_header_promises_timeline_proof_and_his_actions(client, owner, submit):
    ticket = submit()
    client.force_login(owner)
    response = client.get(page(ticket))
    body = response.content.decode()
    assert response.status_code == 200
    assert ticket.number in body and "厨房水管漏水" in body and "待受理" in body
    assert "水槽下面的水管一直滴水" in body and "1号楼-1单元-101" in body
    assert "王小明" in body  # his own name, unmasked
    assert "服务承诺时限" in body and "剩余 10分钟" in body  # accept within 30 minutes
    assert "处理进度" in body and 'data-testid="event-submit"' in body
    assert "已存证" in body  # the submission is on the log
    assert response.context["actions"] == ["withdraw"]
    assert 'data-testid="action-withdraw"' in body and 'data-testid="action-accept"' not in body


# withdrawing is the owner's own decision: staff are not offered it on a ticket he reported
# himself in the app (docs/security.md, rule a)
@pytest.mark.parametrize(("persona", "expected"), [
    ("service", ["accept"]),
    ("dispatcher", ["accept", "dispatch", "auto_dispatch"]),
    ("manager", ["accept", "dispatch", "auto_dispatch"]),
    ("auditor", []),
])
def test_staff_see_the_reporter_and_exactly_their_actions(client, request, submit, persona,
                                                          expected):
    ticket = submit()
    client.force_login(request.getfixturevalue(persona))
    response = client.get(page(ticket))
    body = response.content.decode()
    assert response.status_code == 200
    assert response.context["actions"] == expected
    assert "王小明" in body and "138" in body  # name and masked mobile for staff
    for action in expected:
        assert f'data-testid="action-{action}"' in body


def test_assigned_technician_sees_arrive_and_another_technician_gets_404(
        client, technician, other_technician, ticket_in):
    ticket = ticket_in("dispatched")
    client.force_login(technician)
    response = client.get(page(ticket))
    assert response.status_code == 200
    assert "arrive" in response.context["actions"] and "propose_quote" in response.context["actions"]
    assert "处理人" in response.content.decode() and "G007" in response.content.decode()
    client.force_login(other_technician)
    assert client.get(page(ticket)).status_code == 404


def test_neighbour_sees_common_area_ticket_masked_without_internal_steps(
        client, neighbour, owner, submit, noise, dispatcher):
    ticket = submit(kind=TicketKind.COMPLAINT, category=noise, unit=None,
                    location_text="3号楼楼下", title="夜间施工噪音")
    services.accept_ticket(ticket, actor=dispatcher, note="已联系施工方")
    TicketEvent.objects.filter(ticket=ticket, action="accept").update(is_public=False)
    client.force_login(neighbour)
    response = client.get(page(ticket))
    body = response.content.decode()
    assert response.status_code == 200
    assert "王*明" in body and "王小明" not in body
    assert "已联系施工方" not in body and 'data-testid="event-accept"' not in body
    assert response.context["actions"] == []
    client.force_login(dispatcher)
    assert "已联系施工方" in client.get(page(ticket)).content.decode()


def test_another_owners_home_ticket_and_another_community_are_404(
        client, neighbour, owner_other_community, submit):
    ticket = submit()
    for user in (neighbour, owner_other_community):
        client.force_login(user)
        assert client.get(page(ticket)).status_code == 404
        assert client.post(act(ticket, "withdraw")).status_code == 404
    assert Ticket.objects.get(pk=ticket.pk).status == "pending"


def test_missing_ticket_is_404(client, owner):
    client.force_login(owner)
    assert client.get(reverse("tickets:ticket", args=[999999])).status_code == 404


def test_promises_show_met_missed_and_overdue(client, owner, ticket_in):
    ticket = ticket_in("on_site", accepted_at=MORNING + dt.timedelta(minutes=5), met_accept=True,
                       arrived_at=MORNING + dt.timedelta(hours=3), met_arrive=False,
                       due_resolve=MORNING + dt.timedelta(minutes=10))
    client.force_login(owner)
    response = client.get(page(ticket))
    states = {p.step: p.state for p in response.context["promises"]}
    assert states == {"accept": "met", "arrive": "missed", "resolve": "overdue"}
    body = response.content.decode()
    assert "✓ 按时" in body and "✗ 超时" in body and "已超时 10分钟" in body


def test_suspended_ticket_shows_the_clock_paused(client, owner, ticket_in):
    ticket = ticket_in("suspended")
    client.force_login(owner)
    body = client.get(page(ticket)).content.decode()
    assert "挂起中，暂停计时" in body and "暂停计时，剩余" in body


# --- every action through HTTP -------------------------------------------------------------------

@pytest.mark.parametrize(("status", "persona", "action", "data", "after"), [
    ("pending", "dispatcher", "accept", {"note": "马上安排"}, "accepted"),
    ("dispatched", "technician", "arrive", {}, "on_site"),
    ("on_site", "technician", "resolve", {"note": "换了角阀"}, "resolved"),
    ("resolved", "service", "follow_up", {"note": "业主满意"}, "followed_up"),
    ("followed_up", "service", "archive", {}, "archived"),
    ("pending", "owner", "withdraw", {"note": "自己修好了"}, "withdrawn"),
    ("dispatched", "dispatcher", "mark_unresolvable", {"reason": "属开发商保修范围"}, "unresolvable"),
    ("resolved", "owner", "reopen", {"reason": "还在漏水"}, "reopened"),
    ("on_site", "technician", "suspend", {"reason": "等配件"}, "suspended"),
    ("suspended", "technician", "resume", {}, "on_site"),
])
def test_each_action_through_http(client, request, ticket_in, status, persona, action, data, after):
    ticket = ticket_in(status)
    client.force_login(request.getfixturevalue(persona))
    response = client.post(act(ticket, action), data)
    assert response.status_code == 302 and response["Location"] == page(ticket)
    ticket.refresh_from_db()
    assert ticket.status == after
    event = ticket.events.order_by("-at", "-id").first()
    assert event.action == action
    assert event.note == (data.get("note") or data.get("reason") or "")
    followed = client.get(response["Location"]).content.decode()
    assert ticket.number in followed  # the message after the redirect
    if action == "mark_unresolvable":
        assert ticket.public_reason == "属开发商保修范围"


def test_dispatcher_assigns_from_the_page(client, dispatcher, submit, technician_member):
    ticket = submit()
    client.force_login(dispatcher)
    body = client.get(page(ticket)).content.decode()
    # field staff grouped by their department, each with whether on shift and the tasks in hand
    assert f'<optgroup label="{technician_member.department.name}">' in body and "G007" in body
    assert "不在岗 · 手上 0 单" in body
    response = client.post(act(ticket, "dispatch"), {"to": technician_member.pk, "note": "尽快"})
    assert response.status_code == 302
    ticket.refresh_from_db()
    assert ticket.status == "dispatched" and ticket.assignee == technician_member
    assert "派给" in client.get(page(ticket)).content.decode()


def test_dispatch_to_someone_outside_the_community_is_refused(client, dispatcher, submit,
                                                             other_community):
    stranger = UserFactory(username="elsewhere")
    outsider = MembershipFactory(user=stranger, community=other_community, role=Role.TECHNICIAN)
    ticket = submit()
    before = snapshot(ticket)
    client.force_login(dispatcher)
    response = client.post(act(ticket, "dispatch"), {"to": outsider.pk})
    assert response.status_code == 400
    assert "只能派给本小区在岗的工作人员" in response.content.decode()
    assert snapshot(ticket) == before


def test_auto_dispatch_without_anyone_on_duty_says_so(client, dispatcher, submit):
    ticket = submit()
    before = snapshot(ticket)
    client.force_login(dispatcher)
    response = client.post(act(ticket, "auto_dispatch"))
    assert response.status_code == 400 and "请手动派单" in response.content.decode()
    assert snapshot(ticket) == before


def test_resolve_with_photos_materials_and_time(client, technician, ticket_in):
    ticket = ticket_in("on_site")
    client.force_login(technician)
    response = client.post(act(ticket, "resolve"), {
        "note": "更换角阀", "labor_minutes": "45", "photos": [jpeg("a.jpg"), jpeg("b.jpg")],
        "material_name": ["角阀", ""], "material_quantity": ["1", ""], "material_unit": ["个", ""],
        "material_price": ["", ""]})
    assert response.status_code == 302, response.content.decode()[:2000]
    ticket.refresh_from_db()
    assert ticket.status == "resolved" and ticket.labor_minutes == 45
    event = ticket.events.get(action="resolve")
    assert TicketPhoto.objects.filter(event=event).count() == 2
    assert [m.name for m in MaterialUse.objects.filter(ticket=ticket)] == ["角阀"]
    body = client.get(page(ticket)).content.decode()
    photo = TicketPhoto.objects.filter(event=event).first()
    assert reverse("tickets:photo", args=[ticket.pk, photo.upload_id]) in body
    assert "角阀" in body and "用时 45分钟" in body


def test_resolve_bad_input_keeps_what_was_typed(client, technician, ticket_in):
    ticket = ticket_in("on_site")
    before = snapshot(ticket)
    client.force_login(technician)
    response = client.post(act(ticket, "resolve"), {
        "note": "更换角阀", "labor_minutes": "-5", "material_name": ["角阀"],
        "material_quantity": ["很多"], "material_unit": ["个"], "material_price": [""]})
    body = response.content.decode()
    assert response.status_code == 400 and "用时不能为负数" in body
    assert 'value="很多"' in body and "更换角阀" in body
    assert snapshot(ticket) == before
    # a bad quantity is the service's to refuse
    response = client.post(act(ticket, "resolve"), {
        "material_name": ["角阀"], "material_quantity": ["很多"], "material_unit": ["个"],
        "material_price": [""]})
    assert response.status_code == 400 and "数量必须是数字" in response.content.decode()
    assert snapshot(ticket) == before


def test_a_photo_that_is_not_an_image_is_refused_at_resolve(client, technician, ticket_in):
    ticket = ticket_in("on_site")
    before = snapshot(ticket)
    client.force_login(technician)
    fake = SimpleUploadedFile("x.jpg", b"GIF89a nope", content_type="image/jpeg")
    response = client.post(act(ticket, "resolve"), {"photos": [fake]})
    assert response.status_code == 400
    assert snapshot(ticket) == before


# --- refusals --------------------------------------------------------------------------------------

@pytest.mark.parametrize(("status", "persona", "action", "data", "code", "message"), [
    ("pending", "owner", "accept", {}, 403, "您没有执行此操作的权限"),
    ("pending", "technician", "arrive", {}, 404, None),  # not assigned: not even visible
    ("accepted", "dispatcher", "arrive", {}, 400, "不能到场"),
    ("on_site", "owner", "withdraw", {}, 400, "不能撤销"),
    ("on_site", "technician", "suspend", {"reason": ""}, 400, "请填写原因"),
    ("resolved", "owner", "reopen", {"reason": "  "}, 400, "请填写原因"),
    ("resolved", "service", "follow_up", {"note": ""}, 400, "请填写回访结果"),
    ("pending", "dispatcher", "dispatch", {"to": "abc"}, 400, "只能派给本小区在岗的工作人员"),
    ("pending", "dispatcher", "dispatch", {}, 400, "请选择处理人"),
    ("dispatched", "owner", "mark_unresolvable", {"reason": "不想修"}, 403, "您没有执行此操作的权限"),
    ("resolved", "owner", "rate", {"rating": "6"}, 400, "评分应为 1 到 5 分"),
    ("resolved", "owner", "rate", {"rating": "0"}, 400, "评分应为 1 到 5 分"),
    ("resolved", "owner", "rate", {"rating": "五星"}, 400, "评分应为 1 到 5 分"),
    ("resolved", "owner", "rate", {}, 400, "请选择评分"),
    ("pending", "owner", "rate", {"rating": "5"}, 400, "工单处理完成后才能评价"),
    ("resolved", "neighbour", "rate", {"rating": "1"}, 404, None),
    ("on_site", "technician", "suspend", {"reason": "等" * 501}, 400, "最多 500 个字"),
])
def test_refused_actions_change_nothing(client, request, ticket_in, status, persona, action,
                                        data, code, message):
    ticket = ticket_in(status)
    if persona == "technician" and code == 404:
        Ticket.objects.filter(pk=ticket.pk).update(assignee=None)
    before = snapshot(ticket)
    client.force_login(request.getfixturevalue(persona))
    response = client.post(act(ticket, action), data)
    assert response.status_code == code
    if message:
        assert message in response.content.decode()
    assert snapshot(ticket) == before


def test_reopen_after_the_window_is_refused(client, owner, ticket_in):
    ticket = ticket_in("resolved", resolved_at=MORNING - dt.timedelta(days=8))
    before = snapshot(ticket)
    client.force_login(owner)
    assert "reopen" not in client.get(page(ticket)).context["actions"]
    response = client.post(act(ticket, "reopen"), {"reason": "又坏了"})
    assert response.status_code == 400 and "已超过可重新打开的期限" in response.content.decode()
    assert snapshot(ticket) == before


def test_unknown_action_is_404_and_get_is_405(client, owner, submit):
    ticket = submit()
    client.force_login(owner)
    assert client.post(act(ticket, "explode")).status_code == 404
    assert client.get(act(ticket, "withdraw")).status_code == 405


def test_htmx_refusal_swaps_the_panel_and_success_redirects(client, service, ticket_in):
    ticket = ticket_in("resolved")
    client.force_login(service)
    refused = client.post(act(ticket, "follow_up"), {"note": ""}, HTTP_HX_REQUEST="true")
    body = refused.content.decode()
    assert refused.status_code == 200 and "<html" not in body
    assert 'id="ticket-actions"' in body and "请填写回访结果" in body
    done = client.post(act(ticket, "follow_up"), {"note": "满意"}, HTTP_HX_REQUEST="true")
    assert done.status_code == 200 and done["HX-Redirect"] == page(ticket)


def test_next_returns_to_a_page_of_ours_only(client, technician, ticket_in):
    first, second = ticket_in("dispatched"), ticket_in("dispatched")
    client.force_login(technician)
    back = client.post(act(first, "arrive"), {"next": "/tickets/?tab=mine"})
    assert back["Location"] == "/tickets/?tab=mine"
    evil = client.post(act(second, "arrive"), {"next": "https://evil.example/"})
    assert evil["Location"] == page(second)

@pytest.mark.parametrize("evil", HOSTILE_NEXT)
def test_next_never_leads_to_another_site(client, technician, ticket_in, evil):
    ticket = ticket_in("dispatched")
    client.force_login(technician)
    assert client.post(act(ticket, "arrive"), {"next": evil})["Location"] == page(ticket)


# --- rating -----------------------------------------------------------------------------------------

def test_owner_rates_five_once(client, owner, ticket_in):
    ticket = ticket_in("resolved")
    client.force_login(owner)
    body = client.get(page(ticket)).content.decode()
    assert 'data-testid="action-rate"' in body and "5 星" in body
    response = client.post(act(ticket, "rate"), {"rating": "5", "comment": "师傅很专业"})
    assert response.status_code == 302
    ticket.refresh_from_db()
    assert ticket.rating == 5 and ticket.rating_comment == "师傅很专业"
    after = client.get(page(ticket))
    assert "rate" not in after.context["actions"] and "师傅很专业" in after.content.decode()
    before = snapshot(ticket)
    again = client.post(act(ticket, "rate"), {"rating": "1"})
    assert again.status_code == 400 and "已经评价过了" in again.content.decode()
    assert snapshot(ticket) == before


def test_a_low_rating_is_flagged_for_the_manager(client, owner, manager, ticket_in):
    ticket = ticket_in("followed_up")
    client.force_login(owner)
    client.post(act(ticket, "rate"), {"rating": "2", "comment": "态度差"})
    ticket.refresh_from_db()
    assert ticket.needs_manager_review
    client.force_login(manager)
    assert "低分待经理复核" in client.get(page(ticket)).content.decode()


# --- quotes -----------------------------------------------------------------------------------------

def test_quote_proposed_by_technician_and_accepted_by_owner(client, owner, technician, ticket_in):
    ticket = ticket_in("on_site")
    client.force_login(technician)
    refused = client.post(act(ticket, "propose_quote"), {"amount": "-1"})
    assert refused.status_code == 400 and "报价金额应大于 0" in refused.content.decode()
    assert client.post(act(ticket, "propose_quote"),
                       {"amount": "85.50", "note": "更换角阀"}).status_code == 302
    client.force_login(owner)
    view = client.get(page(ticket))
    assert {"accept_quote", "reject_quote"} <= set(view.context["actions"])
    assert "¥85.50" in view.content.decode()
    assert client.post(act(ticket, "accept_quote")).status_code == 302
    assert ticket.quotes.get().status == QuoteStatus.ACCEPTED
    again = client.post(act(ticket, "reject_quote"))
    assert again.status_code == 400 and "该报价已处理" in again.content.decode()


def test_owner_rejects_a_quote(client, owner, technician, ticket_in):
    ticket = ticket_in("dispatched")
    services.propose_quote(ticket, actor=technician, amount="120.00")
    client.force_login(owner)
    assert client.post(act(ticket, "reject_quote"), {"note": "太贵"}).status_code == 302
    quote = ticket.quotes.get()
    assert quote.status == QuoteStatus.REJECTED and quote.decision_note == "太贵"


def test_neighbour_cannot_decide_a_quote(client, neighbour, technician, ticket_in):
    ticket = ticket_in("dispatched")
    services.propose_quote(ticket, actor=technician, amount="120.00")
    client.force_login(neighbour)
    assert client.post(act(ticket, "accept_quote")).status_code == 404
    assert ticket.quotes.get().status == QuoteStatus.PENDING


# --- photos -----------------------------------------------------------------------------------------

def test_photos_are_served_after_the_access_check(client, owner, neighbour, dispatcher,
                                                  submit, owner_unit):
    from sunlit.core.uploads import store_images

    uploads = store_images([jpeg(size=(1600, 1200))], community=owner_unit.community, actor=owner)
    ticket = submit(photos=uploads)
    url = reverse("tickets:photo", args=[ticket.pk, uploads[0].pk])
    client.force_login(owner)
    assert client.get(url).status_code == 200
    full, thumb = client.get(url), client.get(url, {"thumb": "1"})
    assert len(b"".join(thumb.streaming_content)) < len(b"".join(full.streaming_content))
    assert client.get(reverse("tickets:photo", args=[ticket.pk, 999999])).status_code == 404
    client.force_login(neighbour)
    assert client.get(url).status_code == 404
    # an internal step's photo is for staff only
    TicketEvent.objects.filter(ticket=ticket).update(is_public=False)
    client.force_login(owner)
    assert client.get(url).status_code == 404
    client.force_login(dispatcher)
    assert client.get(url).status_code == 200


def test_a_photo_of_another_ticket_is_not_served_through_mine(client, owner, submit, owner_unit):
    from sunlit.core.uploads import store_images

    uploads = store_images([jpeg()], community=owner_unit.community, actor=owner)
    theirs = submit(photos=uploads, idempotency_key="a")
    mine = submit(idempotency_key="b")
    client.force_login(owner)
    assert client.get(reverse("tickets:photo", args=[theirs.pk, uploads[0].pk])).status_code == 200
    assert client.get(reverse("tickets:photo", args=[mine.pk, uploads[0].pk])).status_code == 404


def test_page_renders_for_a_ticket_reported_by_phone(client, service, owner, submit, owner_unit):
    person = PersonFactory(community=owner_unit.community, name="赵老伯", user=None)
    OwnershipFactory(unit=owner_unit, person=person)
    ticket = submit(actor=service, channel="phone", reporter=person)
    client.force_login(service)
    body = client.get(page(ticket)).content.decode()
    assert "赵老伯" in body and "电话" in body
