"""Seeding the working-day calendar (``WorkCalendarDay``) from the ``chinesecalendar`` package.

The package knows the State Council's holiday schedule, with its 调休 make-up working days, for
the years it was released for (2004–2026 in 1.11). A new year's schedule is published each
November: update the package and run ``sunlit load-holidays``, or enter the days in Django
admin (工作日历). Rows already present are left alone, so staff corrections survive.
"""

from __future__ import annotations

import datetime as dt

FIRST_SEEDED_YEAR = 2020
NAMES = {
    "New Year's Day": "元旦", "Spring Festival": "春节", "Tomb-sweeping Day": "清明节",
    "Labour Day": "劳动节", "Dragon Boat Festival": "端午节", "National Day": "国庆节",
    "Mid-autumn Festival": "中秋节", "Anti-Fascist 70th Day": "抗战胜利纪念日",
}


def known_years() -> list[int]:
    """The years the installed ``chinesecalendar`` knows (from ``FIRST_SEEDED_YEAR`` on)."""
    import chinese_calendar

    years = []
    year = FIRST_SEEDED_YEAR
    while True:
        try:
            chinese_calendar.is_workday(dt.date(year, 6, 1))
        except NotImplementedError:
            return years
        years.append(year)
        year += 1


def calendar_rows(years: list[int]) -> list[tuple[dt.date, bool, str]]:
    """(date, is_workday, name) for every day of ``years``."""
    import chinese_calendar

    rows = []
    for year in years:
        day = dt.date(year, 1, 1)
        while day.year == year:
            on_holiday, name = chinese_calendar.get_holiday_detail(day)
            workday = chinese_calendar.is_workday(day)
            if on_holiday and name:
                label = NAMES.get(name, name)
            elif workday and day.weekday() >= 5:
                label = "调休上班"
            else:
                label = ""
            rows.append((day, workday, label))
            day += dt.timedelta(days=1)
    return rows


def seed(model, years: list[int] | None = None) -> int:
    """Adds the missing days of ``years`` (default: all known) to ``model``; returns how many."""
    years = known_years() if years is None else years
    if not years:
        return 0
    present = set(model.objects.filter(date__year__in=years).values_list("date", flat=True))
    new = [model(date=d, is_workday=w, name=n[:40]) for d, w, n in calendar_rows(years)
           if d not in present]
    model.objects.bulk_create(new, batch_size=1000)
    return len(new)
