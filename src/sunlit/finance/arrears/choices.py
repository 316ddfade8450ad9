"""Choice sets of arrears: reminder channels and triggers."""

from django.db import models
from django.utils.translation import gettext_lazy as _

# --- arrears (催缴) ------------------------------------------------------------------------------


class ReminderChannel(models.TextChoices):
    """How a reminder reaches the household: always the inbox, plus SMS or e-mail if chosen
    (sent through ``sunlit.notices``' channels)."""

    INBOX = "inbox", _("站内通知")
    SMS = "sms", _("短信")
    EMAIL = "email", _("电子邮件")


class ReminderTrigger(models.TextChoices):
    SCHEDULE = "schedule", _("按规则自动")
    MANUAL = "manual", _("人工催缴")
