"""Choice sets of the notices app: what a notification is about, channels, delivery states."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class NotificationKind(models.TextChoices):
    """What a notification is about (the inbox shows it as a small label)."""

    TICKET = "ticket", _("工单")
    ANNOUNCEMENT = "announcement", _("公告")
    BILL = "bill", _("账单")
    VOTE = "vote", _("表决")
    SYSTEM = "system", _("系统")


class DeliveryChannel(models.TextChoices):
    """Where a notification goes besides the in-app inbox (which every recipient always gets)."""

    EMAIL = "email", _("电子邮件")
    SMS = "sms", _("短信")
    WECHAT = "wechat", _("微信")


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", _("待发送")
    SENT = "sent", _("已发送")
    FAILED = "failed", _("发送失败")
    SKIPPED = "skipped", _("未发送")


class AnnouncementKind(models.TextChoices):
    """What a notice to the whole community is: an ordinary notice, or a major matter
    (重大事项: works on common parts, fee changes, votes, emergencies) listed on the disclosure page."""

    NOTICE = "notice", _("通知")
    MAJOR = "major", _("重大事项")
