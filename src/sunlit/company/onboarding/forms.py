"""Onboarding forms: each one the fields of its service, in Chinese."""

from __future__ import annotations

import re

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from sunlit.core.models import Community, Person


class CommunityForm(forms.Form):
    name = forms.CharField(label=gettext_lazy("小区名称"), max_length=100)
    code = forms.CharField(label=gettext_lazy("小区编码"), max_length=40, help_text=gettext_lazy(
        "小写字母、数字和连字符，如 mingqiang-2：透明日志的标识由它生成，建档后不能更改"))
    city = forms.CharField(label=gettext_lazy("城市"), max_length=30, required=False)
    district = forms.CharField(label=gettext_lazy("区县"), max_length=30, required=False)
    address = forms.CharField(label=gettext_lazy("地址"), max_length=200, required=False)
    built_year = forms.IntegerField(label=gettext_lazy("建成年份"), required=False)
    service_phone = forms.CharField(label=gettext_lazy("物业服务电话"), max_length=30,
                                    required=False)


class BuildingsForm(forms.Form):
    names = forms.CharField(label=gettext_lazy("楼栋"), max_length=2000, help_text=gettext_lazy(
        "可一次登记多栋：“1-12号楼”，或用空格、逗号分隔：“A座 B座 商业楼”"))
    floors = forms.IntegerField(label=gettext_lazy("地上层数"), min_value=1, max_value=120)
    has_elevator = forms.BooleanField(label=gettext_lazy("有电梯"), required=False)


class CommitteeForm(forms.Form):
    authority = forms.CharField(label=gettext_lazy("备案机关"), max_length=100,
                                help_text=gettext_lazy("如：XX 街道办事处、XX 镇人民政府"))
    number = forms.CharField(label=gettext_lazy("备案编号"), max_length=60)
    filed_on = forms.DateField(label=gettext_lazy("备案日期"),
                               widget=forms.DateInput(attrs={"type": "date"}))
    document = forms.FileField(label=gettext_lazy("备案文件（PDF 或照片）"))
    members = forms.CharField(
        label=gettext_lazy("业委会委员"), widget=forms.Textarea(attrs={"rows": 6}),
        help_text=gettext_lazy("每行一位，按备案文件填写：房号 姓名，如“3号楼502 王建国”。"
                               "委员须是名册中该房屋的业主"))

    def __init__(self, *args, community: Community, **kwargs):
        super().__init__(*args, **kwargs)
        self.community = community

    def clean_members(self) -> list[int]:
        """Each line “房号 姓名” → the roster person who owns that unit now under that name."""
        from sunlit.registry.models import Unit
        from sunlit.registry.search import address_condition

        today = timezone.localdate()
        ids, problems = [], []
        lines = [line.strip() for line in self.cleaned_data["members"].splitlines()
                 if line.strip()]
        for number, line in enumerate(lines, start=1):
            parts = re.split(r"\s+", line)
            if len(parts) < 2:
                problems.append(_("第 %(n)s 行：请写成“房号 姓名”") % {"n": number})
                continue
            name, address = parts[-1], "".join(parts[:-1])
            condition = address_condition(address)
            units = (Unit.objects.in_community(self.community).filter(condition)
                     if condition is not None else Unit.objects.none())
            person = (Person.objects.in_community(self.community).filter(
                name=name, ownerships__unit__in=units, ownerships__start__lte=today)
                .filter(Q(ownerships__end__isnull=True) | Q(ownerships__end__gt=today))
                .distinct().first())
            if person is None:
                problems.append(_("第 %(n)s 行：名册中 %(address)s 没有名叫 %(name)s 的业主") % {
                    "n": number, "address": address, "name": name})
            else:
                ids.append(person.pk)
        if problems:
            raise ValidationError(problems)
        return ids
