"""The demo community shows late fees collected, a waiver approved and one rejected, and this
month's water readings imported (with their meters created), all through the services."""

from __future__ import annotations

import datetime as dt

from sunlit.finance import demo
from sunlit.finance.charges.choices import WaiverStatus
from sunlit.finance.models import LateFeeCharge, Meter, MeterImport, MeterReading, Waiver
from sunlit.tickets.sla import SHANGHAI
from tests.factories import UnitFactory


def test_demo_collects_late_fees_decides_waivers_and_imports_readings(community, finance, manager, homes):
    for n in range(30):
        UnitFactory(building=homes[0].building, number=f"{n + 3}01")
    now = dt.datetime(2026, 5, 20, 10, tzinfo=SHANGHAI)
    assert demo.load_demo(community, now=now, payers=3) > 0
    assert LateFeeCharge.objects.filter(amount__gt=0).exists()
    statuses = sorted(Waiver.objects.values_list("status", flat=True))
    assert statuses == [WaiverStatus.APPROVED, WaiverStatus.REJECTED]
    assert MeterImport.objects.get().status == "committed"
    assert Meter.objects.filter(kind="water").count() == MeterReading.objects.filter(
        meter__kind="water").count() == 30
