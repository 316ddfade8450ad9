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
    load_charges_demo(community, now=now)
    return bills


# --- charges: late fees collected, waivers, meter readings imported ---------------------------------


def load_charges_demo(community: Community, *, now: dt.datetime, homes: int = 30) -> dict:
    """A few overdue bills paid with their late fee at the counter, one waiver approved and one
    rejected (requested by finance, decided by the manager), and this month's water readings
    imported from a CSV that also creates the per-unit meters."""
    from sunlit.finance import meter_import, waivers
    from sunlit.finance.choices import MeterKind, WaiverReason, WaiverTarget

    def member(role):
        found = (Membership.objects.in_community(community).active().filter(role=role)
                 .select_related("user").order_by("pk").first())
        return found.user if found else None

    finance, manager = member(Role.FINANCE), member(Role.MANAGER)
    if finance is None or manager is None:
        return {}
    today = timezone.localdate(now)
    overdue = list(Bill.objects.in_community(community).unpaid().filter(
        due_on__lt=today - dt.timedelta(days=selectors_policy(community).late_fee_grace_days + 5))
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
    from sunlit.finance.selectors import policy_of

    return policy_of(community)


def can_manage(user, community) -> bool:
    from sunlit.core.permissions import can

    return can(user, "finance.manage", community=community)
