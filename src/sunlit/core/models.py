"""Tenancy, people, roles and the audit trail."""

from __future__ import annotations

import hashlib

from django.contrib.auth.models import AbstractUser, UserManager
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from sunlit.core import crypto, masking
from sunlit.core.choices import OWNER_SIDE_ROLES, STAFF_ROLES, DepartmentKind, PersonKind, Role
from sunlit.core.fields import EncryptedTextField
from sunlit.core.tenancy import CommunityScopedQuerySet


class Organization(models.Model):
    """Organization — 物业公司: the property company that runs one or more communities."""

    name = models.CharField(_("名称"), max_length=100, unique=True)
    short_name = models.CharField(_("简称"), max_length=30, blank=True)
    credit_code = models.CharField(_("统一社会信用代码"), max_length=18, blank=True)
    phone = models.CharField(_("服务电话"), max_length=30, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("物业公司")
        verbose_name_plural = _("物业公司")

    def __str__(self) -> str:
        return self.name


class Community(models.Model):
    """Community — 小区: the unit of tenancy. Every community-owned row points here."""

    organization = models.ForeignKey(
        Organization, on_delete=models.PROTECT, related_name="communities"
    )
    name = models.CharField(_("小区名称"), max_length=100)
    code = models.SlugField(_("编码"), max_length=40, unique=True)
    city = models.CharField(_("城市"), max_length=30, blank=True)
    district = models.CharField(_("区县"), max_length=30, blank=True)
    address = models.CharField(_("地址"), max_length=200, blank=True)
    built_year = models.PositiveSmallIntegerField(_("建成年份"), null=True, blank=True)
    service_phone = models.CharField(_("物业服务电话"), max_length=30, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    objects = CommunityScopedQuerySet.as_manager()
    community_lookup = "id"

    class Meta:
        verbose_name = _("小区")
        verbose_name_plural = _("小区")
        ordering = ["id"]

    def __str__(self) -> str:
        return self.name


class CommunityOwned(models.Model):
    """Base of every row that belongs to one community (DESIGN.md rule 3)."""

    community = models.ForeignKey(Community, on_delete=models.PROTECT, related_name="+")

    objects = CommunityScopedQuerySet.as_manager()

    class Meta:
        abstract = True


class Department(CommunityOwned):
    """Department — 部门: 客服, 工程, 保洁, 秩序 ... of one community's service team."""

    kind = models.CharField(_("类型"), max_length=20, choices=DepartmentKind.choices)
    name = models.CharField(_("名称"), max_length=50)
    phone = models.CharField(_("电话"), max_length=30, blank=True)

    class Meta:
        verbose_name = _("部门")
        verbose_name_plural = _("部门")
        constraints = [
            models.UniqueConstraint(fields=["community", "name"], name="department_unique_name")
        ]

    def __str__(self) -> str:
        return self.name


class User(AbstractUser):
    """A login. Owners log in with their mobile number, staff with a username or mobile."""

    display_name = models.CharField(_("姓名"), max_length=50, blank=True)
    mobile = EncryptedTextField(_("手机号"), blank=True, default="")
    mobile_index = models.CharField(max_length=64, null=True, blank=True, unique=True)

    objects = UserManager()

    class Meta:
        verbose_name = _("用户")
        verbose_name_plural = _("用户")

    def __str__(self) -> str:
        return self.display_name or self.username

    def save(self, *args, **kwargs):
        self.refresh_indexes()
        super().save(*args, **kwargs)

    def refresh_indexes(self) -> None:
        self.mobile_index = crypto.blind_index(self.mobile, purpose="mobile") if self.mobile else None

    @property
    def masked_name(self) -> str:
        return masking.mask_name(self.display_name or self.username)


class Person(CommunityOwned):
    """Person — 人员档案: an owner, co-owner, tenant or family member of one community.

    The mobile and ID numbers are encrypted at rest; ``*_index`` columns are keyed hashes
    that allow exact lookups (login by mobile, import matching) without decrypting.
    """

    kind = models.CharField(
        _("类型"), max_length=20, choices=PersonKind.choices, default=PersonKind.NATURAL
    )
    name = models.CharField(_("姓名"), max_length=100)
    mobile = EncryptedTextField(_("手机号"), blank=True, default="")
    mobile_index = models.CharField(max_length=64, blank=True, default="", db_index=True)
    # the last four digits, which the masked form (138****1234) shows anyway: a caller says them
    mobile_tail = models.CharField(max_length=4, blank=True, default="")
    id_number = EncryptedTextField(_("证件号"), blank=True, default="")
    id_index = models.CharField(max_length=64, blank=True, default="", db_index=True)
    user = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="persons"
    )
    note = models.CharField(_("备注"), max_length=200, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("人员")
        verbose_name_plural = _("人员")
        indexes = [models.Index(fields=["community", "name"]),
                   models.Index(fields=["community", "mobile_tail"], name="core_person_mobile_tail")]

    def __str__(self) -> str:
        return self.masked_name

    def save(self, *args, **kwargs):
        self.refresh_indexes()
        super().save(*args, **kwargs)

    def refresh_indexes(self) -> None:
        """Recomputes the blind indexes; call before bulk_create (save() does it itself)."""
        self.mobile_index = crypto.blind_index(self.mobile, purpose="mobile") if self.mobile else ""
        self.mobile_tail = self.mobile[-4:] if self.mobile else ""
        self.id_index = crypto.blind_index(self.id_number, purpose="id") if self.id_number else ""

    @property
    def masked_name(self) -> str:
        return masking.mask_name(self.name)

    @property
    def masked_mobile(self) -> str:
        return masking.mask_mobile(self.mobile)

    @property
    def masked_id_number(self) -> str:
        return masking.mask_id_number(self.id_number)


class MembershipQuerySet(CommunityScopedQuerySet):
    def active(self):
        return self.filter(is_active=True)

    def staff(self):
        return self.filter(role__in=STAFF_ROLES)


class Membership(CommunityOwned):
    """Membership — 成员资格: a user's role in one community. One user may hold several."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(_("角色"), max_length=20, choices=Role.choices)
    department = models.ForeignKey(
        Department, on_delete=models.SET_NULL, null=True, blank=True, related_name="members"
    )
    job_number = models.CharField(_("工号"), max_length=20, blank=True)
    post = models.CharField(_("岗位"), max_length=50, blank=True)
    is_active = models.BooleanField(_("有效"), default=True)
    created_at = models.DateTimeField(default=timezone.now)

    objects = MembershipQuerySet.as_manager()

    class Meta:
        verbose_name = _("成员资格")
        verbose_name_plural = _("成员资格")
        constraints = [
            models.UniqueConstraint(
                fields=["user", "community", "role"], name="membership_unique_role"
            )
        ]

    def __str__(self) -> str:
        return f"{self.user} · {self.community_id} · {self.get_role_display()}"

    @property
    def is_staff_role(self) -> bool:
        return self.role in STAFF_ROLES

    @property
    def is_owner_side(self) -> bool:
        return self.role in OWNER_SIDE_ROLES


class AuditEvent(models.Model):
    """AuditEvent — 审计记录: who did or saw what, when, from where. Append-only."""

    class Action(models.TextChoices):
        CREATE = "create", _("新增")
        UPDATE = "update", _("修改")
        DELETE = "delete", _("删除")
        REVEAL = "reveal", _("查看完整个人信息")
        IMPORT = "import", _("导入")
        EXPORT = "export", _("导出")
        LOGIN = "login", _("登录")
        ISSUE = "issue", _("发放")
        ACTIVATE = "activate", _("激活")

    community = models.ForeignKey(
        Community, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    actor = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    action = models.CharField(max_length=20, choices=Action.choices)
    object_type = models.CharField(max_length=60)
    object_id = models.CharField(max_length=40, blank=True)
    summary = models.CharField(max_length=300, blank=True)
    changes = models.JSONField(default=dict, blank=True)
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    user_agent = models.CharField(max_length=300, blank=True)
    at = models.DateTimeField(default=timezone.now, db_index=True)

    objects = CommunityScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("审计记录")
        verbose_name_plural = _("审计记录")
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["community", "-at"])]

    def __str__(self) -> str:
        return f"{self.get_action_display()} {self.object_type}#{self.object_id}"


class ApiToken(models.Model):
    """ApiToken — 接口令牌: for integrations (gates, sensors, payment callbacks, scripts).

    Only a SHA-256 of the secret is stored; the secret is shown once when created.
    """

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(_("名称"), max_length=60)
    prefix = models.CharField(max_length=12, unique=True)
    digest = models.CharField(max_length=64)
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField(null=True, blank=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("接口令牌")
        verbose_name_plural = _("接口令牌")

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix})"

    @staticmethod
    def digest_of(secret: str) -> str:
        return hashlib.sha256(secret.encode("utf-8")).hexdigest()

    class State(models.TextChoices):
        ACTIVE = "active", _("有效")
        EXPIRED = "expired", _("已过期")
        REVOKED = "revoked", _("已吊销")

    def is_usable(self, now) -> bool:
        return self.revoked_at is None and (self.expires_at is None or self.expires_at > now)

    def state(self, now) -> ApiToken.State:
        if self.revoked_at is not None:
            return self.State.REVOKED
        if self.expires_at is not None and self.expires_at <= now:
            return self.State.EXPIRED
        return self.State.ACTIVE


class ActivationCodeQuerySet(CommunityScopedQuerySet):
    def usable(self, now):
        return self.filter(used_at__isnull=True, revoked_at__isnull=True, expires_at__gt=now)


class ActivationCode(CommunityOwned):
    """ActivationCode — 激活码: one-time code with which an owner on the roster opens an account.

    The code itself is kept encrypted so that staff can reprint a batch; a keyed hash
    finds it on activation.
    """

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="activation_codes")
    batch = models.CharField(max_length=32, db_index=True)
    code = EncryptedTextField()
    code_index = models.CharField(max_length=64, unique=True)
    issued_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    issued_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    user = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, blank=True,
                             related_name="+")
    # an elected seat the code also gives on activation ("committee": the filed committee's
    # invitation, company.onboarding); blank for an ordinary owner's or resident's code
    role = models.CharField(_("另授角色"), max_length=20, blank=True, default="")

    objects = ActivationCodeQuerySet.as_manager()

    class Meta:
        verbose_name = _("激活码")
        verbose_name_plural = _("激活码")

    def __str__(self) -> str:
        return f"{self.batch[:8]} · {self.person_id}"


class WorkerHeartbeat(models.Model):
    """The last time the background worker ran its periodic heartbeat (shown to staff)."""

    name = models.CharField(max_length=40, unique=True)
    beat_at = models.DateTimeField()
    runs = models.PositiveBigIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.name} @ {self.beat_at:%Y-%m-%d %H:%M}"


class IdempotencyKey(models.Model):
    """IdempotencyKey — 幂等键: the stored answer to one creating API request.

    A client that sends ``Idempotency-Key`` may retry the same request safely: the retry gets
    the first answer again instead of creating a second object (DESIGN.md rule 5). Rows are
    written in the same transaction as the object they describe, and purged after a day.
    """

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=255)
    method = models.CharField(max_length=10)
    path = models.CharField(max_length=500)
    request_hash = models.CharField(max_length=64)
    status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    response_body = models.JSONField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        verbose_name = _("幂等键")
        verbose_name_plural = _("幂等键")
        constraints = [
            models.UniqueConstraint(fields=["user", "key"], name="idempotency_unique_key")
        ]

    def __str__(self) -> str:
        return f"{self.method} {self.path} · {self.key[:16]}"


class Upload(CommunityOwned):
    """Upload — 上传文件: one stored file (a ticket photo, a receipt, a scanned ballot).

    Only ``core.uploads`` creates rows: it checks the content (not the name), strips metadata
    (EXIF, GPS) from images, makes a thumbnail and writes the bytes through the configured
    storage backend (``core.storage``); ``storage_key`` and ``thumbnail_key`` name them there.
    ``sha256`` is of the stored bytes, so a log entry can commit to the very file kept.
    """

    class Kind(models.TextChoices):
        IMAGE = "image", _("图片")
        PDF = "pdf", _("PDF 文件")

    kind = models.CharField(_("类型"), max_length=10, choices=Kind.choices, default=Kind.IMAGE)
    uploaded_by = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, blank=True,
                                    related_name="+")
    storage_key = models.CharField(max_length=200, unique=True)
    thumbnail_key = models.CharField(max_length=200, blank=True)
    content_type = models.CharField(max_length=50)
    size = models.PositiveIntegerField(_("大小(字节)"))
    width = models.PositiveIntegerField(null=True, blank=True)
    height = models.PositiveIntegerField(null=True, blank=True)
    sha256 = models.CharField(max_length=64, db_index=True)
    original_name = models.CharField(_("原文件名"), max_length=200, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("上传文件")
        verbose_name_plural = _("上传文件")
        ordering = ["id"]

    def __str__(self) -> str:
        return self.original_name or self.storage_key


class PasswordResetCode(models.Model):
    """PasswordResetCode — 短信验证码: a six-digit code sent by SMS to reset a password.

    Only the code's keyed hash is kept. A code is good for ``SUNLIT_RESET_CODE_MINUTES``, for
    at most ``SUNLIT_RESET_CODE_ATTEMPTS`` tries, and once; asking for a new one retires the
    older ones (``core.services.request_mobile_reset``)."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="+")
    code_hash = models.CharField(max_length=64)
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    attempts = models.PositiveSmallIntegerField(default=0)
    used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("短信验证码")
        verbose_name_plural = _("短信验证码")
        indexes = [models.Index(fields=["user", "created_at"], name="core_reset_code_user")]

    def __str__(self) -> str:
        return f"{self.user_id} {self.created_at:%Y-%m-%d %H:%M}"
