"""Public-money pages: public income, expenses (form with receipts, approval queue — expenses
and fund uses — detail with the trail) and the receipts behind them. The maintenance fund's
pages are ``fund.views``."""

from __future__ import annotations

import secrets

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from sunlit.core import sides, uploads
from sunlit.core.forms import apply_errors
from sunlit.core.permissions import can, require, roles_in
from sunlit.core.tenancy import page_community
from sunlit.finance.billing.selectors import policy_of
from sunlit.finance.expenses import access as access_money
from sunlit.finance.expenses import services as expenses
from sunlit.finance.expenses.choices import ExpenseStatus
from sunlit.finance.expenses.filters import ExpenseFilter
from sunlit.finance.expenses.forms import ExpenseForm, IncomeForm, NoteForm, PolicyForm, RejectForm
from sunlit.finance.fund import services as fund
from sunlit.finance.fund.choices import FundUseStatus
from sunlit.finance.models import Expense, FundUse, PublicIncome
from sunlit.governance.controls import services as controls
from sunlit.governance.controls.models import ControlKind
from sunlit.governance.controls.views import request_from_page
from sunlit.web.rendering import paginate, render_list


def store_files(form, request, community, field: str):
    """The form's images stored (all or none), or the field's error on the form."""
    try:
        return uploads.store_images(
            form.cleaned_data[field],
            community=community,
            actor=request.user,
            limit=expenses.MAX_RECEIPTS,
            field=field,
        )
    except ValidationError as exc:
        apply_errors(form, exc)
        return None


def fresh_key():
    return {"idempotency_key": secrets.token_urlsafe(16)}


# --- public income --------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def income_list(request):
    """公共收益: what the common parts earned, with the form to record more."""
    community = page_community(request, "finance.money.view")
    can_record = can(request.user, "finance.money.record", community=community)
    form = IncomeForm(
        request.POST or None, request.FILES or None,
        initial={**fresh_key(), "received_on": timezone.localdate()},
    )
    if request.method == "POST":
        require(request.user, "finance.money.record", community=community)
        if form.is_valid():
            receipts = store_files(form, request, community, "receipts")
            if receipts is not None:
                data = form.cleaned_data
                try:
                    income = expenses.record_public_income(
                        community,
                        actor=request.user,
                        category=data["category"],
                        payer=data["payer"],
                        amount=data["amount"],
                        received_on=data["received_on"],
                        method=data["method"],
                        description=data["description"],
                        receipts=receipts,
                        idempotency_key=data["idempotency_key"],
                    )
                except ValidationError as exc:
                    apply_errors(form, exc)
                else:
                    messages.success(request, _("公共收益 %(n)s 已入账并记入透明日志") % {"n": income.number})
                    return redirect("finance:income_list")
    rows = PublicIncome.objects.in_community(community).select_related("entry").prefetch_related("receipts")
    return render(
        request,
        "finance/expenses/income_list.html",
        {
            "form": form,
            "can_record": can_record,
            **paginate(request, rows, per_page=20),
        },
        status=400 if form.errors else 200,
    )


# --- expenses ----------------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def expense_list(request):
    """支出: every expense by status, and the community's two thresholds."""
    community = page_community(request, "finance.money.view")
    policy = policy_of(community)
    can_policy = can(request.user, "finance.money.policy", community=community)
    policy_form = PolicyForm(
        request.POST or None,
        initial={
            "dual_approval_above": policy.dual_approval_above,
            "receipt_required_above": policy.receipt_required_above,
        },
    )
    if request.method == "POST":
        require(request.user, "finance.money.policy", community=community)
        if policy_form.is_valid():
            data = dict(policy_form.cleaned_data)
            reason = data.pop("reason", "")
            try:
                # lowering: at once; raising: the committee's, or a proposal it confirms
                request_from_page(request, community, ControlKind.MONEY_POLICY, data,
                                  reason=reason, done=_("金额标准已修改并记入透明日志"))
            except ValidationError as exc:
                apply_errors(policy_form, exc)
            else:
                return redirect("finance:expense_list")
    filterset = ExpenseFilter(request.GET, queryset=Expense.objects.in_community(community)
                              .select_related("created_by"))
    rows = filterset.qs  # an unknown status is ignored: the whole list
    status = filterset.form.cleaned_data.get("status", "")
    return render_list(
        request,
        "finance/expenses/expense_list.html",
        {
            "status": status,
            "statuses": ExpenseStatus.choices,
            "policy": policy,
            "policy_form": policy_form,
            "can_policy": can_policy,
            "is_committee": sides.is_committee_member(request.user, community),
            "control_changes": controls.history(community, ControlKind.MONEY_POLICY),
            "can_record": can(request.user, "finance.money.record", community=community),
            **paginate(request, rows, per_page=20),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def expense_new(request):
    """登记支出 with its receipt images; submitted for approval at once unless unticked."""
    community = page_community(request, "finance.money.record")
    policy = policy_of(community)
    form = ExpenseForm(
        request.POST or None,
        request.FILES or None,
        initial={**fresh_key(), "spent_on": timezone.localdate(), "submit": True},
    )
    if request.method == "POST" and form.is_valid():
        receipts = store_files(form, request, community, "receipts")
        if receipts is not None:
            data = form.cleaned_data
            try:
                expense = expenses.create_expense(
                    community,
                    actor=request.user,
                    category=data["category"],
                    payee=data["payee"],
                    amount=data["amount"],
                    spent_on=data["spent_on"],
                    description=data["description"],
                    method=data["method"],
                    receipts=receipts,
                    submit=data["submit"],
                    idempotency_key=data["idempotency_key"],
                )
            except ValidationError as exc:
                apply_errors(form, exc)
            else:
                messages.success(request, _("支出 %(n)s 已登记") % {"n": expense.number})
                return redirect("finance:expense", expense_id=expense.pk)
    return render(
        request,
        "finance/expenses/expense_form.html",
        {"form": form, "policy": policy},
        status=400 if form.errors else 200,
    )


def _can_act(user, expense: Expense) -> dict:
    roles = roles_in(user, expense.community_id)
    steps = list(expense.steps.all())
    approved = {s.side for s in steps if s.action == "approved"}
    mine = any(s.actor_id == user.pk for s in steps if s.action in ("created", "submitted", "approved"))
    company = bool(roles & expenses.COMPANY_ROLES)
    committee = sides.is_committee_member(user, expense.community_id)
    may_approve = (
        expense.status == ExpenseStatus.SUBMITTED
        and not mine
        and (
            (company and "manager" not in approved)
            or (committee and expense.needs_committee and "committee" not in approved)
        )
    )
    return {
        "may_submit": expense.status == ExpenseStatus.DRAFT
        and can(user, "finance.money.record", community=expense.community_id),
        "may_approve": may_approve,
        "may_post": expense.status == ExpenseStatus.APPROVED
        and can(user, "finance.post", community=expense.community_id),
    }


@login_required
@require_http_methods(["GET", "POST"])
def expense_detail(request, expense_id: int):
    """One expense: receipts, the approval trail, and the step the user may take."""
    expense = access_money.get_expense_for(request.user, expense_id)
    note_form, reject_form = NoteForm(), RejectForm()
    if request.method == "POST":
        action = request.POST.get("action")
        try:
            if action == "submit":
                expenses.submit_expense(expense, actor=request.user)
                messages.success(request, _("已提交审批"))
            elif action == "approve":
                note_form = NoteForm(request.POST)
                if note_form.is_valid():
                    expenses.approve_expense(expense, actor=request.user, note=note_form.cleaned_data["note"])
                    messages.success(request, _("已审批同意"))
            elif action == "reject":
                reject_form = RejectForm(request.POST)
                if reject_form.is_valid():
                    expenses.reject_expense(
                        expense, actor=request.user, reason=reject_form.cleaned_data["reason"]
                    )
                    messages.success(request, _("已驳回"))
            elif action == "post":
                expenses.post_expense(expense, actor=request.user)
                messages.success(request, _("已支付入账并记入透明日志"))
        except ValidationError as exc:
            messages.error(request, "；".join(exc.messages))
        if not (note_form.errors or reject_form.errors):
            return redirect("finance:expense", expense_id=expense.pk)
    expense = access_money.get_expense_for(request.user, expense_id)
    return render(
        request,
        "finance/expenses/expense_detail.html",
        {
            "expense": expense,
            "steps": expense.steps.select_related("actor"),
            "receipts": expense.receipts.order_by("id"),
            "note_form": note_form,
            "reject_form": reject_form,
            **_can_act(request.user, expense),
        },
    )


@login_required
def approvals(request):
    """审批: what waits for this user's side — the manager's, or the committee's."""
    community = page_community(request, "finance.money.approve")
    roles = roles_in(request.user, community)
    company = bool(roles & expenses.COMPANY_ROLES)
    waiting = (
        Expense.objects.in_community(community)
        .awaiting_approval()
        .exclude(steps__actor=request.user)
        .prefetch_related("steps")
    )
    rows = [e for e in waiting if _can_act(request.user, e)["may_approve"]]
    uses = (
        FundUse.objects.in_community(community)
        .filter(status=FundUseStatus.PENDING)
        .exclude(
            Q(created_by=request.user)
            | Q(manager_approved_by=request.user)
            | Q(committee_approved_by=request.user)
        )
    )
    uses = [u for u in uses if fund.may_approve(u, request.user)]
    return render(
        request,
        "finance/expenses/approvals.html",
        {
            "expenses": rows,
            "uses": uses,
            "side": _("项目经理") if company else _("业委会委员"),
        },
    )


@login_required
def money_file(request, upload_id: int):
    """A receipt or document, after the access check (thumbnail with ``?thumb=1``)."""
    upload = access_money.get_receipt_for(request.user, upload_id)
    return uploads.upload_response(upload, thumbnail=request.GET.get("thumb") == "1")
