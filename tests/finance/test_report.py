"""阳光账本: the monthly report computed from the journal — exact totals on a known set of
bills, payments, a refund and manual entries; previous month and year to date; every figure
equal to the sum of its drill-down; publication frozen, hashed, on the log and immutable."""

from __future__ import annotations

import datetime as dt
import hashlib
from decimal import Decimal

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import DatabaseError, transaction

from sunlit.finance.books import ledger
from sunlit.finance.models import JournalEntry, MonthlyReport
from sunlit.finance.payments import services as payments
from sunlit.finance.payments.choices import PaymentMethod
from sunlit.finance.report import selectors as report
from sunlit.finance.report import services as report_services
from sunlit.tickets.sla import SHANGHAI
from sunlit.transparency.entry import canonical
from sunlit.transparency.models import LogLeaf

D = Decimal
JAN = dt.date(2026, 1, 1)
FEB = dt.date(2026, 2, 1)
DEC = dt.date(2025, 12, 1)
IN_JAN = dt.datetime(2026, 1, 8, 10, 0, tzinfo=SHANGHAI)
AFTER_JAN = dt.datetime(2026, 2, 2, 9, 0, tzinfo=SHANGHAI)


def manual(community, actor, date, memo, debit, credit, amount):
    return ledger.post_manual_entry(community, actor=actor, date=date, memo=memo, lines=[
        ledger.Line(debit, debit=D(amount)), ledger.Line(credit, credit=D(amount))])


@pytest.fixture
def month_books(community, finance, homes, parking_space, property_fee, parking_fee):
    """January 2026 of 明强小区: the run (634.13 of 物业服务费 + 80.00 parking), two payments, a
    refund that reopens a bill, costs, public income and its use, the fund in and out, a late
    fee; December 2025 has a fund deposit and other income."""
    with time_machine.travel(dt.datetime(2025, 12, 20, 10, tzinfo=SHANGHAI), tick=False):
        manual(community, finance, dt.date(2025, 12, 20), "维修资金归集", "1002", "2244", "3000.00")
        manual(community, finance, dt.date(2025, 12, 21), "场地租金", "1002", "6051", "100.00")
    with time_machine.travel(IN_JAN, tick=False):
        from sunlit.finance.billing import services
        services.run_billing(community, JAN, actor=finance, now=IN_JAN)
    with time_machine.travel(dt.datetime(2026, 1, 10, 10, tzinfo=SHANGHAI), tick=False):
        first = payments.receive_payment(homes[0], actor=finance, amount="300.00", method=PaymentMethod.CASH)
        second = payments.receive_payment(homes[1], actor=finance, amount="282.78", method=PaymentMethod.POS)
    with time_machine.travel(dt.datetime(2026, 1, 15, 10, tzinfo=SHANGHAI), tick=False):
        payments.refund_payment(second, actor=finance, amount="100.00", reason="重复缴费")
        manual(community, finance, dt.date(2026, 1, 15), "1月保洁外包", "6402", "1002", "1200.00")
        repair = manual(community, finance, dt.date(2026, 1, 16), "更换单元门闭门器", "6405", "1001",
                        "350.50")
        manual(community, finance, dt.date(2026, 1, 17), "电梯广告收入", "1002", "2243", "5000.00")
        manual(community, finance, dt.date(2026, 1, 18), "公共收益用于绿化补种", "2243", "1002", "800.00")
        manual(community, finance, dt.date(2026, 1, 19), "维修资金归集", "1002", "2244", "10000.00")
        manual(community, finance, dt.date(2026, 1, 20), "维修资金使用：屋面防水", "2244", "1002", "2500.00")
        manual(community, finance, dt.date(2026, 1, 21), "滞纳金", "1001", "6301", "12.34")
    return {"first": first, "second": second, "repair": repair}


def rows(rep: report.Report) -> dict:
    return {key: (r.month, r.previous, r.ytd) for key, r in rep.rows.items()}


def test_exact_totals_on_a_known_month(community, month_books):
    rep = report.build_report(community, JAN)
    got = rows(rep)
    assert got["income-6001"] == (D("634.13"), D("0.00"), D("634.13"))
    assert got["income-6002"] == (D("80.00"), D("0.00"), D("80.00"))
    assert got["income-6301"] == (D("12.34"), D("0.00"), D("12.34"))
    assert got["income-6051"] == (D("0.00"), D("100.00"), D("0.00"))  # December is last year
    assert rep.income == D("726.47") and rep.costs == D("1550.50")
    assert got["cost-6402"][0] == D("1200.00") and got["cost-6405"][0] == D("350.50")
    assert got["receivable-billed"][0] == D("714.13")
    assert got["receivable-collected"][0] == D("493.11")  # 210.33 + 282.78 (89.67 went to prepaid)
    assert got["receivable-other"][0] == D("100.00")      # the refund reopened the bill
    assert got["public-in"][0] == D("5000.00") and got["public-out"][0] == D("800.00")
    assert got["fund-in"][0] == D("10000.00") and got["fund-out"][0] == D("2500.00")
    b = rep.balances
    assert (b["1122"].opening, b["1122"].closing) == (D("0.00"), D("321.02"))
    assert (b["2243"].opening, b["2243"].closing) == (D("0.00"), D("4200.00"))
    assert (b["2244"].opening, b["2244"].closing) == (D("3000.00"), D("10500.00"))
    content = rep.as_json()
    assert content["surplus"] == {"month": "-824.03", "previous": "100.00", "ytd": "-824.03"}
    assert content["income"]["total"]["month"] == "726.47"
    # the closing balances are the books' own
    books = ledger.balances(community, as_of=dt.date(2026, 1, 31))
    assert books["1122"]["balance"] == D("321.02") and books["2244"]["balance"] == D("10500.00")
    assert all(isinstance(r.month, Decimal) for r in rep.rows.values())


def test_every_total_is_the_sum_of_its_entries(community, month_books):
    rep = report.build_report(community, JAN)
    entries = report.figure_entries(community, JAN)
    for key, row in rep.rows.items():
        assert sum((s.amount for s in entries[key]), D("0.00")) == row.month, key
        for details in (True, False):
            seen, page = D("0.00"), 1
            while True:
                dd = report.drill_down(community, JAN, key, details=details, page=page, per_page=2)
                assert dd.total == row.month
                seen += sum(dd.amounts.values(), D("0.00"))
                if page >= dd.pages:
                    break
                page += 1
            seen += sum((g.amount for g in dd.groups), D("0.00"))
            assert seen == row.month, (key, details)


def test_members_see_household_entries_only_grouped(community, month_books):
    staff = report.drill_down(community, JAN, "receivable-collected", details=True)
    assert {e.number for e in staff.entries} == {month_books["first"].entry.number,
                                                  month_books["second"].entry.number}
    member = report.drill_down(community, JAN, "receivable-collected", details=False)
    assert member.entries == [] and len(member.groups) == 1
    assert member.groups[0].count == 2 and member.groups[0].amount == D("493.11")
    billed = report.drill_down(community, JAN, "receivable-billed", details=False)
    assert len(billed.entries) == 1 and billed.entries[0].source == "billing_run"


def test_previous_month_and_a_reversal_in_the_next(community, finance, month_books):
    with time_machine.travel(dt.datetime(2026, 2, 3, 10, tzinfo=SHANGHAI), tick=False):
        ledger.reverse_entry(month_books["repair"], actor=finance, reason="供应商退货",
                             date=dt.date(2026, 2, 3))
    feb = rows(report.build_report(community, FEB))
    assert feb["cost-6405"] == (D("-350.50"), D("350.50"), D("0.00"))
    later = report.later_corrections(community, JAN, AFTER_JAN)
    assert [e.reverses.number for e in later["reversals"]] == [month_books["repair"].number]


def test_publish_freezes_hashes_and_logs(community, finance, month_books):
    with time_machine.travel(AFTER_JAN, tick=False):
        row = report_services.publish_report(community, "2026-01", actor=finance, note="首次发布")
    assert row.content_sha256 == hashlib.sha256(canonical(row.content)).hexdigest()
    assert row.content_sha256 == hashlib.sha256(report_services.content_bytes(row)).hexdigest()
    leaf = LogLeaf.objects.get(event_type="finance.report.published")
    assert row.leaf_id == leaf.pk and row.content_sha256 in leaf.data and '"income":"726.47"' in leaf.data
    fund = next(r for r in row.content["fund"]["rows"] if r["key"] == "fund-in")
    assert fund["entries"] == 1
    collected = next(r for r in row.content["receivables"]["rows"] if r["key"] == "receivable-collected")
    assert collected["entries"] == 2 and collected["entries_sha256"] == report.live_digest(
        community, JAN, "receivable-collected")
    with time_machine.travel(AFTER_JAN, tick=False), pytest.raises(ValidationError, match="已发布"):
        report_services.publish_report(community, "2026-01", actor=finance)
    # the database refuses any change of a published report
    with pytest.raises(DatabaseError), transaction.atomic():
        MonthlyReport.objects.filter(pk=row.pk).update(note="改过")
    with pytest.raises(DatabaseError), transaction.atomic():
        row.content = {**row.content, "month": "2026-02"}
        row.save()
    row.refresh_from_db()
    assert row.note == "首次发布" and row.content["month"] == "2026-01"


@pytest.mark.parametrize(("month", "message"), [
    ("2026-02", "尚未结束"), ("2026-13", "YYYY-MM"), ("26-01", "YYYY-MM"), (None, "YYYY-MM")])
def test_publish_refuses_open_or_bad_months(community, finance, month_books, month, message):
    with time_machine.travel(AFTER_JAN, tick=False), pytest.raises(ValidationError, match=message):
        report_services.publish_report(community, month, actor=finance)
    assert not MonthlyReport.objects.exists() and not LogLeaf.objects.filter(
        event_type="finance.report.published").exists()


def test_only_finance_staff_publish(community, owner, committee, auditor, month_books):
    for user in (owner, committee, auditor):
        with time_machine.travel(AFTER_JAN, tick=False), pytest.raises(PermissionDenied):
            report_services.publish_report(community, "2026-01", actor=user)
    assert not MonthlyReport.objects.exists()


def test_entry_posted_after_publication_shows_as_a_correction(community, finance, month_books):
    with time_machine.travel(AFTER_JAN, tick=False):
        row = report_services.publish_report(community, "2026-01", actor=finance)
    with time_machine.travel(AFTER_JAN + dt.timedelta(days=1), tick=False):
        late = manual(community, finance, dt.date(2026, 1, 30), "补记保洁费", "6402", "1002", "99.00")
    later = report.later_corrections(community, JAN, row.published_at)
    assert [e.number for e in later["late"]] == [late.number]
    frozen = next(r for r in row.content["costs"]["rows"] if r["key"] == "cost-6402")
    assert frozen["month"] == "1200.00"  # the snapshot does not move
    assert frozen["entries_sha256"] != report.live_digest(community, JAN, "cost-6402")
    assert JournalEntry.objects.filter(number=late.number).exists()


def test_one_figure_lists_the_same_entries_as_all_at_once(community, month_books):
    every = report.figure_entries(community, JAN)
    for fig in report.FIGURES:
        assert report.figure_shares(community, JAN, fig.key) == every[fig.key], fig.key


def test_the_publication_note_is_masked(community, finance, owner, month_books):
    with time_machine.travel(AFTER_JAN, tick=False):
        row = report_services.publish_report(community, "2026-01", actor=finance,
                                             note="王小明反映的 13812345678 问题已更正")
    assert "王小明" not in row.note and "13812345678" not in row.note and "王*明" in row.note
    assert "13812345678" not in LogLeaf.objects.get(event_type="finance.report.published").data
