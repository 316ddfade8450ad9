"""C2SP signed-note and tlog-checkpoint: the Go reference vectors and an independent verifier."""

from __future__ import annotations

import base64
import hashlib

import pytest
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from hypothesis import given, settings
from hypothesis import strategies as st

from sunlit.transparency import note
from sunlit.transparency.note import Checkpoint, NoteError, Signer, Verifier

# golang.org/x/mod/sumdb/note note_test.go
GO_VKEY = "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW"
GO_SKEY = "PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz"
GO_TEXT = ("If you think cryptography is the answer to your problem,\n"
           "then you don't know what your problem is.\n")
GO_SIG = ("— PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdn"
          "gotpRZb6KE6RyyBwJnAM=\n")
GO_NOTE = GO_TEXT + "\n" + GO_SIG


def independent_open(message: str, vkey: str) -> str:
    """A from-scratch reading of c2sp.org/signed-note for one Ed25519 verifier key.

    Written from the spec text, sharing no code with ``sunlit.transparency.note``: returns
    the note text if a signature by the key verifies, raises ValueError otherwise.
    """
    name, hex_id, key_b64 = vkey.split("+", 2)
    raw_key = base64.b64decode(key_b64)
    assert raw_key[0] == 0x01 and len(raw_key) == 33
    expected_id = hashlib.sha256(name.encode() + b"\x0a" + raw_key).digest()[:4]
    assert expected_id.hex() == hex_id
    data = message.encode("utf-8")
    if any(b < 0x20 and b != 0x0A for b in data):
        raise ValueError("control character")
    cut = data.rindex(b"\n\n")
    text, sig_block = data[:cut + 1], data[cut + 2:]
    ok = False
    for line in sig_block.decode().splitlines():
        assert line.startswith("\u2014 ")
        sig_name, blob = line[2:].split(" ", 1)
        blob = base64.b64decode(blob)
        if sig_name != name or blob[:4] != expected_id:
            continue
        try:
            Ed25519PublicKey.from_public_bytes(raw_key[1:]).verify(blob[4:], text)
        except InvalidSignature:
            raise ValueError("bad signature") from None
        ok = True
    if not ok:
        raise ValueError("no signature by the key")
    return text.decode()


def test_go_reference_keys_parse_and_round_trip():
    verifier = Verifier.parse(GO_VKEY)
    assert verifier.name == "PeterNeumann" and f"{verifier.key_id:08x}" == "c74f20a3"
    assert verifier.vkey == GO_VKEY
    signer = Signer.parse(GO_SKEY)
    assert signer.skey == GO_SKEY and signer.verifier == verifier


def test_signing_reproduces_the_go_reference_note_byte_for_byte():
    assert note.sign(GO_TEXT, [Signer.parse(GO_SKEY)]) == GO_NOTE


def test_the_go_reference_note_opens():
    opened = note.open_note(GO_NOTE, [Verifier.parse(GO_VKEY)])
    assert opened.text == GO_TEXT and opened.signers == ["PeterNeumann"]
    assert independent_open(GO_NOTE, GO_VKEY) == GO_TEXT


@pytest.mark.parametrize("message", [
    GO_TEXT,                                           # no signatures
    GO_TEXT + "\n",                                    # empty signature block
    GO_TEXT + "\n" + GO_SIG[:-1],                      # no final newline
    GO_TEXT + "\n" + GO_SIG.replace("— ", "-- "),      # not an em dash
    GO_TEXT + "\n" + GO_SIG.replace("PeterNeumann ", "Peter+Neumann "),
    GO_TEXT + "\n" + "— PeterNeumann AAAA\n",          # too short a signature
    GO_TEXT + "\n" + "— PeterNeumann not*base64\n",
    GO_TEXT.replace("\n", "\r\n", 1) + "\n" + GO_SIG,  # control character
    GO_TEXT + "\n" + GO_SIG * 101,                     # too many signatures
])
def test_malformed_notes_are_refused(message):
    with pytest.raises(NoteError):
        note.open_note(message, [Verifier.parse(GO_VKEY)])


def test_a_wrong_signature_by_a_known_key_rejects_the_note():
    tampered = GO_NOTE.replace("cryptography", "cryptographY")
    with pytest.raises(NoteError, match="does not verify"):
        note.open_note(tampered, [Verifier.parse(GO_VKEY)])
    with pytest.raises(ValueError):
        independent_open(tampered, GO_VKEY)


def test_unknown_signers_are_ignored_and_one_known_is_needed():
    other = Signer.generate("witness.example/w1")
    cosigned = GO_NOTE + other.signature_line(GO_TEXT)
    opened = note.open_note(cosigned, [Verifier.parse(GO_VKEY)])
    assert opened.signers == ["PeterNeumann"] and [s.name for s in opened.unverified] == [
        "witness.example/w1"]
    with pytest.raises(NoteError, match="not signed by any"):
        note.open_note(GO_NOTE, [other.verifier])
    # same name, other key: ignored, so still unverified
    impostor = Signer.generate("PeterNeumann")
    with pytest.raises(NoteError, match="not signed by any"):
        note.open_note(GO_NOTE, [impostor.verifier])


@pytest.mark.parametrize("vkey", [
    GO_VKEY[:-1],
    GO_VKEY.replace("c74f20a3", "c74f20a4"),
    GO_VKEY.replace("+ARpc", "+AhpC"),
    "PeterNeumann+c74f20a3",
    "Peter Neumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW",
])
def test_bad_verifier_keys_are_refused(vkey):
    with pytest.raises(NoteError):
        Verifier.parse(vkey)


def test_checkpoint_body_format():
    root = hashlib.sha256(b"").digest()
    body = Checkpoint("example.com/log/mingqiang", 20852163, root)
    assert body.text == (
        "example.com/log/mingqiang\n20852163\n47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=\n")
    assert Checkpoint.parse(body.text) == body
    for bad in ("a\n01\n" + body.text.split("\n")[2] + "\n", "a\n1\nxyz\n", "a\n1\n",
                body.text[:-1]):
        with pytest.raises(NoteError):
            Checkpoint.parse(bad)


def test_signed_checkpoints_verify_with_the_independent_reader():
    signer = Signer.generate("sunlit.example/log/mingqiang")
    body = Checkpoint(signer.name, 5, hashlib.sha256(b"x").digest())
    signed = note.sign_checkpoint(body, [signer])
    assert independent_open(signed, signer.verifier.vkey) == body.text
    checkpoint, _ = note.open_checkpoint(signed, [signer.verifier], origin=signer.name)
    assert checkpoint == body
    with pytest.raises(NoteError, match="not 'other"):
        note.open_checkpoint(signed, [signer.verifier], origin="other")


SIGNER = Signer.generate("sunlit.example/log/prop")


@settings(max_examples=60, deadline=None)
@given(size=st.integers(0, 2**40), root=st.binary(min_size=32, max_size=32), bit=st.integers(0, 10**6))
def test_any_flipped_bit_in_a_signed_checkpoint_fails(size, root, bit):
    signed = note.sign_checkpoint(Checkpoint(SIGNER.name, size, root), [SIGNER])
    data = bytearray(signed.encode("utf-8"))
    bit %= len(data) * 8
    data[bit // 8] ^= 1 << (bit % 8)
    try:
        flipped = bytes(data).decode("utf-8")
    except UnicodeDecodeError:
        return  # not even a note any more
    with pytest.raises(NoteError):
        note.open_checkpoint(flipped, [SIGNER.verifier], origin=SIGNER.name)
