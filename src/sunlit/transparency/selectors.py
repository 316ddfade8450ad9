"""Read queries on the log used by pages, API, commands and services: nodes, proofs, tiles."""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Iterable
from dataclasses import dataclass

from django.db import models
from django.db.models import Count, Min, OuterRef, Subquery

from sunlit.transparency import merkle, tiles
from sunlit.transparency.keys import log_verifier
from sunlit.transparency.models import (
    STORED_LEVEL,
    Checkpoint,
    Cosignature,
    Log,
    LogLeaf,
    TreeNode,
    WitnessKey,
    b64,
)
from sunlit.transparency.tiles import Tile

BUNDLE_FORMAT = "sunlit-proof-bundle/v1"


def node_reader(log: Log) -> merkle.Reader:
    """Reads complete-subtree hashes of ``log``: low levels from the leaves, the rest from nodes.

    Two queries per call, whatever the number of nodes asked for. Levels below
    ``STORED_LEVEL`` are hashed from their leaves. The node query asks for
    ``level IN (...) AND index IN (...)`` — a superset of the wanted pairs, filtered here —
    because one OR-term per level costs more to build in the ORM than the few extra rows.
    """

    def read(nodes: Collection[merkle.Node]) -> dict[merkle.Node, bytes]:
        low = [(level, index) for level, index in nodes if level < STORED_LEVEL]
        upper = {(level, index) for level, index in nodes if level >= STORED_LEVEL}
        found: dict[merkle.Node, bytes] = {}
        if low:
            wanted = {i for level, index in low
                      for i in range(index << level, (index + 1) << level)}
            rows = LogLeaf.objects.filter(log=log, index__in=wanted).values_list("index", "leaf_hash")
            leaves = {i: bytes(h) for i, h in rows}
            for level, index in low:
                span = [leaves.get(i) for i in range(index << level, (index + 1) << level)]
                if None not in span:
                    found[(level, index)] = merkle.subtree_hash(span)
        if upper:
            rows = TreeNode.objects.filter(
                log=log, level__in={lvl for lvl, _ in upper}, index__in={i for _, i in upper},
            ).values_list("level", "index", "hash")
            found.update({(lvl, i): bytes(h) for lvl, i, h in rows if (lvl, i) in upper})
        return found

    return read


def latest_checkpoint(log: Log) -> Checkpoint | None:
    return Checkpoint.objects.filter(log=log).order_by("-size").first()


def verifier_key(log: Log) -> str:
    return log_verifier(log.origin).vkey


def root_at(log: Log, size: int) -> bytes:
    return merkle.root_hash(size, node_reader(log))


def inclusion_proof(log: Log, index: int, size: int) -> list[bytes]:
    return merkle.inclusion_proof(index, size, node_reader(log))


def consistency_proof(log: Log, old: int, new: int) -> list[bytes]:
    return merkle.consistency_proof(old, new, node_reader(log))


def leaf_at(log: Log, index: int) -> LogLeaf | None:
    return LogLeaf.objects.filter(log=log, index=index).first()


def leaf_with_hash(log: Log, leaf_hash: bytes) -> LogLeaf | None:
    return LogLeaf.objects.filter(log=log, leaf_hash=leaf_hash).order_by("index").first()


def leaves_about(log: Log, subject_type: str, subject_id: str):
    return LogLeaf.objects.filter(log=log, subject_type=subject_type,
                                  subject_id=str(subject_id)).order_by("index")


def proof_bundle(log: Log, subject_type: str, subject_id: str) -> dict:
    """Everything needed to verify, offline, what the log says about one subject.

    The leaves about the subject that the latest checkpoint covers, each with its inclusion
    proof against that checkpoint; leaves recorded after it are counted as ``pending``.
    """
    checkpoint = latest_checkpoint(log)
    size = checkpoint.size if checkpoint else 0
    leaves = list(leaves_about(log, subject_type, subject_id))
    covered = [leaf for leaf in leaves if leaf.index < size]
    paths = [merkle.inclusion_ranges(leaf.index, size) for leaf in covered]
    # one read for all the proofs of the bundle
    hashes = iter(merkle.range_hashes([r for path in paths for r in path], node_reader(log)))
    entries = []
    for leaf, path in zip(covered, paths, strict=True):
        proof = [next(hashes) for _ in path]
        entries.append({
            "index": leaf.index, "leaf": leaf.data, "leaf_hash": b64(leaf.leaf_hash),
            "inclusion_proof": [b64(p) for p in proof],
        })
    return {
        "format": BUNDLE_FORMAT,
        "origin": log.origin,
        "subject": {"type": subject_type, "id": str(subject_id)},
        "checkpoint": cosigned_note(checkpoint) if checkpoint else None,
        "verifier_key": verifier_key(log),
        "entries": entries,
        "pending": len(leaves) - len(covered),
    }


def tile_data(log: Log, tile: Tile, *, size: int | None = None) -> bytes | None:
    """The bytes of a hash tile or entry bundle, or None if the tree does not have it yet."""
    size = log.size if size is None else size
    if tile.leaves_needed() > size:
        return None
    first, last = tile.first, tile.first + tile.width
    if tile.entries:
        rows = LogLeaf.objects.filter(log=log, index__gte=first, index__lt=last).order_by("index")
        data = [row.encode("utf-8") for row in rows.values_list("data", flat=True)]
        if len(data) != tile.width:
            return None
        return tiles.encode_bundle(data)
    if tile.level == 0:
        rows = (LogLeaf.objects.filter(log=log, index__gte=first, index__lt=last)
                .order_by("index").values_list("leaf_hash", flat=True))
    else:
        rows = (TreeNode.objects.filter(log=log, level=tile.tree_level, index__gte=first,
                                        index__lt=last)
                .order_by("index").values_list("hash", flat=True))
    hashes = [bytes(h) for h in rows]
    if len(hashes) != tile.width:
        return None
    return b"".join(hashes)


# --- witnesses ---------------------------------------------------------------------------------


def cosignatures_of(checkpoint: Checkpoint) -> list[Cosignature]:
    """The stored cosignatures of active witnesses on ``checkpoint``, in registration order."""
    return list(Cosignature.objects.filter(checkpoint=checkpoint, witness__is_active=True)
                .select_related("witness").order_by("witness_id"))


def cosigned_note(checkpoint: Checkpoint, cosignatures: list[Cosignature] | None = None) -> str:
    """The checkpoint's signed note with the cosignature lines of active witnesses appended.

    A plain C2SP signed note still: verifiers that do not know the witnesses ignore the lines
    (tlog-checkpoint: "clients MUST ignore unknown signatures").
    """
    if cosignatures is None:
        cosignatures = cosignatures_of(checkpoint)
    return checkpoint.note + "".join(c.line for c in cosignatures)


def witness_overview(log: Log, latest: Checkpoint | None = None) -> list[dict]:
    """Each active witness of ``log``: did it cosign the latest checkpoint, and its last one.

    One query; a log's checkpoints grow with their pk, so the last cosignature of a witness is
    the one with the highest checkpoint id (index ``cosignature_by_witness``).
    """
    latest = latest or latest_checkpoint(log)
    last = Cosignature.objects.filter(witness=OuterRef("pk")).order_by("-checkpoint_id")
    witnesses = (WitnessKey.objects.active().filter(log=log).order_by("pk").annotate(
        last_checkpoint_id=Subquery(last.values("checkpoint_id")[:1]),
        last_size=Subquery(last.values("checkpoint__size")[:1]),
        last_timestamp=Subquery(last.values("timestamp")[:1]),
    ))
    return [{
        "witness": witness,
        "cosigned_latest": latest is not None and witness.last_checkpoint_id == latest.pk,
        "last_size": witness.last_size,
        "last_time": (dt.datetime.fromtimestamp(witness.last_timestamp, tz=dt.UTC)
                      if witness.last_timestamp is not None else None),
    } for witness in witnesses]


# --- 已存证: which objects on a page have leaves ------------------------------------------------


@dataclass(frozen=True)
class ProofStatus:
    """What a community's log holds about one object: the 已存证 badge and its 验证 button."""

    community_id: int
    subject_type: str
    subject_id: str
    leaves: int
    signed: bool  # its first leaf is in the latest checkpoint: a proof bundle verifies now
    origin: str
    verifier_key: str
    log_path: str


def subject_key(obj: models.Model) -> tuple[str, str]:
    return obj._meta.label_lower, str(obj.pk)


def proof_statuses(objects: Iterable[models.Model]) -> dict[tuple[str, str], ProofStatus]:
    """``{(subject_type, subject_id): status}`` for those of ``objects`` that are on their log.

    Two queries whatever the number of objects (their communities' logs, then their leaves
    counted per subject on the ``logleaf_subject`` index), so a list can badge every row.
    """
    wanted: dict[tuple[str, str], int] = {}
    for obj in objects:
        if obj is not None and obj.pk is not None:
            community_id = obj.pk if obj._meta.label_lower == "core.community" \
                else obj.community_id
            wanted[subject_key(obj)] = community_id
    if not wanted:
        return {}
    logs = {log.pk: log for log in Log.objects.filter(community_id__in=set(wanted.values()))}
    if not logs:
        return {}
    rows = (LogLeaf.objects.filter(log_id__in=list(logs),
                                   subject_type__in={t for t, _ in wanted},
                                   subject_id__in={i for _, i in wanted})
            .values("log_id", "subject_type", "subject_id")
            .annotate(leaves=Count("pk"), first=Min("index")).order_by())
    statuses, vkeys = {}, {}
    for row in rows:
        log, key = logs[row["log_id"]], (row["subject_type"], row["subject_id"])
        if wanted.get(key) != log.community_id:  # another type's object with the same id
            continue
        if log.pk not in vkeys:
            vkeys[log.pk] = verifier_key(log)
        statuses[key] = ProofStatus(
            community_id=log.community_id, subject_type=key[0], subject_id=key[1],
            leaves=row["leaves"], signed=row["first"] < log.signed_size, origin=log.origin,
            verifier_key=vkeys[log.pk], log_path=log.path,
        )
    return statuses


def openings(leaf: LogLeaf) -> dict[str, dict]:
    """The openings of ``leaf``'s commitments — {field: {"value", "salt" (hex)}} — each checked
    against the commitment in the leaf. Personal data: the caller decides who may see them (the
    household its own, ``person.reveal`` …); erased openings are simply absent."""
    import json

    from sunlit.transparency import entry
    from sunlit.transparency.models import LeafSalt

    commitments = json.loads(leaf.data).get("commitments", {})
    out = {}
    for row in LeafSalt.objects.filter(leaf=leaf).order_by("field"):
        canonical = row.value.encode("utf-8")
        if entry.commitment_of(bytes(row.salt), canonical) == commitments.get(row.field):
            out[row.field] = {"value": json.loads(canonical), "salt": bytes(row.salt).hex()}
    return out
