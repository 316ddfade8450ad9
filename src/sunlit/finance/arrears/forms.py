"""Forms of the arrears pages (账龄, 收缴率, 催缴); they parse input, the services validate."""

from __future__ import annotations

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from sunlit.finance.arrears.choices import ReminderChannel
from sunlit.finance.books.forms import INPUT, MONEY, SELECT
from sunlit.finance.models import FeeItem, ReminderTemplate
from sunlit.registry.models import Building


class AgingFilter(forms.Form):
    """One filter set for the aging page, its CSV and (the same fields) the API."""

    as_of = forms.DateField(
        label=_("截至日期"),
        required=False,
        widget=forms.DateInput(attrs=INPUT | {"type": "date"}, format="%Y-%m-%d"),
    )
    building = forms.ModelChoiceField(
        label=_("楼栋"),
        queryset=Building.objects.none(),
        required=False,
        empty_label=_("全部楼栋"),
        widget=forms.Select(attrs=SELECT),
    )
    fee_item = forms.ModelChoiceField(
        label=_("收费项目"),
        queryset=FeeItem.objects.none(),
        required=False,
        empty_label=_("全部收费项目"),
        widget=forms.Select(attrs=SELECT),
    )

    def __init__(self, *args, community, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["building"].queryset = Building.objects.in_community(community)
        self.fields["fee_item"].queryset = FeeItem.objects.in_community(community)

    def values(self) -> dict:
        data = self.cleaned_data if self.is_valid() else {}
        return {
            "as_of": data.get("as_of") or timezone.localdate(),
            "building": data.get("building"),
            "fee_item": data.get("fee_item"),
        }


class CollectionFilter(forms.Form):
    year = forms.IntegerField(
        label=_("年度"), min_value=2000, max_value=2100, required=False, widget=forms.NumberInput(attrs=INPUT)
    )
    as_of = forms.DateField(
        label=_("截至日期"),
        required=False,
        widget=forms.DateInput(attrs=INPUT | {"type": "date"}, format="%Y-%m-%d"),
    )
    building = forms.ModelChoiceField(
        label=_("楼栋"),
        queryset=Building.objects.none(),
        required=False,
        empty_label=_("全部楼栋"),
        widget=forms.Select(attrs=SELECT),
    )

    def __init__(self, *args, community, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["building"].queryset = Building.objects.in_community(community)

    def values(self) -> dict:
        data = self.cleaned_data if self.is_valid() else {}
        as_of = data.get("as_of") or timezone.localdate()
        return {"year": data.get("year") or as_of.year, "as_of": as_of, "building": data.get("building")}


class ReminderTemplateForm(forms.Form):
    name = forms.CharField(label=_("模板名称"), max_length=40, widget=forms.TextInput(attrs=INPUT))
    body = forms.CharField(
        label=_("模板内容"),
        max_length=500,
        widget=forms.Textarea(attrs=INPUT | {"rows": 4}),
        help_text=_("可用占位符：{单元} {金额} {账期} {截止日} {笔数} {滞纳金} {小区} {服务电话}"),
    )


class ReminderRuleForm(forms.Form):
    name = forms.CharField(label=_("规则名称"), max_length=40, widget=forms.TextInput(attrs=INPUT))
    days_after_due = forms.IntegerField(
        label=_("逾期天数"),
        min_value=1,
        max_value=3650,
        widget=forms.NumberInput(attrs=INPUT),
        help_text=_("账单超过缴费期限多少天后提醒"),
    )
    channel = forms.ChoiceField(
        label=_("渠道"),
        choices=ReminderChannel.choices,
        widget=forms.Select(attrs=SELECT),
        help_text=_("站内通知总会发送；短信、电子邮件另行发送"),
    )
    template = forms.ModelChoiceField(
        label=_("催缴模板"), queryset=ReminderTemplate.objects.none(), widget=forms.Select(attrs=SELECT)
    )
    min_amount = forms.CharField(
        label=_("起催金额（元）"), max_length=20, initial="0.01", widget=forms.TextInput(attrs=MONEY)
    )
    quiet_from = forms.TimeField(
        label=_("免打扰开始"),
        initial="21:00",
        widget=forms.TimeInput(attrs=INPUT | {"type": "time"}, format="%H:%M"),
    )
    quiet_to = forms.TimeField(
        label=_("免打扰结束"),
        initial="08:00",
        widget=forms.TimeInput(attrs=INPUT | {"type": "time"}, format="%H:%M"),
    )
    is_active = forms.BooleanField(label=_("启用"), required=False, initial=True)

    def __init__(self, *args, community, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["template"].queryset = ReminderTemplate.objects.in_community(community)


class ManualReminderForm(forms.Form):
    channel = forms.ChoiceField(
        label=_("渠道"), choices=ReminderChannel.choices, widget=forms.Select(attrs=SELECT)
    )
    template = forms.ModelChoiceField(
        label=_("催缴模板"),
        queryset=ReminderTemplate.objects.none(),
        required=False,
        empty_label=_("默认模板"),
        widget=forms.Select(attrs=SELECT),
    )
    idempotency_key = forms.CharField(widget=forms.HiddenInput, required=False, max_length=64)

    def __init__(self, *args, community, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["template"].queryset = ReminderTemplate.objects.in_community(community)
