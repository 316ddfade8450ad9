"""Staff forms: hiring, posting, suspending, leaving."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy

from sunlit.company.staff.services import POSTABLE_ROLES, Posting
from sunlit.core.choices import DepartmentKind, Role
from sunlit.core.models import Community, Department, Membership


class PostingForm(forms.Form):
    community = forms.ModelChoiceField(label=gettext_lazy("小区"), queryset=Community.objects.none())
    role = forms.ChoiceField(label=gettext_lazy("岗位角色"),
                             choices=[(r.value, r.label) for r in POSTABLE_ROLES])
    department = forms.ChoiceField(label=gettext_lazy("部门"), required=False,
                                   choices=[("", "—"), *DepartmentKind.choices])
    post = forms.CharField(label=gettext_lazy("岗位名称"), max_length=50, required=False,
                           help_text=gettext_lazy("如：维修班长、夜班保安"))

    def __init__(self, *args, organization, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["community"].queryset = Community.objects.filter(
            organization=organization).order_by("pk")

    def posting(self) -> Posting:
        data = self.cleaned_data
        community = data["community"]
        department = (Department.objects.in_community(community).filter(
            kind=data["department"]).order_by("pk").first() if data["department"] else None)
        return Posting(community=community, role=Role(data["role"]), department=department,
                       post=data["post"])


class HireForm(PostingForm):
    name = forms.CharField(label=gettext_lazy("姓名"), max_length=50)
    mobile = forms.CharField(label=gettext_lazy("手机号"), max_length=20,
                             help_text=gettext_lazy("员工用它登录；不能是另一个账号（如业主本人账号）的手机号"))
    job_number = forms.CharField(label=gettext_lazy("工号"), max_length=20)

    field_order = ["name", "mobile", "job_number", "community", "role", "department", "post"]


class ColleagueField(forms.ModelChoiceField):
    def label_from_instance(self, obj) -> str:
        return f"{obj.user} · {obj.get_role_display()} · {obj.job_number}"


class SuspendForm(forms.Form):
    reason = forms.CharField(label=gettext_lazy("停职原因"), max_length=200)


class LeaveForm(forms.Form):
    reason = forms.CharField(label=gettext_lazy("离职说明"), max_length=200, required=False)

    def __init__(self, *args, employee, **kwargs):
        super().__init__(*args, **kwargs)
        self.postings = list(Membership.objects.active().filter(user=employee.user)
                             .select_related("community").order_by("community_id", "pk"))
        for membership in self.postings:
            colleagues = (Membership.objects.in_community(membership.community).active()
                          .filter(role__in=POSTABLE_ROLES).exclude(user=employee.user)
                          .select_related("user").order_by("role", "job_number"))
            self.fields[f"successor_{membership.community_id}"] = ColleagueField(
                label=gettext_lazy("%(community)s 的接替人") % {
                    "community": membership.community.name},
                queryset=colleagues, required=False)

    def successors(self) -> dict[int, Membership]:
        return {int(name.split("_", 1)[1]): value for name, value in self.cleaned_data.items()
                if name.startswith("successor_") and value is not None}
