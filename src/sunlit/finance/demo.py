"""Demo money for a demo community: the books, four fee items, three months billed, payments.

Everything goes through the services, so the books, the bills and the log hold exactly what
real use would: 物业服务费 (2.35 元/㎡·月 for homes and shops), 车位管理费 (80 元/月 per
parking space), 电梯公共用电分摊 (a common meter split by area) and 装修押金 (a deposit, charged
to a few units). The last three whole months are billed, and a deterministic share of the
units pay at the counter (some too much: prepaid, offset by the next run).
"""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal

from django.utils import timezone

from sunlit.core.choices import Role
from sunlit.core.models import Community, Membership
from sunlit.finance import calc, ledger, payments, services
from sunlit.finance.choices import Cycle, FeeKind, MeterKind, PaymentMethod
from sunlit.finance.models import Bill, FeeItem
from sunlit.registry.choices import UnitUsage
from sunlit.registry.models import Unit

R = UnitUsage


def load_demo(community: Community, *, now: dt.datetime | None = None, months: int = 3,
              payers: int = 120, seed: int = 2026) -> int:
    """Loads the demo finance data into ``community``; returns the number of bills made (0 if
    the community has fee items already or no finance staff member to act)."""
    if FeeItem.objects.in_community(community).exists():
        return 0
    member = (Membership.objects.in_community(community).active()
              .filter(role__in=[Role.FINANCE, Role.MANAGER]).order_by("role", "pk")
              .select_related("user").first())
    if member is None:
        return 0
    actor, now = member.user, now or timezone.now()
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
    reading = Decimal("120000")
    bills = 0
    for n in range(months):
        period = calc.add_months(first, n)
        usage = Decimal(rng.randint(2600, 3400))
        services.record_readings(community, actor=actor, period_start=period, read_on=period,
                                 readings=[(meter, reading, reading + usage)])
        reading += usage
        run_at = timezone.make_aware(dt.datetime.combine(period + dt.timedelta(days=4), dt.time(9)))
        bills += services.run_billing(community, period, actor=actor, now=min(run_at, now)).bill_count
    units = list(Unit.objects.in_community(community).order_by("id").values_list("id", flat=True))
    for unit in Unit.objects.filter(pk__in=rng.sample(units, min(3, len(units)))):
        services.charge_one_time(unit, deposit, actor=actor, memo="装修押金", now=now)
    chosen = rng.sample(units, min(payers, len(units)))
    for n, unit in enumerate(Unit.objects.filter(pk__in=chosen).select_related("community", "building")):
        owed = sum((b.outstanding for b in Bill.objects.filter(unit=unit).unpaid()), Decimal(0))
        if not owed:
            continue
        amount = owed if n % 3 else (owed / 2).quantize(Decimal("0.01"))
        if n % 10 == 0:
            amount = owed + Decimal(200)  # pays ahead: prepaid
        method = (PaymentMethod.CASH, PaymentMethod.POS, PaymentMethod.TRANSFER)[n % 3]
        payments.receive_payment(unit, actor=actor, amount=amount, method=method,
                                 now=now - dt.timedelta(days=rng.randint(0, 20)))
    load_arrears_demo(community, actor=actor, now=now)
    return bills


# --- arrears (催缴): a template, three rules, the first reminders --------------------------------------


def load_arrears_demo(community: Community, *, actor, now: dt.datetime, limit: int = 200) -> int:
    """The demo's reminder set-up: the standard template, rules at 7 days (inbox), 30 days (SMS)
    and 90 days (e-mail), and the 7-day rule run once (at most ``limit`` units, in daytime) so
    the reminders page and the owners' inboxes have something. Returns the reminders sent."""
    from sunlit.finance import reminders
    from sunlit.finance.choices import ReminderChannel

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
