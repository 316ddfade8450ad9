"""Pages of online payments: paying from 我的账单, the order's result page (polls itself), the
local simulator 模拟支付, the providers' callbacks, the refusals for finance staff, receipt PDFs."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST

from sunlit.core.permissions import require
from sunlit.core.tenancy import page_community
from sunlit.finance.billing import access
from sunlit.finance.models import CallbackRefusal, PaymentOrder
from sunlit.finance.online import access as online_access
from sunlit.finance.online import services as online
from sunlit.finance.online.choices import OrderStatus, RefusalReason
from sunlit.finance.online.gateways import local_sandbox_enabled
from sunlit.finance.payments import receipts
from sunlit.web.rendering import paginate, render_list


def base_url(request) -> str:
    """Where providers and QR codes reach this site: SUNLIT_BASE_URL, else this request's host."""
    return settings.SUNLIT_BASE_URL or request.build_absolute_uri("/").rstrip("/")


def _is_mobile(request) -> bool:
    agent = request.headers.get("User-Agent", "")
    return any(word in agent for word in ("Mobile", "Android", "iPhone", "MicroMessenger"))


@login_required
@require_POST
def pay(request, unit_id: int):
    """在线缴费: the bills ticked on 我的账单 and a provider become an order; off to pay it."""
    unit = access.get_unit_for(request.user, unit_id)
    try:
        bills = [int(b) for b in request.POST.getlist("bills")]
    except ValueError:
        bills = None
    try:
        if bills is None:
            raise ValidationError({"bills": [_("账单编号无效")]})
        order = online.create_payment_order(
            unit,
            actor=request.user,
            provider=request.POST.get("provider", ""),
            bills=bills,
            idempotency_key=request.POST.get("idempotency_key", ""),
        )
        action = online.start_payment(
            order,
            base_url=base_url(request),
            mobile=_is_mobile(request),
            client_ip=request.META.get("REMOTE_ADDR", "127.0.0.1"),
        )
    except ValidationError as exc:
        messages.error(request, "；".join(exc.messages))
        return redirect("finance:my_bills")
    if action.kind == "redirect":
        return redirect(action.url)
    return redirect("finance:order", order_id=order.pk)


@login_required
def order_detail(request, order_id: int):
    """The order's page: waiting (polls itself every 2 s with htmx), paid (the receipt), closed."""
    order = online.refresh_order(online_access.get_order_for(request.user, order_id))
    context = {
        "order": order,
        "waiting": order.status == OrderStatus.CREATED,
        "qr": receipts.qr_data_uri(order.pay_data["url"]) if order.pay_data.get("kind") == "qr" else "",
        "receipt": receipts.receipt_for(order.payment, viewer=request.user) if order.payment_id else None,
    }
    if request.htmx and not request.htmx.boosted:
        return render(request, "finance/online/order_detail.html#status", context)
    return render(request, "finance/online/order_detail.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def simulator(request, order_id: int):
    """模拟支付: the local stand-in for the provider's cashier page (demo and tests only)."""
    if not local_sandbox_enabled():
        raise Http404
    order = online_access.get_order_for(request.user, order_id)
    if not order.sandbox:
        raise Http404
    require(request.user, "finance.pay_online", order)
    error = ""
    if request.method == "POST":
        try:
            status, _ctype, _body = online.simulate_payment(order, actor=request.user)
        except ValidationError as exc:
            error = "；".join(exc.messages)
        else:
            if status == 200:
                return redirect("finance:order", order_id=order.pk)
            error = _("支付渠道拒收了这笔支付：请查看订单状态")
    order = online.refresh_order(order)
    return render(
        request,
        "finance/online/simulator.html",
        {"order": order, "error": error, "now": timezone.now()},
        status=400 if error else 200,
    )


@csrf_exempt
@require_POST
def payment_callback(request, provider: str, community_code: str):
    """The providers' notifications (no login, no CSRF: the signature is the authentication)."""
    status, content_type, body = online.handle_callback(
        provider,
        community_code,
        headers=dict(request.headers.items()),
        body=request.body,
        remote_addr=request.META.get("REMOTE_ADDR", ""),
    )
    return HttpResponse(body, status=status, content_type=content_type)


@login_required
def refusals(request):
    """线上缴费与回调拒收: the latest online orders, and the refused payment notifications of
    the community counted by reason."""
    community = page_community(request, "finance.view")
    counts = online.refusal_counts(community)
    since = timezone.now() - dt.timedelta(days=30)
    return render_list(
        request,
        "finance/online/refusals.html",
        {
            "counts": [(RefusalReason(r).label, counts[r]) for r in RefusalReason if counts.get(r)],
            "recent": CallbackRefusal.objects.in_community(community).filter(received_at__gte=since).count(),
            "total": sum(counts.values()),
            "orders": PaymentOrder.objects.in_community(community).select_related(
                "unit__building", "payment"
            )[:20],
            **paginate(
                request, CallbackRefusal.objects.in_community(community).select_related("order"), per_page=30
            ),
        },
    )
