"""Finance pages: the finance home, fee items and tariffs, billing runs (preview, status) — for
finance staff; "my bills" and a bill for owners and residents (phone first)."""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from sunlit.core.forms import apply_errors
from sunlit.core.permissions import can, require
from sunlit.core.tenancy import current_community, page_community
from sunlit.finance.billing import access, selectors, services
from sunlit.finance.billing.choices import RunStatus
from sunlit.finance.billing.forms import FeeItemForm, RunForm, TariffForm
from sunlit.finance.books import ledger
from sunlit.finance.models import Bill, BillingRun

# --- overview ---------------------------------------------------------------------------------


@login_required
def home(request):
    """收费管理: what is owed, the latest runs, the fee items — or "my bills" for a household."""
    community = current_community(request)
    if community is None or not can(request.user, "finance.view", community=community):
        return redirect("finance:my_bills")
    balances = ledger.balances(community) if community else {}
    return render(request, "finance/billing/home.html", {
        "balances": [balances[c] for c in ("1001", "1002", "1012", "1122", "2203", "2241") if c in balances],
        "runs": BillingRun.objects.in_community(community)[:6],
        "open_bills": Bill.objects.in_community(community).unpaid().count(),
        "can_bill": can(request.user, "finance.bill", community=community),
        "can_collect": can(request.user, "finance.collect", community=community),
        "books_open": bool(balances),
    })


# --- fee items and tariffs -----------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def fee_item_list(request):
    community = page_community(request, "finance.view")
    can_manage = can(request.user, "finance.manage", community=community)
    form = FeeItemForm(request.POST or None)
    if request.method == "POST":
        require(request.user, "finance.manage", community=community)
        if form.is_valid():
            try:
                item = services.create_fee_item(community, actor=request.user, **form.cleaned_data)
            except ValidationError as exc:
                apply_errors(form, exc)
            else:
                messages.success(request, _("收费项目已添加，请设定收费标准"))
                return redirect("finance:fee_item", item_id=item.pk)
    today = timezone.localdate()
    items = selectors.fee_items_with_tariffs(community)
    return render(request, "finance/billing/fee_item_list.html", {
        "rows": [(item, selectors.current_tariff(item, today)) for item in items],
        "form": form, "can_manage": can_manage,
    }, status=400 if form.errors else 200)


@login_required
@require_http_methods(["GET", "POST"])
def fee_item_detail(request, item_id: int):
    item = access.get_fee_item_for(request.user, item_id)
    can_manage = can(request.user, "finance.manage", item)
    form = TariffForm(request.POST or None)
    if request.method == "POST":
        item = access.get_fee_item_for(request.user, item_id, for_write=True)
        if form.is_valid():
            try:
                services.set_tariff(item, actor=request.user, **form.cleaned_data)
            except ValidationError as exc:
                apply_errors(form, exc)
            else:
                messages.success(request, _("收费标准已设定并记入透明日志"))
                return redirect("finance:fee_item", item_id=item.pk)
    policy = selectors.policy_of(item.community_id)
    return render(request, "finance/billing/fee_item_detail.html", {
        "item": item, "tariffs": item.tariffs.order_by("-effective_from"), "form": form,
        "can_manage": can_manage, "policy": policy,
    }, status=400 if form.errors else 200)


# --- billing runs -------------------------------------------------------------------------------


@login_required
def run_list(request):
    community = page_community(request, "finance.view")
    form = RunForm(request.GET or None)
    plan = error = None
    if request.GET.get("period") and form.is_valid():
        require(request.user, "finance.bill", community=community)
        try:
            plan = services.preview_billing_run(community, form.cleaned_data["period"], actor=request.user)
        except ValidationError as exc:
            error = "；".join(exc.messages)
    return render(request, "finance/billing/run_list.html", {
        "form": form, "plan": plan, "error": error,
        "sample": plan.bills[:20] if plan else [],
        "runs": BillingRun.objects.in_community(community).select_related("started_by")[:36],
        "can_bill": can(request.user, "finance.bill", community=community),
    })


@login_required
@require_POST
def run_start(request):
    community = page_community(request, "finance.bill")
    form = RunForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("请选择账期"))
        return redirect("finance:run_list")
    try:
        run = services.start_billing_run(community, form.cleaned_data["period"], actor=request.user)
    except ValidationError as exc:
        messages.error(request, "；".join(exc.messages))
        return redirect("finance:run_list")
    return redirect("finance:run", run_id=run.pk)


@login_required
def run_detail(request, run_id: int):
    """The status page of a run: polls itself (htmx) while the worker bills."""
    from sunlit.core.models import WorkerHeartbeat

    run = access.get_run_for(request.user, run_id)
    working = run.status in (RunStatus.QUEUED, RunStatus.RUNNING)
    beat = WorkerHeartbeat.objects.filter(name="worker").first() if working else None
    # a queued run waits for the worker: say so when the worker has not beaten for two minutes
    idle = working and (beat is None or timezone.now() - beat.beat_at > dt.timedelta(minutes=2))
    context = {"run": run, "working": working, "worker_idle": idle, "heartbeat": beat}
    if request.htmx and not request.htmx.boosted:
        return render(request, "finance/billing/run_detail.html#status", context)
    return render(request, "finance/billing/run_detail.html", context)



# --- households: my bills --------------------------------------------------------------------------


@login_required
def my_bills(request):
    """我的账单: every unit the user owns or lives in, with bills, payments and balance."""
    today = timezone.localdate()
    accounts = [selectors.unit_account(unit, as_of=today, bills_limit=12)
                for unit in access.my_units(request.user)]
    return render(request, "finance/billing/my_bills.html", {"accounts": accounts, "today": today})


@login_required
def bill_detail(request, bill_id: int):
    bill = access.get_bill_for(request.user, bill_id)
    view = selectors.bill_view(bill, timezone.localdate())
    return render(request, "finance/billing/bill_detail.html", {
        "bill": bill, "view": view, "lines": bill.lines.select_related("fee_item", "calc").order_by("id"),
        "allocations": bill.allocations.select_related("payment").order_by("created_at", "id"),
        "staff": can(request.user, "finance.view", community=bill.community_id),
        # charges: late fees collected, waivers
        "late_fee_charges": bill.late_fee_charges.select_related("payment").order_by("created_at", "id"),
        "waivers": bill.waivers.order_by("-requested_at"),
        "can_waive": can(request.user, "finance.waive", community=bill.community_id),
    })
