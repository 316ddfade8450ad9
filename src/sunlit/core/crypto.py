"""Personal data at rest: AES-GCM field encryption and HMAC blind indexes.

Ciphertext is stored as ``v1:<kid>:<base64(nonce || ciphertext+tag)>``. The keys come from
``settings.FIELD_ENCRYPTION_KEYS`` ("kid:base64key,..."): the first key encrypts, every key
decrypts, so a key is rotated by putting a new one first and running ``sunlit rotate-keys``.
The column name is bound into the ciphertext as associated data, so a value copied into
another column does not decrypt.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
from functools import lru_cache

from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

PREFIX = "v1"


@lru_cache(maxsize=8)
def _parse_keys(spec: str) -> tuple[tuple[str, AESGCM], ...]:
    keys = []
    for part in spec.split(","):
        part = part.strip()
        if not part:
            continue
        kid, _, b64 = part.partition(":")
        raw = base64.b64decode(b64)
        if not kid or len(raw) != 32:
            raise ImproperlyConfigured("SUNLIT_FIELD_KEYS entries must be kid:base64(32 bytes)")
        keys.append((kid, AESGCM(raw)))
    if not keys:
        raise ImproperlyConfigured("SUNLIT_FIELD_KEYS is empty")
    return tuple(keys)


def _keys() -> tuple[tuple[str, AESGCM], ...]:
    return _parse_keys(settings.FIELD_ENCRYPTION_KEYS)


def current_key_id() -> str:
    return _keys()[0][0]


def encrypt(plaintext: str, *, context: str) -> str:
    kid, aead = _keys()[0]
    nonce = os.urandom(12)
    sealed = aead.encrypt(nonce, plaintext.encode("utf-8"), context.encode("utf-8"))
    return f"{PREFIX}:{kid}:{base64.b64encode(nonce + sealed).decode('ascii')}"


def decrypt(token: str, *, context: str) -> str:
    prefix, kid, b64 = token.split(":", 2)
    if prefix != PREFIX:
        raise ValueError("unknown ciphertext version")
    for key_id, aead in _keys():
        if key_id == kid:
            blob = base64.b64decode(b64)
            return aead.decrypt(blob[:12], blob[12:], context.encode("utf-8")).decode("utf-8")
    raise ImproperlyConfigured(f"no field key with id {kid!r}; was it removed too early?")


def key_id_of(token: str) -> str:
    return token.split(":", 2)[1]


def blind_index(value: str, *, purpose: str) -> str:
    """A keyed hash for exact-match lookups of an encrypted value (mobile, ID number)."""
    key = settings.BLIND_INDEX_KEY.encode("utf-8")
    return hmac.new(key, f"{purpose}:{value}".encode(), hashlib.sha256).hexdigest()
