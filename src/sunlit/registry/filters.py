"""One filter set per roster list: the page, its htmx partial and the API use the same."""

from __future__ import annotations

import django_filters
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from sunlit.core import crypto
from sunlit.core.models import Person
from sunlit.core.validators import MOBILE_RE, normalize_mobile, normalize_plate
from sunlit.registry.choices import DeliveryStatus, UnitUsage, VehicleKind
from sunlit.registry.models import Building, Ownership, Residency, Unit, Vehicle


class UnitFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(label=_("搜索"), method="search")
    building = django_filters.ModelChoiceFilter(label=_("楼栋"), queryset=Building.objects.none())
    usage = django_filters.ChoiceFilter(label=_("用途"), choices=UnitUsage.choices)
    delivery_status = django_filters.ChoiceFilter(label=_("交付状态"),
                                                  choices=DeliveryStatus.choices)
    floor = django_filters.NumberFilter(label=_("楼层"))
    min_area = django_filters.NumberFilter(label=_("最小面积"), field_name="area",
                                           lookup_expr="gte")
    max_area = django_filters.NumberFilter(label=_("最大面积"), field_name="area",
                                           lookup_expr="lte")

    class Meta:
        model = Unit
        fields = ["building", "usage", "delivery_status", "floor"]

    def __init__(self, *args, community=None, **kwargs):
        super().__init__(*args, **kwargs)
        if community is not None:
            self.filters["building"].queryset = Building.objects.in_community(community)

    def search(self, queryset, name, value):
        """房号, or an owner's name or mobile number."""
        value = value.strip()
        if not value:
            return queryset
        condition = Q(number__icontains=value) | Q(ownerships__person__name__icontains=value)
        mobile = normalize_mobile(value)
        if MOBILE_RE.match(mobile):
            condition |= Q(ownerships__person__mobile_index=crypto.blind_index(
                mobile, purpose="mobile"))
        return queryset.filter(condition).distinct()


class PersonFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(label=_("姓名或手机号"), method="search")
    has_account = django_filters.BooleanFilter(label=_("已开户"), field_name="user",
                                               lookup_expr="isnull", exclude=True)
    role = django_filters.ChoiceFilter(
        label=_("身份"), method="by_role",
        choices=[("owner", _("业主")), ("resident", _("住户"))],
    )

    class Meta:
        model = Person
        fields = ["kind"]

    def search(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        mobile = normalize_mobile(value)
        if MOBILE_RE.match(mobile):
            return queryset.filter(mobile_index=crypto.blind_index(mobile, purpose="mobile"))
        return queryset.filter(name__icontains=value)

    def by_role(self, queryset, name, value):
        # Subqueries, not joins: a join with ``end__isnull`` would also match people who have
        # no ownership at all (the outer join yields NULL).
        if value == "owner":
            return queryset.filter(pk__in=Ownership.objects.current().values("person_id"))
        if value == "resident":
            return queryset.filter(pk__in=Residency.objects.current().values("person_id"))
        return queryset


class VehicleFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(label=_("车牌号"), method="search")
    kind = django_filters.ChoiceFilter(label=_("类型"), choices=VehicleKind.choices)

    class Meta:
        model = Vehicle
        fields = ["kind"]

    def search(self, queryset, name, value):
        return queryset.filter(plate__icontains=normalize_plate(value)) if value else queryset
