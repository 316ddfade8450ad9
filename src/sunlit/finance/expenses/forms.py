"""Forms of the public-money pages; they only parse input, the services validate and save."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from sunlit.finance.books.forms import INPUT, MONEY, SELECT
from sunlit.finance.expenses.choices import ExpenseCategory, MoneyMethod, PublicIncomeCategory
from sunlit.tickets.forms import PhotosField

DATE = INPUT | {"type": "date"}
TEXTAREA = INPUT | {"rows": 3}


class IncomeForm(forms.Form):
    category = forms.ChoiceField(
        label=_("收益类别"), choices=PublicIncomeCategory.choices, widget=forms.Select(attrs=SELECT)
    )
    payer = forms.CharField(
        label=_("付款单位"),
        max_length=100,
        widget=forms.TextInput(attrs=INPUT),
        help_text=_("填写公司或机构名称，不填个人姓名和电话"),
    )
    amount = forms.CharField(label=_("金额（元）"), max_length=20, widget=forms.TextInput(attrs=MONEY))
    received_on = forms.DateField(label=_("收款日期"), widget=forms.DateInput(attrs=DATE))
    method = forms.ChoiceField(
        label=_("收款账户"), choices=MoneyMethod.choices, widget=forms.Select(attrs=SELECT)
    )
    description = forms.CharField(
        label=_("说明"), max_length=200, required=False, widget=forms.TextInput(attrs=INPUT)
    )
    receipts = PhotosField(label=_("合同/收据图片"))
    idempotency_key = forms.CharField(required=False, widget=forms.HiddenInput)


class ExpenseForm(forms.Form):
    category = forms.ChoiceField(
        label=_("支出类别"), choices=ExpenseCategory.choices, widget=forms.Select(attrs=SELECT)
    )
    payee = forms.CharField(
        label=_("收款单位"),
        max_length=100,
        widget=forms.TextInput(attrs=INPUT),
        help_text=_("填写公司或机构名称"),
    )
    amount = forms.CharField(label=_("金额（元）"), max_length=20, widget=forms.TextInput(attrs=MONEY))
    spent_on = forms.DateField(label=_("支出日期"), widget=forms.DateInput(attrs=DATE))
    description = forms.CharField(label=_("用途说明"), max_length=500, widget=forms.Textarea(attrs=TEXTAREA))
    method = forms.ChoiceField(
        label=_("付款账户"), choices=MoneyMethod.choices, widget=forms.Select(attrs=SELECT)
    )
    receipts = PhotosField(label=_("发票/收据图片"))
    submit = forms.BooleanField(label=_("保存后立即提交审批"), required=False, initial=True)
    idempotency_key = forms.CharField(required=False, widget=forms.HiddenInput)


class NoteForm(forms.Form):
    note = forms.CharField(
        label=_("审批意见"), max_length=200, required=False, widget=forms.TextInput(attrs=INPUT)
    )


class RejectForm(forms.Form):
    reason = forms.CharField(label=_("驳回原因"), max_length=200, widget=forms.TextInput(attrs=INPUT))


class PolicyForm(forms.Form):
    dual_approval_above = forms.CharField(
        label=_("超过此金额需业委会共同审批（元）"), max_length=20, widget=forms.TextInput(attrs=MONEY)
    )
    receipt_required_above = forms.CharField(
        label=_("超过此金额必须附票据（元，0 为一律需要）"),
        max_length=20,
        widget=forms.TextInput(attrs=MONEY),
    )
    reason = forms.CharField(
        label=_("理由（提高金额须业委会确认时必填）"), max_length=200, required=False,
        widget=forms.TextInput(attrs=INPUT),
    )
