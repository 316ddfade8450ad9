"""One filter set per roster list: the page, its htmx partial and the API use the same."""

from __future__ import annotations

import django_filters
from django.utils.translation import gettext_lazy as _

from sunlit.core.models import Person
from sunlit.core.validators import normalize_plate
from sunlit.registry.choices import DeliveryStatus, UnitUsage, VehicleKind
from sunlit.registry.models import Building, Ownership, Residency, Unit, Vehicle
from sunlit.registry.search import find_people, find_units


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
        """An address (8号楼302, 1号楼-1单元-101), a name, a mobile or its last four digits:
        the one home search (``registry.search``)."""
        return find_units(queryset, value)


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
        return find_people(queryset, value)

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
