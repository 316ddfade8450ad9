"""Fee items and tariff versions: no overlaps, changes announced in advance, all logged."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from sunlit.finance.billing import services
from sunlit.finance.billing.choices import Cycle, FeeKind
from sunlit.finance.models import FeeItem, FinancePolicy, Tariff
from sunlit.registry.choices import UnitUsage
from sunlit.transparency.entry import parse
from sunlit.transparency.models import LogLeaf

D = Decimal
TODAY = dt.date(2026, 1, 8)


def _events(kind):
    leaves = LogLeaf.objects.filter(event_type=kind).order_by("index")
    return [parse(x.data.encode())["public"] for x in leaves]


def test_a_change_closes_the_open_version_and_is_logged(property_fee, finance):
    new = services.set_tariff(property_fee, actor=finance, price="2.80", effective_from=dt.date(2026, 3, 1),
                              notice_published_on=dt.date(2026, 1, 5), notice_ref="公告〔2026〕1号",
                              today=TODAY)
    old = Tariff.objects.get(fee_item=property_fee, effective_from=dt.date(2025, 1, 1))
    assert old.effective_to == dt.date(2026, 3, 1) and new.effective_to is None
    event = _events("finance.tariff.set")[-1]
    assert event["price"] == "2.80" and event["notice_published_on"] == "2026-01-05"
    assert event["replaces"] == {"price": "2.3500", "from": "2025-01-01"}


@pytest.mark.parametrize(("notice", "message"), [
    (None, "须提前公示"),
    (dt.date(2026, 1, 31), "至少提前 30 天"),   # 29 days before 1 March
    (dt.date(2026, 1, 9), "不能晚于今天"),
])
def test_a_change_without_timely_notice_is_refused(property_fee, finance, notice, message):
    with pytest.raises(ValidationError, match=message):
        services.set_tariff(property_fee, actor=finance, price="2.80", effective_from=dt.date(2026, 3, 1),
                            notice_published_on=notice, today=dt.date(2026, 2, 1) if notice and
                            notice.day == 31 else TODAY)
    assert Tariff.objects.filter(fee_item=property_fee).count() == 1
    assert Tariff.objects.get(fee_item=property_fee).effective_to is None


def test_the_notice_period_is_the_community_s(property_fee, finance, community):
    services.update_policy(community, actor=finance, notice_days=10)
    services.set_tariff(property_fee, actor=finance, price="2.80", effective_from=dt.date(2026, 3, 1),
                        notice_published_on=dt.date(2026, 2, 19), today=dt.date(2026, 2, 19))
    assert _events("finance.policy.changed")[-1]["changes"] == {"notice_days": ["30", "10"]}


def test_overlapping_versions_are_refused(property_fee, finance):
    services.set_tariff(property_fee, actor=finance, price="2.80", effective_from=dt.date(2026, 3, 1),
                        effective_to=dt.date(2026, 6, 1), notice_published_on=dt.date(2026, 1, 5),
                        today=TODAY)
    for start, end in [(dt.date(2026, 5, 1), None), (dt.date(2026, 3, 1), dt.date(2026, 4, 1)),
                       (dt.date(2026, 2, 1), dt.date(2026, 3, 2))]:
        with pytest.raises(ValidationError, match="重叠"):
            services.set_tariff(property_fee, actor=finance, price="3.00", effective_from=start,
                                effective_to=end, notice_published_on=dt.date(2025, 12, 1), today=TODAY)
    assert Tariff.objects.filter(fee_item=property_fee).count() == 2


def test_a_billed_period_cannot_be_repriced(property_fee, finance, run, homes):
    run()
    with pytest.raises(ValidationError, match="已经计费"):
        services.set_tariff(property_fee, actor=finance, price="9.99", effective_from=dt.date(2026, 1, 20),
                            notice_published_on=dt.date(2025, 12, 1), today=TODAY)


@pytest.mark.parametrize(("price", "field"), [
    ("-1", "price"), ("abc", "price"), (0.5, "price"), ("1.00001", "price"),
])
def test_bad_prices_are_refused(property_fee, finance, price, field):
    with pytest.raises(ValidationError) as exc:
        services.set_tariff(property_fee, actor=finance, price=price, effective_from=dt.date(2026, 3, 1),
                            notice_published_on=dt.date(2026, 1, 1), today=TODAY)
    assert field in exc.value.message_dict
    assert Tariff.objects.filter(fee_item=property_fee).count() == 1


@pytest.mark.parametrize("tiers", [
    [{"upto": "10", "price": "3"}],                                   # last tier bounded
    [{"upto": "10", "price": "3"}, {"upto": "5", "price": "4"}, {"upto": None, "price": "5"}],
    [{"upto": None, "price": "-3"}],
    ["3.5"],
])
def test_bad_tiers_are_refused(water_fee, finance, tiers):
    with pytest.raises(ValidationError, match=r"阶梯|档"):
        services.set_tariff(water_fee, actor=finance, price="3", effective_from=dt.date(2026, 3, 1),
                            tiers=tiers, notice_published_on=dt.date(2026, 1, 1), today=TODAY)


def test_fee_item_rules(books, finance):
    with pytest.raises(ValidationError) as exc:
        services.create_fee_item(books, actor=finance, code="", name="", kind="bogus", cycle="monthly",
                                 account="9999")
    assert {"code", "name", "kind", "account"} <= set(exc.value.message_dict)
    with pytest.raises(ValidationError, match="周期"):
        services.create_fee_item(books, actor=finance, code="SF", name="水费", kind=FeeKind.METERED,
                                 cycle=Cycle.YEARLY, account="2242", applies_to=[UnitUsage.RESIDENTIAL],
                                 meter_kind="water")
    services.create_fee_item(books, actor=finance, code="WY", name="物业费", kind=FeeKind.AREA,
                             cycle=Cycle.MONTHLY, account="6001", applies_to=[UnitUsage.RESIDENTIAL])
    with pytest.raises(ValidationError, match="已存在"):
        services.create_fee_item(books, actor=finance, code="WY", name="物业费", kind=FeeKind.AREA,
                                 cycle=Cycle.MONTHLY, account="6001", applies_to=[UnitUsage.RESIDENTIAL])
    assert FeeItem.objects.count() == 1
    assert _events("finance.fee_item.created")[0]["applies_to"] == ["residential"]


@pytest.mark.parametrize("role", ["owner", "auditor", "service", "committee"])
def test_who_may_set_tariffs(property_fee, role, request):
    with pytest.raises(PermissionDenied):
        services.set_tariff(property_fee, actor=request.getfixturevalue(role), price="3",
                            effective_from=dt.date(2026, 3, 1), notice_published_on=dt.date(2026, 1, 1),
                            today=TODAY)
    assert Tariff.objects.count() == 1


@pytest.mark.parametrize(("terms", "field"), [
    ({"late_fee_daily_rate": "0.5"}, "late_fee_daily_rate"),
    ({"late_fee_daily_rate": 0.0003}, "late_fee_daily_rate"),
    ({"late_fee_cap_percent": "120"}, "late_fee_cap_percent"),
    ({"late_fee_grace_days": -1}, "late_fee_grace_days"),
    ({"notice_days": "30"}, "notice_days"),
])
def test_bad_terms_are_refused(books, finance, terms, field):
    with pytest.raises(ValidationError) as exc:
        services.update_policy(books, actor=finance, **terms)
    assert field in exc.value.message_dict
    assert FinancePolicy.objects.get(community=books).late_fee_daily_rate == D("0.000300")
