"""Demo money for a demo community: the books, four fee items, a year billed, payments.

Everything goes through the services, so the books, the bills and the log hold exactly what
real use would: 物业服务费 (2.35 元/㎡·月 for homes and shops), 车位管理费 (80 元/月 per
parking space), 电梯公共用电分摊 (a common meter split by area) and 装修押金 (a deposit, charged
to a few units). The last twelve whole months are billed, and the households pay the way they
do in a real community (``HABITS``): most pay the year ahead at the counter after the first
bill (a round sum, prepaid, offset by each later run), some pay everything owed once near the
end of the year, a few pay half, a few never — about nine yuan in ten of the year's bills collected.
Owners with accounts (the demo's owners) still owe the last months, so they have something to
pay themselves.
"""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal

from django.utils import timezone

from sunlit.core.choices import Role
from sunlit.core.demo import DemoCast
from sunlit.core.models import Community
from sunlit.finance.billing import services
from sunlit.finance.billing.choices import Cycle, FeeKind, MeterKind
from sunlit.finance.billing.selectors import dues_of
from sunlit.finance.books import calc, ledger
from sunlit.finance.models import Bill, FeeItem
from sunlit.finance.payments import services as payments
from sunlit.finance.payments.choices import PaymentMethod
from sunlit.registry.choices import UnitUsage
from sunlit.registry.models import Unit

R = UnitUsage


# How households pay, with their shares (cumulative): the year ahead after the first bill;
# everything owed, once, in one of the last two months; half of what is owed, once; never.
HABITS = (("year_ahead", 0.70), ("once_late", 0.91), ("half", 0.955), ("never", 1.0))


def _habits(unit_ids, with_accounts: set[int], rng: random.Random, months: int) -> dict:
    """unit id → (habit, month index of its payment or None)."""
    plan = {}
    for unit_id in unit_ids:
        draw = rng.random()
        habit = next(name for name, upto in HABITS if draw < upto)
        if unit_id in with_accounts:
            habit = "once_late_account"
        month = {"year_ahead": 0, "once_late": rng.randint(max(months - 2, 0), months - 1),
                 "half": rng.randint(1, months - 1), "once_late_account": max(months - 3, 0),
                 "never": None}[habit]
        plan[unit_id] = (habit, month)
    return plan


def load_demo(community: Community, *, cast: DemoCast | None = None, now: dt.datetime | None = None,
              months: int = 12, payers: int | None = None, seed: int = 2026) -> int:
    """Loads the demo finance data into ``community``; returns the number of bills made (0 if
    the community has fee items already or no finance staff member or manager to act)."""
    if FeeItem.objects.in_community(community).exists():
        return 0
    cast = cast or DemoCast.of(community)
    actor = cast.lead(Role.FINANCE) or cast.lead(Role.MANAGER)
    if actor is None:
        return 0
    now = now or timezone.now()
    today = timezone.localdate(now)
    ledger.open_books(community, actor=actor)
    since = dt.date(today.year - 1, 1, 1)
    fee = services.create_fee_item(community, actor=actor, code="WY", name="物业服务费", kind=FeeKind.AREA,
                                   cycle=Cycle.MONTHLY, account="6001",
                                   applies_to=[R.RESIDENTIAL, R.COMMERCIAL])
    services.set_tariff(fee, actor=actor, price="2.35", effective_from=since, today=since)
    parking = services.create_fee_item(community, actor=actor, code="CW", name="车位管理费",
                                       kind=FeeKind.FIXED, cycle=Cycle.MONTHLY, account="6002",
                                       applies_to=[R.PARKING])
    services.set_tariff(parking, actor=actor, price="80", effective_from=since, today=since)
    meter = services.create_meter(community, actor=actor, kind=MeterKind.ELECTRICITY, name="电梯公共用电总表")
    lift = services.create_fee_item(community, actor=actor, code="DT", name="电梯公共用电分摊",
                                    kind=FeeKind.SHARED, cycle=Cycle.MONTHLY, account="6003",
                                    applies_to=[R.RESIDENTIAL], meter=meter)
    services.set_tariff(lift, actor=actor, price="0.6170", effective_from=since, today=since)
    deposit = services.create_fee_item(community, actor=actor, code="ZXYJ", name="装修押金",
                                       kind=FeeKind.DEPOSIT, cycle=Cycle.ONCE, account="6051")
    services.set_tariff(deposit, actor=actor, price="2000", effective_from=since, today=since)

    rng = random.Random(seed)  # noqa: S311  (deterministic demo data, not secrets)
    first = calc.add_months(today.replace(day=1), -months)
    units = list(Unit.objects.in_community(community).order_by("id").values_list("id", flat=True))
    if payers is not None:  # a small test community: only that many households pay at all
        units = units[:payers]
    with_accounts = set(Unit.objects.in_community(community).filter(
        ownerships__person__user__isnull=False).values_list("id", flat=True))
    habits = _habits(units, with_accounts, rng, months)
    reading = Decimal("120000")
    bills = 0
    for n in range(months):
        period = calc.add_months(first, n)
        usage = Decimal(rng.randint(2600, 3400))
        services.record_readings(community, actor=actor, period_start=period, read_on=period,
                                 readings=[(meter, reading, reading + usage)])
        reading += usage
        run_at = min(timezone.make_aware(dt.datetime.combine(period + dt.timedelta(days=4), dt.time(9))),
                     now - dt.timedelta(hours=2))
        bills += services.run_billing(community, period, actor=actor, now=run_at).bill_count
        due = [u for u, (_habit, month) in habits.items() if month == n]
        _pay(community, due, habits, actor=actor, rng=rng, after=run_at, now=now)
    for unit in Unit.objects.filter(pk__in=rng.sample(units, min(3, len(units)))):
        services.charge_one_time(unit, deposit, actor=actor, memo="装修押金", now=now)
    load_online_demo(community, cast=cast)
    # public money (task `fund`): public income, expenses, the maintenance fund
    from sunlit.finance.expenses import demo as demo_money

    demo_money.load_demo(community, cast=cast, now=now)
    # charges: late fees collected at the counter, waivers, meter readings imported
    load_charges_demo(community, cast=cast, now=now)
    # arrears: reminder templates and rules, the first reminders
    load_arrears_demo(community, actor=actor, now=now)
    # 阳光账本 (last: it publishes the closed months): the company's monthly costs, two 质询
    load_ledger_demo(community, cast=cast, actor=actor, first=first, months=months, now=now)
    return bills


def _pay(community, unit_ids, habits, *, actor, rng: random.Random, after: dt.datetime,
         now: dt.datetime) -> None:
    """The households whose habit has them pay this month, at the counter, in the days after
    the run (never later than now)."""
    methods = (PaymentMethod.CASH, PaymentMethod.POS, PaymentMethod.TRANSFER, PaymentMethod.POS)
    latest = min(after + dt.timedelta(days=21), now - dt.timedelta(minutes=30))
    units = list(Unit.objects.filter(pk__in=unit_ids).select_related("community", "building")
                 .order_by("id"))
    # what each owes, late fee included, as of the last day anyone pays this month (whoever pays
    # earlier pays a few fen of late fee more: it goes to his prepaid balance)
    dues = dues_of(units, as_of=timezone.localdate(latest))
    for n, unit in enumerate(units):
        when = min(after + dt.timedelta(days=rng.randint(1, 20), hours=rng.randint(0, 8)), latest)
        owed = dues[unit.pk].total
        if not owed:
            continue
        habit = habits[unit.pk][0]
        if habit == "year_ahead":  # a round sum above twelve times this month's bill
            amount = (owed * Decimal("13.2") / 100).quantize(Decimal("1"), rounding="ROUND_CEILING") * 100
        elif habit == "half":
            amount = (owed / 2).quantize(Decimal("0.01"))
        else:
            amount = owed
        payments.receive_payment(unit, actor=actor, amount=amount, method=methods[n % len(methods)],
                                 now=when)


# --- online payments (finance.online) ---------------------------------------------------------------


def load_online_demo(community: Community, *, cast: DemoCast) -> int:
    """Two owners with accounts (not demo-owner, who is left to pay himself) pay their bills
    online through the local simulator: one with 微信支付, one with 支付宝 — the signed
    notifications go through the real verification path. Nothing when the simulator is off
    (``SUNLIT_PAYMENTS_SANDBOX=local``, which ``sunlit demo`` sets). Returns payments made."""
    from sunlit.finance.online import services as online
    from sunlit.finance.online.gateways import local_sandbox_enabled

    if not local_sandbox_enabled():
        return 0
    made = 0
    units = Unit.objects.in_community(community).filter(ownerships__person__user__isnull=False,
                                                        ownerships__end__isnull=True)
    if cast.owner is not None:
        units = units.exclude(ownerships__person__user=cast.owner)
    units = units.distinct().order_by("id")
    for unit, provider in zip(units[:2], ("wechat", "alipay"), strict=False):
        owning = unit.ownerships.filter(person__user__isnull=False).select_related("person__user").first()
        payer = owning.person.user
        if not Bill.objects.filter(unit=unit).unpaid().exists():
            continue
        order = online.create_payment_order(unit, actor=payer, provider=provider)
        status, _ctype, _body = online.simulate_payment(order, actor=payer)
        made += status == 200
    return made


# --- 阳光账本 (finance/report/): costs, public income, the fund; published months; 质询 ----

#: (day of the month, memo, debit account, credit account, amount): the company's own monthly
#: costs as manual entries (public income, expenses with receipts and the maintenance fund are
#: posted by demo_money through their own flows).
LEDGER_MONTH = (
    (15, "电梯维保（3 部）", "6407", "1002", "3200.00"),
    (20, "保洁外包服务费", "6402", "1002", "8600.00"),
    (25, "公共区域电费", "6406", "1002", "2150.40"),
    (28, "员工工资", "6401", "1002", "42000.00"),
)


def load_ledger_demo(community: Community, *, cast: DemoCast, actor, first: dt.date, months: int,
                     now: dt.datetime) -> list:
    """The demo months' costs, public income and fund movements; each closed month published;
    two 质询 by the demo owner on a published entry, one answered by customer service."""
    from sunlit.finance.report import selectors as report
    from sunlit.finance.report import services as report_services
    from sunlit.tickets import services as tickets

    today = timezone.localdate(now)
    posted = {}
    for n in range(months):
        month = calc.add_months(first, n)
        rows = list(LEDGER_MONTH)
        for day, memo, debit, credit, amount in sorted(rows):
            date = month.replace(day=day)
            if date > today:
                continue
            posted[(n, memo)] = ledger.post_manual_entry(community, actor=actor, date=date, memo=memo, lines=[
                ledger.Line(debit, debit=Decimal(amount)), ledger.Line(credit, credit=Decimal(amount))])
    now = max(now, timezone.now())  # publish after the entries just posted (not "补记")
    manager = cast.lead(Role.MANAGER)
    if manager is not None:
        report_services.ensure_query_category(community, actor=manager)
    published = []
    for n in range(months):
        month = calc.add_months(first, n)
        if report.is_closed(month, today):
            published.append(report_services.publish_report(community, month, actor=actor, now=now))
    owner, service = cast.owner_here(), cast.lead(Role.SERVICE)
    cleaning = posted.get((months - 1, "保洁外包服务费")) if published else None
    if owner is None or cleaning is None or cleaning.date.replace(day=1) != published[-1].month:
        return published
    lift = posted.get((months - 1, "电梯维保（3 部）"))
    answered = report_services.raise_query(
        cleaning, actor=owner, question="保洁外包每月 8600 元，是哪家公司？合同期多长？", now=now)
    if service is not None:
        ticket = tickets.accept_ticket(answered.ticket, actor=service, now=now)
        tickets.resolve_ticket(ticket, actor=service, now=now, note=(
            "由洁美物业清洁服务有限公司承包，合同期 2025 年 7 月至 2027 年 6 月，"
            "经公开比选确定，合同已在物业服务中心公示栏公示。"))
    if lift is not None:
        report_services.raise_query(lift, actor=owner, question="3 部电梯的维保是按次还是包年？",
                                    now=now)
    return published


# --- charges: late fees collected, waivers, meter readings imported ---------------------------------


def load_charges_demo(community: Community, *, cast: DemoCast, now: dt.datetime, homes: int = 30) -> dict:
    """A few overdue bills paid with their late fee at the counter, one waiver approved and one
    rejected (requested by finance, decided by the manager), and this month's water readings
    imported from a CSV that also creates the per-unit meters."""
    from sunlit.finance.billing.choices import MeterKind
    from sunlit.finance.charges import meter_import, waivers
    from sunlit.finance.charges.choices import WaiverReason, WaiverTarget

    finance, manager = cast.lead(Role.FINANCE), cast.lead(Role.MANAGER)
    if finance is None or manager is None:
        return {}
    today = timezone.localdate(now)
    # whole overdue bills (not the residue of a partial payment: a 50-yuan waiver must fit)
    overdue = list(Bill.objects.in_community(community).unpaid().filter(
        due_on__lt=today - dt.timedelta(days=selectors_policy(community).late_fee_grace_days + 5),
        paid=0, amount__gte=Decimal(100))
        .select_related("unit__community", "unit__building").order_by("due_on", "id")[:12])
    collected = 0
    for bill in overdue[:6]:
        payment = payments.receive_payment(bill.unit, actor=finance, amount=bill.outstanding + Decimal(20),
                                           method=PaymentMethod.CASH, bills=[bill.pk], now=now)
        collected += payment.late_fee_charges.count()
    done = {"late_fees": collected}
    if len(overdue) > 7:
        approve = waivers.request_waiver(
            overdue[6], actor=finance, target=WaiverTarget.LATE_FEE, whole=True,
            reason_category=WaiverReason.SERVICE, reason="当月电梯停运 9 天，经核实按约定减免滞纳金", now=now)
        waivers.approve_waiver(approve, actor=manager, note="核实属实", now=now)
        reject = waivers.request_waiver(
            overdue[7], actor=finance, target=WaiverTarget.BILL, amount="50.00",
            reason_category=WaiverReason.OTHER, reason="业主称长期出差未入住", now=now)
        waivers.reject_waiver(reject, actor=manager, note="空置不属于减免情形，请按约定缴纳", now=now)
        done["waivers"] = 2
    units = list(Unit.objects.in_community(community).filter(usage=R.RESIDENTIAL).select_related("building")
                 .order_by("id")[:homes])
    rows = ["表号,房号,上期读数,本期读数,抄表日期"]
    for n, unit in enumerate(units):
        start = Decimal(300 + (n * 37) % 500)
        rows.append(f"SB-{unit.pk:06d},{unit.label},{start},{start + 8 + (n * 7) % 19},{today:%Y-%m-%d}")
    staged = meter_import.stage_meter_import(
        community, actor=finance if can_manage(finance, community) else manager, kind=MeterKind.WATER,
        period_start=today.replace(day=1), filename="本月水表抄表.csv",
        data=("\n".join(rows) + "\n").encode("utf-8"), create_missing=True)
    if not staged.errors:
        meter_import.commit_meter_import(staged, actor=finance if can_manage(finance, community) else manager,
                                         now=now)
        done["readings"] = len(units)
    return done


def selectors_policy(community):
    from sunlit.finance.billing.selectors import policy_of

    return policy_of(community)


def can_manage(user, community) -> bool:
    from sunlit.core.permissions import can

    return can(user, "finance.manage", community=community)


# --- arrears (催缴): a template, three rules, the first reminders --------------------------------------


def load_arrears_demo(community: Community, *, actor, now: dt.datetime, limit: int = 200) -> int:
    """The demo's reminder set-up: the standard template, rules at 7 days (inbox), 30 days (SMS)
    and 90 days (e-mail), and the 7-day rule run once (at most ``limit`` units, in daytime) so
    the reminders page and the owners' inboxes have something. Returns the reminders sent."""
    from sunlit.finance.arrears import services as reminders
    from sunlit.finance.arrears.choices import ReminderChannel

    template = reminders.save_template(community, actor=actor, name="标准催缴",
                                       body=reminders.DEFAULT_TEMPLATE)
    short = reminders.save_template(
        community, actor=actor, name="短信简版",
        body="【{小区}】{单元} 物业费 {金额} 元已逾期（{账期}），请在“我的账单”缴纳。已缴请忽略。")
    first = reminders.save_rule(community, actor=actor, name="逾期7天提醒", days_after_due=7,
                                channel=ReminderChannel.INBOX, template=template)
    reminders.save_rule(community, actor=actor, name="逾期30天短信", days_after_due=30,
                        channel=ReminderChannel.SMS, template=short, min_amount="50.00")
    reminders.save_rule(community, actor=actor, name="逾期90天邮件", days_after_due=90,
                        channel=ReminderChannel.EMAIL, template=template, min_amount="100.00")
    local = timezone.localtime(now)
    when = local.replace(hour=10, minute=0, second=0, microsecond=0)
    if when > local:
        when -= dt.timedelta(days=1)  # never in the future: yesterday's daytime run
    sent = len(reminders.run_rule(first, now=when, limit=limit))
    # The households with an account (the demo owner among them) get theirs in the inbox too.
    from django.core.exceptions import ValidationError

    from sunlit.finance.models import Reminder
    from sunlit.registry.models import Ownership

    reminded = set(Reminder.objects.in_community(community).values_list("unit_id", flat=True))
    with_accounts = (Ownership.objects.in_community(community).current(timezone.localdate(when))
                     .filter(person__user__isnull=False).exclude(unit_id__in=reminded)
                     .order_by("unit_id").values_list("unit_id", flat=True).distinct()[:10])
    for unit in Unit.objects.filter(pk__in=list(with_accounts)).select_related("community", "building"):
        try:
            reminders.send_reminder(unit, actor=actor, now=when)
        except ValidationError:
            continue  # nothing overdue: nothing to remind
        sent += 1
    return sent
