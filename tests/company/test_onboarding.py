"""Onboarding a community (小区建档) through the company's pages, its services and its API, on
the real database: a new company from ``sunlit createcompany`` to owners invited."""

from __future__ import annotations

import datetime as dt
import io
import json
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.urls import reverse

from sunlit.company.access import admin_employee
from sunlit.company.models import CommitteeFiling, Employee, Onboarding
from sunlit.company.onboarding import selectors, services
from sunlit.company.services import open_company
from sunlit.core.choices import Role
from sunlit.core.models import ActivationCode, AuditEvent, Community, Membership, Person
from sunlit.core.services import activate_account
from sunlit.registry.models import Building
from sunlit.transparency.models import Checkpoint, LogLeaf
from tests.factories import OwnershipFactory, PersonFactory, UnitFactory
from tests.security.world import pdf

PASSWORD = "Sunlit-2026-admin"


@pytest.fixture
def admin(db):
    return open_company(name="晨光物业管理有限公司", admin_username="chenguang-admin",
                        admin_name="周海", job_number="CG001", password=PASSWORD).user


@pytest.fixture
def client_admin(client, admin):
    client.force_login(admin)
    return client


def _start(admin, code="chenguang-1"):
    return services.start_community(admin, name="晨光家园", code=code, city="上海",
                                    district="徐汇区", address="晨光路 18 弄", built_year=2010)


def _owner(community, building, number, name, mobile):
    unit = UnitFactory(community=community, building=building, number=number, floor=1,
                       area=Decimal("88.50"))
    person = PersonFactory(community=community, name=name, mobile=mobile)
    OwnershipFactory(unit=unit, person=person, start=dt.date(2020, 1, 1))
    return person


def _fees(community, actor):
    from sunlit.finance.billing import services as billing
    from sunlit.finance.billing.choices import Cycle, FeeKind
    from sunlit.registry.choices import UnitUsage

    item = billing.create_fee_item(community, actor=actor, code="WY", name="物业服务费",
                                   kind=FeeKind.AREA, cycle=Cycle.MONTHLY, account="6001",
                                   applies_to=[UnitUsage.RESIDENTIAL])
    billing.set_tariff(item, actor=actor, price="2.80", effective_from=dt.date(2026, 1, 1),
                       today=dt.date(2025, 12, 1))


def test_createcompany_opens_a_company_whose_admin_lands_on_the_company_view(db, client):
    out = io.StringIO()
    call_command("createcompany", name="晨光物业管理有限公司", admin="cg", admin_name="周海",
                 password=PASSWORD, stdout=out)
    assert "已开通" in out.getvalue()
    employee = Employee.objects.get(user__username="cg")
    assert employee.is_admin and employee.organization.name == "晨光物业管理有限公司"
    client.force_login(employee.user)
    assert client.get(reverse("web:home")).url == reverse("company:overview")
    page = client.get(reverse("company:overview")).content.decode()
    assert "还没有小区" in page and "新建小区" in page


def test_a_company_opens_once_and_refuses_a_weak_password(admin):
    with pytest.raises(ValidationError) as refused:
        open_company(name="晨光物业管理有限公司", admin_username="chenguang-admin",
                     admin_name="", job_number="", password="123")
    assert set(refused.value.message_dict) == {"name", "admin_username", "job_number", "password"}


def test_start_community_opens_its_log_departments_and_the_admins_role(admin):
    community = _start(admin)
    assert community.organization == admin_employee(admin).organization
    assert Membership.objects.get(user=admin, community=community).role == Role.COMPANY_ADMIN
    assert LogLeaf.objects.filter(log__community=community,
                                  event_type="company.onboarding.started").count() == 1
    assert Onboarding.objects.get(community=community).started_by == admin
    steps = {s.key: s for s in selectors.checklist(community)}
    assert steps["community"].done and steps["departments"].done
    assert "chenguang-1" in str(steps["community"].detail)
    assert not steps["buildings"].done and not steps["roster"].done
    assert AuditEvent.objects.filter(community=community, actor=admin).exists()


@pytest.mark.parametrize("code, message", [
    ("", "请填写小区编码"), ("Bad Code", "小写字母"), ("-ab", "小写字母"),
    ("mingqiang", "已被使用")])
def test_community_codes_are_checked_and_nothing_is_half_created(admin, community, code,
                                                                 message):
    community.code = "mingqiang"
    community.save()
    before = Community.objects.count(), LogLeaf.objects.count()
    with pytest.raises(ValidationError) as refused:
        services.start_community(admin, name="晨光家园", code=code)
    assert message in " ".join(refused.value.message_dict["code"])
    assert (Community.objects.count(), LogLeaf.objects.count()) == before


def test_only_a_company_admin_starts_a_community(db, company_admin, manager):
    # a company_admin *membership* of one community is not the company's administrator
    for user in (company_admin, manager):
        with pytest.raises(PermissionDenied):
            services.start_community(user, name="X", code="xx-1")


def test_buildings_in_a_range_and_duplicates_refused_whole(admin):
    community = _start(admin)
    built = services.add_buildings(community, actor=admin, names="1-3号楼 商业楼", floors=18,
                                   has_elevator=True)
    assert [b.name for b in built] == ["1号楼", "2号楼", "3号楼", "商业楼"]
    with pytest.raises(ValidationError) as refused:
        services.add_buildings(community, actor=admin, names="3号楼 4号楼", floors=6)
    assert "3号楼" in refused.value.message_dict["names"][0]
    assert Building.objects.in_community(community).count() == 4
    for names, floors, field in (("", 6, "names"), ("1号楼 1号楼", 6, "names"),
                                 ("5号楼", 0, "floors"), ("5号楼", "abc", "floors"),
                                 ("9-2号楼", 6, "names")):
        with pytest.raises(ValidationError) as refused:
            services.add_buildings(community, actor=admin, names=names, floors=floors)
        assert field in refused.value.message_dict


def test_the_committee_filing_invites_owners_who_take_their_seat_themselves(admin):
    community = _start(admin)
    building = Building.objects.create(community=community, name="1号楼", floors=6)
    chair = _owner(community, building, "101", "王建国", "13900000001")
    member = _owner(community, building, "102", "李秀英", "13900000002")
    tenant = PersonFactory(community=community, name="赵租户", mobile="13900000003")
    scan = _scan(community, admin)
    with pytest.raises(ValidationError) as refused:
        services.file_committee(community, actor=admin, authority="晨光街道办事处",
                                number="晨街备〔2026〕3号", filed_on=dt.date(2026, 11, 20),
                                document=scan, members=[chair.pk, tenant.pk])
    assert "不是" in refused.value.message_dict["members"][0]
    filing = services.file_committee(community, actor=admin, authority="晨光街道办事处",
                                     number="晨街备〔2026〕3号", filed_on=dt.date(2026, 11, 20),
                                     document=scan, members=[chair.pk, member.pk])
    codes = list(filing.codes.all())
    assert {c.role for c in codes} == {Role.COMMITTEE} and len(codes) == 2
    leaf = LogLeaf.objects.get(log__community=community,
                               event_type="company.onboarding.committee_filed")
    public = leaf.event["public"]
    assert public["members"] == 2 and public["document_sha256"] == scan.sha256
    assert public["by"] == "周海" and public["authority"] == "晨光街道办事处"
    assert "王建国" not in json.dumps(leaf.event, ensure_ascii=False)  # committed only
    # the owner himself activates: owner and committee member at once, on the log by role
    code = next(c for c in codes if c.person_id == chair.pk)
    user = activate_account(code=code.code, mobile="13900000001", password=PASSWORD)
    roles = set(Membership.objects.filter(user=user, community=community)
                .values_list("role", flat=True))
    assert roles == {Role.OWNER, Role.COMMITTEE}
    seat = LogLeaf.objects.get(log__community=community, event_type="community.seat.taken")
    assert seat.event["public"] == {"role": "committee"}
    assert "王建国" not in json.dumps(seat.event, ensure_ascii=False)
    # once a member sits, the company never touches who does
    with pytest.raises(PermissionDenied):
        services.file_committee(community, actor=admin, authority="晨光街道办事处",
                                number="晨街备〔2026〕4号", filed_on=dt.date(2026, 11, 21),
                                document=_scan(community, admin), members=[member.pk])


def _scan(community, actor):
    from sunlit.core import uploads

    return uploads.store_document(pdf(), community=community, actor=actor)


def test_owners_are_invited_only_when_nothing_required_is_missing(admin):
    community = _start(admin)
    with pytest.raises(ValidationError) as refused:
        services.invite_owners(community, actor=admin)
    assert "楼栋" in refused.value.message_dict["community"][0]
    building = services.add_buildings(community, actor=admin, names="1号楼", floors=6)[0]
    chair = _owner(community, building, "101", "王建国", "13900000001")
    _owner(community, building, "102", "李秀英", "13900000002")
    _owner(community, building, "103", "张伟", "13900000003")
    _fees(community, admin)
    services.file_committee(community, actor=admin, authority="晨光街道办事处", number="3号",
                            filed_on=dt.date(2026, 11, 20), document=_scan(community, admin),
                            members=[chair.pk])
    services.sign_first_checkpoint(community, actor=admin)
    assert selectors.missing(selectors.checklist(community)) == []
    batch = services.invite_owners(community, actor=admin)
    codes = ActivationCode.objects.filter(batch=batch)
    assert codes.count() == 2  # the chair keeps his committee invitation
    assert ActivationCode.objects.usable(dt.datetime.now(dt.UTC)).filter(
        person=chair, role=Role.COMMITTEE).exists()
    assert {s.key: s.done for s in selectors.checklist(community)}["owners"]
    with pytest.raises(ValidationError):
        services.invite_owners(community, actor=admin)


def test_another_companys_community_is_not_found(client_admin, community):
    for name in ("company:onboarding", "company:onboarding_buildings",
                 "company:onboarding_committee"):
        assert client_admin.get(reverse(name, args=[community.pk])).status_code == 404
    assert client_admin.post(reverse("company:onboarding_checkpoint",
                                     args=[community.pk])).status_code == 404


def test_staff_of_a_community_get_403_on_the_company_pages(client, company_admin, manager):
    for user in (company_admin, manager):
        client.force_login(user)
        assert client.get(reverse("company:overview")).status_code == 403
        assert client.get(reverse("company:community_new")).status_code == 403


def test_the_whole_flow_through_the_pages(client_admin, admin):
    response = client_admin.post(reverse("company:community_new"), {
        "name": "晨光家园", "code": "Chen Guang", "city": "上海"})
    assert "小写字母" in response.content.decode()  # the typed values stay, the error beside
    response = client_admin.post(reverse("company:community_new"), {
        "name": "晨光家园", "code": "chenguang-1", "city": "上海", "built_year": "2010"})
    community = Community.objects.get(code="chenguang-1")
    assert response.url == reverse("company:onboarding", args=[community.pk])
    page = client_admin.get(response.url).content.decode()
    assert "建档清单" in page and "待完成" in page
    response = client_admin.post(reverse("company:onboarding_buildings", args=[community.pk]),
                                 {"names": "1-2号楼", "floors": "11", "has_elevator": "on"})
    assert response.status_code == 302
    building = Building.objects.get(community=community, name="1号楼")
    _owner(community, building, "101", "王建国", "13900000001")
    _owner(community, building, "102", "李秀英", "13900000002")
    response = client_admin.post(reverse("company:onboarding_committee", args=[community.pk]), {
        "authority": "晨光街道办事处", "number": "晨街备〔2026〕3号", "filed_on": "2026-11-20",
        "members": "1号楼101 王建国\n1号楼102 张三",
        "document": SimpleUploadedFile("备案.pdf", pdf(), "application/pdf")})
    assert "没有名叫 张三 的业主" in response.content.decode()
    assert not CommitteeFiling.objects.exists()
    response = client_admin.post(reverse("company:onboarding_committee", args=[community.pk]), {
        "authority": "晨光街道办事处", "number": "晨街备〔2026〕3号", "filed_on": "2026-11-20",
        "members": "1号楼101 王建国\n1号楼 102 李秀英",
        "document": SimpleUploadedFile("备案.pdf", pdf(), "application/pdf")})
    assert response.status_code == 302, response.content.decode()[:2000]
    assert client_admin.get(response.url).status_code == 200  # the codes to print
    _fees(community, admin)
    # the checklist sends the admin to the other apps' pages of this community
    response = client_admin.post(reverse("web:switch_community"), {
        "community": community.pk, "next": reverse("finance:fee_item_list")})
    assert response.url == reverse("finance:fee_item_list")
    assert client_admin.post(reverse("web:switch_community"), {
        "community": community.pk, "next": "https://evil.example/"}).url == reverse("web:home")
    client_admin.post(reverse("company:onboarding_checkpoint", args=[community.pk]))
    assert Checkpoint.objects.filter(community=community).exists()
    response = client_admin.post(reverse("company:onboarding_invite", args=[community.pk]))
    assert response.status_code == 302 and "/roster/accounts/batch/" in response.url
    overview = client_admin.get(reverse("company:overview")).content.decode()
    assert "晨光家园" in overview and "建档清单" in overview


def test_the_api_walks_the_same_steps(client, admin):
    from sunlit.core.services import create_api_token

    headers = {"HTTP_AUTHORIZATION": f"Bearer {create_api_token(admin, name='t')}"}
    response = client.post("/api/v1/company/communities", json.dumps(
        {"name": "晨光家园", "code": "chenguang-1"}), content_type="application/json",
        HTTP_IDEMPOTENCY_KEY="start-1", **headers)
    assert response.status_code == 201, response.content
    community_id = response.json()["community_id"]
    assert "buildings" in response.json()["missing"]
    again = client.post("/api/v1/company/communities", json.dumps(
        {"name": "晨光家园", "code": "chenguang-1"}), content_type="application/json",
        HTTP_IDEMPOTENCY_KEY="start-1", **headers)
    assert again.json()["community_id"] == community_id
    assert Community.objects.filter(code="chenguang-1").count() == 1
    response = client.post(f"/api/v1/company/communities/{community_id}/buildings",
                           json.dumps({"names": "1-2号楼", "floors": "x"}),
                           content_type="application/json", **headers)
    assert response.status_code == 422
    response = client.post(f"/api/v1/company/communities/{community_id}/buildings",
                           json.dumps({"names": "1-2号楼", "floors": 6}),
                           content_type="application/json", **headers)
    assert response.json()["added"] == ["1号楼", "2号楼"]
    response = client.get(f"/api/v1/company/communities/{community_id}/checklist", **headers)
    assert {s["key"]: s["done"] for s in response.json()["steps"]}["buildings"]
    overview = client.get("/api/v1/company/overview", **headers).json()
    assert [c["code"] for c in overview["communities"]] == ["chenguang-1"]
    assert Person.objects.count() == 0
