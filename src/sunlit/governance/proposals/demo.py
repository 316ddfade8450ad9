"""Demo proposals (金点子) for the demo community: one in every state — collecting support,
awaiting the answer, overdue, answered and closed, turned into a vote and into a ticket,
withdrawn — and an interim owners' meeting request collecting signatures.

Everything goes through the services with times relative to the moment of loading. Supporters
are owners of the roster given an (unactivated) account, as the service desk does when it
issues activation codes; they cannot log in until activated.
"""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from sunlit.core.choices import Role
from sunlit.core.demo import DemoCast
from sunlit.core.models import Community, Person, User
from sunlit.core.services import grant_membership
from sunlit.governance.proposals import services as proposals
from sunlit.governance.proposals.choices import Decision, ProposalKind
from sunlit.governance.votes.choices import MatterKind
from sunlit.registry.models import Ownership

DAY = dt.timedelta(days=1)
THRESHOLD = 5  # the demo community's setting: small, so that the demo stays quick to load
SUPPORTERS = 10


def _supporters(community: Community, on: dt.date) -> list[User]:
    """Owners of the roster with accounts: the demo logins first, then some more owners."""
    persons = (Ownership.objects.in_community(community).current(on)
               .filter(person__user__isnull=True, person__kind="natural")
               .order_by("unit__building__sort_key", "unit_id")
               .values_list("person_id", flat=True).distinct())
    chosen = list(dict.fromkeys(persons))[: SUPPORTERS * 3 : 3][:SUPPORTERS]
    users = []
    for n, person in enumerate(Person.objects.filter(pk__in=chosen).order_by("pk")):
        user = User(username=f"demo-owner-{community.code}-{n + 1:02d}", display_name=person.name)
        user.set_unusable_password()
        user.save()
        person.user = user
        person.save(update_fields=["user"])
        grant_membership(user, community, Role.OWNER, actor=None)
        users.append(user)
    return users


def load_demo(community: Community, *, cast: DemoCast | None = None,
              now: dt.datetime | None = None) -> int:
    """Loads the demo proposals into ``community``; returns how many (0 if it has some
    already, or has no committee member or demo owner)."""
    from sunlit.governance.proposals.models import Proposal

    if Proposal.objects.in_community(community).exists():
        return 0
    now = now or timezone.now()
    cast = cast or DemoCast.of(community)
    committee, demo_owner = cast.lead(Role.COMMITTEE), cast.owner
    if committee is None or demo_owner is None:
        return 0
    proposals.set_policy(community, actor=committee, support_threshold=THRESHOLD, answer_days=15,
                         convene_days=15)
    crowd = _supporters(community, timezone.localdate(now - 60 * DAY))
    if len(crowd) < THRESHOLD + 1:
        return 0
    authors = [demo_owner, *crowd]

    def propose(n: int, days_ago: float, title: str, text: str, category: str,
                supporters: int, kind: str = ProposalKind.IDEA):
        at = now - days_ago * DAY
        author = authors[n % len(authors)]
        proposal = proposals.submit_proposal(community, actor=author, kind=kind, title=title,
                                             text=text, category=category, now=at)
        backers = [u for u in [demo_owner, *crowd] if u.pk != author.pk][:supporters]
        for i, user in enumerate(backers):
            proposals.support_proposal(proposal, actor=user, now=at + (i + 1) * dt.timedelta(hours=5))
        proposal.refresh_from_db()
        return proposal

    made = []
    done = propose(3, 50, "中心花园增设儿童滑梯和沙池",
                   "中心花园只有健身器材，小朋友没有玩的地方。建议在花园东侧空地增设滑梯和沙池，"
                   "铺设软质地面。", "facilities", THRESHOLD)
    proposals.answer_proposal(done, actor=committee, decision=Decision.ACCEPTED,
                              answer="采纳。业委会已与物业商定，从公共收益中列支约 2.8 万元，"
                                     "于下月完成安装，方案公示 7 天。", now=now - 40 * DAY)
    proposals.close_proposal(done, actor=committee, note="滑梯和沙池已安装并验收",
                             now=now - 10 * DAY)
    made.append(done)
    to_vote = propose(4, 30, "利用 5 号楼架空层设置业主活动室",
                      "5 号楼架空层长期闲置堆放杂物，建议清理后改为业主活动室（棋牌、阅览），"
                      "由业委会制定使用规则。", "rules", THRESHOLD)
    proposals.answer_proposal(
        to_vote, actor=committee, decision=Decision.TO_VOTE,
        answer="改变共有部分用途须经业主共同决定（《民法典》第二百七十八条），已拟定表决草稿，"
               "公告后请业主投票。",
        vote_fields={"matter": MatterKind.COMMON_USE, "opens_at": now + 25 * DAY,
                     "closes_at": now + 40 * DAY}, now=now - 20 * DAY)
    made.append(to_vote)
    to_ticket = propose(5, 20, "7 号楼楼道灯改为感应灯",
                        "7 号楼楼道灯常亮到天亮，费电；建议改为人体感应灯。", "facilities", THRESHOLD)
    proposals.answer_proposal(to_ticket, actor=committee, decision=Decision.TO_TICKET,
                              answer="属于日常维护，已转物业工程部办理，费用从公共照明维护费列支。",
                              now=now - 15 * DAY)
    made.append(to_ticket)
    made.append(propose(6, 28, "公开电梯维保记录和年检报告",
                        "希望每台电梯的维保记录、年检报告在电梯内和网上公示，方便业主监督。",
                        "safety", THRESHOLD))  # reached ~24 days ago, 15 days to answer: overdue
    made.append(propose(7, 6, "地库 B 区增设电动自行车充电桩",
                        "电动车在楼道充电有火灾隐患，建议在地库 B 区集中设置充电桩，按电量收费。",
                        "safety", THRESHOLD))  # awaiting the answer, within the deadline
    made.append(propose(0, 4, "北门增设快递柜", "北门快递堆在门岗地上，丢件多；建议增设智能快递柜。",
                        "service", 3))  # demo-owner's own idea, collecting support
    made.append(propose(8, 2, "小区绿化补种桂花树", "西区草坪有几处空地，建议补种桂花树。",
                        "environment", 2))
    withdrawn = propose(9, 12, "周末禁止装修施工", "建议周末全天禁止装修施工。", "rules", 1)
    proposals.withdraw_proposal(withdrawn, actor=withdrawn.author, now=now - 11 * DAY)
    made.append(withdrawn)
    made.append(propose(10, 9, "提议召开临时业主大会，审议公共收益使用方案",
                        "公共收益账目已积累三年，提议召开临时业主大会，审议公共收益使用方案和"
                        "审计安排。根据《物业管理条例》第十三条，经 20% 以上业主提议，业委会应当"
                        "组织召开。", "rules", 3, kind=ProposalKind.INTERIM_MEETING))
    proposals.mark_overdue(now)
    return len(made)
