"""``sunlit witness``: a transparency-log witness with its own key and state file. No Django.

A witness remembers, for every log it watches, the latest checkpoint it cosigned. It cosigns
a newer checkpoint only when a consistency proof shows that the new tree extends the old one,
so a log that rewrote its history, or shows different histories to different people, cannot
collect its cosignatures (C2SP tlog-witness, tlog-cosignature). An owners' committee runs one
on its own computer:

    sunlit witness init --name yezhu.example/mingqiang-w1 --state ~/witness/state.json
    sunlit witness run  --state ~/witness/state.json --log https://wuye.example.cn/log/mingqiang/
    sunlit witness serve --state ~/witness/state.json --port 7380      # optional, push mode

``run`` (pull): fetch each log's checkpoint (C2SP tlog-tiles ``<url>checkpoint``), check the
log's signature with the key pinned at first contact (trust on first use from the server's
``GET /log/`` directory, printed loudly, or ``--log-key``), compute the consistency proof from
the size seen last out of the public hash tiles, verify it, cosign and send the cosignature to
the log (``POST <url>cosign``). ``serve`` (push): the ``add-checkpoint`` endpoint of C2SP
tlog-witness, for logs that ask for cosignatures themselves.

On any inconsistency — another root for a size already cosigned, a consistency proof that
fails, a checkpoint not signed by the pinned key, a tree that shrank — the witness refuses,
writes an evidence file (both checkpoints and the proof) under ``evidence/`` next to the state
file, prints a loud message, and keeps refusing that log until ``sunlit witness forget``.

The state is one JSON file, written atomically (temporary file, fsync, rename) under a lock
file, so that ``run`` and ``serve`` may share it; the private key is a separate file (mode
0600) next to it.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import datetime as dt
import json
import os
import re
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Collection, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO

from sunlit.transparency import merkle, note, tiles
from sunlit.transparency.cosignature import CosignatureSigner

try:
    import fcntl
except ImportError:  # Windows: only the in-process lock
    fcntl = None

STATE_FORMAT = "sunlit-witness-state/v1"
EVIDENCE_FORMAT = "sunlit-witness-evidence/v1"
SIZE_CONTENT_TYPE = "text/x.tlog.size"
MAX_PROOF_LINES = 63
MAX_BODY = 1 << 20
USER_AGENT = "sunlit-witness/1"
TIMEOUT = 20
EXIT_FAILED = 1
EXIT_REFUSED = 3


class WitnessFailure(Exception):
    """Something prevented the witness from working (configuration, network): not evidence."""


class AddCheckpointError(Exception):
    """An add-checkpoint request is refused with the HTTP ``status`` C2SP tlog-witness names."""

    def __init__(self, status: int, message: str, *, size: int | None = None,
                 evidence: Path | None = None, refused: bool = False):
        super().__init__(message)
        self.status, self.size, self.evidence, self.refused = status, size, evidence, refused


class Inconsistency(Exception):
    """A log showed checkpoints that cannot both be true: the witness refuses and keeps evidence."""

    def __init__(self, origin: str, reason: str, evidence: Path | None):
        super().__init__(reason)
        self.origin, self.reason, self.evidence = origin, reason, evidence


def _now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")


def _b64(value: bytes) -> str:
    return base64.b64encode(value).decode("ascii")


def loud(origin: str, reason: str, evidence: Path | None) -> str:
    """The message printed when a log is caught: Chinese first, English after."""
    bar = "!" * 78
    lines = [
        bar,
        f"!! 警告：透明日志 {origin} 出现前后不一致的检查点，见证人拒绝联署。",
        f"!! WARNING: the log {origin} presented an inconsistent checkpoint; "
        "this witness refuses to cosign it.",
        f"!! 原因 / reason: {reason}",
    ]
    if evidence is not None:
        lines.append(f"!! 证据已保存 / evidence kept: {evidence}")
    lines += [
        "!! 请立即通知业委会，并把证据文件交给审计方或主管部门。此后本见证人将一直拒绝该日志，",
        "!! 直到核查清楚后运行 sunlit witness forget。",
        "!! Tell the owners' committee now and hand the evidence file to the auditors. The witness",
        "!! keeps refusing this log until `sunlit witness forget` after an investigation.",
        bar,
    ]
    return "\n".join(lines) + "\n"


# --- the state file ---------------------------------------------------------------------------


def _write_atomically(path: Path, text: str, mode: int = 0o600) -> None:
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{threading.get_ident()}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, mode)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
    with contextlib.suppress(OSError):  # make the rename durable where directories can be synced
        dir_fd = os.open(path.parent, os.O_RDONLY)
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)


def init_state(state: Path, name: str, *, key_file: Path | None = None) -> CosignatureSigner:
    """Creates the witness key (a file of mode 0600) and an empty state file; refuses to overwrite."""
    state = Path(state)
    key_file = Path(key_file) if key_file else state.with_suffix(".key")
    for path in (state, key_file):
        if path.exists():
            raise WitnessFailure(f"{path} 已存在，不会覆盖（见证人的密钥与状态只能创建一次）")
    try:
        signer = CosignatureSigner.generate(name)
    except note.NoteError as exc:
        raise WitnessFailure(f"见证人名称无效（不能含空格或“+”）：{exc}") from None
    state.parent.mkdir(parents=True, exist_ok=True)
    key_file.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        fh.write(signer.skey + "\n")
        fh.flush()
        os.fsync(fh.fileno())
    relative = os.path.relpath(key_file, state.parent)
    data = {"format": STATE_FORMAT, "name": name, "key_file": relative,
            "vkey": signer.verifier.vkey, "created_at": _now(), "logs": {}}
    _write_atomically(state, json.dumps(data, ensure_ascii=False, indent=2) + "\n")
    return signer


@dataclass
class Fetched:
    status: int
    content_type: str
    body: bytes


Fetch = Callable[..., Fetched]


def http(url: str, *, data: bytes | None = None, content_type: str = "text/plain; charset=utf-8",
         timeout: float = TIMEOUT) -> Fetched:
    """GET (or POST ``data``) ``url``; HTTP error statuses are answers, not exceptions."""
    if urllib.parse.urlsplit(url).scheme not in ("http", "https"):
        raise WitnessFailure(f"只支持 http(s) 地址：{url}")
    headers = {"User-Agent": USER_AGENT}
    if data is not None:
        headers["Content-Type"] = content_type
    request = urllib.request.Request(url, data=data, headers=headers,  # noqa: S310 (scheme checked)
                                     method="POST" if data is not None else "GET")
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310
            return Fetched(response.status, response.headers.get("Content-Type", ""),
                           response.read(MAX_BODY))
    except urllib.error.HTTPError as exc:
        with exc:
            return Fetched(exc.code, exc.headers.get("Content-Type", ""), exc.read(MAX_BODY))
    except (urllib.error.URLError, OSError, ValueError) as exc:
        reason = getattr(exc, "reason", exc)
        raise WitnessFailure(f"无法访问 {url}：{reason}") from None


class Witness:
    """The witness of one state file: its key, the logs it watches, cosigning and refusing."""

    def __init__(self, state: Path | str, *, clock: Callable[[], float] = time.time,
                 fetch: Fetch = http):
        self.path = Path(state)
        self.clock, self.fetch = clock, fetch
        self._mutex = threading.RLock()
        self._held = threading.local()
        data = self._read()
        key_file = self.path.parent / data["key_file"]
        try:
            self.signer = CosignatureSigner.parse(key_file.read_text(encoding="utf-8"))
        except OSError as exc:
            raise WitnessFailure(f"无法读取见证人私钥 {key_file}：{exc.strerror}") from None
        except note.NoteError as exc:
            raise WitnessFailure(f"见证人私钥 {key_file} 无效：{exc}") from None

    @property
    def vkey(self) -> str:
        return self.signer.verifier.vkey

    # -- state -------------------------------------------------------------------------------

    def _read(self) -> dict:
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise WitnessFailure(f"状态文件 {self.path} 不存在：请先运行 sunlit witness init") from None
        except (OSError, ValueError) as exc:
            raise WitnessFailure(f"无法读取状态文件 {self.path}：{exc}") from None
        if not isinstance(data, dict) or data.get("format") != STATE_FORMAT:
            raise WitnessFailure(f"{self.path} 不是见证人状态文件（{STATE_FORMAT}）")
        data.setdefault("logs", {})
        return data

    @contextlib.contextmanager
    def locked(self) -> Iterator[dict]:
        """The state, read under the lock; changes are written by ``self._save`` in the block.

        Not reentrant (an inner block would read and save behind the outer one's back).
        """
        if getattr(self._held, "depth", 0):
            raise RuntimeError("the witness state lock is already held by this thread")
        with self._mutex:
            lock_path = self.path.with_name(self.path.name + ".lock")
            with open(lock_path, "a+b") as lock:
                if fcntl is not None:
                    fcntl.flock(lock.fileno(), fcntl.LOCK_EX)
                self._held.depth = 1
                try:
                    yield self._read()
                finally:
                    self._held.depth = 0
                    if fcntl is not None:
                        fcntl.flock(lock.fileno(), fcntl.LOCK_UN)

    def _save(self, data: dict) -> None:
        _write_atomically(self.path, json.dumps(data, ensure_ascii=False, indent=2) + "\n")

    def snapshot(self) -> dict:
        with self.locked() as data:
            return data

    def add_log(self, origin: str, keys: list[str], *, url: str | None = None) -> None:
        """Trusts ``keys`` (note verifier keys) for ``origin``; merges with what is known."""
        with self.locked() as data:
            entry = data["logs"].setdefault(origin, _new_entry(origin))
            entry["keys"] = sorted(set(entry["keys"]) | set(keys))
            if url:
                entry["url"] = url
            self._save(data)

    def forget(self, origin: str) -> bool:
        with self.locked() as data:
            if data["logs"].pop(origin, None) is None:
                return False
            self._save(data)
            return True

    # -- evidence ----------------------------------------------------------------------------

    def _evidence(self, entry: dict, reason: str, *, new_note: str, old: int,
                  proof: list[bytes], source: str, extra: dict | None = None) -> Path:
        folder = self.path.parent / "evidence"
        folder.mkdir(parents=True, exist_ok=True)
        safe = re.sub(r"[^A-Za-z0-9._-]+", "_", entry["origin"])[:80]
        stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%S%fZ")
        path = folder / f"{stamp}-{safe}.json"
        record = {
            "format": EVIDENCE_FORMAT,
            "origin": entry["origin"],
            "reason": reason,
            "detected_at": _now(),
            "witness": self.vkey,
            "source": source,
            "log_url": entry.get("url"),
            "log_keys": entry["keys"],
            "cosigned_checkpoint": entry.get("checkpoint"),
            "cosigned_size": entry.get("size"),
            "new_checkpoint": new_note,
            "old_size": old,
            "consistency_proof": [_b64(p) for p in proof],
            **(extra or {}),
        }
        _write_atomically(path, json.dumps(record, ensure_ascii=False, indent=2) + "\n", 0o644)
        return path

    def _refuse(self, data: dict, entry: dict, reason: str, evidence: Path) -> None:
        entry["refusing"] = {"reason": reason, "evidence": str(evidence), "since": _now()}
        self._save(data)

    # -- add-checkpoint (C2SP tlog-witness) --------------------------------------------------

    def add_checkpoint(self, body: bytes) -> str:
        """Handles an add-checkpoint request body; returns the cosignature line(s).

        Raises AddCheckpointError with the status of C2SP tlog-witness: 400 malformed (or an
        old size above the checkpoint's), 404 unknown origin, 403 not signed by a trusted key
        of the log (or a log this witness refuses), 409 old size is not the size last cosigned
        (``size`` set, sent as ``text/x.tlog.size``) or same size with another root hash, 422
        a consistency proof that does not verify.
        """
        old, proof, message = parse_add_checkpoint(body)
        with self.locked() as data:
            return self._cosign(data, old, proof, message, source="add-checkpoint")

    def _cosign(self, data: dict, old: int, proof: list[bytes], message: str, *,
                source: str) -> str:
        """The checks of tlog-witness, in its order; persists the new checkpoint, then cosigns.

        Runs under the state lock, so checking the old size and storing the new one are atomic.
        A checkpoint validly signed by the log with another root for a size already cosigned is
        a fork: the witness refuses the log from then on. A failed proof is kept as evidence;
        when the witness fetched the proof from the log itself (``source="pull"``) it also
        refuses the log, as the log cannot prove its own consistency.
        """
        try:
            text, _ = note.split(message)
            checkpoint = note.Checkpoint.parse(text)
        except note.NoteError as exc:
            raise AddCheckpointError(400, f"检查点格式无效：{exc}") from None
        entry = data["logs"].get(checkpoint.origin)
        if entry is None or not entry.get("keys"):
            raise AddCheckpointError(404, f"未知的日志：{checkpoint.origin}")
        try:
            verifiers = [note.Verifier.parse(k) for k in entry["keys"]]
            note.open_note(message, verifiers)
        except note.NoteError as exc:
            raise AddCheckpointError(403, f"检查点没有该日志可信公钥的有效签名：{exc}") from None
        if entry.get("refusing"):
            raise AddCheckpointError(403, f"本见证人已拒绝为该日志联署：{entry['refusing']['reason']}",
                                     evidence=Path(entry["refusing"]["evidence"]), refused=True)
        if old > checkpoint.size:
            raise AddCheckpointError(400, f"旧规模 {old} 大于检查点规模 {checkpoint.size}")
        known = entry.get("size") or 0
        if old != known:
            raise AddCheckpointError(409, f"本见证人上次联署的规模是 {known}，不是 {old}", size=known)
        known_root = base64.b64decode(entry["root_hash"]) if entry.get("root_hash") else merkle.EMPTY_ROOT
        if old == checkpoint.size and known_root != checkpoint.root_hash:
            # both checkpoints carry the log's valid signature: proof that the log forked
            reason = (f"同一规模 {old} 出现了两个不同的树根（已联署 {_b64(known_root)}，"
                      f"新检查点 {_b64(checkpoint.root_hash)}）：日志分叉 / two roots for one size")
            evidence = self._evidence(entry, reason, new_note=message, old=old, proof=proof,
                                      source=source)
            self._refuse(data, entry, reason, evidence)
            raise AddCheckpointError(409, reason, size=known, evidence=evidence, refused=True)
        try:
            merkle.verify_consistency(old, checkpoint.size, known_root, checkpoint.root_hash, proof)
        except merkle.ProofError as exc:
            reason = (f"从规模 {old} 到 {checkpoint.size} 的一致性证明验证失败：{exc} / "
                      f"consistency proof {old}→{checkpoint.size} failed")
            evidence = self._evidence(entry, reason, new_note=message, old=old, proof=proof,
                                      source=source)
            if source == "pull":
                self._refuse(data, entry, reason, evidence)
            raise AddCheckpointError(422, reason, evidence=evidence,
                                     refused=source == "pull") from None
        timestamp = max(int(self.clock()), int(entry.get("cosigned_timestamp") or 0))
        entry.update(size=checkpoint.size, root_hash=_b64(checkpoint.root_hash), checkpoint=message,
                     cosigned_at=_now(), cosigned_timestamp=timestamp)
        self._save(data)  # persisted before the cosignature leaves the witness
        return self.signer.cosign(text, timestamp)

    # -- pull: watching a log over HTTP ------------------------------------------------------

    def poll(self, url: str, *, log_keys: Collection[str] = (),
             out: TextIO | None = None) -> str | None:
        """Fetches, checks, cosigns and submits the latest checkpoint of the log at ``url``.

        Returns the cosignature line sent, or None when there was nothing new. Raises
        Inconsistency (evidence kept, the log is refused from then on) or WitnessFailure.
        """
        out = out or sys.stdout
        url = url if url.endswith("/") else url + "/"
        got = self.fetch(url + "checkpoint")
        if got.status != 200:
            raise WitnessFailure(f"获取 {url}checkpoint 失败：HTTP {got.status}")
        try:
            message = got.body.decode("utf-8")
            text, _ = note.split(message)
            checkpoint = note.Checkpoint.parse(text)
        except (UnicodeDecodeError, note.NoteError) as exc:
            raise WitnessFailure(f"{url}checkpoint 不是有效的检查点：{exc}") from None
        origin = checkpoint.origin
        keys = self._pin(origin, url, log_keys, message, out)
        with self.locked() as data:
            entry = data["logs"][origin]
            if entry.get("refusing"):
                refusing = entry["refusing"]
                raise Inconsistency(origin, f"此前已发现不一致，继续拒绝：{refusing['reason']}",
                                    Path(refusing["evidence"]))
            entry["url"] = url
            old = entry.get("size") or 0
            try:
                note.open_note(message, [note.Verifier.parse(k) for k in keys])
            except note.NoteError as exc:
                self._inconsistent(data, entry, f"检查点不是由固定的日志公钥签名的：{exc} / "
                                   "the checkpoint is not signed by the pinned log key",
                                   message, old, [])
            if checkpoint.size < old:
                self._inconsistent(data, entry, f"日志规模倒退：已联署 {old}，现在只有 {checkpoint.size} / "
                                   "the tree size went backwards", message, old, [])
            if checkpoint.size == old and entry.get("submitted_size") == old \
                    and entry.get("root_hash") == _b64(checkpoint.root_hash):
                return None
            reader = TileReader(url, checkpoint.size, self.fetch)
            try:
                proof = merkle.consistency_proof(old, checkpoint.size, reader) if old else []
                tiles_root = merkle.root_hash(checkpoint.size, reader)
            except (merkle.MissingNodeError, ValueError) as exc:
                raise WitnessFailure(f"无法从 {url} 的哈希瓦片得到一致性证明：{exc}") from None
            if tiles_root != checkpoint.root_hash:
                self._inconsistent(data, entry, "哈希瓦片算出的树根与签名检查点不符 / the hash tiles do not "
                                   "produce the signed root", message, old, proof,
                                   {"tiles_root": _b64(tiles_root)})
            try:
                line = self._cosign(data, old, proof, message, source="pull")
            except AddCheckpointError as exc:
                if exc.evidence is None:
                    raise WitnessFailure(str(exc)) from None
                raise Inconsistency(origin, str(exc), exc.evidence) from None
        self._submit(url, origin, message, line, checkpoint.size, out)
        return line

    def _inconsistent(self, data: dict, entry: dict, reason: str, message: str, old: int,
                      proof: list[bytes], extra: dict | None = None) -> None:
        evidence = self._evidence(entry, reason, new_note=message, old=old, proof=proof,
                                  source="pull", extra=extra)
        self._refuse(data, entry, reason, evidence)
        raise Inconsistency(entry["origin"], reason, evidence)

    def _pin(self, origin: str, url: str, log_keys: Collection[str], message: str,
             out: TextIO) -> list[str]:
        """The log keys trusted for ``origin``: pinned before, given, or trusted on first use."""
        given = []
        for key in log_keys:
            try:
                if note.Verifier.parse(key).name == origin:
                    given.append(key.strip())
            except note.NoteError as exc:
                raise WitnessFailure(f"日志公钥 {key} 无效：{exc}") from None
        with self.locked() as data:
            entry = data["logs"].get(origin)
            if entry is not None and entry.get("keys"):
                if set(given) - set(entry["keys"]):
                    out.write(f"注意：{origin} 的公钥已在首次接触时固定，忽略 --log-key 给出的其他公钥；"
                              "如日志确已换钥，请核实后运行 sunlit witness forget 再重新接触。\n")
                return entry["keys"]
        if not given:
            given = [self._key_from_directory(origin, url)]
            try:
                note.open_note(message, [note.Verifier.parse(given[0])])
            except note.NoteError as exc:
                raise WitnessFailure(f"目录中 {origin} 的公钥不能验证其检查点：{exc}") from None
            out.write(f"注意：首次接触日志 {origin}，信任服务器目录提供的公钥（TOFU）：\n  {given[0]}\n"
                      "  请与业委会或公告中公布的公钥逐字核对；此后该公钥被固定，换钥将被视为异常。\n"
                      f"NOTE: first contact with {origin}: trusting the key from the server's directory "
                      "(trust on first use). Check it against the key the committee published; it is "
                      "pinned from now on.\n")
        self.add_log(origin, given, url=url)
        return given

    def _key_from_directory(self, origin: str, url: str) -> str:
        directory = urllib.parse.urljoin(url, "../")
        got = self.fetch(directory)
        try:
            logs = json.loads(got.body.decode("utf-8"))["logs"] if got.status == 200 else []
        except (UnicodeDecodeError, ValueError, KeyError, TypeError):
            logs = []
        for item in logs:
            if isinstance(item, dict) and item.get("origin") == origin and item.get("verifier_key"):
                return str(item["verifier_key"])
        raise WitnessFailure(f"无法确定日志 {origin} 的公钥：{directory} 未列出它，请用 --log-key 提供")

    def _submit(self, url: str, origin: str, message: str, line: str, size: int,
                out: TextIO) -> None:
        got = self.fetch(url + "cosign", data=(message + line).encode("utf-8"))
        if got.status != 200:
            detail = got.body.decode("utf-8", "replace").strip()[:300]
            hint = ""
            if got.status == 403:
                hint = f"\n  请业委会在日志页登记本见证人的公钥：{self.vkey}"
            raise WitnessFailure(f"已联署 {origin} 规模 {size}，但日志拒收联署（HTTP {got.status}）："
                                 f"{detail}{hint}")
        with self.locked() as data:
            entry = data["logs"].get(origin)
            if entry is not None and entry.get("size") == size:
                entry["submitted_size"] = size
                self._save(data)
        out.write(f"✓ {origin}：已联署规模 {size} 的检查点并提交给日志\n")


def _new_entry(origin: str) -> dict:
    return {"origin": origin, "url": None, "keys": [], "size": None, "root_hash": None,
            "checkpoint": None, "cosigned_at": None, "cosigned_timestamp": None,
            "submitted_size": None, "refusing": None}


def parse_add_checkpoint(body: bytes) -> tuple[int, list[bytes], str]:
    """``old <size>\\n`` + proof lines + ``\\n`` + checkpoint → (old, proof, note); 400 if malformed."""
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        raise AddCheckpointError(400, "请求不是有效的 UTF-8") from None
    head, sep, message = text.partition("\n\n")
    if not sep:
        raise AddCheckpointError(400, "请求缺少旧规模与检查点之间的空行")
    lines = head.split("\n")
    match = re.fullmatch(r"old (0|[1-9][0-9]{0,18})", lines[0])
    if not match:
        raise AddCheckpointError(400, "第一行应为“old <规模>”（十进制，无前导零）")
    if len(lines) - 1 > MAX_PROOF_LINES:
        raise AddCheckpointError(400, f"一致性证明最多 {MAX_PROOF_LINES} 行")
    proof = []
    for line in lines[1:]:
        try:
            value = base64.b64decode(line.encode("ascii"), validate=True)
        except (binascii.Error, UnicodeEncodeError, ValueError):
            value = b""
        if len(value) != merkle.HASH_SIZE:
            raise AddCheckpointError(400, "一致性证明的每一行应为 32 字节哈希的 base64")
        proof.append(value)
    return int(match.group(1)), proof, message


def add_checkpoint_body(old: int, proof: list[bytes], message: str) -> bytes:
    """The body of an add-checkpoint request (what a log sends to a witness)."""
    lines = [f"old {old}", *(_b64(p) for p in proof)]
    return ("\n".join(lines) + "\n\n" + message).encode("utf-8")


# --- reading a log's hash tiles (C2SP tlog-tiles) -------------------------------------------


class TileReader:
    """A merkle.Reader over a tlog-tiles log: any node of the tree of ``size`` from hash tiles.

    A node at tree level ``l`` is hashed from the 2**(l mod 8) hashes of tile level ``l // 8``
    below it, which always sit in one tile. Each tile is fetched once (the widest the tree of
    ``size`` has), so a consistency proof costs a handful of small requests and no entries.
    """

    def __init__(self, url: str, size: int, fetch: Fetch = http):
        self.url, self.size, self.fetch = url, size, fetch
        self._tiles: dict[tuple[int, int, int], bytes] = {}

    def _tile(self, level: int, index: int, width: int) -> bytes:
        key = (level, index, width)
        if key not in self._tiles:
            path = tiles.Tile(level, index, width).path
            got = self.fetch(self.url + path)
            if got.status != 200 or len(got.body) != width * merkle.HASH_SIZE:
                raise merkle.MissingNodeError(f"瓦片 {path}：HTTP {got.status}，{len(got.body)} 字节")
            self._tiles[key] = got.body
        return self._tiles[key]

    def __call__(self, nodes: Collection[merkle.Node]) -> dict[merkle.Node, bytes]:
        found = {}
        for level, index in nodes:
            tile_level, height = divmod(level, tiles.HEIGHT)
            first, count = index << height, 1 << height
            available = self.size >> (tiles.HEIGHT * tile_level)
            if first + count > available:
                continue
            tile_index = first // tiles.WIDTH
            width = min(tiles.WIDTH, available - tile_index * tiles.WIDTH)
            data = self._tile(tile_level, tile_index, width)
            offset = first - tile_index * tiles.WIDTH
            hashes = [data[i * 32:(i + 1) * 32] for i in range(offset, offset + count)]
            found[(level, index)] = merkle.subtree_hash(hashes)
        return found
