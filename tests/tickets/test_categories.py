"""The default categories of a community."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied

from sunlit.tickets import services
from sunlit.tickets.models import Category


def test_default_categories_are_added_once_with_their_departments(community, engineering,
                                                                  manager):
    added = services.create_default_categories(community, actor=manager)
    assert len(added) == len(services.DEFAULT_CATEGORIES)
    lift = Category.objects.get(community=community, kind="repair", name="电梯")
    assert lift.department == engineering and lift.default_priority == "urgent"
    assert Category.objects.get(community=community, kind="complaint", name="保洁").department is None
    assert services.create_default_categories(community, actor=manager) == []


def test_only_managers_set_up_categories(community, service):
    with pytest.raises(PermissionDenied):
        services.create_default_categories(community, actor=service)
    assert not Category.objects.exists()
