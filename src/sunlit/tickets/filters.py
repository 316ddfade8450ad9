"""One filter set for ticket lists: the staff queue page, its htmx partial and the API."""

from __future__ import annotations

import django_filters
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from sunlit.core.models import Membership
from sunlit.registry.models import Building
from sunlit.tickets import selectors
from sunlit.tickets.choices import CLOSED_STATUSES, Priority, TicketKind, TicketStatus
from sunlit.tickets.models import Category, Ticket

OPEN_STATUSES = sorted(set(TicketStatus.values) - CLOSED_STATUSES)
SCOPES = [("open", _("未关闭")), ("closed", _("已关闭")), ("all", _("全部"))]

RISKS = [
    ("overdue", _("已超时")),
    ("due_1h", _("1 小时内到期")),
    ("warn_80", _("时限已用 80%")),
    ("paused", _("挂起计时暂停")),
    ("missed", _("有超时记录")),
    ("met", _("按时办结")),
]


class TicketFilter(django_filters.FilterSet):
    """Filters of the ticket queue. ``community``/``communities`` scope the choices, so that an
    id of another community is an invalid choice (a field error), never an empty match."""

    q = django_filters.CharFilter(label=_("搜索"), method="search")
    scope = django_filters.ChoiceFilter(label=_("范围"), choices=SCOPES, method="by_scope",
                                        empty_label=None)
    status = django_filters.MultipleChoiceFilter(label=_("状态"), choices=TicketStatus.choices)
    kind = django_filters.ChoiceFilter(label=_("类型"), choices=TicketKind.choices)
    category = django_filters.ModelChoiceFilter(label=_("类别"), queryset=Category.objects.none())
    building = django_filters.ModelChoiceFilter(label=_("楼栋"), queryset=Building.objects.none(),
                                                method="by_building")
    assignee = django_filters.ModelChoiceFilter(label=_("处理人"), queryset=Membership.objects.none(),
                                                null_label=_("未派单"), null_value="none")
    priority = django_filters.ChoiceFilter(label=_("优先级"), choices=Priority.choices)
    risk = django_filters.ChoiceFilter(label=_("时限风险"), choices=RISKS, method="by_risk")
    needs_review = django_filters.BooleanFilter(label=_("低分待复核"),
                                                field_name="needs_manager_review")
    reopened = django_filters.BooleanFilter(label=_("重新打开过"), method="by_reopened")
    created_after = django_filters.DateFilter(label=_("提交日期起"), field_name="created_at",
                                              lookup_expr="date__gte")
    created_before = django_filters.DateFilter(label=_("提交日期止"), field_name="created_at",
                                               lookup_expr="date__lte")
    community = django_filters.NumberFilter(label=_("小区"), field_name="community_id")

    class Meta:
        model = Ticket
        fields = ["status", "kind", "category", "priority"]

    def __init__(self, data=None, *args, communities=(), now=None, **kwargs):
        super().__init__(data, *args, **kwargs)
        self.now = now or timezone.now()
        ids = [getattr(c, "pk", c) for c in communities]
        self.filters["category"].queryset = (Category.objects.filter(community_id__in=ids)
                                             .order_by("kind", "sort_key", "name"))
        self.filters["building"].queryset = (Building.objects.filter(community_id__in=ids)
                                             .order_by("sort_key", "name"))
        self.filters["assignee"].queryset = (selectors.assignable_members(ids[0]) if len(ids) == 1
                                             else Membership.objects.filter(community_id__in=ids))

    def search(self, queryset, name, value):
        """工单号 or words of the title."""
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(Q(number__icontains=value) | Q(title__icontains=value))

    def by_scope(self, queryset, name, value):
        if value == "open":  # IN, not NOT IN: the (community, status, ...) index serves it
            return queryset.filter(status__in=OPEN_STATUSES)
        if value == "closed":
            return queryset.filter(status__in=CLOSED_STATUSES)
        return queryset

    def by_building(self, queryset, name, value):
        """The unit's building for in-home tickets, the named building for common areas."""
        return queryset.filter(Q(unit__building=value) | Q(building=value))

    def by_risk(self, queryset, name, value):
        if "next_due_at" not in queryset.query.annotations:
            queryset = selectors.with_next_due(queryset)
        return queryset.filter(selectors.risk_condition(value, self.now))

    def by_reopened(self, queryset, name, value):
        if value is None:
            return queryset
        return queryset.filter(reopened_count__gt=0) if value else queryset.filter(reopened_count=0)
