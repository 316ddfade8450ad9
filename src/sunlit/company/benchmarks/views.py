"""Benchmarks (对标) and the monthly scorecard (考核): the company's pages, a community's view
for its committee, and the Excel export."""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from sunlit.company.access import require_company_admin
from sunlit.company.benchmarks import selectors, services
from sunlit.company.benchmarks.forms import ScorecardForm
from sunlit.core.exports import XlsxWriter, xlsx_response
from sunlit.core.forms import apply_errors
from sunlit.core.models import Community
from sunlit.core.tenancy import page_community


def _month(request) -> dt.date:
    raw = request.GET.get("month", "")
    try:
        return dt.datetime.strptime(raw, "%Y-%m").date()
    except ValueError:
        today = timezone.localdate()
        return (today.replace(day=1) - dt.timedelta(days=1)).replace(day=1) if today.day < 3 \
            else today.replace(day=1)


@login_required
def benchmarks(request):
    organization = require_company_admin(request.user)
    day, rows = selectors.benchmarks(organization)
    return render(request, "company/benchmarks/benchmarks.html", {
        "organization": organization, "day": day, "rows": rows, "kpis": selectors.KPIS,
        "min_peers": selectors.MIN_PEERS})


@login_required
@require_POST
def snapshot(request):
    count = services.snapshot_now(request.user)
    messages.success(request, _("已生成今日快照：%(n)s 个小区") % {"n": count})
    return redirect("company:benchmarks")


def _assessment_context(request, organization, form=None):
    month = _month(request)
    day, rows = selectors.month_scores(organization, month)
    weights, targets = selectors.scorecard_of(organization)
    community_id = request.GET.get("community", "")
    community = (Community.objects.filter(organization=organization, pk=community_id).first()
                 if community_id.isdigit() else None) or (rows[0].snapshot.community if rows
                                                          else None)
    return {
        "organization": organization, "month": month, "day": day, "rows": rows,
        "kpis": selectors.KPIS,
        "plan": [(k, weights[k.key], targets[k.key]) for k in selectors.KPIS],
        "form": form or ScorecardForm(weights=weights, targets=targets),
        "community": community,
        "departments": selectors.department_scores(community, month) if community else [],
        "communities": Community.objects.filter(organization=organization).order_by("pk"),
    }


@login_required
def assessment(request):
    organization = require_company_admin(request.user)
    return render(request, "company/benchmarks/assessment.html",
                  _assessment_context(request, organization))


@login_required
@require_POST
def scorecard(request):
    organization = require_company_admin(request.user)
    weights, targets = selectors.scorecard_of(organization)
    form = ScorecardForm(request.POST, weights=weights, targets=targets)
    if form.is_valid():
        try:
            services.set_scorecard(request.user, weights=form.weights(), targets=form.targets())
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, _("考核方案已保存"))
            return redirect("company:assessment")
    return render(request, "company/benchmarks/assessment.html",
                  _assessment_context(request, organization, form), status=400)


@login_required
def assessment_export(request):
    """The month's scorecard as an Excel workbook (``core.exports``): the communities with every
    figure and score, and each community's departments."""
    organization = require_company_admin(request.user)
    month = _month(request)
    _day, rows = selectors.month_scores(organization, month)
    book = XlsxWriter(title=_("月度考核"))
    header = [_("小区"), _("快照日期")]
    for kpi in selectors.KPIS:
        header += [f"{kpi.label}（{kpi.unit}）", _("%(kpi)s得分") % {"kpi": kpi.label}]
    sheet = book.sheet(str(_("小区考核")), [str(h) for h in [*header, _("总分")]])
    for row in rows:
        line = [row.snapshot.community.name, row.snapshot.day]
        for kpi in selectors.KPIS:
            line += [_cell(row.values[kpi.key]), _cell(row.scores[kpi.key])]
        sheet.append([*line, _cell(row.total)])
    departments = book.sheet(str(_("部门考核")), [str(h) for h in (
        _("小区"), _("部门"), _("办结工单（件）"), _("时限达标率（%）"), _("评分（星）"),
        _("评价数"), _("投诉（件）"))])
    for community in Community.objects.filter(organization=organization).order_by("pk"):
        for d in selectors.department_scores(community, month):
            departments.append([community.name, d["department"], d["closed"], _cell(d["sla"]),
                                _cell(d["rating"]), d["ratings"], d["complaints"]])
    return xlsx_response(f"assessment-{month:%Y-%m}.xlsx", book.to_bytes())


def _cell(value):
    return float(value) if value is not None else ""


@login_required
def community_benchmark(request):
    community = page_community(request, "benchmarks.view")
    day, distributions, count = selectors.community_view(community)
    return render(request, "company/benchmarks/community.html", {
        "community": community, "day": day, "distributions": distributions, "count": count,
        "min_peers": selectors.MIN_PEERS})
