"""C2SP signed-note (Ed25519) and tlog-checkpoint. Pure Python + ``cryptography``, no Django.

- signed note (c2sp.org/signed-note): ``text`` (ending in a newline), a blank line, then lines
  ``— <key name> <base64(key ID || signature)>``; key ID = SHA-256(name || 0x0A || 0x01 ||
  public key)[:4]; Ed25519 signs exactly the text.
- verifier key: ``<name>+<hex key ID>+<base64(0x01 || public key)>``; signer key:
  ``PRIVATE+KEY+<name>+<hex key ID>+<base64(0x01 || 32-byte seed)>`` — the encodings of Go's
  golang.org/x/mod/sumdb/note, so keys move between Sunlit and those tools.
- checkpoint (c2sp.org/tlog-checkpoint): text ``<origin>\\n<size>\\n<base64 root>\\n``
  followed by optional extension lines.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
from dataclasses import dataclass, field

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import (
    Encoding,
    NoEncryption,
    PrivateFormat,
    PublicFormat,
)

ALG_ED25519 = 0x01
SIG_PREFIX = "— "  # em dash U+2014, space
MAX_SIGNATURES = 100  # as Go's note.Open
_SPACE_RE = re.compile(r"\s")


class NoteError(ValueError):
    """A malformed or unverifiable note, key or checkpoint. The message says what failed."""


def valid_name(name: str) -> bool:
    """Key names are non-empty and contain no Unicode space and no '+'."""
    return bool(name) and "+" not in name and not _SPACE_RE.search(name)


def _b64decode(text: str, what: str) -> bytes:
    try:
        return base64.b64decode(text.encode("ascii"), validate=True)
    except (binascii.Error, UnicodeEncodeError, ValueError):
        raise NoteError(f"{what} is not valid base64") from None


def typed_key_id(alg: int, name: str, public_key: bytes) -> int:
    """SHA-256(name || 0x0A || alg || public key)[:4], big-endian: the key ID of every
    signature type (0x01 note signatures, 0x04 cosignatures)."""
    digest = hashlib.sha256(name.encode("utf-8") + b"\n" + bytes([alg]) + public_key)
    return int.from_bytes(digest.digest()[:4], "big")


def key_id(name: str, public_key: bytes) -> int:
    """The 32-bit key ID of a note key: SHA-256(name || 0x0A || 0x01 || public key)[:4]."""
    return typed_key_id(ALG_ED25519, name, public_key)


def _raw_public(key: Ed25519PublicKey) -> bytes:
    return key.public_bytes(Encoding.Raw, PublicFormat.Raw)


def encode_key(prefix: str, name: str, key_id_: int, alg: int, key: bytes) -> str:
    """``[prefix]name+hexid+base64(alg || key)``: verifier keys, and signer keys with
    prefix ``PRIVATE+KEY+``."""
    return f"{prefix}{name}+{key_id_:08x}+{base64.b64encode(bytes([alg]) + key).decode('ascii')}"


def parse_verifier_key(vkey: str, accepted: tuple[int, ...], unsupported: str) -> tuple[str, bytes]:
    """(name, 32-byte Ed25519 public key) of ``name+hexid+base64(alg || key)``, with ``alg`` in
    ``accepted`` and the key ID checked against the type byte the string carries."""
    parts = vkey.strip().split("+", 2)  # the base64 key may itself contain '+'
    if len(parts) != 3:
        raise NoteError("a verifier key reads name+keyid+key")
    name, hex_id, encoded = parts
    if not re.fullmatch(r"[0-9a-f]{8}", hex_id):
        raise NoteError("the key ID of a verifier key is 8 lower-case hex digits")
    raw = _b64decode(encoded, "the verifier key")
    if len(raw) != 33 or raw[0] not in accepted:
        raise NoteError(unsupported)
    if not valid_name(name):
        raise NoteError(f"invalid key name {name!r}")
    if typed_key_id(raw[0], name, raw[1:]) != int(hex_id, 16):
        raise NoteError("the key ID does not match the name and public key")
    return name, raw[1:]


def parse_signer_key(skey: str, accepted: tuple[int, ...], unsupported: str) -> tuple[str, bytes]:
    """(name, 32-byte Ed25519 seed) of ``PRIVATE+KEY+name+hexid+base64(alg || seed)``."""
    parts = skey.strip().split("+", 4)
    if len(parts) != 5 or parts[:2] != ["PRIVATE", "KEY"]:
        raise NoteError("a signer key reads PRIVATE+KEY+name+keyid+key")
    name, hex_id, encoded = parts[2:]
    raw = _b64decode(encoded, "the signer key")
    if len(raw) != 33 or raw[0] not in accepted:
        raise NoteError(unsupported)
    if not valid_name(name):
        raise NoteError(f"invalid key name {name!r}")
    public = _raw_public(Ed25519PrivateKey.from_private_bytes(raw[1:]).public_key())
    if not re.fullmatch(r"[0-9a-f]{8}", hex_id) or int(hex_id, 16) != typed_key_id(raw[0], name, public):
        raise NoteError("the key ID does not match the name and key")
    return name, raw[1:]


@dataclass(frozen=True)
class Verifier:
    """A note verifier key: a name and an Ed25519 public key."""

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
        return encode_key("", self.name, self.key_id, ALG_ED25519, self.public_key)

    @classmethod
    def parse(cls, vkey: str) -> Verifier:
        """Parses ``name+hexid+base64key``; the key ID must match the name and key."""
        return cls(*parse_verifier_key(
            vkey, (ALG_ED25519,), "only Ed25519 verifier keys (type 0x01, 32 bytes) are supported"))

    def verify(self, text: bytes, signature: bytes) -> bool:
        try:
            Ed25519PublicKey.from_public_bytes(self.public_key).verify(signature, text)
        except (InvalidSignature, ValueError):
            return False
        return True


@dataclass(frozen=True)
class Signer:
    """A note signer: a key name and an Ed25519 private key (its 32-byte seed)."""

    name: str
    seed: bytes = field(repr=False)

    def __post_init__(self):
        if not valid_name(self.name):
            raise NoteError(f"invalid key name {self.name!r}")
        if len(self.seed) != 32:
            raise NoteError("an Ed25519 seed has 32 bytes")

    @classmethod
    def generate(cls, name: str) -> Signer:
        key = Ed25519PrivateKey.generate()
        return cls(name, key.private_bytes(Encoding.Raw, PrivateFormat.Raw, NoEncryption()))

    @classmethod
    def parse(cls, skey: str) -> Signer:
        """Parses ``PRIVATE+KEY+name+hexid+base64(0x01 || seed)``."""
        return cls(*parse_signer_key(
            skey, (ALG_ED25519,), "only Ed25519 signer keys (type 0x01, 32-byte seed) are supported"))

    @property
    def skey(self) -> str:
        return encode_key("PRIVATE+KEY+", self.name, self.verifier.key_id, ALG_ED25519, self.seed)

    @property
    def verifier(self) -> Verifier:
        private = Ed25519PrivateKey.from_private_bytes(self.seed)
        return Verifier(self.name, _raw_public(private.public_key()))

    def renamed(self, name: str) -> Signer:
        """The same private key under another key name (e.g. a log's origin)."""
        return Signer(name, self.seed)

    def signature_line(self, text: str) -> str:
        sig = Ed25519PrivateKey.from_private_bytes(self.seed).sign(text.encode("utf-8"))
        blob = self.verifier.key_id.to_bytes(4, "big") + sig
        return f"{SIG_PREFIX}{self.name} {base64.b64encode(blob).decode('ascii')}\n"


def _check_text(text: str) -> None:
    if not text.endswith("\n"):
        raise NoteError("the note text must end with a newline")
    for ch in text:
        if ord(ch) < 0x20 and ch != "\n":
            raise NoteError("the note contains a control character")


def sign(text: str, signers: list[Signer]) -> str:
    """A signed note: ``text``, a blank line and one signature line per signer."""
    _check_text(text)
    if not signers:
        raise NoteError("a note needs at least one signer")
    return text + "\n" + "".join(s.signature_line(text) for s in signers)


@dataclass(frozen=True)
class Signature:
    name: str
    key_id: int
    signature: bytes = field(repr=False)
    line: str = field(repr=False)


@dataclass(frozen=True)
class Note:
    text: str
    verified: tuple[Signature, ...]
    unverified: tuple[Signature, ...]

    @property
    def signers(self) -> list[str]:
        return [s.name for s in self.verified]


def split(message: str | bytes) -> tuple[str, list[Signature]]:
    """Text and parsed signature lines of a note (no verification); raises NoteError."""
    if isinstance(message, bytes):
        try:
            message = message.decode("utf-8")
        except UnicodeDecodeError:
            raise NoteError("the note is not valid UTF-8") from None
    for ch in message:
        if ord(ch) < 0x20 and ch != "\n":
            raise NoteError("the note contains a control character")
    cut = message.rfind("\n\n")
    if cut < 0:
        raise NoteError("the note has no blank line before its signatures")
    text, block = message[:cut + 1], message[cut + 2:]
    if not block or not block.endswith("\n"):
        raise NoteError("the signature block is empty or does not end with a newline")
    sigs = []
    for line in block[:-1].split("\n"):
        if not line.startswith(SIG_PREFIX):
            raise NoteError("a signature line does not start with an em dash and a space")
        name, _, encoded = line[len(SIG_PREFIX):].partition(" ")
        if not valid_name(name) or not encoded:
            raise NoteError("a signature line is malformed")
        raw = _b64decode(encoded, "a signature")
        if base64.b64encode(raw).decode("ascii") != encoded:
            raise NoteError("a signature is not canonical base64")
        if len(raw) < 5:
            raise NoteError("a signature is too short")
        sigs.append(Signature(name, int.from_bytes(raw[:4], "big"), raw[4:], line))
        if len(sigs) > MAX_SIGNATURES:
            raise NoteError("the note has too many signatures")
    return text, sigs


def open_note(message: str | bytes, verifiers: list[Verifier]) -> Note:
    """Verifies a signed note against known keys, as Go's note.Open does.

    Signatures by unknown keys are ignored (kept as ``unverified``); a signature by a known
    key that does not verify rejects the whole note; at least one known key must have signed.
    """
    text, sigs = split(message)
    known = {(v.name, v.key_id): v for v in verifiers}
    verified, unverified, seen = [], [], set()
    for sig in sigs:
        verifier = known.get((sig.name, sig.key_id))
        if verifier is None:
            if sig.line not in {u.line for u in unverified}:
                unverified.append(sig)
            continue
        if (sig.name, sig.key_id) in seen:
            continue
        seen.add((sig.name, sig.key_id))
        if not verifier.verify(text.encode("utf-8"), sig.signature):
            raise NoteError(f"the signature of {sig.name} does not verify")
        verified.append(sig)
    if not verified:
        raise NoteError("the note is not signed by any of the given keys")
    return Note(text, tuple(verified), tuple(unverified))


# --- tlog-checkpoint ------------------------------------------------------------------------


@dataclass(frozen=True)
class Checkpoint:
    """The body of a checkpoint: origin, tree size, root hash (and extension lines)."""

    origin: str
    size: int
    root_hash: bytes
    extensions: tuple[str, ...] = ()

    def __post_init__(self):
        if not self.origin or "\n" in self.origin:
            raise NoteError("a checkpoint origin is one non-empty line")
        if self.size < 0:
            raise NoteError("a tree size cannot be negative")
        if len(self.root_hash) != 32:
            raise NoteError("a checkpoint root hash has 32 bytes")
        if any(not ext or "\n" in ext for ext in self.extensions):
            raise NoteError("extension lines are single non-empty lines")

    @property
    def text(self) -> str:
        lines = [self.origin, str(self.size), base64.b64encode(self.root_hash).decode("ascii"),
                 *self.extensions]
        return "\n".join(lines) + "\n"

    @classmethod
    def parse(cls, text: str) -> Checkpoint:
        if not text.endswith("\n"):
            raise NoteError("a checkpoint ends with a newline")
        lines = text[:-1].split("\n")
        if len(lines) < 3:
            raise NoteError("a checkpoint has at least three lines: origin, size, root hash")
        origin, size, root, *extensions = lines
        if not re.fullmatch(r"0|[1-9][0-9]*", size):
            raise NoteError("the checkpoint size is not a decimal number without leading zeroes")
        root_hash = _b64decode(root, "the checkpoint root hash")
        if base64.b64encode(root_hash).decode("ascii") != root:
            raise NoteError("the checkpoint root hash is not canonical base64")
        return cls(origin, int(size), root_hash, tuple(extensions))


def sign_checkpoint(checkpoint: Checkpoint, signers: list[Signer]) -> str:
    return sign(checkpoint.text, signers)


def open_checkpoint(
    message: str | bytes, verifiers: list[Verifier], *, origin: str | None = None
) -> tuple[Checkpoint, Note]:
    """Verifies a signed checkpoint; with ``origin``, it must be that log's."""
    note = open_note(message, verifiers)
    checkpoint = Checkpoint.parse(note.text)
    if origin is not None and checkpoint.origin != origin:
        raise NoteError(f"the checkpoint is of log {checkpoint.origin!r}, not {origin!r}")
    return checkpoint, note
