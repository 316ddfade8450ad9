"""The shared pages: console, owner home, community switcher, audit list."""

import pytest
from django.urls import reverse

from sunlit.core.choices import Role
from sunlit.core.models import AuditEvent, WorkerHeartbeat
from sunlit.core.tasks import heartbeat
from tests.factories import MembershipFactory, ResidencyFactory, UnitFactory, VehicleFactory

pytestmark = pytest.mark.django_db


def test_owner_home_shows_units_household_and_vehicles(client, owner, owner_unit, community):
    person = owner.persons.get()
    ResidencyFactory(unit=owner_unit, person__community=community, person__name="王小红",
                     kind="family", relation="女儿")
    VehicleFactory(person=person, unit=owner_unit, plate="沪AD12345")
    client.force_login(owner)
    page = client.get(reverse("web:owner_home")).content.decode()
    assert "我的家" in page and owner_unit.label in page
    assert "王*红" in page and "女儿" in page  # household member, masked
    assert "沪AD12345" in page
    assert "王小红" not in page


def test_owner_home_does_not_show_other_peoples_units(client, owner, community):
    UnitFactory(building__community=community, number="999")
    client.force_login(owner)
    assert "999" not in client.get(reverse("web:owner_home")).content.decode()


def test_console_shows_roster_statistics(client, manager, owner):
    client.force_login(manager)
    response = client.get(reverse("web:console"))
    page = response.content.decode()
    assert response.status_code == 200
    assert "楼栋概况" in page and "1号楼" in page


def test_owner_cannot_open_console(client, owner):
    client.force_login(owner)
    assert client.get(reverse("web:console")).status_code == 403


def test_community_switcher_only_switches_to_own_communities(client, manager, other_community,
                                                             community):
    client.force_login(manager)
    client.post(reverse("web:switch_community"), {"community": other_community.pk})
    assert client.get(reverse("web:console")).context["current_community"] == community
    MembershipFactory(user=manager, community=other_community, role=Role.MANAGER)
    client.post(reverse("web:switch_community"), {"community": other_community.pk})
    assert client.get(reverse("web:console")).context["current_community"] == other_community


def test_switch_rejects_garbage(client, manager):
    client.force_login(manager)
    assert client.post(reverse("web:switch_community"), {"community": "abc"}).status_code == 400


def test_audit_list_shows_who_did_what_from_where(client, manager, community):
    AuditEvent.objects.create(community=community, actor=manager, action="reveal",
                              object_type="core.person", object_id="1", summary="核对",
                              ip_address="10.1.2.3")
    client.force_login(manager)
    page = client.get(reverse("web:audit_list")).content.decode()
    assert "查看完整个人信息" in page and "10.1.2.3" in page
    assert "人员 #1" in page and "core.person" not in page


def test_audit_changes_read_as_field_old_new(client, manager, community):
    AuditEvent.objects.create(community=community, actor=manager, action="update",
                              object_type="tickets.ticket", object_id="7", summary="受理",
                              changes={"status": ["pending", "accepted"]})
    client.force_login(manager)
    page = client.get(reverse("web:audit_list")).content.decode()
    assert "工单 #7" in page and "状态：待受理 → 已受理" in page and "{" not in page.split("<tbody>")[1]


def test_audit_list_is_forbidden_for_technicians(client, technician):
    client.force_login(technician)
    assert client.get(reverse("web:audit_list")).status_code == 403


def test_heartbeat_task_records_worker_runs(db):
    heartbeat()
    heartbeat()
    assert WorkerHeartbeat.objects.get(name="worker").runs == 2
