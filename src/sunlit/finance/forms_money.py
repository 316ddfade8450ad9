"""Forms of the public-money pages; they only parse input, the services validate and save."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from sunlit.finance.choices import ExpenseCategory, FundBasis, FundScope, MoneyMethod, PublicIncomeCategory
from sunlit.finance.forms import INPUT, MONEY, SELECT
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
