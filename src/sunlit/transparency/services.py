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
from django.core.validators import URLValidator
from django.db import IntegrityError, NotSupportedError, models, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from sunlit.core import audit, outbound, sides
from sunlit.core.bulk import bulk_insert
from sunlit.core.locking import locked
from sunlit.core.models import AuditEvent, Community, User
from sunlit.core.permissions import require
from sunlit.transparency import cosignature, entry, keys, merkle, note, selectors
from sunlit.transparency import witness as witness_client
from sunlit.transparency.events import get_event_type
from sunlit.transparency.kinds import rfc3339
from sunlit.transparency.models import (
    STORED_LEVEL,
    Checkpoint,
    Cosignature,
    LeafSalt,
    Log,
    LogLeaf,
    TreeNode,
    WitnessKey,
)
from sunlit.transparency.privacy import LogMasker

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


def _prepare(community: Community, event: Event, masker: LogMasker) -> _Prepared:
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
    public, private = kind.clean(event.public, event.private, mask=masker)
    when = event.time or timezone.now()
    if timezone.is_naive(when):
        raise ValidationError({"time": [_("时间必须带时区")]})
    openings, commitments = {}, {}
    for name, value in private.items():
        salt, canonical = entry.new_salt(), entry.canonical(value)
        openings[name] = (salt, canonical.decode("utf-8"))
        commitments[name] = entry.commitment_of(salt, canonical)
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
    """Appends several events at once (one lock, bulk inserts); all or nothing.

    The events are validated and encoded before the lock is taken. From ``BULK_FROM`` events
    on, the leaves, nodes and openings go through ``core.bulk.bulk_insert`` (COPY on
    PostgreSQL, executemany on SQLite); smaller appends use ``bulk_create``, which needs fewer
    round trips for a handful of rows. Either way the unique ``(log, index)`` and ``(log,
    level, index)`` constraints apply to every row.
    """
    if not transaction.get_connection().in_atomic_block:
        raise transaction.TransactionManagementError(
            "record() must run inside the caller's transaction.atomic() block")
    masker = LogMasker(community)  # free text of public fields, masked (privacy.py)
    prepared = [_prepare(community, e, masker) for e in events]
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
    _insert(LogLeaf, leaves)
    _insert(TreeNode, nodes)
    salts = [
        LeafSalt(community_id=community.pk, leaf_id=leaf.pk, field=name, salt=salt, value=value)
        for leaf, item in zip(leaves, prepared, strict=True)
        for name, (salt, value) in item.openings.items()
    ]
    _insert(LeafSalt, salts)
    log.size, log.root_hash, log.frontier = frontier.size, frontier.root(), frontier.to_bytes()
    log.save(update_fields=["size", "root_hash", "frontier"])
    return leaves


#: From this many rows on, an append writes through ``bulk_insert`` rather than ``bulk_create``.
BULK_FROM = 32


def _insert(model: type[models.Model], objs: list[models.Model]) -> None:
    if len(objs) >= BULK_FROM:
        bulk_insert(model, objs, batch_size=BATCH)
        return
    model.objects.bulk_create(objs, batch_size=BATCH)
    if any(obj.pk is None for obj in objs):  # a backend without RETURNING
        raise NotSupportedError("the log needs a database that returns the ids of new rows")


# --- checkpoints -------------------------------------------------------------------------------


def sign_checkpoint(log: Log) -> Checkpoint | None:
    """Checkpoint — 检查点: signs the current tree head if the tree grew since the last one.

    Before signing, the head is recomputed from the stored nodes and proved consistent with
    the previous checkpoint; if either check fails, LogIntegrityError is raised and nothing is
    signed (a log never signs two inconsistent checkpoints). Returns None if there was nothing
    new to sign.
    """
    with transaction.atomic():
        log = locked(log)
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


# --- witnesses and their cosignatures ------------------------------------------------------

MAX_WITNESSES = 20
#: Seconds a push to one witness may take (the signing schedule runs every minute).
PUSH_TIMEOUT = 5
#: A witness's clock may run this far ahead of ours before its cosignature is refused.
FUTURE_SKEW = dt.timedelta(minutes=10)


class CosignatureRejected(Exception):
    """A submitted cosignature is not stored; ``status`` is the HTTP answer the log gives."""

    def __init__(self, message: str, *, status: int):
        super().__init__(message)
        self.status = status


def clean_witness(community: Community, *, vkey: str, name: str,
                  url: str = "") -> tuple[cosignature.CosignatureVerifier, str, str]:
    """The witness's verifier, name and URL, or a ValidationError per field."""
    errors: dict[str, list[str]] = {}
    name = (name or "").strip() if isinstance(name, str) else ""
    if not name:
        errors["name"] = [_("请填写见证人名称")]
    elif len(name) > 60:
        errors["name"] = [_("名称最多 60 个字符")]
    try:
        verifier = cosignature.CosignatureVerifier.parse(vkey if isinstance(vkey, str) else "")
    except note.NoteError as exc:
        errors["vkey"] = [_("见证人公钥无效：%(error)s") % {"error": exc}]
        verifier = None
    url = (url or "").strip() if isinstance(url, str) else ""
    if url:
        try:
            # the server will call it: never an address inside the operator's network
            outbound.check_url(url, resolve=False)
            URLValidator(schemes=["http", "https"])(url)
        except ValidationError:
            errors["url"] = [_("请填写以 http:// 或 https:// 开头的地址")]
        except outbound.OutboundRefused as exc:
            errors["url"] = [str(exc)]
    if errors:
        raise ValidationError(errors)
    log = get_or_create_log(community)
    if verifier.public_key == keys.log_verifier(log.origin).public_key:
        raise ValidationError({"vkey": [_("这是日志自己的签名公钥，不能作为见证人")]})
    active = WitnessKey.objects.active().filter(log=log)
    if active.filter(public_key=verifier.public_key).exists():
        raise ValidationError({"vkey": [_("该公钥已登记为见证人")]})
    if active.filter(key_name=verifier.name, key_id=verifier.key_id).exists():
        raise ValidationError({"vkey": [_("该密钥名与密钥 ID 已登记")]})
    if active.count() >= MAX_WITNESSES:
        raise ValidationError({"vkey": [_("每个日志最多登记 %(n)d 个见证人") % {"n": MAX_WITNESSES}]})
    return verifier, name, url


@transaction.atomic
def register_witness_key(community: Community, *, actor: User, vkey: str, name: str,
                         url: str = "") -> WitnessKey:
    """WitnessKey — 见证人公钥: the committee registers a witness whose cosignatures count.

    The witnesses are the owners' check on the log, so the list is an owner-side control: only
    a committee member who holds no company role registers (or revokes) one; the manager or the
    company proposes it through ``governance.controls`` and it takes effect when the committee
    confirms (a witness the company chose could vouch for a log the company rewrote).

    The registration is recorded on the log (``log.witness.registered``: name and key) in the
    same transaction, and audited.

    ``vkey`` is the witness's C2SP tlog-cosignature verifier key (``sunlit witness init``
    prints it); ``url``, optional, is its tlog-witness submission prefix for push mode.
    """
    require(actor, "log.manage_witnesses", community=community)
    sides.require_committee(actor, community, _("登记见证人"))
    log = _locked_log(community)  # one registration at a time: the checks below hold
    verifier, name, url = clean_witness(community, vkey=vkey, name=name, url=url)
    witness = WitnessKey.objects.create(
        community=community, log=log, name=name, key_name=verifier.name, key_id=verifier.key_id,
        public_key=verifier.public_key, vkey=verifier.vkey, url=url, registered_by=actor,
    )
    record(community, "log.witness.registered", witness,
           public={"name": witness.name, "vkey": witness.vkey})
    audit.record(AuditEvent.Action.CREATE, witness, actor=actor,
                 summary=f"登记见证人 {name}（{verifier.name}）")
    return witness


@transaction.atomic
def revoke_witness_key(witness: WitnessKey, *, actor: User) -> WitnessKey:
    """Stops counting a witness: its cosignatures are no longer served. The row stays.

    Only a committee member who holds no company role (a company proposal takes effect when the
    committee confirms it). Recorded on the log (``log.witness.revoked``) in the same
    transaction, and audited.
    """
    require(actor, "log.manage_witnesses", community=witness.community_id)
    sides.require_committee(actor, witness.community_id, _("撤销见证人"))
    witness = locked(witness)
    if not witness.is_active:
        return witness
    witness.is_active, witness.revoked_at, witness.revoked_by = False, timezone.now(), actor
    witness.save(update_fields=["is_active", "revoked_at", "revoked_by"])
    record(witness.community, "log.witness.revoked", witness,
           public={"name": witness.name, "vkey": witness.vkey})
    audit.record(AuditEvent.Action.DELETE, witness, actor=actor,
                 summary=f"撤销见证人 {witness.name}（{witness.key_name}）")
    return witness


def plan_witness_add(community: Community, params: dict, *, now=None):
    """``governance.controls``: registering a witness (always the owner side's)."""
    from sunlit.governance.controls.services import Plan

    unknown = set(params) - {"name", "vkey", "url"}
    if unknown:
        raise ValidationError({key: [_("不支持此项")] for key in sorted(unknown)})
    verifier, name, url = clean_witness(community, vkey=params.get("vkey", ""),
                                        name=params.get("name", ""), url=params.get("url", ""))
    return Plan(params={"name": name, "vkey": verifier.vkey, "url": url}, weakens=True,
                subject_label=name[:120],
                summary=_("登记见证人 %(name)s（%(key)s）") % {"name": name, "key": verifier.name})


def apply_witness_add(community: Community, params: dict, *, actor: User, now=None):
    return register_witness_key(community, actor=actor, vkey=params["vkey"],
                                name=params["name"], url=params.get("url", ""))


def _witness_param(community: Community, params: dict) -> WitnessKey:
    witness_id = params.get("witness")
    found = None
    if isinstance(witness_id, int) and not isinstance(witness_id, bool):
        found = WitnessKey.objects.in_community(community).active().filter(pk=witness_id).first()
    if found is None:
        raise ValidationError({"witness": [_("请选择本小区日志的一个有效见证人")]})
    return found


def plan_witness_revoke(community: Community, params: dict, *, now=None):
    """``governance.controls``: revoking a witness (always the owner side's)."""
    from sunlit.governance.controls.services import Plan

    if set(params) != {"witness"}:
        raise ValidationError({"witness": [_("请选择本小区日志的一个有效见证人")]})
    witness = _witness_param(community, params)
    return Plan(params={"witness": witness.pk}, weakens=True, subject=witness,
                subject_label=witness.name[:120],
                summary=_("撤销见证人 %(name)s（%(key)s）") % {"name": witness.name,
                                                          "key": witness.key_name})


def apply_witness_revoke(community: Community, params: dict, *, actor: User, now=None):
    return revoke_witness_key(_witness_param(community, params), actor=actor)


def accept_cosignatures(log: Log, message: str | bytes, *,
                        now: dt.datetime | None = None) -> list[Cosignature]:
    """Stores the cosignatures of registered witnesses on one of ``log``'s checkpoints.

    ``message`` is the checkpoint's signed note with the witnesses' cosignature lines
    appended (what ``sunlit witness`` sends, or a tlog-witness response concatenated to the
    checkpoint). The checkpoint text must be exactly the one this log signed at that size;
    every line of an active registered witness must verify (C2SP tlog-cosignature v1). No
    actor: the signature is the authentication. Returns the cosignatures now stored for the
    witnesses in the message (the first one stored per witness is kept).
    """
    try:
        text, _sigs = note.split(message)
        body = note.Checkpoint.parse(text)
    except note.NoteError as exc:
        raise CosignatureRejected(_("检查点格式无效：%(error)s") % {"error": exc}, status=400) from None
    if body.origin != log.origin:
        raise CosignatureRejected(_("这不是本日志的检查点"), status=404)
    checkpoint = Checkpoint.objects.filter(log=log, size=body.size).first()
    if checkpoint is None:
        raise CosignatureRejected(_("本日志没有规模为 %(size)d 的检查点") % {"size": body.size},
                                  status=404)
    if note.split(checkpoint.note)[0] != text:
        raise CosignatureRejected(_("与本日志在该规模签发的检查点不符"), status=409)
    witnesses = {(w.key_name, w.key_id): w for w in WitnessKey.objects.active().filter(log=log)}
    verifiers = [cosignature.CosignatureVerifier(w.key_name, bytes(w.public_key))
                 for w in witnesses.values()]
    try:
        _text, cosigned = cosignature.verify_cosignatures(message, verifiers)
    except note.NoteError as exc:
        raise CosignatureRejected(_("见证联署验证失败：%(error)s") % {"error": exc}, status=403) from None
    if not cosigned:
        raise CosignatureRejected(_("没有已登记见证人的联署"), status=403)
    limit = (now or timezone.now()) + FUTURE_SKEW
    if any(c.timestamp > limit.timestamp() for c in cosigned):
        raise CosignatureRejected(_("联署时间晚于当前时间，请检查见证人电脑的时钟"), status=400)
    stored = []
    for item in cosigned:
        witness = witnesses[(item.verifier.name, item.verifier.key_id)]
        with transaction.atomic():
            row, _created = Cosignature.objects.get_or_create(
                checkpoint=checkpoint, witness=witness,
                defaults={"community_id": log.community_id, "timestamp": item.timestamp,
                          "signature": item.blob},
            )
        stored.append(row)
    return stored


def request_cosignatures(checkpoint: Checkpoint) -> list[Cosignature]:
    """Push: asks every active witness with a URL to cosign ``checkpoint`` (C2SP tlog-witness).

    Sends ``add-checkpoint`` with a consistency proof from the size the witness cosigned last
    (answering one 409 with the size the witness names). Failures are logged, not raised: a
    witness that cannot be reached simply cosigns later, by polling.
    """
    stored = []
    witnesses = WitnessKey.objects.active().filter(log_id=checkpoint.log_id).exclude(url="")
    for witness in witnesses:
        try:
            lines = _ask_witness(witness, checkpoint)
            stored += accept_cosignatures(checkpoint.log, checkpoint.note + lines)
        except (witness_client.WitnessFailure, CosignatureRejected, outbound.OutboundRefused,
                outbound.OutboundFailure) as exc:
            # the reason only (status, refusal, time-out): never what the witness answered
            logger.warning("witness %s did not cosign %s@%d: %s", witness.key_name,
                           checkpoint.log.origin, checkpoint.size, exc)
    return stored


def _ask_witness(witness: WitnessKey, checkpoint: Checkpoint) -> str:
    log = checkpoint.log
    old = (Cosignature.objects.filter(witness=witness, checkpoint__log=log,
                                      checkpoint__size__lte=checkpoint.size)
           .aggregate(size=models.Max("checkpoint__size"))["size"] or 0)
    url = witness.url.rstrip("/") + "/add-checkpoint"
    for _attempt in range(2):
        proof = selectors.consistency_proof(log, old, checkpoint.size) if old else []
        # core.outbound: no loopback/private targets (unless allowed by name), bounded times
        got = outbound.request(url, method="POST", data=witness_client.add_checkpoint_body(
            old, proof, checkpoint.note), content_type="text/plain; charset=utf-8",
            read_timeout=PUSH_TIMEOUT, total_timeout=PUSH_TIMEOUT, max_body=witness_client.MAX_BODY)
        text = got.body.decode("utf-8", "replace")
        if got.status == 200:
            return text
        if got.status == 409 and got.content_type.startswith(witness_client.SIZE_CONTENT_TYPE):
            known = text.strip()
            if not known.isdigit() or int(known) > checkpoint.size or int(known) == old:
                break
            old = int(known)
            continue
        raise witness_client.WitnessFailure(f"HTTP {got.status}")
    raise witness_client.WitnessFailure("the witness answered 409 with a size it cannot be proved from")
