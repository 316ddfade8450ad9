"""Pages of payments: the counter, a unit's account, a payment with its late fees and refunds, the
e-receipt PDF."""

from __future__ import annotations

import secrets

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from sunlit.core.forms import apply_errors
from sunlit.core.permissions import can, require
from sunlit.core.tenancy import page_community
from sunlit.finance.billing import access, selectors

# --- overview ---------------------------------------------------------------------------------
from sunlit.finance.billing.choices import BillStatus
from sunlit.finance.books import money
from sunlit.finance.online.views import base_url
from sunlit.finance.payments import access as payments_access
from sunlit.finance.payments import receipts
from sunlit.finance.payments import services as payments
from sunlit.finance.payments.forms import PaymentForm, RefundForm, UnitSearchForm
from sunlit.registry.models import Unit
from sunlit.registry.search import find_units
from sunlit.web.rendering import render_list


@login_required
def counter(request):
    """柜台收费: find a home as the payer says it (8号楼302, a name, a mobile or its last four
    digits: the one home search)."""
    community = page_community(request, "finance.collect")
    form = UnitSearchForm(request.GET or None)
    units = Unit.objects.none()
    if form.is_valid() and form.cleaned_data["q"]:
        units = find_units(Unit.objects.in_community(community).select_related("building"),
                           form.cleaned_data["q"]).order_by("building__sort_key", "building__name",
                                                           "entrance", "number")[:30]
    owed = selectors.receivable_by_unit(community) if units else {}
    return render_list(request, "finance/payments/counter.html", {
        "form": form, "units": [(u, owed.get(u.pk)) for u in units]})


@login_required
@require_http_methods(["GET", "POST"])
def unit_account(request, unit_id: int):
    """One unit's account: staff take payments here; a household sees the same page read-only."""
    unit = access.get_unit_for(request.user, unit_id)
    can_collect = can(request.user, "finance.collect", unit)
    account = selectors.unit_account(unit, as_of=timezone.localdate())
    choices = [(str(v.bill.pk), f"{v.bill.number} · {v.bill.period_start:%Y-%m} · {v.bill.outstanding}"
                + (_(" + 滞纳金 %(fee)s") % {"fee": v.late_fee.amount} if v.late_fee.amount else ""))
               for v in account.bills if v.bill.status != BillStatus.PAID]
    form = PaymentForm(request.POST or None, bill_choices=choices,
                       initial={"idempotency_key": secrets.token_urlsafe(16)})
    if request.method == "POST":
        require(request.user, "finance.collect", unit)
        if form.is_valid():
            data = form.cleaned_data
            try:
                payment = payments.receive_payment(
                    unit, actor=request.user, amount=data["amount"], method=data["method"],
                    bills=[int(b) for b in data["bills"]], reference=data["reference"], note=data["note"],
                    idempotency_key=data["idempotency_key"])
            except ValidationError as exc:
                apply_errors(form, exc)
            else:
                messages.success(request, _("已收款 %(amount)s 元，收据号 %(number)s") % {
                    "amount": payment.amount, "number": payment.number})
                return redirect("finance:payment", payment_id=payment.pk)
    return render(request, "finance/payments/unit_account.html", {
        "account": account, "unit": unit, "form": form, "can_collect": can_collect,
        "staff": can(request.user, "finance.view", community=unit.community_id),
    }, status=400 if form.errors else 200)


@login_required
@require_http_methods(["GET", "POST"])
def payment_detail(request, payment_id: int):
    """A payment — its receipt — with allocations; staff may refund from here."""
    payment = payments_access.get_payment_for(request.user, payment_id)
    can_refund = can(request.user, "finance.collect", payment) and payment.refundable > 0
    form = RefundForm(request.POST or None)
    if request.method == "POST":
        payment = payments_access.get_payment_for(request.user, payment_id, for_write=True)
        if form.is_valid():
            try:
                payments.refund_payment(payment, actor=request.user, **form.cleaned_data)
            except ValidationError as exc:
                apply_errors(form, exc)
            else:
                messages.success(request, _("已退款"))
                return redirect("finance:payment", payment_id=payment.pk)
    return render(request, "finance/payments/payment_detail.html", {
        "payment": payment, "form": form, "can_refund": can_refund,
        "receipt": receipts.receipt_for(payment, viewer=request.user),
        "allocations": payment.allocations.select_related("bill").order_by("created_at", "id"),
        "refunds": payment.refunds.order_by("refunded_at"),
        **_late_fee_context(payment),  # charges
    }, status=400 if form.errors else 200)


def _late_fee_context(payment) -> dict:
    """charges: the late fees a payment collected, and its principal, for the receipt."""
    charges = list(payment.late_fee_charges.select_related("bill").order_by("created_at", "id"))
    fee = sum((c.amount for c in charges if c.refund_id is None), money.ZERO)
    return {"late_fee_charges": charges, "late_fee_total": fee,
            "principal": payment.amount - payment.to_prepaid - fee}


@login_required
def receipt_pdf(request, payment_id: int):
    """电子收据 PDF, for the unit's households and finance staff."""
    payment = payments_access.get_payment_for(request.user, payment_id)
    url = base_url(request) + receipts.receipt_url(payment)
    response = HttpResponse(receipts.render_pdf(payment, url=url, viewer=request.user),
                            content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="receipt-{payment.number}.pdf"'
    return response
