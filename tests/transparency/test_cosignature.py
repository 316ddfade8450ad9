"""C2SP tlog-cosignature v1 (Ed25519): keys, the signed message, verification and bit flips."""

from __future__ import annotations

import base64
import hashlib

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from sunlit.transparency import cosignature, note
from sunlit.transparency.cosignature import CosignatureSigner, CosignatureVerifier
from sunlit.transparency.note import NoteError

# the checkpoint of the C2SP tlog-checkpoint / tlog-cosignature examples
TEXT = "example.com/behind-the-sofa\n20852163\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n"
TIME = 1679315147  # the time line of the tlog-cosignature example

# Derived here (Ed25519 is deterministic): seed 00 01 .. 1f, name witness.example/w1.
SEED = bytes(range(32))
SKEY = "PRIVATE+KEY+witness.example/w1+e75f6532+BAABAgMEBQYHCAkKCwwNDg8QERITFBUWFxgZGhscHR4f"
VKEY = "witness.example/w1+e75f6532+BAOhB7/zzhC+HXDdGOdLwJln5NYwm6UNXx3chmQSVTG4"
LINE = ("— witness.example/w1 519lMgAAAABkGFDLBuRDazBLVac2NE+Y+IjbjQOcXLfF9CSDZVUIoS83rE1nFZsVE8Yi"
        "WV6Ngr7lV8H6bdoBQGP/l73euDMQ9k+bBQ==\n")

# github.com/transparency-dev/formats note/note_cosigv1_test.go (TestCoSigV1NewVerifier)
GO_NATIVE_VKEY = "remora.n621.de+da77ade7+BOvN63jn/bLvkieywe8R6UYAtVtNbZpXh34x7onlmtw2"
GO_ED25519_VKEY = "TEST+7997405c+AQcC+FTVKf0jlTdHDY3rbevmnKxxPjigCXlVtGe6RIr6"


def independent_cosignature_check(text: str, line: str, vkey: str) -> int:
    """A from-the-spec check of one cosignature line, sharing no code with ``cosignature``.

    Returns the timestamp; raises on any mismatch.
    """
    name, hex_id, key_b64 = vkey.split("+", 2)
    raw = base64.b64decode(key_b64)
    assert raw[0] == 0x04 and len(raw) == 33
    key_id = hashlib.sha256(name.encode() + b"\n" + b"\x04" + raw[1:]).digest()[:4]
    assert key_id.hex() == hex_id
    assert line.startswith("\u2014 " + name + " ") and line.endswith("\n")
    blob = base64.b64decode(line[len(name) + 3:-1])
    assert blob[:4] == key_id and len(blob) == 4 + 8 + 64
    timestamp = int.from_bytes(blob[4:12], "big")
    message = b"cosignature/v1\ntime " + str(timestamp).encode() + b"\n" + text.encode()
    Ed25519PublicKey.from_public_bytes(raw[1:]).verify(blob[12:], message)
    return timestamp


def cosigned_note(text: str = TEXT, *lines: str) -> str:
    log = note.Signer.generate("example.com/behind-the-sofa")
    return note.sign(text, [log]) + "".join(lines)


def test_the_derived_vector_and_an_independent_check():
    signer = CosignatureSigner("witness.example/w1", SEED)
    assert signer.skey == SKEY and signer.verifier.vkey == VKEY
    assert CosignatureSigner.parse(SKEY) == signer
    assert CosignatureVerifier.parse(VKEY) == signer.verifier
    assert signer.cosign(TEXT, TIME) == LINE
    assert independent_cosignature_check(TEXT, LINE, VKEY) == TIME
    # the key ID is the 0x04 one: SHA-256(name || 0x0A || 0x04 || key)[:4]
    assert signer.verifier.key_id == 0xE75F6532


def test_the_signed_message_is_the_header_the_time_and_the_whole_note_text():
    assert cosignature.message(TEXT, TIME) == (
        b"cosignature/v1\ntime 1679315147\nexample.com/behind-the-sofa\n20852163\n"
        b"CsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n")
    with pytest.raises(NoteError):
        cosignature.message(TEXT, 2**63)
    with pytest.raises(NoteError):
        cosignature.message("only\ntwo\n", TIME)


def test_go_verifier_keys_parse():
    native = CosignatureVerifier.parse(GO_NATIVE_VKEY)
    assert native.vkey == GO_NATIVE_VKEY and f"{native.key_id:08x}" == "da77ade7"
    # an ordinary Ed25519 note key names the same public key as a cosignature key (0x04 ID)
    converted = CosignatureVerifier.parse(GO_ED25519_VKEY)
    assert converted.name == "TEST" and converted.key_id != 0x7997405C
    assert converted.vkey.startswith("TEST+") and converted.vkey.split("+", 2)[2].startswith("B")


@pytest.mark.parametrize("vkey", [
    "bananas.sigstore.dev+12344556",                                   # wrong number of parts
    "rekor.sigstore.dev+12345678+THIS_IS_NOT_BASE64!",                 # not base64
    "rekor.sigstore.dev+12345678+AwEB",                                # unknown algorithm
    GO_NATIVE_VKEY.replace("da77ade7", "00000000"),                    # wrong key ID
    GO_NATIVE_VKEY.replace("da77ade7", "DA77ADE7"),                    # key ID not lower-case hex
    GO_NATIVE_VKEY.replace("remora.n621.de", "remora n621"),           # space in the name
    "w+00000000+" + base64.b64encode(b"\x06" + b"\x00" * 32).decode(),   # ML-DSA type, wrong size
    VKEY[:-4],                                                         # short key
])
def test_bad_verifier_keys_are_refused(vkey):
    with pytest.raises(NoteError):
        CosignatureVerifier.parse(vkey)


def test_bad_signer_keys_are_refused():
    with pytest.raises(NoteError):
        CosignatureSigner.parse(SKEY.replace("e75f6532", "e75f6533"))
    with pytest.raises(NoteError):
        CosignatureSigner.parse("PRIVATE+KEY+w+00000000+" + base64.b64encode(b"\x06" + SEED).decode())
    # a Go note signer key (type 0x01) signs cosignatures with the same private key
    go_style = note.Signer("witness.example/w1", SEED).skey
    assert CosignatureSigner.parse(go_style) == CosignatureSigner("witness.example/w1", SEED)


def test_cosignatures_verify_in_a_note_beside_the_log_signature():
    a, b = CosignatureSigner.generate("a.example/w"), CosignatureSigner.generate("b.example/w")
    message = cosigned_note(TEXT, a.cosign(TEXT, TIME), b.cosign(TEXT, TIME + 5))
    text, found = cosignature.verify_cosignatures(message, [a.verifier, b.verifier])
    assert text == TEXT
    assert [(c.verifier.name, c.timestamp) for c in found] == [("a.example/w", TIME),
                                                                ("b.example/w", TIME + 5)]
    assert found[0].line == a.cosign(TEXT, TIME)
    # only the witnesses asked about count; the log's own signature is ignored
    assert [c.verifier for c in cosignature.verify_cosignatures(message, [b.verifier])[1]] == [
        b.verifier]
    assert cosignature.verify_cosignatures(message, [])[1] == []


def test_a_witness_counts_once_and_extension_lines_are_signed():
    w = CosignatureSigner.generate("w.example/1")
    text = TEXT + "extension line\n"
    message = cosigned_note(text, w.cosign(text, TIME), w.cosign(text, TIME + 1))
    assert len(cosignature.verify_cosignatures(message, [w.verifier])[1]) == 1
    forged = message.replace("extension line", "extension lime")
    with pytest.raises(NoteError, match="does not verify"):
        cosignature.verify_cosignatures(forged, [w.verifier])


def test_a_plain_note_signature_is_not_a_cosignature():
    """The same key signing the note as type 0x01 has another key ID: it is not counted."""
    seed = CosignatureSigner.generate("w.example/1").seed
    plain = note.sign(TEXT, [note.Signer("w.example/1", seed)])
    assert cosignature.verify_cosignatures(plain, [CosignatureSigner("w.example/1", seed).verifier])[1] == []


def test_flipping_any_bit_of_a_cosignature_fails():
    signer = CosignatureSigner("witness.example/w1", SEED)
    message = cosigned_note(TEXT, LINE)
    head, _, encoded = message.rstrip("\n").rpartition(" ")
    blob = base64.b64decode(encoded)
    for bit in range(len(blob) * 8):
        flipped = bytearray(blob)
        flipped[bit // 8] ^= 1 << (bit % 8)
        forged = f"{head} {base64.b64encode(bytes(flipped)).decode()}\n"
        if bit < 32:  # the key ID: the line is no longer the witness's, and is ignored
            assert cosignature.verify_cosignatures(forged, [signer.verifier])[1] == []
        else:  # the timestamp or the signature: a known key's signature that fails
            with pytest.raises(NoteError, match="does not verify"):
                cosignature.verify_cosignatures(forged, [signer.verifier])


def test_flipping_any_bit_of_the_checkpoint_text_fails():
    signer = CosignatureSigner("witness.example/w1", SEED)
    for i in range(len(TEXT) - 1):
        for bit in range(7):
            ch = chr(ord(TEXT[i]) ^ (1 << bit))
            if ch in "\n" or ord(ch) < 0x20:
                continue
            text = TEXT[:i] + ch + TEXT[i + 1:]
            assert signer.verifier.timestamp_of(text, base64.b64decode(LINE.split(" ")[2])[4:]) is None


def test_the_timestamp_must_be_below_two_to_the_63():
    signer = CosignatureSigner("witness.example/w1", SEED)
    with pytest.raises(NoteError):
        signer.cosign(TEXT, 2**63)
    blob = (2**63).to_bytes(8, "big") + b"\x00" * 64
    assert signer.verifier.timestamp_of(TEXT, blob) is None
