"""Demo meetings and public comment periods, loaded through the services.

One past 阳光议事会 with attendance, minutes and decisions linked to the elevator vote and a
ticket; one announced 业委会会议; one open 征求意见 (电梯维保合同续签) with owners' comments and
answers; one closed 征求意见 with its summary, leading to the announced vote.
"""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from sunlit.core.choices import Role
from sunlit.core.demo import DemoCast
from sunlit.core.models import Community, Membership, User
from sunlit.governance.consultations import services as consultations
from sunlit.governance.consultations.models import ConsultationKind
from sunlit.governance.meetings import services as meetings
from sunlit.governance.meetings.models import MeetingKind, Organiser
from sunlit.registry.models import Ownership

DAY = dt.timedelta(days=1)


def _owners(community: Community, limit: int) -> list[User]:
    owner_ids = (Membership.objects.in_community(community).active()
                 .filter(role=Role.OWNER).values("user_id"))
    users, seen = [], set()
    for ownership in (Ownership.objects.current().filter(community=community,
                                                          person__user_id__in=owner_ids)
                      .select_related("person__user").order_by("pk")):
        user = ownership.person.user
        if user.pk not in seen:
            seen.add(user.pk)
            users.append(user)
        if len(users) >= limit:
            break
    return users


def load_demo(community: Community, *, cast: DemoCast, actor: User, now: dt.datetime,
              votes=()) -> int:
    """Loads the demo meetings and comment periods; returns how many objects it made."""
    from sunlit.tickets.models import Ticket

    manager = cast.lead(Role.MANAGER) or actor
    service = cast.lead(Role.SERVICE) or manager
    owners = _owners(community, 6)
    elevator_vote = votes[0] if votes else None
    later_vote = votes[1] if len(votes) > 1 else None
    ticket = Ticket.objects.in_community(community).order_by("pk").first()

    # a past 阳光议事会: notice, registrations, sign-in, decisions, minutes
    held_at = timezone.localtime(now - 12 * DAY).replace(hour=19, minute=0, second=0, microsecond=0)
    past = meetings.create_meeting(
        community, actor=actor, kind=MeetingKind.SUNSHINE,
        title=f"第{'一二三四'[(held_at.month - 1) // 3]}季度阳光议事会",
        organiser=Organiser.COMMITTEE, starts_at=held_at, ends_at=held_at + dt.timedelta(hours=2),
        place="小区会所二楼活动室",
        description="业委会、物业服务中心与业主代表共同商议近期公共事务。",
        agenda=[("3 号楼电梯曳引机更换", "检测报告与两家报价"),
                ("地下车库渗水整改", "报修工单的处理进度"),
                ("北门电动自行车充电棚", "选址与收费方式")])
    notice = meetings.notice_days(MeetingKind.SUNSHINE)
    meetings.announce_meeting(past, actor=actor, now=held_at - (notice + 1) * DAY)
    if not past.attendees.filter(user=manager).exists():
        meetings.invite_member(past, manager, actor=actor)
    attendees = [meetings.register_for_meeting(past, actor=user, now=held_at - (3 + n) * DAY)
                 for n, user in enumerate(owners[:5])]
    signed = [a for a in past.attendees.exclude(role="owner")] + attendees[:4]
    for n, attendee in enumerate(signed):
        meetings.sign_in(attendee, actor=service, now=held_at - dt.timedelta(minutes=15 - n))
    meetings.hold_meeting(past, actor=actor, now=held_at + dt.timedelta(minutes=5))
    meetings.add_decision(past, actor=actor,
                          text="同意就使用维修资金更换 3 号楼电梯曳引机发起业主表决。",
                          votes=[elevator_vote] if elevator_vote else [])
    meetings.add_decision(past, actor=actor,
                          text="地下车库渗水由物业在两周内完成整改，进度在工单中公开。",
                          tickets=[ticket] if ticket else [])
    meetings.add_decision(past, actor=actor,
                          text="充电棚选址先行征求业主意见，再提交业主表决。")
    meetings.publish_minutes(
        past, actor=actor, now=held_at + DAY,
        text="会议由业委会主任主持，物业项目经理列席。\n"
             "一、电梯：检测报告显示曳引机磨损超标，与会人员同意发起维修资金使用表决。\n"
             "二、车库渗水：物业说明了报修工单的处理安排，业主代表将跟踪。\n"
             "三、充电棚：先公示选址方案并征求意见。")

    # an announced 业委会会议
    upcoming = timezone.localtime(
        now + (meetings.notice_days(MeetingKind.COMMITTEE) + 3) * DAY).replace(
        hour=19, minute=30, second=0, microsecond=0)
    announced = meetings.create_meeting(
        community, actor=actor, kind=MeetingKind.COMMITTEE, title=f"业委会{upcoming.month}月例会",
        organiser=Organiser.COMMITTEE, starts_at=upcoming, place="业委会办公室",
        online_link="https://meeting.example.cn/j/2026100",
        agenda=[("电梯维保合同续签意见汇总", ""), ("公共收益季度公示", "")])
    meetings.announce_meeting(announced, actor=actor, now=now - DAY)
    if owners:
        meetings.register_for_meeting(announced, actor=owners[0], now=now)

    # an open 征求意见 with comments and answers
    open_item = consultations.create_consultation(
        community, actor=actor, kind=ConsultationKind.COMMENT, topic="elevator",
        title="电梯维保合同续签征求意见",
        description="现电梯维保合同将于年底到期。物业拟与原维保单位续签三年，年费 4.8 万元"
                    "（较上期上涨 6%），含 24 小时应急救援与每半月一次保养。请各位业主提出意见。",
        starts_at=now - 3 * DAY, ends_at=now + 7 * DAY)
    consultations.publish_consultation(open_item, actor=actor, now=now - 3 * DAY)
    texts = ["涨价 6% 的依据是什么？能否公开其他两家的报价？",
             "希望合同里写明困人救援的到场时限。",
             "同意续签，这家维保单位响应比较及时。"]
    for n, (user, text) in enumerate(zip(owners[1:4], texts, strict=False)):
        item = consultations.comment(open_item, actor=user, text=text,
                                     now=now - (2 * DAY) + n * dt.timedelta(hours=5))
        if n < 2:
            consultations.answer(item, actor=manager, now=now - DAY + n * dt.timedelta(hours=2),
                                 text=("三家报价单已作为公示材料补充上传，涨价主要是人工成本。"
                                       if n == 0 else "合同将约定接警后 30 分钟内到场。"))

    # a closed 征求意见 with its summary, leading to the announced vote
    closed = consultations.create_consultation(
        community, actor=actor, kind=ConsultationKind.COMMENT, topic="parking",
        title="北门电动自行车充电棚选址征求意见",
        description="拟在北门绿地旁共有场地建设充电棚（约 60 个车位）。",
        starts_at=now - 30 * DAY, ends_at=now - 20 * DAY)
    consultations.publish_consultation(closed, actor=actor, now=now - 30 * DAY)
    for n, user in enumerate(owners[:2]):
        item = consultations.comment(closed, actor=user, now=now - (28 - n) * DAY,
                                     text=("离我家窗户太近，担心充电安全。" if n == 0
                                           else "支持，楼道里充电太危险了。"))
        consultations.answer(item, actor=manager, now=now - (26 - n) * DAY,
                             text="充电棚将配备烟感与自动灭火装置，与住宅保持 6 米以上距离。")
    consultations.close_consultation(
        closed, actor=actor, now=now - 19 * DAY, vote=later_vote,
        summary="共收到意见 2 条，均已答复。采纳安全距离的意见，方案调整后提交业主表决。")
    return 4
