"""Every role lands where its work is: a technician on his tasks, a dispatcher on the queue,
staff on today's figures (each a link that opens), owners — committee members included — on
their home, which says what they owe, what they can vote on, what is new and how their
tickets stand."""

from __future__ import annotations

import datetime as dt
import re

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from sunlit.core.choices import Role
from sunlit.tickets import services as tickets
from sunlit.tickets.choices import TicketKind
from sunlit.tickets.models import Category
from tests.finance.conftest import NOW, books, building, homes, property_fee, run  # noqa: F401

FIGURE = re.compile(r'href="([^"]+)" data-testid="figure">\s*<div class="card-body p-2">'
                    r'<div class="text-secondary small">([^<]+)</div>\s*<div class="h2 m-0[^"]*">(\d+)')


@pytest.mark.parametrize("role, landing", [
    (Role.TECHNICIAN, "tickets:my_tasks"), (Role.DISPATCHER, "tickets:queue"),
    (Role.SERVICE, "web:console"), (Role.MANAGER, "web:console"), (Role.FINANCE, "web:console"),
    (Role.AUDITOR, "web:console"), (Role.COMPANY_ADMIN, "web:console"),
    (Role.COMMITTEE, "web:owner_home"), (Role.SUPERVISOR, "web:owner_home"),
])
def test_each_role_lands_where_its_work_is(client, make_member, role, landing):
    client.force_login(make_member(role, username=f"u-{role}"))
    home = client.get("/")
    assert home.status_code == 302 and home.url == reverse(landing)
    assert client.get(home.url).status_code == 200


def _ticket(community, owner, owner_unit, **kw):
    tickets.create_default_categories(community, actor=None)
    category = Category.objects.in_community(community).get(kind=TicketKind.REPAIR, name="水电")
    return tickets.submit_ticket(community, actor=owner, kind=TicketKind.REPAIR, category=category,
                                 title="厨房漏水", description="水槽下面滴水", unit=owner_unit, **kw)


def test_the_managers_figures_count_and_every_one_opens(client, manager, community, owner, owner_unit):
    _ticket(community, owner, owner_unit)
    client.force_login(manager)
    page = client.get(reverse("web:console")).text
    assert "今日待办" in page and "待受理" in page and "减免待审批" in page and "上周曝光台未发布" in page
    figures = FIGURE.findall(page)
    assert len(figures) >= 10
    assert ("待受理", "1") in [(label, n) for _url, label, n in figures]
    for url, label, _n in figures:
        assert client.get(url.replace("&amp;", "&")).status_code == 200, (label, url)


def test_the_dispatchers_queue_and_who_is_on_shift(client, manager, community, technician):
    from django.utils import timezone

    from sunlit.core.models import Membership
    from sunlit.tickets.models import Shift

    member = Membership.objects.get(user=technician, community=community)
    now = timezone.now()
    Shift.objects.create(community=community, member=member, starts_at=now - timezone.timedelta(hours=1),
                         ends_at=now + timezone.timedelta(hours=7))
    client.force_login(manager)
    page = client.get(reverse("web:console")).text
    assert 'data-testid="on-shift"' in page and "手上 0 单" in page


@time_machine.travel(NOW.replace(month=2, day=20), tick=False)
def test_the_owners_home_says_what_he_owes_and_how_his_tickets_stand(
        client, owner, owner_unit, community, run, homes, property_fee):  # noqa: F811
    run()
    _ticket(community, owner, owner_unit)
    client.force_login(owner)
    page = client.get(reverse("web:owner_home")).text
    assert 'data-testid="total-due">¥210.33' in page and reverse("finance:my_bills") in page
    assert "处理中 1 件" in page and "厨房漏水" in page
    assert "目前没有进行中的表决" in page
    assert page.count('data-testid="proof-badge"') <= len(homes)  # once per home, not four times


def test_a_paid_up_owner_sees_nothing_due(client, owner, community):
    client.force_login(owner)
    page = client.get(reverse("web:owner_home")).text
    assert 'data-testid="nothing-due"' in page and "已全部缴清" in page


def test_an_open_vote_waits_for_the_owners_ballot(client, community, committee, owner, owner_unit):
    import datetime as dt

    from django.utils import timezone

    from sunlit.governance.votes import balloting
    from sunlit.governance.votes import services as votes
    from sunlit.governance.votes.choices import MatterKind
    from sunlit.governance.votes.models import VoteUnit

    now = timezone.now()
    vote = votes.create_vote(community, actor=committee, title="续聘物业", description="续聘三年",
                             matter=MatterKind.MANAGER, opens_at=now + dt.timedelta(days=16),
                             closes_at=now + dt.timedelta(days=30))
    votes.announce_vote(vote, actor=committee, now=now)
    vote = votes.open_vote(vote, actor=committee, now=now + dt.timedelta(days=16))
    with time_machine.travel(now + dt.timedelta(days=17), tick=False):
        client.force_login(owner)
        page = client.get(reverse("web:owner_home")).text
        assert "续聘物业" in page and "1 户待投票" in page
        unit = VoteUnit.objects.get(vote=vote, unit=owner_unit)
        balloting.cast_ballot(vote, unit, actor=owner, choice="yes")
        assert "已投票" in client.get(reverse("web:owner_home")).text


def test_committee_members_see_what_awaits_the_owners_side(client, committee, community):
    client.force_login(committee)
    page = client.get(reverse("web:owner_home")).text
    assert "业委会待办" in page and "曝光台待会签" in page and "已登记见证人" in page


def test_boards_to_co_sign_are_the_drafts_not_the_published_ones(client, committee, community):
    from sunlit.board import generation
    from sunlit.board import services as boards

    def waiting() -> int:
        page = client.get(reverse("web:owner_home")).text
        return next(int(n) for _url, label, n in FIGURE.findall(page) if label == "曝光台待会签")

    client.force_login(committee)
    week = generation.last_complete_week(timezone.now())
    draft = boards.generate_board(community, week, actor=None)
    assert waiting() == 1
    boards.cosign_board(draft, actor=committee)
    assert waiting() == 0  # co-signed: it is the staff's turn to publish
    boards.publish_board(draft, actor=None)
    older = boards.generate_board(community, week - dt.timedelta(weeks=1), actor=None)
    boards.publish_board(older, actor=None)
    assert waiting() == 0  # published boards cannot be co-signed any more
