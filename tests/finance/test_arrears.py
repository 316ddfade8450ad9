"""Arrears aging (账龄) and collection rate (收缴率): exact buckets, partial payments, refunds
reopening bills, fee items pro rata, late fees as of a date, tenant scope."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from sunlit.finance.arrears import bills
from sunlit.finance.arrears import selectors as arrears
from sunlit.finance.billing import selectors, services
from sunlit.finance.billing.choices import Cycle, FeeKind
from sunlit.finance.books import calc
from sunlit.finance.models import Bill
from sunlit.finance.payments import services as payments
from sunlit.finance.payments.choices import PaymentMethod
from sunlit.registry.choices import UnitUsage
from tests.factories import OwnershipFactory, UnitFactory
from tests.finance.conftest import FEB, JAN, NOW, SET_ON

D = Decimal
DUE = dt.date(2026, 2, 7)  # bills issued 2026-01-08, due 30 days later


@pytest.fixture
def january(run, homes, property_fee):
    """January bills of the three homes: 210.33, 282.78, 141.02 (634.13), due 2026-02-07."""
    run()
    return {b.unit_id: b for b in Bill.objects.all()}


def at(day: dt.date, hour: int = 10) -> dt.datetime:
    return NOW.replace(year=day.year, month=day.month, day=day.day, hour=hour)


def pay(unit, finance, amount, day, **kw):
    return payments.receive_payment(
        unit, actor=finance, amount=amount, method=PaymentMethod.CASH, now=at(day), **kw
    )


def test_buckets_constant_covers_every_day_once():
    keys = [bills.bucket_of(n) for n in range(-5, 1000)]
    assert keys[:6] == ["not_due"] * 6
    assert bills.bucket_of(1) == "d1_30" and bills.bucket_of(30) == "d1_30"
    assert bills.bucket_of(31) == "d31_90" and bills.bucket_of(90) == "d31_90"
    assert bills.bucket_of(91) == "d91_180" and bills.bucket_of(180) == "d91_180"
    assert bills.bucket_of(181) == "d181_365" and bills.bucket_of(365) == "d181_365"
    assert bills.bucket_of(366) == "y1_2" and bills.bucket_of(730) == "y1_2"
    assert bills.bucket_of(731) == "y2_plus"


@pytest.mark.parametrize(
    ("days", "bucket"),
    [
        (-1, "not_due"),
        (0, "not_due"),
        (1, "d1_30"),
        (30, "d1_30"),
        (31, "d31_90"),
        (90, "d31_90"),
        (91, "d91_180"),
        (180, "d91_180"),
        (181, "d181_365"),
        (365, "d181_365"),
        (366, "y1_2"),
        (730, "y1_2"),
        (731, "y2_plus"),
    ],
)
def test_bucket_boundaries_in_sql(community, january, days, bucket):
    report = arrears.aging(community, as_of=DUE + dt.timedelta(days=days))
    assert report.buckets[bucket] == D("634.13") and report.total == D("634.13")
    assert sum(report.buckets.values()) == D("634.13")


def test_bills_not_yet_issued_are_not_counted(community, january):
    report = arrears.aging(community, as_of=dt.date(2026, 1, 7))
    assert report.total == 0 and report.units == 0 and report.debtors == []


def test_partial_payment_counts_from_its_day(community, january, homes, finance):
    pay(homes[0], finance, "100.00", dt.date(2026, 3, 1))
    before = arrears.aging(community, as_of=dt.date(2026, 2, 28))
    after = arrears.aging(community, as_of=dt.date(2026, 3, 1))
    assert before.total == D("634.13")
    assert after.total == D("534.13") and after.buckets["d1_30"] == D("534.13")
    top = after.debtors[0]
    assert top.label == homes[1].label and top.total == D("282.78")
    mine = next(d for d in after.debtors if d.unit_id == homes[0].pk)
    assert mine.total == D("110.33") and mine.bills == 1


def test_paid_bill_leaves_and_refund_reopens_it(community, january, homes, finance):
    payment = pay(homes[0], finance, "210.33", dt.date(2026, 2, 1))
    assert arrears.aging(community, as_of=dt.date(2026, 2, 20)).total == D("423.80")
    payments.refund_payment(
        payment, actor=finance, amount="50.00", reason="多收", now=at(dt.date(2026, 3, 10))
    )
    assert Bill.objects.get(unit=homes[0]).status == "partial"
    # as of before the refund: still paid; after: 50 owed again
    assert arrears.aging(community, as_of=dt.date(2026, 3, 9)).total == D("423.80")
    after = arrears.aging(community, as_of=dt.date(2026, 3, 10))
    assert after.total == D("473.80")
    mine = next(d for d in after.debtors if d.unit_id == homes[0].pk)
    assert mine.total == D("50.00")


def test_full_refund_reopens_a_bill_as_open(community, january, homes, finance):
    payment = pay(homes[0], finance, "210.33", dt.date(2026, 2, 1))
    payments.refund_payment(
        payment, actor=finance, amount="210.33", reason="退回", now=at(dt.date(2026, 4, 10))
    )
    assert Bill.objects.get(unit=homes[0]).status == "open"
    report = arrears.aging(community, as_of=dt.date(2026, 5, 1))
    assert report.total == D("634.13")
    # the late fee knows the bill was paid from 1 Feb to 9 Apr: less than an untouched bill's
    terms = selectors.late_fee_terms(community)
    untouched = calc.late_fee(
        amount=D("210.33"), due_on=DUE, payments=(), as_of=dt.date(2026, 5, 1), terms=terms
    )
    mine = next(d for d in report.debtors if d.unit_id == homes[0].pk)
    assert mine.late_fee < untouched.amount


def test_late_fees_as_of_match_calc(community, january, homes, finance):
    pay(homes[0], finance, "100.00", dt.date(2026, 3, 20))
    as_of = dt.date(2026, 6, 30)
    report = arrears.aging(community, as_of=as_of)
    terms = selectors.late_fee_terms(community)
    expected = sum(
        (
            calc.late_fee(
                amount=b.amount,
                due_on=b.due_on,
                as_of=as_of,
                terms=terms,
                payments=[
                    (a.created_at.astimezone(NOW.tzinfo).date(), a.amount) for a in b.allocations.all()
                ],
            ).amount
            for b in Bill.objects.all()
        ),
        D(0),
    )
    assert expected > 0 and report.late_fees == expected
    assert sum((d.late_fee for d in report.debtors), D(0)) == expected
    # within the grace period there is none
    assert arrears.aging(community, as_of=DUE + dt.timedelta(days=30)).late_fees == 0


def test_fee_items_split_pro_rata_and_filter(
    community, books, finance, homes, parking_space, property_fee, run
):
    garbage = services.create_fee_item(
        books,
        actor=finance,
        code="LJ",
        name="垃圾清运费",
        kind=FeeKind.FIXED,
        cycle=Cycle.MONTHLY,
        account="6051",
        applies_to=[UnitUsage.RESIDENTIAL, UnitUsage.PARKING],
    )
    services.set_tariff(garbage, actor=finance, price="10", effective_from=dt.date(2025, 1, 1), today=SET_ON)
    run()
    bill = Bill.objects.get(unit=homes[0])
    assert bill.amount == D("220.33")
    pay(homes[0], finance, "100.00", dt.date(2026, 2, 1))
    report = arrears.aging(community, as_of=dt.date(2026, 2, 10))
    items = {r.label: r.total for r in report.by_fee_item}
    # 100 paid: 物业费 share 100×210.33/220.33 = 95.46 (half-up), 垃圾费 the rest 4.54
    assert items["物业服务费"] == D("210.33") - D("95.46") + D("282.78") + D("141.02")
    assert items["垃圾清运费"] == D("10") - D("4.54") + D("20") + D("10")
    assert sum(items.values()) == report.total
    only = arrears.aging(community, as_of=dt.date(2026, 2, 10), fee_item=garbage)
    assert only.total == items["垃圾清运费"] and [r.label for r in only.by_fee_item] == ["垃圾清运费"]
    assert only.units == 4  # parking space too


def test_building_filter_and_tenant_scope(community, other_community, january, homes, finance, make_member):
    from sunlit.core.choices import Role
    from sunlit.finance.books import ledger

    other_finance = make_member(Role.FINANCE, other_community, username="f2")
    ledger.open_books(other_community, actor=other_finance)
    item = services.create_fee_item(
        other_community,
        actor=other_finance,
        code="WY",
        name="物业服务费",
        kind=FeeKind.AREA,
        cycle=Cycle.MONTHLY,
        account="6001",
        applies_to=[UnitUsage.RESIDENTIAL],
    )
    services.set_tariff(
        item, actor=other_finance, price="9", effective_from=dt.date(2025, 1, 1), today=SET_ON
    )
    UnitFactory(building__community=other_community, area=D("100"))
    services.run_billing(other_community, JAN, actor=other_finance, now=NOW)
    mine = arrears.aging(community, as_of=dt.date(2026, 3, 1))
    assert mine.total == D("634.13") and mine.units == 3
    theirs = arrears.aging(other_community, as_of=dt.date(2026, 3, 1))
    assert theirs.total == D("900.00")
    second = UnitFactory(building__community=community, building__name="2号楼", area=D("50"))
    services.run_billing(community, FEB, actor=finance, now=NOW)
    both = arrears.aging(community, as_of=dt.date(2026, 3, 1))
    assert [r.label for r in both.by_building] == ["1号楼", "2号楼"]
    one = arrears.aging(community, as_of=dt.date(2026, 3, 1), building=second.building)
    assert one.total == D("117.50") and one.units == 1


def test_debtors_show_masked_owner_names(community, january, homes, owner):
    report = arrears.aging(community, as_of=dt.date(2026, 3, 1))
    row = next(d for d in report.debtors if d.unit_id == homes[0].pk)
    assert row.owners == "王*明" and "王小明" not in str(report.debtors)
    OwnershipFactory(unit=homes[1], person__name="欧阳小红", person__community=community)
    report = arrears.aging(community, as_of=dt.date(2026, 3, 1))
    assert report.debtors[0].owners == "欧**红"


def test_csv_rows_per_unit(community, january, homes):
    rows = list(arrears.aging_by_unit(community, as_of=dt.date(2026, 3, 1)))
    assert [r[0] for r in rows] == [homes[1].label, homes[0].label, homes[2].label]
    assert rows[0][3]["d1_30"] == D("282.78") and rows[0][4] == D("282.78")


# --- collection rate ----------------------------------------------------------------------------


def test_collection_rate_fractions_by_month_and_building(community, finance, homes, property_fee, run):
    run()
    services.run_billing(community, FEB, actor=finance, now=at(dt.date(2026, 2, 5)))
    pay(
        homes[0],
        finance,
        "210.33",
        dt.date(2026, 2, 1),
        bills=[Bill.objects.get(unit=homes[0], period_start=JAN).pk],
    )
    pay(homes[1], finance, "100.00", dt.date(2026, 2, 20))
    pay(homes[2], finance, "141.02", dt.date(2026, 3, 5))  # after the report date
    report = arrears.collection(community, year=2026, as_of=dt.date(2026, 2, 28))
    jan = report.by_month[JAN]
    assert jan.billed == D("634.13") and jan.collected == D("310.33")
    assert jan.fraction == "31033/63413" and jan.percent == D("48.94")
    feb = report.by_month[FEB]
    assert feb.collected == 0 and feb.percent == D("0.00")
    assert report.year_rate.billed == D("1268.26") and report.year_rate.collected == D("310.33")
    assert report.year_rate.percent == D("24.47")
    later = arrears.collection(community, year=2026, as_of=dt.date(2026, 3, 5))
    assert later.by_month[JAN].collected == D("451.35")
    b_id = homes[0].building_id
    assert later.cells[(b_id, JAN)].percent == arrears.percent(D("451.35"), D("634.13"))


def test_prior_year_arrears_collection(community, finance, homes, property_fee, run):
    services.run_billing(community, dt.date(2025, 12, 1), actor=finance, now=at(dt.date(2025, 12, 5)))
    pay(homes[0], finance, "10.00", dt.date(2025, 12, 20))  # before 1 January: not counted
    pay(homes[1], finance, "282.78", dt.date(2026, 1, 20))  # arrears collected in 2026
    report = arrears.collection(community, year=2026, as_of=dt.date(2026, 1, 31))
    assert report.arrears.billed == D("624.13")  # owed on 1 January
    assert report.arrears.collected == D("282.78")
    assert report.arrears.percent == D("45.31")
    assert report.year_rate.billed == 0 and report.year_rate.percent is None


def test_percent_is_exact_half_up():
    assert arrears.percent(D("1"), D("3")) == D("33.33")
    assert arrears.percent(D("2"), D("3")) == D("66.67")
    assert arrears.percent(D("1"), D("8")) == D("12.50")
    assert arrears.percent(D("0.01"), D("0")) is None


@pytest.mark.parametrize("days", [29, 30, 31, 32, 100, 400, 4000])
def test_grouped_late_fees_equal_calc_for_untouched_bills(community, january, days):
    as_of = DUE + dt.timedelta(days=days)
    terms = selectors.late_fee_terms(community)
    rows = [(DUE, D("210.33"), 1), (DUE, D("282.78"), 2), (DUE - dt.timedelta(days=3), D("0.01"), 5)]
    fees = [calc.late_fee(amount=a, due_on=d, payments=(), as_of=as_of, terms=terms).amount * n
            for d, a, n in rows]
    expected = sum(fees, D(0))
    assert bills.late_fee_groups(rows, as_of, terms) == expected
