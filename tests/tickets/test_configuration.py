"""Configuration of the ticket desk: categories, promised times (on the log), skills and the duty
roster — the services and their pages. Bad input is refused with a field message and nothing
changes."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from sunlit.core.choices import DepartmentKind, Role
from sunlit.core.models import AuditEvent, Department, Membership
from sunlit.tickets import configuration, services
from sunlit.tickets.choices import Priority, SlaCalendar, TicketKind
from sunlit.tickets.models import Category, Shift, Skill, SlaTarget
from sunlit.tickets.sla import SHANGHAI
from sunlit.transparency.models import LogLeaf
from tests.tickets.conftest import MORNING


def at(day: int, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime(2026, 11, day, hour, minute, tzinfo=SHANGHAI)


def sla_leaves():
    return LogLeaf.objects.filter(event_type="tickets.category.sla_set").order_by("index")


def targets(**overrides):
    values = {"accept_minutes": 10, "accept_calendar": SlaCalendar.ALWAYS,
              "arrive_minutes": 45, "arrive_calendar": SlaCalendar.ALWAYS,
              "resolve_minutes": 480, "resolve_calendar": SlaCalendar.WORKING}
    values.update(overrides)
    return values


@pytest.fixture
def foreign_department(other_community):
    return Department.objects.create(community=other_community, kind=DepartmentKind.ENGINEERING,
                                     name="外小区工程部")


# --- categories ---------------------------------------------------------------------------------


def test_create_and_update_a_category(community, manager, engineering):
    category = configuration.create_category(community, actor=manager, kind=TicketKind.REPAIR,
                                             name=" 燃气 ", department=engineering,
                                             default_priority=Priority.URGENT,
                                             auto_dispatch=True)
    assert (category.name, category.department, category.auto_dispatch) == ("燃气", engineering, True)
    configuration.update_category(category, actor=manager, name="燃气管道", department=None,
                                  default_priority=Priority.NORMAL, is_active=False,
                                  auto_dispatch=False)
    category.refresh_from_db()
    assert (category.name, category.department, category.is_active) == ("燃气管道", None, False)
    event = AuditEvent.objects.filter(object_type="tickets.category", action="update").get()
    assert event.changes["name"] == ["燃气", "燃气管道"]


@pytest.mark.parametrize(("fields", "field"), [
    ({"name": ""}, "name"),
    ({"name": "很" * 31}, "name"),
    ({"kind": "gossip"}, "kind"),
    ({"default_priority": "asap"}, "default_priority"),
    ({"name": "水电"}, "name"),  # already there for repairs
    ({"is_active": "yes"}, "is_active"),
])
def test_bad_category_input_is_refused(community, manager, plumbing, fields, field):
    args = {"kind": TicketKind.REPAIR, "name": "燃气", "default_priority": Priority.NORMAL}
    args.update(fields)
    before = Category.objects.count()
    with pytest.raises(ValidationError) as refused:
        configuration.create_category(community, actor=manager, **args)
    assert field in refused.value.message_dict
    assert Category.objects.count() == before


def test_another_communitys_department_is_refused(community, manager, plumbing, foreign_department):
    with pytest.raises(ValidationError) as refused:
        configuration.create_category(community, actor=manager, kind=TicketKind.REPAIR,
                                      name="燃气", department=foreign_department)
    assert "department" in refused.value.message_dict
    with pytest.raises(ValidationError):
        configuration.update_category(plumbing, actor=manager, name="水电",
                                      department=foreign_department,
                                      default_priority=Priority.NORMAL, is_active=True,
                                      auto_dispatch=False)
    plumbing.refresh_from_db()
    assert plumbing.department.community_id == community.pk


@pytest.mark.parametrize("persona", ["dispatcher", "service", "technician", "owner", "auditor"])
def test_only_managers_configure(request, community, plumbing, technician_member, persona):
    actor = request.getfixturevalue(persona)
    with pytest.raises(PermissionDenied):
        configuration.create_category(community, actor=actor, kind=TicketKind.REPAIR, name="燃气")
    with pytest.raises(PermissionDenied):
        configuration.set_sla_target(plumbing, Priority.NORMAL, actor=actor, **targets())
    with pytest.raises(PermissionDenied):
        configuration.add_shift(technician_member, actor=actor, starts_at=at(18, 8),
                                ends_at=at(18, 17))
    assert not SlaTarget.objects.exists() and not Shift.objects.exists()
    assert Category.objects.filter(name="燃气").count() == 0


def test_a_manager_of_another_community_cannot_touch_ours(other_community, make_member, plumbing):
    stranger = make_member(Role.MANAGER, other_community)
    with pytest.raises(PermissionDenied):
        configuration.set_sla_target(plumbing, Priority.NORMAL, actor=stranger, **targets())
    assert not SlaTarget.objects.exists()


# --- promised times -------------------------------------------------------------------------------


def test_sla_target_change_is_public_on_the_log_and_used_by_new_tickets(plumbing, manager, submit):
    row = configuration.set_sla_target(plumbing, Priority.NORMAL, actor=manager,
                                       **targets(arrive_minutes=None))
    assert row.accept_minutes == 10 and row.arrive_minutes is None
    leaf = sla_leaves().get()
    data = json.loads(leaf.data)
    public = data.get("public", data)
    assert public["category"] == "水电" and public["priority"] == "normal"
    assert public["accept_minutes"] == 10 and public.get("arrive_minutes") is None
    assert public["resolve_calendar"] == "working" and public["defaults"] is False
    ticket = submit()
    assert ticket.due_accept == MORNING + dt.timedelta(minutes=10)
    assert ticket.due_arrive is None


def test_unchanged_targets_are_not_logged_again(plumbing, manager):
    configuration.set_sla_target(plumbing, Priority.NORMAL, actor=manager, **targets())
    configuration.set_sla_target(plumbing, Priority.NORMAL, actor=manager, **targets())
    assert sla_leaves().count() == 1


def test_reset_goes_back_to_the_defaults_on_the_log(plumbing, manager):
    configuration.set_sla_target(plumbing, Priority.URGENT, actor=manager, **targets())
    configuration.reset_sla_target(plumbing, Priority.URGENT, actor=manager)
    assert not SlaTarget.objects.exists()
    public = json.loads(sla_leaves().last().data)
    public = public.get("public", public)
    assert public["defaults"] is True and public["accept_minutes"] == 15  # urgent repair default
    configuration.reset_sla_target(plumbing, Priority.URGENT, actor=manager)  # nothing to reset
    assert sla_leaves().count() == 2
    assert services.targets_for(plumbing, Priority.URGENT).arrive.minutes == 60


@pytest.mark.parametrize(("fields", "field"), [
    ({"accept_minutes": -5}, "accept_minutes"),
    ({"arrive_minutes": 0}, "arrive_minutes"),
    ({"resolve_minutes": 10**9}, "resolve_minutes"),
    ({"accept_minutes": "30"}, "accept_minutes"),
    ({"accept_minutes": True}, "accept_minutes"),
    ({"arrive_calendar": "lunar"}, "arrive_calendar"),
    ({"resolve_calendar": ""}, "resolve_calendar"),
])
def test_bad_targets_are_refused(plumbing, manager, fields, field):
    with pytest.raises(ValidationError) as refused:
        configuration.set_sla_target(plumbing, Priority.NORMAL, actor=manager, **targets(**fields))
    assert field in refused.value.message_dict
    assert not SlaTarget.objects.exists() and not sla_leaves().exists()


def test_unknown_priority_is_refused(plumbing, manager):
    with pytest.raises(ValidationError) as refused:
        configuration.set_sla_target(plumbing, "whenever", actor=manager, **targets())
    assert "priority" in refused.value.message_dict


def test_saving_several_priorities_is_all_or_nothing(plumbing, manager):
    with pytest.raises(ValidationError) as refused:
        configuration.save_sla_targets(plumbing, {
            Priority.URGENT: targets(), Priority.NORMAL: targets(accept_minutes=-1),
            Priority.LOW: None}, actor=manager)
    assert "normal-accept_minutes" in refused.value.message_dict
    assert not SlaTarget.objects.exists() and not sla_leaves().exists()


# --- skills and shifts ---------------------------------------------------------------------------


def test_skills_are_replaced_as_a_whole(plumbing, noise, manager, technician_member):
    configuration.set_skills(technician_member, [plumbing, noise], actor=manager)
    configuration.set_skills(technician_member, [noise], actor=manager)
    assert list(Skill.objects.values_list("category__name", flat=True)) == ["噪音扰民"]


def test_skills_in_another_community_are_refused(manager, technician_member, other_community):
    foreign = Category.objects.create(community=other_community, name="水电", kind=TicketKind.REPAIR)
    with pytest.raises(ValidationError) as refused:
        configuration.set_skills(technician_member, [foreign], actor=manager)
    assert "categories" in refused.value.message_dict
    assert not Skill.objects.exists()


def test_add_and_delete_shifts(manager, technician_member):
    day = configuration.add_shift(technician_member, actor=manager, starts_at=at(18, 8),
                                  ends_at=at(18, 17), note="白班")
    night = configuration.add_shift(technician_member, actor=manager, starts_at=at(18, 17),
                                    ends_at=at(19, 8))  # starts when the day shift ends: no overlap
    assert set(Shift.objects.on_duty(at(18, 23))) == {night}
    configuration.delete_shift(day, actor=manager)
    assert list(Shift.objects.all()) == [night]


@pytest.mark.parametrize(("starts", "ends", "field"), [
    (at(18, 12), at(18, 20), "starts_at"),  # overlaps 08–17
    (at(18, 6), at(18, 9), "starts_at"),
    (at(18, 9), at(18, 10), "starts_at"),  # inside
    (at(18, 20), at(18, 19), "ends_at"),
    (at(18, 20), at(18, 20), "ends_at"),
    (at(18, 20), at(20, 20), "ends_at"),  # longer than a day
    (dt.datetime(2026, 11, 18, 8), at(18, 10), "starts_at"),  # naive
    ("明天", at(18, 10), "starts_at"),
])
def test_bad_shifts_are_refused(manager, technician_member, starts, ends, field):
    configuration.add_shift(technician_member, actor=manager, starts_at=at(18, 8), ends_at=at(18, 17))
    with pytest.raises(ValidationError) as refused:
        configuration.add_shift(technician_member, actor=manager, starts_at=starts, ends_at=ends)
    assert field in refused.value.message_dict
    assert Shift.objects.count() == 1


def test_overlap_is_per_member(manager, technician_member, other_technician):
    member = Membership.objects.get(user=other_technician, role=Role.TECHNICIAN)
    configuration.add_shift(technician_member, actor=manager, starts_at=at(18, 8), ends_at=at(18, 17))
    configuration.add_shift(member, actor=manager, starts_at=at(18, 8), ends_at=at(18, 17))
    assert Shift.objects.count() == 2


def test_shifts_only_for_active_staff_of_the_community(manager, owner, community, make_member,
                                                       other_community):
    owner_member = Membership.objects.get(user=owner, community=community)
    with pytest.raises(ValidationError):
        configuration.add_shift(owner_member, actor=manager, starts_at=at(18, 8), ends_at=at(18, 17))
    foreign = Membership.objects.get(user=make_member(Role.TECHNICIAN, other_community))
    with pytest.raises(PermissionDenied):  # our manager has no say there
        configuration.add_shift(foreign, actor=manager, starts_at=at(18, 8), ends_at=at(18, 17))
    assert not Shift.objects.exists()


# --- pages ---------------------------------------------------------------------------------------


def test_categories_page_and_default_button(client, manager, community, engineering):
    client.force_login(manager)
    page = client.get(reverse("tickets:categories")).content.decode()
    assert "添加默认类别" in page
    response = client.post(reverse("tickets:category_defaults"))
    assert response.status_code == 302
    assert Category.objects.in_community(community).count() == len(services.DEFAULT_CATEGORIES)
    page = client.get(reverse("tickets:categories")).content.decode()
    assert "电梯" in page and "噪音扰民" in page


@pytest.mark.parametrize("name", ["tickets:categories", "tickets:category_add", "tickets:shifts"])
@pytest.mark.parametrize("persona", ["dispatcher", "owner", "technician"])
def test_configuration_pages_need_the_manage_grant(client, request, name, persona):
    client.force_login(request.getfixturevalue(persona))
    assert client.get(reverse(name)).status_code == 403


def test_another_communitys_category_page_is_404(client, manager, other_community):
    foreign = Category.objects.create(community=other_community, name="水电", kind=TicketKind.REPAIR)
    client.force_login(manager)
    assert client.get(reverse("tickets:category", args=[foreign.pk])).status_code == 404


def test_add_a_category_from_the_page(client, manager, engineering):
    client.force_login(manager)
    response = client.post(reverse("tickets:category_add"), {
        "kind": "repair", "name": "燃气", "department": engineering.pk,
        "default_priority": "urgent", "is_active": "on"})
    category = Category.objects.get(name="燃气")
    assert response.status_code == 302 and response["Location"] == reverse("tickets:category",
                                                                         args=[category.pk])
    assert category.default_priority == "urgent" and category.department == engineering


def test_category_page_shows_defaults_and_saves_targets(client, manager, plumbing):
    client.force_login(manager)
    page = client.get(reverse("tickets:category", args=[plumbing.pk])).content.decode()
    assert "服务时限" in page and "30分钟" in page and "3 个工作日" in page and "1天" in page
    response = client.post(reverse("tickets:category", args=[plumbing.pk]), {
        "form": "sla",
        "urgent-use_default": "on",
        "urgent-accept_calendar": "24x7", "urgent-arrive_calendar": "24x7",
        "urgent-resolve_calendar": "working",
        "normal-accept_minutes": "20", "normal-accept_calendar": "24x7",
        "normal-arrive_minutes": "90", "normal-arrive_calendar": "24x7",
        "normal-resolve_minutes": "960", "normal-resolve_calendar": "working",
        "low-use_default": "on",
        "low-accept_calendar": "24x7", "low-arrive_calendar": "24x7",
        "low-resolve_calendar": "working",
    })
    assert response.status_code == 302
    row = SlaTarget.objects.get()
    assert (row.priority, row.accept_minutes, row.arrive_minutes, row.resolve_minutes) == (
        "normal", 20, 90, 960)


def test_negative_minutes_on_the_page_are_refused_beside_the_field(client, manager, plumbing):
    client.force_login(manager)
    response = client.post(reverse("tickets:category", args=[plumbing.pk]), {
        "form": "sla",
        "urgent-accept_minutes": "10", "urgent-accept_calendar": "24x7",
        "urgent-arrive_calendar": "24x7", "urgent-resolve_calendar": "working",
        "normal-accept_minutes": "-30", "normal-accept_calendar": "24x7",
        "normal-arrive_calendar": "24x7", "normal-resolve_calendar": "working",
        "low-use_default": "on", "low-accept_calendar": "24x7", "low-arrive_calendar": "24x7",
        "low-resolve_calendar": "working",
    })
    assert response.status_code == 422
    page = response.content.decode()
    assert "应在 1 到" in page and 'value="-30"' in page  # what was typed stays
    assert not SlaTarget.objects.exists() and not sla_leaves().exists()


def test_foreign_department_on_the_page_is_refused(client, manager, plumbing, foreign_department):
    client.force_login(manager)
    response = client.post(reverse("tickets:category", args=[plumbing.pk]), {
        "form": "category", "name": "水电", "department": foreign_department.pk,
        "default_priority": "normal", "is_active": "on"})
    assert response.status_code == 422
    plumbing.refresh_from_db()
    assert plumbing.department.community_id == plumbing.community_id


def test_roster_page_adds_shifts_and_refuses_overlaps(client, manager, technician_member):
    client.force_login(manager)
    form = {"member": technician_member.pk, "day": "2026-11-18", "start": "08:00",
            "end": "17:00", "note": "白班"}
    response = client.post(reverse("tickets:shifts"), form)
    assert response.status_code == 302 and "week=2026-11-16" in response["Location"]
    page = client.get(response["Location"]).content.decode()
    assert "08:00–17:00" in page and "白班" in page
    response = client.post(reverse("tickets:shifts"), {**form, "start": "16:00", "end": "07:00"})
    assert response.status_code == 422
    assert "与已有班次重叠" in response.content.decode()
    assert Shift.objects.count() == 1
    # an end before the start is the next morning: a night shift
    client.post(reverse("tickets:shifts"), {**form, "start": "17:00", "end": "07:00"})
    night = Shift.objects.latest("pk")
    assert night.ends_at - night.starts_at == dt.timedelta(hours=14)


def test_roster_page_deletes_shifts_and_saves_skills(client, manager, technician_member, plumbing,
                                                     noise):
    shift = configuration.add_shift(technician_member, actor=manager, starts_at=at(18, 8),
                                    ends_at=at(18, 17))
    client.force_login(manager)
    response = client.post(reverse("tickets:shift_delete", args=[shift.pk]))
    assert response.status_code == 302 and not Shift.objects.exists()
    response = client.post(reverse("tickets:skills", args=[technician_member.pk]),
                           {"categories": [plumbing.pk, noise.pk]})
    assert response.status_code == 302
    assert Skill.objects.filter(member=technician_member).count() == 2
    page = client.get(reverse("tickets:shifts")).content.decode()
    assert f'value="{plumbing.pk}" checked' in page
