"""The roster: buildings, units, ownership, residents, vehicles."""

from __future__ import annotations

from decimal import Decimal

from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from sunlit.core.fields import EncryptedTextField
from sunlit.core.models import CommunityOwned, Person, User
from sunlit.core.tenancy import CommunityScopedQuerySet
from sunlit.registry.choices import (
    DeliveryStatus,
    ImportStatus,
    ResidentKind,
    UnitUsage,
    VehicleKind,
)


class Building(CommunityOwned):
    """Building — 楼栋."""

    name = models.CharField(_("楼栋"), max_length=30)
    floors = models.PositiveSmallIntegerField(_("地上层数"), default=1)
    has_elevator = models.BooleanField(_("有电梯"), default=False)
    sort_key = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("楼栋")
        verbose_name_plural = _("楼栋")
        ordering = ["community", "sort_key", "name"]
        constraints = [
            models.UniqueConstraint(fields=["community", "name"], name="building_unique_name")
        ]

    def __str__(self) -> str:
        return self.name


class UnitQuerySet(CommunityScopedQuerySet):
    def of_user(self, user):
        """Units the user owns now or lives in now, in any community."""
        today = timezone.localdate()
        return self.filter(
            Q(ownerships__person__user=user, ownerships__end__isnull=True)
            | Q(ownerships__person__user=user, ownerships__end__gt=today)
            | Q(residencies__person__user=user, residencies__moved_out__isnull=True)
        ).distinct()


class Unit(CommunityOwned):
    """Unit — 房屋: one exclusive part (flat, shop, parking space, storage room).

    ``entrance`` is the 单元 (stairwell) within the building and ``number`` the 房号.
    """

    building = models.ForeignKey(Building, on_delete=models.PROTECT, related_name="units")
    entrance = models.CharField(_("单元"), max_length=10, blank=True)
    number = models.CharField(_("房号"), max_length=20)
    floor = models.SmallIntegerField(_("楼层"))
    area = models.DecimalField(
        _("专有面积(㎡)"), max_digits=10, decimal_places=2,
        validators=[MinValueValidator(Decimal("0.01"))],
    )
    usage = models.CharField(
        _("用途"), max_length=20, choices=UnitUsage.choices, default=UnitUsage.RESIDENTIAL
    )
    delivery_status = models.CharField(
        _("交付状态"), max_length=20, choices=DeliveryStatus.choices,
        default=DeliveryStatus.DELIVERED,
    )
    delivered_on = models.DateField(_("交付日期"), null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    objects = UnitQuerySet.as_manager()

    class Meta:
        verbose_name = _("房屋")
        verbose_name_plural = _("房屋")
        ordering = ["building__sort_key", "building__name", "entrance", "floor", "number"]
        constraints = [
            models.UniqueConstraint(
                fields=["building", "entrance", "number"], name="unit_unique_number"
            ),
            models.CheckConstraint(condition=Q(area__gt=0), name="unit_area_positive"),
        ]
        indexes = [models.Index(fields=["community", "usage"])]

    def __str__(self) -> str:
        return self.label

    @property
    def label(self) -> str:
        """楼栋-单元-房号, the unit-level reference shown on public pages."""
        parts = [self.building.name]
        if self.entrance:
            parts.append(f"{self.entrance}单元")
        parts.append(self.number)
        return "-".join(parts)


class OwnershipQuerySet(CommunityScopedQuerySet):
    def current(self, on=None):
        on = on or timezone.localdate()
        return self.filter(Q(end__isnull=True) | Q(end__gt=on), start__lte=on)


class Ownership(CommunityOwned):
    """Ownership — 产权登记: who owns which unit, from when, with which share."""

    unit = models.ForeignKey(Unit, on_delete=models.CASCADE, related_name="ownerships")
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="ownerships")
    share = models.DecimalField(
        _("产权份额"), max_digits=5, decimal_places=4, default=Decimal("1"),
        validators=[MinValueValidator(Decimal("0.0001"))],
    )
    start = models.DateField(_("起始日"))
    end = models.DateField(_("终止日"), null=True, blank=True)

    objects = OwnershipQuerySet.as_manager()

    class Meta:
        verbose_name = _("产权")
        verbose_name_plural = _("产权")
        constraints = [
            models.CheckConstraint(
                condition=Q(share__gt=0) & Q(share__lte=1), name="ownership_share_range"
            ),
            models.CheckConstraint(
                condition=Q(end__isnull=True) | Q(end__gt=models.F("start")),
                name="ownership_end_after_start",
            ),
        ]

    @property
    def share_percent(self) -> str:
        """The share as people read it: 100%, 50%, 33.33%."""
        percent = (self.share * 100).quantize(Decimal("0.01")).normalize()
        return f"{percent:f}%"

    def is_current(self, on=None) -> bool:
        on = on or timezone.localdate()
        return self.start <= on and (self.end is None or self.end > on)


class ResidencyQuerySet(CommunityScopedQuerySet):
    def current(self):
        return self.filter(moved_out__isnull=True)


class Residency(CommunityOwned):
    """Residency — 住户登记: a tenant or family member living in a unit."""

    unit = models.ForeignKey(Unit, on_delete=models.CASCADE, related_name="residencies")
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="residencies")
    kind = models.CharField(_("住户类型"), max_length=20, choices=ResidentKind.choices)
    relation = models.CharField(_("与业主关系"), max_length=20, blank=True)
    moved_in = models.DateField(_("入住日期"))
    moved_out = models.DateField(_("搬离日期"), null=True, blank=True)

    objects = ResidencyQuerySet.as_manager()

    class Meta:
        verbose_name = _("住户")
        verbose_name_plural = _("住户")
        constraints = [
            models.CheckConstraint(
                condition=Q(moved_out__isnull=True) | Q(moved_out__gte=models.F("moved_in")),
                name="residency_out_after_in",
            ),
        ]


class Vehicle(CommunityOwned):
    """Vehicle — 车辆登记, plate validated against mainland formats."""

    plate = models.CharField(_("车牌号"), max_length=10)
    kind = models.CharField(_("类型"), max_length=20, choices=VehicleKind.choices,
                            default=VehicleKind.CAR)
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="vehicles")
    unit = models.ForeignKey(Unit, on_delete=models.SET_NULL, null=True, blank=True,
                             related_name="vehicles")
    brand = models.CharField(_("品牌/颜色"), max_length=40, blank=True)
    registered_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("车辆")
        verbose_name_plural = _("车辆")
        constraints = [
            models.UniqueConstraint(fields=["community", "plate"], name="vehicle_unique_plate")
        ]

    def __str__(self) -> str:
        return self.plate


class RosterImport(CommunityOwned):
    """RosterImport — 档案导入: an uploaded roster file, validated, waiting to be committed.

    The parsed rows (encrypted) and all errors are kept so the preview survives a reload; committing
    applies every row in one transaction or none.
    """

    filename = models.CharField(max_length=200)
    sha256 = models.CharField(max_length=64)
    size = models.PositiveIntegerField()
    status = models.CharField(max_length=20, choices=ImportStatus.choices)
    # Parsed rows hold mobile and ID numbers: kept encrypted like every personal field.
    payload = EncryptedTextField(default="")
    errors = models.JSONField(default=list)
    summary = models.JSONField(default=dict)
    uploaded_by = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, related_name="+")
    uploaded_at = models.DateTimeField(default=timezone.now)
    committed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("档案导入")
        verbose_name_plural = _("档案导入")
        ordering = ["-uploaded_at"]
