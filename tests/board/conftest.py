"""Fixtures of the board tests: a community with tickets in every state around one week.

The week under test is Monday 2026-11-09 → Monday 2026-11-16 (Asia/Shanghai); the board is
generated "now" = 2026-11-16 09:00, and some tickets change after the week's end, which the
board must not see.
"""

from __future__ import annotations

import datetime as dt

import pytest

from sunlit.core.choices import Role
from sunlit.core.models import Membership
from sunlit.tickets import services as tickets
from sunlit.tickets.choices import TicketKind
from sunlit.tickets.sla import SHANGHAI
from tests.tickets.conftest import (  # noqa: F401  (fixtures reused)
    engineering,
    neighbour,
    noise,
    plumbing,
    technician_member,
)

WEEK = dt.date(2026, 11, 9)
NOW = dt.datetime(2026, 11, 16, 9, 0, tzinfo=SHANGHAI)


def at(day: int, hour: int = 10, minute: int = 0) -> dt.datetime:
    return dt.datetime(2026, 11, day, hour, minute, tzinfo=SHANGHAI)


@pytest.fixture
def staff(manager, service, dispatcher, technician_member, community):  # noqa: F811
    """The cast that works the tickets: service accepts, dispatcher dispatches."""
    return {"manager": manager, "service": service, "dispatcher": dispatcher,
            "tech": technician_member, "tech_user": technician_member.user}


@pytest.fixture
def raise_ticket(owner, owner_unit, plumbing):  # noqa: F811
    def make(when, **overrides):
        args = {"actor": owner, "kind": TicketKind.REPAIR, "category": plumbing,
                "title": "厨房水管漏水", "description": "水槽下面的水管一直滴水", "unit": owner_unit,
                "now": when}
        args.update(overrides)
        return tickets.submit_ticket(owner_unit.community, **args)

    return make


@pytest.fixture
def week_tickets(raise_ticket, staff, owner, noise, community):  # noqa: F811
    """One ticket in each state at the week's end, plus an old open one and an old closed one."""
    s = staff
    out = {}
    # old, raised the week before, still open at the week's end → 老问题, 处理中
    old = raise_ticket(at(3), title="地库漏水", description="B区顶板渗水")
    tickets.accept_ticket(old, actor=s["service"], now=at(3, 11))
    tickets.dispatch_ticket(old, to=s["tech"], actor=s["dispatcher"], now=at(3, 12))
    out["old_open"] = old
    # old, closed before the week → not on the board
    gone = raise_ticket(at(2), title="灯不亮")
    tickets.withdraw_ticket(gone, actor=owner, now=at(2, 12))
    out["old_closed"] = gone
    # resolved and rated in the week
    done = raise_ticket(at(10), description="联系人张三 138 1234 5678，3-2-1502")
    tickets.accept_ticket(done, actor=s["service"], now=at(10, 10, 5))
    tickets.dispatch_ticket(done, to=s["tech"], actor=s["dispatcher"], now=at(10, 10, 10))
    tickets.arrive_ticket(done, actor=s["tech_user"], now=at(10, 10, 40))
    tickets.resolve_ticket(done, actor=s["tech_user"], note="更换角阀", now=at(10, 11))
    tickets.rate_ticket(done, actor=owner, rating=5, now=at(10, 12))
    out["resolved"] = done
    # unresolvable
    bad = raise_ticket(at(11), kind=TicketKind.COMPLAINT, category=noise, unit=None,
                       title="夜间装修噪音", description="楼上装修", location_text="2号楼 8层走廊")
    tickets.accept_ticket(bad, actor=s["service"], now=at(11, 11))
    tickets.mark_unresolvable(bad, actor=s["manager"], reason="需由城管执法处理", now=at(11, 12))
    out["unresolvable"] = bad
    # pending at the week's end, accepted only after it
    late = raise_ticket(at(15, 22))
    tickets.accept_ticket(late, actor=s["service"], now=at(16, 8))
    out["pending"] = late
    # withdrawn
    wd = raise_ticket(at(12))
    tickets.withdraw_ticket(wd, actor=owner, now=at(12, 11))
    out["withdrawn"] = wd
    # raised after the week: not on it
    out["next_week"] = raise_ticket(at(16, 8, 30))
    return out


@pytest.fixture
def committee_member(committee, community):
    return Membership.objects.get(user=committee, community=community, role=Role.COMMITTEE)
