"""Reminders (催缴): template validation, rules, the schedule sending each reminder once per
unit, rule and period (reruns send nothing), quiet hours, channels, manual reminders."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError

from sunlit.finance.arrears import services as reminders
from sunlit.finance.arrears.choices import ReminderChannel
from sunlit.finance.billing import services
from sunlit.finance.models import Bill, Reminder, ReminderRule, ReminderTemplate
from sunlit.finance.payments import services as payments
from sunlit.finance.payments.choices import PaymentMethod
from sunlit.notices.models import Delivery, Notification
from sunlit.transparency import selectors as log_selectors
from sunlit.transparency.models import LogLeaf
from tests.finance.conftest import FEB, NOW

D = Decimal
DUE = dt.date(2026, 2, 7)


def at(day: dt.date, hour: int = 10, minute: int = 0) -> dt.datetime:
    return NOW.replace(year=day.year, month=day.month, day=day.day, hour=hour, minute=minute)


@pytest.fixture
def january(run, homes, property_fee):
    run()
    return homes


@pytest.fixture
def template(community, finance, books):
    return reminders.save_template(
        community,
        actor=finance,
        name="标准催缴",
        body="{单元} 欠费 {金额} 元（{笔数} 笔，账期 {账期}，最早缴费期限 {截止日}）",
    )


@pytest.fixture
def rule(community, finance, template):
    def make(**kw):
        args = {
            "name": "逾期7天",
            "days_after_due": 7,
            "channel": ReminderChannel.INBOX,
            "template": template,
        }
        args.update(kw)
        return reminders.save_rule(community, actor=finance, **args)

    return make


# --- templates -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("您好 {业主姓名} 请缴费", "未知的占位符 {业主姓名}"),
        ("欠费 {金额:.2f} 元", "不能带格式说明"),
        ("欠费 {金额!r} 元", "不能带格式说明"),
        ("欠费 {金额 元", "花括号不成对"),
        ("欠费 金额} 元", "花括号不成对"),
        ("", "请填写模板内容"),
        ("   ", "请填写模板内容"),
        ("字" * 501, "模板最多 500 个字"),
        (123, "请填写模板内容"),
    ],
)
def test_bad_templates_are_refused_and_nothing_written(community, finance, books, body, message):
    before = LogLeaf.objects.count()
    with pytest.raises(ValidationError) as err:
        reminders.save_template(community, actor=finance, name="模板", body=body)
    assert any(message in m for m in err.value.message_dict["body"])
    assert not ReminderTemplate.objects.exists() and LogLeaf.objects.count() == before


def test_template_saved_logged_and_changed(community, finance, template):
    assert LogLeaf.objects.filter(event_type="finance.reminder_template.saved").count() == 1
    assert reminders.render(
        template.body,
        {"单元": "1号楼-101", "金额": "1.00", "笔数": "1", "账期": "2026-01", "截止日": "2026-02-07"},
    ).startswith("1号楼-101 欠费 1.00 元")
    reminders.save_template(
        community, actor=finance, template=template, name="标准催缴", body="{{请注意}} {单元} 欠 {金额}"
    )
    template.refresh_from_db()
    assert template.body == "{{请注意}} {单元} 欠 {金额}"
    assert LogLeaf.objects.filter(event_type="finance.reminder_template.saved").count() == 2
    with pytest.raises(ValidationError) as err:
        reminders.save_template(community, actor=finance, name="标准催缴", body="{单元}")
    assert "已有同名模板" in err.value.message_dict["name"][0]


def test_owner_cannot_write_templates(community, owner, books):
    with pytest.raises(PermissionDenied):
        reminders.save_template(community, actor=owner, name="x", body="{单元}")


def test_rule_validation(community, other_community, finance, template, make_member, rule):
    from sunlit.core.choices import Role

    other = make_member(Role.FINANCE, other_community, username="f2")
    foreign = reminders.save_template(other_community, actor=other, name="别的", body="{单元}")
    bad = [
        ({"days_after_due": 0}, "days_after_due"),
        ({"days_after_due": "7"}, "days_after_due"),
        ({"days_after_due": True}, "days_after_due"),
        ({"channel": "wechat"}, "channel"),
        ({"template": foreign}, "template"),
        ({"template": 99999}, "template"),
        ({"min_amount": 1.5}, "min_amount"),
        ({"min_amount": "-1"}, "min_amount"),
        ({"min_amount": "0.001"}, "min_amount"),
        ({"quiet_from": "25:00"}, "quiet_from"),
        ({"name": ""}, "name"),
    ]
    for change, field in bad:
        with pytest.raises(ValidationError) as err:
            rule(**change)
        assert field in err.value.message_dict, change
    assert not ReminderRule.objects.exists()
    made = rule(min_amount="100", quiet_from="22:30", quiet_to="07:00")
    assert made.min_amount == D("100.00") and made.quiet_from == dt.time(22, 30)
    assert LogLeaf.objects.filter(event_type="finance.reminder_rule.saved").count() == 1


def test_quiet_hours_span_midnight(rule):
    r = rule()
    assert r.is_quiet(at(DUE, 21, 0)) and r.is_quiet(at(DUE, 23, 59)) and r.is_quiet(at(DUE, 7, 59))
    assert not r.is_quiet(at(DUE, 8, 0)) and not r.is_quiet(at(DUE, 20, 59))


# --- the schedule ---------------------------------------------------------------------------------


def test_schedule_sends_once_per_unit_rule_and_period(
    community, january, owner, rule, django_capture_on_commit_callbacks
):
    r = rule()
    assert reminders.run_rule(r, now=at(DUE + dt.timedelta(days=6))) == []  # 6 days: not yet
    with django_capture_on_commit_callbacks(execute=True):
        sent = reminders.run_rule(r, now=at(DUE + dt.timedelta(days=7)))
    assert len(sent) == 3 and {x.amount for x in sent} == {D("210.33"), D("282.78"), D("141.02")}
    mine = Reminder.objects.get(unit=january[0])
    assert mine.recipients == 1 and mine.period == dt.date(2026, 1, 1) and mine.bills == 1
    assert mine.message == "1号楼-1单元-101 欠费 210.33 元（1 笔，账期 2026-01，最早缴费期限 2026-02-07）"
    note = Notification.objects.get(recipient=owner)
    assert (
        note.url == "/finance/my/"
        and note.object_type == "finance.reminder"
        and note.object_id == str(mine.pk)
    )
    assert "缴费提醒" in note.title and note.body == mine.message
    assert not Delivery.objects.exists()  # inbox only
    leaf = LogLeaf.objects.get(event_type="finance.reminders.sent")
    # how many households and how much in all; which ones, and their amounts, only committed
    assert "王小明" not in leaf.data and "1号楼-1单元-101" not in leaf.data and "210.33" not in leaf.data
    assert leaf.event["public"]["units"] == 3 and leaf.event["public"]["total"] == "634.13"
    reminded = log_selectors.openings(leaf)["reminded"]["value"]
    assert {"unit": "1号楼-1单元-101", "period": "2026-01", "amount": "210.33"} in reminded
    # reruns, the same day or later, send nothing twice
    for day in (7, 8, 20):
        assert reminders.run_rule(r, now=at(DUE + dt.timedelta(days=day), 15)) == []
    assert reminders.send_due_reminders(now=at(DUE + dt.timedelta(days=9))) == 0
    assert Reminder.objects.count() == 3 and Notification.objects.count() == 1


def test_next_period_earns_the_next_reminder(community, finance, january, rule):
    r = rule()
    reminders.run_rule(r, now=at(DUE + dt.timedelta(days=7)))
    services.run_billing(community, FEB, actor=finance, now=at(dt.date(2026, 2, 8)))  # due 2026-03-10
    assert reminders.run_rule(r, now=at(dt.date(2026, 3, 16))) == []
    sent = reminders.run_rule(r, now=at(dt.date(2026, 3, 17)))
    assert len(sent) == 3 and {x.period for x in sent} == {FEB}
    mine = next(x for x in sent if x.unit_id == january[0].pk)
    assert mine.amount == D("420.66") and mine.bills == 2 and "账期 2026-01 至 2026-02" in mine.message


def test_paid_units_and_small_amounts_are_not_reminded(community, finance, january, rule):
    payments.receive_payment(
        january[1], actor=finance, amount="282.78", method=PaymentMethod.CASH, now=at(dt.date(2026, 2, 10))
    )
    payments.receive_payment(
        january[0], actor=finance, amount="100.00", method=PaymentMethod.CASH, now=at(dt.date(2026, 2, 10))
    )
    sent = reminders.run_rule(rule(min_amount="120.00"), now=at(DUE + dt.timedelta(days=7)))
    assert [(x.unit_id, x.amount) for x in sent] == [(january[2].pk, D("141.02"))]


def test_quiet_hours_and_inactive_rules_send_nothing(community, january, rule, finance):
    r = rule()
    assert reminders.run_rule(r, now=at(DUE + dt.timedelta(days=7), 22)) == []
    assert reminders.run_rule(r, now=at(DUE + dt.timedelta(days=8), 6, 30)) == []
    inactive = rule(name="停用", days_after_due=1, is_active=False)
    assert reminders.run_rule(inactive, now=at(DUE + dt.timedelta(days=8), 12)) == []
    assert not Reminder.objects.exists()


def test_email_channel_goes_through_notices(
    community, january, owner, rule, django_capture_on_commit_callbacks
):
    owner.email = "wang@example.com"
    owner.save(update_fields=["email"])
    with django_capture_on_commit_callbacks(execute=True):
        reminders.run_rule(rule(channel=ReminderChannel.EMAIL), now=at(DUE + dt.timedelta(days=7)))
    assert len(mail.outbox) == 1 and "210.33" in mail.outbox[0].body
    delivery = Delivery.objects.get()
    assert delivery.channel == "email" and delivery.status == "sent"
    mine = Reminder.objects.get(unit=january[0])
    assert reminders.deliveries_of([mine.pk]) == {mine.pk: {"email": {"sent": 1}}}


def test_other_communities_rules_do_not_touch_our_units(
    community, other_community, january, rule, make_member
):
    from sunlit.core.choices import Role

    other = make_member(Role.FINANCE, other_community, username="f2")
    t = reminders.save_template(other_community, actor=other, name="别的", body="{单元}")
    theirs = reminders.save_rule(
        other_community, actor=other, name="r", days_after_due=1, channel=ReminderChannel.INBOX, template=t
    )
    assert reminders.run_rule(theirs, now=at(DUE + dt.timedelta(days=30))) == []


# --- by hand --------------------------------------------------------------------------------------


def test_manual_reminder_idempotent(community, january, finance, owner, template):
    unit = january[0]
    first = reminders.send_reminder(
        unit, actor=finance, template=template, idempotency_key="k1", now=at(DUE + dt.timedelta(days=1))
    )
    again = reminders.send_reminder(
        unit, actor=finance, template=template, idempotency_key="k1", now=at(DUE + dt.timedelta(days=1))
    )
    assert first.pk == again.pk and Reminder.objects.count() == 1
    assert first.rule is None and first.trigger == "manual" and first.sent_by == finance
    assert Notification.objects.filter(recipient=owner).count() == 1
    assert LogLeaf.objects.filter(event_type="finance.reminder.sent").count() == 1


def test_manual_reminder_refusals(community, january, finance, owner, template, other_community, make_member):
    from sunlit.core.choices import Role

    unit = january[0]
    with pytest.raises(ValidationError) as err:  # not overdue yet
        reminders.send_reminder(unit, actor=finance, now=at(DUE))
    assert "没有逾期未缴的账单" in str(err.value)
    with pytest.raises(ValidationError) as err:  # SMS at night
        reminders.send_reminder(
            unit, actor=finance, channel=ReminderChannel.SMS, now=at(DUE + dt.timedelta(days=2), 22)
        )
    assert "免打扰" in err.value.message_dict["channel"][0]
    with pytest.raises(ValidationError):
        reminders.send_reminder(unit, actor=finance, channel="fax", now=at(DUE + dt.timedelta(days=2)))
    other = make_member(Role.FINANCE, other_community, username="f2")
    foreign = reminders.save_template(other_community, actor=other, name="别的", body="{单元}")
    with pytest.raises(ValidationError):
        reminders.send_reminder(unit, actor=finance, template=foreign, now=at(DUE + dt.timedelta(days=2)))
    with pytest.raises(PermissionDenied):
        reminders.send_reminder(unit, actor=owner, now=at(DUE + dt.timedelta(days=2)))
    with pytest.raises(PermissionDenied):
        reminders.send_reminder(unit, actor=other, now=at(DUE + dt.timedelta(days=2)))
    assert not Reminder.objects.exists() and not Notification.objects.exists()


def test_unit_without_accounts_is_recorded_without_recipients(community, january, finance):
    reminder = reminders.send_reminder(january[2], actor=finance, now=at(DUE + dt.timedelta(days=3)))
    assert reminder.recipients == 0 and not Notification.objects.exists()
    assert Bill.objects.filter(unit=january[2]).get().status == "open"


# --- concurrency (PostgreSQL) ---------------------------------------------------------------------


@pytest.mark.skipif(
    __import__("django.db", fromlist=["connection"]).connection.vendor == "sqlite",
    reason="in-memory SQLite serialises writers: nothing to race",
)
def test_two_workers_running_the_same_rule_send_each_reminder_once(transactional_db, community, homes,
                                                                   property_fee, run, finance):
    from tests.finance.test_concurrency import _race

    run()
    template = reminders.save_template(community, actor=finance, name="t", body="{单元} {金额}")
    r = reminders.save_rule(community, actor=finance, name="r", days_after_due=7,
                            channel=ReminderChannel.INBOX, template=template)
    errors = _race(lambda n: reminders.run_rule(r, now=at(DUE + dt.timedelta(days=7))), 4)
    assert errors == []
    assert Reminder.objects.count() == 3
    assert LogLeaf.objects.filter(event_type="finance.reminders.sent").count() == 1


def test_the_periodic_task_runs_the_rules(community, january, rule):
    import time_machine

    from sunlit.finance.tasks import send_due_reminders

    rule()
    with time_machine.travel(at(DUE + dt.timedelta(days=7), 23), tick=False):
        assert send_due_reminders.call_local() == 0  # quiet hours
    with time_machine.travel(at(DUE + dt.timedelta(days=8), 9), tick=False):
        assert send_due_reminders.call_local() == 3
        assert send_due_reminders.call_local() == 0
