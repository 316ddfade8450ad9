"""Demo announcements for 明强小区: one major matter and one ordinary notice."""

from __future__ import annotations

import datetime as dt

from sunlit.core.choices import Role
from sunlit.core.demo import DemoCast
from sunlit.core.models import Community
from sunlit.notices import services
from sunlit.notices.choices import AnnouncementKind
from sunlit.notices.models import Announcement


def load_demo(community: Community, *, cast: DemoCast | None = None, seed: int = 2026,
              now: dt.datetime | None = None) -> int:
    """Publishes the demo announcements as the manager; returns how many (0 if any exist)."""
    if Announcement.objects.in_community(community).exists():
        return 0
    manager = (cast or DemoCast.of(community)).lead(Role.MANAGER)
    if manager is None:
        return 0
    services.publish_announcement(
        community, actor=manager, kind=AnnouncementKind.MAJOR,
        title="3号楼、5号楼电梯年度检验与维保",
        body="根据特种设备年度检验安排，3号楼、5号楼电梯将于下周二 9:00–16:00 分别停运检验与维保，"
             "期间请业主走楼梯，行动不便的住户可提前联系客服安排协助。\n"
             "维保合同及费用明细已在信息公开页公示，费用由公共收益支出，欢迎业主监督。")
    services.publish_announcement(
        community, actor=manager, kind=AnnouncementKind.NOTICE,
        title="冬季供暖管道检查",
        body="本周六起工程部将逐户检查暖气管道与阀门，请业主留意楼道通知并预约方便上门的时间。")
    return 2


# Unread notifications each demo account keeps: the demo replays a year in one go, and
# somebody who used Sunlit through that year would have read all but the last few.
UNREAD_KEPT = 5


def settle_inboxes(community: Community, *, keep: int = UNREAD_KEPT) -> int:
    """Marks all but each person's ``keep`` newest notifications read (called once every app's
    demo has run); returns how many were marked."""
    from collections import Counter

    from django.db.models import F

    from sunlit.notices.models import Notification

    unread = Notification.objects.in_community(community).filter(read_at__isnull=True)
    kept: Counter = Counter()
    read = []
    for pk, recipient in unread.order_by("-created_at", "-id").values_list("id", "recipient_id"):
        kept[recipient] += 1
        if kept[recipient] > keep:
            read.append(pk)
    return sum(unread.filter(id__in=read[i:i + 500]).update(read_at=F("created_at"))
               for i in range(0, len(read), 500))
