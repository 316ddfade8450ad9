"""One filter set for 管控变更 (control changes): the list page and ``GET .../control-changes``."""

from __future__ import annotations

import django_filters
from django.utils.translation import gettext_lazy as _

from sunlit.governance.controls.models import ControlChange, ControlKind, ControlStatus


class ControlChangeFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(label=_("状态"), choices=ControlStatus.choices)
    kind = django_filters.ChoiceFilter(label=_("管控项"), choices=ControlKind.choices)

    class Meta:
        model = ControlChange
        fields = ["status", "kind"]
