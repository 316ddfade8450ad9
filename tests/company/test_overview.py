"""The company view (公司总览) on the demo's two communities: one page over both, and each
figure the same as on the community's own page it links down to."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from sunlit.company.overview.selectors import overview
from sunlit.core.models import Community, Organization, User


@pytest.fixture
def demo(db):
    from sunlit.demo import load_demo

    return load_demo(units=100, communities=2)


def test_each_figure_is_the_communitys_own(demo):
    from sunlit.finance.arrears.selectors import collection
    from sunlit.finance.billing.models import Bill
    from sunlit.finance.books.ledger import balances
    from sunlit.tickets.models import Ticket
    from sunlit.tickets.selectors import risk_condition, with_next_due

    now = timezone.now()
    today = timezone.localdate(now)
    view = overview(Organization.objects.get(), now=now)
    assert [r.community.code for r in view.rows] == ["mingqiang", "mingqiang-2"]
    for row in view.rows:
        community = row.community
        tickets = Ticket.objects.in_community(community)
        assert row.open_tickets == tickets.open().count()
        assert row.overdue_tickets == with_next_due(tickets.open()).filter(
            risk_condition("overdue", now)).count()
        assert row.collection_rate == collection(community, year=today.year,
                                                 as_of=today).year_rate.percent
        assert row.overdue_units == (Bill.objects.in_community(community).unpaid()
                                     .filter(due_on__lt=today).values("unit_id").distinct()
                                     .count())
        assert row.fund == balances(community).get("2244", {"balance": 0})["balance"]
        assert row.units == 100
    first, second = view.rows
    assert first.open_tickets > 0 and first.ratings > 0 and first.fund > 0
    assert second.billed > 0 and second.collection_rate is not None  # a real comparison
    assert view.total.units == 200
    assert view.total.arrears == first.arrears + second.arrears


def test_the_query_count_does_not_grow_with_the_communities(demo):
    organization = Organization.objects.get()
    with CaptureQueriesContext(connection) as two:
        overview(organization)
    from sunlit.demo import load_demo

    load_demo(units=100, communities=3)
    assert Community.objects.count() == 3
    with CaptureQueriesContext(connection) as three:
        overview(organization)
    assert len(three) == len(two)


def test_the_page_for_the_demo_company_admin_links_down(demo, client):
    admin = User.objects.get(username="demo-company-admin")
    client.force_login(admin)
    page = client.get(reverse("company:overview")).content.decode()
    assert "明强小区" in page and "明强小区二期" in page and "合计" in page
    assert "逾期欠费（元）" in page and "维修资金余额（元）" in page
    second = Community.objects.get(code="mingqiang-2")
    # a figure's link: switch to that community and open its page
    response = client.post(reverse("web:switch_community"), {
        "community": second.pk, "next": reverse("finance:aging")})
    assert response.url == reverse("finance:aging")
    assert "明强小区二期" in client.get(response.url).content.decode()
    # the console's menu offers the company view to the company's administrator only
    assert "公司总览" in client.get(reverse("web:console")).content.decode()
    client.force_login(User.objects.get(username="demo-manager"))
    assert "公司总览" not in client.get(reverse("web:console")).content.decode()
    assert client.get(reverse("company:overview")).status_code == 403
