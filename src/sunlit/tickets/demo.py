"""Demo tickets for 明强小区: four weeks of repairs and complaints in every state.

Everything goes through the services, with times in the past, so the timelines, promised
times, met/missed flags, escalations and log entries are exactly what real use would leave.
Deterministic for a given seed, relative to the moment of loading.
"""

from __future__ import annotations

import datetime as dt
import random

from django.utils import timezone

from sunlit.core.demo import DemoCast
from sunlit.core.models import Community, Person
from sunlit.registry.models import Building, Unit
from sunlit.tickets import services
from sunlit.tickets.choices import Channel, TicketKind
from sunlit.tickets.models import Category, Shift, Skill, Ticket

# (kind, category, title, description, in the reporter's own unit?)
REPORTS = (
    (TicketKind.REPAIR, "水电", "厨房水管漏水", "水槽下面的角阀一直滴水，地上已经积水。", True),
    (TicketKind.REPAIR, "水电", "卫生间地漏堵塞", "洗澡时地漏下水很慢，有异味。", True),
    (TicketKind.REPAIR, "水电", "客厅插座没电", "客厅两个插座都没电，空气开关没有跳闸。", True),
    (TicketKind.REPAIR, "电梯", "电梯按钮失灵", "2单元电梯 8 楼外呼按钮按了没有反应。", False),
    (TicketKind.REPAIR, "电梯", "电梯运行有异响", "上下行时轿厢有明显的摩擦声。", False),
    (TicketKind.REPAIR, "门禁", "单元门禁刷卡无反应", "刷卡和人脸识别都开不了单元门。", False),
    (TicketKind.REPAIR, "公共照明", "楼道灯不亮", "5 楼到 7 楼的楼道声控灯都不亮，晚上很黑。", False),
    (TicketKind.REPAIR, "公共照明", "地库照明损坏", "地下车库 B 区有一排灯管不亮。", False),
    (TicketKind.COMPLAINT, "保洁", "垃圾桶未及时清运", "单元门口的垃圾桶已经满溢两天了。", False),
    (TicketKind.COMPLAINT, "绿化", "草坪长期未修剪", "中心花园的草坪很久没有修剪，蚊虫多。", False),
    (TicketKind.COMPLAINT, "噪音扰民", "夜间装修噪音", "楼上晚上十点以后还在电钻施工。", False),
    (TicketKind.COMPLAINT, "停车", "消防通道被占用", "东门消防通道长期停着几辆私家车。", False),
    (TicketKind.COMPLAINT, "服务态度", "前台人员态度差", "到前台咨询停车卡办理，工作人员不耐烦。", False),
    (TicketKind.SUGGESTION, "其他", "建议增设快递柜", "小区快递越来越多，建议在北门增设快递柜。", False),
    (TicketKind.INQUIRY, "收费", "物业费计费面积咨询", "想了解物业费是按建筑面积还是套内面积计算。", True),
)

# How far each demo ticket gets: older tickets are mostly closed (a few stay open and are
# carried forward on the weekly board as 老问题); the last week has every state.
OLD_PATHS = (
    "archived", "archived", "followed_up", "archived", "unresolvable", "archived", "withdrawn",
    "archived", "resolved", "archived", "reopened", "archived", "archived", "suspended",
    "archived", "followed_up", "archived", "dispatched",
)
RECENT_PATHS = (
    "pending", "accepted", "dispatched", "on_site", "resolved", "archived", "withdrawn",
    "suspended", "followed_up", "reopened", "dispatched", "resolved", "unresolvable", "on_site",
)


def _roster(community: Community, cast: DemoCast) -> None:
    """Categories, the technician's skills and a duty roster around today."""
    services.create_default_categories(community, actor=None)
    repairs = Category.objects.in_community(community).filter(kind=TicketKind.REPAIR)
    Category.objects.filter(pk__in=repairs.filter(name__in=("水电", "公共照明"))).update(
        auto_dispatch=True)
    Skill.objects.bulk_create([Skill(community=community, member=cast.technician, category=c)
                               for c in repairs], ignore_conflicts=True)
    today = timezone.localdate()
    shifts = []
    for offset in range(-30, 15):
        day = today + dt.timedelta(days=offset)
        start = dt.datetime.combine(day, dt.time(8, 0), tzinfo=timezone.get_current_timezone())
        shifts.append(Shift(community=community, member=cast.technician, starts_at=start,
                            ends_at=start + dt.timedelta(hours=12), note="白班"))
    Shift.objects.bulk_create(shifts)


def load_demo(community: Community, *, cast: DemoCast | None = None, seed: int = 2026,
              count: int = 48, now: dt.datetime | None = None) -> int:
    """Loads ``count`` tickets spread over the four weeks before ``now``, reported by demo-owner
    and the service desk and worked by the demo's dispatcher and technician; returns how many
    (0 if the community has tickets already or lacks one of them)."""
    cast = cast or DemoCast.of(community)
    if None in (cast.service, cast.dispatcher, cast.technician, cast.manager) \
            or Ticket.objects.in_community(community).exists():
        return 0
    _roster(community, cast)
    now = now or timezone.now()
    rng = random.Random(f"sunlit-demo-tickets:{community.code}:{seed}")  # noqa: S311
    categories = {(c.kind, c.name): c for c in Category.objects.in_community(community)}
    buildings = list(Building.objects.in_community(community).exclude(name__contains="车库"))
    reporters = list(Person.objects.in_community(community).filter(
        ownerships__end__isnull=True, ownerships__unit__usage="residential", user__isnull=True)
        .distinct().order_by("pk")[:400])
    owner_units = list(Unit.objects.of_user(cast.owner)) if cast.owner else []
    made = 0
    for number in range(count):
        kind, category_name, title, description, in_home = REPORTS[number % len(REPORTS)]
        category = categories[(kind, category_name)]
        # a working-hours moment in the last four weeks, later tickets nearer to now
        age = dt.timedelta(days=27 * (count - number) / count, hours=rng.randint(0, 9))
        at = timezone.localtime(now - age).replace(minute=rng.choice((5, 17, 32, 48)), second=0,
                                                   microsecond=0)
        at = at.replace(hour=min(max(at.hour, 8), 19))  # office hours, Shanghai time
        if at > now - dt.timedelta(hours=3):
            at = now - dt.timedelta(hours=3, minutes=number)
        own = cast.owner is not None and owner_units and number % 6 == 0
        reporter = None if own else rng.choice(reporters)
        unit = None
        if in_home:
            unit = owner_units[0] if own else (
                Unit.objects.filter(ownerships__person=reporter, ownerships__end__isnull=True)
                .order_by("pk").first())
        building = None if unit is not None else rng.choice(buildings)
        where = {"unit": unit} if unit is not None else {
            "building": building, "floor": rng.randint(1, 18) if kind == TicketKind.REPAIR else None,
            "location_text": "" if kind == TicketKind.REPAIR else "小区公共区域"}
        if own:
            ticket = services.submit_ticket(community, actor=cast.owner, kind=kind, category=category,
                                            title=title, description=description, now=at,
                                            idempotency_key=f"demo-{number}", **where)
        else:
            ticket = services.submit_ticket(community, actor=cast.service, kind=kind,
                                            category=category, title=title,
                                            description=description, reporter=reporter,
                                            channel=Channel.PHONE, now=at,
                                            idempotency_key=f"demo-{number}", **where)
        paths = OLD_PATHS if age > dt.timedelta(days=7) else RECENT_PATHS
        _advance(ticket, paths[number % len(paths)], cast, at, rng, now)
        made += 1
    services.run_escalations(now=now)
    return made


def _advance(ticket: Ticket, goal: str, cast: DemoCast, at: dt.datetime, rng: random.Random,
             now: dt.datetime) -> None:
    """Walks one ticket along the workflow to ``goal``, minutes apart (sometimes too slowly)."""
    slow = rng.random() < 0.25

    def later(minutes):
        nonlocal at
        at = min(at + dt.timedelta(minutes=minutes * (30 if slow else 1)), now)
        return at

    reporter_actor = ticket.reporter_user or cast.service
    if goal == "pending":
        return
    if goal == "withdrawn":
        services.withdraw_ticket(ticket, actor=reporter_actor, note="问题已自行解决", now=later(20))
        return
    repair = ticket.kind == TicketKind.REPAIR
    if ticket.status == "pending":
        ticket = services.accept_ticket(ticket, actor=cast.service, now=later(rng.randint(3, 25)))
    if goal == "accepted" or (not repair and goal in ("dispatched", "on_site")):
        return
    if not repair and goal == "suspended":
        services.suspend_ticket(ticket, actor=cast.dispatcher, now=later(30),
                                reason="等待业主提供更多情况说明")
        return
    if not repair and goal != "unresolvable":
        ticket = services.resolve_ticket(ticket, actor=cast.service, now=later(rng.randint(60, 600)),
                                         note="已联系责任部门处理，并向业主说明情况。")
    else:
        if ticket.status != "dispatched":
            ticket = services.dispatch_ticket(ticket, to=cast.technician, actor=cast.dispatcher,
                                              now=later(rng.randint(2, 15)))
        if goal == "dispatched":
            return
        if goal == "unresolvable":
            services.mark_unresolvable(ticket, actor=cast.dispatcher, now=later(90),
                                       reason="涉及开发商遗留的结构问题，已报住建部门，物业无权处理。")
            return
        ticket = services.arrive_ticket(ticket, actor=cast.technician.user,
                                        now=later(rng.randint(20, 110)))
        if goal == "on_site":
            return
        if goal == "suspended":
            services.suspend_ticket(ticket, actor=cast.technician.user, now=later(10),
                                    reason="需要订购配件，预计三天到货")
            return
        ticket = services.resolve_ticket(
            ticket, actor=cast.technician.user, now=later(rng.randint(30, 240)),
            note="已更换损坏部件，现场测试正常。", labor_minutes=rng.choice((20, 35, 50, 90)),
            materials=[{"name": "角阀", "quantity": "1", "unit": "个"}] if ticket.unit_id else None)
    if goal == "resolved":
        return
    if goal == "reopened":
        services.reopen_ticket(ticket, actor=reporter_actor, now=later(300), reason="问题又出现了")
        return
    rating = rng.choice((5, 5, 4, 4, 3, 2, 5, 1))
    if ticket.reporter_user is not None:  # only the owner himself rates (never the service desk)
        services.rate_ticket(ticket, actor=ticket.reporter_user, rating=rating, now=later(120),
                             comment="处理及时，师傅很专业" if rating >= 4 else "拖了很久才来")
    ticket = services.follow_up_ticket(ticket, actor=cast.service, now=later(240),
                                       note="电话回访，业主表示问题已解决。")
    if goal == "archived":
        services.archive_ticket(ticket, actor=cast.service, now=later(60))
