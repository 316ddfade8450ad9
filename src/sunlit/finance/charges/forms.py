"""Forms of charges: collecting late fees at the counter, a waiver (减免) and its decision, a
meter-reading import."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from sunlit.finance.billing.choices import MeterKind
from sunlit.finance.books.forms import INPUT, MONEY, SELECT
from sunlit.finance.charges.choices import WaiverReason, WaiverTarget


class LateFeeCollectionForm(forms.Form):
    late_fee_collect = forms.BooleanField(label=_("收款时收取滞纳金"), required=False,
                                          widget=forms.CheckboxInput(attrs={"class": "form-check-input"}))


class WaiverForm(forms.Form):
    target = forms.ChoiceField(label=_("减免对象"), choices=WaiverTarget.choices,
                               widget=forms.Select(attrs=SELECT))
    whole = forms.BooleanField(label=_("全额减免（按批准当日的应收金额）"), required=False,
                               widget=forms.CheckboxInput(attrs={"class": "form-check-input"}))
    amount = forms.CharField(label=_("减免金额（元）"), max_length=20, required=False,
                             widget=forms.TextInput(attrs=MONEY))
    reason_category = forms.ChoiceField(label=_("减免原因类别"), choices=WaiverReason.choices,
                                        widget=forms.Select(attrs=SELECT))
    reason = forms.CharField(label=_("减免原因"), max_length=500,
                             widget=forms.Textarea(attrs=INPUT | {"rows": 3}))
    idempotency_key = forms.CharField(required=False, widget=forms.HiddenInput)


class WaiverDecisionForm(forms.Form):
    decision = forms.ChoiceField(choices=[("approve", _("批准")), ("reject", _("驳回"))])
    note = forms.CharField(label=_("审批意见"), max_length=500, required=False,
                           widget=forms.TextInput(attrs=INPUT))


class MeterImportForm(forms.Form):
    kind = forms.ChoiceField(label=_("表计类型"), choices=MeterKind.choices,
                             widget=forms.Select(attrs=SELECT))
    period = forms.DateField(label=_("账期（月份）"), input_formats=["%Y-%m"],
                             widget=forms.DateInput(attrs=INPUT | {"type": "month"}, format="%Y-%m"))
    file = forms.FileField(label=_("抄表文件（.xlsx 或 .csv）"),
                           widget=forms.ClearableFileInput(attrs=INPUT | {"accept": ".xlsx,.csv"}))
    create_missing = forms.BooleanField(label=_("为没有表计的房屋新建表计"), required=False,
                                        widget=forms.CheckboxInput(attrs={"class": "form-check-input"}))
