"""The whole loop in real browsers: an owner reports a leak with a photo on his phone, the
dispatcher assigns it on the ticket page, the technician arrives and finishes on his phone, and
the owner rates 5 — then checks in his browser that every step is on the log."""

from __future__ import annotations

import io

import pytest

from sunlit.core.choices import DepartmentKind, Role
from sunlit.core.models import Department, Membership
from sunlit.tickets.choices import TicketKind
from sunlit.tickets.models import Category, Ticket
from sunlit.transparency import services as log
from sunlit.transparency.models import Log
from tests.browser.conftest import screenshot
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db(transaction=True)
PHONE_WIDTH = 390


def photo_bytes() -> bytes:
    from PIL import Image

    buffer = io.BytesIO()
    Image.radial_gradient("L").convert("RGB").resize((1200, 900)).save(buffer, "JPEG")
    return buffer.getvalue()


def log_in(page, live_server, user) -> None:
    page.goto(f"{live_server.url}/login/")
    page.get_by_label("手机号或用户名").fill(user.username)
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_load_state()


def fits(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth") <= PHONE_WIDTH


@pytest.fixture
def desk(browser):
    """The dispatcher's desktop screen."""
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
    page = context.new_page()
    yield page
    context.close()


@pytest.fixture
def technician_phone(browser):
    context = browser.new_context(viewport={"width": PHONE_WIDTH, "height": 844},
                                  device_scale_factor=2, is_mobile=True, has_touch=True,
                                  locale="zh-CN")
    page = context.new_page()
    yield page
    context.close()


@pytest.fixture
def repairs(community, technician):
    engineering = Department.objects.create(community=community, kind=DepartmentKind.ENGINEERING,
                                            name="工程部")
    Category.objects.create(community=community, name="水电", kind=TicketKind.REPAIR,
                            department=engineering)
    Category.objects.create(community=community, name="噪音扰民", kind=TicketKind.COMPLAINT)
    member = Membership.objects.get(user=technician, role=Role.TECHNICIAN)
    member.job_number, member.department = "G007", engineering
    member.save(update_fields=["job_number", "department"])
    technician.display_name = "张师傅"
    technician.save(update_fields=["display_name"])
    return member


def test_report_assign_finish_rate(live_server, phone, desk, technician_phone, owner, owner_unit,
                                   dispatcher, technician, repairs, community):
    # 1. the owner reports on his phone, with a photo
    log_in(phone, live_server, owner)
    phone.get_by_test_id("owner-tickets").get_by_role("link", name="我要报事").click()
    phone.wait_for_url(f"{live_server.url}/tickets/new/")
    assert phone.get_by_label("报修").is_checked()
    # the category list follows the kind: complaints' categories are hidden for a repair
    assert phone.locator("#id_category option[data-kind='complaint']").first.is_hidden()
    phone.locator("#id_category").select_option(label="水电")
    phone.get_by_label("标题").fill("厨房水管漏水")
    phone.get_by_label("问题描述").fill("水槽下面的水管一直滴水，地上有积水")
    assert phone.locator("#id_unit").input_value() == str(owner_unit.pk)  # his one home
    phone.locator("#photos-album").set_input_files(
        [{"name": "leak.jpg", "mimeType": "image/jpeg", "buffer": photo_bytes()}])
    assert "已选择 1 张照片" in phone.locator("#photo-count").inner_text()
    assert fits(phone)
    screenshot(phone, "ticket-submit-phone")
    phone.get_by_role("button", name="提交").click()
    phone.wait_for_url(f"{live_server.url}/tickets/*/")
    ticket = Ticket.objects.get()
    assert ticket.photo_count == 1 and ticket.unit == owner_unit
    assert f"已提交，工单号 {ticket.number}" in phone.get_by_role("alert").first.inner_text()
    assert phone.get_by_test_id("ticket-status").inner_text() == "待受理"
    thumbnail = phone.get_by_test_id("photos").locator("img").first
    thumbnail.wait_for()
    assert phone.evaluate("(img) => img.naturalWidth", thumbnail.element_handle()) > 0
    assert fits(phone)
    screenshot(phone, "ticket-page-owner-phone")

    # 2. the dispatcher assigns it to the technician on the ticket page
    log_in(desk, live_server, dispatcher)
    desk.goto(f"{live_server.url}/tickets/{ticket.pk}/")
    assert "王小明" in desk.get_by_test_id("reporter").inner_text()
    dispatch = desk.get_by_test_id("action-dispatch")
    dispatch.locator("select[name=to]").select_option(str(repairs.pk))
    dispatch.get_by_role("button", name="派单").click()
    desk.get_by_text("已派单", exact=False).first.wait_for()
    desk.wait_for_function(
        "() => document.querySelector('[data-testid=ticket-status]').innerText === '已派单'")
    assert "张师傅" in desk.get_by_test_id("assignee").inner_text()
    screenshot(desk, "ticket-page-dispatcher")

    # 3. the technician arrives and finishes, with a photo of the work, on his phone
    log_in(technician_phone, live_server, technician)
    technician_phone.goto(f"{live_server.url}/tickets/{ticket.pk}/")
    technician_phone.get_by_test_id("action-arrive").get_by_role("button", name="到场").click()
    technician_phone.wait_for_function(
        "() => document.querySelector('[data-testid=ticket-status]').innerText === '处理中'")
    resolve = technician_phone.get_by_test_id("action-resolve")
    resolve.get_by_label("处理说明").fill("更换了水槽下的角阀，试水无渗漏")
    resolve.get_by_label("用时(分钟)").fill("40")
    resolve.locator("input[name=material_name]").first.fill("角阀")
    resolve.locator("input[name=material_quantity]").first.fill("1")
    resolve.locator("input[name=material_unit]").first.fill("个")
    resolve.locator("input[type=file]").set_input_files(
        [{"name": "done.jpg", "mimeType": "image/jpeg", "buffer": photo_bytes()}])
    assert fits(technician_phone)
    screenshot(technician_phone, "ticket-resolve-technician-phone")
    resolve.get_by_role("button", name="处理完成").click()
    technician_phone.wait_for_function(
        "() => document.querySelector('[data-testid=ticket-status]').innerText === '待回访'")
    ticket.refresh_from_db()
    assert ticket.status == "resolved" and ticket.labor_minutes == 40
    assert ticket.photos.count() == 2 and ticket.materials.get().name == "角阀"

    # 4. the owner rates 5
    phone.reload()
    rate = phone.get_by_test_id("action-rate")
    rate.get_by_text("5 星").click()
    rate.get_by_label("评价").fill("师傅很专业，谢谢")
    assert fits(phone)
    screenshot(phone, "ticket-rate-owner-phone")
    rate.get_by_role("button", name="评价").click()
    phone.get_by_test_id("rating").wait_for()
    ticket.refresh_from_db()
    assert ticket.rating == 5 and ticket.rating_comment == "师傅很专业，谢谢"
    assert "感谢您的评价" in phone.get_by_role("alert").first.inner_text()
    timeline = phone.get_by_test_id("timeline").inner_text()
    for step in ("提交", "派单", "到场", "处理完成", "评价"):
        assert step in timeline
    assert len(phone.get_by_test_id("timeline").locator("img").all()) == 2

    # 5. ... and verifies in his own browser that the ticket's steps are on the log
    log.sign_checkpoint(Log.objects.get(community=community))
    phone.reload()
    proof = phone.get_by_test_id("proof-tickets.ticket")
    proof.get_by_role("button", name="验证").click()
    verdict = proof.get_by_test_id("proof-verdict")
    verdict.wait_for()
    assert "验证通过" in verdict.inner_text()
    assert fits(phone)
    screenshot(phone, "ticket-done-owner-phone")

    # 6. his list shows it as handled
    phone.goto(f"{live_server.url}/tickets/")
    listed = phone.get_by_test_id("ticket-list").inner_text()
    assert "厨房水管漏水" in listed and "待回访" in listed and "评分 5" in listed
    assert fits(phone)
    screenshot(phone, "ticket-list-owner-phone")


def test_bad_input_keeps_what_the_owner_typed(live_server, phone, owner, owner_unit, repairs):
    log_in(phone, live_server, owner)
    phone.goto(f"{live_server.url}/tickets/new/")
    phone.get_by_label("标题").fill("阳台门关不上")
    phone.locator("#photos-album").set_input_files(
        [{"name": "door.jpg", "mimeType": "image/jpeg", "buffer": photo_bytes()}])
    phone.get_by_role("button", name="提交").click()
    phone.get_by_test_id("form-error").wait_for()
    assert phone.get_by_label("标题").input_value() == "阳台门关不上"
    assert "请选择类别" in phone.get_by_test_id("error-category").inner_text()
    assert "请描述问题" in phone.get_by_test_id("error-description").inner_text()
    assert "请重新选择照片" in phone.get_by_test_id("form-error").inner_text()
    assert not Ticket.objects.exists()
    assert fits(phone)
    screenshot(phone, "ticket-submit-errors-phone")


def test_customer_service_registers_a_call_for_an_owner(live_server, desk, service, owner,
                                                        owner_unit, repairs):
    log_in(desk, live_server, service)
    desk.goto(f"{live_server.url}/tickets/new/")
    assert desk.get_by_label("电话").is_checked()
    desk.get_by_label("报事人（按房号、业主姓名或手机号查找）").fill("101")
    desk.get_by_test_id("reporter-results").wait_for()
    desk.get_by_text("王小明（业主）").click()
    desk.locator("#id_category").select_option(label="水电")
    desk.get_by_label("标题").fill("卫生间地漏返水")
    desk.get_by_label("问题描述").fill("业主来电：卫生间地漏返水，有异味")
    screenshot(desk, "ticket-submit-service")
    desk.get_by_role("button", name="提交").click()
    desk.wait_for_url(f"{live_server.url}/tickets/*/")
    ticket = Ticket.objects.get()
    assert ticket.channel == "phone" and ticket.reporter_user == owner
    assert ticket.created_by == service and ticket.unit == owner_unit
    assert "电话" in desk.get_by_test_id("ticket-header").inner_text()
