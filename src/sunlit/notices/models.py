"""Notifications — 站内通知 — and what went out over e-mail, SMS and WeChat for each.

Announcements (公告) will join this app later; a notification then points at one with
``kind=announcement`` and its object reference.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from sunlit.core.models import CommunityOwned
from sunlit.core.tenancy import CommunityScopedQuerySet
from sunlit.notices.choices import AnnouncementKind, DeliveryChannel, DeliveryStatus, NotificationKind


class NotificationQuerySet(CommunityScopedQuerySet):
    def unread(self):
        return self.filter(read_at__isnull=True)

    def inbox_of(self, user):
        """The user's own notifications, in the communities where he still holds a role."""
        return self.visible_to(user).filter(recipient=user)


class Notification(CommunityOwned):
    """Notification — 站内通知: one message to one user about one thing (a ticket step, a bill …).

    Written in the same transaction as the change it reports; ``url`` is a relative link to the
    page of the object, which the inbox opens (marking the notification read).
    """

    recipient = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                                  related_name="notifications")
    kind = models.CharField(_("类型"), max_length=20, choices=NotificationKind.choices,
                            default=NotificationKind.SYSTEM)
    title = models.CharField(_("标题"), max_length=200)
    body = models.TextField(_("内容"), blank=True)
    url = models.CharField(_("链接"), max_length=300, blank=True)
    object_type = models.CharField(max_length=60, blank=True)
    object_id = models.CharField(max_length=40, blank=True)
    created_at = models.DateTimeField(_("时间"), default=timezone.now)
    read_at = models.DateTimeField(_("已读时间"), null=True, blank=True)

    objects = NotificationQuerySet.as_manager()

    class Meta:
        verbose_name = _("通知")
        verbose_name_plural = _("通知")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["recipient", "read_at"], name="notice_recipient_read"),
            models.Index(fields=["recipient", "-created_at"], name="notice_recipient_recent"),
            models.Index(fields=["object_type", "object_id"], name="notice_object"),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def is_read(self) -> bool:
        return self.read_at is not None


class Delivery(CommunityOwned):
    """Delivery — 通知发送记录: one channel's attempt(s) to pass one notification on.

    One row per channel tried, so staff can see what went out, to which (masked) address,
    through which provider, and why something was not sent.
    """

    notification = models.ForeignKey(Notification, on_delete=models.CASCADE,
                                     related_name="deliveries")
    channel = models.CharField(_("渠道"), max_length=10, choices=DeliveryChannel.choices)
    status = models.CharField(_("状态"), max_length=10, choices=DeliveryStatus.choices,
                              default=DeliveryStatus.PENDING)
    attempts = models.PositiveSmallIntegerField(_("尝试次数"), default=0)
    provider = models.CharField(_("服务商"), max_length=40, blank=True)
    address = models.CharField(_("地址（脱敏）"), max_length=100, blank=True)
    payload = models.JSONField(_("发送内容"), default=dict, blank=True)
    error = models.CharField(_("原因"), max_length=500, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)
    sent_at = models.DateTimeField(_("发送时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("通知发送记录")
        verbose_name_plural = _("通知发送记录")
        ordering = ["notification", "channel"]
        constraints = [
            models.UniqueConstraint(fields=["notification", "channel"], name="delivery_unique_channel"),
        ]
        indexes = [models.Index(fields=["community", "status"], name="delivery_community_status")]

    def __str__(self) -> str:
        return f"{self.notification_id} · {self.channel} · {self.status}"


class NotificationPreference(models.Model):
    """NotificationPreference — 通知设置: which channels besides the inbox a user wants.

    A user without a row gets every channel he has an address for. ``wechat_openid`` is his
    openid at the community's WeChat official account (公众号), set when he binds it.
    """

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                                related_name="notification_preference")
    email = models.BooleanField(_("电子邮件"), default=True)
    sms = models.BooleanField(_("短信"), default=True)
    wechat = models.BooleanField(_("微信"), default=True)
    wechat_openid = models.CharField(_("微信 openid"), max_length=64, blank=True)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("通知设置")
        verbose_name_plural = _("通知设置")

    def __str__(self) -> str:
        return f"{self.user}"

    def wants(self, channel: str) -> bool:
        return bool(getattr(self, channel, False))


class AnnouncementQuerySet(CommunityScopedQuerySet):
    def published(self):
        return self.filter(published_at__isnull=False)


class Announcement(CommunityOwned):
    """Announcement — 公告: a notice to the whole community, published once and never edited
    (a correction is a new announcement). Its title, kind and the SHA-256 of its text are on
    the transparency log; every member is notified."""

    kind = models.CharField(_("类型"), max_length=10, choices=AnnouncementKind.choices,
                            default=AnnouncementKind.NOTICE)
    title = models.CharField(_("标题"), max_length=100)
    body = models.TextField(_("正文"), max_length=5000)
    body_sha256 = models.CharField(max_length=64)
    published_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL,
                                     null=True, related_name="+")
    published_at = models.DateTimeField(_("发布时间"), null=True, blank=True)
    corrects = models.ForeignKey("self", on_delete=models.PROTECT, null=True, blank=True,
                                 related_name="corrections", verbose_name=_("更正"))

    objects = AnnouncementQuerySet.as_manager()

    class Meta:
        verbose_name = _("公告")
        verbose_name_plural = _("公告")
        ordering = ["-published_at", "-id"]
        indexes = [models.Index(fields=["community", "kind", "published_at"])]

    def __str__(self) -> str:
        return self.title
