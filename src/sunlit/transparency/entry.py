"""What a log entry (leaf) is: RFC 8785 canonical JSON of one event, and salted commitments.

Pure Python, no Django, so that offline verifiers share it. An entry reads::

    {"commitments": {"owner_name": "<hex>"},
     "community": "mingqiang",
     "public": {"area": "89.50", "unit": "1号楼-1单元-101"},
     "subject": {"id": "12", "type": "registry.unit"},
     "time": "2025-05-01T09:30:00.000000+08:00",
     "type": "roster.unit.created"}

serialised per RFC 8785 (sorted keys, no spaces, UTF-8). Personal values never appear: only
``commitment = SHA-256(salt || canonical JSON of the value)``, hex; the salt (32 random bytes)
is kept off the log, so deleting it makes the commitment unopenable forever while the leaf
and every proof stay valid.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
from typing import Any

import rfc8785

#: tlog-tiles entry bundles prefix each entry with a big-endian uint16 length.
MAX_ENTRY_SIZE = 0xFFFF
SALT_SIZE = 32
LEAF_KEYS = frozenset({"type", "time", "community", "subject", "public", "commitments"})


class EntryError(ValueError):
    """Bytes that are not a well-formed Sunlit log entry."""


def canonical(value: Any) -> bytes:
    """RFC 8785 (JCS) canonical JSON bytes of a JSON value."""
    return rfc8785.dumps(value)


def new_salt() -> bytes:
    return secrets.token_bytes(SALT_SIZE)


def commitment(salt: bytes, value: Any) -> str:
    """SHA-256(salt || canonical JSON of value), lower-case hex."""
    return hashlib.sha256(bytes(salt) + canonical(value)).hexdigest()


def opens(commit: str, salt: bytes, value: Any) -> bool:
    """True if ``(salt, value)`` opens the commitment ``commit``."""
    return hmac.compare_digest(commitment(salt, value), str(commit).lower())


def build(*, type: str, time: str, community: str, subject: dict[str, str],
          public: dict[str, Any], commitments: dict[str, str]) -> bytes:
    """The entry bytes of one event (already validated by the event registry)."""
    data = canonical({
        "type": type, "time": time, "community": community, "subject": subject,
        "public": public, "commitments": commitments,
    })
    if len(data) > MAX_ENTRY_SIZE:
        raise EntryError(f"entry is {len(data)} bytes, at most {MAX_ENTRY_SIZE}")
    return data


def parse(data: bytes) -> dict[str, Any]:
    """The event in an entry; raises EntryError unless it is a canonical Sunlit entry."""
    try:
        value = json.loads(bytes(data).decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as exc:
        raise EntryError(f"entry is not UTF-8 JSON: {exc}") from None
    if not isinstance(value, dict) or set(value) != LEAF_KEYS:
        raise EntryError("entry does not have exactly the keys " + ", ".join(sorted(LEAF_KEYS)))
    subject = value["subject"]
    if not isinstance(subject, dict) or set(subject) != {"type", "id"}:
        raise EntryError("entry subject must be {type, id}")
    if not isinstance(value["public"], dict) or not isinstance(value["commitments"], dict):
        raise EntryError("entry public and commitments must be objects")
    try:
        again = canonical(value)
    except rfc8785.CanonicalizationError as exc:
        raise EntryError(f"entry cannot be canonicalised: {exc}") from None
    if again != bytes(data):
        raise EntryError("entry is not in RFC 8785 canonical form")
    return value
