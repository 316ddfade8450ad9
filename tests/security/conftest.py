"""The permission matrix's world: built once per module inside an outer transaction."""

from __future__ import annotations

import pytest
import time_machine
from django.db import connections, transaction

from tests.security.world import NOW, build_world


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker, tmp_path_factory):
    """The two communities, built once for the module and rolled back after it (like Django's
    ``setUpTestData``): each test runs in its own savepoint inside this transaction."""
    from django.conf import settings

    storage = tmp_path_factory.mktemp("uploads")
    old_storage = getattr(settings, "SUNLIT_STORAGE_URL", None)
    settings.SUNLIT_STORAGE_URL = str(storage)
    traveller = time_machine.travel(NOW, tick=True)
    traveller.start()
    with django_db_blocker.unblock():
        atomics = {alias: transaction.atomic(using=alias) for alias in connections}
        for atomic in atomics.values():
            atomic.__enter__()
        try:
            yield build_world()
        finally:
            for alias, atomic in atomics.items():
                transaction.set_rollback(True, using=alias)
                atomic.__exit__(None, None, None)
            traveller.stop()
            settings.SUNLIT_STORAGE_URL = old_storage
