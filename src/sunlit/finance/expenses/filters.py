"""One filter set for 支出 (expenses): the list page and ``GET .../expenses``."""

from __future__ import annotations

import django_filters
from django.utils.translation import gettext_lazy as _

from sunlit.finance.expenses.choices import ExpenseStatus
from sunlit.finance.expenses.models import Expense


class ExpenseFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(label=_("状态"), choices=ExpenseStatus.choices)

    class Meta:
        model = Expense
        fields = ["status"]
