"""One filter set for 表决 (votes): the list page and ``GET .../votes``."""

from __future__ import annotations

import django_filters
from django.utils.translation import gettext_lazy as _

from sunlit.governance.votes.choices import VoteStatus
from sunlit.governance.votes.models import Vote


class VoteFilter(django_filters.FilterSet):
    """Who may see drafts is the caller's business (``PUBLIC_STATUSES`` for everyone but the
    managers); this only narrows what they may see."""

    status = django_filters.ChoiceFilter(label=_("状态"), choices=VoteStatus.choices)

    class Meta:
        model = Vote
        fields = ["status"]
