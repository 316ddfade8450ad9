"""API tokens expire by default (issue 12): tokens made without an expiry get one.

A usable token created before tokens expired by default keeps working for the default life
(``SUNLIT_API_TOKEN_DAYS``, 90 days) from the upgrade, so that gates and scripts do not stop
at once; its owner sees the date on 接口令牌 (/account/tokens/) and makes a new one in time.
"""

from datetime import timedelta

from django.conf import settings
from django.db import migrations
from django.utils import timezone


def give_expiry(apps, schema_editor):
    ApiToken = apps.get_model("core", "ApiToken")
    days = getattr(settings, "SUNLIT_API_TOKEN_DAYS", 90)
    ApiToken.objects.filter(expires_at__isnull=True, revoked_at__isnull=True).update(
        expires_at=timezone.now() + timedelta(days=days))


class Migration(migrations.Migration):
    dependencies = [("core", "0003_upload")]

    operations = [migrations.RunPython(give_expiry, migrations.RunPython.noop)]
