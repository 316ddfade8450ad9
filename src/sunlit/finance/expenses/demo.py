"""Demo public money for a demo community (task `fund`), through the services.

Public income (elevator advertising, venue rent for a convenience store, parking rent) with
receipt images; expenses: one paid on the manager's approval, one paid from public income with
the manager's and a committee member's approval, one waiting for the committee; the
maintenance fund's initial collection (60 元/㎡ for every unit) and two uses: an emergency
repair approved by the manager and the committee, and a roof repair by a passed owners' vote
of one stairwell's owners (entered as paper ballots and confirmed by a second staff member).
"""

from __future__ import annotations

import datetime as dt
import io

from django.utils import timezone
from PIL import Image, ImageDraw

from sunlit.core import uploads
from sunlit.core.choices import PersonKind, Role
from sunlit.core.demo import DemoCast
from sunlit.core.models import Community, User
from sunlit.finance.expenses import services as expenses
from sunlit.finance.fund import services as fund
from sunlit.finance.models import FundDeposit
from sunlit.registry.models import Building, Unit

DAY = dt.timedelta(days=1)


def _receipt_image(title: str, amount: str, n: int) -> bytes:
    """A small receipt-like picture (ASCII only: no font files needed)."""
    image = Image.new("RGB", (360, 240), (252, 250, 240))
    draw = ImageDraw.Draw(image)
    draw.rectangle((8, 8, 351, 231), outline=(190, 40, 40), width=3)
    draw.text((24, 24), "RECEIPT / FAPIAO", fill=(190, 40, 40))
    draw.text((24, 70), title, fill=(30, 30, 30))
    draw.text((24, 110), f"CNY {amount}", fill=(30, 30, 30))
    draw.text((24, 150), f"No. 3100{n:08d}", fill=(90, 90, 90))
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=80)
    return buffer.getvalue()


def _plan_document(community: Community, actor: User, units) -> object:
    """The material owners read before voting: the works, the budget and each home's share."""
    from sunlit.core import rendering, uploads

    rows = "".join(f"<tr><td>{u.label}</td><td>{u.area} ㎡</td></tr>" for u in units)
    html = (
        "<html><head><meta charset='utf-8'><style>body{font-family:'Noto Sans CJK SC',sans-serif;"
        "font-size:10pt}td,th{border:1px solid #999;padding:2px 6px}</style></head><body>"
        f"<h2>{units[0].building.name}{units[0].entrance}单元 顶层屋面防水翻新方案</h2>"
        "<p>现状：屋面防水层使用十五年，顶层多户反映雨天渗漏，经检测需整体翻新。</p>"
        "<p>方案：铲除旧防水层，铺设 4mm SBS 改性沥青防水卷材两道，保修五年。</p>"
        "<p>预算：24,000.00 元（人工 9,600.00 元，材料 14,400.00 元），由本单元受益业主按专有面积分摊，"
        "从各户专项维修资金列支。</p><table><tr><th>房屋</th><th>专有面积</th></tr>"
        f"{rows}</table></body></html>")
    return uploads.store_document(io.BytesIO(rendering.pdf(html)), community=community, actor=actor,
                                  original_name="roof-plan.pdf")


def _receipts(community, actor, title, amount, n, count=1):
    return [
        uploads.store_image(
            _receipt_image(title, amount, n + i),
            community=community,
            actor=actor,
            original_name=f"receipt-{n + i}.jpg",
        )
        for i in range(count)
    ]


def load_demo(community: Community, *, cast: DemoCast | None = None,
              now: dt.datetime | None = None) -> int:
    """Loads the demo public money; returns the number of records made (0 if already there or
    the community lacks a finance member, a manager or a committee member)."""
    if FundDeposit.objects.in_community(community).exists():
        return 0
    cast = cast or DemoCast.of(community)
    finance, manager = cast.lead(Role.FINANCE), cast.lead(Role.MANAGER)
    committee = cast.lead(Role.COMMITTEE)
    if not (finance and manager and committee):
        return 0
    now = now or timezone.now()
    today = timezone.localdate(now)
    made = 0
    for n, (category, payer, amount, days, note) in enumerate(
        (
            ("advertising", "上海分众传媒有限公司", "12000.00", 40, "电梯轿厢广告位 2 季度租金"),
            ("venue", "好邻居便利店（明强店）", "3000.00", 25, "北门会所一层场地租金"),
            ("parking", "上海捷停停车管理有限公司", "4800.00", 10, "地面临时停车收益分成"),
        )
    ):
        expenses.record_public_income(
            community,
            actor=finance,
            category=category,
            payer=payer,
            amount=amount,
            received_on=today - days * DAY,
            description=note,
            receipts=_receipts(community, finance, category.upper(), amount, 100 + n),
            now=now - days * DAY,
        )
        made += 1
    small = expenses.create_expense(
        community,
        actor=finance,
        category="6405",
        payee="上海安居门禁系统有限公司",
        amount="860.00",
        spent_on=today - 8 * DAY,
        description="更换 2 号楼单元门禁控制器",
        receipts=_receipts(community, finance, "ACCESS CONTROL", "860.00", 200),
        submit=True,
        now=now - 8 * DAY,
    )
    expenses.approve_expense(small, actor=manager, note="已现场核验", now=now - 7 * DAY)
    expenses.post_expense(small, actor=finance, now=now - 6 * DAY)
    big = expenses.create_expense(
        community,
        actor=finance,
        category="2243",
        payee="上海童乐游乐设备有限公司",
        amount="9600.00",
        spent_on=today - 5 * DAY,
        description="从公共收益列支：更换中心花园儿童游乐设施（三家比价，选最低价）",
        receipts=_receipts(community, finance, "PLAYGROUND", "9600.00", 300, count=1),
        submit=True,
        now=now - 5 * DAY,
    )
    expenses.approve_expense(big, actor=manager, note="同意", now=now - 4 * DAY)
    expenses.approve_expense(big, actor=committee, note="业委会已核对比价单", now=now - 3 * DAY)
    expenses.post_expense(big, actor=finance, now=now - 2 * DAY)
    expenses.create_expense(
        community,
        actor=finance,
        category="6403",
        payee="上海绿之源园林绿化有限公司",
        amount="6800.00",
        spent_on=today - DAY,
        description="秋季乔木修剪与补植",
        receipts=_receipts(community, finance, "GREENING", "6800.00", 400),
        submit=True,
        now=now - DAY,
    )
    made += 3
    fund.collect_initial(
        community, actor=finance, rate="60", deposited_on=today - 60 * DAY, now=now - 60 * DAY
    )
    building = Building.objects.in_community(community).order_by("name", "pk").first()
    emergency = fund.create_fund_use(
        community,
        actor=finance,
        title="3 号楼消防水泵抢修",
        contractor="上海安消消防工程有限公司",
        amount="4860.00",
        used_on=today - 12 * DAY,
        basis="emergency",
        emergency_reason="消防水泵电机烧毁，消防系统失压，危及安全，按应急程序先行维修",
        documents=_receipts(community, finance, "FIRE PUMP", "4860.00", 500, count=1),
        scope="building",
        buildings=[building],
        now=now - 12 * DAY,
    )
    fund.approve_fund_use(emergency, actor=manager, now=now - 12 * DAY)
    fund.approve_fund_use(emergency, actor=committee, now=now - 11 * DAY)
    made += 2
    made += _vote_use(community, cast=cast, finance=finance, manager=manager, committee=committee, now=now)
    return made


def _vote_use(
    community: Community, *, cast: DemoCast, finance: User, manager: User, committee: User, now: dt.datetime
) -> int:
    """A roof repair of one stairwell decided by its owners (paper ballots), paid from the fund."""
    # Paper ballots are entered by the service desk (staff) and confirmed by a committee member.
    clerk = cast.lead(Role.SERVICE)
    if clerk is None:
        return 0
    from sunlit.governance.models import VoteUnit
    from sunlit.governance.votes import balloting
    from sunlit.governance.votes import services as votes
    from sunlit.governance.votes.choices import MatterKind, VoteScope

    # the roof of one stairwell (单元) is repaired: every home of that stairwell shares the cost
    owned = (Unit.objects.in_community(community)
             .filter(ownerships__isnull=False, ownerships__end__isnull=True,
                     ownerships__person__kind=PersonKind.NATURAL, area__gt=0, usage="residential")
             .exclude(entrance=""))
    first = owned.order_by("building__sort_key", "building__name", "entrance").first()
    if first is None:
        return 0
    units = list(owned.filter(building_id=first.building_id, entrance=first.entrance)
                 .select_related("building").order_by("floor", "number").distinct())
    if len(units) < 2:
        return 0
    start = now - 50 * DAY
    vote = votes.create_vote(
        community,
        actor=committee,
        title="使用维修资金修缮顶层屋面防水",
        description=(
            "顶层屋面防水层老化渗漏，经检测需整体翻新。预算 2.4 万元，"
            "由本单元受益业主按面积分摊的专项维修资金列支。"
        ),
        matter=MatterKind.USE_FUND,
        scope=VoteScope.UNITS,
        units=units,
        notice_days=3,
        opens_at=start + 3 * DAY,
        closes_at=start + 10 * DAY,
    )
    votes.add_document(vote, _plan_document(community, committee, units), actor=committee,
                       title="屋面防水翻新方案及预算")
    votes.announce_vote(vote, actor=committee, now=start)
    votes.open_vote(vote, actor=committee, now=start + 3 * DAY)
    for n, vote_unit in enumerate(VoteUnit.objects.filter(vote=vote).order_by("pk")):
        if n % 9 == 4:
            continue  # a few homes never return their ballot
        voter = vote_unit.voters.select_related("person").order_by("pk").first()
        scan = uploads.store_image(
            _receipt_image("BALLOT", "-", 600 + n),
            community=community,
            actor=clerk,
            original_name=f"ballot-{n}.jpg",
        )
        ballot = balloting.enter_ballot(
            vote,
            vote_unit,
            actor=clerk,
            choice="no" if n % 7 == 3 else "abstain" if n % 13 == 6 else "yes",
            scan=scan,
            person=voter.person if voter else None,
            received_at=start + (4 + n % 5) * DAY,
            now=start + 9 * DAY,
        )
        balloting.confirm_ballot(ballot, actor=committee, now=start + 9 * DAY)
    votes.close_vote(vote, actor=committee, now=start + 10 * DAY)
    votes.publish_result(vote, actor=committee, now=start + 10 * DAY)
    vote.refresh_from_db()
    if not vote.result.passed:
        return 0
    votes.make_effective(vote, actor=committee, now=start + 11 * DAY)
    use = fund.create_fund_use(
        community,
        actor=finance,
        title="顶层屋面防水翻新",
        contractor="上海建工防水工程有限公司",
        amount="24000.00",
        used_on=(now - 20 * DAY).date(),
        basis="vote",
        vote=vote,
        documents=_receipts(community, finance, "ROOF", "24000.00", 700, count=1),
        scope="units",
        units=units,
        now=now - 20 * DAY,
    )
    # the committee checks that this is the use the owners decided, then it is posted
    fund.approve_fund_use(use, actor=committee, now=now - 19 * DAY)
    return 1
