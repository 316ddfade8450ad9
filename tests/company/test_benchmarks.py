"""Benchmarks (对标) and the monthly scorecard (考核) from the nightly snapshots: the figures
normalised, percentiles within the company, a committee's anonymised view only from five
communities on, weights that must sum to 100, the Excel export."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from openpyxl import load_workbook

from sunlit.company.benchmarks import selectors, services
from sunlit.company.benchmarks.models import CommunitySnapshot
from sunlit.company.models import Employee
from sunlit.core.choices import Role
from sunlit.core.models import Membership
from tests.factories import CommunityFactory, UserFactory

DAY = dt.date(2026, 11, 30)


@pytest.fixture
def admin(community, company_admin):
    Employee.objects.create(organization=community.organization, user=company_admin,
                            job_number="HQ001", is_admin=True)
    return company_admin


def _snap(community, **figures):
    base = {"units": 1000, "area": Decimal("100000"), "open_tickets": 10, "sla_met": 90,
            "sla_judged": 100, "rating_sum": 450, "ratings": 100, "complaints": 5,
            "billed": Decimal("1000000"), "collected": Decimal("950000"),
            "arrears": Decimal("20000"), "overdue_units": 30}
    return CommunitySnapshot.objects.create(community=community, day=DAY, **{**base, **figures})


@pytest.fixture
def five(community):
    others = [CommunityFactory(organization=community.organization, code=f"peer-{i}",
                               name=f"对标小区{i}") for i in range(4)]
    _snap(community, sla_met=99, complaints=1)
    for i, other in enumerate(others):
        _snap(other, sla_met=80 + i * 5, complaints=2 + i, collected=Decimal(900000 + i * 10000))
    return [community, *others]


def test_values_are_normalised_and_ranked(five):
    day, rows = selectors.benchmarks(five[0].organization)
    assert day == DAY
    mine = next(r for r in rows if r.snapshot.community_id == five[0].pk)
    assert mine.values["sla_rate"] == Decimal("99.00")
    assert mine.values["complaints_per_100"] == Decimal("0.10")  # 1 of 1,000 households
    assert mine.values["arrears_per_10k"] == Decimal("2000.00")  # ¥20,000 over 100,000 m²
    assert mine.percentiles["sla_rate"] == 100 and mine.percentiles["complaints_per_100"] == 100
    worst = next(r for r in rows if r.snapshot.community.code == "peer-0")
    assert worst.percentiles["sla_rate"] == 0


def test_the_committee_sees_only_an_anonymous_distribution_from_five_on(five, client,
                                                                       committee):
    client.force_login(committee)
    page = client.get(reverse("company:community_benchmark")).content.decode()
    assert "中位数" in page and "对标小区" not in page  # no other community named
    CommunitySnapshot.objects.filter(community=five[-1]).delete()
    page = client.get(reverse("company:community_benchmark")).content.decode()
    assert "少于 5 个" in page and "中位数" not in page


def test_scores_against_targets_with_the_weights(five, admin):
    _day, rows = selectors.month_scores(five[0].organization, dt.date(2026, 11, 1))
    mine = next(r for r in rows if r.snapshot.community_id == five[0].pk)
    assert mine.scores["sla_rate"] == Decimal("100.00")  # 99 % ≥ the 95 % target
    assert mine.scores["collection_rate"] == Decimal("100.00")
    peer = next(r for r in rows if r.snapshot.community.code == "peer-0")
    assert peer.scores["sla_rate"] == Decimal("84.21")  # 80 ÷ 95
    assert peer.total < mine.total
    with pytest.raises(ValidationError) as refused:
        services.set_scorecard(admin, weights={"sla_rate": 60, "rating": 60}, targets={})
    assert "100" in refused.value.message_dict["weights"][0]
    services.set_scorecard(admin, weights={"sla_rate": 100}, targets={"sla_rate": "80"})
    _day, rows = selectors.month_scores(five[0].organization, dt.date(2026, 11, 1))
    peer = next(r for r in rows if r.snapshot.community.code == "peer-0")
    assert peer.total == Decimal("100.00")  # only the SLA counts now, and 80 % meets 80 %


def test_the_pages_and_the_excel_export(five, admin, client):
    client.force_login(admin)
    page = client.get(reverse("company:benchmarks")).content.decode()
    assert "对标小区0" in page and "百分位" in page
    page = client.get(reverse("company:assessment") + "?month=2026-11").content.decode()
    assert "总分" in page and "考核方案" in page
    response = client.get(reverse("company:assessment_export") + "?month=2026-11")
    book = load_workbook(io.BytesIO(response.content))
    assert [s.title for s in book.worksheets] == ["小区考核", "部门考核"]
    assert book.worksheets[0].max_row == 6  # a header and five communities
    response = client.post(reverse("company:scorecard"), {
        **{f"weight_{k.key}": 10 for k in selectors.KPIS},
        **{f"target_{k.key}": "1" for k in selectors.KPIS}})
    assert response.status_code == 400 and "合计须为 100" in response.content.decode()


def test_snapshots_repeat_the_company_view_and_replace_the_days(db):
    from sunlit.company.overview.selectors import overview
    from sunlit.core.models import Organization
    from sunlit.demo import load_demo

    load_demo(units=100, communities=2)
    organization = Organization.objects.get()
    assert services.take_snapshots() == 2
    assert services.take_snapshots() == 2  # again the same day: replaced, not added
    assert CommunitySnapshot.objects.count() == 2
    view = overview(organization)
    for row in view.rows:
        snap = CommunitySnapshot.objects.get(community=row.community)
        assert (snap.open_tickets, snap.arrears, snap.billed, snap.fund) == (
            row.open_tickets, row.arrears, row.billed, row.fund)


def test_only_the_company_admin_reaches_the_company_pages(client, community, manager):
    user = UserFactory(username="lonely")
    Membership.objects.create(user=user, community=community, role=Role.COMMITTEE)
    for who in (manager, user):
        client.force_login(who)
        assert client.get(reverse("company:benchmarks")).status_code == 403
        assert client.get(reverse("company:assessment")).status_code == 403
