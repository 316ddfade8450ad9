"""Arrears pages for finance staff: 欠费账龄 (aging, CSV), 收缴率 (chart, table, CSV), 催缴
(templates, rules, reminders sent) and the manual reminder from a unit's account page.

Owners never see these pages (``finance.view`` by role; the household object rule applies to
their own bills only). Nothing here, nor anywhere else, restricts a household for arrears.
"""

from __future__ import annotations

import itertools
import json
import secrets

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from sunlit.core import exports
from sunlit.core.forms import apply_errors
from sunlit.core.permissions import can, require
from sunlit.core.tenancy import page_community
from sunlit.finance.arrears import selectors as arrears
from sunlit.finance.arrears import services as reminders
from sunlit.finance.arrears.filters import ReminderFilter
from sunlit.finance.arrears.forms import (
    AgingFilter,
    CollectionFilter,
    ManualReminderForm,
    ReminderRuleForm,
    ReminderTemplateForm,
)
from sunlit.finance.billing import access
from sunlit.finance.books import money
from sunlit.finance.models import Reminder, ReminderRule, ReminderTemplate
from sunlit.notices.choices import DeliveryChannel, DeliveryStatus
from sunlit.web.rendering import paginate


def csv_response(filename: str, header: list[str], rows) -> StreamingHttpResponse:
    """A CSV download through the project's writer (``core.exports``), streamed."""
    return exports.csv_response(filename, itertools.chain([header], rows))


def _pct(value) -> str:
    return "" if value is None else f"{value}%"


# --- aging ----------------------------------------------------------------------------------------


@login_required
def aging(request):
    """欠费账龄: unpaid amounts as of a date per bucket, building, fee item; the largest debtors."""
    community = page_community(request, "finance.view")
    form = AgingFilter(request.GET or None, community=community, initial={"as_of": timezone.localdate()})
    values = form.values()
    if request.GET.get("format") == "csv":
        header = [
            _("房屋"),
            _("楼栋"),
            _("业主（脱敏）"),
            *[str(b.label) for b in arrears.BUCKETS],
            _("合计"),
        ]
        rows = (
            [
                label,
                building,
                owners,
                *[money.text(buckets[k]) for k in arrears.BUCKET_KEYS],
                money.text(total),
            ]
            for label, building, owners, buckets, total in arrears.aging_by_unit(community, **values)
        )
        return csv_response(f"aging-{values['as_of']:%Y%m%d}.csv", header, rows)
    report = arrears.aging(community, **values)
    return render(
        request,
        "finance/arrears/aging.html",
        {
            "form": form,
            "report": report,
            "buckets": arrears.BUCKETS,
            "query": request.GET.urlencode(),
            "can_remind": can(request.user, "finance.collect", community=community),
        },
    )


# --- collection rate ------------------------------------------------------------------------------


@login_required
def collection(request):
    """收缴率: by building and month, with a chart, the year's rate and 清欠率."""
    community = page_community(request, "finance.view")
    today = timezone.localdate()
    form = CollectionFilter(request.GET or None, community=community,
                            initial={"as_of": today, "year": today.year})
    values = form.values()
    report = arrears.collection(community, **values)
    if request.GET.get("format") == "csv":
        header = [_("楼栋"), _("账期"), _("应收"), _("已收"), _("未收"), _("收缴率")]
        rows = []
        for _b_id, name, cells, _year in report.rows():
            for month, rate in zip(report.months, cells, strict=True):
                if rate is not None:
                    rows.append(
                        [
                            name,
                            f"{month:%Y-%m}",
                            money.text(rate.billed),
                            money.text(rate.collected),
                            money.text(rate.outstanding),
                            _pct(rate.percent),
                        ]
                    )
        for month in report.months:
            rate = report.by_month[month]
            rows.append(
                [
                    _("全部"),
                    f"{month:%Y-%m}",
                    money.text(rate.billed),
                    money.text(rate.collected),
                    money.text(rate.outstanding),
                    _pct(rate.percent),
                ]
            )
        return csv_response(f"collection-{report.year}-{report.as_of:%Y%m%d}.csv", header, rows)
    chart = [
        {
            "month": f"{m:%Y-%m}",
            "billed": money.text(report.by_month[m].billed),
            "collected": money.text(report.by_month[m].collected),
            "rate": None if report.by_month[m].percent is None else str(report.by_month[m].percent),
        }
        for m in report.months
    ]
    return render(
        request,
        "finance/arrears/collection.html",
        {
            "form": form,
            "report": report,
            "chart_json": json.dumps(chart, ensure_ascii=False),
            "query": request.GET.urlencode(),
        },
    )


# --- reminders ------------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def reminder_home(request):
    """催缴: templates, rules and the reminders sent (with what each channel delivered)."""
    community = page_community(request, "finance.view")
    can_manage = can(request.user, "finance.manage", community=community)
    template_form = ReminderTemplateForm(
        request.POST if request.POST.get("form") == "template" else None, prefix="t"
    )
    rule_form = ReminderRuleForm(
        request.POST if request.POST.get("form") == "rule" else None, community=community, prefix="r"
    )
    if request.method == "POST":
        require(request.user, "finance.manage", community=community)
        form = template_form if request.POST.get("form") == "template" else rule_form
        if form.is_valid():
            try:
                if form is template_form:
                    reminders.save_template(community, actor=request.user, **form.cleaned_data)
                    messages.success(request, _("催缴模板已保存"))
                else:
                    reminders.save_rule(community, actor=request.user, **form.cleaned_data)
                    messages.success(request, _("催缴规则已保存"))
            except ValidationError as exc:
                apply_errors(form, exc)
            else:
                return redirect("finance:reminders")
    sent = ReminderFilter(request.GET, community=community,  # ?unit= for one unit's reminders
                          queryset=Reminder.objects.in_community(community)
                          .select_related("unit__building", "rule", "sent_by")).qs
    page = paginate(request, sent, per_page=20)
    deliveries = reminders.deliveries_of([r.pk for r in page["page_obj"]])
    for reminder in page["page_obj"]:
        reminder.delivery = [
            f"{DeliveryChannel(c).label} {DeliveryStatus(st).label} {n}"
            for c, counts in deliveries.get(reminder.pk, {}).items()
            for st, n in counts.items()
        ]
    return render(
        request,
        "finance/arrears/reminders.html",
        {
            "templates": ReminderTemplate.objects.in_community(community),
            "rules": ReminderRule.objects.in_community(community).select_related("template"),
            "template_form": template_form,
            "rule_form": rule_form,
            "can_manage": can_manage,
            "placeholders": reminders.PLACEHOLDERS,
            "stats": reminders.stats(community),
            **page,
        },
        status=400 if template_form.errors or rule_form.errors else 200,
    )


@login_required
@require_http_methods(["GET", "POST"])
def reminder_template_edit(request, template_id: int):
    community = page_community(request, "finance.manage")
    template = get_object_or_404(ReminderTemplate.objects.in_community(community), pk=template_id)
    form = ReminderTemplateForm(request.POST or None, initial={"name": template.name, "body": template.body})
    if request.method == "POST" and form.is_valid():
        try:
            reminders.save_template(community, actor=request.user, template=template, **form.cleaned_data)
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, _("催缴模板已保存"))
            return redirect("finance:reminders")
    return render(
        request,
        "finance/arrears/reminder_edit.html",
        {"form": form, "title": _("修改催缴模板"), "placeholders": reminders.PLACEHOLDERS},
        status=400 if form.errors else 200,
    )


@login_required
@require_http_methods(["GET", "POST"])
def reminder_rule_edit(request, rule_id: int):
    community = page_community(request, "finance.manage")
    rule = get_object_or_404(ReminderRule.objects.in_community(community), pk=rule_id)
    initial = {
        "name": rule.name,
        "days_after_due": rule.days_after_due,
        "channel": rule.channel,
        "template": rule.template_id,
        "min_amount": money.text(rule.min_amount),
        "quiet_from": rule.quiet_from,
        "quiet_to": rule.quiet_to,
        "is_active": rule.is_active,
    }
    form = ReminderRuleForm(request.POST or None, community=community, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            reminders.save_rule(community, actor=request.user, rule=rule, **form.cleaned_data)
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, _("催缴规则已保存"))
            return redirect("finance:reminders")
    return render(
        request,
        "finance/arrears/reminder_edit.html",
        {"form": form, "title": _("修改催缴规则"), "placeholders": None},
        status=400 if form.errors else 200,
    )


@login_required
@require_http_methods(["GET", "POST"])
def unit_remind(request, unit_id: int):
    """人工催缴 of one unit (from its account page)."""
    unit = access.get_unit_for(request.user, unit_id)
    if not can(request.user, "finance.collect", unit):
        raise Http404
    form = ManualReminderForm(
        request.POST or None, community=unit.community, initial={"idempotency_key": secrets.token_urlsafe(16)}
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            reminders.send_reminder(
                unit,
                actor=request.user,
                channel=data["channel"],
                template=data["template"],
                idempotency_key=data["idempotency_key"],
            )
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, _("已向 %(unit)s 发送催缴提醒") % {"unit": unit.label})
            return redirect("finance:unit", unit_id=unit.pk)
    recent = Reminder.objects.filter(unit=unit).select_related("rule")[:10]
    return render(
        request,
        "finance/arrears/remind.html",
        {"unit": unit, "form": form, "recent": recent},
        status=400 if form.errors else 200,
    )
