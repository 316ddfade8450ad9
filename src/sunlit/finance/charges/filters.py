"""One filter set for 减免 (waivers): the approval page and ``GET .../waivers``."""

from __future__ import annotations

import django_filters
from django.utils.translation import gettext_lazy as _

from sunlit.finance.charges.choices import WaiverStatus
from sunlit.finance.charges.models import Waiver

ALL = "all"


class WaiverFilter(django_filters.FilterSet):
    """``status``: one status, or ``all``. The page opens on the pending queue; the API lists
    every status when none is named."""

    status = django_filters.ChoiceFilter(label=_("状态"), method="by_status", empty_label=None,
                                         choices=[*WaiverStatus.choices, (ALL, _("全部"))])

    class Meta:
        model = Waiver
        fields = ["status"]

    def by_status(self, queryset, name, value):
        return queryset if value == ALL else queryset.filter(status=value)
