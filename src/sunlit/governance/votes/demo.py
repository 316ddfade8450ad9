"""Demo votes for a demo community: two open for ballots, one announced.

Everything goes through the services with times relative to the moment of loading, so the log
holds the announcement, the frozen electorate and the ballots exactly as real use would. Each
vote has its material attached and the electorate its matter concerns: the lift of 3号楼 is
decided by the owners of 3号楼, the renewal of the property company by every owner. Owners with
accounts cast their ballots, except demo-owner, whose ballot on the renewal is his to cast.
"""

from __future__ import annotations

import datetime as dt
import io

from sunlit.core import rendering, uploads
from sunlit.core.models import Community, User
from sunlit.governance.votes import balloting, services
from sunlit.governance.votes.choices import MatterKind, VoteScope
from sunlit.governance.votes.models import Vote, VoteVoter
from sunlit.registry.models import Building


def _material(community: Community, actor: User, title: str, paragraphs: list[str]):
    """A one-page PDF the owners read before voting (a plan, a quote, a contract summary)."""
    body = "".join(f"<p>{p}</p>" for p in paragraphs)
    html = ("<html><head><meta charset='utf-8'><style>body{font-family:'Noto Sans CJK SC',"
            f"sans-serif;font-size:10.5pt}}</style></head><body><h2>{title}</h2>{body}</body></html>")
    return uploads.store_document(io.BytesIO(rendering.pdf(html)), community=community, actor=actor,
                                  original_name="vote-material.pdf")


def load_demo(community: Community, *, actor: User, now: dt.datetime,
              leave: User | None = None) -> list[Vote]:
    """The demo votes, announced by ``actor`` (a committee member holding no company role):
    the lift vote of 3号楼 (open), the announced charging shed, and the renewal (open), in
    which the owners with accounts have voted except ``leave`` (demo-owner votes himself)."""
    day = dt.timedelta(days=1)
    building = Building.objects.in_community(community).filter(name="3号楼").first()
    lift = services.create_vote(
        community, actor=actor, title="使用维修资金更换 3 号楼电梯曳引机",
        description="3 号楼 1 单元电梯曳引机老化，经检测建议更换。预算 18.6 万元，"
                    "由 3 号楼业主分摊的专项维修资金列支。施工方案与报价见表决材料。",
        matter=MatterKind.USE_FUND, opens_at=now - 5 * day, closes_at=now + 10 * day,
        scope=VoteScope.BUILDINGS if building else VoteScope.COMMUNITY,
        buildings=[building] if building else [])
    services.add_document(lift, _material(community, actor, "3 号楼电梯曳引机更换方案及报价", [
        "检测结论：曳引机运行噪声与振动超标，钢丝绳磨损，维保单位建议更换（检测报告编号 DT-2026-117）。",
        "方案：更换永磁同步曳引机一台及钢丝绳一套，施工期间停梯 5 天，提前 7 天公告。",
        "报价：186,000.00 元（设备 142,000.00 元，安装调试 31,000.00 元，检验 13,000.00 元），"
        "三家比价取最低价，报价单附后。",
        "分摊：由 3 号楼全体业主按专有面积分摊，从各户专项维修资金列支。"]),
        actor=actor, title="更换方案、报价与分摊说明")
    services.announce_vote(lift, actor=actor, now=now - 20 * day)
    services.open_vote(lift, actor=actor, now=now - 5 * day)
    voters = (VoteVoter.objects.filter(vote=lift, person__user__isnull=False)
              .select_related("vote_unit", "person__user").order_by("pk"))
    for n, voter in enumerate(voters[:20]):
        balloting.cast_ballot(lift, voter.vote_unit, actor=voter.person.user,
                              choice=("yes", "yes", "no", "abstain")[n % 4],
                              now=now - 4 * day + n * dt.timedelta(hours=3))
    announced = services.create_vote(
        community, actor=actor, title="在北门增设电动自行车集中充电棚",
        description="利用北门绿地旁的共有场地建设充电棚（约 60 个车位），按次收费，"
                    "收益归全体业主所有。",
        matter=MatterKind.COMMON_USE, opens_at=now + 16 * day, closes_at=now + 30 * day)
    services.add_document(announced, _material(community, actor, "北门充电棚选址与收费方案", [
        "选址：北门绿地东侧原自行车棚（约 180 ㎡），不占用绿化与消防通道。",
        "建设：60 个充电车位，带过载断电与烟感报警，建设费 8.4 万元由运营方承担。",
        "收费：1 元/4 小时；运营方每月按充电收入的 30% 向业主共有账户支付场地使用费，逐月公示。"]),
        actor=actor, title="选址、建设与收费方案")
    services.announce_vote(announced, actor=actor, now=now)
    renewal = services.create_vote(
        community, actor=actor, title="续聘阳光物业服务有限公司（2027—2029 年）",
        description="现物业服务合同 2026 年 12 月 31 日到期。业委会经满意度调查与服务考核，"
                    "提请续聘三年，服务标准与收费标准不变。合同摘要见表决材料。",
        matter=MatterKind.MANAGER, opens_at=now - 2 * day, closes_at=now + 12 * day)
    services.add_document(renewal, _material(community, actor, "物业服务合同（续签）摘要", [
        "期限：2027 年 1 月 1 日至 2029 年 12 月 31 日。",
        "收费：住宅 2.35 元/㎡·月，车位管理费 80 元/个·月，三年不变。",
        "考核：每季度满意度调查；年度考核不合格的，业主大会可提前解聘。",
        "公开：每月公开收支（阳光账本），每周公开投诉与报修处理（曝光台）。"]),
        actor=actor, title="合同摘要")
    services.announce_vote(renewal, actor=actor, now=now - 17 * day)
    services.open_vote(renewal, actor=actor, now=now - 2 * day)
    voters = (VoteVoter.objects.filter(vote=renewal, person__user__isnull=False)
              .exclude(person__user=leave).select_related("vote_unit", "person__user").order_by("pk"))
    for n, voter in enumerate(voters[:20]):
        balloting.cast_ballot(renewal, voter.vote_unit, actor=voter.person.user,
                              choice=("yes", "yes", "yes", "no")[n % 4],
                              now=now - 2 * day + (n + 1) * dt.timedelta(hours=2))
    return [lift, announced, renewal]
