"""The models of the 阳光账本: published monthly reports and owners' queries on entries.

Imported by ``finance.models`` (Django finds them there); kept apart so the report stays a
module of its own beside the books it reads.
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from sunlit.core.models import CommunityOwned, User
from sunlit.tickets.models import Ticket
from sunlit.transparency.models import LogLeaf


class MonthlyReport(CommunityOwned):
    """MonthlyReport — 阳光账本月报 as published: the month's figures frozen.

    ``content`` is everything the report shows (each figure, and for each the count and the
    SHA-256 of its list of entries); ``content_sha256`` is the SHA-256 of its RFC 8785
    canonical JSON, recorded on the log (``finance.report.published``, ``leaf``). A row exists
    only once the month is published and never changes afterwards (a database trigger refuses
    any update once ``leaf`` is set); later corrections are new entries in later months.
    """

    month = models.DateField(_("月份"))
    content = models.JSONField(_("内容"))
    content_sha256 = models.CharField(max_length=64)
    note = models.CharField(_("说明"), max_length=500, blank=True)
    leaf = models.ForeignKey(LogLeaf, on_delete=models.PROTECT, null=True, blank=True,
                             related_name="+")
    published_at = models.DateTimeField(_("发布时间"), default=timezone.now)
    published_by = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, blank=True,
                                     related_name="+")

    class Meta:
        verbose_name = _("阳光账本月报")
        verbose_name_plural = _("阳光账本月报")
        ordering = ["community", "-month"]
        constraints = [
            models.UniqueConstraint(fields=["community", "month"], name="finance_report_once_per_month"),
        ]

    def __str__(self) -> str:
        return f"{self.community_id} {self.month:%Y-%m}"


class EntryQuery(CommunityOwned):
    """EntryQuery — 账目质询: an owner questions one journal entry; the question is an inquiry
    ticket (咨询) that follows the normal workflow, and its public answer is shown beside the
    entry to every member. ``question`` is what the owner wrote (seen by him and finance
    staff); ``question_public`` is the same text with personal data masked (shown to all)."""

    entry = models.ForeignKey("finance.JournalEntry", on_delete=models.PROTECT, related_name="queries",
                              verbose_name=_("凭证"))
    ticket = models.OneToOneField(Ticket, on_delete=models.PROTECT, related_name="entry_query",
                                  verbose_name=_("工单"))
    asked_by = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, related_name="+")
    question = models.CharField(_("质询内容"), max_length=500)
    question_public = models.CharField(_("质询内容（公开）"), max_length=500)
    idempotency_key = models.CharField(max_length=64, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("账目质询")
        verbose_name_plural = _("账目质询")
        ordering = ["entry", "created_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["asked_by", "idempotency_key"],
                                    condition=~Q(idempotency_key=""),
                                    name="finance_query_idempotency"),
        ]
        indexes = [models.Index(fields=["community", "entry"]),
                   models.Index(fields=["asked_by", "created_at"])]

    def __str__(self) -> str:
        return f"{self.entry_id} → {self.ticket_id}"
