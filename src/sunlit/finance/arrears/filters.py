"""One filter set for the reminders sent (催缴记录): the 催缴 page and ``GET .../reminders``."""

from __future__ import annotations

import django_filters
from django.utils.translation import gettext_lazy as _

from sunlit.finance.arrears.models import Reminder
from sunlit.registry.models import Unit


class ReminderFilter(django_filters.FilterSet):
    """``unit``: one unit's reminders; a unit of another community is an invalid choice."""

    unit = django_filters.ModelChoiceFilter(label=_("房屋"), queryset=Unit.objects.none())

    class Meta:
        model = Reminder
        fields = ["unit"]

    def __init__(self, data=None, *args, community=None, **kwargs):
        super().__init__(data, *args, **kwargs)
        self.filters["unit"].queryset = Unit.objects.filter(community=community)
