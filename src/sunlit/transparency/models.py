"""The verifiable log: leaves, stored tree nodes, signed checkpoints and commitment openings.

Append-only by construction: services only ever insert leaves, nodes and checkpoints; the
only rows ever deleted are ``LeafSalt`` (erasing personal data never touches the log).
"""

from __future__ import annotations

import base64
import datetime as dt

from django.db import models
from django.db.models import F
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _

from sunlit.core.fields import EncryptedTextField
from sunlit.core.models import Community, CommunityOwned
from sunlit.core.tenancy import CommunityScopedQuerySet
from sunlit.transparency import cosignature, entry
from sunlit.transparency.merkle import EMPTY_ROOT

#: Complete subtrees are stored from this level up; lower ones are hashed from the leaves.
STORED_LEVEL = 2


def b64(value: bytes) -> str:
    return base64.b64encode(bytes(value)).decode("ascii")


class LogQuerySet(CommunityScopedQuerySet):
    def needing_checkpoint(self):
        """Logs that grew since their last checkpoint (or never had one)."""
        return self.filter(size__gt=F("signed_size"))


class Log(CommunityOwned):
    """Log — 透明日志: the append-only Merkle log (RFC 9162) of one community's material facts.

    ``origin`` names the log for ever (the first line of its checkpoints and its key name);
    ``path`` is where it is served (``/log/<path>/``). ``size``, ``root_hash`` and ``frontier``
    (the hashes of the complete subtrees on the right edge) are the head of the tree, updated
    with each append under a lock on this row.
    """

    origin = models.CharField(_("日志标识"), max_length=200, unique=True)
    path = models.SlugField(_("访问路径"), max_length=60, unique=True)
    size = models.PositiveBigIntegerField(_("叶子数"), default=0)
    root_hash = models.BinaryField(max_length=32, default=EMPTY_ROOT)
    frontier = models.BinaryField(default=b"")
    signed_size = models.BigIntegerField(_("最新检查点的规模"), default=-1)
    created_at = models.DateTimeField(default=timezone.now)

    objects = LogQuerySet.as_manager()

    class Meta:
        verbose_name = _("透明日志")
        verbose_name_plural = _("透明日志")
        constraints = [
            models.UniqueConstraint(fields=["community"], name="log_one_per_community"),
        ]

    def __str__(self) -> str:
        return self.origin

    @property
    def root_b64(self) -> str:
        return b64(self.root_hash)


class LogLeaf(CommunityOwned):
    """LogLeaf — 日志叶子: one recorded event, as the exact bytes that were hashed.

    ``data`` is the RFC 8785 canonical JSON of the event (see ``entry``); ``leaf_hash`` is
    SHA-256(0x00 || data). Never updated, never deleted.
    """

    community = models.ForeignKey(Community, on_delete=models.PROTECT, related_name="+",
                                  db_index=False)
    log = models.ForeignKey(Log, on_delete=models.PROTECT, related_name="leaves", db_index=False)
    index = models.PositiveBigIntegerField(_("序号"))
    data = models.TextField(_("事件内容"))
    leaf_hash = models.BinaryField(max_length=32)
    event_type = models.CharField(_("事件类型"), max_length=80)
    subject_type = models.CharField(_("对象类型"), max_length=60)
    subject_id = models.CharField(_("对象编号"), max_length=40)
    time = models.DateTimeField(_("时间"))

    class Meta:
        verbose_name = _("日志叶子")
        verbose_name_plural = _("日志叶子")
        ordering = ["log", "index"]
        constraints = [
            models.UniqueConstraint(fields=["log", "index"], name="logleaf_unique_index"),
        ]
        indexes = [
            models.Index(fields=["log", "subject_type", "subject_id"], name="logleaf_subject"),
            models.Index(fields=["log", "leaf_hash"], name="logleaf_hash"),
        ]

    def __str__(self) -> str:
        return f"{self.log_id}#{self.index} {self.event_type}"

    @property
    def entry(self) -> bytes:
        return self.data.encode("utf-8")

    @cached_property
    def event(self) -> dict:
        return entry.parse(self.entry)

    @property
    def hash_b64(self) -> str:
        return b64(self.leaf_hash)


class TreeNode(CommunityOwned):
    """TreeNode — 树节点: the hash of one complete subtree of 2**level leaves (level ≥ 2).

    Written once, when its last leaf is appended. Level 0 hashes are ``LogLeaf.leaf_hash``;
    level 1 (pairs of leaves) is not stored but hashed from the two leaf hashes when read,
    which halves the rows an append writes. With every other complete subtree stored, any
    proof reads O(log n) rows, and every tlog-tiles hash tile is a range of one level.
    """

    community = models.ForeignKey(Community, on_delete=models.PROTECT, related_name="+",
                                  db_index=False)
    log = models.ForeignKey(Log, on_delete=models.PROTECT, related_name="nodes", db_index=False)
    level = models.PositiveSmallIntegerField()
    index = models.PositiveBigIntegerField()
    hash = models.BinaryField(max_length=32)

    class Meta:
        verbose_name = _("树节点")
        verbose_name_plural = _("树节点")
        constraints = [
            models.UniqueConstraint(fields=["log", "level", "index"], name="treenode_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.log_id}:{self.level}/{self.index}"


class Checkpoint(CommunityOwned):
    """Checkpoint — 检查点: a signed tree head (C2SP tlog-checkpoint as a signed note).

    ``note`` is exactly what is served and verified; the other columns repeat its content for
    queries. ``verifier_key`` is the note verifier key that signed it, so that checkpoints
    signed before a key rotation still verify.
    """

    log = models.ForeignKey(Log, on_delete=models.PROTECT, related_name="checkpoints")
    size = models.PositiveBigIntegerField(_("规模"))
    root_hash = models.BinaryField(max_length=32)
    note = models.TextField(_("签名文本"))
    key_name = models.CharField(max_length=200)
    verifier_key = models.CharField(_("验证公钥"), max_length=300)
    signed_at = models.DateTimeField(_("签发时间"), default=timezone.now)

    objects = CommunityScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("检查点")
        verbose_name_plural = _("检查点")
        ordering = ["log", "-size"]
        get_latest_by = "size"
        constraints = [
            models.UniqueConstraint(fields=["log", "size"], name="checkpoint_unique_size"),
        ]

    def __str__(self) -> str:
        return f"{self.log_id}@{self.size}"

    @property
    def root_b64(self) -> str:
        return b64(self.root_hash)


class LeafSalt(CommunityOwned):
    """LeafSalt — 承诺开启值: the salt and value that open one commitment in a leaf.

    Kept off the log and encrypted at rest. Erasing a person's data (PIPL art. 47) deletes
    these rows: the commitment in the leaf then can never be opened, and the log stays whole.
    """

    leaf = models.ForeignKey(LogLeaf, on_delete=models.PROTECT, related_name="openings")
    field = models.CharField(_("字段"), max_length=40)
    salt = models.BinaryField(max_length=32)
    value = EncryptedTextField(_("值（规范 JSON）"))
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("承诺开启值")
        verbose_name_plural = _("承诺开启值")
        constraints = [
            models.UniqueConstraint(fields=["leaf", "field"], name="leafsalt_unique_field"),
        ]

    def __str__(self) -> str:
        return f"{self.leaf_id}.{self.field}"


class WitnessKeyQuerySet(CommunityScopedQuerySet):
    def active(self):
        return self.filter(is_active=True)


class WitnessKey(CommunityOwned):
    """WitnessKey — 见证人公钥: a witness the community trusts to cosign its log's checkpoints.

    Usually the owners' committee's own computer running ``sunlit witness``. ``vkey`` is its
    C2SP tlog-cosignature verifier key (``name+keyid+base64(0x04 || key)``); ``key_name`` and
    ``key_id`` repeat it for matching signature lines. ``url``, if given, is the witness's
    tlog-witness submission prefix, where the log asks for cosignatures itself (push); without
    it the witness polls the log (pull). Revoking keeps the row (and its cosignatures) but the
    log stops serving its cosignatures.
    """

    log = models.ForeignKey(Log, on_delete=models.PROTECT, related_name="witnesses")
    name = models.CharField(_("名称"), max_length=60)
    key_name = models.CharField(_("密钥名"), max_length=200)
    key_id = models.PositiveBigIntegerField(_("密钥 ID"))
    public_key = models.BinaryField(max_length=32)
    vkey = models.CharField(_("见证人公钥"), max_length=300)
    url = models.URLField(_("见证服务地址"), max_length=300, blank=True)
    is_active = models.BooleanField(_("有效"), default=True)
    registered_by = models.ForeignKey("core.User", on_delete=models.SET_NULL, null=True, blank=True,
                                      related_name="+")
    registered_at = models.DateTimeField(_("登记时间"), default=timezone.now)
    revoked_by = models.ForeignKey("core.User", on_delete=models.SET_NULL, null=True, blank=True,
                                   related_name="+")
    revoked_at = models.DateTimeField(_("撤销时间"), null=True, blank=True)

    objects = WitnessKeyQuerySet.as_manager()

    class Meta:
        verbose_name = _("见证人公钥")
        verbose_name_plural = _("见证人公钥")
        ordering = ["log", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["log", "key_name", "key_id"],
                                    condition=models.Q(is_active=True),
                                    name="witnesskey_unique_active"),
            # cosignature/v1 does not sign the witness name: one key must not count twice
            models.UniqueConstraint(fields=["log", "public_key"], condition=models.Q(is_active=True),
                                    name="witnesskey_unique_active_public_key"),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.key_name})"


class Cosignature(CommunityOwned):
    """Cosignature — 见证联署: a witness's C2SP tlog-cosignature (v1, Ed25519) on a checkpoint.

    ``signature`` is the 72-byte ``timestamp || Ed25519 signature``; ``timestamp`` repeats the
    witness's time (POSIX seconds). Verified against the witness key and the stored checkpoint
    before it is stored; the first one per witness and checkpoint is kept.
    """

    checkpoint = models.ForeignKey(Checkpoint, on_delete=models.PROTECT, related_name="cosignatures")
    witness = models.ForeignKey(WitnessKey, on_delete=models.PROTECT, related_name="cosignatures",
                                db_index=False)
    timestamp = models.PositiveBigIntegerField(_("联署时间戳"))
    signature = models.BinaryField(max_length=72)
    received_at = models.DateTimeField(_("收到时间"), default=timezone.now)

    class Meta:
        verbose_name = _("见证联署")
        verbose_name_plural = _("见证联署")
        constraints = [
            models.UniqueConstraint(fields=["checkpoint", "witness"], name="cosignature_unique"),
        ]
        indexes = [models.Index(fields=["witness", "checkpoint"], name="cosignature_by_witness")]

    def __str__(self) -> str:
        return f"{self.checkpoint} ← {self.witness_id}"

    @property
    def line(self) -> str:
        """The note signature line ``— <key name> base64(key ID || timestamp || signature)``."""
        return cosignature.signature_line(self.witness.key_name, self.witness.key_id,
                                          bytes(self.signature))

    @property
    def time(self):
        return dt.datetime.fromtimestamp(self.timestamp, tz=dt.UTC)
