"""Roster forms (排班)."""

from __future__ import annotations

import re

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from sunlit.company.choices import HolidayRule
from sunlit.company.rosters.models import ShiftType
from sunlit.core.choices import STAFF_ROLES
from sunlit.core.models import Department, Membership

REST = ("休", "休息", "-", "off")


class MemberField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj) -> str:
        department = f" · {obj.department.name}" if obj.department else ""
        return f"{obj.user} · {obj.get_role_display()}{department} · {obj.job_number}"


class ColleagueField(forms.ModelChoiceField):
    def label_from_instance(self, obj) -> str:
        return f"{obj.user} · {obj.get_role_display()} · {obj.job_number}"


def _date():
    return forms.DateInput(attrs={"type": "date"})


def _time():
    return forms.TimeInput(attrs={"type": "time"}, format="%H:%M")


class ShiftTypeForm(forms.Form):
    name = forms.CharField(label=gettext_lazy("班次名称"), max_length=20)
    starts = forms.TimeField(label=gettext_lazy("上班"), widget=_time())
    ends = forms.TimeField(label=gettext_lazy("下班"), widget=_time(),
                           help_text=gettext_lazy("早于上班时间即跨夜（如夜班 20:00–08:00）"))


class PatternForm(forms.Form):
    name = forms.CharField(label=gettext_lazy("名称"), max_length=40)
    department = forms.ModelChoiceField(label=gettext_lazy("部门"), queryset=Department.objects.none())
    cycle = forms.CharField(label=gettext_lazy("轮转"), max_length=300, help_text=gettext_lazy(
        "按天写班次名称，用空格或逗号分隔，“休”为休息日，如“白班 夜班 休”"))
    members = MemberField(label=gettext_lazy("轮班人员（按轮转顺序）"),
                          queryset=Membership.objects.none(),
                          widget=forms.CheckboxSelectMultiple)
    anchor = forms.DateField(label=gettext_lazy("起始日"), widget=_date())
    holiday_rule = forms.ChoiceField(label=gettext_lazy("节假日"), choices=HolidayRule.choices)
    around_the_clock = forms.BooleanField(label=gettext_lazy("24 小时有人值守（排班时检查无人时段）"),
                                          required=False)

    def __init__(self, *args, community, **kwargs):
        super().__init__(*args, **kwargs)
        self.community = community
        self.fields["department"].queryset = Department.objects.in_community(community)
        self.fields["members"].queryset = (
            Membership.objects.in_community(community).active().filter(role__in=STAFF_ROLES)
            .select_related("user", "department").order_by("department__name", "job_number"))

    def clean_cycle(self) -> list[int | None]:
        kinds = {k.name: k.pk for k in ShiftType.objects.in_community(self.community)}
        out, unknown = [], []
        for word in re.split(r"[\s,，、]+", self.cleaned_data["cycle"].strip()):
            if not word:
                continue
            if word in REST:
                out.append(None)
            elif word in kinds:
                out.append(kinds[word])
            else:
                unknown.append(word)
        if unknown:
            raise ValidationError(_("没有这些班次：%(names)s（先在上面新增班次）") % {
                "names": "、".join(unknown)})
        return out


class PeriodForm(forms.Form):
    start = forms.DateField(label=gettext_lazy("从"), widget=_date())
    end = forms.DateField(label=gettext_lazy("到"), widget=_date())


class LeaveForm(forms.Form):
    starts_on = forms.DateField(label=gettext_lazy("开始日期"), widget=_date())
    ends_on = forms.DateField(label=gettext_lazy("结束日期"), widget=_date())
    reason = forms.CharField(label=gettext_lazy("事由"), max_length=200)


class SwapForm(forms.Form):
    to_member = ColleagueField(label=gettext_lazy("接班同事"), queryset=Membership.objects.none())
    reason = forms.CharField(label=gettext_lazy("事由"), max_length=200)

    def __init__(self, *args, community, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["to_member"].queryset = (
            Membership.objects.in_community(community).active().filter(role__in=STAFF_ROLES)
            .exclude(user=user).select_related("user").order_by("job_number"))
