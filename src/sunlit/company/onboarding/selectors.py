"""The onboarding checklist (建档清单): what a community still lacks before its owners are
invited, read from its own data every time — nothing is ticked by hand, so a step done on
another page (the roster import, the fee items) counts as soon as it is done."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from sunlit.company.models import CommitteeFiling, Onboarding
from sunlit.core.choices import Role
from sunlit.core.models import Community, Department, Membership


@dataclass
class Step:
    key: str
    label: str
    done: bool
    detail: str
    required: bool = True
    who: str = ""  # who takes the step when it is not the company administrator
    url: str = ""  # where the step is taken (a page of this or another app)
    switch: bool = False  # the page works on the session's community: switch to it first
    facts: list[tuple[str, str]] = field(default_factory=list)


def checklist(community: Community) -> list[Step]:
    from sunlit.finance.billing.models import FeeItem, Tariff
    from sunlit.registry.models import Building, Ownership, Unit
    from sunlit.transparency.models import Checkpoint, Log, WitnessKey

    today = timezone.localdate()
    onboarding = Onboarding.objects.filter(community=community).first()
    log = Log.objects.filter(community=community).first()
    departments = list(Department.objects.in_community(community).values_list("name", flat=True))
    buildings = Building.objects.in_community(community).count()
    units = Unit.objects.in_community(community).count()
    owners = (Ownership.objects.in_community(community).filter(start__lte=today)
              .filter(Q(end__isnull=True) | Q(end__gt=today)).values("person_id").distinct()
              .count())
    priced = (FeeItem.objects.in_community(community).active()
              .filter(pk__in=Tariff.objects.in_community(community)
                      .filter(effective_from__lte=today)
                      .filter(Q(effective_to__isnull=True) | Q(effective_to__gt=today))
                      .values("fee_item_id")).count())
    items = FeeItem.objects.in_community(community).active().count()
    filing = CommitteeFiling.objects.in_community(community).first()
    seated = (Membership.objects.in_community(community).active()
              .filter(role=Role.COMMITTEE).count())
    witnesses = WitnessKey.objects.in_community(community).active().count()
    checkpoint = (Checkpoint.objects.in_community(community).order_by("-size").first()
                  if log else None)
    pk = community.pk
    steps = [
        Step("community", _("小区档案与透明日志"), True,
             _("编码 %(code)s；日志标识 %(origin)s（建档时确定，永不改变）；时区 Asia/Shanghai"
               "（北京时间）") % {"code": community.code,
                                "origin": log.origin if log else "—"}),
        Step("departments", _("部门"), bool(departments),
             "、".join(departments) if departments else _("尚无部门")),
        Step("buildings", _("楼栋"), buildings > 0,
             _("已登记 %(n)s 栋") % {"n": buildings},
             url=reverse("company:onboarding_buildings", args=[pk])),
        Step("roster", _("业主名册（房屋、业主、住户）"), units > 0 and owners > 0,
             _("房屋 %(units)s 套，业主 %(owners)s 人") % {"units": units, "owners": owners},
             url=reverse("registry:import_upload"), switch=True),
        Step("fees", _("收费项目与收费标准"), priced > 0,
             _("启用的收费项目 %(items)s 个，其中 %(priced)s 个有现行收费标准") % {
                 "items": items, "priced": priced},
             url=reverse("finance:fee_item_list"), switch=True),
        Step("committee", _("业委会备案与委员邀请"), filing is not None or seated > 0,
             (_("%(authority)s 备案 %(number)s；已就任委员 %(seated)s 人") % {
                 "authority": filing.authority, "number": filing.number, "seated": seated})
             if filing else (_("已就任委员 %(n)s 人") % {"n": seated} if seated
                             else _("尚未登记（凭街道办/乡镇政府的备案文件）")),
             url=reverse("company:onboarding_committee", args=[pk])),
        Step("checkpoint", _("透明日志的首个检查点"), checkpoint is not None,
             (_("已签发：%(size)s 条") % {"size": checkpoint.size}) if checkpoint
             else _("尚未签发")),
        Step("witness", _("业委会登记见证人"), witnesses > 0,
             _("有效见证人 %(n)s 个") % {"n": witnesses}, required=False,
             who=_("业委会委员激活账号后，在透明日志页面登记"),
             url=reverse("transparency:log", args=[log.path]) if log else ""),
        Step("owners", _("开放业主激活（打印激活码）"),
             bool(onboarding and onboarding.owners_invited_at),
             (_("已于 %(at)s 开放") % {"at": timezone.localtime(
                 onboarding.owners_invited_at).strftime("%Y-%m-%d %H:%M")})
             if onboarding and onboarding.owners_invited_at else _("上面各项齐全后开放")),
    ]
    return steps


def missing(steps: list[Step]) -> list[Step]:
    return [s for s in steps if s.required and not s.done and s.key != "owners"]
