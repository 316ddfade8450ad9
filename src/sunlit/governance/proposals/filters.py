"""One filter set for 金点子 (proposals): the list page, its partial and ``GET .../proposals``."""

from __future__ import annotations

import django_filters
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from sunlit.governance.proposals import selectors
from sunlit.governance.proposals.choices import ProposalFilter, ProposalKind
from sunlit.governance.proposals.models import Proposal


class ProposalListFilter(django_filters.FilterSet):
    """``show``: 征集中 / 待答复 / 逾期未答复 / 已答复; none shows every public proposal (a
    draft or a withdrawn one never). ``kind``: 金点子 or 临时动议."""

    show = django_filters.ChoiceFilter(label=_("显示"), choices=ProposalFilter.choices,
                                       method="by_show")
    kind = django_filters.ChoiceFilter(label=_("类型"), choices=ProposalKind.choices)

    class Meta:
        model = Proposal
        fields = ["kind"]

    def __init__(self, data=None, *args, now=None, **kwargs):
        super().__init__(data, *args, **kwargs)
        self.now = now or timezone.now()

    def filter_queryset(self, queryset):
        # with no ``show`` chosen, the public ones: ``by_show`` is not called for an empty value
        if not self.form.cleaned_data.get("show"):
            queryset = selectors.filtered(queryset, "", self.now)
        return super().filter_queryset(queryset)

    def by_show(self, queryset, name, value):
        return selectors.filtered(queryset, value, self.now)
