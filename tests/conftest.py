"""Shared fixtures: two communities and one named persona per role (STYLE.md rule 9)."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

# Hypothesis' own caches go to a temporary folder too (read lazily, so set before first use).
os.environ.setdefault("HYPOTHESIS_STORAGE_DIRECTORY", tempfile.mkdtemp(prefix="sunlit-hypothesis-"))

import pytest
from hypothesis import settings as hypothesis_settings
from hypothesis.database import DirectoryBasedExampleDatabase

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

# Hypothesis keeps its example database in a temporary folder, not in the checkout: a test
# writes only under its own temporary directories.
hypothesis_settings.register_profile("sunlit", database=DirectoryBasedExampleDatabase(
    os.path.join(os.environ["HYPOTHESIS_STORAGE_DIRECTORY"], "examples")))
hypothesis_settings.load_profile("sunlit")

# --- nothing written into the checkout ------------------------------------------------------
# Every file a test writes belongs under a temporary directory. The session lists the files of
# the checkout before and after; a new file that is not source (a screenshot, a PDF, a database,
# a key …) fails the run, naming it. Tool caches and the virtualenv are not looked at.
REPO = Path(__file__).resolve().parent.parent
_NOT_LOOKED_AT = {".git", ".venv", ".pytest_cache", ".ruff_cache", ".hypothesis", "__pycache__",
                  "node_modules", "build"}
_SOURCE = {".py", ".md", ".html", ".js", ".css", ".po", ".json", ".toml", ".txt", ".sh", ".cfg",
           ".ini", ".yml", ".yaml", ".lock", ".svg", ".mo"}


def _checkout_files() -> set[str]:
    found = set()
    for root, dirs, files in os.walk(REPO):
        dirs[:] = [d for d in dirs if d not in _NOT_LOOKED_AT and not d.endswith(".egg-info")]
        found.update(os.path.relpath(os.path.join(root, f), REPO) for f in files)
    return found


def pytest_sessionstart(session):
    session.config._sunlit_files = _checkout_files()


def pytest_sessionfinish(session, exitstatus):
    before = getattr(session.config, "_sunlit_files", None)
    if before is None or os.environ.get("PYTEST_XDIST_WORKER"):
        return
    written = sorted(f for f in _checkout_files() - before if Path(f).suffix not in _SOURCE)
    if written:
        reporter = session.config.pluginmanager.get_plugin("terminalreporter")
        if reporter is not None:
            reporter.write_line("tests wrote into the checkout (write under a temporary "
                                f"directory instead): {', '.join(written[:20])}", red=True)
        session.exitstatus = pytest.ExitCode.TESTS_FAILED

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
