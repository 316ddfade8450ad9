"""Every write to the log: recording events, signing checkpoints, erasing openings.

``record()`` is the single entry point for putting a fact on a community's log. It runs in
the caller's transaction, so a rolled-back change leaves no leaf and a committed change always
has one. Appends are serialised per log by a lock on the ``Log`` row (``SELECT ... FOR
UPDATE`` on PostgreSQL; on SQLite every write transaction starts with ``BEGIN IMMEDIATE``,
which already serialises writers), and the unique ``(log, index)`` constraint is the last
defence against a gap or a duplicate. Keep the call near the end of the transaction: the lock
is held until commit.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, models, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from sunlit.core import audit
from sunlit.core.models import AuditEvent, Community, User
from sunlit.core.permissions import require
from sunlit.transparency import entry, keys, merkle, note, selectors
from sunlit.transparency.events import get_event_type, rfc3339
from sunlit.transparency.models import (
    STORED_LEVEL,
    Checkpoint,
    LeafSalt,
    Log,
    LogLeaf,
    TreeNode,
)

logger = logging.getLogger(__name__)
BATCH = 1000


class LogIntegrityError(RuntimeError):
    """The stored tree disagrees with itself or with a signed checkpoint: nothing is signed."""


@dataclass(frozen=True)
class Event:
    """One event for ``record_many``: the same arguments as ``record``."""

    event_type: str
    subject: Any
    public: dict
    private: dict | None = None
    time: dt.datetime | None = None


@dataclass(frozen=True)
class _Prepared:
    event_type: str
    subject_type: str
    subject_id: str
    time: dt.datetime
    data: bytes
    leaf_hash: bytes
    openings: dict[str, tuple[bytes, str]]  # field -> (salt, canonical JSON of the value)


# --- the log of a community --------------------------------------------------------------------


def origin_for(community: Community) -> str:
    return f"{keys.origin_prefix()}/{community.code}"


def get_or_create_log(community: Community) -> Log:
    """Log — 透明日志 of a community, created at first use. Platform set-up: no actor check."""
    log = Log.objects.filter(community=community).first()
    if log is not None:
        return log
    origin, path = origin_for(community), community.code
    if Log.objects.filter(Q(origin=origin) | Q(path=path)).exists():
        # the code was used by another community's log before (codes can change): stay unique
        origin, path = f"{origin}-{community.pk}", f"{path}-{community.pk}"
    try:
        with transaction.atomic():
            return Log.objects.create(community=community, origin=origin, path=path)
    except IntegrityError:
        return Log.objects.get(community=community)


def _locked_log(community: Community) -> Log:
    log = Log.objects.select_for_update().filter(community=community).first()
    if log is None:
        get_or_create_log(community)
        log = Log.objects.select_for_update().get(community=community)
    return log


# --- recording -------------------------------------------------------------------------------


def _subject_ref(subject: Any) -> tuple[str, str]:
    if isinstance(subject, models.Model):
        if subject.pk is None:
            raise ValidationError({"subject": [_("记录对象尚未保存")]})
        return subject._meta.label_lower, str(subject.pk)
    if isinstance(subject, tuple | list) and len(subject) == 2 and all(subject):
        return str(subject[0]), str(subject[1])
    raise ValidationError({"subject": [_("记录对象应为模型实例或（类型, 编号）")]})


def _prepare(community: Community, event: Event) -> _Prepared:
    kind = get_event_type(event.event_type)
    subject_type, subject_id = _subject_ref(event.subject)
    if kind.subject and subject_type != kind.subject:
        raise ValidationError({"subject": [
            _("事件类型 %(type)s 的对象应为 %(want)s，而不是 %(got)s")
            % {"type": kind.name, "want": kind.subject, "got": subject_type}]})
    if isinstance(event.subject, models.Model):
        owner = (event.subject.pk if isinstance(event.subject, Community)
                 else getattr(event.subject, "community_id", community.pk))
        if owner != community.pk:
            raise ValidationError({"subject": [_("记录对象不属于该小区")]})
    if len(subject_type) > 60 or len(subject_id) > 40:
        raise ValidationError({"subject": [_("对象类型或编号过长")]})
    public, private = kind.clean(event.public, event.private)
    when = event.time or timezone.now()
    if timezone.is_naive(when):
        raise ValidationError({"time": [_("时间必须带时区")]})
    openings, commitments = {}, {}
    for name, value in private.items():
        salt = entry.new_salt()
        openings[name] = (salt, entry.canonical(value).decode("utf-8"))
        commitments[name] = entry.commitment(salt, value)
    try:
        data = entry.build(type=kind.name, time=rfc3339(when), community=community.code,
                           subject={"type": subject_type, "id": subject_id}, public=public,
                           commitments=commitments)
    except entry.EntryError:
        raise ValidationError({"public": [_("事件内容过大（超过 64KB）")]}) from None
    return _Prepared(kind.name, subject_type, subject_id, when, data, merkle.leaf_hash(data),
                     openings)


def record(community: Community, event_type: str, subject: Any, *, public: dict,
           private: dict | None = None, time: dt.datetime | None = None) -> LogLeaf:
    """Puts one event about ``subject`` on the community's log; returns its leaf.

    Must run inside the caller's ``transaction.atomic()``. Raises ValidationError (nothing
    written) for an unknown event type or fields that do not match its schema. ``private``
    values go into the leaf only as salted SHA-256 commitments.
    """
    return record_many(community, [Event(event_type, subject, public, private, time)])[0]


def record_many(community: Community, events: Iterable[Event]) -> list[LogLeaf]:
    """Appends several events at once (one lock, bulk inserts); all or nothing."""
    if not transaction.get_connection().in_atomic_block:
        raise transaction.TransactionManagementError(
            "record() must run inside the caller's transaction.atomic() block")
    prepared = [_prepare(community, e) for e in events]
    if not prepared:
        return []
    log = _locked_log(community)
    frontier = merkle.Frontier.from_bytes(log.size, log.frontier)
    leaves, nodes = [], []
    for item in prepared:
        index = frontier.size
        done = frontier.append(item.leaf_hash)
        leaves.append(LogLeaf(
            community_id=community.pk, log_id=log.pk, index=index, data=item.data.decode("utf-8"),
            leaf_hash=item.leaf_hash, event_type=item.event_type, subject_type=item.subject_type,
            subject_id=item.subject_id, time=item.time,
        ))
        nodes.extend(TreeNode(community_id=community.pk, log_id=log.pk, level=level, index=i, hash=h)
                     for level, i, h in done[STORED_LEVEL:])
    LogLeaf.objects.bulk_create(leaves, batch_size=BATCH)
    TreeNode.objects.bulk_create(nodes, batch_size=BATCH)
    salts = [
        LeafSalt(community_id=community.pk, leaf=leaf, field=name, salt=salt, value=value)
        for leaf, item in zip(leaves, prepared, strict=True)
        for name, (salt, value) in item.openings.items()
    ]
    if salts:
        if any(leaf.pk is None for leaf in leaves):  # a backend without RETURNING
            by_index = dict(LogLeaf.objects.filter(log=log, index__gte=leaves[0].index)
                            .values_list("index", "pk"))
            for leaf in leaves:
                leaf.pk = by_index[leaf.index]
        LeafSalt.objects.bulk_create(salts, batch_size=BATCH)
    log.size, log.root_hash, log.frontier = frontier.size, frontier.root(), frontier.to_bytes()
    log.save(update_fields=["size", "root_hash", "frontier"])
    return leaves


# --- checkpoints -------------------------------------------------------------------------------


def sign_checkpoint(log: Log) -> Checkpoint | None:
    """Checkpoint — 检查点: signs the current tree head if the tree grew since the last one.

    Before signing, the head is recomputed from the stored nodes and proved consistent with
    the previous checkpoint; if either check fails, LogIntegrityError is raised and nothing is
    signed (a log never signs two inconsistent checkpoints). Returns None if there was nothing
    new to sign.
    """
    with transaction.atomic():
        log = Log.objects.select_for_update().get(pk=log.pk)
        last = selectors.latest_checkpoint(log)
        if last is not None and last.size >= log.size:
            return None
        read = selectors.node_reader(log)
        try:
            root = merkle.root_hash(log.size, read)
            if root != bytes(log.root_hash):
                raise LogIntegrityError(f"{log.origin}: the stored root hash disagrees with the nodes")
            if last is not None:
                proof = merkle.consistency_proof(last.size, log.size, read)
                merkle.verify_consistency(last.size, log.size, bytes(last.root_hash), root, proof)
        except (merkle.ProofError, merkle.MissingNodeError) as exc:
            raise LogIntegrityError(
                f"{log.origin}: size {log.size} is not consistent with checkpoint "
                f"{last.size if last else '-'}: {exc}") from exc
        signer = keys.log_signer(log.origin)
        body = note.Checkpoint(log.origin, log.size, root)
        checkpoint = Checkpoint.objects.create(
            community_id=log.community_id, log=log, size=log.size, root_hash=root,
            note=note.sign_checkpoint(body, [signer]), key_name=signer.name,
            verifier_key=signer.verifier.vkey,
        )
        log.signed_size = log.size
        log.save(update_fields=["signed_size"])
        return checkpoint


def sign_due_checkpoints() -> list[Checkpoint]:
    """Signs a checkpoint for every log that grew (the schedule runs this every minute)."""
    signed = []
    for log in Log.objects.needing_checkpoint().order_by("pk"):
        try:
            checkpoint = sign_checkpoint(log)
        except LogIntegrityError:
            logger.exception("refusing to sign a checkpoint")
            continue
        if checkpoint is not None:
            signed.append(checkpoint)
    return signed


# --- personal data --------------------------------------------------------------------------


@transaction.atomic
def erase_openings(community: Community, subject: Any, *, actor: User | None,
                   reason: str) -> int:
    """Deletes the salts of every commitment in the leaves about ``subject`` (PIPL art. 47).

    The leaves stay on the log; their commitments can never be opened again. The erasure is
    itself recorded, on the log and in the audit trail. Returns the number of leaves affected.
    """
    if actor is not None:
        require(actor, "log.erase_openings", community=community)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": [_("请填写删除原因")]})
    subject_type, subject_id = _subject_ref(subject)
    openings = LeafSalt.objects.filter(community=community, leaf__subject_type=subject_type,
                                       leaf__subject_id=subject_id)
    leaves = openings.values("leaf").distinct().count()
    if not leaves:
        return 0
    openings.delete()
    record(community, "log.openings.erased", (subject_type, subject_id), public={
        "subject_type": subject_type, "subject_id": subject_id, "leaves": leaves,
        "reason": reason[:200],
    })
    audit.record(AuditEvent.Action.DELETE, None, actor=actor, community=community,
                 object_type=subject_type, object_id=subject_id,
                 summary=f"删除日志承诺开启值 {leaves} 条：{reason[:100]}")
    return leaves
