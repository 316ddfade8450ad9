"""阳光账本 pages: the months (phone first, for every member), one month with its charts, the
drill-down from a total to its entries with their proofs, documents and queries; CSV and PDF;
publishing for finance staff."""

from __future__ import annotations

import json
import secrets

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from sunlit.core import exports
from sunlit.core.permissions import can, require
from sunlit.core.redirects import safe_next
from sunlit.core.tenancy import page_community
from sunlit.finance.books import calc, documents, money
from sunlit.finance.models import MonthlyReport
from sunlit.finance.report import access as report_access
from sunlit.finance.report import selectors as report
from sunlit.finance.report import services as report_services

SECTIONS = (("income", gettext_lazy("收入（按类别）")), ("costs", gettext_lazy("支出（按类别）")),
            ("receivables", gettext_lazy("应收账款（业主欠费合计）")),
            ("public_income", gettext_lazy("公共收益（业主共有）")), ("fund", gettext_lazy("专项维修资金")))


def _errors(exc: ValidationError) -> str:
    if hasattr(exc, "message_dict"):
        return "；".join(m for msgs in exc.message_dict.values() for m in msgs)
    return "；".join(exc.messages)


def headline(content: dict) -> dict:
    """The four numbers of a month on the phone: income, costs, surplus, fund balance."""
    return {"income": content["income"]["total"]["month"], "costs": content["costs"]["total"]["month"],
            "surplus": content["surplus"]["month"], "fund": content["fund"]["balance"]["closing"],
            "public": content["public_income"]["balance"]["closing"]}


def trend_rows(community, upto=None, extra: dict | None = None) -> list[dict]:
    """The last 12 published months (up to ``upto``) as chart rows; ``extra``: a draft to add."""
    reports = MonthlyReport.objects.in_community(community).order_by("-month")
    if upto is not None:
        reports = reports.filter(month__lte=upto)
    rows = [{"month": f"{r.month:%Y-%m}", **headline(r.content)}
            for r in reports.only("month", "content")[:12]]
    if extra is not None and not any(r["month"] == extra["month"] for r in rows):
        rows.append({"month": extra["month"], **headline(extra)})
    return sorted(rows, key=lambda r: r["month"])[-12:]


@login_required
def ledger_home(request):
    """阳光账本: the published months with their headline figures; staff also see drafts."""
    community = page_community(request, "finance.report.view")
    staff = report_access.sees_details(request.user, community)
    reports = list(MonthlyReport.objects.in_community(community).order_by("-month")
                   .only("id", "month", "content", "published_at", "content_sha256")[:36])
    months = [{"month": r.month, "key": f"{r.month:%Y-%m}", "published": r, **headline(r.content)}
              for r in reports]
    drafts = []
    today = timezone.localdate()
    if staff:
        done = {r.month for r in reports}
        first = today.replace(day=1)
        for n in range(0, 4):
            month = calc.add_months(first, -n)
            if month not in done:
                drafts.append({"month": month, "key": f"{month:%Y-%m}",
                               "closed": report.is_closed(month, today)})
    return render(request, "finance/report/home.html", {
        "community": community, "months": months, "drafts": drafts, "staff": staff,
        "can_publish": can(request.user, "finance.report.publish", community=community),
        "trend_json": json.dumps(trend_rows(community), ensure_ascii=False),
    })


def _month_context(request, month_text: str) -> dict:
    community = page_community(request, "finance.report.view")
    month, row = report_access.month_for(request.user, community, month_text)
    content = row.content if row is not None else report.build_report(community, month).as_json()
    sections = []
    for name, label in SECTIONS:
        sections.append({"name": name, "label": str(label), **content[name]})
    return {"community": community, "month": month, "key": f"{month:%Y-%m}", "row": row,
            "content": content, "sections": sections, "head": headline(content),
            "staff": report_access.sees_details(request.user, community)}


@login_required
def ledger_month(request, month: str):
    """One month: headline figures, charts, every section with its totals linking to entries."""
    context = _month_context(request, month)
    community, row, content = context["community"], context["row"], context["content"]
    today = timezone.localdate()
    corrections = (report.later_corrections(community, context["month"], row.published_at)
                   if row is not None else None)
    charts = {
        "income": [{"name": r["label"], "value": r["month"]} for r in content["income"]["rows"]
                   if money.parse_decimal(r["month"]) != money.ZERO],
        "costs": [{"name": r["label"], "value": r["month"]} for r in content["costs"]["rows"]
                  if money.parse_decimal(r["month"]) != money.ZERO],
        "trend": trend_rows(community, upto=context["month"], extra=None if row else content),
    }
    return render(request, "finance/report/month.html", {
        **context, "corrections": corrections, "charts_json": json.dumps(charts, ensure_ascii=False),
        "can_publish": (row is None and can(request.user, "finance.report.publish", community=community)
                        and report.is_closed(context["month"], today)),
    })


@login_required
def ledger_figure(request, month: str, key: str):
    """The drill-down: the entries behind one total, each with its proof, documents and queries."""
    context = _month_context(request, month)
    community, row = context["community"], context["row"]
    try:
        page = int(request.GET.get("page", "1"))
    except ValueError:
        page = 1
    try:
        dd = report.drill_down(community, context["month"], key, details=context["staff"], page=page)
    except ValidationError:
        raise Http404 from None
    ids = [e.pk for e in dd.entries]
    docs = documents.documents_for(ids)
    queries = report_services.queries_by_entry(ids)
    frozen = None
    if row is not None:
        frozen = next((r for s in ("income", "costs", "receivables", "public_income", "fund")
                       for r in row.content[s]["rows"] if r["key"] == dd.figure.key), None)
    changed = frozen is not None and frozen.get("entries_sha256") != report.live_digest(
        community, context["month"], dd.figure.key)
    rows = [{"entry": e, "amount": dd.amounts.get(e.pk, money.ZERO), "documents": docs.get(e.pk, []),
             "queries": queries.get(e.pk, []), "household": e.pk in dd.household_ids} for e in dd.entries]
    return render(request, "finance/report/figure.html", {
        **context, "dd": dd, "rows": rows, "frozen": frozen, "changed": changed,
        "entries": dd.entries,
        "can_query": row is not None and can(request.user, "finance.report.query", community=community),
        "query_key": secrets.token_urlsafe(16),
        "page_range": range(1, dd.pages + 1) if dd.pages <= 20 else None,
    })


@login_required
@require_POST
def ledger_query(request, entry_id: int):
    """提出质询 from the drill-down (the form's hidden key makes a double click one query)."""
    entry = report_access.get_entry_for(request.user, entry_id)
    back = safe_next(request, "finance:ledger_home").split("#", 1)[0]
    try:
        query = report_services.raise_query(entry, actor=request.user,
                                            question=request.POST.get("question", ""),
                                            idempotency_key=request.POST.get("idempotency_key", ""))
    except ValidationError as exc:
        messages.error(request, _errors(exc))
    else:
        messages.success(request, _("质询已提交，工单号 %(n)s；答复后将显示在该凭证旁") % {
            "n": query.ticket.number})
    return redirect(f"{back}#entry-{entry.pk}")


@login_required
@require_POST
def ledger_publish(request, month: str):
    community = page_community(request, "finance.report.view")
    require(request.user, "finance.report.publish", community=community)
    try:
        row = report_services.publish_report(community, month, actor=request.user,
                                             note=request.POST.get("note", ""))
    except ValidationError as exc:
        messages.error(request, _errors(exc))
        return redirect("finance:ledger_home")
    messages.success(request, _("%(m)s 阳光账本已发布并记入透明日志") % {"m": f"{row.month:%Y-%m}"})
    return redirect("finance:ledger_month", f"{row.month:%Y-%m}")


# --- downloads ------------------------------------------------------------------------------------


def report_csv_rows(content: dict):
    """The report's rows for its CSV (written by ``core.exports``: UTF-8 with BOM, safe cells)."""
    yield [_("阳光账本"), content.get("community_name", ""), content["month"],
           content.get("published_at", _("草稿（未发布）"))]
    yield [_("部分"), _("项目"), _("科目"), _("本月"), _("上月"), _("本年累计"), _("凭证数")]
    for name, label in SECTIONS:
        for r in content[name]["rows"]:
            yield [str(label), r["label"], " ".join(r["accounts"]), r["month"], r["previous"],
                   r["ytd"], r.get("entries", "")]
        if "total" in content[name]:
            t = content[name]["total"]
            yield [str(label), _("合计"), "", t["month"], t["previous"], t["ytd"], ""]
        if "balance" in content[name]:
            b = content[name]["balance"]
            yield [str(label), _("月初余额"), b["account"], b["opening"], "", "", ""]
            yield [str(label), _("月末余额"), b["account"], b["closing"], "", "", ""]
    s = content["surplus"]
    yield [_("结余"), _("收入合计 − 支出合计"), "", s["month"], s["previous"], s["ytd"], ""]


def _attachment(body, content_type: str, name: str, inline: bool = False) -> HttpResponse:
    response = HttpResponse(body, content_type=content_type)
    response["Content-Disposition"] = f'{"inline" if inline else "attachment"}; filename="{name}"'
    return response


@login_required
def ledger_csv(request, month: str):
    context = _month_context(request, month)
    return exports.csv_response(f"ledger-{context['community'].code}-{context['key']}.csv",
                                report_csv_rows(context["content"]))


def figure_csv_rows(dd: report.DrillDown, rows: list[dict]):
    yield [_("凭证号"), _("日期"), _("来源"), _("摘要"), _("金额"), _("笔数")]
    for r in rows:
        e = r["entry"]
        yield [e.number, e.date.isoformat(), e.get_source_display(), e.memo,
               money.text(r["amount"]), 1]
    for g in dd.groups:
        yield ["", g.date.isoformat(), g.source_label, _("住户收付款汇总（不列明户别）"),
               money.text(g.amount), g.count]
    yield [_("合计"), "", "", dd.figure.label, money.text(dd.total), ""]


@login_required
def ledger_figure_csv(request, month: str, key: str):
    context = _month_context(request, month)
    try:
        dd = report.drill_down(context["community"], context["month"], key, details=context["staff"],
                               per_page=report.MAX_PER_PAGE)
    except ValidationError:
        raise Http404 from None
    rows, page = [], 1
    while True:
        rows += [{"entry": e, "amount": dd.amounts.get(e.pk, money.ZERO)} for e in dd.entries]
        if page >= dd.pages:
            break
        page += 1
        dd_page = report.drill_down(context["community"], context["month"], key, details=context["staff"],
                                    page=page, per_page=report.MAX_PER_PAGE)
        dd.entries, dd.amounts = dd_page.entries, dd_page.amounts
    return exports.csv_response(f"ledger-{context['community'].code}-{context['key']}-{key}.csv",
                                figure_csv_rows(dd, rows))


@login_required
def ledger_pdf(request, month: str):
    from sunlit.finance.report import pdf as report_pdf

    context = _month_context(request, month)
    url = request.build_absolute_uri(reverse("finance:ledger_month", args=[context["key"]]))
    pdf = report_pdf.render_pdf(context, url=url)
    return _attachment(pdf, "application/pdf", f"ledger-{context['community'].code}-{context['key']}.pdf",
                       inline=True)


@login_required
def ledger_content_json(request, month: str):
    """The exact canonical bytes whose SHA-256 is on the log (published months only)."""
    context = _month_context(request, month)
    if context["row"] is None:
        raise Http404
    return _attachment(report_services.content_bytes(context["row"]), "application/json",
                       f"ledger-{context['community'].code}-{context['key']}.json")


@login_required
def ledger_run(request, run_id: int):
    """A billing run's public summary — the document behind its receivable entry."""
    run = report_access.get_run_for(request.user, run_id)
    items = [{"code": code, **v} for code, v in (run.summary or {}).get("items", {}).items()]
    return render(request, "finance/report/run.html", {"run": run, "items": items})
