"""Forms of billing: fee items, tariffs, a billing run; they only parse input, the services
validate and save."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from sunlit.finance.billing.choices import Cycle, FeeKind, MeterKind
from sunlit.finance.books.forms import INPUT, MONEY, SELECT
from sunlit.finance.books.ledger import CHART
from sunlit.registry.choices import UnitUsage

# Amounts and prices stay text: the services parse them exactly (never through float).


class FeeItemForm(forms.Form):
    code = forms.CharField(label=_("编码"), max_length=20, widget=forms.TextInput(attrs=INPUT))
    name = forms.CharField(label=_("名称"), max_length=40, widget=forms.TextInput(attrs=INPUT))
    kind = forms.ChoiceField(label=_("计费方式"), choices=FeeKind.choices, widget=forms.Select(attrs=SELECT))
    cycle = forms.ChoiceField(label=_("计费周期"), choices=Cycle.choices, widget=forms.Select(attrs=SELECT))
    applies_to = forms.MultipleChoiceField(label=_("适用房屋用途"), choices=UnitUsage.choices, required=False,
                                           widget=forms.CheckboxSelectMultiple)
    account = forms.ChoiceField(label=_("收入科目"), widget=forms.Select(attrs=SELECT), choices=[
        (code, f"{code} {name}") for code, name, kind in CHART if kind in ("income", "liability")])
    meter_kind = forms.ChoiceField(label=_("表计类型（计量项目）"), required=False,
                                   choices=[("", "—"), *MeterKind.choices], widget=forms.Select(attrs=SELECT))


class TariffForm(forms.Form):
    price = forms.CharField(label=_("单价（元）"), max_length=20, widget=forms.TextInput(attrs=MONEY))
    effective_from = forms.DateField(label=_("生效日"),
                                     widget=forms.DateInput(attrs=INPUT | {"type": "date"}))
    effective_to = forms.DateField(label=_("失效日（不填为长期）"), required=False,
                                   widget=forms.DateInput(attrs=INPUT | {"type": "date"}))
    notice_published_on = forms.DateField(
        label=_("公示日期"), required=False, widget=forms.DateInput(attrs=INPUT | {"type": "date"}),
        help_text=_("调整收费标准须按收费约定提前公示"))
    notice_ref = forms.CharField(label=_("公示文号或链接"), max_length=200, required=False,
                                 widget=forms.TextInput(attrs=INPUT))


class RunForm(forms.Form):
    period = forms.DateField(label=_("账期（月份）"), input_formats=["%Y-%m"],
                             widget=forms.DateInput(attrs=INPUT | {"type": "month"}, format="%Y-%m"))
