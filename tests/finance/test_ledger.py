"""The books: one posting function that refuses anything unbalanced; append-only; on the log."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sunlit.finance.books import ledger
from sunlit.finance.books.choices import EntrySource
from sunlit.finance.books.ledger import EntrySpec, Line
from sunlit.finance.models import Account, JournalEntry, JournalLine
from sunlit.transparency.entry import parse
from sunlit.transparency.models import LogLeaf

D = Decimal
DAY = dt.date(2026, 1, 8)


def post(community, lines, **kwargs):
    with transaction.atomic():
        return ledger.post_entry(community, EntrySpec(kwargs.pop("date", DAY), kwargs.pop(
            "source", EntrySource.MANUAL), kwargs.pop("memo", "测试"), lines, **kwargs), actor=None)


def test_opening_the_books_gives_the_standard_chart_once(community, finance):
    added = ledger.open_books(community, actor=finance)
    codes = {a.code: a for a in added}
    assert {"1001", "1002", "1122", "2203", "2243", "2244", "6001", "6401"} <= set(codes)
    assert codes["1122"].kind == "asset" and codes["2203"].kind == "liability"
    assert ledger.open_books(community, actor=finance) == []
    leaf = LogLeaf.objects.get(community=community, event_type="finance.books.opened")
    assert len(parse(leaf.data.encode())["public"]["accounts"]) == len(ledger.CHART)


def test_owner_cannot_open_the_books(community, owner):
    with pytest.raises(PermissionDenied):
        ledger.open_books(community, actor=owner)
    assert not Account.objects.exists()


def test_a_balanced_entry_is_posted_numbered_and_logged(books):
    entry = post(books, [Line("1001", debit=D("100.00")), Line("6051", credit=D("100.00"))],
                 memo="场地租金")
    assert entry.number == "JZ-202601-000001" and entry.total == D("100.00")
    assert [(x.account.code, x.debit, x.credit) for x in entry.lines.select_related("account")] == [
        ("1001", D("100.00"), D("0.00")), ("6051", D("0.00"), D("100.00"))]
    leaf = LogLeaf.objects.get(event_type="finance.entry.posted", subject_id=str(entry.pk))
    public = parse(leaf.data.encode())["public"]
    assert public["lines"][0] == {"account": "1001", "name": "库存现金", "debit": "100.00",
                                  "credit": "0.00"}
    assert public["total"] == "100.00"
    assert post(books, [Line("1001", debit=D(1)), Line("6051", credit=D(1))]).number == "JZ-202601-000002"


@pytest.mark.parametrize(("lines", "field", "message"), [
    ([], "lines", "至少"),
    ([Line("1001", debit=D("1.00"))], "lines", "至少"),
    ([Line("1001", debit=D("100.00")), Line("6051", credit=D("99.99"))], "lines", "借贷不平衡"),
    ([Line("1001", debit=D("-5")), Line("6051", credit=D("-5"))], "lines.0.debit", "负数"),
    ([Line("1001", debit=D("0.001")), Line("6051", credit=D("0.001"))], "lines.0.debit", "两位小数"),
    ([Line("1001", debit=0.5), Line("6051", credit=0.5)], "lines.0.debit", "浮点"),
    ([Line("1001", debit="5"), Line("6051", credit="5")], "lines.0.debit", "浮点数或文本"),
    ([Line("1001"), Line("6051")], "lines.0", "之一"),
    ([Line("1001", debit=D(5), credit=D(5)), Line("6051", debit=D(5), credit=D(5))], "lines.0", "之一"),
    ([Line("9999", debit=D(5)), Line("6051", credit=D(5))], "lines.0.account", "科目表"),
])
def test_bad_entries_are_refused_and_nothing_is_written(books, lines, field, message):
    before = LogLeaf.objects.count()
    with pytest.raises(ValidationError) as exc:
        post(books, lines)
    assert any(message in m for m in exc.value.message_dict[field])
    assert not JournalEntry.objects.exists() and not JournalLine.objects.exists()
    assert LogLeaf.objects.count() == before


def test_an_account_of_another_community_is_refused(books, other_community, finance):
    ledger.open_books(other_community, actor=None)
    with pytest.raises(ValidationError):
        post(other_community, [Line("1001", debit=D(1)), Line("NOPE", credit=D(1))])
    assert not JournalEntry.objects.exists()


def test_the_database_refuses_a_two_sided_line(books):
    entry = post(books, [Line("1001", debit=D(1)), Line("6051", credit=D(1))])
    with pytest.raises(IntegrityError), transaction.atomic():
        JournalLine.objects.create(community=books, entry=entry, account=Account.objects.get(
            community=books, code="1001"), debit=D(1), credit=D(1))


def test_reversal_mirrors_a_manual_entry_once(books, finance):
    entry = ledger.post_manual_entry(books, actor=finance, date=DAY, memo="误记",
                                     lines=[Line("6602", debit=D("50.00")), Line("1001", credit=D("50.00"))])
    reversal = ledger.reverse_entry(entry, actor=finance, reason="记错科目")
    assert reversal.reverses == entry
    assert [(x.account.code, x.debit, x.credit) for x in reversal.lines.select_related("account")] == [
        ("6602", D("0.00"), D("50.00")), ("1001", D("50.00"), D("0.00"))]
    assert ledger.balances(books)["6602"]["balance"] == D("0.00")
    with pytest.raises(ValidationError, match="已被冲销"):
        ledger.reverse_entry(entry, actor=finance, reason="再来一次")
    with pytest.raises(ValidationError, match="不能再冲销"):
        ledger.reverse_entry(reversal, actor=finance, reason="反冲")
    with pytest.raises(ValidationError, match="原因"):
        ledger.reverse_entry(entry, actor=finance, reason=" ")


@pytest.mark.parametrize("role", ["owner", "auditor", "technician", "committee"])
def test_who_may_post_manual_entries(books, role, request):
    user = request.getfixturevalue(role)
    with pytest.raises(PermissionDenied):
        ledger.post_manual_entry(books, actor=user, date=DAY, memo="x",
                                 lines=[Line("1001", debit=D(1)), Line("6051", credit=D(1))])
    assert not JournalEntry.objects.exists()


CODES = [code for code, _name, _kind in ledger.CHART]
amounts = st.decimals(min_value=D("0.01"), max_value=D("99999.99"), places=2, allow_nan=False,
                      allow_infinity=False)
# An entry as hypothesis draws it: some (code, side, amount) lines, balanced or not.
raw_lines = st.lists(st.tuples(st.sampled_from(CODES), st.booleans(), amounts), min_size=0, max_size=6)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(entries=st.lists(st.tuples(raw_lines, st.booleans()), min_size=1, max_size=8))
def test_any_sequence_of_postings_keeps_the_books_balanced(books, entries):
    """Whatever is posted or refused, debits equal credits, and each account's balance is
    exactly the sum of the accepted lines on its normal side."""
    expected: dict[str, Decimal] = dict.fromkeys(CODES, D("0.00"))
    kinds = {a.code: a for a in Account.objects.in_community(books)}
    for raw, make_balanced in entries:
        lines = [Line(code, debit=amount) if debit else Line(code, credit=amount)
                 for code, debit, amount in raw]
        if make_balanced and lines:
            diff = sum((x.debit - x.credit for x in lines), D(0))
            if diff > 0:
                lines.append(Line("1002", credit=diff))
            elif diff < 0:
                lines.append(Line("1002", debit=-diff))
        total_debit = sum((x.debit for x in lines), D(0))
        total_credit = sum((x.credit for x in lines), D(0))
        should_post = len(lines) >= 2 and total_debit == total_credit
        try:
            post(books, lines)
        except ValidationError:
            assert not should_post
            continue
        assert should_post
        for x in lines:
            account = kinds[x.account]
            expected[x.account] += account.balance_of(x.debit, x.credit)
    balances = ledger.balances(books)
    assert ledger.trial_balance_ok(books)
    for code in CODES:
        assert balances[code]["balance"] == expected[code], code
    JournalLine.objects.all().delete()
    JournalEntry.objects.all().delete()
