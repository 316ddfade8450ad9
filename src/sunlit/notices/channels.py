"""Channels — how a notification reaches a user outside the inbox: e-mail, SMS, WeChat.

Every channel offers the same two questions: ``applies_to(user, preference)`` — does this user
get this channel at all (a row in ``Delivery`` is written only then) — and
``send(notification, user) -> Result``. ``send`` never raises: a refusal or an outage comes
back as ``Result(status=FAILED, error=...)`` and the delivery task retries it later.

- The inbox is not a channel: every recipient always has the notification there.
- E-mail is real (Django's configured e-mail backend). A user without an address gets a
  ``skipped`` row that says so.
- SMS and WeChat go through a provider chosen by settings (see ``providers``); they apply only
  when their backend is not ``off`` and the user has a mobile number / a bound WeChat openid.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from sunlit.core import masking
from sunlit.notices import providers
from sunlit.notices.choices import DeliveryChannel, DeliveryStatus
from sunlit.notices.providers import Message, ProviderError

logger = logging.getLogger("sunlit.notices")


@dataclass
class Result:
    """What one attempt on one channel came to (becomes the ``Delivery`` row)."""

    status: str
    address: str = ""
    provider: str = ""
    payload: dict = field(default_factory=dict)
    error: str = ""


def compose(notification) -> Message:
    base = str(getattr(settings, "SUNLIT_BASE_URL", "") or "").rstrip("/")
    link = f"{base}{notification.url}" if base and notification.url else notification.url
    return Message(community=notification.community.name, title=notification.title,
                   body=notification.body, link=link, time=notification.created_at,
                   kind=notification.kind)


class Channel:
    """The interface of every channel."""

    name: str = ""

    def applies_to(self, user, preference, *, mandatory: bool = False) -> bool:
        """Whether to try this channel for ``user``; ``mandatory`` ignores his preference."""
        raise NotImplementedError

    def send(self, notification, user, *, preference=None) -> Result:
        raise NotImplementedError


class EmailChannel(Channel):
    """E-mail through Django's e-mail backend, Chinese subject and text."""

    name = DeliveryChannel.EMAIL

    def __init__(self, connection=None) -> None:
        self.connection = connection  # one SMTP connection for a whole batch

    def applies_to(self, user, preference, *, mandatory: bool = False) -> bool:
        return mandatory or preference is None or preference.email

    def send(self, notification, user, *, preference=None) -> Result:
        address = (user.email or "").strip()
        if not address:
            return Result(DeliveryStatus.SKIPPED, provider="email", error=_("用户未登记电子邮箱"))
        message = compose(notification)
        with translation.override(settings.LANGUAGE_CODE):
            context = {"user": user, "message": message, "notification": notification}
            subject = " ".join(render_to_string("notices/email/subject.txt", context).split())
            text = render_to_string("notices/email/notification.txt", context)
        email = EmailMultiAlternatives(subject[:200], text, settings.DEFAULT_FROM_EMAIL, [address],
                                       connection=self.connection)
        masked = _mask_email(address)
        try:
            email.send(fail_silently=False)
        except Exception as exc:  # SMTP errors, refused connections, timeouts …
            logger.warning("e-mail for notification %s failed: %s", notification.pk, exc)
            return Result(DeliveryStatus.FAILED, address=masked, provider="email",
                          error=f"{type(exc).__name__}: {exc}"[:500])
        return Result(DeliveryStatus.SENT, address=masked, provider="email",
                      payload={"subject": email.subject})


class ProviderChannel(Channel):
    """A channel whose sending is done by a pluggable provider (SMS, WeChat)."""

    backend_setting = ""
    options_setting = ""
    known: dict = {}

    def __init__(self, provider=None) -> None:
        self.provider = provider if provider is not None else providers.load_provider(
            getattr(settings, self.backend_setting, "off"), self.known,
            dict(getattr(settings, self.options_setting, {}) or {}))

    @property
    def enabled(self) -> bool:
        return self.provider is not None

    def address_of(self, user, preference) -> str:
        raise NotImplementedError

    def masked(self, address: str) -> str:
        raise NotImplementedError

    def applies_to(self, user, preference, *, mandatory: bool = False) -> bool:
        if not self.enabled:
            return False
        if not mandatory and preference is not None and not preference.wants(self.name):
            return False
        return bool(self.address_of(user, preference))

    def send(self, notification, user, *, preference=None) -> Result:
        provider_name = getattr(self.provider, "name", type(self.provider).__name__)[:40]
        address = self.address_of(user, preference)
        if not address:
            return Result(DeliveryStatus.SKIPPED, provider=provider_name, error=_(self.no_address))
        with translation.override(settings.LANGUAGE_CODE):
            message = compose(notification)
        try:
            payload = self.provider.send(address, message)
        except ProviderError as exc:
            return Result(DeliveryStatus.FAILED, address=self.masked(address), provider=provider_name,
                          error=str(exc)[:500])
        except Exception as exc:
            logger.exception("%s provider failed for notification %s", self.name, notification.pk)
            return Result(DeliveryStatus.FAILED, address=self.masked(address), provider=provider_name,
                          error=f"{type(exc).__name__}: {exc}"[:500])
        return Result(DeliveryStatus.SENT, address=self.masked(address), provider=provider_name,
                      payload=payload or {})

    no_address = ""


class SmsChannel(ProviderChannel):
    name = DeliveryChannel.SMS
    backend_setting = "SUNLIT_SMS_BACKEND"
    options_setting = "SUNLIT_SMS_OPTIONS"
    known = providers.SMS_PROVIDERS
    no_address = gettext_noop("用户未登记手机号")

    def address_of(self, user, preference) -> str:
        return (user.mobile or "").strip()

    def masked(self, address: str) -> str:
        return masking.mask_mobile(address)


class WeChatChannel(ProviderChannel):
    name = DeliveryChannel.WECHAT
    backend_setting = "SUNLIT_WECHAT_BACKEND"
    options_setting = "SUNLIT_WECHAT_OPTIONS"
    known = providers.WECHAT_PROVIDERS
    no_address = gettext_noop("用户未绑定微信")

    def address_of(self, user, preference) -> str:
        return (getattr(preference, "wechat_openid", "") or "").strip()

    def masked(self, address: str) -> str:
        return providers.mask_openid(address)


def _mask_email(address: str) -> str:
    local, _at, domain = address.partition("@")
    return f"{local[:1]}***@{domain}" if domain else "***"


def active_channels() -> list[Channel]:
    """The channels in use with the current settings, e-mail first."""
    channels: list[Channel] = [EmailChannel()]
    for cls in (SmsChannel, WeChatChannel):
        channel = cls()
        if channel.enabled:
            channels.append(channel)
    return channels
