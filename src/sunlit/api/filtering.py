"""A list endpoint filters through the same FilterSet as its page: the query's values go in as
the page's would arrive (enum members as their values, lists as lists), and a value the filter
set refuses (another community's id, an unknown status) is a 422 naming the field, never an
empty list that looks like an answer."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db.models import QuerySet

from sunlit.api.values import plain


def filtered(filterset_class, queryset: QuerySet, values: dict, **kwargs) -> QuerySet:
    """``filterset_class`` bound to ``values`` (``None`` left out) over ``queryset``."""
    data = {name: plain(value) for name, value in values.items() if value is not None}
    filterset = filterset_class(data, queryset=queryset, **kwargs)
    if not filterset.is_valid():
        raise ValidationError({field: [str(m) for m in messages]
                               for field, messages in filterset.errors.items()})
    return filterset.qs
