"""Demo votes for a demo community: one open for ballots, one announced.

Everything goes through the services with times relative to the moment of loading, so the log
holds the announcement, the frozen electorate and the ballots exactly as real use would. Owners
with demo accounts who hold a unit cast a ballot in the open vote.
"""

from __future__ import annotations

import datetime as dt

from sunlit.core.models import Community, User
from sunlit.governance.votes import balloting, services
from sunlit.governance.votes.choices import MatterKind
from sunlit.governance.votes.models import Vote, VoteVoter


def load_demo(community: Community, *, actor: User, now: dt.datetime) -> list[Vote]:
    """The two demo votes, announced by ``actor`` (a committee member holding no company role):
    the open one and the announced one."""
    day = dt.timedelta(days=1)
    open_vote = services.create_vote(
        community, actor=actor, title="使用维修资金更换 3 号楼电梯曳引机",
        description="3 号楼 1 单元电梯曳引机老化，经检测建议更换。预算 18.6 万元，"
                    "由 3 号楼业主分摊的专项维修资金列支。施工方案与报价见表决材料。",
        matter=MatterKind.USE_FUND, opens_at=now - 5 * day, closes_at=now + 10 * day)
    services.announce_vote(open_vote, actor=actor, now=now - 20 * day)
    services.open_vote(open_vote, actor=actor, now=now - 5 * day)
    voters = (VoteVoter.objects.filter(vote=open_vote, person__user__isnull=False)
              .select_related("vote_unit", "person__user").order_by("pk"))
    for n, voter in enumerate(voters[:20]):
        balloting.cast_ballot(open_vote, voter.vote_unit, actor=voter.person.user,
                              choice=("yes", "yes", "no", "abstain")[n % 4],
                              now=now - 4 * day + n * dt.timedelta(hours=3))
    announced = services.create_vote(
        community, actor=actor, title="在北门增设电动自行车集中充电棚",
        description="利用北门绿地旁的共有场地建设充电棚（约 60 个车位），按次收费，"
                    "收益归全体业主所有。",
        matter=MatterKind.COMMON_USE, opens_at=now + 16 * day, closes_at=now + 30 * day)
    services.announce_vote(announced, actor=actor, now=now)
    return [open_vote, announced]
