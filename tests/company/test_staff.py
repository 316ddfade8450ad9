"""The company's staff (员工): hire, post, suspend, reinstate, leave with handover — services,
pages and API on the real database."""

from __future__ import annotations

import json

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from sunlit.company.choices import EmployeeStatus
from sunlit.company.models import Employee
from sunlit.company.staff import services as staff
from sunlit.company.staff.services import Posting
from sunlit.core.choices import DepartmentKind, Role
from sunlit.core.models import Department, Membership, User
from sunlit.core.services import create_api_token
from sunlit.transparency.models import LogLeaf
from tests.factories import UserFactory


@pytest.fixture
def admin(community, company_admin):
    """community's company: its administrator is an Employee with is_admin."""
    Employee.objects.create(organization=community.organization, user=company_admin,
                            job_number="HQ001", is_admin=True)
    return company_admin


@pytest.fixture
def engineering(community):
    return Department.objects.create(community=community, kind=DepartmentKind.ENGINEERING,
                                     name="工程部")


def _hire(admin, community, department=None, *, job="E100", mobile="13700000001", name="钱师傅",
          role=Role.TECHNICIAN):
    return staff.hire(admin, name=name, mobile=mobile, job_number=job,
                      postings=[Posting(community, role, department, "维修工")])


def test_hire_creates_the_account_record_and_public_posting(admin, community, engineering):
    employee = _hire(admin, community, engineering)
    user = employee.user
    assert user.mobile == "13700000001" and not user.has_usable_password()
    member = Membership.objects.get(user=user, community=community)
    assert (member.role, member.job_number, member.department) == (Role.TECHNICIAN, "E100",
                                                                    engineering)
    leaf = LogLeaf.objects.filter(log__community=community,
                                  event_type="community.staff.appointed").last()
    assert leaf.event["public"]["name"] == "钱师傅" and leaf.event["public"]["job_number"] == "E100"
    assert "13700000001" not in json.dumps(leaf.event)
    assert staff.set_password_link(user).startswith("/password/reset/")


def test_hire_refuses_duplicates_and_creates_nothing(admin, community, owner):
    from tests.factories import CommunityFactory, OrganizationFactory

    _hire(admin, community)
    owner.mobile = "13800000000"
    owner.save()
    users = User.objects.count()
    cases = [
        ({"job": "E100", "mobile": "13700000009"}, "job_number", "已被使用"),
        ({"job": "E101", "mobile": "13700000001"}, "mobile", "已是本公司员工"),
        ({"job": "E102", "mobile": "13800000000"}, "mobile", "另一个账号"),
        ({"job": "", "mobile": "123"}, "job_number", "工号"),
        ({"job": "E103", "mobile": "13700000003", "role": Role.OWNER}, "role", "无效"),
    ]
    for kwargs, field, text in cases:
        with pytest.raises(ValidationError) as refused:
            _hire(admin, community, **kwargs)
        assert text in " ".join(refused.value.message_dict[field])
    elsewhere = CommunityFactory(organization=OrganizationFactory(name="远方物业"),
                                 code="yuanfang")
    with pytest.raises(ValidationError) as refused:  # another company's community
        _hire(admin, elsewhere, job="E104", mobile="13700000004")
    assert "本公司" in refused.value.message_dict["community"][0]
    assert User.objects.count() == users


def test_suspension_ends_access_at_once_and_reinstating_gives_it_back(admin, community, client):
    employee = _hire(admin, community)
    user = employee.user
    user.set_password("Sunlit-2026-tech")
    user.save()
    client.force_login(user)
    assert client.get(reverse("tickets:my_tasks")).status_code == 200
    token = create_api_token(user, name="手机")
    staff.suspend(employee, actor=admin, reason="调查投诉")
    assert client.get(reverse("tickets:my_tasks")).status_code == 302  # logged out
    assert client.get("/api/v1/tickets", HTTP_AUTHORIZATION=f"Bearer {token}").status_code == 401
    assert not Membership.objects.get(user=user).is_active
    staff.reinstate(employee, actor=admin)
    user.refresh_from_db()
    assert user.is_active and Membership.objects.get(user=user).is_active
    with pytest.raises(ValidationError):
        staff.suspend(employee, actor=admin, reason="")
    with pytest.raises(ValidationError):
        staff.reinstate(employee, actor=admin)


def test_an_owner_account_is_never_shut_by_the_company(admin, community, owner):
    # a staff member who is also an owner (his own account): the staff roles end, the owner's
    # account stays his
    employee = Employee.objects.create(organization=community.organization, user=owner,
                                       job_number="E200")
    Membership.objects.create(user=owner, community=community, role=Role.SERVICE)
    staff.suspend(employee, actor=admin, reason="停职检查")
    owner.refresh_from_db()
    assert owner.is_active
    assert set(Membership.objects.active().filter(user=owner).values_list("role", flat=True)) \
        == {Role.OWNER}
    with pytest.raises(ValidationError):
        staff.set_password_link(owner)


def test_leaving_hands_open_work_over_or_is_refused(admin, community, engineering, dispatcher,
                                                    owner, owner_unit):
    from sunlit.tickets import services as tickets
    from sunlit.tickets.choices import TicketStatus
    from sunlit.tickets.services.categories import create_default_categories

    create_default_categories(community, actor=None)
    employee = _hire(admin, community, engineering)
    colleague = _hire(admin, community, engineering, job="E101", mobile="13700000002",
                      name="孙师傅")
    tech = Membership.objects.get(user=employee.user)
    successor = Membership.objects.get(user=colleague.user)
    from sunlit.tickets.models import Category

    category = Category.objects.in_community(community).filter(kind="repair").first()
    ticket = tickets.submit_ticket(community, actor=owner, kind="repair", category=category,
                                   title="厨房漏水", description="水槽下漏水", unit=owner_unit)
    tickets.dispatch_ticket(ticket, to=tech, actor=dispatcher)
    with pytest.raises(ValidationError) as refused:
        staff.leave(employee, actor=admin)
    assert "接替" in refused.value.message_dict["successor"][0]
    employee.refresh_from_db()
    assert employee.status == EmployeeStatus.ACTIVE and tech.__class__.objects.get(
        pk=tech.pk).is_active  # nothing half-done
    staff.leave(employee, actor=admin, successors={community.pk: successor}, reason="个人原因")
    ticket.refresh_from_db()
    assert ticket.assignee == successor and ticket.status == TicketStatus.DISPATCHED
    employee.refresh_from_db()
    assert employee.status == EmployeeStatus.LEFT and not employee.user.is_active
    ended = LogLeaf.objects.get(log__community=community, event_type="community.staff.ended")
    assert ended.event["public"]["handed_over"] == 1
    # the disclosure page no longer lists him
    from django.utils import timezone

    from sunlit.board.disclosure import _staff

    assert "钱师傅" not in [s["name"] for s in _staff(community, timezone.now())]


def test_pages_for_the_company_admin(client, admin, community, engineering):
    client.force_login(admin)
    response = client.post(reverse("company:staff_new"), {
        "name": "钱师傅", "mobile": "137-0000-0001", "job_number": "E100",
        "community": community.pk, "role": "technician", "department": "engineering",
        "post": "维修工"})
    assert response.status_code == 200 and "/password/reset/" in response.content.decode()
    employee = Employee.objects.get(job_number="E100")
    assert Membership.objects.get(user=employee.user).department == engineering
    page = client.get(reverse("company:staff_list") + "?q=钱").content.decode()
    assert "E100" in page and "钱师傅" in page
    detail = reverse("company:staff_detail", args=[employee.pk])
    assert "派驻到小区" in client.get(detail).content.decode()
    response = client.post(reverse("company:staff_suspend", args=[employee.pk]), {"reason": ""})
    assert response.status_code == 400
    client.post(reverse("company:staff_suspend", args=[employee.pk]), {"reason": "调查"})
    employee.refresh_from_db()
    assert employee.status == EmployeeStatus.SUSPENDED
    client.post(reverse("company:staff_reinstate", args=[employee.pk]))
    client.post(reverse("company:staff_post", args=[employee.pk]), {
        "community": community.pk, "role": "dispatcher", "department": "", "post": ""})
    assert Membership.objects.filter(user=employee.user, role=Role.DISPATCHER).exists()
    membership = Membership.objects.get(user=employee.user, role=Role.DISPATCHER)
    client.post(reverse("company:staff_end", args=[employee.pk, membership.pk]))
    membership.refresh_from_db()
    assert not membership.is_active
    client.post(reverse("company:staff_leave", args=[employee.pk]), {"reason": "合同到期"})
    employee.refresh_from_db()
    assert employee.status == EmployeeStatus.LEFT


def test_staff_pages_are_the_company_admins(client, admin, community, manager):
    other = Employee.objects.create(organization=community.organization,
                                    user=UserFactory(username="x"), job_number="E9")
    client.force_login(manager)
    assert client.get(reverse("company:staff_list")).status_code == 403
    assert client.get(reverse("company:staff_detail", args=[other.pk])).status_code == 404


def test_api_hire_and_leave(client, admin, community, engineering):
    headers = {"HTTP_AUTHORIZATION": f"Bearer {create_api_token(admin, name='t')}"}
    body = {"name": "钱师傅", "mobile": "13700000001", "job_number": "E100",
            "postings": [{"community_id": community.pk, "role": "technician",
                          "department_id": engineering.pk}]}
    response = client.post("/api/v1/company/staff", json.dumps(body),
                           content_type="application/json", **headers)
    assert response.status_code == 201, response.content
    data = response.json()
    assert data["postings"][0]["department"] == "工程部" and data["set_password_url"]
    again = client.post("/api/v1/company/staff", json.dumps(body),
                        content_type="application/json", **headers)
    assert again.status_code == 422
    listing = client.get("/api/v1/company/staff", **headers).json()
    assert [e["job_number"] for e in listing["items"]] == ["E100", "HQ001"]
    response = client.post(f"/api/v1/company/staff/{data['id']}/leave", json.dumps({}),
                           content_type="application/json", **headers)
    assert response.json()["status"] == "left"
    assert not Employee.objects.get(pk=data["id"]).user.is_active
