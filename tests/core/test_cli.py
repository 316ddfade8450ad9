"""The `sunlit` console script: aliases, createadmin, and Django commands through it."""

import os
import subprocess
import sys

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from sunlit.cli import ALIASES
from sunlit.core.models import User


def test_createadmin_creates_a_superuser_and_resets_password(db):
    call_command("createadmin", "--username", "root", "--password", "a-long-password-1")
    user = User.objects.get(username="root")
    assert user.is_superuser and user.is_staff and user.check_password("a-long-password-1")
    call_command("createadmin", "--username", "root", "--password", "another-password-2")
    user.refresh_from_db()
    assert user.check_password("another-password-2") and User.objects.count() == 1


def test_createadmin_refuses_short_passwords(db):
    with pytest.raises(CommandError, match="至少 8 位"):
        call_command("createadmin", "--username", "root", "--password", "short")
    assert not User.objects.exists()


def test_aliases_name_real_commands():
    from django.core.management import get_commands

    commands = get_commands()
    for alias, command in ALIASES.items():
        assert command in commands, alias
    for name in ("demo", "serve", "worker", "createadmin", "rotate_keys"):
        assert name in commands


def test_console_script_runs_django_commands(tmp_path):
    env = {**os.environ, "SUNLIT_DATA_DIR": str(tmp_path), "DATABASE_URL": "",
           "DJANGO_SETTINGS_MODULE": "sunlit.settings"}
    out = subprocess.run([sys.executable, "-m", "sunlit.cli", "shell", "-c", "print(6 * 7)"],
                         env=env, capture_output=True, text=True, check=True)
    assert out.stdout.strip().endswith("42")
    check = subprocess.run([sys.executable, "-m", "sunlit.cli", "check"], env=env,
                           capture_output=True, text=True, check=True)
    assert "no issues" in check.stdout
