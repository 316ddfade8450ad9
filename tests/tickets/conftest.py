"""Fixtures of the ticket tests: categories, personas around one ticket, a ticket in any state."""

from __future__ import annotations

import datetime as dt

import pytest

from sunlit.core.choices import DepartmentKind, Role
from sunlit.core.models import Department, Membership
from sunlit.tickets import services
from sunlit.tickets.choices import TicketKind
from sunlit.tickets.models import Category, Ticket
from sunlit.tickets.sla import SHANGHAI

# Wednesday 2026-11-18 10:00 in Shanghai: an ordinary working morning.
MORNING = dt.datetime(2026, 11, 18, 10, 0, tzinfo=SHANGHAI)


@pytest.fixture
def engineering(community):
    return Department.objects.create(community=community, kind=DepartmentKind.ENGINEERING,
                                     name="工程部")


@pytest.fixture
def plumbing(community, engineering):
    return Category.objects.create(community=community, name="水电", kind=TicketKind.REPAIR,
                                   department=engineering)


@pytest.fixture
def noise(community):
    return Category.objects.create(community=community, name="噪音扰民", kind=TicketKind.COMPLAINT)


@pytest.fixture
def technician_member(technician, community, engineering):
    member = Membership.objects.get(user=technician, community=community, role=Role.TECHNICIAN)
    member.job_number, member.department = "G007", engineering
    member.save(update_fields=["job_number", "department"])
    return member


@pytest.fixture
def other_technician(make_member):
    return make_member(Role.TECHNICIAN, username="technician2", display_name="李师傅")


@pytest.fixture
def neighbour(make_member, community):
    """Another owner of the same community (not the reporter)."""
    return make_member(Role.OWNER, username="neighbour", display_name="邻居老周")


@pytest.fixture
def submit(owner, owner_unit, plumbing):
    """submit(**overrides): the owner reports a leaking pipe in his own unit."""

    def make(**overrides):
        args = {"actor": owner, "kind": TicketKind.REPAIR, "category": plumbing,
                "title": "厨房水管漏水", "description": "水槽下面的水管一直滴水", "unit": owner_unit,
                "now": MORNING}
        args.update(overrides)
        return services.submit_ticket(owner_unit.community, **args)

    return make


@pytest.fixture
def ticket_in(submit, technician_member):
    """ticket_in(status, **fields): a submitted ticket put straight into ``status`` (set-up only)."""

    def make(status, **fields):
        ticket = submit()
        values = {"status": status, "assignee": technician_member}
        if status in ("resolved", "followed_up"):
            values["resolved_at"] = MORNING
        if status == "suspended":
            values.update(suspended_from="on_site", paused_at=MORNING)
        values.update(fields)
        Ticket.objects.filter(pk=ticket.pk).update(**values)
        return Ticket.objects.get(pk=ticket.pk)

    return make
