"""Shared fixtures: two communities and one named persona per role (STYLE.md rule 9)."""

from __future__ import annotations

import pytest

from sunlit.core.choices import Role
from tests.factories import (
    CommunityFactory,
    MembershipFactory,
    OrganizationFactory,
    OwnershipFactory,
    UnitFactory,
    UserFactory,
)

PASSWORD = "correct-horse-9"

# ``next`` values that must never be followed (core.redirects): other hosts in every spelling,
# backslash tricks, scripts.
HOSTILE_NEXT = ("//evil.example", "https://evil.example", "/\\evil", "/\\\\evil.example",
                "javascript:alert(1)", "http://testserver.evil.example/", "///evil.example",
                " //evil.example", "/\t/evil.example", "https:/evil.example")


@pytest.fixture(autouse=True)
def _fresh_throttles():
    """Throttle counters (core.throttle) live in the cache: every test starts with none."""
    from django.core.cache import cache

    cache.clear()


@pytest.fixture
def organization(db):
    return OrganizationFactory(name="阳光物业服务有限公司")


@pytest.fixture
def community(organization):
    return CommunityFactory(organization=organization, name="明强小区", code="mingqiang")


@pytest.fixture
def other_community(organization):
    return CommunityFactory(organization=organization, name="远景小区", code="yuanjing")


def _member(community, role, **user_fields):
    user = UserFactory(**user_fields)
    MembershipFactory(user=user, community=community, role=role)
    return user


@pytest.fixture
def owner_unit(community):
    return UnitFactory(building__community=community, building__name="1号楼", number="101")


@pytest.fixture
def owner(community, owner_unit):
    """An owner of 1号楼-1单元-101 in 明强小区, with an account."""
    user = _member(community, Role.OWNER, display_name="王小明", username="owner")
    OwnershipFactory(unit=owner_unit, person__user=user, person__name="王小明",
                     person__community=community)
    return user


@pytest.fixture
def owner_other_community(other_community):
    user = _member(other_community, Role.OWNER, display_name="李四", username="owner2")
    unit = UnitFactory(building__community=other_community)
    OwnershipFactory(unit=unit, person__user=user, person__name="李四",
                     person__community=other_community)
    return user


@pytest.fixture
def make_member(community):
    def make(role, target=None, **user_fields):
        return _member(target or community, role, **user_fields)

    return make


@pytest.fixture
def manager(make_member):
    return make_member(Role.MANAGER, username="manager", display_name="刘经理")


@pytest.fixture
def service(make_member):
    return make_member(Role.SERVICE, username="service", display_name="客服小陈")


@pytest.fixture
def dispatcher(make_member):
    return make_member(Role.DISPATCHER, username="dispatcher")


@pytest.fixture
def technician(make_member):
    return make_member(Role.TECHNICIAN, username="technician")


@pytest.fixture
def finance(make_member):
    return make_member(Role.FINANCE, username="finance")


@pytest.fixture
def committee(make_member):
    return make_member(Role.COMMITTEE, username="committee")


@pytest.fixture
def auditor(make_member):
    return make_member(Role.AUDITOR, username="auditor")


@pytest.fixture
def company_admin(make_member):
    return make_member(Role.COMPANY_ADMIN, username="company_admin")


@pytest.fixture
def resident(community, owner_unit):
    from tests.factories import ResidencyFactory

    user = _member(community, Role.RESIDENT, username="resident", display_name="租客小赵")
    ResidencyFactory(unit=owner_unit, person__user=user, person__community=community)
    return user
