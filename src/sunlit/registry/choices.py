"""Choice sets of the roster."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from sunlit.core import badges


class UnitUsage(models.TextChoices):
    RESIDENTIAL = "residential", _("住宅")
    COMMERCIAL = "commercial", _("商铺")
    PARKING = "parking", _("车位")
    STORAGE = "storage", _("储藏室")


class DeliveryStatus(models.TextChoices):
    DELIVERED = "delivered", _("已售已交付")
    UNSOLD = "unsold", _("未售（开发商持有）")
    SOLD_UNDELIVERED = "sold_undelivered", _("已售未交付")


class ResidentKind(models.TextChoices):
    FAMILY = "family", _("家庭成员")
    TENANT = "tenant", _("租户")


class VehicleKind(models.TextChoices):
    CAR = "car", _("小型汽车")
    NEW_ENERGY = "new_energy", _("新能源汽车")
    OTHER = "other", _("其他")


class ImportStatus(models.TextChoices):
    PREVIEW = "preview", _("待确认")
    INVALID = "invalid", _("有错误")
    COMMITTED = "committed", _("已导入")
    DISCARDED = "discarded", _("已放弃")


badges.register("registry.rosterimport", {
    ImportStatus.COMMITTED: "green", ImportStatus.INVALID: "red", ImportStatus.PREVIEW: "yellow"})
