"""SLA arithmetic across nights, weekends, the 2026 National Day holiday, make-up days, pauses."""

from __future__ import annotations

import datetime as dt

import chinese_calendar
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sunlit.tickets import holidays, sla
from sunlit.tickets.models import WorkCalendarDay
from sunlit.tickets.sla import SHANGHAI, WorkCalendar, add_minutes, minutes_between

W, A = "working", "24x7"


def at(*args) -> dt.datetime:
    return dt.datetime(*args, tzinfo=SHANGHAI)


def calendar_2026() -> WorkCalendar:
    return WorkCalendar({d: w for d, w, _n in holidays.calendar_rows([2026])})


@pytest.mark.parametrize(("start", "minutes", "mode", "expected"), [
    # round the clock: across midnight
    (at(2026, 11, 18, 23, 50), 15, A, at(2026, 11, 19, 0, 5)),
    (at(2026, 10, 1, 9, 0), 60, A, at(2026, 10, 1, 10, 0)),  # holidays do not matter in 24×7
    # working time: inside a period, across lunch, from the night, across a weekend
    (at(2026, 11, 18, 9, 0), 120, W, at(2026, 11, 18, 11, 0)),
    (at(2026, 11, 18, 11, 30), 60, W, at(2026, 11, 18, 14, 0)),
    (at(2026, 11, 18, 12, 30), 10, W, at(2026, 11, 18, 13, 40)),
    (at(2026, 11, 18, 22, 0), 30, W, at(2026, 11, 19, 9, 0)),
    (at(2026, 11, 19, 6, 0), 30, W, at(2026, 11, 19, 9, 0)),
    (at(2026, 11, 20, 17, 30), 60, W, at(2026, 11, 23, 9, 0)),  # Friday → Monday
    (at(2026, 11, 21, 10, 0), 30, W, at(2026, 11, 23, 9, 0)),  # from a Saturday
    (at(2026, 11, 18, 17, 59), 1, W, at(2026, 11, 18, 18, 0)),  # ends exactly at closing
    # three working days for a complaint: Monday 10:00 → Thursday 10:00
    (at(2026, 11, 16, 10, 0), 3 * 480, W, at(2026, 11, 19, 10, 0)),
    # National Day 2026: 1–7 October off; Saturday 10 October is a make-up working day
    (at(2026, 9, 30, 17, 0), 120, W, at(2026, 10, 8, 9, 30)),
    (at(2026, 10, 3, 10, 0), 30, W, at(2026, 10, 8, 9, 0)),
    (at(2026, 10, 9, 17, 0), 120, W, at(2026, 10, 10, 9, 30)),
    (at(2026, 10, 10, 17, 0), 120, W, at(2026, 10, 12, 9, 30)),
    # Sunday 20 September 2026 is a make-up working day too
    (at(2026, 9, 19, 10, 0), 30, W, at(2026, 9, 20, 9, 0)),
    (at(2026, 11, 18, 10, 0), 0, W, at(2026, 11, 18, 10, 0)),
])
def test_add_minutes(start, minutes, mode, expected):
    assert add_minutes(start, minutes, mode, calendar=calendar_2026()) == expected


def test_working_time_of_a_day_is_eight_hours():
    assert minutes_between(at(2026, 11, 18, 0, 0), at(2026, 11, 19, 0, 0), W,
                           calendar=calendar_2026()) == sla.WORKING_DAY_MINUTES


def test_a_date_without_a_calendar_row_falls_back_to_monday_to_friday():
    empty = WorkCalendar()
    assert add_minutes(at(2030, 10, 4, 17, 0), 120, W, calendar=empty) == at(2030, 10, 7, 9, 30)
    assert add_minutes(at(2030, 10, 2, 17, 0), 120, W, calendar=empty) == at(2030, 10, 3, 9, 30)


@pytest.mark.django_db
def test_the_calendar_in_the_database_knows_the_2026_holidays():
    assert WorkCalendarDay.objects.get(date=dt.date(2026, 10, 1)).name == "国庆节"
    assert WorkCalendarDay.objects.get(date=dt.date(2026, 10, 10)).is_workday
    cal = WorkCalendar.from_db()
    assert add_minutes(at(2026, 9, 30, 17, 0), 120, W, calendar=cal) == at(2026, 10, 8, 9, 30)
    # staff correct a day in admin: the new row wins
    WorkCalendarDay.objects.filter(date=dt.date(2026, 10, 8)).update(is_workday=False)
    cal = WorkCalendar.from_db()
    assert add_minutes(at(2026, 9, 30, 17, 0), 120, W, calendar=cal) == at(2026, 10, 9, 9, 30)


@pytest.mark.django_db
def test_loading_holidays_adds_only_missing_days():
    assert holidays.seed(WorkCalendarDay, [2026]) == 0
    WorkCalendarDay.objects.filter(date__year=2026, date__month=12).delete()
    assert holidays.seed(WorkCalendarDay, [2026]) == 31


@pytest.mark.parametrize(("mode", "pauses", "expected"), [
    (A, [(at(2026, 11, 18, 10, 30), at(2026, 11, 18, 11, 0))], at(2026, 11, 18, 11, 30)),
    (A, [(at(2026, 11, 18, 9, 0), at(2026, 11, 18, 10, 30))], at(2026, 11, 18, 11, 30)),
    (A, [(at(2026, 11, 18, 12, 0), at(2026, 11, 18, 13, 0))], at(2026, 11, 18, 11, 0)),  # later
    # working: a pause over lunch only costs the working part of it
    (W, [(at(2026, 11, 18, 10, 30), at(2026, 11, 18, 14, 0))], at(2026, 11, 18, 14, 30)),
    # paused until the evening: counting resumes the next working morning
    (W, [(at(2026, 11, 18, 10, 30), at(2026, 11, 18, 20, 0))], at(2026, 11, 19, 9, 0)),
])
def test_pauses_do_not_count(mode, pauses, expected):
    start = at(2026, 11, 18, 10, 0)
    assert add_minutes(start, 60, mode, calendar=calendar_2026(), pauses=pauses) == expected


@pytest.mark.parametrize(("mode", "due", "resumed", "expected"), [
    (A, at(2026, 11, 18, 12, 0), at(2026, 11, 18, 15, 0), at(2026, 11, 18, 17, 0)),
    # 2 working hours left at Wednesday 10:00; resumed Friday 17:00 → Monday 09:30
    (W, at(2026, 11, 18, 12, 0), at(2026, 11, 20, 17, 0), at(2026, 11, 23, 9, 30)),
    # already missed when the pause began: stays missed
    (A, at(2026, 11, 18, 9, 0), at(2026, 11, 18, 15, 0), at(2026, 11, 18, 9, 0)),
])
def test_a_due_time_moves_by_the_pause(mode, due, resumed, expected):
    paused = at(2026, 11, 18, 10, 0)
    assert sla.shift_after_pause(due, paused, resumed, mode, calendar=calendar_2026()) == expected


def test_naive_datetimes_are_refused():
    with pytest.raises(ValueError):
        add_minutes(dt.datetime(2026, 11, 18, 10, 0), 10, W)


moments = st.datetimes(min_value=dt.datetime(2026, 1, 1), max_value=dt.datetime(2026, 12, 20),
                       timezones=st.just(SHANGHAI)).map(lambda d: d.replace(second=0, microsecond=0))
CAL = calendar_2026()


@settings(max_examples=150, deadline=None)
@given(start=moments, minutes=st.integers(0, 5000), mode=st.sampled_from([W, A]))
def test_counting_back_gives_the_minutes_added(start, minutes, mode):
    due = add_minutes(start, minutes, mode, calendar=CAL)
    assert due >= start
    assert minutes_between(start, due, mode, calendar=CAL) == minutes
    if mode == A:
        assert due - start == dt.timedelta(minutes=minutes)


@settings(max_examples=100, deadline=None)
@given(start=moments, minutes=st.integers(1, 3000))
def test_working_due_times_fall_in_working_hours_of_working_days(start, minutes):
    due = add_minutes(start, minutes, W, calendar=CAL)
    assert chinese_calendar.is_workday(due.date())
    assert dt.time(8, 30) < due.time() <= dt.time(12, 0) or dt.time(13, 30) < due.time() <= dt.time(18, 0)
