"""Public comment periods (公示/征求意见): the models, gathered by ``governance/models.py``."""

from __future__ import annotations

import datetime as dt

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from sunlit.core import badges
from sunlit.core.models import CommunityOwned, Person, Upload, User
from sunlit.core.tenancy import CommunityScopedQuerySet


class ConsultationKind(models.TextChoices):
    NOTICE = "notice", _("公示")
    COMMENT = "comment", _("征求意见")


class ConsultationTopic(models.TextChoices):
    ELEVATOR = "elevator", _("电梯")
    FACADE = "facade", _("外立面")
    PARKING = "parking", _("停车")
    FUND = "fund", _("维修资金")
    CONTRACT = "contract", _("合同")
    OTHER = "other", _("其他重大事项")


class ConsultationStatus(models.TextChoices):
    DRAFT = "draft", _("草稿")
    PUBLISHED = "published", _("已发布")
    CLOSED = "closed", _("已结束")


# the badge of a consultation that is not published (a published one shows where it stands
# in its period: templates/governance/consultations/status_badge.html)
badges.register("governance.consultation", {ConsultationStatus.CLOSED: "secondary"},
                default="yellow")


# --- public comment ------------------------------------------------------------------------------

class ConsultationQuerySet(CommunityScopedQuerySet):
    def public(self):
        return self.exclude(status=ConsultationStatus.DRAFT)


class Consultation(CommunityOwned):
    """Consultation — 公示 / 征求意见: a major matter shown to the owners for a period, with its
    documents; in a 征求意见 owners comment and the company or committee answers in public.

    ``draft → published → closed`` (with a summary). Comments are accepted only while
    ``starts_at <= now < ends_at``. ``vote`` names the vote it led to, if any.
    """

    kind = models.CharField(_("类型"), max_length=20, choices=ConsultationKind.choices)
    topic = models.CharField(_("事项类别"), max_length=20, choices=ConsultationTopic.choices,
                             default=ConsultationTopic.OTHER)
    title = models.CharField(_("事项"), max_length=100)
    description = models.TextField(_("事项说明"))
    starts_at = models.DateTimeField(_("公示开始"))
    ends_at = models.DateTimeField(_("公示截止"))
    status = models.CharField(_("状态"), max_length=20, choices=ConsultationStatus.choices,
                              default=ConsultationStatus.DRAFT)
    published_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    text_sha256 = models.CharField(max_length=64, blank=True)
    summary = models.TextField(_("结果说明"), blank=True)
    summary_sha256 = models.CharField(max_length=64, blank=True)
    vote = models.ForeignKey("governance.Vote", on_delete=models.SET_NULL, null=True,
                             blank=True, related_name="+", verbose_name=_("后续表决"))
    created_by = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    objects = ConsultationQuerySet.as_manager()

    class Meta:
        verbose_name = _("公示与征求意见")
        verbose_name_plural = _("公示与征求意见")
        ordering = ["-starts_at", "-id"]
        indexes = [models.Index(fields=["community", "status"])]
        constraints = [models.CheckConstraint(condition=Q(ends_at__gt=models.F("starts_at")),
                                              name="consultation_ends_after_starts")]

    def __str__(self) -> str:
        return self.title

    @property
    def takes_comments(self) -> bool:
        return self.kind == ConsultationKind.COMMENT

    def accepts_comments(self, now: dt.datetime) -> bool:
        return (self.kind == ConsultationKind.COMMENT and self.status == ConsultationStatus.PUBLISHED
                and self.starts_at <= now < self.ends_at)

    def is_running(self, now: dt.datetime) -> bool:
        return self.status == ConsultationStatus.PUBLISHED and self.starts_at <= now < self.ends_at


class ConsultationDocument(CommunityOwned):
    """ConsultationDocument — 公示材料: a PDF or image of the matter (contract draft, plan)."""

    consultation = models.ForeignKey(Consultation, on_delete=models.CASCADE,
                                     related_name="documents")
    upload = models.ForeignKey(Upload, on_delete=models.PROTECT, related_name="+")
    title = models.CharField(_("名称"), max_length=100)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("公示材料")
        verbose_name_plural = _("公示材料")
        ordering = ["id"]

    def __str__(self) -> str:
        return self.title


class Comment(CommunityOwned):
    """Comment — 业主意见: one owner's comment in a 征求意见 period, shown with a masked author
    (``author_label``, e.g. “3号楼业主”); the text's SHA-256 is on the log."""

    consultation = models.ForeignKey(Consultation, on_delete=models.CASCADE,
                                     related_name="comments")
    author = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    person = models.ForeignKey(Person, on_delete=models.SET_NULL, null=True, related_name="+")
    author_label = models.CharField(_("发表人"), max_length=60)
    text = models.TextField(_("意见"))
    text_sha256 = models.CharField(max_length=64)
    leaf_index = models.BigIntegerField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("业主意见")
        verbose_name_plural = _("业主意见")
        ordering = ["consultation", "created_at", "id"]

    def __str__(self) -> str:
        return self.text[:40]


class Answer(CommunityOwned):
    """Answer — 答复: the company's or committee's public answer to one comment, by name and
    role (a public responsibility)."""

    comment = models.ForeignKey(Comment, on_delete=models.CASCADE, related_name="answers")
    answered_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    answerer_name = models.CharField(_("答复人"), max_length=100)
    answerer_role = models.CharField(_("答复人身份"), max_length=30)
    text = models.TextField(_("答复"))
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("答复")
        verbose_name_plural = _("答复")
        ordering = ["comment", "created_at", "id"]

    def __str__(self) -> str:
        return self.text[:40]
