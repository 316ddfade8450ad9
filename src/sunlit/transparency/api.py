"""Log API, for clients that do not speak tlog-tiles: leaves, proofs and proof bundles.

Scoped like the pages: only members and auditors of a community (``log.read_entries``) reach
its log; any other community id is a 404. Hashes are standard base64, as in checkpoints.
Proofs default to the size of the latest signed checkpoint, so that they verify against it.
Witness keys are registered and revoked by the committee (``log.manage_witnesses``); the
checkpoint's note carries the cosignatures of the registered witnesses.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import re

from django.core.exceptions import ValidationError
from django.http import Http404
from django.utils import timezone
from ninja import Field, Query, Router, Schema, Status

from sunlit.api.errors import ERRORS
from sunlit.api.idempotency import IdempotencyKeyHeader, idempotent
from sunlit.transparency import access, selectors
from sunlit.transparency.models import Checkpoint, Log, LogLeaf, WitnessKey, b64

router = Router(tags=["transparency"])


class CheckpointOut(Schema):
    size: int = Field(..., description="检查点覆盖的叶子数")
    root_hash: str = Field(..., description="树根哈希（base64）")
    note: str = Field(..., description="C2SP signed-note 格式的签名检查点（含已登记见证人的联署），原样验证")
    signed_at: dt.datetime
    cosigned_by: list[str] = Field(..., description="为该检查点联署的见证人（密钥名）")


class LogOut(Schema):
    community_id: int
    community: str
    origin: str = Field(..., description="日志标识（检查点第一行，签名密钥名）")
    url: str = Field(..., description="tlog-tiles 访问前缀")
    size: int = Field(..., description="当前叶子数（可能尚未签入检查点）")
    verifier_key: str = Field(..., description="note 验证公钥 name+keyid+key")
    checkpoint: CheckpointOut | None


class LeafOut(Schema):
    index: int
    leaf_hash: str = Field(..., description="SHA-256(0x00 || entry)，base64")
    entry: str = Field(..., description="事件的 RFC 8785 规范 JSON（被哈希的原文）")
    event_type: str
    subject_type: str
    subject_id: str
    time: dt.datetime


class InclusionOut(Schema):
    index: int
    size: int
    leaf_hash: str
    root_hash: str = Field(..., description="该规模下的树根（base64）")
    proof: list[str] = Field(..., description="审计路径（RFC 9162 §2.1.3），自叶子向上")


class ConsistencyOut(Schema):
    first: int
    second: int
    first_root: str
    second_root: str
    proof: list[str] = Field(..., description="一致性证明（RFC 9162 §2.1.4）")


class BundleEntryOut(Schema):
    index: int
    leaf: str
    leaf_hash: str
    inclusion_proof: list[str]


class SubjectOut(Schema):
    type: str
    id: str


class BundleOut(Schema):
    format: str
    origin: str
    subject: SubjectOut
    checkpoint: str | None = Field(..., description="签名检查点；所有包含证明都以它为准")
    verifier_key: str
    entries: list[BundleEntryOut]
    pending: int = Field(..., description="已记录但尚未签入检查点的条数")


class InclusionQuery(Schema):
    index: int | None = Field(None, ge=0, description="叶子序号")
    leaf_hash: str | None = Field(None, description="或叶子哈希（base64 或 64 位十六进制）")
    size: int | None = Field(None, ge=1, description="树的规模；默认为最新检查点的规模")


class ConsistencyQuery(Schema):
    first: int = Field(..., ge=0, description="较早的规模")
    second: int | None = Field(None, ge=0, description="较晚的规模；默认为最新检查点的规模")


class BundleQuery(Schema):
    subject_type: str = Field(..., max_length=60, examples=["registry.unit"])
    subject_id: str = Field(..., max_length=40)


def _checkpoint_out(checkpoint: Checkpoint | None) -> dict | None:
    if checkpoint is None:
        return None
    cosignatures = selectors.cosignatures_of(checkpoint)
    return {"size": checkpoint.size, "root_hash": checkpoint.root_b64,
            "note": selectors.cosigned_note(checkpoint, cosignatures),
            "signed_at": timezone.localtime(checkpoint.signed_at),
            "cosigned_by": [c.witness.key_name for c in cosignatures]}


def _log_out(request, log: Log) -> dict:
    return {
        "community_id": log.community_id, "community": log.community.name,
        "origin": log.origin, "url": request.build_absolute_uri(f"/log/{log.path}/"),
        "size": log.size, "verifier_key": selectors.verifier_key(log),
        "checkpoint": _checkpoint_out(selectors.latest_checkpoint(log)),
    }


def _default_size(checkpoint: Checkpoint | None, field: str) -> int:
    if checkpoint is None or checkpoint.size == 0:
        raise ValidationError({field: ["该日志尚无非空的检查点，请指定规模"]})
    return checkpoint.size


def _roots(log: Log, sizes: set[int]) -> dict[int, bytes]:
    """Root hashes at ``sizes``: from signed checkpoints where there is one, else recomputed."""
    roots = {size: bytes(root) for size, root in Checkpoint.objects.filter(
        log=log, size__in=sizes).values_list("size", "root_hash")}
    for size in sizes - set(roots):
        roots[size] = selectors.root_at(log, size)
    return roots


def _check_size(log: Log, size: int, field: str) -> None:
    if size > log.size:
        raise ValidationError({field: [f"超出日志当前规模 {log.size}"]})


def _parse_hash(text: str) -> bytes:
    text = text.strip()
    if re.fullmatch(r"[0-9a-fA-F]{64}", text):
        return bytes.fromhex(text)
    try:
        value = base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        value = b""
    if len(value) != 32:
        raise ValidationError({"leaf_hash": ["叶子哈希应为 32 字节的 base64 或 64 位十六进制"]})
    return value


@router.get("/logs", response={200: list[LogOut], **ERRORS}, summary="我可访问的透明日志")
def list_logs(request):
    logs = Log.objects.visible_to(request.auth, "log.read_entries").select_related("community")
    return [_log_out(request, log) for log in logs.order_by("community_id")]


@router.get("/logs/{community_id}", response={200: LogOut, **ERRORS}, summary="小区透明日志")
def get_log(request, community_id: int):
    return _log_out(request, access.get_log_for(request.auth, community_id))


@router.get("/logs/{community_id}/leaves/{index}", response={200: LeafOut, **ERRORS},
            summary="按序号读取叶子")
def get_leaf(request, community_id: int, index: int):
    log = access.get_log_for(request.auth, community_id)
    leaf = selectors.leaf_at(log, index)
    if leaf is None:
        raise Http404
    return _leaf_out(leaf)


def _leaf_out(leaf: LogLeaf) -> dict:
    return {"index": leaf.index, "leaf_hash": leaf.hash_b64, "entry": leaf.data,
            "event_type": leaf.event_type, "subject_type": leaf.subject_type,
            "subject_id": leaf.subject_id, "time": timezone.localtime(leaf.time)}


@router.get("/logs/{community_id}/proofs/inclusion", response={200: InclusionOut, **ERRORS},
            summary="包含证明（按序号或叶子哈希）")
def inclusion_proof(request, community_id: int, query: Query[InclusionQuery]):
    log = access.get_log_for(request.auth, community_id)
    if query.index is None and not query.leaf_hash:
        raise ValidationError({"index": ["请提供叶子序号或叶子哈希"]})
    if query.leaf_hash:
        leaf = selectors.leaf_with_hash(log, _parse_hash(query.leaf_hash))
        if leaf is None or (query.index is not None and leaf.index != query.index):
            raise Http404
    else:
        leaf = selectors.leaf_at(log, query.index)
        if leaf is None:
            raise Http404
    checkpoint = selectors.latest_checkpoint(log)
    size = query.size or _default_size(checkpoint, "size")
    _check_size(log, size, "size")
    if leaf.index >= size:
        raise ValidationError({"size": [f"序号 {leaf.index} 的叶子不在规模 {size} 的树中"]})
    proof = selectors.inclusion_proof(log, leaf.index, size)
    root = (bytes(checkpoint.root_hash) if checkpoint is not None and checkpoint.size == size
            else selectors.root_at(log, size))
    return {"index": leaf.index, "size": size, "leaf_hash": leaf.hash_b64,
            "root_hash": b64(root), "proof": [b64(p) for p in proof]}


@router.get("/logs/{community_id}/proofs/consistency", response={200: ConsistencyOut, **ERRORS},
            summary="一致性证明（两个规模之间）")
def consistency_proof(request, community_id: int, query: Query[ConsistencyQuery]):
    log = access.get_log_for(request.auth, community_id)
    second = query.second
    if second is None:
        second = _default_size(selectors.latest_checkpoint(log), "second")
    _check_size(log, second, "second")
    if query.first > second:
        raise ValidationError({"first": ["较早的规模不能大于较晚的规模"]})
    proof = selectors.consistency_proof(log, query.first, second)
    roots = _roots(log, {query.first, second})
    return {"first": query.first, "second": second, "first_root": b64(roots[query.first]),
            "second_root": b64(roots[second]), "proof": [b64(p) for p in proof]}


@router.get("/logs/{community_id}/bundle", response={200: BundleOut, **ERRORS},
            summary="某对象的证明包（叶子、包含证明与检查点）")
def proof_bundle(request, community_id: int, query: Query[BundleQuery]):
    """Everything ``sunlit verify bundle`` (or any RFC 9162 / C2SP implementation) needs."""
    log = access.get_log_for(request.auth, community_id)
    return selectors.proof_bundle(log, query.subject_type.strip(), query.subject_id.strip())


# --- witnesses --------------------------------------------------------------------------------


class WitnessIn(Schema):
    name: str = Field(..., min_length=1, max_length=60, description="名称，如“业委会见证节点”")
    vkey: str = Field(..., max_length=300,
                      description="见证人公钥（C2SP tlog-cosignature，name+keyid+base64(0x04||key)）")
    url: str = Field("", max_length=300,
                     description="可选：见证服务地址（tlog-witness 提交前缀），日志签发后主动请求联署")


class WitnessOut(Schema):
    id: int
    name: str
    key_name: str
    vkey: str
    url: str
    is_active: bool
    registered_at: dt.datetime
    revoked_at: dt.datetime | None
    cosigned_latest: bool = Field(False, description="是否已为最新检查点联署")
    last_cosigned_size: int | None = Field(None, description="最近一次联署的检查点规模")
    last_cosigned_at: dt.datetime | None = Field(None, description="最近一次联署的时间（见证人时钟）")


def _witness_out(witness: WitnessKey, row: dict | None = None) -> dict:
    row = row or {}
    return {
        "id": witness.pk, "name": witness.name, "key_name": witness.key_name,
        "vkey": witness.vkey, "url": witness.url, "is_active": witness.is_active,
        "registered_at": timezone.localtime(witness.registered_at),
        "revoked_at": timezone.localtime(witness.revoked_at) if witness.revoked_at else None,
        "cosigned_latest": row.get("cosigned_latest", False),
        "last_cosigned_size": row.get("last_size"),
        "last_cosigned_at": timezone.localtime(row["last_time"]) if row.get("last_time") else None,
    }


@router.get("/logs/{community_id}/witnesses", response={200: list[WitnessOut], **ERRORS},
            summary="日志的见证人及其联署情况")
def list_witnesses(request, community_id: int):
    log = access.get_log_for(request.auth, community_id)
    return [_witness_out(row["witness"], row) for row in selectors.witness_overview(log)]


@router.post("/logs/{community_id}/witnesses", response={201: WitnessOut, **ERRORS},
             summary="登记见证人公钥（业委会；物业公司请提交管控变更申请）")
@idempotent
def register_witness(request, community_id: int, payload: WitnessIn,
                     idempotency_key: IdempotencyKeyHeader = None):
    from sunlit.governance.controls import services as controls
    from sunlit.governance.controls.models import ControlKind

    log = access.get_log_to_manage_witnesses(request.auth, community_id=community_id)
    change = controls.request_change(log.community, ControlKind.WITNESS_ADD, {
        "vkey": payload.vkey, "name": payload.name, "url": payload.url}, actor=request.auth,
        propose=False)
    return Status(201, _witness_out(change.result))


@router.delete("/logs/{community_id}/witnesses/{witness_id}", response={204: None, **ERRORS},
               summary="撤销见证人（业委会；其联署不再随检查点提供）")
def revoke_witness(request, community_id: int, witness_id: int):
    from sunlit.governance.controls import services as controls
    from sunlit.governance.controls.models import ControlKind

    log = access.get_log_to_manage_witnesses(request.auth, community_id=community_id)
    witness = access.get_witness_for(log, witness_id)
    if witness.is_active:
        controls.request_change(log.community, ControlKind.WITNESS_REVOKE,
                                {"witness": witness.pk}, actor=request.auth, propose=False)
    return Status(204, None)
