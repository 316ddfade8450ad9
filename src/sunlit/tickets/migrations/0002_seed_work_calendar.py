"""Seeds 工作日历 with the Chinese holiday calendar the installed chinesecalendar knows."""

from django.db import migrations


def seed(apps, schema_editor):
    from sunlit.tickets import holidays

    holidays.seed(apps.get_model("tickets", "WorkCalendarDay"))


class Migration(migrations.Migration):
    dependencies = [("tickets", "0001_initial")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
