"""Owners' votes under Civil Code art. 278: the vote, its frozen electorate, ballots, result."""

from __future__ import annotations

import datetime as dt

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from sunlit.core.fields import EncryptedTextField
from sunlit.core.models import CommunityOwned, Person, Upload, User
from sunlit.core.tenancy import CommunityScopedQuerySet
from sunlit.governance.votes.choices import (
    EDITABLE_STATUSES,
    PUBLIC_STATUSES,
    RESULT_STATUSES,
    SPECIAL_MATTERS,
    BallotStatus,
    Channel,
    Choice,
    MatterKind,
    VoteScope,
    VoteStatus,
)
from sunlit.registry.models import Building, Unit

DEFAULT_NOTICE_DAYS = 15


class VoteQuerySet(CommunityScopedQuerySet):
    def public(self):
        """Votes owners see: everything but drafts."""
        return self.filter(status__in=PUBLIC_STATUSES)


class Vote(CommunityOwned):
    """Vote — 业主共同决定事项表决: one matter of art. 278 put to the owners.

    ``draft → announced → open → closed → published → effective`` (or ``cancelled``). The text,
    scope and window can change only in the draft; announcing puts the SHA-256 of the text on
    the log, opening freezes the electorate (``VoteUnit``), closing computes the ``Result``.
    ``pseudonym_key`` keys the per-vote owner references (never shown).
    """

    title = models.CharField(_("表决事项"), max_length=100)
    description = models.TextField(_("事项说明"))
    matter = models.CharField(_("事项类别"), max_length=20, choices=MatterKind.choices)
    scope = models.CharField(_("表决范围"), max_length=20, choices=VoteScope.choices,
                             default=VoteScope.COMMUNITY)
    scope_buildings = models.ManyToManyField(Building, blank=True, related_name="+",
                                             verbose_name=_("楼栋"))
    scope_units = models.ManyToManyField(Unit, blank=True, related_name="+",
                                         verbose_name=_("房屋"))
    status = models.CharField(_("状态"), max_length=20, choices=VoteStatus.choices,
                              default=VoteStatus.DRAFT)
    notice_days = models.PositiveSmallIntegerField(_("公告期(天)"), default=DEFAULT_NOTICE_DAYS)
    opens_at = models.DateTimeField(_("投票开始"))
    closes_at = models.DateTimeField(_("投票截止"))
    announced_at = models.DateTimeField(_("公告时间"), null=True, blank=True)
    opened_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    published_at = models.DateTimeField(null=True, blank=True)
    effective_at = models.DateTimeField(null=True, blank=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)
    cancel_reason = models.CharField(max_length=200, blank=True)
    text_sha256 = models.CharField(max_length=64, blank=True)
    electorate_sha256 = models.CharField(max_length=64, blank=True)
    pseudonym_key = EncryptedTextField(default="")
    created_by = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    # owner-side controls (governance/controls/): a draft of the owner side stays the owner
    # side's; who announced it; the window as announced, when the committee extended it
    owner_side_draft = models.BooleanField(_("业主方拟定"), default=False)
    announced_by = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, blank=True,
                                     related_name="+")
    announced_closes_at = models.DateTimeField(_("公告的投票截止"), null=True, blank=True)

    objects = VoteQuerySet.as_manager()

    class Meta:
        verbose_name = _("表决")
        verbose_name_plural = _("表决")
        ordering = ["-opens_at", "-id"]
        indexes = [models.Index(fields=["community", "status"])]
        constraints = [
            models.CheckConstraint(condition=Q(closes_at__gt=models.F("opens_at")),
                                   name="vote_closes_after_opens"),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def is_special(self) -> bool:
        """Items 6–8 of art. 278: the 3/4 approval rule."""
        return self.matter in SPECIAL_MATTERS

    @property
    def is_editable(self) -> bool:
        return self.status in EDITABLE_STATUSES

    @property
    def shows_result(self) -> bool:
        return self.status in RESULT_STATUSES

    def accepts_ballots(self, now: dt.datetime) -> bool:
        return self.status == VoteStatus.OPEN and self.opens_at <= now < self.closes_at

    @property
    def entry_deadline(self) -> dt.datetime:
        """Paper and proxy ballots received before the close may be entered until then."""
        return self.closes_at + entry_period()

    def accepts_entries(self, now: dt.datetime) -> bool:
        return self.status == VoteStatus.OPEN and self.opens_at <= now < self.entry_deadline


def entry_period() -> dt.timedelta:
    """``SUNLIT_BALLOT_ENTRY_HOURS`` (default 48): how long after the close entered ballots may
    still be entered (they must have been received before it)."""
    from django.conf import settings

    return dt.timedelta(hours=getattr(settings, "SUNLIT_BALLOT_ENTRY_HOURS", 48))


class VoteDocument(CommunityOwned):
    """VoteDocument — 表决材料: a document of the matter (plan, quote, contract draft)."""

    vote = models.ForeignKey(Vote, on_delete=models.CASCADE, related_name="documents")
    upload = models.ForeignKey(Upload, on_delete=models.PROTECT, related_name="+")
    title = models.CharField(_("名称"), max_length=100)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("表决材料")
        verbose_name_plural = _("表决材料")
        ordering = ["id"]

    def __str__(self) -> str:
        return self.title


class VoteUnit(CommunityOwned):
    """VoteUnit — 表决权登记: one exclusive part in the electorate, frozen when the vote opens.

    The area and the owner are copied from the roster at opening, so that later roster changes
    do not move the count. ``owner_key`` groups the units counted as one owner (internal:
    person references or ``developer``); ``owner_ref`` is its public per-vote pseudonym.
    """

    vote = models.ForeignKey(Vote, on_delete=models.CASCADE, related_name="electorate")
    unit = models.ForeignKey(Unit, on_delete=models.SET_NULL, null=True, related_name="+")
    unit_label = models.CharField(max_length=80)
    area = models.DecimalField(max_digits=10, decimal_places=2)
    owner_key = models.CharField(max_length=200)
    owner_ref = models.CharField(max_length=20)
    developer = models.BooleanField(default=False)

    class Meta:
        verbose_name = _("表决权登记")
        verbose_name_plural = _("表决权登记")
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["vote", "unit"], name="vote_unit_unique"),
        ]

    def __str__(self) -> str:
        return self.unit_label


class VoteVoter(CommunityOwned):
    """VoteVoter — 可投票人: a person who may cast the ballot of one unit (frozen at opening)."""

    vote = models.ForeignKey(Vote, on_delete=models.CASCADE, related_name="+")
    vote_unit = models.ForeignKey(VoteUnit, on_delete=models.CASCADE, related_name="voters")
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="+")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["vote_unit", "person"], name="vote_voter_unique"),
        ]
        indexes = [models.Index(fields=["vote", "person"])]


class BallotQuerySet(CommunityScopedQuerySet):
    def counted(self):
        """The ballots that count: valid and not superseded (one per unit)."""
        return self.filter(is_current=True)

    def pending(self):
        return self.filter(status=BallotStatus.PENDING)


class Ballot(CommunityOwned):
    """Ballot — 表决票: one unit's choice, online, on paper or by proxy.

    Online ballots are valid when cast; paper and proxy ballots are entered with the scan (and
    the authorisation) and become valid only when a committee member confirms them — and, if
    the unit's owners voted online, only when an owner accepts them (``held`` until then). Of
    the valid ballots of a unit the one cast last counts (``is_current``); earlier ones stay,
    pointing to the ballot that replaced them. An entered ballot never replaces an online one
    without an owner's acceptance (docs/governance.md). ``ref`` is public; ``nonce`` (the
    secret half of the receipt) is known to the unit's owners and the server only.
    """

    vote = models.ForeignKey(Vote, on_delete=models.CASCADE, related_name="ballots")
    vote_unit = models.ForeignKey(VoteUnit, on_delete=models.PROTECT, related_name="ballots")
    choice = models.CharField(_("表决意见"), max_length=10, choices=Choice.choices)
    channel = models.CharField(_("投票方式"), max_length=10, choices=Channel.choices,
                               default=Channel.ONLINE)
    status = models.CharField(_("状态"), max_length=10, choices=BallotStatus.choices,
                              default=BallotStatus.VALID)
    person = models.ForeignKey(Person, on_delete=models.PROTECT, null=True, blank=True,
                               related_name="+", verbose_name=_("业主"))
    cast_by = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, blank=True,
                                related_name="+")
    cast_at = models.DateTimeField(_("投票时间"))
    is_current = models.BooleanField(default=False)
    superseded_by = models.ForeignKey("self", on_delete=models.SET_NULL, null=True, blank=True,
                                      related_name="+")
    ref = models.CharField(_("选票编号"), max_length=12)
    nonce = EncryptedTextField(default="")
    commitment = models.CharField(max_length=64, blank=True)
    leaf_index = models.BigIntegerField(null=True, blank=True)
    # paper and proxy ballots
    scan = models.ForeignKey(Upload, on_delete=models.PROTECT, null=True, blank=True,
                             related_name="+", verbose_name=_("表决票扫描件"))
    authorisation = models.ForeignKey(Upload, on_delete=models.PROTECT, null=True, blank=True,
                                      related_name="+", verbose_name=_("授权委托书"))
    proxy_name = models.CharField(_("受托人"), max_length=50, blank=True)
    entered_by = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, blank=True,
                                   related_name="+")
    confirmed_by = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, blank=True,
                                     related_name="+")
    confirmed_at = models.DateTimeField(null=True, blank=True)
    reject_reason = models.CharField(max_length=200, blank=True)
    # a held entry (it conflicts with the unit's online ballot): the owner who decided, and when
    resolved_by = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, blank=True,
                                    related_name="+")
    resolved_at = models.DateTimeField(null=True, blank=True)
    entered_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    objects = BallotQuerySet.as_manager()

    class Meta:
        verbose_name = _("表决票")
        verbose_name_plural = _("表决票")
        ordering = ["cast_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["vote_unit"], condition=Q(is_current=True),
                                    name="ballot_one_current_per_unit"),
            models.UniqueConstraint(fields=["vote", "ref"], name="ballot_unique_ref"),
        ]
        indexes = [models.Index(fields=["vote", "is_current"])]

    def __str__(self) -> str:
        return self.ref

    @property
    def receipt(self) -> str:
        """The receipt code the owner keeps: public ref and secret nonce."""
        return f"{self.ref}-{self.nonce}" if self.nonce else self.ref

    @property
    def needs_confirmation(self) -> bool:
        return self.status == BallotStatus.PENDING

    @property
    def is_entered(self) -> bool:
        return self.channel != Channel.ONLINE

    @property
    def awaits_owner(self) -> bool:
        return self.status == BallotStatus.HELD


class Result(CommunityOwned):
    """Result — 表决结果: the exact figures of a closed vote (areas in m², counts of owners).

    Written once at the close from the frozen electorate and the counted ballots;
    ``ballots_sha256`` is the SHA-256 of the published ballot list (RFC 8785 JSON) from which
    anyone can count again.
    """

    vote = models.OneToOneField(Vote, on_delete=models.CASCADE, related_name="result")
    special = models.BooleanField()
    total_area = models.DecimalField(max_digits=14, decimal_places=2)
    total_owners = models.PositiveIntegerField()
    participating_area = models.DecimalField(max_digits=14, decimal_places=2)
    participating_owners = models.PositiveIntegerField()
    yes_area = models.DecimalField(max_digits=14, decimal_places=2)
    yes_owners = models.PositiveIntegerField()
    no_area = models.DecimalField(max_digits=14, decimal_places=2)
    no_owners = models.PositiveIntegerField()
    abstain_area = models.DecimalField(max_digits=14, decimal_places=2)
    abstain_owners = models.PositiveIntegerField()
    mixed_owners = models.PositiveIntegerField(default=0)
    ballots = models.PositiveIntegerField()
    participation_met = models.BooleanField()
    approval_met = models.BooleanField()
    passed = models.BooleanField()
    ballots_sha256 = models.CharField(max_length=64)
    computed_at = models.DateTimeField()

    class Meta:
        verbose_name = _("表决结果")
        verbose_name_plural = _("表决结果")

    def __str__(self) -> str:
        return f"{self.vote_id}: {'通过' if self.passed else '未通过'}"
