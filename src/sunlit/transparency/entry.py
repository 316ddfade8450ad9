"""What a log entry (leaf) is: RFC 8785 canonical JSON of one event, and salted commitments.

Pure Python, no Django, so that offline verifiers share it. An entry reads::

    {"commitments": {"owner_name": "<hex>"},
     "community": "mingqiang",
     "public": {"area": "89.50", "unit": "1号楼-1单元-101"},
     "subject": {"id": "12", "type": "registry.unit"},
     "time": "2025-05-01T09:30:00.000000+08:00",
     "type": "roster.unit.registered"}

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
    """RFC 8785 (JCS) canonical JSON bytes of a JSON value.

    Values made of what events hold (str, int, bool, None, list, tuple, dict with text keys)
    take a fast path, byte for byte the output of the ``rfc8785`` package (proved in
    ``tests/transparency/test_canonical.py``); anything else — a float, an integer beyond
    2^53, a non-text key, a lone surrogate — goes to ``rfc8785`` itself, for its exact output
    or its exact error.
    """
    parts: list[str] = []
    try:
        _encode(value, parts)
        return "".join(parts).encode("utf-8")
    except (_NotFast, TypeError, UnicodeEncodeError, RecursionError):
        return rfc8785.dumps(value)


class _NotFast(Exception):
    """A value the fast path leaves to ``rfc8785``."""


# RFC 8785 §3.2.2.2 escapes exactly what json's encoder escapes without ensure_ascii: the
# quote, the backslash, and U+0000–U+001F (\b \f \n \r \t short, the others \u00xx in
# lower case). The C version is used when the interpreter has it.
_encode_str = json.encoder.c_encode_basestring or json.encoder.py_encode_basestring
_INT_MAX = 2**53 - 1


def _encode(value: Any, out: list[str]) -> None:
    # The isinstance order is rfc8785's: None, bool, int, str, then list/tuple and dict.
    if value is None:
        out.append("null")
    elif isinstance(value, bool):
        out.append("true" if value else "false")
    elif isinstance(value, int):
        number = int(value)
        if not -_INT_MAX <= number <= _INT_MAX:
            raise _NotFast
        out.append(str(number))
    elif isinstance(value, str):
        out.append(_encode_str(value))
    elif isinstance(value, float):
        raise _NotFast
    elif isinstance(value, list | tuple):
        out.append("[")
        for i, item in enumerate(value):
            if i:
                out.append(",")
            _encode(item, out)
        out.append("]")
    elif isinstance(value, dict):
        keys = list(value)
        # join() refuses a key that is not text (TypeError: rfc8785 then raises its error)
        if "".join(keys).isascii():
            keys.sort()  # code point order is UTF-16 order for ASCII
        else:
            keys.sort(key=lambda k: k.encode("utf-16be"))  # RFC 8785 §3.2.3
        out.append("{")
        for i, key in enumerate(keys):
            if i:
                out.append(",")
            out.append(_encode_str(key))
            out.append(":")
            _encode(value[key], out)
        out.append("}")
    else:
        raise _NotFast


def new_salt() -> bytes:
    return secrets.token_bytes(SALT_SIZE)


def commitment(salt: bytes, value: Any) -> str:
    """SHA-256(salt || canonical JSON of value), lower-case hex."""
    return commitment_of(salt, canonical(value))


def commitment_of(salt: bytes, canonical_value: bytes) -> str:
    """The commitment of a value already in canonical form (saves encoding it twice)."""
    return hashlib.sha256(bytes(salt) + canonical_value).hexdigest()


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
