"""Forms of the maintenance fund: the initial collection, deposits, a use."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from sunlit.finance.books.forms import INPUT, MONEY, SELECT
from sunlit.finance.expenses.choices import MoneyMethod
from sunlit.finance.expenses.forms import DATE, TEXTAREA
from sunlit.finance.fund.choices import FundBasis, FundScope
from sunlit.tickets.forms import PhotosField


class InitialForm(forms.Form):
    rate = forms.CharField(label=_("归集标准（元/㎡）"), max_length=20, widget=forms.TextInput(attrs=MONEY))
    deposited_on = forms.DateField(label=_("归集日期"), widget=forms.DateInput(attrs=DATE))
    scope = forms.ChoiceField(label=_("范围"), choices=FundScope.choices, widget=forms.Select(attrs=SELECT))
    buildings = forms.MultipleChoiceField(
        label=_("楼栋"), required=False, widget=forms.SelectMultiple(attrs=SELECT)
    )
    method = forms.ChoiceField(
        label=_("收款账户"), choices=MoneyMethod.choices, widget=forms.Select(attrs=SELECT)
    )

    def __init__(self, *args, buildings=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["buildings"].choices = [(str(b.pk), b.name) for b in buildings]


class FundUseForm(forms.Form):
    title = forms.CharField(label=_("工程项目"), max_length=100, widget=forms.TextInput(attrs=INPUT))
    contractor = forms.CharField(
        label=_("施工/收款单位"), max_length=100, widget=forms.TextInput(attrs=INPUT)
    )
    amount = forms.CharField(label=_("金额（元）"), max_length=20, widget=forms.TextInput(attrs=MONEY))
    used_on = forms.DateField(label=_("支付日期"), widget=forms.DateInput(attrs=DATE))
    basis = forms.ChoiceField(
        label=_("使用依据"), choices=FundBasis.choices, widget=forms.Select(attrs=SELECT)
    )
    vote = forms.ChoiceField(
        label=_("业主表决（已公布通过的“使用维修资金”事项）"),
        required=False,
        widget=forms.Select(attrs=SELECT),
    )
    emergency_reason = forms.CharField(
        label=_("应急事由"),
        max_length=500,
        required=False,
        widget=forms.Textarea(attrs=TEXTAREA),
        help_text=_("如电梯故障停运、屋面防水渗漏、消防设施失灵等危及安全的情形"),
    )
    description = forms.CharField(
        label=_("说明"), max_length=500, required=False, widget=forms.Textarea(attrs=TEXTAREA)
    )
    scope = forms.ChoiceField(
        label=_("受益范围（按专有面积分摊）"), choices=FundScope.choices, widget=forms.Select(attrs=SELECT)
    )
    buildings = forms.MultipleChoiceField(
        label=_("楼栋"), required=False, widget=forms.SelectMultiple(attrs=SELECT)
    )
    units = forms.CharField(
        label=_("房屋编号（逗号分隔，按房屋时填写）"), required=False, widget=forms.TextInput(attrs=INPUT)
    )
    method = forms.ChoiceField(
        label=_("付款账户"), choices=MoneyMethod.choices, widget=forms.Select(attrs=SELECT)
    )
    documents = PhotosField(label=_("票据与证明材料（图片）"))
    idempotency_key = forms.CharField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, buildings=(), votes=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["buildings"].choices = [(str(b.pk), b.name) for b in buildings]
        self.fields["vote"].choices = [("", "—"), *((str(v.pk), f"#{v.pk} {v.title}") for v in votes)]

    def clean_units(self):
        text = self.cleaned_data.get("units") or ""
        parts = [p for p in text.replace("，", ",").replace(" ", ",").split(",") if p]
        if any(not p.isdigit() for p in parts):
            raise forms.ValidationError(_("请填写房屋编号（数字），用逗号分隔"))
        return [int(p) for p in parts]


class DepositForm(forms.Form):
    amount = forms.CharField(label=_("补交金额（元）"), max_length=20, widget=forms.TextInput(attrs=MONEY))
    deposited_on = forms.DateField(label=_("收款日期"), widget=forms.DateInput(attrs=DATE))
    memo = forms.CharField(
        label=_("摘要"), max_length=100, required=False, widget=forms.TextInput(attrs=INPUT)
    )
    method = forms.ChoiceField(
        label=_("收款账户"), choices=MoneyMethod.choices, widget=forms.Select(attrs=SELECT)
    )
