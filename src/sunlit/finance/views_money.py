"""Public-money pages: public income, expenses (form with receipts, approval queue, detail with
the trail), the maintenance fund (summary, deposits, uses, per-household statements) and
"my fund balance" for owners (phone first)."""

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
from sunlit.core.permissions import can, require, roles_in
from sunlit.core.tenancy import current_community, page_community
from sunlit.finance import access, access_money, expenses, fund
from sunlit.finance.choices import ExpenseStatus, FundScope, FundUseStatus
from sunlit.finance.forms_money import (
    DepositForm,
    ExpenseForm,
    FundUseForm,
    IncomeForm,
    InitialForm,
    NoteForm,
    PolicyForm,
    RejectForm,
)
from sunlit.finance.models import Expense, FundAccount, FundDeposit, FundUse, PublicIncome
from sunlit.governance.controls import services as controls
from sunlit.governance.controls.models import ControlKind
from sunlit.governance.controls.views import request_from_page
from sunlit.registry.forms import apply_errors
from sunlit.registry.models import Building, Unit
from sunlit.web.rendering import paginate, render_list


def _store(form, request, community, field: str):
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


def _key():
    return {"idempotency_key": secrets.token_urlsafe(16)}


# --- public income --------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def income_list(request):
    """公共收益: what the common parts earned, with the form to record more."""
    community = page_community(request, "finance.money.view")
    can_record = can(request.user, "finance.money.record", community=community)
    form = IncomeForm(
        request.POST or None, request.FILES or None, initial={**_key(), "received_on": timezone.localdate()}
    )
    if request.method == "POST":
        require(request.user, "finance.money.record", community=community)
        if form.is_valid():
            receipts = _store(form, request, community, "receipts")
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
        "finance/money/income_list.html",
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
    policy = expenses.policy_of(community)
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
    status = request.GET.get("status", "")
    rows = Expense.objects.in_community(community).select_related("created_by")
    if status in ExpenseStatus.values:
        rows = rows.filter(status=status)
    return render_list(
        request,
        "finance/money/expense_list.html",
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
    policy = expenses.policy_of(community)
    form = ExpenseForm(
        request.POST or None,
        request.FILES or None,
        initial={**_key(), "spent_on": timezone.localdate(), "submit": True},
    )
    if request.method == "POST" and form.is_valid():
        receipts = _store(form, request, community, "receipts")
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
        "finance/money/expense_form.html",
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
        "finance/money/expense_detail.html",
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
        "finance/money/approvals.html",
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


# --- the maintenance fund ---------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def fund_home(request):
    """专项维修资金: the fund's balance, deposits and uses; the initial collection form."""
    community = current_community(request)
    if community is None or not can(request.user, "finance.money.view", community=community):
        return redirect("finance:my_fund")
    buildings = Building.objects.in_community(community).order_by("name")
    form = InitialForm(
        request.POST or None,
        buildings=buildings,
        initial={"deposited_on": timezone.localdate(), "scope": FundScope.COMMUNITY},
    )
    if request.method == "POST":
        require(request.user, "finance.money.record", community=community)
        if form.is_valid():
            data = form.cleaned_data
            try:
                deposit = fund.collect_initial(
                    community,
                    actor=request.user,
                    rate=data["rate"],
                    deposited_on=data["deposited_on"],
                    scope=data["scope"],
                    buildings=list(buildings.filter(pk__in=data["buildings"])),
                    method=data["method"],
                )
            except ValidationError as exc:
                apply_errors(form, exc)
            else:
                messages.success(
                    request, _("已归集 %(n)d 户，合计 %(t)s 元") % {"n": deposit.units, "t": deposit.total}
                )
                return redirect("finance:fund")
    q = (request.GET.get("q") or "").strip()
    found = []
    if q:
        units = Unit.objects.in_community(community).select_related("building")
        for word in q.replace("-", " ").split()[:3]:
            units = units.filter(Q(building__name__icontains=word) | Q(number__icontains=word))
        found = list(units[:20])
    return render(
        request,
        "finance/money/fund_home.html",
        {
            "summary": fund.fund_summary(community),
            "form": form,
            "q": q,
            "found": found,
            "deposits": FundDeposit.objects.in_community(community)[:20],
            "uses": FundUse.objects.in_community(community).select_related("vote")[:20],
            "can_record": can(request.user, "finance.money.record", community=community),
        },
        status=400 if form.errors else 200,
    )


@login_required
@require_http_methods(["GET", "POST"])
def fund_use_new(request):
    """登记维修资金使用: by a passed vote, or by the emergency procedure."""
    community = page_community(request, "finance.money.record")
    buildings = Building.objects.in_community(community).order_by("name")
    votes = list(fund.eligible_votes(community))
    form = FundUseForm(
        request.POST or None,
        request.FILES or None,
        buildings=buildings,
        votes=votes,
        initial={**_key(), "used_on": timezone.localdate()},
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        units = list(Unit.objects.in_community(community).filter(pk__in=data["units"]))
        if len(units) != len(set(data["units"])):
            form.add_error("units", _("房屋不属于本小区"))
        documents = _store(form, request, community, "documents") if not form.errors else None
        if documents is not None:
            vote = next((v for v in votes if str(v.pk) == data["vote"]), None)
            try:
                use = fund.create_fund_use(
                    community,
                    actor=request.user,
                    title=data["title"],
                    contractor=data["contractor"],
                    amount=data["amount"],
                    used_on=data["used_on"],
                    basis=data["basis"],
                    vote=vote,
                    emergency_reason=data["emergency_reason"],
                    description=data["description"],
                    documents=documents,
                    scope=data["scope"],
                    buildings=list(buildings.filter(pk__in=data["buildings"])),
                    units=units,
                    method=data["method"],
                    idempotency_key=data["idempotency_key"],
                )
            except ValidationError as exc:
                apply_errors(form, exc)
            else:
                messages.success(request, _("已登记 %(n)s") % {"n": use.number})
                return redirect("finance:fund_use", use_id=use.pk)
    return render(
        request,
        "finance/money/fund_use_form.html",
        {"form": form, "votes": votes},
        status=400 if form.errors else 200,
    )


@login_required
@require_http_methods(["GET", "POST"])
def fund_use_detail(request, use_id: int):
    """One use: its basis (vote or emergency with approvals), documents and the split."""
    use = access_money.get_fund_use_for(request.user, use_id)
    if request.method == "POST":
        try:
            fund.approve_fund_use(use, actor=request.user)
            messages.success(request, _("已审批"))
        except ValidationError as exc:
            messages.error(request, "；".join(exc.messages))
        return redirect("finance:fund_use", use_id=use.pk)
    may_approve = fund.may_approve(use, request.user)
    return render(
        request,
        "finance/money/fund_use_detail.html",
        {
            "use": use,
            "documents": use.documents.order_by("id"),
            "approvers": fund.use_approvers(use),
            "entries": use.entries.order_by("id"),
            "staff": can(request.user, "finance.money.view", use),
            "may_approve": may_approve,
        },
    )


def _statement(unit: Unit) -> dict:
    account = FundAccount.objects.filter(unit=unit).first()
    lines = list(fund.unit_statement(unit))
    use_of = {}
    through = FundUse.entries.through
    for entry_id, use_id in through.objects.filter(
        journalentry_id__in=[x.entry_id for x in lines]
    ).values_list("journalentry_id", "funduse_id"):
        use_of[entry_id] = use_id
    uses = {u.pk: u for u in FundUse.objects.filter(pk__in=set(use_of.values()))}
    return {
        "unit": unit,
        "balance": account.balance if account else None,
        "movements": [(x, uses.get(use_of.get(x.entry_id))) for x in reversed(lines)],
    }


@login_required
@require_http_methods(["GET", "POST"])
def fund_unit(request, unit_id: int):
    """One household's fund statement (staff: any unit of the community; owner: his own);
    finance staff record a deposit (续筹/补交) for the unit here."""
    unit = access.get_unit_for(request.user, unit_id)
    can_record = can(request.user, "finance.money.record", community=unit.community_id)
    form = DepositForm(request.POST or None, initial={"deposited_on": timezone.localdate()})
    if request.method == "POST":
        require(request.user, "finance.money.record", community=unit.community_id)
        if form.is_valid():
            data = form.cleaned_data
            try:
                fund.record_deposits(
                    unit.community,
                    actor=request.user,
                    deposits=[(unit, data["amount"])],
                    deposited_on=data["deposited_on"],
                    memo=data["memo"],
                    method=data["method"],
                )
            except ValidationError as exc:
                for key, found in exc.message_dict.items():
                    field = "amount" if key.startswith("deposits") else key
                    for message in found:
                        form.add_error(field if field in form.fields else None, message)
            else:
                messages.success(request, _("已登记补交"))
                return redirect("finance:fund_unit", unit_id=unit.pk)
    return render(
        request,
        "finance/money/fund_unit.html",
        {"accounts": [_statement(unit)], "mine": False, "form": form, "can_record": can_record},
        status=400 if form.errors else 200,
    )


@login_required
def my_fund(request):
    """我的维修资金: each unit the user owns or lives in, its balance and movements, with proofs."""
    return render(
        request,
        "finance/money/fund_unit.html",
        {"accounts": [_statement(u) for u in access.my_units(request.user)], "mine": True},
    )
