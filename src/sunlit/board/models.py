"""The weekly exposure board (每周曝光台): boards, their items, committee contests, settings."""

from __future__ import annotations

import datetime as dt

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from sunlit.board.choices import BoardStatus, Section
from sunlit.core.models import CommunityOwned, User
from sunlit.core.tenancy import CommunityScopedQuerySet
from sunlit.tickets.models import Ticket
from sunlit.transparency.models import LogLeaf


class BoardSettings(CommunityOwned):
    """BoardSettings — 曝光台设置 of one community: must the owners' committee co-sign first?"""

    require_cosign = models.BooleanField(
        _("需业委会会签"), default=False,
        help_text=_("开启后，每周曝光台须经业委会会签才能发布；否则每周一自动发布"))
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("曝光台设置")
        verbose_name_plural = _("曝光台设置")
        constraints = [models.UniqueConstraint(fields=["community"], name="board_settings_unique")]

    def __str__(self) -> str:
        return f"{self.community_id} cosign={self.require_cosign}"


class WeeklyBoardQuerySet(CommunityScopedQuerySet):
    def published(self):
        return self.filter(status=BoardStatus.PUBLISHED)


class WeeklyBoard(CommunityOwned):
    """WeeklyBoard — 每周曝光台: the problems of one week (Monday 00:00 → next Monday 00:00).

    A draft is generated from the tickets (``generation.build``) and reviewed by staff (measures,
    不属实 marks) and, when the community requires it, co-signed by the committee. Publishing
    freezes ``content`` — the canonical JSON of everything shown — and puts its SHA-256 on the
    log (``leaf``). After that the row never changes; contests are appended beside it.
    """

    week_start = models.DateField(_("周一日期"))
    status = models.CharField(_("状态"), max_length=12, choices=BoardStatus.choices,
                              default=BoardStatus.DRAFT)
    generated_at = models.DateTimeField(_("生成时间"), default=timezone.now)
    published_at = models.DateTimeField(_("发布时间"), null=True, blank=True)
    published_by = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, blank=True,
                                     related_name="+")
    cosigned_at = models.DateTimeField(_("业委会会签时间"), null=True, blank=True)
    cosigned_by = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, blank=True,
                                    related_name="+")
    cosign_note = models.CharField(_("会签意见"), max_length=300, blank=True)
    # 退回并说明: the committee sends the draft back with what to change (the latest return)
    returned_at = models.DateTimeField(_("业委会退回时间"), null=True, blank=True)
    returned_by = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, blank=True,
                                    related_name="+")
    return_note = models.CharField(_("退回说明"), max_length=500, blank=True)
    content = models.JSONField(_("内容"), default=dict, blank=True)
    content_sha256 = models.CharField(max_length=64, blank=True)
    leaf = models.ForeignKey(LogLeaf, on_delete=models.PROTECT, null=True, blank=True,
                             related_name="+")

    objects = WeeklyBoardQuerySet.as_manager()

    class Meta:
        verbose_name = _("每周曝光台")
        verbose_name_plural = _("每周曝光台")
        ordering = ["community", "-week_start"]
        constraints = [
            models.UniqueConstraint(fields=["community", "week_start"], name="board_unique_week"),
            models.CheckConstraint(
                condition=Q(status=BoardStatus.DRAFT) | (
                    Q(published_at__isnull=False) & ~Q(content_sha256="")),
                name="board_published_has_hash"),
        ]

    def __str__(self) -> str:
        return f"{self.community_id} {self.week_start}"

    @property
    def is_published(self) -> bool:
        return self.status == BoardStatus.PUBLISHED

    @property
    def week_end(self) -> dt.date:
        """The Sunday the week ends on (shown as 11月16日–11月22日)."""
        return self.week_start + dt.timedelta(days=6)


class BoardItem(CommunityOwned):
    """BoardItem — 曝光条目: one ticket on one board, as generated, plus what staff added.

    ``facts`` is the generated part (masked summary, status, responsibility, promised times,
    rating); ``measures`` (采取的措施) and the 经核实不属实 mark are added in draft. An untrue item
    stays listed with its reason: nothing is ever dropped from a board.
    """

    board = models.ForeignKey(WeeklyBoard, on_delete=models.CASCADE, related_name="items")
    ticket = models.ForeignKey(Ticket, on_delete=models.PROTECT, related_name="+")
    position = models.PositiveIntegerField(default=0)
    section = models.CharField(_("分组"), max_length=10, choices=Section.choices)
    facts = models.JSONField(default=dict)
    measures = models.TextField(_("采取的措施"), max_length=1000, blank=True)
    measures_by = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, blank=True,
                                    related_name="+")
    is_untrue = models.BooleanField(_("经核实不属实"), default=False)
    untrue_reason = models.CharField(_("不属实说明"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("曝光条目")
        verbose_name_plural = _("曝光条目")
        ordering = ["board", "position", "id"]
        constraints = [
            models.UniqueConstraint(fields=["board", "ticket"], name="board_item_unique_ticket"),
            models.CheckConstraint(condition=Q(is_untrue=False) | ~Q(untrue_reason=""),
                                   name="board_item_untrue_has_reason"),
        ]

    def __str__(self) -> str:
        return f"{self.board_id}#{self.position} {self.facts.get('number', '')}"


class BoardContest(CommunityOwned):
    """BoardContest — 业委会质疑: the committee questions one item of a published board, and the
    manager answers. Both are shown under the item and recorded on the log; neither edits the board."""

    board = models.ForeignKey(WeeklyBoard, on_delete=models.PROTECT, related_name="contests")
    item = models.ForeignKey(BoardItem, on_delete=models.PROTECT, related_name="contests")
    text = models.CharField(_("质疑内容"), max_length=500)
    raised_by = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, related_name="+")
    raised_at = models.DateTimeField(default=timezone.now)
    answer = models.CharField(_("答复"), max_length=1000, blank=True)
    answered_by = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, blank=True,
                                    related_name="+")
    answered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("业委会质疑")
        verbose_name_plural = _("业委会质疑")
        ordering = ["item", "raised_at", "id"]

    def __str__(self) -> str:
        return f"{self.item_id}: {self.text[:20]}"
