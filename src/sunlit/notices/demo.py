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
