"""Huey: SQLite storage by default, Redis when REDIS_URL is set; periodic tasks registered."""

import os
import subprocess
import sys

import pytest
from huey.contrib.djhuey import HUEY

from sunlit.core.models import WorkerHeartbeat
from sunlit.core.tasks import heartbeat

SCRIPT = """
from huey.contrib.djhuey import HUEY
from sunlit.core.models import WorkerHeartbeat
from sunlit.core.tasks import heartbeat
HUEY.flush()
heartbeat()                       # enqueued, not run
assert HUEY.pending_count() == 1, HUEY.pending_count()
HUEY.execute(HUEY.dequeue())      # what the consumer does
print(type(HUEY).__name__, WorkerHeartbeat.objects.get(name="worker").runs)
"""


def run_with(env_extra: dict, tmp_path) -> str:
    env = {**os.environ, "SUNLIT_DATA_DIR": str(tmp_path),
           "DJANGO_SETTINGS_MODULE": "sunlit.settings",
           "DATABASE_URL": "", **env_extra}
    subprocess.run([sys.executable, "-m", "sunlit.cli", "migrate", "-v0"], env=env, check=True)
    out = subprocess.run([sys.executable, "-m", "sunlit.cli", "shell", "-c", SCRIPT], env=env,
                         check=True, capture_output=True, text=True)
    return out.stdout.strip().splitlines()[-1]


def test_sqlite_huey_queues_and_runs_tasks(tmp_path):
    assert run_with({"REDIS_URL": ""}, tmp_path) == "SqliteHuey 1"


@pytest.mark.redis
def test_redis_huey_when_redis_url_is_set(tmp_path):
    url = os.environ.get("REDIS_URL")
    if not url:
        pytest.skip("REDIS_URL is not set (CI sets it to the local Redis)")
    assert run_with({"REDIS_URL": url}, tmp_path) == "RedisHuey 1"


def test_periodic_tasks_are_registered():
    names = {task.__name__ for task in HUEY._registry._periodic_tasks}
    assert {"heartbeat", "purge_stale_activation_codes"} <= names


def test_tasks_run_immediately_in_tests(db):
    heartbeat()
    assert WorkerHeartbeat.objects.get(name="worker").runs == 1
