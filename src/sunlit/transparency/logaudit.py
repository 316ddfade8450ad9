"""Auditing a stored log: recompute the tree from the leaves and check everything against it.

``sunlit log audit`` runs this. It streams the leaves in index order (constant memory), and:

1. finds gaps in the indexes and leaves whose stored hash is not SHA-256(0x00 || entry), or
   whose entry is not a canonical event (unless ``quick``);
2. checks every stored ``TreeNode`` against its two stored children (so a change shows up
   once, at the lowest node it breaks), and the log's head (size, root hash, frontier) against
   the tree rebuilt from the entries themselves;
3. checks every stored checkpoint: signed by a trusted key under the log's origin, its text
   matching its columns, and its root equal to the root recomputed from the leaves at its size.

What it cannot do alone is name the changed leaf when someone rewrote the leaves, their hashes
and all nodes consistently: then the checkpoints (and the witnesses' copies of them) disagree,
and the audit narrows the change to the leaves between the last good and the first bad one.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

from sunlit.transparency import entry, merkle, note
from sunlit.transparency.choices import Problem
from sunlit.transparency.keys import log_verifier
from sunlit.transparency.models import STORED_LEVEL, Checkpoint, Log, LogLeaf, TreeNode

CHUNK = 5000
MAX_FINDINGS = 50


@dataclass(frozen=True)
class Finding:
    problem: Problem
    message: str
    index: int | None = None  # the first leaf index concerned, when known
    precision: int = 0  # 0: that very leaf; 1: a subtree starting there; 2: a checkpoint range

    @property
    def exact(self) -> bool:
        return self.precision == 0

    def __str__(self) -> str:
        return f"[{self.problem.label}] {self.message}"


@dataclass
class AuditReport:
    log: Log
    size: int
    findings: list[Finding] = field(default_factory=list)
    nodes_checked: int = 0
    checkpoints_checked: int = 0

    @property
    def ok(self) -> bool:
        return not self.findings

    @property
    def first_bad_index(self) -> int | None:
        """The first leaf known to be bad; else the start of the first range known to hold one."""
        for precision in (0, 1, 2):
            indexes = [f.index for f in self.findings
                       if f.index is not None and f.precision == precision]
            if indexes:
                return min(indexes)
        return None

    def add(self, problem: Problem, message: str, index: int | None = None, *,
            precision: int = 0) -> None:
        if len(self.findings) < MAX_FINDINGS:
            self.findings.append(Finding(problem, message, index, precision))


def _keyset(queryset, key: str, fields: tuple[str, ...], start: int, stop: int) -> Iterator[tuple]:
    """Rows of ``queryset`` with ``start <= key < stop`` in key order, a chunk per query."""
    while start < stop:
        rows = list(queryset.filter(**{f"{key}__gte": start, f"{key}__lt": stop})
                    .order_by(key).values_list(key, *fields)[:CHUNK])
        if not rows:
            return
        yield from rows
        start = rows[-1][0] + 1


class _Peekable:
    def __init__(self, rows: Iterator[tuple]):
        self._rows, self._head = rows, None

    def peek(self):
        if self._head is None:
            self._head = next(self._rows, None)
        return self._head

    def pop(self):
        head, self._head = self.peek(), None
        return head


def audit_log(log: Log, *, trusted: list[note.Verifier] = (), quick: bool = False,
              progress: Callable[[int], None] | None = None) -> AuditReport:
    """Audits one log as it stands now (appends made meanwhile are left for the next run)."""
    log = Log.objects.get(pk=log.pk)
    size = log.size
    report = AuditReport(log, size)
    checkpoints = list(Checkpoint.objects.filter(log=log).order_by("size"))
    wanted_roots = {cp.size for cp in checkpoints if cp.size <= size}
    roots: dict[int, bytes] = {0: merkle.EMPTY_ROOT} if 0 in wanted_roots else {}
    frontier = merkle.Frontier()  # the truth: rebuilt from the entries themselves
    streams: dict[int, _Peekable] = {}
    stored_below: dict[int, dict[int, bytes]] = {0: {}}  # stored hashes awaiting their parent
    leaves = LogLeaf.objects.filter(log=log)

    expected = 0
    for index, data, stored in _keyset(leaves, "index", ("data", "leaf_hash"), 0, size):
        if index != expected:
            report.add(Problem.GAP, f"缺少序号 {expected}–{index - 1} 的叶子", expected)
            break  # every later index is shifted: nothing below would mean anything
        expected = index + 1
        raw = data.encode("utf-8")
        leaf_hash = merkle.leaf_hash(raw)
        if leaf_hash != bytes(stored):
            report.add(Problem.LEAF_HASH, f"第 {index} 号叶子的内容与存储的叶子哈希不符", index)
        if not quick:
            try:
                entry.parse(raw)
            except entry.EntryError as exc:
                report.add(Problem.LEAF_FORMAT, f"第 {index} 号叶子：{exc}", index)
        stored_below[0][index] = bytes(stored)
        for level, node_index, _value in frontier.append(leaf_hash)[1:]:
            _check_node(report, log, streams, stored_below, size, level, node_index)
        if frontier.size in wanted_roots:
            roots[frontier.size] = frontier.root()
        if progress and frontier.size % CHUNK == 0:
            progress(CHUNK)
    if progress:
        progress(frontier.size % CHUNK)
    if expected < size and not any(f.problem == Problem.GAP for f in report.findings):
        report.add(Problem.GAP, f"缺少序号 {expected} 起的叶子（日志记录规模为 {size}）", expected)
    for level, stream in streams.items():
        extra = stream.peek()
        if extra is not None:
            report.add(Problem.NODE_COUNT, f"多出的树节点 {level}/{extra[0]}", extra[0] << level,
                       precision=1)

    if frontier.size == size and (frontier.root() != bytes(log.root_hash)
                                  or frontier.to_bytes() != bytes(log.frontier)):
        report.add(Problem.HEAD, "日志记录的根哈希或右边界与由叶子重新计算的不符")
    _check_checkpoints(report, log, checkpoints, roots, trusted)
    return report


def _check_node(report, log, streams, stored_below, size, level, node_index) -> None:
    """Compares a stored node with the hash of its two stored children.

    Checking each node against its stored children (not against the recomputed tree) makes a
    change show up once, at the lowest node it breaks, instead of at every node above it.
    """
    if level < STORED_LEVEL:  # not stored: hashed from the stored leaves when read
        children = stored_below.get(level - 1, {})
        left, right = children.pop(2 * node_index, None), children.pop(2 * node_index + 1, None)
        if left is not None and right is not None:
            stored_below.setdefault(level, {})[node_index] = merkle.node_hash(left, right)
        return
    stream = streams.get(level)
    if stream is None:
        rows = _keyset(TreeNode.objects.filter(log=log, level=level), "index", ("hash",), 0,
                       size >> level)
        stream = streams[level] = _Peekable(rows)
    children = stored_below.get(level - 1, {})
    left, right = children.pop(2 * node_index, None), children.pop(2 * node_index + 1, None)
    first_leaf, last_leaf = node_index << level, ((node_index + 1) << level) - 1
    while (head := stream.peek()) is not None and head[0] < node_index:
        stream.pop()  # a stored node we did not expect: cannot happen below the bound
        report.add(Problem.NODE_COUNT, f"多出的树节点 {level}/{head[0]}", head[0] << level,
                   precision=1)
    head = stream.peek()
    if head is None or head[0] != node_index:
        report.add(Problem.NODE_COUNT, f"缺少树节点 {level}/{node_index}", first_leaf, precision=1)
        return
    stream.pop()
    value = bytes(head[1])
    stored_below.setdefault(level, {})[node_index] = value
    report.nodes_checked += 1
    if left is not None and right is not None and merkle.node_hash(left, right) != value:
        report.add(Problem.NODE, f"树节点 {level}/{node_index}（叶子 {first_leaf}–{last_leaf}）"
                                 "与其子节点不符", first_leaf, precision=1)


def _check_checkpoints(report: AuditReport, log: Log, checkpoints: list[Checkpoint],
                       roots: dict[int, bytes], trusted: list[note.Verifier]) -> None:
    keys = {v.vkey: v for v in [log_verifier(log.origin), *trusted] if v.name == log.origin}
    last_good = 0
    for cp in checkpoints:
        report.checkpoints_checked += 1
        verifier = keys.get(cp.verifier_key)
        if verifier is None:
            report.add(Problem.CHECKPOINT_SIGNATURE,
                       f"规模 {cp.size} 的检查点由不受信任的密钥签名：{cp.verifier_key}")
            continue
        try:
            body, _ = note.open_checkpoint(cp.note, [verifier], origin=log.origin)
        except note.NoteError as exc:
            report.add(Problem.CHECKPOINT_SIGNATURE, f"规模 {cp.size} 的检查点：{exc}")
            continue
        if body.size != cp.size or body.root_hash != bytes(cp.root_hash):
            report.add(Problem.CHECKPOINT_CONTENT, f"规模 {cp.size} 的检查点文本与记录的规模或根哈希不符")
        if body.size > report.size:
            report.add(Problem.CHECKPOINT_CONTENT,
                       f"检查点的规模 {body.size} 超过日志记录的规模 {report.size}")
            continue
        root = roots.get(body.size)
        if root is None:
            continue  # the leaves stopped early (a gap): already reported
        if root != body.root_hash:
            report.add(Problem.CHECKPOINT_ROOT,
                       f"规模 {body.size} 的已签名检查点与由叶子重新计算的树根不符："
                       f"被改动的叶子在序号 {last_good}–{body.size - 1} 之间", last_good,
                       precision=2)
        else:
            last_good = body.size
