"""Ballot references, receipts and commitments — pure, shared by services and verifiers.

A ballot on the log is ``commitment = SHA-256(RFC 8785 JSON of {"vote", "unit", "choice",
"nonce"})`` in lower-case hex: ``vote`` the vote's id (integer), ``unit`` the unit's label as
in the electorate, ``choice`` one of ``yes``/``no``/``abstain``, ``nonce`` the secret half of
the receipt. The receipt the owner keeps is ``<ref>-<nonce>`` (e.g. ``B4K7Q2MX-7RDPJ3...``):
``ref`` names the ballot publicly; without the nonce nobody can tell the choice from the
commitment, with it the owner can check that the published ballot is the one he cast.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets

from sunlit.transparency.entry import canonical

REF_LENGTH = 8
NONCE_LENGTH = 16


def _b32(raw: bytes, length: int) -> str:
    return base64.b32encode(raw).decode("ascii").rstrip("=")[:length]


def new_ref() -> str:
    return "B" + _b32(secrets.token_bytes(5), REF_LENGTH - 1)


def new_nonce() -> str:
    return _b32(secrets.token_bytes(10), NONCE_LENGTH)


def commitment(vote_id: int, unit: str, choice: str, nonce: str) -> str:
    data = canonical({"vote": vote_id, "unit": unit, "choice": choice, "nonce": nonce})
    return hashlib.sha256(data).hexdigest()


def parse_receipt(code: str) -> tuple[str, str]:
    """(ref, nonce) of a receipt as typed (case and spaces forgiven); ValueError if malformed."""
    cleaned = "".join((code or "").split()).upper()
    ref, sep, nonce = cleaned.partition("-")
    if not sep or len(ref) != REF_LENGTH or not ref.startswith("B") or len(nonce) != NONCE_LENGTH:
        raise ValueError("malformed receipt")
    return ref, nonce


def matches(expected: str, vote_id: int, unit: str, choice: str, nonce: str) -> bool:
    return hmac.compare_digest(commitment(vote_id, unit, choice, nonce), expected)


def owner_ref(key: bytes, owner_key: str, length: int = 10) -> str:
    """The public per-vote pseudonym of an owner: keyed, so it links nothing across votes."""
    if owner_key == "developer":
        return "DEV"
    digest = hmac.new(key, owner_key.encode("utf-8"), hashlib.sha256).digest()
    return "O-" + _b32(digest, length)
