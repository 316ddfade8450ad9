"""``sunlit verify``: check checkpoints and proofs offline, trusting only the verifier keys given.

Pure Python, no Django: ``sunlit verify`` runs this module directly (no settings, no database,
no network, nothing written), and the ``verify`` management command wraps it. It reads files
(``-`` for standard input) and uses only ``merkle``, ``note``, ``entry`` and ``bundle``.

    sunlit verify checkpoint checkpoint.txt --key "<origin>+<keyid>+<key>"
        [--witness "<name>+<keyid>+<key>" ... --min-witnesses N]
    sunlit verify inclusion proof.json --checkpoint checkpoint.txt --key VKEY [--leaf entry.json]
    sunlit verify consistency proof.json --old old.txt --new new.txt --key VKEY
    sunlit verify bundle bundle.json --key VKEY

``proof.json`` is what the API returns (``/api/v1/logs/{id}/proofs/...``). ``--key`` may be
given several times, or as ``@file`` with one verifier key per line; so may ``--witness``, the
C2SP tlog-cosignature keys of witnesses, of which at least ``--min-witnesses`` must have
cosigned the checkpoint (of a checkpoint or a bundle). Exit status 0 means
verified; anything else is a failure, with the reason on standard error.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import json
import sys
from pathlib import Path
from typing import TextIO
from zoneinfo import ZoneInfo

from sunlit.transparency import cosignature, merkle, note
from sunlit.transparency.bundle import BundleError, verify_bundle

SHANGHAI = ZoneInfo("Asia/Shanghai")


class VerifyFailure(Exception):
    """Verification failed (or could not run); the message says why, in Chinese."""


def _read(path: str) -> bytes:
    if path == "-":
        return sys.stdin.buffer.read()
    try:
        return Path(path).read_bytes()
    except OSError as exc:
        raise VerifyFailure(f"无法读取文件 {path}：{exc.strerror}") from None


def _json(path: str) -> dict:
    try:
        value = json.loads(_read(path).decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        raise VerifyFailure(f"{path} 不是有效的 JSON") from None
    if not isinstance(value, dict):
        raise VerifyFailure(f"{path} 应为 JSON 对象")
    return value


def _key_texts(values: list[str] | None) -> list[str]:
    texts: list[str] = []
    for value in values or []:
        if value.startswith("@"):
            texts += [ln.strip() for ln in _read(value[1:]).decode("utf-8").splitlines()
                      if ln.strip() and not ln.startswith("#")]
        else:
            texts.append(value)
    return texts


def _keys(values: list[str] | None) -> list[note.Verifier]:
    texts = _key_texts(values)
    if not texts:
        raise VerifyFailure("请用 --key 提供至少一个验证公钥（name+keyid+key）")
    try:
        return [note.Verifier.parse(t) for t in texts]
    except note.NoteError as exc:
        raise VerifyFailure(f"验证公钥无效：{exc}") from None


def _witnesses(values: list[str] | None, minimum: int | None) -> list[cosignature.CosignatureVerifier]:
    try:
        witnesses = [cosignature.CosignatureVerifier.parse(t) for t in _key_texts(values)]
    except note.NoteError as exc:
        raise VerifyFailure(f"见证人公钥无效：{exc}") from None
    if minimum and len({w.public_key for w in witnesses}) < minimum:
        raise VerifyFailure(f"要求至少 {minimum} 个见证人联署，但只用 --witness 提供了 "
                            f"{len(witnesses)} 个见证人公钥")
    return witnesses


def _cosigned(message: str | bytes, witnesses, minimum: int | None) -> list[cosignature.Cosigned]:
    """The valid cosignatures of the given witnesses; fails below ``minimum`` distinct keys."""
    if not witnesses:
        return []
    try:
        _, cosigned = cosignature.verify_cosignatures(message, witnesses)
    except note.NoteError as exc:
        raise VerifyFailure(f"见证人联署验证失败：{exc}") from None
    distinct = len({c.verifier.public_key for c in cosigned})  # v1 does not sign the name
    if minimum and distinct < minimum:
        names = "、".join(c.verifier.name for c in cosigned) or "无"
        raise VerifyFailure(f"只有 {distinct} 个见证人联署（{names}），要求至少 {minimum} 个")
    return cosigned


def _checkpoint(path: str, keys: list[note.Verifier], origin: str | None = None, *,
                data: bytes | None = None):
    try:
        body, opened = note.open_checkpoint(_read(path) if data is None else data, keys,
                                            origin=origin)
    except note.NoteError as exc:
        raise VerifyFailure(f"检查点 {path} 验证失败：{exc}") from None
    return body, opened


def _hash(value, what: str) -> bytes:
    try:
        raw = base64.b64decode(str(value), validate=True)
    except (binascii.Error, ValueError):
        raise VerifyFailure(f"{what} 不是有效的 base64") from None
    if len(raw) != merkle.HASH_SIZE:
        raise VerifyFailure(f"{what} 应为 32 字节")
    return raw


def _int(data: dict, name: str) -> int:
    value = data.get(name)
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise VerifyFailure(f"证明文件中的 {name} 应为非负整数")
    return value



def add_arguments(parser) -> None:
    sub = parser.add_subparsers(dest="what", required=True, metavar="{checkpoint,inclusion,"
                                "consistency,bundle}")
    cp = sub.add_parser("checkpoint", help="a signed checkpoint (C2SP tlog-checkpoint)")
    cp.add_argument("file")
    cp.add_argument("--key", action="append", help="note verifier key, or @file")
    cp.add_argument("--origin", help="the log origin the checkpoint must have")
    _witness_arguments(cp)

    inc = sub.add_parser("inclusion", help="an inclusion proof (JSON from the API)")
    inc.add_argument("file")
    inc.add_argument("--checkpoint", help="the signed checkpoint to verify against")
    inc.add_argument("--key", action="append", help="note verifier key, or @file")
    inc.add_argument("--leaf", help="file with the entry bytes; checks their hash too")
    inc.add_argument("--root", help="a root hash (base64) you already trust, instead of a checkpoint")

    con = sub.add_parser("consistency", help="a consistency proof (JSON from the API)")
    con.add_argument("file")
    con.add_argument("--old", required=True, help="the older signed checkpoint")
    con.add_argument("--new", required=True, help="the newer signed checkpoint")
    con.add_argument("--key", action="append", help="note verifier key, or @file")

    bun = sub.add_parser("bundle", help="a proof bundle (JSON from the API)")
    bun.add_argument("file")
    bun.add_argument("--key", action="append", help="note verifier key, or @file")
    _witness_arguments(bun)


def _witness_arguments(parser) -> None:
    parser.add_argument("--witness", "--witness-key", dest="witness", action="append",
                        help="a witness's cosignature verifier key (C2SP tlog-cosignature), or @file")
    parser.add_argument("--min-witnesses", "--min-cosignatures", dest="min_witnesses", type=int,
                        default=0, help="how many of the given witnesses must have cosigned")


def run(options: dict, out: TextIO) -> None:
    """Runs the verification named by ``options["what"]``; raises VerifyFailure if it fails."""
    _Run(out).dispatch(options)


class _Run:
    def __init__(self, out: TextIO):
        self.out = out

    def dispatch(self, options: dict) -> None:
        options = dict(options)
        getattr(self, f"_{options.pop('what')}")(**options)

    def _ok(self, message: str) -> None:
        self.out.write(f"✓ {message}\n")

    def _write(self, message: str) -> None:
        self.out.write(message + "\n")

    def _checkpoint(self, *, file, key, origin, witness=None, min_witnesses=0, **_):
        witnesses = _witnesses(witness, min_witnesses)
        data = _read(file)
        body, opened = _checkpoint(file, _keys(key), origin, data=data)
        cosigned = _cosigned(data, witnesses, min_witnesses)
        self._ok(f"检查点签名有效（{'、'.join(opened.signers)}）")
        self._write(f"  日志：{body.origin}\n  规模：{body.size}\n"
                    f"  树根：{base64.b64encode(body.root_hash).decode()}")
        self._report_witnesses(witnesses, cosigned)

    def _report_witnesses(self, witnesses, cosigned) -> None:
        if not witnesses:
            return
        if cosigned:
            self._ok(f"{len(cosigned)} 个见证人联署有效")
        for item in cosigned:
            when = dt.datetime.fromtimestamp(item.timestamp, tz=dt.UTC).astimezone(SHANGHAI)
            self._write(f"  见证人 {item.verifier.name}：{when:%Y-%m-%d %H:%M:%S}（UTC+8）")
        missing = [w.name for w in witnesses if all(c.verifier != w for c in cosigned)]
        if missing:
            self._write(f"  未联署：{'、'.join(missing)}")

    def _inclusion(self, *, file, checkpoint, key, leaf, root, **_):
        proof = _json(file)
        index, size = _int(proof, "index"), _int(proof, "size")
        leaf_hash = _hash(proof.get("leaf_hash"), "leaf_hash")
        path = [_hash(h, f"proof[{i}]") for i, h in enumerate(proof.get("proof") or [])]
        if leaf and merkle.leaf_hash(_read(leaf)) != leaf_hash:
            raise VerifyFailure(f"叶子文件 {leaf} 的哈希与证明中的 leaf_hash 不符")
        if checkpoint:
            body, _ = _checkpoint(checkpoint, _keys(key))
            if body.size != size:
                raise VerifyFailure(f"证明针对规模 {size}，而检查点的规模是 {body.size}")
            trusted_root = body.root_hash
        elif root:
            trusted_root = _hash(root, "--root")
        else:
            raise VerifyFailure("请用 --checkpoint 与 --key 提供签名检查点（或用 --root 提供可信树根）")
        try:
            merkle.verify_inclusion(index, size, leaf_hash, path, trusted_root)
        except merkle.ProofError as exc:
            raise VerifyFailure(f"包含证明验证失败：{exc}") from None
        self._ok(f"第 {index} 号叶子包含在规模 {size} 的树中")

    def _consistency(self, *, file, old, new, key, **_):
        proof = _json(file)
        keys = _keys(key)
        first, _ = _checkpoint(old, keys)
        second, _ = _checkpoint(new, keys, first.origin)
        if (_int(proof, "first"), _int(proof, "second")) != (first.size, second.size):
            raise VerifyFailure(f"证明针对规模 {proof.get('first')}→{proof.get('second')}，"
                                f"而检查点的规模是 {first.size}→{second.size}")
        path = [_hash(h, f"proof[{i}]") for i, h in enumerate(proof.get("proof") or [])]
        try:
            merkle.verify_consistency(first.size, second.size, first.root_hash,
                                      second.root_hash, path)
        except merkle.ProofError as exc:
            raise VerifyFailure(f"一致性证明验证失败（两个检查点互相矛盾或证明有误）：{exc}") from None
        self._ok(f"规模 {second.size} 的树是规模 {first.size} 的树的延续（只追加，未改写）")

    def _bundle(self, *, file, key, witness=None, min_witnesses=0, **_):
        witnesses = _witnesses(witness, min_witnesses)
        data = _json(file)
        try:
            result = verify_bundle(data, _keys(key))
        except BundleError as exc:
            raise VerifyFailure(f"证明包验证失败：{exc}") from None
        cosigned = _cosigned(str(data.get("checkpoint") or ""), witnesses, min_witnesses)
        cp = result.checkpoint
        self._ok(f"证明包有效：{len(result.entries)} 条记录包含在 {cp.origin} 规模 {cp.size} 的检查点中")
        self._report_witnesses(witnesses, cosigned)
        for item in result.entries:
            event = item.event
            self._write(f"  #{item.index} {event['time']} {event['type']}")
        if result.pending:
            self._write(f"  另有 {result.pending} 条记录尚未签入检查点，请稍后重新下载证明包")


def main(argv: list[str], stdout: TextIO | None = None, stderr: TextIO | None = None) -> int:
    """``sunlit verify ...`` without Django: 0 if verified, 1 (with the reason) otherwise."""
    import argparse

    stdout, stderr = stdout or sys.stdout, stderr or sys.stderr
    parser = argparse.ArgumentParser(prog="sunlit verify", description=__doc__.split("\n")[0])
    add_arguments(parser)
    options = vars(parser.parse_args(argv))
    try:
        run(options, stdout)
    except VerifyFailure as exc:
        stderr.write(f"验证失败：{exc}\n")
        return 1
    return 0
