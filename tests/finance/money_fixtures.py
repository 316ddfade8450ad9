"""Fixtures of the public-money tests (public income, expenses, the maintenance fund)."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from PIL import Image

from sunlit.core import uploads
from sunlit.core.choices import Role
from tests.finance.conftest import NOW

TODAY = NOW.date()
YESTERDAY = TODAY - dt.timedelta(days=1)


def jpeg(colour=(200, 40, 40)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (64, 48), colour).save(buffer, "JPEG")
    return buffer.getvalue()


@pytest.fixture(autouse=True)
def storage_dir(settings, tmp_path):
    settings.SUNLIT_STORAGE_URL = str(tmp_path / "uploads")
    return tmp_path / "uploads"


@pytest.fixture
def receipt(community):
    """receipt(user): one stored receipt image uploaded by ``user`` (a new colour each time)."""
    counter = iter(range(1, 10_000))

    def make(user, target=None):
        n = next(counter)
        return uploads.store_image(jpeg((n % 250, (n * 7) % 250, 90)), community=target or community,
                                   actor=user, original_name=f"receipt-{n}.jpg")

    return make


@pytest.fixture
def second_manager(make_member):
    return make_member(Role.MANAGER, username="manager2", display_name="周副经理")


@pytest.fixture
def committee_other_community(other_community, make_member):
    return make_member(Role.COMMITTEE, other_community, username="committee2", display_name="外小区委员")
