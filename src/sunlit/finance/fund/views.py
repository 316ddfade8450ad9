"""Maintenance-fund pages: the fund's summary with deposits and uses, a new use, a use's detail
with its split, a household's statement and "my fund balance" for owners (phone first)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from sunlit.core.forms import apply_errors
from sunlit.core.permissions import can, require
from sunlit.core.tenancy import current_community, page_community
from sunlit.finance.expenses.views import fresh_key, store_files
from sunlit.finance.fund import access as fund_access
from sunlit.finance.fund import services as fund
from sunlit.finance.fund.choices import FundScope
from sunlit.finance.fund.forms import DepositForm, FundUseForm, InitialForm
from sunlit.finance.models import FundAccount, FundDeposit, FundUse
from sunlit.registry.models import Building, Unit
from sunlit.registry.search import find_units


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
        found = list(find_units(Unit.objects.in_community(community).select_related("building"),
                                q)[:20])
    return render(
        request,
        "finance/fund/fund_home.html",
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
        initial={**fresh_key(), "used_on": timezone.localdate()},
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        units = list(Unit.objects.in_community(community).filter(pk__in=data["units"]))
        if len(units) != len(set(data["units"])):
            form.add_error("units", _("房屋不属于本小区"))
        documents = store_files(form, request, community, "documents") if not form.errors else None
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
        "finance/fund/fund_use_form.html",
        {"form": form, "votes": votes},
        status=400 if form.errors else 200,
    )


@login_required
@require_http_methods(["GET", "POST"])
def fund_use_detail(request, use_id: int):
    """One use: its basis (vote or emergency with approvals), documents and the split."""
    use = fund_access.get_fund_use_for(request.user, use_id)
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
        "finance/fund/fund_use_detail.html",
        {
            "use": use,
            "documents": use.documents.order_by("id"),
            "approvers": fund.use_approvers(use),
            "entries": use.entries.order_by("id"),
            "staff": can(request.user, "finance.money.view", use),
            "may_approve": may_approve,
            # which households' statements this reader may open from the split
            "any_unit": can(request.user, "finance.view", community=use.community_id),
            "own_units": set(fund_access.owned_units(request.user).values_list("pk", flat=True)),
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
    unit = fund_access.get_fund_unit_for(request.user, unit_id)
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
        "finance/fund/fund_unit.html",
        {"accounts": [_statement(unit)], "mine": False, "form": form, "can_record": can_record},
        status=400 if form.errors else 200,
    )


@login_required
def my_fund(request):
    """我的维修资金: each unit the user owns, its balance and movements, with proofs (the fund is
    the owners' money: a tenant's page says so and shows no balance)."""
    return render(
        request,
        "finance/fund/fund_unit.html",
        {"accounts": [_statement(u) for u in fund_access.owned_units(request.user)], "mine": True},
    )
