"""Every state change of the core app: people, memberships, accounts, tokens."""

from __future__ import annotations

import secrets
import uuid
from datetime import timedelta

from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import NON_FIELD_ERRORS, PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from sunlit.core import audit, crypto, masking
from sunlit.core.choices import STAFF_ROLES, PersonKind, Role
from sunlit.core.clock import minute
from sunlit.core.models import (
    ActivationCode,
    ApiToken,
    AuditEvent,
    Community,
    Membership,
    Organization,
    Person,
    User,
)
from sunlit.core.permissions import forget_roles, require
from sunlit.core.validators import normalize_text, validate_id_number, validate_mobile

ACTIVATION_VALID_DAYS = 30
MAX_TOKEN_DAYS = 3650
#: Owner-side roles the owners elect (docs/security.md): set up by the platform, not the company.
ELECTED_ROLES = frozenset({Role.COMMITTEE, Role.SUPERVISOR})
# Unambiguous characters for codes that people type from paper.
CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"


@transaction.atomic
def create_organization(*, name: str, short_name: str = "", phone: str = "") -> Organization:
    """Organization — 物业公司. Platform set-up, not a community action: no actor check."""
    return Organization.objects.create(name=name, short_name=short_name, phone=phone)


@transaction.atomic
def create_community(organization: Organization, *, name: str, code: str, **fields) -> Community:
    """Community — 小区. Platform set-up: no actor check. Opens the community's log with its
    first leaf, ``community.created``."""
    # core sits below transparency: imported here, not at module level
    from sunlit.transparency import services as log

    community = Community.objects.create(organization=organization, name=name, code=code,
                                         **fields)
    audit.record(AuditEvent.Action.CREATE, community, community=community,
                 summary=f"创建小区 {name}")
    log.record(community, "community.created", community, public={
        "name": community.name, "code": community.code, "organization": organization.name,
        "city": community.city or None, "district": community.district or None,
        "address": community.address or None,
    })
    return community


@transaction.atomic
@transaction.atomic
def grant_membership(
    user: User, community: Community, role: str, *, actor: User | None,
    department=None, job_number: str = "", post: str = "",
) -> Membership:
    """Gives a user a role in a community. ``actor=None`` is the platform itself (set-up).

    A staff role is public responsibility: who serves the community, in which department and
    post, under which job number goes on the log (``community.staff.appointed``) — the
    disclosure page shows it with that proof. Owners' and residents' memberships stay off it."""
    if actor is not None:
        require(actor, "staff.manage", community=community)
        if role in ELECTED_ROLES:
            # the committee and the supervision group are chosen by the owners, never appointed
            # by the company: a company-made "committee member" could confirm its own changes
            raise PermissionDenied(_("业委会委员和阳光监督小组成员由业主选举产生，物业公司不能任命"))
    membership, created = Membership.objects.get_or_create(
        user=user, community=community, role=role,
        defaults={"department": department, "job_number": job_number, "post": post},
    )
    if not created and not membership.is_active:
        membership.is_active = True
        membership.save(update_fields=["is_active"])
    forget_roles(user)
    audit.record(AuditEvent.Action.CREATE, membership, actor=actor, community=community,
                 summary=f"授予角色 {Role(role).label}")
    if role in STAFF_ROLES:
        from sunlit.transparency import services as log

        log.record(community, "community.staff.appointed", membership, public={
            "name": str(user), "role": str(role), "job_number": str(membership.job_number) or None,
            "department": str(membership.department.name) if membership.department else None,
            "post": str(membership.post) or None})
    return membership


def clean_person_fields(*, name: str, mobile: str = "", id_number: str = "") -> dict[str, str]:
    """Validates and normalises a person's fields; raises ValidationError per field."""
    errors: dict[str, list[str]] = {}
    cleaned = {"name": normalize_text(name)}
    if not cleaned["name"]:
        errors["name"] = [_("请填写姓名")]
    elif len(cleaned["name"]) > 100:
        errors["name"] = [_("姓名过长")]
    for field, value, validate in (
        ("mobile", mobile, validate_mobile),
        ("id_number", id_number, validate_id_number),
    ):
        if value and str(value).strip():
            try:
                cleaned[field] = validate(str(value))
            except ValidationError as exc:
                errors[field] = exc.messages
        else:
            cleaned[field] = ""
    if errors:
        raise ValidationError(errors)
    return cleaned


@transaction.atomic
def create_person(
    community: Community, *, actor: User | None, name: str, mobile: str = "",
    id_number: str = "", kind: str = PersonKind.NATURAL, note: str = "",
) -> Person:
    """Person — 人员档案: registers an owner, tenant or family member."""
    if actor is not None:
        require(actor, "roster.edit", community=community)
    fields = clean_person_fields(name=name, mobile=mobile, id_number=id_number)
    person = Person.objects.create(community=community, kind=kind, note=note, **fields)
    audit.record(AuditEvent.Action.CREATE, person, actor=actor, summary=person.masked_name)
    return person


@transaction.atomic
def update_person(person: Person, *, actor: User, name: str, mobile: str = "",
                  id_number: str = "", note: str = "") -> Person:
    """Edits a roster person. A person linked to an account stays linked to that account
    whatever the new mobile number (only the holder binds homes, ``bind_home``); the account's
    own login number is not changed either, and the holder is told that the roster changed."""
    require(actor, "roster.edit", person)
    fields = clean_person_fields(name=name, mobile=mobile, id_number=id_number)
    fields["note"] = normalize_text(note)[:200]
    changes = audit.diff(person, fields)
    # Personal values are never written into the audit trail, only that they changed.
    for key in ("mobile", "id_number"):
        if key in changes:
            changes[key] = ["***", "***"]
    for key, value in fields.items():
        setattr(person, key, value)
    person.save(update_fields=[*fields, "mobile_index", "mobile_tail", "id_index"])
    if changes:
        audit.record(AuditEvent.Action.UPDATE, person, actor=actor, changes=changes,
                     summary=person.masked_name)
    if "mobile" in changes and person.user_id is not None:
        _tell_account_holder(
            person.user, person.community, title=_("物业修改了您登记的手机号"),
            body=_("%(community)s 的住户档案中，您登记的手机号已由 %(actor)s 改为 %(mobile)s。"
                   "您的登录手机号和已绑定的房屋不变。如非您本人要求，请联系物业和业委会。")
            % {"community": person.community.name, "actor": str(actor),
               "mobile": masking.mask_mobile(person.mobile) or _("（空）")})
    return person


@transaction.atomic
def reveal_person(person: Person, *, actor: User, reason: str = "") -> dict[str, str]:
    """Full (unmasked) personal data of one person; the reading itself is audited."""
    require(actor, "person.reveal", person)
    audit.record(AuditEvent.Action.REVEAL, person, actor=actor,
                 summary=(reason or _("查看完整联系方式"))[:300])
    return {"name": person.name, "mobile": person.mobile, "id_number": person.id_number}


def _new_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(10))


@transaction.atomic
def issue_activation_codes(
    community: Community, persons, *, actor: User, valid_days: int = ACTIVATION_VALID_DAYS,
) -> str:
    """Issues one-time activation codes to owners who have no account yet; returns the batch.

    Earlier unused codes of the same people are revoked, so only the newest paper counts.
    """
    require(actor, "accounts.issue", community=community)
    now = timezone.now()
    batch = uuid.uuid4().hex
    persons = [p for p in persons if p.community_id == community.pk and p.user_id is None]
    ActivationCode.objects.filter(
        person__in=persons, used_at__isnull=True, revoked_at__isnull=True
    ).update(revoked_at=now)
    codes = []
    for person in persons:
        code = _new_code()
        codes.append(ActivationCode(
            community=community, person=person, batch=batch, code=code,
            code_index=crypto.blind_index(code, purpose="activation"), issued_by=actor,
            issued_at=now, expires_at=now + timedelta(days=valid_days),
        ))
    ActivationCode.objects.bulk_create(codes, batch_size=1000)
    audit.record(AuditEvent.Action.ISSUE, None, actor=actor, community=community,
                 object_type="core.activationcode", object_id=batch,
                 summary=f"发放激活码 {len(codes)} 个")
    return batch


class ActivationError(ValidationError):
    pass


ACCOUNT_EXISTS = "account_exists"


def normalize_code(code: str) -> str:
    """An activation code as printed (``ABCDE-FGHJK``) or typed (``abcde fghjk``) → ``ABCDEFGHJK``."""
    return normalize_text(code).upper().replace(" ", "").replace("-", "")[:40]


def _usable_code(code: str, now) -> ActivationCode | None:
    """The usable activation code typed (locked for this transaction), or None."""
    return (
        ActivationCode.objects.usable(now)
        .select_for_update()
        .select_related("person", "community")
        .filter(code_index=crypto.blind_index(normalize_code(code), purpose="activation"))
        .first()
    )


def _home_role(person: Person) -> str:
    return Role.OWNER if person.ownerships.exists() else Role.RESIDENT


def _link_person(record: ActivationCode, user: User, now) -> Membership:
    """Links the code's roster person to ``user``, gives the role of the home, uses up the code.

    The person is taken only if still unlinked (a conditional update), so two requests racing
    for one person link it once; nothing here ever moves a person from one account to another.
    """
    person = record.person
    if Person.objects.filter(pk=person.pk, user__isnull=True).update(user=user) != 1:
        raise ActivationError({"code": [_("激活码无效、已使用或已过期，或与手机号不符")]})
    person.user = user
    role = _home_role(person)
    membership, created = Membership.objects.get_or_create(
        user=user, community_id=person.community_id, role=role)
    if not created and not membership.is_active:
        membership.is_active = True
        membership.save(update_fields=["is_active"])
    if record.role in ELECTED_ROLES:
        _take_seat(record, user)
    forget_roles(user)
    ActivationCode.objects.filter(pk=record.pk).update(used_at=now, user=user)
    return membership


def _take_seat(record: ActivationCode, user: User) -> None:
    """An elected seat invited with the code (the filed committee: ``company.onboarding``) is
    taken by the owner himself, on activation: on the log by role, his name as a commitment."""
    from sunlit.transparency import services as log

    seat, created = Membership.objects.get_or_create(
        user=user, community_id=record.community_id, role=record.role)
    if not created and not seat.is_active:
        seat.is_active = True
        seat.save(update_fields=["is_active"])
    audit.record(AuditEvent.Action.CREATE, seat, actor=user, community=record.community,
                 summary=f"就任 {Role(record.role).label}")
    log.record(record.community, "community.seat.taken", seat,
               public={"role": str(record.role)}, private={"name": record.person.name})


def _tell_account_holder(user: User, community: Community, *, title: str, body: str) -> None:
    """An in-app notification to the holder of an account (and e-mail / SMS / WeChat as set up),
    so that whatever happens to his account he sees it (docs/security.md, rule a)."""
    # core sits below notices: imported here, not at module level
    from django.urls import reverse

    from sunlit.notices.choices import NotificationKind
    from sunlit.notices.services import notify

    notify(community=community, recipients=[user], title=title, body=body,
           url=reverse("web:owner_home"), kind=NotificationKind.SYSTEM)


@transaction.atomic
def activate_account(*, code: str, mobile: str, password: str) -> User:
    """开户: an owner opens his account with the code from the paper list and his mobile number.

    The mobile must match the one on the roster; the code works once. Activation only ever
    creates a new account, with the password typed: when an account with that mobile number
    exists already, it is refused (nothing is linked, nobody is logged in) and the owner binds
    the home from his own account instead (``bind_home``, which asks for his password).
    """
    try:
        mobile = validate_mobile(mobile)
    except ValidationError as exc:
        raise ActivationError({"mobile": exc.messages}) from None
    now = timezone.now()
    record = _usable_code(code, now)
    if record is None or record.person.mobile != mobile or record.person.user_id is not None:
        raise ActivationError({"code": [_("激活码无效、已使用或已过期，或与手机号不符")]})
    if User.objects.filter(mobile_index=crypto.blind_index(mobile, purpose="mobile")).exists():
        raise ActivationError({NON_FIELD_ERRORS: [ValidationError(
            _("该手机号已有账号，不能再开户。请用该手机号和您自己的密码登录，"
              "然后在“我的家 → 绑定新房屋”中输入此激活码。"), code=ACCOUNT_EXISTS)]})
    try:
        validate_password(password)
    except ValidationError as exc:
        raise ActivationError({"password": exc.messages}) from None
    person = record.person
    user = User(username=f"m{uuid.uuid4().hex[:12]}", display_name=person.name, mobile=mobile)
    user.set_password(password)
    try:
        with transaction.atomic():
            user.save()
    except IntegrityError:  # the same mobile opened an account a moment ago
        raise ActivationError({NON_FIELD_ERRORS: [ValidationError(
            _("该手机号已有账号，请直接登录。"), code=ACCOUNT_EXISTS)]}) from None
    _link_person(record, user, now)
    audit.record(AuditEvent.Action.ACTIVATE, person, actor=user,
                 summary=f"开户 {person.masked_name}")
    _tell_account_holder(
        user, record.community, title=_("您的阳光物业账号已开通"),
        body=_("%(community)s：手机号 %(mobile)s 于 %(at)s 用激活码开户。"
               "如非本人操作，请立即联系物业和业委会。")
        % {"community": record.community.name, "mobile": masking.mask_mobile(mobile),
           "at": minute(now)})
    return user


@transaction.atomic
def bind_home(user: User, *, code: str, password: str) -> Person:
    """绑定新房屋: a user who has an account adds a home — in another community or his own —
    with the activation code printed for it.

    Only the account holder can: he types his own password again, and the code's roster person
    must carry the account's mobile number. A staff member who changes a roster mobile and prints
    a code therefore cannot attach a home to someone else's account, nor take one over. The
    holder is notified (in-app and on the channels set up) and the binding is audited.
    """
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        raise PermissionDenied(_("请先登录"))
    if not password or not user.check_password(password):
        raise ActivationError({"password": [_("密码不正确")]})
    if not user.mobile:
        raise ActivationError({"code": [_("您的账号没有登记手机号，无法绑定房屋，请联系物业。")]})
    now = timezone.now()
    record = _usable_code(code, now)
    if record is not None and record.person.user_id == user.pk:
        raise ActivationError({"code": [_("该房屋已绑定在您的账号下")]})
    if record is None or record.person.mobile != user.mobile or record.person.user_id is not None:
        raise ActivationError({"code": [
            _("激活码无效、已使用或已过期，或物业登记的手机号与您的账号不符")]})
    if record.issued_by_id == user.pk:
        # four eyes: whoever edits the roster and prints a code does not also take the home
        raise ActivationError({"code": [_("不能使用本人发放的激活码，请由其他工作人员发放")]})
    person = record.person
    membership = _link_person(record, user, now)
    audit.record(AuditEvent.Action.ACTIVATE, person, actor=user,
                 summary=f"绑定房屋 {person.masked_name}")
    _tell_account_holder(
        user, record.community, title=_("您的账号已绑定新房屋"),
        body=_("%(community)s 的房屋（%(role)s）于 %(at)s 绑定到您的账号。"
               "如非本人操作，请立即修改密码并联系物业和业委会。")
        % {"community": record.community.name, "role": Role(membership.role).label,
           "at": minute(now)})
    return person


def token_valid_days(valid_days: int | None) -> int:
    """The lifetime of a new API token: the days asked for, else ``SUNLIT_API_TOKEN_DAYS``."""
    days = settings.SUNLIT_API_TOKEN_DAYS if valid_days is None else valid_days
    if not isinstance(days, int) or isinstance(days, bool) or not 1 <= days <= MAX_TOKEN_DAYS:
        raise ValidationError({"valid_days": [
            _("有效天数应为 1 至 %(max)s 天") % {"max": MAX_TOKEN_DAYS}]})
    return days


@transaction.atomic
def create_api_token(user: User, *, name: str, valid_days: int | None = None) -> str:
    """Creates an API token for ``user`` and returns its secret (shown once).

    Every token expires: after ``valid_days``, by default ``SUNLIT_API_TOKEN_DAYS`` (90).
    """
    name = normalize_text(name)
    if not name or len(name) > 60:
        raise ValidationError({"name": [_("请填写令牌名称（不超过 60 个字）")]})
    days = token_valid_days(valid_days)
    prefix = secrets.token_hex(4)
    secret = f"sl_{prefix}_{secrets.token_urlsafe(32)}"
    token = ApiToken.objects.create(user=user, name=name, prefix=prefix,
                                    digest=ApiToken.digest_of(secret),
                                    expires_at=timezone.now() + timedelta(days=days))
    audit.record(AuditEvent.Action.CREATE, token, actor=user, summary=f"创建令牌 {name}")
    return secret


def authenticate_token(secret: str) -> User | None:
    """The user behind an API token, or None. Updates ``last_used_at`` at most once a minute."""
    parts = (secret or "").split("_")
    if len(parts) < 3 or parts[0] != "sl":
        return None
    token = ApiToken.objects.select_related("user").filter(prefix=parts[1]).first()
    now = timezone.now()
    if token is None or not token.is_usable(now) or not token.user.is_active:
        return None
    if not secrets.compare_digest(token.digest, ApiToken.digest_of(secret)):
        return None
    if token.last_used_at is None or now - token.last_used_at > timedelta(minutes=1):
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token.user


@transaction.atomic
def rotate_field_keys(*, progress=None) -> int:
    """Re-encrypts every personal field with the current (first) key; returns rows rewritten.

    Rows are read (decrypting with whichever key sealed them) and written back in chunks;
    bulk_update encrypts with the first key of ``SUNLIT_FIELD_KEYS``.
    """
    from django.apps import apps

    from sunlit.core.fields import EncryptedTextField

    rewritten = 0
    for model in apps.get_models():
        names = [f.name for f in model._meta.concrete_fields
                 if isinstance(f, EncryptedTextField)]
        if not names:
            continue
        chunk = []
        for row in model._base_manager.order_by("pk").iterator(chunk_size=2000):
            chunk.append(row)
            if len(chunk) == 2000:
                model._base_manager.bulk_update(chunk, names)
                rewritten += len(chunk)
                if progress:
                    progress(len(chunk))
                chunk = []
        if chunk:
            model._base_manager.bulk_update(chunk, names)
            rewritten += len(chunk)
            if progress:
                progress(len(chunk))
    audit.record(AuditEvent.Action.UPDATE, None, object_type="core.fieldkey",
                 object_id=crypto.current_key_id(), summary=f"个人信息重新加密 {rewritten} 行")
    return rewritten


@transaction.atomic
def revoke_api_token(token: ApiToken, *, actor: User) -> ApiToken:
    """Revokes an API token at once; it stays listed (with ``revoked_at``) for the record."""
    if token.user_id != actor.pk:
        raise PermissionDenied(_("只能吊销自己的令牌"))
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
        audit.record(AuditEvent.Action.DELETE, token, actor=actor, summary=f"吊销令牌 {token.name}")
    return token
