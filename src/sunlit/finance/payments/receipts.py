"""Numbered e-receipts — 电子收据: every payment's receipt as a page and as a PDF.

The receipt number is the payment's number (``SK-YYYYMM-000001``, per community). The PDF
(WeasyPrint with the Noto CJK font, as the board's poster) carries the payee (the property
company and the community), the unit, the payer (by name for the household itself, masked for
anyone else), every line the money went to — the bills paid with their periods, the late fees
collected with them, what went into the prepaid balance — adding up to the total, the method
and the provider's transaction reference, the amount in figures and in Chinese capitals
(大写金额), and the log proof: the payment's entry on the community's transparency log (index
and SHA-256 leaf hash) with a QR code to the online receipt, where the proof can be verified.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from sunlit.core import rendering
from sunlit.core.masking import mask_name
from sunlit.finance.books import documents, money
from sunlit.finance.models import Payment, PaymentOrder
from sunlit.finance.payments.choices import AllocationKind
from sunlit.transparency.models import LogLeaf

DIGITS = "零壹贰叁肆伍陆柒捌玖"
SMALL_UNITS = ("", "拾", "佰", "仟")
GROUP_UNITS = ("", "万", "亿", "万亿")


def _group_words(n: int) -> str:
    """0 < n < 10000 in capitals, zeros inside the group read once (1010 → 壹仟零壹拾)."""
    out, zero = [], False
    for power in (3, 2, 1, 0):
        d = n // 10**power % 10
        if d == 0:
            zero = bool(out)
            continue
        if zero:
            out.append("零")
            zero = False
        out.append(DIGITS[d] + SMALL_UNITS[power])
    return "".join(out)


def amount_in_words(amount: Decimal) -> str:
    """大写金额 as written on Chinese receipts and cheques: 1680.32 → 壹仟陆佰捌拾元叁角贰分,
    1004.05 → 壹仟零肆元零伍分, 100000 → 壹拾万元整, 0.50 → 伍角. Refuses floats and negatives."""
    if isinstance(amount, float | bool):
        raise TypeError("money is never a float")
    value = money.to_fen(Decimal(amount))
    if value < 0:
        raise ValueError("amount_in_words needs a non-negative amount")
    fen_total = int(value * 100)
    whole, jiao, fen = fen_total // 100, fen_total // 10 % 10, fen_total % 10
    if whole >= 10**16:
        raise ValueError("amount too large")
    words = ""
    if whole:
        groups = []
        n = whole
        while n:
            groups.append(n % 10000)
            n //= 10000
        pending_zero = False
        for index in range(len(groups) - 1, -1, -1):
            g = groups[index]
            if g == 0:
                pending_zero = bool(words)
                continue
            if words and (pending_zero or g < 1000):
                words += "零"
            words += _group_words(g) + GROUP_UNITS[index]
            pending_zero = False
        words += "元"
    if not jiao and not fen:
        return (words or "零元") + "整"
    if jiao:
        words += DIGITS[jiao] + "角"
    elif whole:
        words += "零"
    if fen:
        words += DIGITS[fen] + "分"
    return words


@dataclass
class Receipt:
    """Everything a receipt shows, for the page, the PDF and the API."""

    payment: Payment
    payee: str
    payer: str
    lines: list[dict]
    amount_words: str
    order: PaymentOrder | None
    leaf: LogLeaf | None
    origin: str

    @property
    def leaf_sha256(self) -> str:
        return bytes(self.leaf.leaf_hash).hex() if self.leaf is not None else ""

    @property
    def total(self) -> Decimal:
        """The sum of the lines: always the amount received (a test holds every receipt to it)."""
        return sum((line["amount"] for line in self.lines), money.ZERO)


def _period(bill) -> str:
    if bill.period_end - bill.period_start <= dt.timedelta(days=31):
        return f"{bill.period_start:%Y-%m}"
    return f"{bill.period_start:%Y-%m}～{bill.period_last:%Y-%m}"


def _lines(payment: Payment) -> list[dict]:
    """Where the money went, in the order it was applied: each bill's principal, the late fee
    collected on it, and what was left over into the prepaid balance."""
    lines = [
        {"kind": "bill", "label": _("物业账单"), "bill": a.bill.number, "bill_id": a.bill_id,
         "period": _period(a.bill), "amount": a.amount}
        for a in payment.allocations.filter(kind=AllocationKind.PAYMENT).select_related("bill").order_by("id")
    ]
    for charge in (payment.late_fee_charges.filter(refund__isnull=True).select_related("bill")
                   .order_by("created_at", "id")):
        lines.append({"kind": "late_fee", "label": _("滞纳金"), "bill": charge.bill.number,
                      "bill_id": charge.bill_id,
                      "period": _("计至 %(d)s") % {"d": f"{charge.as_of:%Y-%m-%d}"},
                      "amount": charge.amount})
    if payment.to_prepaid:
        lines.append({"kind": "prepaid", "label": _("转入预存"), "bill": "", "bill_id": None,
                      "period": "", "amount": payment.to_prepaid})
    return lines


def _household(payment: Payment) -> list:
    """The persons who owned the unit on the day of payment."""
    today = timezone.localdate(payment.received_at)
    return [o.person for o in payment.unit.ownerships
            .filter(Q(end__isnull=True) | Q(end__gt=today), start__lte=today)
            .select_related("person").order_by("id")]


def receipt_for(payment: Payment, *, viewer=None) -> Receipt:
    """The receipt of ``payment`` (the caller has checked that ``viewer`` may see it). The payer
    is named in full for the household itself (an owner or resident of the unit, or the one
    who paid online) and masked for anyone else (staff, an auditor)."""
    from sunlit.registry.models import Unit

    order = PaymentOrder.objects.filter(payment=payment).select_related("payer").first()
    own = bool(viewer is not None and getattr(viewer, "is_authenticated", False) and (
        (order is not None and order.payer_id == viewer.pk)
        or Unit.objects.of_user(viewer).filter(pk=payment.unit_id).exists()))
    show = (lambda name: name) if own else mask_name
    if order is not None and order.payer is not None:
        payer = show(order.payer.display_name or order.payer.username)
    else:
        payer = "、".join(show(p.name) for p in _household(payment)) or "—"
    organization = payment.community.organization
    lines = _lines(payment)
    leaf = (
        LogLeaf.objects.filter(
            community_id=payment.community_id,
            subject_type="finance.payment",
            subject_id=str(payment.pk),
            event_type="finance.payment.received",
        )
        .select_related("log")
        .first()
    )
    return Receipt(
        payment=payment,
        payee=f"{organization.name}（{payment.community.name}）",
        payer=payer,
        lines=lines,
        amount_words=amount_in_words(payment.amount),
        order=order,
        leaf=leaf,
        origin=leaf.log.origin if leaf is not None else "",
    )


def receipt_url(payment: Payment) -> str:
    return reverse("finance:payment", kwargs={"payment_id": payment.pk})


def render_pdf(payment: Payment, *, url: str, viewer=None) -> bytes:
    """The receipt as an A5 PDF; ``url`` (absolute) is the online receipt the QR code points to."""
    receipt = receipt_for(payment, viewer=viewer)
    html = render_to_string(
        "finance/payments/receipt_pdf.html",
        {
            "r": receipt,
            "p": payment,
            "community": payment.community,
            "url": url,
            "qr": rendering.qr_data_uri(url, scale=6),
        },
    )
    return rendering.pdf(html)


@documents.resolver
def _payment_receipts(entry_ids):
    """Payment entries → their e-receipt (PDF)."""
    found = {}
    for pk, entry_id, number in Payment.objects.filter(entry_id__in=entry_ids).values_list(
        "pk", "entry_id", "number"
    ):
        found[entry_id] = [
            documents.EntryDocument(
                label=_("电子收据 %(number)s") % {"number": number},
                url=reverse("finance:receipt_pdf", kwargs={"payment_id": pk}),
                kind="receipt",
            )
        ]
    return found
