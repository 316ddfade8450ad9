"""Password reset by SMS code — 短信验证码重置密码: people log in with their mobile number, so
that is where a forgotten password is reset (e-mail remains for those who gave one).

``request_mobile_reset`` sends a six-digit code to the account's own mobile number. It answers
the same whether or not the number has an account (nobody learns who is registered), and it is
throttled per number and per address. ``reset_with_code`` checks the code (keyed hash, expiry,
tries, single use), sets the new password through Django's validators, retires the account's
other codes, writes the audit trail and tells the account holder. Setting a password ends the
account's other sessions (Django's session hash changes with the password).
"""

from __future__ import annotations

import datetime as dt
import hmac
import logging
import secrets

from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from sunlit.core import audit, crypto, throttle
from sunlit.core.models import AuditEvent, PasswordResetCode, User
from sunlit.core.validators import MOBILE_RE, normalize_mobile

logger = logging.getLogger("sunlit.auth")


class SmsUnavailable(Exception):
    """No SMS backend is configured (``SUNLIT_SMS_BACKEND=off``)."""


def _hash(code: str) -> str:
    return crypto.blind_index(code, purpose="reset-code")


def _sms_provider():
    from sunlit.notices import providers

    return providers.load_provider(settings.SUNLIT_SMS_BACKEND, providers.SMS_PROVIDERS,
                                   dict(settings.SUNLIT_SMS_OPTIONS or {}))


def _account(number: str) -> User | None:
    """The active account whose mobile is ``number`` (a normalised mobile number), if any."""
    if not MOBILE_RE.match(number):
        return None
    return User.objects.filter(mobile_index=crypto.blind_index(number, purpose="mobile"),
                               is_active=True).first()


def sms_available() -> bool:
    return settings.SUNLIT_SMS_BACKEND not in ("", "off")


def request_mobile_reset(mobile: str, *, address: str = "", now: dt.datetime | None = None) -> None:
    """Sends a reset code to ``mobile`` if an active account has it. Raises ``ValidationError``
    for a number that is not a mobile number or that asked too often, ``SmsUnavailable`` when
    no SMS backend is configured; otherwise says nothing about whether the account exists."""
    if not sms_available():
        raise SmsUnavailable
    number = normalize_mobile(mobile)
    if not MOBILE_RE.match(number):
        raise ValidationError({"mobile": [_("请填写 11 位手机号")]})
    keys = [("reset.mobile", number), ("reset.address", address)]
    if throttle.blocked(keys):
        raise ValidationError({"mobile": [_("验证码发送过于频繁，请一小时后再试")]})
    throttle.failed(keys)  # every request counts, found or not
    user = _account(number)
    if user is None:
        return
    now = now or timezone.now()
    code = f"{secrets.randbelow(10**6):06d}"
    with transaction.atomic():
        PasswordResetCode.objects.filter(user=user, used_at__isnull=True).update(used_at=now)
        PasswordResetCode.objects.create(
            user=user, code_hash=_hash(code), created_at=now,
            expires_at=now + dt.timedelta(minutes=settings.SUNLIT_RESET_CODE_MINUTES))
    _send(number, code)


def _send(number: str, code: str) -> None:
    from sunlit.notices.providers import Message, ProviderError

    message = Message(community=_("阳光物业"), kind="code", code=code, time=timezone.now(), link="",
                      title=_("验证码 %(code)s") % {"code": code},
                      body=_("您正在重置阳光物业账户的密码，验证码 %(code)s，%(n)s 分钟内有效。"
                             "如非本人操作，请忽略。") % {"code": code,
                                                      "n": settings.SUNLIT_RESET_CODE_MINUTES})
    try:
        _sms_provider().send(number, message)
    except ProviderError:
        logger.warning("password reset code not sent", exc_info=True)
        raise ValidationError({"mobile": [_("短信发送失败，请稍后再试")]}) from None


def reset_with_code(mobile: str, code: str, password: str, *,
                    now: dt.datetime | None = None) -> User:
    """Sets a new password for the account of ``mobile`` when ``code`` is its current code."""
    now = now or timezone.now()
    number = normalize_mobile(mobile)
    refused = ValidationError({"code": [_("验证码不正确或已失效，请重新获取")]})
    user = _account(number)
    if user is None:
        raise refused
    with transaction.atomic():
        record = (PasswordResetCode.objects.select_for_update()
                  .filter(user=user, used_at__isnull=True, expires_at__gt=now)
                  .order_by("-created_at").first())
        if record is None or record.attempts >= settings.SUNLIT_RESET_CODE_ATTEMPTS:
            raise refused
        matches = hmac.compare_digest(record.code_hash, _hash((code or "").strip()))
        if not matches:
            record.attempts += 1
            record.save(update_fields=["attempts"])
    if not matches:  # raised after the block, so the counted try stays counted
        raise refused
    try:
        validate_password(password, user)
    except ValidationError as exc:
        raise ValidationError({"password": exc.messages}) from None
    with transaction.atomic():
        user.set_password(password)
        user.save(update_fields=["password"])
        PasswordResetCode.objects.filter(user=user, used_at__isnull=True).update(used_at=now)
        audit.record(AuditEvent.Action.UPDATE, user, actor=user, summary="短信验证码重置密码")
    _tell(user)
    return user


def _tell(user: User) -> None:
    """The account holder hears of it on every channel (a reset he did not ask for is an alarm)."""
    from sunlit.core.models import Membership
    from sunlit.notices.choices import NotificationKind
    from sunlit.notices.services import notify

    for membership in Membership.objects.filter(user=user).select_related("community")[:1]:
        notify(community=membership.community, recipients=[user.pk],
               title=_("您的密码已通过短信验证码重置"),
               body=_("如果不是您本人操作，请立即联系物业服务中心。"),
               kind=NotificationKind.SYSTEM, mandatory=True)
