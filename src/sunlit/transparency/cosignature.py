"""C2SP tlog-cosignature, version 1 with Ed25519 (signature type 0x04). Pure Python, no Django.

A cosignature is a note signature line added to a checkpoint by a *witness*, stating that as of
its timestamp the checkpoint is the largest tree of that log the witness has seen that is
consistent with everything it saw before (c2sp.org/tlog-cosignature):

- key ID = SHA-256(name || 0x0A || 0x04 || 32-byte Ed25519 public key)[:4];
- the line is ``— <name> base64(key ID || timestamp || signature)``, ``timestamp`` a big-endian
  uint64 of POSIX seconds (below 2**63), ``signature`` 64 bytes of Ed25519;
- the signed message is ``cosignature/v1\\ntime <timestamp>\\n`` followed by the whole note
  text of the checkpoint (with its final newline, without any signature line);
- the verifier key is ``<name>+<hex key ID>+<base64(0x04 || public key)>``; the signer key,
  as in Go's golang.org/x/mod/sumdb/note, ``PRIVATE+KEY+<name>+<hex key ID>+base64(0x04 ||
  32-byte seed)``.

As github.com/transparency-dev/formats/note does, an ordinary Ed25519 note key (type 0x01) is
accepted too and used as the cosignature key it names (same public key, type 0x04 key ID).
"""

from __future__ import annotations

import base64
from dataclasses import dataclass, field

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import (
    Encoding,
    NoEncryption,
    PrivateFormat,
    PublicFormat,
)

from sunlit.transparency.note import (
    ALG_ED25519,
    SIG_PREFIX,
    NoteError,
    Signature,
    encode_key,
    parse_signer_key,
    parse_verifier_key,
    split,
    typed_key_id,
    valid_name,
)

ALG_COSIGNATURE_V1 = 0x04
HEADER = "cosignature/v1"
TIMESTAMP_SIZE = 8
SIGNATURE_SIZE = 64
MAX_TIMESTAMP = 2**63 - 1


def key_id(name: str, public_key: bytes) -> int:
    """SHA-256(name || 0x0A || 0x04 || public key)[:4] as a big-endian uint32."""
    return typed_key_id(ALG_COSIGNATURE_V1, name, public_key)


def _check_text(text: str) -> None:
    if not text.endswith("\n") or text.count("\n") < 3:
        raise NoteError("a cosigned checkpoint text has at least three lines, each ending in a newline")


def message(text: str, timestamp: int) -> bytes:
    """What an Ed25519 cosignature/v1 signs: the header line, the time line and the note text."""
    _check_text(text)
    if not 0 <= timestamp <= MAX_TIMESTAMP:
        raise NoteError("a cosignature timestamp is between 0 and 2**63 - 1")
    return f"{HEADER}\ntime {timestamp}\n{text}".encode()


@dataclass(frozen=True)
class CosignatureVerifier:
    """A witness's cosignature verifier key: its name and Ed25519 public key."""

    name: str
    public_key: bytes

    def __post_init__(self):
        if not valid_name(self.name):
            raise NoteError(f"invalid key name {self.name!r}")
        if len(self.public_key) != 32:
            raise NoteError("an Ed25519 public key has 32 bytes")

    @property
    def key_id(self) -> int:
        return key_id(self.name, self.public_key)

    @property
    def vkey(self) -> str:
        return encode_key("", self.name, self.key_id, ALG_COSIGNATURE_V1, self.public_key)

    @classmethod
    def parse(cls, vkey: str) -> CosignatureVerifier:
        """Parses ``name+hexid+base64(0x04 || key)`` (or an Ed25519 note key, type 0x01)."""
        return cls(*parse_verifier_key(
            vkey, (ALG_COSIGNATURE_V1, ALG_ED25519),
            "only Ed25519 cosignature keys (type 0x04, 32 bytes) are supported"))

    def timestamp_of(self, text: str, blob: bytes) -> int | None:
        """The timestamp of a valid cosignature ``blob`` (timestamp || signature) on ``text``."""
        if len(blob) != TIMESTAMP_SIZE + SIGNATURE_SIZE:
            return None
        timestamp = int.from_bytes(blob[:TIMESTAMP_SIZE], "big")
        try:
            signed = message(text, timestamp)
            Ed25519PublicKey.from_public_bytes(self.public_key).verify(blob[TIMESTAMP_SIZE:], signed)
        except (NoteError, InvalidSignature, ValueError):
            return None
        return timestamp

    def matches(self, sig: Signature) -> bool:
        return sig.name == self.name and sig.key_id == self.key_id


@dataclass(frozen=True)
class CosignatureSigner:
    """A witness's signing key: a key name and an Ed25519 private key (its 32-byte seed)."""

    name: str
    seed: bytes = field(repr=False)

    def __post_init__(self):
        if not valid_name(self.name):
            raise NoteError(f"invalid key name {self.name!r}")
        if len(self.seed) != 32:
            raise NoteError("an Ed25519 seed has 32 bytes")

    @classmethod
    def generate(cls, name: str) -> CosignatureSigner:
        key = Ed25519PrivateKey.generate()
        return cls(name, key.private_bytes(Encoding.Raw, PrivateFormat.Raw, NoEncryption()))

    @classmethod
    def parse(cls, skey: str) -> CosignatureSigner:
        """Parses ``PRIVATE+KEY+name+hexid+base64(0x04 || seed)`` (type 0x01 accepted too)."""
        return cls(*parse_signer_key(
            skey, (ALG_COSIGNATURE_V1, ALG_ED25519),
            "only Ed25519 signer keys (type 0x04 or 0x01, 32-byte seed) are supported"))

    @property
    def skey(self) -> str:
        return encode_key("PRIVATE+KEY+", self.name, self.verifier.key_id, ALG_COSIGNATURE_V1,
                          self.seed)

    @property
    def verifier(self) -> CosignatureVerifier:
        public = Ed25519PrivateKey.from_private_bytes(self.seed).public_key()
        return CosignatureVerifier(self.name, public.public_bytes(Encoding.Raw, PublicFormat.Raw))

    def blob(self, text: str, timestamp: int) -> bytes:
        """timestamp (8 bytes, big-endian) || Ed25519 signature of the cosignature/v1 message."""
        sig = Ed25519PrivateKey.from_private_bytes(self.seed).sign(message(text, timestamp))
        return timestamp.to_bytes(TIMESTAMP_SIZE, "big") + sig

    def cosign(self, text: str, timestamp: int) -> str:
        """The signature line ``— <name> base64(key ID || timestamp || signature)\\n``."""
        return signature_line(self.name, self.verifier.key_id, self.blob(text, timestamp))


def signature_line(name: str, key: int, blob: bytes) -> str:
    encoded = base64.b64encode(key.to_bytes(4, "big") + blob).decode("ascii")
    return f"{SIG_PREFIX}{name} {encoded}\n"


@dataclass(frozen=True)
class Cosigned:
    """A cosignature that verified: who, when, and the exact line."""

    verifier: CosignatureVerifier
    timestamp: int
    blob: bytes = field(repr=False)

    @property
    def line(self) -> str:
        return signature_line(self.verifier.name, self.verifier.key_id, self.blob)


def verify_cosignatures(message_or_note: str | bytes,
                        witnesses: list[CosignatureVerifier]) -> tuple[str, list[Cosigned]]:
    """The note text and the valid cosignatures on it by the given witnesses, one per witness.

    Signature lines of other keys are ignored (signed-note: unknown keys are ignored). A line
    with the name and key ID of a given witness that does not verify rejects the whole note
    with NoteError, as signed-note advises for a known key's failed signature.
    """
    text, sigs = split(message_or_note)
    found: dict[tuple[str, int], Cosigned] = {}
    for sig in sigs:
        witness = next((w for w in witnesses if w.matches(sig)), None)
        if witness is None:
            continue
        timestamp = witness.timestamp_of(text, sig.signature)
        if timestamp is None:
            raise NoteError(f"the cosignature of {sig.name} does not verify")
        found.setdefault((witness.name, witness.key_id), Cosigned(witness, timestamp, sig.signature))
    return text, list(found.values())
