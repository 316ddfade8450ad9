"""Forms of the roster pages; they only parse input, services validate and save."""

from django import forms
from django.utils.translation import gettext_lazy as _

from sunlit.registry.choices import DeliveryStatus, UnitUsage

INPUT = {"class": "form-control"}
SELECT = {"class": "form-select"}


class UnitForm(forms.Form):
    entrance = forms.CharField(label=_("单元"), max_length=10, required=False,
                               widget=forms.TextInput(attrs=INPUT))
    number = forms.CharField(label=_("房号"), max_length=20, widget=forms.TextInput(attrs=INPUT))
    floor = forms.IntegerField(label=_("楼层"), min_value=-10, max_value=200,
                               widget=forms.NumberInput(attrs=INPUT))
    area = forms.DecimalField(label=_("专有面积(㎡)"), max_digits=10, decimal_places=2,
                              min_value=0.01, widget=forms.NumberInput(attrs=INPUT | {"step": "0.01"}))
    usage = forms.ChoiceField(label=_("用途"), choices=UnitUsage.choices,
                              widget=forms.Select(attrs=SELECT))
    delivery_status = forms.ChoiceField(label=_("交付状态"), choices=DeliveryStatus.choices,
                                        widget=forms.Select(attrs=SELECT))
    delivered_on = forms.DateField(label=_("交付日期"), required=False,
                                   widget=forms.DateInput(attrs=INPUT | {"type": "date"}))


class PersonForm(forms.Form):
    name = forms.CharField(label=_("姓名"), max_length=100, widget=forms.TextInput(attrs=INPUT))
    mobile = forms.CharField(label=_("手机号"), max_length=20, required=False,
                             widget=forms.TextInput(attrs=INPUT | {"inputmode": "tel"}))
    id_number = forms.CharField(label=_("身份证号"), max_length=20, required=False,
                                widget=forms.TextInput(attrs=INPUT))
    note = forms.CharField(label=_("备注"), max_length=200, required=False,
                           widget=forms.TextInput(attrs=INPUT))


class VehicleForm(forms.Form):
    plate = forms.CharField(label=_("车牌号"), max_length=12, widget=forms.TextInput(attrs=INPUT))
    brand = forms.CharField(label=_("品牌/颜色"), max_length=40, required=False,
                            widget=forms.TextInput(attrs=INPUT))
