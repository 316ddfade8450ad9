"""Fixtures of the finance tests: open books, the usual fee items with tariffs, units to bill."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from sunlit.finance.billing import services
from sunlit.finance.billing.choices import Cycle, FeeKind, MeterKind
from sunlit.finance.books import ledger
from sunlit.registry.choices import UnitUsage
from sunlit.tickets.sla import SHANGHAI
from tests.factories import BuildingFactory, UnitFactory

# Billing day: Thursday 2026-01-08 10:00 in Shanghai; the tariffs were set in 2025.
NOW = dt.datetime(2026, 1, 8, 10, 0, tzinfo=SHANGHAI)
JAN = dt.date(2026, 1, 1)
FEB = dt.date(2026, 2, 1)
SET_ON = dt.date(2025, 10, 1)


@pytest.fixture
def books(community, finance):
    ledger.open_books(community, actor=finance)
    return community


@pytest.fixture
def property_fee(books, finance):
    """物业服务费: 2.35 元/㎡·月 for homes and shops, monthly."""
    item = services.create_fee_item(books, actor=finance, code="WY", name="物业服务费",
                                    kind=FeeKind.AREA, cycle=Cycle.MONTHLY, account="6001",
                                    applies_to=[UnitUsage.RESIDENTIAL, UnitUsage.COMMERCIAL])
    services.set_tariff(item, actor=finance, price="2.35", effective_from=dt.date(2025, 1, 1),
                        today=SET_ON)
    return item


@pytest.fixture
def parking_fee(books, finance):
    """车位管理费: 80 元/个·月 for parking spaces."""
    item = services.create_fee_item(books, actor=finance, code="CW", name="车位管理费",
                                    kind=FeeKind.FIXED, cycle=Cycle.MONTHLY, account="6002",
                                    applies_to=[UnitUsage.PARKING])
    services.set_tariff(item, actor=finance, price="80", effective_from=dt.date(2025, 1, 1),
                        today=SET_ON)
    return item


@pytest.fixture
def water_fee(books, finance):
    """水费: tiers 0–10 m³ 3.50, 10–20 m³ 4.20, above 5.60 (collected on behalf: 2242)."""
    item = services.create_fee_item(books, actor=finance, code="SF", name="水费",
                                    kind=FeeKind.METERED, cycle=Cycle.MONTHLY, account="2242",
                                    applies_to=[UnitUsage.RESIDENTIAL], meter_kind=MeterKind.WATER)
    services.set_tariff(item, actor=finance, price="3.50", effective_from=dt.date(2025, 1, 1),
                        tiers=[{"upto": "10", "price": "3.50"}, {"upto": "20", "price": "4.20"},
                               {"upto": None, "price": "5.60"}], today=SET_ON)
    return item


@pytest.fixture
def building(community):
    return BuildingFactory(community=community, name="1号楼")


@pytest.fixture
def homes(building, owner_unit):
    """owner_unit (89.50 ㎡) and two more homes of 1号楼: 120.33 ㎡ and 60.01 ㎡."""
    return [owner_unit,
            UnitFactory(building=building, number="102", area=Decimal("120.33")),
            UnitFactory(building=building, number="201", area=Decimal("60.01"))]


@pytest.fixture
def parking_space(building):
    return UnitFactory(building=building, number="P-001", area=Decimal("12.50"),
                       usage=UnitUsage.PARKING, floor=-1)


@pytest.fixture
def run(finance, community):
    """run(period=JAN, **kw): a billing run of the community, committed."""

    def make(period=JAN, **kwargs):
        return services.run_billing(community, period, actor=finance, now=NOW, **kwargs)

    return make


# --- public money (task `fund`) ---------------------------------------------------------------------
from tests.finance.money_fixtures import (  # noqa: E402, F401
    committee_other_community,
    receipt,
    second_manager,
)


@pytest.fixture
def no_late_fees(books, finance):
    """Late-fee collection switched off: for tests about the payment path itself, whose bills
    (January 2026) are long overdue on the real date. Late fees have their own tests."""
    from sunlit.finance.billing import services as finance_services

    finance_services.update_policy(books, actor=finance, late_fee_collect=False)
