"""阳光账本 API under /api/v1/finance/: monthly reports (JSON, CSV, PDF), the drill-down from a
figure to its entries, publishing, and owners' queries on entries.

A member reads published months; a month not published is 404 except for finance staff,
managers, the company and the auditor (``finance.report.drafts``), who read it as a draft and
see household entries one by one. Another community's id or entry is 404. Amounts are strings
(``"123.40"``). Creating POSTs honour ``Idempotency-Key``.
"""

from __future__ import annotations

import datetime as dt

from django.http import HttpResponse
from django.urls import reverse
from ninja import Field, Query, Router, Schema, Status

from sunlit.api.errors import ERRORS, file_answer
from sunlit.api.idempotency import IdempotencyKeyHeader, idempotent
from sunlit.api.pagination import Page, PageQuery, page
from sunlit.api.scope import community_for
from sunlit.core import exports
from sunlit.finance.books import documents, money
from sunlit.finance.models import MonthlyReport
from sunlit.finance.report import access as report_access
from sunlit.finance.report import selectors as report
from sunlit.finance.report import services as report_services

router = Router(tags=["finance-ledger"])


class ReportSummaryOut(Schema):
    month: str
    published_at: dt.datetime
    content_sha256: str
    leaf_index: int | None
    income: str
    costs: str
    surplus: str
    public_income_balance: str
    fund_balance: str


class ReportOut(Schema):
    month: str
    status: str = Field(..., description="published 已发布 / draft 草稿（仅工作人员）")
    published_at: dt.datetime | None
    content_sha256: str | None = Field(
        None, description="content 的 RFC 8785 规范 JSON 的 SHA-256（已记入透明日志）")
    leaf_index: int | None
    note: str
    content: dict
    corrections: list[dict] = Field([], description="发布后补记到本月或冲销本月的凭证")


class PublishIn(Schema):
    note: str = Field("", max_length=500)


class ReportDocumentOut(Schema):
    label: str
    url: str
    kind: str
    sha256: str


class QueryOut(Schema):
    id: int
    entry_id: int
    entry: str
    ticket: str
    ticket_id: int
    ticket_status: str
    question: str = Field(..., description="质询内容（已脱敏）")
    asked_at: dt.datetime
    answer: str = Field(..., description="公开答复（已脱敏）；未答复为空")
    answered_at: dt.datetime | None
    unresolvable: bool


class EntryOut(Schema):
    id: int
    number: str
    date: dt.date
    source: str
    memo: str
    amount: str = Field(..., description="该凭证在本项合计中的金额")
    reverses: str | None
    household: bool
    documents: list[ReportDocumentOut]
    queries: list[QueryOut]
    proof_url: str


class GroupOut(Schema):
    date: dt.date
    source: str
    count: int
    amount: str


class DrillDownOut(Schema):
    month: str
    figure: str
    label: str
    accounts: list[str]
    total: str
    count: int
    page: int
    pages: int
    per_page: int
    entries: list[EntryOut]
    groups: list[GroupOut] = Field(..., description="住户收付款按日汇总（非工作人员看不到户别）")
    published_entries: int | None
    published_entries_sha256: str | None
    current_entries_sha256: str | None


class QueryIn(Schema):
    question: str = Field(..., min_length=1, max_length=500)


def _summary(row: MonthlyReport) -> dict:
    c = row.content
    return {"month": c["month"], "published_at": row.published_at, "content_sha256": row.content_sha256,
            "leaf_index": row.leaf.index if row.leaf_id else None,
            "income": c["income"]["total"]["month"], "costs": c["costs"]["total"]["month"],
            "surplus": c["surplus"]["month"],
            "public_income_balance": c["public_income"]["balance"]["closing"],
            "fund_balance": c["fund"]["balance"]["closing"]}


def _query_out(view: report_services.QueryView) -> dict:
    q = view.query
    return {"id": q.pk, "entry_id": q.entry_id, "entry": q.entry.number, "ticket": q.ticket.number,
            "ticket_id": q.ticket_id, "ticket_status": q.ticket.status, "question": q.question_public,
            "asked_at": q.created_at, "answer": view.answer, "answered_at": view.answered_at,
            "unresolvable": view.unresolvable}


def _month(request, community_id: int, month: str):
    community = community_for(request, community_id, "finance.report.view")
    month, row = report_access.month_for(request.auth, community, month)
    return community, month, row


@router.get("/communities/{community_id}/reports", response={200: Page[ReportSummaryOut], **ERRORS},
            summary="阳光账本：已发布的月报")
def list_reports(request, community_id: int, query: Query[PageQuery]):
    community = community_for(request, community_id, "finance.report.view")
    return page(MonthlyReport.objects.in_community(community).select_related("leaf")
                .order_by("-month"), query, _summary)


@router.get("/communities/{community_id}/reports/{month}", response={200: ReportOut, **ERRORS},
            summary="阳光账本月报（已发布为快照；工作人员可看草稿）")
def get_report(request, community_id: int, month: str):
    community, month, row = _month(request, community_id, month)
    if row is None:
        return {"month": f"{month:%Y-%m}", "status": "draft", "published_at": None, "leaf_index": None,
                "note": "", "content": report.build_report(community, month).as_json()}
    later = report.later_corrections(community, month, row.published_at)
    return {"month": f"{month:%Y-%m}", "status": "published", "published_at": row.published_at,
            "content_sha256": row.content_sha256, "leaf_index": row.leaf.index if row.leaf_id else None,
            "note": row.note, "content": row.content,
            "corrections": [{"kind": "late", "number": e.number, "date": e.date, "total": money.text(e.total),
                             "memo": e.memo} for e in later["late"]]
            + [{"kind": "reversal", "number": e.number, "date": e.date, "total": money.text(e.total),
                "reverses": e.reverses.number} for e in later["reversals"]]}


@router.post("/communities/{community_id}/reports/{month}/publish",
             response={201: ReportSummaryOut, **ERRORS},
             summary="发布阳光账本月报（月末之后，每月一次，发布后不可更改）")
@idempotent
def publish(request, community_id: int, month: str, payload: PublishIn,
            idempotency_key: IdempotencyKeyHeader = None):
    community = community_for(request, community_id, "finance.report.publish")
    row = report_services.publish_report(community, month, actor=request.auth, note=payload.note)
    return Status(201, _summary(row))


@router.get("/communities/{community_id}/reports/{month}/figures/{key}/entries",
            response={200: DrillDownOut, **ERRORS}, summary="明细：某一合计背后的每一张凭证")
def figure_entries(request, community_id: int, month: str, key: str, page: int = 1, per_page: int = 100):
    community, month, row = _month(request, community_id, month)
    staff = report_access.sees_details(request.auth, community)
    dd = report.drill_down(community, month, key, details=staff, page=page, per_page=per_page)
    ids = [e.pk for e in dd.entries]
    docs = documents.documents_for(ids)
    queries = report_services.queries_by_entry(ids)
    frozen = None
    if row is not None:
        frozen = next((r for s in ("income", "costs", "receivables", "public_income", "fund")
                       for r in row.content[s]["rows"] if r["key"] == dd.figure.key), None)
    bundle = reverse("api:proof_bundle", kwargs={"community_id": community.pk})
    return {
        "month": f"{month:%Y-%m}", "figure": dd.figure.key, "label": dd.figure.label,
        "accounts": list(dd.figure.accounts), "total": money.text(dd.total), "count": dd.count,
        "page": dd.page, "pages": dd.pages, "per_page": dd.per_page,
        "entries": [{"id": e.pk, "number": e.number, "date": e.date, "source": e.source, "memo": e.memo,
                     "amount": money.text(dd.amounts.get(e.pk, money.ZERO)),
                     "reverses": e.reverses.number if e.reverses_id else None,
                     "household": e.pk in dd.household_ids,
                     "documents": [d.__dict__ for d in docs.get(e.pk, [])],
                     "queries": [_query_out(v) for v in queries.get(e.pk, [])],
                     "proof_url": f"{bundle}?subject_type=finance.journalentry&subject_id={e.pk}"}
                    for e in dd.entries],
        "groups": [{"date": g.date, "source": g.source, "count": g.count, "amount": money.text(g.amount)}
                   for g in dd.groups],
        "published_entries": frozen.get("entries") if frozen else None,
        "published_entries_sha256": frozen.get("entries_sha256") if frozen else None,
        "current_entries_sha256": report.live_digest(community, month, dd.figure.key) if row else None,
    }


@router.get("/communities/{community_id}/reports/{month}/csv", response={200: None, **ERRORS},
            openapi_extra=file_answer(exports.CSV_CONTENT_TYPE), summary="阳光账本月报 CSV（UTF-8 BOM）")
def report_csv(request, community_id: int, month: str):
    from sunlit.finance.report.views import report_csv_rows

    community, month, row = _month(request, community_id, month)
    content = row.content if row else report.build_report(community, month).as_json()
    return exports.csv_response(f"ledger-{community.code}-{month:%Y-%m}.csv",
                                report_csv_rows(content))


@router.get("/communities/{community_id}/reports/{month}/pdf", response={200: None, **ERRORS},
            openapi_extra=file_answer("application/pdf"),
            summary="阳光账本月报 PDF（含在线页面二维码与存证）")
def report_pdf(request, community_id: int, month: str):
    from sunlit.finance.report import pdf
    from sunlit.finance.report.views import SECTIONS, headline

    community, month, row = _month(request, community_id, month)
    content = row.content if row else report.build_report(community, month).as_json()
    key = f"{month:%Y-%m}"
    context = {"community": community, "month": month, "key": key, "row": row, "content": content,
               "head": headline(content),
               "sections": [{"name": n, "label": str(label), **content[n]} for n, label in SECTIONS]}
    url = request.build_absolute_uri(reverse("finance:ledger_month", args=[key]))
    response = HttpResponse(pdf.render_pdf(context, url=url), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="ledger-{community.code}-{key}.pdf"'
    return response


@router.get("/entries/{entry_id}/queries", response={200: list[QueryOut], **ERRORS},
            summary="凭证的质询与公开答复")
def list_queries(request, entry_id: int):
    entry = report_access.get_entry_for(request.auth, entry_id)
    return [_query_out(v) for v in report_services.queries_by_entry([entry.pk]).get(entry.pk, [])]


@router.post("/entries/{entry_id}/queries", response={201: QueryOut, **ERRORS},
             summary="对凭证提出质询（生成咨询工单，答复公开显示在凭证旁）")
@idempotent
def raise_query(request, entry_id: int, payload: QueryIn, idempotency_key: IdempotencyKeyHeader = None):
    entry = report_access.get_entry_for(request.auth, entry_id)
    query = report_services.raise_query(entry, actor=request.auth, question=payload.question,
                                        idempotency_key=idempotency_key or "")
    return Status(201, _query_out(report_services.answers_for([query])[0]))
