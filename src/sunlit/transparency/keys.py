"""The log signing key: one Ed25519 key for the logs of this installation, kept off the database.

Where it comes from, first match wins:

1. ``SUNLIT_LOG_SIGNING_KEY`` — a note signer key ``PRIVATE+KEY+name+keyid+base64``;
2. ``SUNLIT_LOG_SIGNING_KEY_FILE`` — a file holding one;
3. ``SUNLIT_DATA_DIR/keys/log_signing_key`` — created (mode 0600) at first use.

Each log signs its checkpoints with this key under its own origin as key name (C2SP
tlog-checkpoint: "the log's key name SHOULD match the origin line"), so every log has its own
note verifier key ``<origin>+<keyid>+<key>`` — shown in ``GET /log/`` and on the log's page.

``SUNLIT_LOG_ORIGIN_PREFIX`` (default: the first public host in ``SUNLIT_ALLOWED_HOSTS``
followed by ``/log``, else ``localhost/log``) starts the origin of every log created from then
on: ``<prefix>/<community code>``. Set it to the public address before the first log is made:
an origin never changes.
"""

from __future__ import annotations

import contextlib
import functools
import os
import secrets
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from sunlit.transparency.note import NoteError, Signer, Verifier, valid_name

KEY_FILE = "log_signing_key"
LOCAL_HOSTS = {"localhost", "127.0.0.1", "[::1]", "::1", "testserver", "*"}


def _env(name: str) -> str:
    return str(getattr(settings, name, "") or os.environ.get(name, "")).strip()


def origin_prefix() -> str:
    prefix = _env("SUNLIT_LOG_ORIGIN_PREFIX").rstrip("/")
    if not prefix:
        hosts = [h for h in settings.ALLOWED_HOSTS if h not in LOCAL_HOSTS and not h.startswith(".")]
        prefix = f"{hosts[0] if hosts else 'localhost'}/log"
    if not valid_name(prefix):
        raise ImproperlyConfigured("SUNLIT_LOG_ORIGIN_PREFIX must not contain spaces or '+'")
    return prefix


def key_path() -> Path:
    return Path(settings.DATA_DIR) / "keys" / KEY_FILE


def _create_key_file(path: Path) -> None:
    """Writes a new signer key, atomically: concurrent first uses end with one key."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{KEY_FILE}.{os.getpid()}.{secrets.token_hex(4)}")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(Signer.generate(origin_prefix()).skey + "\n")
            fh.flush()
            os.fsync(fh.fileno())
        with contextlib.suppress(FileExistsError):  # another process made it first: use theirs
            os.link(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


@functools.cache
def signing_key() -> Signer:
    """The installation's signer key (see the module docstring for where it comes from)."""
    text = _env("SUNLIT_LOG_SIGNING_KEY")
    source = "SUNLIT_LOG_SIGNING_KEY"
    if not text and _env("SUNLIT_LOG_SIGNING_KEY_FILE"):
        source = _env("SUNLIT_LOG_SIGNING_KEY_FILE")
        text = Path(source).read_text(encoding="utf-8").strip()
    if not text:
        path = key_path()
        if not path.exists():
            _create_key_file(path)
        source = str(path)
        text = path.read_text(encoding="utf-8").strip()
    try:
        return Signer.parse(text)
    except NoteError as exc:
        raise ImproperlyConfigured(f"log signing key from {source}: {exc}") from None


def reset() -> None:
    """Forgets the cached key (after the environment changed, in tests and key rotation)."""
    signing_key.cache_clear()


def log_signer(origin: str) -> Signer:
    return signing_key().renamed(origin)


def log_verifier(origin: str) -> Verifier:
    return log_signer(origin).verifier
