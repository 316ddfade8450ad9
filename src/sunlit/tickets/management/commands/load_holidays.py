"""``sunlit load-holidays``: adds the Chinese holiday calendar's missing days to 工作日历."""

from django.core.management.base import BaseCommand

from sunlit.tickets import holidays
from sunlit.tickets.models import WorkCalendarDay


class Command(BaseCommand):
    help = "Loads working days, holidays and make-up working days from the chinesecalendar package."

    def add_arguments(self, parser):
        parser.add_argument("years", nargs="*", type=int, help="years (default: all the package knows)")

    def handle(self, *args, years, **options):
        known = holidays.known_years()
        missing = [y for y in years if y not in known]
        if missing:
            self.stderr.write(f"chinesecalendar does not know {missing}; enter them in admin (工作日历)")
        added = holidays.seed(WorkCalendarDay, [y for y in years if y in known] if years else None)
        self.stdout.write(f"{added} days added")
