"""Submitting tickets: numbers, due times, idempotency, bad input changes nothing."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from sunlit.tickets import services
from sunlit.tickets.choices import Channel, Priority, TicketKind
from sunlit.tickets.models import Category, SlaTarget, Ticket, TicketEvent
from sunlit.tickets.sla import SHANGHAI
from sunlit.transparency.models import LogLeaf
from tests.factories import BuildingFactory, PersonFactory, UnitFactory
from tests.tickets.conftest import MORNING


def test_submitting_numbers_the_ticket_and_sets_due_times(submit, owner, owner_unit):
    first = submit()
    second = submit(priority=Priority.URGENT)
    assert first.number == "BX-20261118-0001" and second.number == "BX-20261118-0002"
    assert first.status == "pending" and first.reporter_user == owner
    assert first.reporter.name == "王小明" and first.department.name == "工程部"
    # normal repair: accepted within 30 minutes, on site within 2 hours (24×7 defaults)
    assert first.due_accept == MORNING + dt.timedelta(minutes=30)
    assert first.due_arrive == MORNING + dt.timedelta(hours=2)
    assert second.due_accept == MORNING + dt.timedelta(minutes=15)
    assert second.due_arrive == MORNING + dt.timedelta(hours=1)
    assert [e.action for e in first.events.all()] == ["submit"]


def test_complaint_due_in_24_hours_and_three_working_days(submit, noise):
    eve_of_holiday = dt.datetime(2026, 9, 30, 17, 0, tzinfo=SHANGHAI)
    ticket = submit(kind=TicketKind.COMPLAINT, category=noise, unit=None, location_text="3号楼楼下",
                    now=eve_of_holiday)
    assert ticket.number.startswith("TS-20260930-")
    assert ticket.due_accept == eve_of_holiday + dt.timedelta(hours=24)
    assert ticket.due_arrive is None
    # 1 working hour on 30 September, National Day off until 8 October, 8 hours on the 8th and
    # the 9th, and the last 7 on Saturday the 10th, a make-up working day
    assert ticket.due_resolve == dt.datetime(2026, 10, 10, 17, 0, tzinfo=SHANGHAI)


def test_category_targets_override_the_defaults(submit, plumbing):
    SlaTarget.objects.create(community=plumbing.community, category=plumbing,
                             priority=Priority.NORMAL, accept_minutes=5, arrive_minutes=None,
                             resolve_minutes=60, resolve_calendar="24x7")
    ticket = submit()
    assert ticket.due_accept == MORNING + dt.timedelta(minutes=5)
    assert ticket.due_arrive is None
    assert ticket.due_resolve == MORNING + dt.timedelta(hours=1)


def test_a_retried_submission_returns_the_same_ticket(submit):
    first = submit(idempotency_key="c0ffee")
    again = submit(idempotency_key="c0ffee", title="重复提交")
    assert again.pk == first.pk
    assert Ticket.objects.count() == 1
    assert LogLeaf.objects.filter(event_type="tickets.ticket.submitted").count() == 1
    assert submit(idempotency_key="another").pk != first.pk


def _nothing_written():
    return (Ticket.objects.count(), TicketEvent.objects.count(), LogLeaf.objects.count())


@pytest.mark.parametrize(("overrides", "field"), [
    ({"title": ""}, "title"),
    ({"title": "长" * 61}, "title"),
    ({"description": "  "}, "description"),
    ({"description": "长" * 2001}, "description"),
    ({"photos": "x"}, "photos"),
    ({"photos": [1, 2]}, "photos"),
    ({"priority": "whenever"}, "priority"),
    ({"kind": TicketKind.COMPLAINT}, "category"),
    ({"unit": None}, "location_text"),
    ({"floor": 3}, "unit"),
    ({"preferred_from": MORNING, "preferred_to": MORNING}, "preferred_to"),
    ({"idempotency_key": "k" * 65}, "idempotency_key"),
])
def test_bad_input_is_refused_and_writes_nothing(submit, overrides, field):
    before = _nothing_written()
    with pytest.raises(ValidationError) as caught:
        submit(**overrides)
    assert field in caught.value.message_dict
    assert _nothing_written() == before


def test_a_unit_the_reporter_does_not_live_in_is_refused(submit, community):
    neighbours_unit = UnitFactory(building__community=community, number="102")
    with pytest.raises(ValidationError) as caught:
        submit(unit=neighbours_unit)
    assert caught.value.message_dict["unit"] == ["只能为本人名下或居住的房屋报事"]
    assert not Ticket.objects.exists()


def test_a_category_of_another_community_is_refused(submit, other_community):
    theirs = Category.objects.create(community=other_community, name="水电", kind=TicketKind.REPAIR)
    with pytest.raises(ValidationError) as caught:
        submit(category=theirs)
    assert "category" in caught.value.message_dict


def test_common_area_ticket_by_building_and_floor(submit, community):
    building = BuildingFactory(community=community, name="3号楼")
    ticket = submit(unit=None, building=building, floor=5, location_text="电梯厅灯不亮")
    assert ticket.is_common_area
    assert '"location":"3号楼 5层 电梯厅灯不亮"' in LogLeaf.objects.latest("index").data


def test_service_registers_a_phone_call_for_an_owner(service, community, owner, owner_unit,
                                                     plumbing):
    person = owner.persons.get()
    ticket = services.submit_ticket(community, actor=service, kind=TicketKind.REPAIR,
                                    category=plumbing, title="卫生间漏水", description="楼下反映渗水",
                                    unit=owner_unit, reporter=person, channel=Channel.PHONE,
                                    now=MORNING)
    assert ticket.reporter == person and ticket.reporter_user == owner
    assert ticket.created_by == service and ticket.channel == "phone"


def test_an_owner_cannot_register_for_someone_else(owner, community, plumbing):
    stranger = PersonFactory(community=community)
    with pytest.raises(PermissionDenied):
        services.submit_ticket(community, actor=owner, kind=TicketKind.REPAIR, category=plumbing,
                               title="漏水", description="漏水", location_text="车库",
                               reporter=stranger)
    assert not Ticket.objects.exists()


def test_a_member_of_another_community_cannot_submit_here(owner_other_community, community,
                                                          plumbing):
    with pytest.raises(PermissionDenied):
        services.submit_ticket(community, actor=owner_other_community, kind=TicketKind.REPAIR,
                               category=plumbing, title="漏水", description="漏水",
                               location_text="车库")


def test_the_log_keeps_the_reporter_only_as_a_commitment(submit):
    submit()
    leaf = LogLeaf.objects.get(event_type="tickets.ticket.submitted")
    data = json.loads(leaf.data)
    assert data["public"]["number"] == "BX-20261118-0001"
    assert set(data["commitments"]) == {"reporter_name", "unit"}
    # the salted commitments are random hex, which may well contain "101": look at the rest
    assert "王小明" not in leaf.data and "1单元-101" not in leaf.data
    assert "101" not in json.dumps(data["public"], ensure_ascii=False)


def test_a_rolled_back_submission_leaves_no_leaf(submit):
    with pytest.raises(RuntimeError), transaction.atomic():
        submit()
        assert LogLeaf.objects.count() == 1
        raise RuntimeError("the request failed after the service")
    assert _nothing_written() == (0, 0, 0)


def test_one_account_cannot_flood_the_desk(submit, settings, owner):
    settings.SUNLIT_TICKET_HOURLY_LIMIT = 3
    for n in range(3):
        submit(idempotency_key=f"k{n}")
    with pytest.raises(ValidationError) as error:
        submit(idempotency_key="k3")
    assert "每小时最多提交 3 个工单" in error.value.messages[0]
    assert Ticket.objects.count() == 3
    assert submit(idempotency_key="k0").pk  # a retry of an earlier submission still answers
    later = MORNING + dt.timedelta(hours=1, seconds=1)
    assert submit(idempotency_key="k4", now=later).pk  # the hour has passed


def test_customer_service_registering_calls_is_not_limited(submit, settings, service, owner):
    settings.SUNLIT_TICKET_HOURLY_LIMIT = 2
    reporter = owner.persons.get()
    for n in range(4):
        submit(actor=service, reporter=reporter, channel="phone", idempotency_key=f"p{n}")
    assert Ticket.objects.count() == 4
