"""Arrears pages and API: staff see the aging and collection reports (CSV with BOM, chart),
manage reminders and remind a unit by hand; owners see none of it — and arrears never stop an
owner from reporting a repair or opening a vote."""

from __future__ import annotations

import datetime as dt
import re

import pytest
import time_machine
from django.urls import reverse

from sunlit.core.choices import Role
from sunlit.finance.arrears import services as reminders
from sunlit.finance.models import Reminder, ReminderRule, ReminderTemplate
from sunlit.finance.payments import services as payments
from sunlit.finance.payments.choices import PaymentMethod
from sunlit.notices.models import Notification
from sunlit.registry.models import Building, Unit
from tests.finance.conftest import NOW

MARCH = NOW.replace(month=3, day=2, hour=11)  # January bills (due 7 Feb) 23 days overdue


@pytest.fixture
def january(run, homes, property_fee, finance):
    run()
    payments.receive_payment(
        homes[1], actor=finance, amount="100.00", method=PaymentMethod.CASH, now=NOW.replace(month=2, day=20)
    )
    return homes


@pytest.fixture
def template(community, finance, books):
    return reminders.save_template(community, actor=finance, name="标准", body="{单元} 欠费 {金额} 元")


# --- pages --------------------------------------------------------------------------------------


@time_machine.travel(MARCH, tick=False)
def test_staff_aging_page_and_csv(client, finance, january, owner):
    client.force_login(finance)
    page = client.get(reverse("finance:aging"))
    assert page.status_code == 200
    text = page.text
    assert "¥534.13" in text and "1–30 天" in text and "王*明" in text and "王小明" not in text
    assert "欠费不影响业主报修" in text
    filtered = client.get(reverse("finance:aging"), {"as_of": "2026-02-07"})
    assert "未到期" in filtered.text and "¥634.13" in filtered.text  # the payment of 20 Feb not yet made
    csv = client.get(reverse("finance:aging"), {"format": "csv", "as_of": "2026-03-02"})
    assert csv["Content-Type"].startswith("text/csv") and "attachment" in csv["Content-Disposition"]
    body = b"".join(csv.streaming_content).decode("utf-8")
    assert body.startswith("\ufeff房屋,楼栋,业主（脱敏）,未到期,1–30 天")
    assert "1号楼-1单元-101,1号楼,王*明,0.00,210.33" in body
    bad = client.get(reverse("finance:aging"), {"as_of": "not-a-date"})
    assert bad.status_code == 200 and "有效的日期" in bad.text and "¥534.13" in bad.text  # today


@time_machine.travel(MARCH, tick=False)
def test_collection_page_chart_and_csv(client, finance, january):
    client.force_login(finance)
    page = client.get(reverse("finance:collection"))
    assert page.status_code == 200 and 'data-testid="collection-chart"' in page.text
    assert "vendor/echarts/echarts.min.js" in page.text
    assert "15.77%" in page.text  # 100.00 / 634.13
    data = re.search(r'<script id="collection-data" type="application/json">(.*?)</script>', page.text).group(
        1
    )
    assert '"collected": "100.00"' in data and '"rate": "15.77"' in data
    csv = client.get(reverse("finance:collection"), {"format": "csv"})
    body = b"".join(csv.streaming_content).decode("utf-8")
    assert (
        body.startswith("\ufeff楼栋,账期,应收,已收,未收,收缴率")
        and "1号楼,2026-01,634.13,100.00,534.13,15.77%" in body
    )


@pytest.mark.parametrize("name", ["finance:aging", "finance:collection", "finance:reminders"])
def test_owners_and_strangers_cannot_see_arrears_pages(client, owner, january, name):
    client.force_login(owner)
    assert client.get(reverse(name)).status_code == 403


def test_auditor_reads_but_cannot_write(client, auditor, january, template):
    client.force_login(auditor)
    assert client.get(reverse("finance:aging")).status_code == 200
    page = client.get(reverse("finance:reminders"))
    assert page.status_code == 200 and "新增模板" not in page.text
    answer = client.post(
        reverse("finance:reminders"), {"form": "template", "t-name": "x", "t-body": "{单元}"}
    )
    assert answer.status_code == 403 and ReminderTemplate.objects.count() == 1


def test_reminder_forms_keep_input_and_explain(client, finance, books, template):
    client.force_login(finance)
    bad = client.post(
        reverse("finance:reminders"), {"form": "template", "t-name": "新模板", "t-body": "{业主} 请缴 {金额}"}
    )
    assert bad.status_code == 400 and "未知的占位符 {业主}" in bad.text and "{业主} 请缴 {金额}" in bad.text
    assert ReminderTemplate.objects.count() == 1
    ok = client.post(
        reverse("finance:reminders"),
        {
            "form": "rule",
            "r-name": "逾期30天",
            "r-days_after_due": "30",
            "r-channel": "inbox",
            "r-template": template.pk,
            "r-min_amount": "50",
            "r-quiet_from": "21:00",
            "r-quiet_to": "08:00",
            "r-is_active": "on",
        },
    )
    assert ok.status_code == 302
    rule = ReminderRule.objects.get()
    page = client.get(reverse("finance:reminders"))
    assert "逾期30天" in page.text and "起催 ¥50.00" in page.text
    edit = client.post(
        reverse("finance:reminder_rule", args=[rule.pk]),
        {
            "name": "逾期30天",
            "days_after_due": "0",
            "channel": "inbox",
            "template": template.pk,
            "min_amount": "50",
            "quiet_from": "21:00",
            "quiet_to": "08:00",
        },
    )
    assert edit.status_code == 400
    edit = client.post(
        reverse("finance:reminder_template", args=[template.pk]),
        {"name": "标准", "body": "{单元} 请尽快缴纳 {金额} 元"},
    )
    assert edit.status_code == 302 and "请尽快" in ReminderTemplate.objects.get().body


@time_machine.travel(MARCH, tick=False)
def test_manual_reminder_from_the_unit_page(client, finance, owner, january, template):
    client.force_login(finance)
    account = client.get(reverse("finance:unit", args=[january[0].pk]))
    assert reverse("finance:unit_remind", args=[january[0].pk]) in account.text
    page = client.get(reverse("finance:unit_remind", args=[january[0].pk]))
    key = re.search(r'name="idempotency_key" value="([^"]+)"', page.text).group(1)
    data = {"channel": "inbox", "template": template.pk, "idempotency_key": key}
    first = client.post(reverse("finance:unit_remind", args=[january[0].pk]), data)
    second = client.post(reverse("finance:unit_remind", args=[january[0].pk]), data)
    assert first.status_code == second.status_code == 302
    assert Reminder.objects.count() == 1 and Notification.objects.filter(recipient=owner).count() == 1
    listing = client.get(reverse("finance:reminders"))
    assert "1号楼-1单元-101" in listing.text and "人工催缴" in listing.text


@time_machine.travel(MARCH, tick=False)
def test_owner_sees_reminder_in_inbox_with_link_to_my_bills(client, finance, owner, january, template):
    reminders.send_reminder(january[0], actor=finance, template=template)
    client.force_login(owner)
    inbox = client.get(reverse("notices:inbox"))
    assert "缴费提醒" in inbox.text and "210.33" in inbox.text
    note = Notification.objects.get(recipient=owner)
    assert note.url == reverse("finance:my_bills")
    assert client.get(reverse("finance:unit_remind", args=[january[0].pk])).status_code == 404


# --- API ----------------------------------------------------------------------------------------


@time_machine.travel(MARCH, tick=False)
def test_api_reports(client, finance, january, community):
    client.force_login(finance)
    aging = client.get(f"/api/v1/finance/communities/{community.pk}/aging").json()
    assert aging["total"] == "534.13" and aging["units"] == 3 and aging["as_of"] == "2026-03-02"
    assert [b["key"] for b in aging["buckets"]][:2] == ["not_due", "d1_30"]
    assert aging["buckets"][1]["amount"] == "534.13" and aging["buckets"][1]["max_days"] == 30
    assert aging["debtors"][0]["total"] == "210.33"
    rate = client.get(f"/api/v1/finance/communities/{community.pk}/collection").json()
    assert rate["year_rate"]["fraction"] == "10000/63413" and rate["year_rate"]["percent"] == "15.77"
    assert rate["by_month"][0]["month"] == "2026-01"
    assert (
        client.get(f"/api/v1/finance/communities/{community.pk}/aging", {"as_of": "2026-13-01"}).status_code
        == 422
    )
    assert (
        client.get(f"/api/v1/finance/communities/{community.pk}/aging", {"building": 99999}).json()["errors"][
            0
        ]["field"]
        == "building"
    )


def test_api_refuses_owners_and_other_communities(
    client, owner, january, community, other_community, make_member
):
    client.force_login(owner)
    assert client.get(f"/api/v1/finance/communities/{community.pk}/aging").status_code == 403
    assert client.get(f"/api/v1/finance/communities/{community.pk}/collection").status_code == 403
    assert (
        client.post(
            f"/api/v1/finance/units/{january[0].pk}/reminders", {}, content_type="application/json"
        ).status_code
        == 403
    )
    stranger = make_member(Role.FINANCE, other_community, username="f2")
    client.force_login(stranger)
    assert client.get(f"/api/v1/finance/communities/{community.pk}/aging").status_code == 404
    assert (
        client.post(
            f"/api/v1/finance/units/{january[0].pk}/reminders", {}, content_type="application/json"
        ).status_code
        == 404
    )


@time_machine.travel(MARCH, tick=False)
def test_api_templates_rules_and_manual_reminders(client, finance, january, community, books):
    client.force_login(finance)
    base = f"/api/v1/finance/communities/{community.pk}"
    bad = client.post(
        f"{base}/reminder-templates", {"name": "t", "body": "{户主}"}, content_type="application/json"
    )
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "body"
    made = client.post(
        f"{base}/reminder-templates",
        {"name": "t", "body": "{单元} {金额}"},
        content_type="application/json",
        headers={"Idempotency-Key": "tpl-1"},
    )
    again = client.post(
        f"{base}/reminder-templates",
        {"name": "t", "body": "{单元} {金额}"},
        content_type="application/json",
        headers={"Idempotency-Key": "tpl-1"},
    )
    assert made.status_code == again.status_code == 201 and made.json() == again.json()
    template_id = made.json()["id"]
    rule = client.post(
        f"{base}/reminder-rules",
        {
            "name": "r",
            "days_after_due": 7,
            "template_id": template_id,
            "channel": "email",
            "min_amount": "10.00",
        },
        content_type="application/json",
    )
    assert rule.status_code == 201 and rule.json()["min_amount"] == "10.00"
    wrong = client.post(
        f"{base}/reminder-rules",
        {"name": "r2", "days_after_due": 7, "template_id": template_id, "min_amount": 10.5},
        content_type="application/json",
    )
    assert wrong.status_code == 422
    changed = client.put(
        f"/api/v1/finance/reminder-rules/{rule.json()['id']}",
        {"name": "r", "days_after_due": 14, "template_id": template_id},
        content_type="application/json",
    )
    assert changed.status_code == 200 and changed.json()["days_after_due"] == 14
    url = f"/api/v1/finance/units/{january[0].pk}/reminders"
    first = client.post(
        url,
        {"channel": "inbox", "template_id": template_id},
        content_type="application/json",
        headers={"Idempotency-Key": "r-1"},
    )
    second = client.post(
        url,
        {"channel": "inbox", "template_id": template_id},
        content_type="application/json",
        headers={"Idempotency-Key": "r-1"},
    )
    assert first.status_code == second.status_code == 201 and first.json()["id"] == second.json()["id"]
    assert first.json()["message"] == "1号楼-1单元-101 210.33"
    assert Reminder.objects.count() == 1
    listed = client.get(f"{base}/reminders").json()["items"]
    assert [r["id"] for r in listed] == [first.json()["id"]]


# --- never block access for arrears ---------------------------------------------------------------


def test_owner_with_arrears_still_reports_repairs_and_opens_votes(
    client, community, owner, finance, run, homes, property_fee, committee
):
    from sunlit.core.models import Department
    from sunlit.governance.votes import services as governance
    from sunlit.governance.votes.choices import MatterKind
    from sunlit.tickets.models import Category, Ticket

    run()
    open_at = NOW.replace(month=3, day=17)
    vote = governance.create_vote(
        community,
        actor=committee,
        title="续聘物业",
        description="拟续聘三年。",
        matter=MatterKind.MANAGER,
        opens_at=open_at,
        closes_at=open_at + dt.timedelta(days=7),
    )
    governance.announce_vote(vote, actor=committee, now=NOW.replace(month=3, day=2))
    governance.open_vote(vote, actor=committee, now=open_at)
    department = Department.objects.create(community=community, kind="engineering", name="工程部")
    plumbing = Category.objects.create(community=community, name="水电", kind="repair", department=department)
    with time_machine.travel(open_at + dt.timedelta(hours=2), tick=False):
        reminders.send_reminder(homes[0], actor=finance)  # he owes, 38 days past due, and was reminded
        client.force_login(owner)
        assert client.get(reverse("finance:my_bills")).status_code == 200
        answer = client.post(
            reverse("tickets:submit"),
            {
                "kind": "repair",
                "category": plumbing.pk,
                "title": "厨房水管漏水",
                "description": "一直滴水",
                "where": "home",
                "unit": homes[0].pk,
                "idempotency_key": "k-arrears",
            },
        )
        assert answer.status_code == 302 and Ticket.objects.filter(reporter_user=owner).count() == 1
        page = client.get(reverse("governance:vote", args=[vote.pk]))
        assert page.status_code == 200 and "续聘物业" in page.text
        assert reverse("governance:cast", args=[vote.pk]) in page.text


@time_machine.travel(MARCH, tick=False)
def test_one_units_reminders_on_the_page_and_in_the_api(client, finance, january, community, template,
                                                        other_community):
    """The page and the API share one filter: ``?unit=`` narrows both; another community's unit
    is a field error in the API (never an empty list) and ignored on the page."""
    for unit in january[:2]:
        reminders.send_reminder(unit, actor=finance, template=template)
    client.force_login(finance)
    base = f"/api/v1/finance/communities/{community.pk}/reminders"
    one = client.get(base, {"unit": january[1].pk}).json()
    assert one["count"] == 1 and one["items"][0]["unit"] == january[1].label
    assert client.get(base).json()["count"] == 2
    stranger = Building.objects.create(community=other_community, name="9号楼")
    foreign = Unit.objects.create(community=other_community, building=stranger, number="901", floor=9,
                                  area="80.00")
    refused = client.get(base, {"unit": foreign.pk})
    assert refused.status_code == 422 and refused.json()["errors"][0]["field"] == "unit"
    assert client.get(base, {"unit": "x"}).status_code == 422
    page = client.get(reverse("finance:reminders"), {"unit": january[1].pk})
    assert january[1].label in page.text and january[0].label not in page.text
    everything = client.get(reverse("finance:reminders"), {"unit": foreign.pk})
    assert january[0].label in everything.text and january[1].label in everything.text
