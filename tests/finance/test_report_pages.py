"""阳光账本 through HTTP: who sees which month, the drill-down with proofs and documents, CSV and
PDF downloads, the API, and 质询 — an owner's question becoming an inquiry ticket whose answer is
shown beside the entry, idempotent, rate-limited and scoped to the owner's community."""

from __future__ import annotations

import datetime as dt
import shutil
import subprocess

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from sunlit.finance.books import documents
from sunlit.finance.models import BillingRun, EntryQuery, MonthlyReport
from sunlit.finance.report import services as report_services
from sunlit.tickets import services as tickets
from sunlit.tickets.choices import TicketKind, TicketStatus
from sunlit.tickets.models import Category, Ticket
from sunlit.tickets.sla import SHANGHAI
from sunlit.transparency.models import LogLeaf
from tests.conftest import HOSTILE_NEXT
from tests.finance.test_report import AFTER_JAN, manual, month_books  # noqa: F401  (fixture)

LATER = dt.datetime(2026, 2, 5, 10, tzinfo=SHANGHAI)


@pytest.fixture
def published(community, finance, month_books):  # noqa: F811
    tickets.create_default_categories(community, actor=None)
    with time_machine.travel(AFTER_JAN, tick=False):
        return report_services.publish_report(community, "2026-01", actor=finance)


def cleaning_entry(community):
    from sunlit.finance.models import JournalEntry
    return JournalEntry.objects.in_community(community).get(memo="1月保洁外包")


# --- who sees what -----------------------------------------------------------------------------------


@time_machine.travel(LATER, tick=False)
def test_owner_sees_only_published_months_and_no_neighbour(client, owner, finance, month_books):  # noqa: F811
    client.force_login(owner)
    assert client.get(reverse("finance:ledger_month", args=["2026-01"])).status_code == 404
    community_id = owner.memberships.first().community_id
    assert client.get(f"/api/v1/finance/communities/{community_id}/reports/2026-01").status_code == 404
    home = client.get(reverse("finance:ledger_home"))
    assert home.status_code == 200 and "还没有发布的月报" in home.text and "ledger-drafts" not in home.text
    client.force_login(finance)
    draft = client.get(reverse("finance:ledger_month", args=["2026-01"]))
    assert draft.status_code == 200 and "草稿" in draft.text and "726.47" in draft.text


@time_machine.travel(LATER, tick=False)
def test_published_month_page_and_drill_down_for_an_owner(client, owner, community, published, month_books):  # noqa: F811
    client.force_login(owner)
    page = client.get(reverse("finance:ledger_month", args=["2026-01"]))
    assert page.status_code == 200
    for text in ("726.47", "1,550.50", "-824.03", "10,500.00", "4,200.00", "321.02", published.content_sha256,
                 "chart-split", "echarts.min.js", 'data-testid="nav-ledger"'):
        assert text in page.text, text
    collected = client.get(reverse("finance:ledger_figure", args=["2026-01", "receivable-collected"]))
    assert collected.status_code == 200 and "493.11" in collected.text
    assert month_books["first"].entry.number not in collected.text  # a neighbour's payment is not named
    assert "1号楼" not in collected.text and 'data-testid="group"' in collected.text
    billed = client.get(reverse("finance:ledger_figure", args=["2026-01", "receivable-billed"]))
    run = BillingRun.objects.get()
    assert run.entry.number in billed.text and reverse("finance:ledger_run", args=[run.pk]) in billed.text
    assert 'data-testid="proof-badge"' in billed.text
    assert client.get(reverse("finance:ledger_run", args=[run.pk])).status_code == 200
    assert client.get(reverse("finance:ledger_figure", args=["2026-01", "nope"])).status_code == 404


@time_machine.travel(LATER, tick=False)
def test_staff_see_every_household_entry_with_its_receipt(client, finance, published, month_books):  # noqa: F811
    client.force_login(finance)
    page = client.get(reverse("finance:ledger_figure", args=["2026-01", "receivable-collected"]))
    first = month_books["first"]
    assert first.entry.number in page.text and reverse("finance:payment", args=[first.pk]) in page.text


@time_machine.travel(LATER, tick=False)
def test_documents_from_a_registered_resolver_are_shown(client, owner, community, published, monkeypatch):
    entry = cleaning_entry(community)
    calls = []

    def receipts(ids):
        calls.append(list(ids))
        return {entry.pk: [documents.EntryDocument("保洁发票 No.0042", "/uploads/0042.pdf", "receipt",
                                                   "ab" * 32)]}

    monkeypatch.setattr(documents, "_resolvers", [*documents._resolvers, receipts])
    client.force_login(owner)
    page = client.get(reverse("finance:ledger_figure", args=["2026-01", "cost-6402"]))
    assert "保洁发票 No.0042" in page.text and "/uploads/0042.pdf" in page.text and calls == [[entry.pk]]
    api = client.get(f"/api/v1/finance/communities/{community.pk}/reports/2026-01/figures/cost-6402/entries")
    assert api.json()["entries"][0]["documents"][0]["sha256"] == "ab" * 32


@time_machine.travel(LATER, tick=False)
def test_another_community_sees_nothing(client, owner_other_community, community, published):
    client.force_login(owner_other_community)
    entry = cleaning_entry(community)
    base = f"/api/v1/finance/communities/{community.pk}/reports"
    for url in (base, f"{base}/2026-01", f"{base}/2026-01/figures/cost-6402/entries", f"{base}/2026-01/csv",
                f"/api/v1/finance/entries/{entry.pk}/queries"):
        assert client.get(url).status_code == 404, url
    answer = client.post(f"/api/v1/finance/entries/{entry.pk}/queries", {"question": "为什么？"},
                         content_type="application/json")
    assert answer.status_code == 404 and not EntryQuery.objects.exists()
    # and the pages follow the user's own community: another community's month is not there
    assert client.get(reverse("finance:ledger_month", args=["2026-01"])).status_code == 404


# --- downloads ---------------------------------------------------------------------------------------


@time_machine.travel(LATER, tick=False)
def test_csv_has_bom_and_every_figure(client, owner, published):
    client.force_login(owner)
    body = client.get(reverse("finance:ledger_csv", args=["2026-01"])).getvalue().decode("utf-8")
    assert body.startswith("\ufeff阳光账本")
    for text in ("物业服务费,6001,634.13,0.00,634.13,1", "本月收回,1122,493.11", "月末余额,2244,10500.00",
                 "结余,收入合计 − 支出合计,,-824.03"):
        assert text in body, text
    detail = client.get(reverse("finance:ledger_figure_csv", args=["2026-01", "receivable-collected"]))
    text = detail.getvalue().decode("utf-8")
    assert text.startswith("\ufeff凭证号") and "住户收付款汇总" in text and "合计,,,本月收回,493.11" in text


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="pdftotext (poppler-utils) not installed")
@time_machine.travel(LATER, tick=False)
def test_pdf_has_the_figures_and_the_log_reference(client, owner, published, tmp_path):
    client.force_login(owner)
    response = client.get(reverse("finance:ledger_pdf", args=["2026-01"]))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    path = tmp_path / "ledger.pdf"
    path.write_bytes(response.content)
    text = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, check=True).stdout
    for needle in ("阳光账本", "726.47", "10,500.00", "公共收益", published.content_sha256[:16]):
        assert needle in text.replace("\n", ""), needle


# --- API ------------------------------------------------------------------------------------------------


@time_machine.travel(LATER, tick=False)
def test_api_month_drill_down_and_publish(client, finance, owner, community, month_books):  # noqa: F811
    client.force_login(finance)
    base = f"/api/v1/finance/communities/{community.pk}/reports"
    draft = client.get(f"{base}/2026-01").json()
    assert draft["status"] == "draft" and draft["content"]["income"]["total"]["month"] == "726.47"
    key = {"Idempotency-Key": "pub-1"}
    first = client.post(f"{base}/2026-01/publish", {"note": ""}, content_type="application/json", headers=key)
    again = client.post(f"{base}/2026-01/publish", {"note": ""}, content_type="application/json", headers=key)
    assert first.status_code == 201 and again.json() == first.json() and MonthlyReport.objects.count() == 1
    twice = client.post(f"{base}/2026-01/publish", {"note": ""}, content_type="application/json")
    assert twice.status_code == 422 and "已发布" in twice.json()["errors"][0]["message"]
    open_month = client.post(f"{base}/2026-02/publish", {}, content_type="application/json")
    assert open_month.status_code == 422 and open_month.json()["errors"][0]["field"] == "month"
    client.force_login(owner)
    assert client.post(f"{base}/2026-01/publish", {}, content_type="application/json").status_code == 403
    listed = client.get(base).json()["items"]
    assert listed[0]["month"] == "2026-01" and listed[0]["fund_balance"] == "10500.00"
    dd = client.get(f"{base}/2026-01/figures/receivable-collected/entries").json()
    assert dd["entries"] == [] and dd["groups"][0]["count"] == 2 and dd["total"] == "493.11"
    assert dd["published_entries_sha256"] == dd["current_entries_sha256"]
    assert client.get(f"{base}/2026-01/figures/bogus/entries").status_code == 422
    assert client.get(f"{base}/2026-13").status_code == 404
    csv = client.get(f"{base}/2026-01/csv")
    assert csv.status_code == 200 and csv.getvalue().decode("utf-8").startswith("\ufeff")


# --- 质询 -------------------------------------------------------------------------------------------


@time_machine.travel(LATER, tick=False)
def test_query_becomes_a_ticket_and_its_answer_is_shown(client, owner, service, community, published):
    entry = cleaning_entry(community)
    client.force_login(owner)
    url = reverse("finance:ledger_figure", args=["2026-01", "cost-6402"])
    response = client.post(reverse("finance:ledger_query", args=[entry.pk]), {
        "question": "保洁外包 1200 元是哪家公司？我电话 13812345678", "idempotency_key": "form-1",
        "next": url})
    assert response.status_code == 302 and response.url == f"{url}#entry-{entry.pk}"
    query = EntryQuery.objects.get()
    ticket = query.ticket
    assert ticket.kind == TicketKind.INQUIRY and ticket.unit_id is None and ticket.reporter_user == owner
    assert entry.number in ticket.title and "13812345678" not in ticket.description
    assert query.question_public.count("*") >= 4 and "13812345678" not in query.question_public
    event = LogLeaf.objects.get(event_type="finance.entry.queried")
    assert entry.number in event.data and ticket.number in event.data and "王小明" not in event.data
    page = client.get(url)
    assert "处理中" in page.text and ticket.number in page.text and "13812345678" not in page.text
    # the desk answers through the normal workflow
    ticket = tickets.accept_ticket(ticket, actor=service)
    tickets.resolve_ticket(ticket, actor=service, note="外包给洁美保洁公司，合同见公示栏，联系人王小明")
    page = client.get(url)
    assert "已答复" in page.text and "洁美保洁公司" in page.text
    assert "联系人王*明" in page.text and "联系人王小明" not in page.text  # names masked
    api = client.get(f"/api/v1/finance/entries/{entry.pk}/queries").json()
    assert api[0]["answer"].startswith("外包给洁美保洁公司") and "王*明" in api[0]["answer"]
    assert api[0]["ticket_status"] == TicketStatus.RESOLVED


@time_machine.travel(LATER, tick=False)
def test_duplicate_queries_are_one(client, owner, community, published):
    entry = cleaning_entry(community)
    client.force_login(owner)
    url = f"/api/v1/finance/entries/{entry.pk}/queries"
    body = {"question": "这笔保洁费为什么比上月高？"}
    first = client.post(url, body, content_type="application/json", headers={"Idempotency-Key": "q-1"})
    again = client.post(url, body, content_type="application/json", headers={"Idempotency-Key": "q-1"})
    assert first.status_code == 201 and again.json() == first.json()
    form = reverse("finance:ledger_query", args=[entry.pk])
    client.post(form, {**body, "idempotency_key": "f-1"})
    client.post(form, {**body, "idempotency_key": "f-1"})  # a double click
    assert EntryQuery.objects.count() == 1 and Ticket.objects.count() == 1
    same_text = report_services.raise_query(entry, actor=owner, question=" 这笔保洁费为什么比上月高？ ")
    assert same_text.pk == first.json()["id"] and EntryQuery.objects.count() == 1


@time_machine.travel(LATER, tick=False)
def test_query_refusals(client, owner, resident, finance, community, published, month_books, settings):  # noqa: F811
    entry = cleaning_entry(community)
    for bad in ("", "   ", "字" * 501, None, 12):
        with pytest.raises(ValidationError):
            report_services.raise_query(entry, actor=owner, question=bad)
    for user in (resident, finance):  # not an owner
        with pytest.raises(PermissionDenied):
            report_services.raise_query(entry, actor=user, question="为什么？")
    client.force_login(owner)
    # a neighbour's payment is not reachable one by one
    neighbour = month_books["second"].entry
    assert client.post(f"/api/v1/finance/entries/{neighbour.pk}/queries", {"question": "?"},
                       content_type="application/json").status_code == 404
    # a month not published: not reachable either
    with time_machine.travel(LATER, tick=False):
        feb = manual(community, finance, dt.date(2026, 2, 4), "2月保洁", "6402", "1002", "1200.00")
    assert client.post(f"/api/v1/finance/entries/{feb.pk}/queries", {"question": "?"},
                       content_type="application/json").status_code == 404
    wrong = client.post(f"/api/v1/finance/entries/{entry.pk}/queries", {"question": 5},
                        content_type="application/json")
    assert wrong.status_code == 422 and wrong.json()["errors"][0]["field"] == "question"
    settings.SUNLIT_ENTRY_QUERY_DAILY_LIMIT = 2
    for n in range(2):
        report_services.raise_query(entry, actor=owner, question=f"第 {n} 个问题")
    with pytest.raises(ValidationError, match="质询过于频繁"):
        report_services.raise_query(entry, actor=owner, question="第三个问题")
    assert EntryQuery.objects.count() == 2


@time_machine.travel(LATER, tick=False)
def test_manager_publishing_creates_the_query_category(community, manager, month_books):  # noqa: F811
    with time_machine.travel(AFTER_JAN, tick=False):
        report_services.publish_report(community, "2026-01", actor=manager)
    category = Category.objects.get(community=community, name=report_services.QUERY_CATEGORY)
    assert category.kind == TicketKind.INQUIRY and report_services.query_category(community) == category


def test_demo_publishes_its_months_with_one_answered_query(community, finance, manager, owner, service,
                                                           homes):
    import time

    from sunlit.finance import demo
    from sunlit.finance.books import ledger
    from sunlit.finance.models import EntryQuery

    tickets.create_default_categories(community, actor=None)
    started = time.perf_counter()
    demo.load_demo(community, payers=2)
    took = time.perf_counter() - started
    reports = list(MonthlyReport.objects.in_community(community).order_by("month"))
    assert len(reports) == 12 and all(r.leaf_id for r in reports) and ledger.trial_balance_ok(community)
    from sunlit.finance.report import selectors as report
    for row in reports:  # published after its entries: nothing shows as 补记
        assert report.later_corrections(community, row.month, row.published_at) == {
            "late": [], "reversals": []}
    views = report_services.answers_for(EntryQuery.objects.select_related("ticket"))
    assert sorted(v.is_answered for v in views) == [False, True]
    assert Category.objects.filter(community=community, name=report_services.QUERY_CATEGORY).exists()
    assert took < 10, took  # the whole finance demo of a small community (the ledger part is a fraction)


@time_machine.travel(LATER, tick=False)
def test_drill_down_page_costs_the_same_queries_for_more_entries(client, owner, finance, community, published,
                                                                 django_assert_max_num_queries):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.force_login(owner)
    url = reverse("finance:ledger_figure", args=["2026-01", "cost-6402"])
    client.get(url)  # warm the session and caches
    with CaptureQueriesContext(connection) as few:
        assert client.get(url).status_code == 200
    with time_machine.travel(AFTER_JAN, tick=False):
        for n in range(6):
            manual(community, finance, dt.date(2026, 1, 22 + n), f"保洁耗材 {n}", "6402", "1002", "10.00")
    with CaptureQueriesContext(connection) as more:
        page = client.get(url)
    assert page.text.count('data-testid="entry-') == 7
    assert len(more.captured_queries) == len(few.captured_queries)
    with django_assert_max_num_queries(40):
        client.get(url)


@time_machine.travel(LATER, tick=False)
def test_query_form_never_redirects_elsewhere(client, owner, community, published):
    entry = cleaning_entry(community)
    client.force_login(owner)
    for evil in HOSTILE_NEXT:
        response = client.post(reverse("finance:ledger_query", args=[entry.pk]),
                               {"question": f"问题 {evil}", "next": evil})
        assert response.url.startswith(reverse("finance:ledger_home")), evil
