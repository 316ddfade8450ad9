"""Generation: which tickets, their state as of the week's end, statistics, repeats, empty weeks."""

from __future__ import annotations

import datetime as dt

import pytest

from sunlit.board import generation
from sunlit.board.choices import ItemStatus, Section
from sunlit.tickets import services as tickets
from tests.board.conftest import WEEK, at
from tests.factories import PersonFactory
from tests.tickets.conftest import other_technician  # noqa: F401  (fixture)


def _by_number(built):
    return {d.facts["number"]: d for d in built.items}


def test_every_status_and_carry_forward(community, week_tickets):
    built = generation.build(community, WEEK)
    items = _by_number(built)
    t = week_tickets
    assert t["old_closed"].number not in items
    assert t["next_week"].number not in items
    assert items[t["old_open"].number].section == Section.CARRIED
    assert items[t["old_open"].number].facts["status"] == ItemStatus.IN_PROGRESS
    assert items[t["resolved"].number].facts["status"] == ItemStatus.RESOLVED
    assert items[t["resolved"].number].facts["result"] == "更换角阀"
    assert items[t["resolved"].number].facts["rating"] == 5
    bad = items[t["unresolvable"].number].facts
    assert bad["status"] == ItemStatus.UNRESOLVABLE and bad["reason"] == "需由城管执法处理"
    assert items[t["withdrawn"].number].facts["status"] == ItemStatus.WITHDRAWN
    # accepted only after the week's end: still 待受理 on this board
    pending = items[t["pending"].number].facts
    assert pending["status"] == ItemStatus.IN_PROGRESS and pending["ticket_status"] == "待受理"
    assert built.header["stats"]["new"] == 4 and built.header["stats"]["carried"] == 1


def test_items_show_responsibility_and_promises_but_never_the_reporter(community, week_tickets, owner):
    PersonFactory(community=community, name="张三")  # a name on the roster is masked in the text
    facts = _by_number(generation.build(community, WEEK))[week_tickets["resolved"].number].facts
    assert facts["staff"]["job_number"] == "G007" and facts["department"] == "工程部"
    assert [p["step"] for p in facts["promises"]] == ["accept", "arrive", "resolve"]
    assert all(p["met"] is True for p in facts["promises"])
    text = repr(facts)
    assert "王小明" not in text and "13812345678" not in text and "1234 5678" not in text
    assert "张*" in facts["summary"] and "138****5678" in facts["summary"]
    assert "1502" not in facts["summary"]
    assert "101" not in facts["location"]


def test_generation_is_a_function_of_the_past(community, week_tickets, staff):
    first = generation.build(community, WEEK)
    # a change after the week's end does not alter the week
    from sunlit.tickets import services as tickets

    tickets.arrive_ticket(week_tickets["old_open"], actor=staff["tech_user"], now=at(16, 9, 30))
    again = generation.build(community, WEEK)
    assert [d.facts for d in first.items] == [d.facts for d in again.items]
    assert first.header == again.header


def test_statistics(community, week_tickets):
    stats = generation.build(community, WEEK).header["stats"]
    assert stats["count"] == 4
    assert stats["by_category"] == {"水电": 3, "噪音扰民": 1}
    assert stats["by_status"][ItemStatus.RESOLVED] == 1
    assert stats["response_median"] is not None
    assert stats["satisfaction"] == "5.00"
    assert set(stats["compare"]["count"]) == {"previous", "average4"}
    assert stats["compare"]["count"]["previous"] == "2"  # two raised the week before
    assert len(stats["history"]) == 4


def test_repeated_problem_detected(community, raise_ticket, owner_unit):
    for day in (3, 9, 12):
        raise_ticket(at(day), title="又漏水了")
    header = generation.build(community, WEEK).header
    assert header["repeated"] and header["repeated"][0]["count"] == 3
    assert header["repeated"][0]["category"] == "水电"
    built = generation.build(community, WEEK)
    assert all(d.facts["repeated"] for d in built.items)


def test_two_in_four_weeks_is_not_repeated(community, raise_ticket):
    raise_ticket(at(3))
    raise_ticket(at(10))
    assert generation.build(community, WEEK).header["repeated"] == []


def test_empty_week(community):
    built = generation.build(community, WEEK)
    assert built.items == [] and built.header["stats"]["count"] == 0
    assert built.header["stats"]["response_median"] is None


def test_departments_ranked(community, week_tickets):
    rows = generation.build(community, WEEK).header["departments"]
    assert [r["rank"] for r in rows] == list(range(1, len(rows) + 1))
    assert rows[0]["department"] == "工程部"


def test_week_must_be_a_monday(community):
    with pytest.raises(ValueError):
        generation.build(community, dt.date(2026, 11, 10))


@pytest.mark.parametrize(("values", "pct", "expected"), [
    ([], 50, None), ([7], 90, 7), ([1, 2, 3, 4], 50, 2), (list(range(1, 11)), 90, 9),
])
def test_percentile_nearest_rank(values, pct, expected):
    assert generation.percentile(values, pct) == expected


def test_withdrawn_before_due_is_not_a_missed_promise(community, week_tickets):
    facts = _by_number(generation.build(community, WEEK))[week_tickets["withdrawn"].number].facts
    met = {p["step"]: p["met"] for p in facts["promises"]}
    assert met["accept"] is False  # 30 minutes passed unaccepted before the owner withdrew
    assert met["resolve"] is None  # due after the withdrawal: not a broken promise


def test_responsibility_is_as_of_the_weeks_end(community, week_tickets, other_technician,  # noqa: F811
                                               dispatcher, raise_ticket):
    # the open old ticket was G007's during the week; reassigned to 李师傅 after it
    old = week_tickets["old_open"]
    tickets.dispatch_ticket(old, to=other_technician, actor=dispatcher, now=at(17, 9))
    # raised in the week, dispatched only after it: nobody had it at the week's end
    late = raise_ticket(at(13))
    tickets.dispatch_ticket(late, to=other_technician, actor=dispatcher, now=at(17, 10))
    items = _by_number(generation.build(community, WEEK))
    assert items[old.number].facts["staff"]["job_number"] == "G007"
    assert items[old.number].facts["department"] == "工程部"
    assert items[late.number].facts["staff"] is None
    # the next week's board shows the new assignee
    next_week = _by_number(generation.build(community, WEEK + dt.timedelta(weeks=1)))
    assert next_week[old.number].facts["staff"]["name"] == "李师傅"
