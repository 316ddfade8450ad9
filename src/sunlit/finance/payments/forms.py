"""Forms of the counter: a payment, a refund, finding a unit."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from sunlit.finance.books.forms import INPUT, MONEY, SELECT

# Amounts and prices stay text: the services parse them exactly (never through float).
from sunlit.finance.payments.choices import COUNTER_METHODS, PaymentMethod


class PaymentForm(forms.Form):
    amount = forms.CharField(label=_("收款金额（元）"), max_length=20, widget=forms.TextInput(attrs=MONEY))
    method = forms.ChoiceField(label=_("收款方式"), widget=forms.Select(attrs=SELECT),
                               choices=[(m.value, m.label) for m in PaymentMethod if m in COUNTER_METHODS])
    reference = forms.CharField(label=_("交易参考号（POS/转账）"), max_length=60, required=False,
                                widget=forms.TextInput(attrs=INPUT))
    note = forms.CharField(label=_("备注"), max_length=200, required=False,
                           widget=forms.TextInput(attrs=INPUT))
    bills = forms.MultipleChoiceField(label=_("指定缴纳的账单（不选则从最早的开始）"), required=False,
                                      widget=forms.CheckboxSelectMultiple)
    idempotency_key = forms.CharField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, bill_choices=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["bills"].choices = list(bill_choices)


class RefundForm(forms.Form):
    amount = forms.CharField(label=_("退款金额（元）"), max_length=20, widget=forms.TextInput(attrs=MONEY))
    reason = forms.CharField(label=_("退款原因"), max_length=200, widget=forms.TextInput(attrs=INPUT))


class UnitSearchForm(forms.Form):
    q = forms.CharField(label=_("房号"), max_length=40, required=False,
                        widget=forms.TextInput(attrs=INPUT | {"placeholder": _("楼栋或房号，如 1号楼 101")}))
