"""Verifying a proof bundle offline. Pure Python, no Django: ``sunlit verify bundle`` uses it.

A bundle (``sunlit-proof-bundle/v1``, made by ``selectors.proof_bundle``) carries the signed
checkpoint, the log entries about one subject and an inclusion proof for each. It proves,
to anyone holding the log's verifier key, that exactly these entries are in the log that the
checkpoint commits to — without trusting whoever handed over the bundle.
"""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass
from typing import Any

from sunlit.transparency import entry, merkle, note

FORMAT = "sunlit-proof-bundle/v1"


class BundleError(ValueError):
    """The bundle does not verify; the message says which part failed."""


@dataclass(frozen=True)
class VerifiedEntry:
    index: int
    leaf_hash: bytes
    event: dict[str, Any]


@dataclass(frozen=True)
class VerifiedBundle:
    checkpoint: note.Checkpoint
    signers: list[str]
    entries: list[VerifiedEntry]
    pending: int


def _b64(value: Any, what: str) -> bytes:
    try:
        return base64.b64decode(str(value), validate=True)
    except (binascii.Error, ValueError):
        raise BundleError(f"{what} is not valid base64") from None


def verify_bundle(bundle: dict[str, Any], verifiers: list[note.Verifier]) -> VerifiedBundle:
    """Checks the checkpoint signature, every entry's hash, shape and inclusion proof."""
    if not isinstance(bundle, dict) or bundle.get("format") != FORMAT:
        raise BundleError(f"not a {FORMAT} bundle")
    if not bundle.get("checkpoint"):
        raise BundleError("the bundle has no signed checkpoint yet")
    subject = bundle.get("subject") or {}
    try:
        checkpoint, opened = note.open_checkpoint(bundle["checkpoint"], verifiers,
                                                  origin=bundle.get("origin"))
    except note.NoteError as exc:
        raise BundleError(f"checkpoint: {exc}") from None
    verified = []
    for position, item in enumerate(bundle.get("entries") or []):
        where = f"entry #{position}"
        try:
            index, leaf = int(item["index"]), str(item["leaf"]).encode("utf-8")
            proof = [_b64(p, f"{where} proof hash") for p in item["inclusion_proof"]]
            claimed = _b64(item["leaf_hash"], f"{where} leaf hash")
        except (KeyError, TypeError, ValueError) as exc:
            if isinstance(exc, BundleError):
                raise
            raise BundleError(f"{where} is incomplete: {exc}") from None
        leaf_hash = merkle.leaf_hash(leaf)
        if leaf_hash != claimed:
            raise BundleError(f"{where} (index {index}): the entry does not hash to its leaf hash")
        try:
            event = entry.parse(leaf)
        except entry.EntryError as exc:
            raise BundleError(f"{where} (index {index}): {exc}") from None
        if subject and event["subject"] != {"type": subject.get("type"), "id": subject.get("id")}:
            raise BundleError(f"{where} (index {index}) is about another subject")
        try:
            merkle.verify_inclusion(index, checkpoint.size, leaf_hash, proof, checkpoint.root_hash)
        except merkle.ProofError as exc:
            raise BundleError(f"{where} (index {index}): {exc}") from None
        verified.append(VerifiedEntry(index, leaf_hash, event))
    return VerifiedBundle(checkpoint, opened.signers, verified, int(bundle.get("pending") or 0))
