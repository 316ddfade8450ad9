"""Every change to fee items, tariffs, terms, meters and billing runs.

Each verb checks permission first, validates (ValidationError with Chinese messages per
field, nothing written), writes inside ``transaction.atomic`` and records its fact on the
transparency log in the same transaction. The books are written by ``ledger.post_entries``
only; payments and refunds are in ``payments``; the billing run's arithmetic in ``calc`` and
``billing``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from decimal import Decimal
from fractions import Fraction

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from sunlit.core import audit
from sunlit.core.locking import locked
from sunlit.core.models import AuditEvent, Community, User
from sunlit.core.permissions import require
from sunlit.core.validators import normalize_text
from sunlit.finance.billing import runs as billing
from sunlit.finance.billing.choices import Cycle, FeeKind, MeterKind, RunStatus
from sunlit.finance.books import calc, ledger, money
from sunlit.finance.books.choices import EntrySource
from sunlit.finance.models import (
    Account,
    Bill,
    BillingRun,
    BillLine,
    FeeItem,
    FinancePolicy,
    Meter,
    MeterReading,
    Tariff,
)
from sunlit.registry.choices import UnitUsage
from sunlit.registry.models import Building, Unit
from sunlit.transparency import services as log

#: Fee kinds and the cycles they may have.
KIND_CYCLES = {
    FeeKind.AREA: {Cycle.MONTHLY, Cycle.QUARTERLY, Cycle.YEARLY},
    FeeKind.FIXED: {Cycle.MONTHLY, Cycle.QUARTERLY, Cycle.YEARLY},
    FeeKind.METERED: {Cycle.MONTHLY},
    FeeKind.SHARED: {Cycle.MONTHLY},
    FeeKind.ONE_TIME: {Cycle.ONCE},
    FeeKind.DEPOSIT: {Cycle.ONCE},
}
MAX_TIERS = 10


def _policy(community) -> FinancePolicy:
    return FinancePolicy.objects.get_or_create(community_id=getattr(community, "pk", community))[0]


# --- fee items ---------------------------------------------------------------------------------


@transaction.atomic
def create_fee_item(community: Community, *, actor: User, code: str, name: str, kind: str,
                    cycle: str, account: str, applies_to: Sequence[str] = (),
                    meter_kind: str = "", meter: Meter | None = None, sort_key: int = 0) -> FeeItem:
    """收费项目: what is charged, to which unit usages, how often, into which income account."""
    require(actor, "finance.manage", community=community)
    errors: dict[str, list[str]] = {}
    code, name = (code or "").strip(), normalize_text(name or "")
    if not code or len(code) > 20:
        errors["code"] = [_("请填写编码（最多 20 个字符）")]
    elif FeeItem.objects.in_community(community).filter(code=code).exists():
        errors["code"] = [_("编码 %(code)s 已存在") % {"code": code}]
    if not name or len(name) > 40:
        errors["name"] = [_("请填写名称（最多 40 个字）")]
    if kind not in FeeKind.values:
        errors["kind"] = [_("计费方式无效")]
    elif cycle not in KIND_CYCLES[kind]:
        errors["cycle"] = [_("该计费方式不能按此周期计费")]
    applies_to = list(dict.fromkeys(applies_to or ()))
    if any(u not in UnitUsage.values for u in applies_to):
        errors["applies_to"] = [_("房屋用途无效")]
    elif kind in (FeeKind.AREA, FeeKind.FIXED, FeeKind.METERED, FeeKind.SHARED) and not applies_to:
        errors["applies_to"] = [_("请选择适用的房屋用途")]
    income = Account.objects.in_community(community).filter(code=account, is_active=True).first()
    if income is None:
        errors["account"] = [_("科目 %(code)s 不在本小区的科目表中") % {"code": account}]
    if kind == FeeKind.METERED and meter_kind not in MeterKind.values:
        errors["meter_kind"] = [_("请选择表计类型")]
    if kind == FeeKind.SHARED and (meter is None or meter.community_id != community.pk
                                   or meter.unit_id is not None):
        errors["meter"] = [_("请选择本小区的公摊总表")]
    if errors:
        raise ValidationError(errors)
    item = FeeItem.objects.create(
        community=community, code=code, name=name, kind=kind, cycle=cycle, applies_to=applies_to,
        meter_kind=meter_kind if kind == FeeKind.METERED else "",
        meter=meter if kind == FeeKind.SHARED else None, account=income, sort_key=sort_key)
    log.record(community, "finance.fee_item.created", item, public={
        "code": code, "name": name, "kind": kind, "cycle": cycle, "applies_to": applies_to,
        "account": income.code})
    audit.record(AuditEvent.Action.CREATE, item, actor=actor, summary=f"收费项目 {code} {name}")
    return item


# --- tariffs -----------------------------------------------------------------------------------


def _clean_tiers(raw, errors: dict) -> list[dict]:
    if not raw:
        return []
    if not isinstance(raw, list | tuple) or len(raw) > MAX_TIERS:
        errors["tiers"] = [_("阶梯价格应为最多 %(n)d 档的列表") % {"n": MAX_TIERS}]
        return []
    tiers, lower = [], Decimal(0)
    for i, row in enumerate(raw):
        if not isinstance(row, dict):
            errors["tiers"] = [_("第 %(i)d 档格式无效") % {"i": i + 1}]
            return []
        try:
            price = money.parse_decimal(row.get("price"), what=_("阶梯单价"), places=4)
            upto = row.get("upto")
            upto = None if upto in (None, "") else money.parse_decimal(upto, what=_("阶梯上限"), places=2)
        except money.MoneyError as exc:
            errors["tiers"] = [_("第 %(i)d 档：%(e)s") % {"i": i + 1, "e": exc}]
            return []
        last = i == len(raw) - 1
        if price < 0 or (upto is None) != last or (upto is not None and upto <= lower):
            errors["tiers"] = [_("阶梯上限应逐档递增，最后一档不设上限，单价不能为负")]
            return []
        tiers.append({"upto": None if upto is None else str(upto), "price": str(price)})
        lower = upto if upto is not None else lower
    return tiers


@transaction.atomic
def set_tariff(fee_item: FeeItem, *, actor: User, price, effective_from: dt.date,
               effective_to: dt.date | None = None, tiers=None, notice_published_on: dt.date | None = None,
               notice_ref: str = "", today: dt.date | None = None) -> Tariff:
    """收费标准: a new version of a fee item's price from ``effective_from``.

    Versions never overlap. A new open-ended version after an open-ended one closes that one at
    its start: that is a price change, which needs a notice published at least the community's
    ``notice_days`` before it takes effect (物业服务收费明码标价规定: changes announced in
    advance). A version cannot start inside a period already billed for the item.
    """
    community = fee_item.community
    require(actor, "finance.manage", community=community)
    fee_item = locked(fee_item)
    today = today or timezone.localdate()
    errors: dict[str, list[str]] = {}
    try:
        price = money.parse_decimal(price, what=_("单价"), places=4)
        if price < 0:
            errors["price"] = [_("单价不能为负数")]
        elif price >= Decimal("100000000"):
            errors["price"] = [_("单价超出上限")]
    except money.MoneyError as exc:
        errors["price"] = [str(exc)]
    for name, value in (("effective_from", effective_from), ("effective_to", effective_to),
                        ("notice_published_on", notice_published_on)):
        if value is not None and (not isinstance(value, dt.date) or isinstance(value, dt.datetime)):
            errors[name] = [_("日期无效")]
    if effective_from is None:
        errors["effective_from"] = [_("请填写生效日")]
    tiers = _clean_tiers(tiers, errors)
    if tiers and fee_item.kind not in (FeeKind.METERED, FeeKind.SHARED):
        errors["tiers"] = [_("只有计量和公摊项目可以设置阶梯价格")]
    notice_ref = (notice_ref or "").strip()
    if len(notice_ref) > 200:
        errors["notice_ref"] = [_("最多 200 个字符")]
    if errors:
        raise ValidationError(errors)
    if effective_to is not None and effective_to <= effective_from:
        raise ValidationError({"effective_to": [_("失效日应晚于生效日")]})
    existing = list(Tariff.objects.filter(fee_item=fee_item).order_by("effective_from"))
    closes = None
    for t in existing:
        t_end = t.effective_to or dt.date.max
        new_end = effective_to or dt.date.max
        if t.effective_from < new_end and effective_from < t_end:
            if t.effective_to is None and t.effective_from < effective_from and closes is None:
                closes = t
                continue
            raise ValidationError({"effective_from": [
                _("与已有收费标准（%(f)s 起）时间重叠") % {"f": t.effective_from}]})
    if closes is not None and effective_to is None and any(
            t.effective_from > effective_from for t in existing):
        raise ValidationError({"effective_from": [_("之后已有收费标准，请填写失效日")]})
    is_change = any(t.effective_from < effective_from for t in existing)
    if is_change:
        policy = _policy(community)
        latest = effective_from - dt.timedelta(days=policy.notice_days)
        if notice_published_on is None:
            raise ValidationError({"notice_published_on": [
                _("调整收费标准须提前公示：请填写公示日期")]})
        if notice_published_on > today:
            raise ValidationError({"notice_published_on": [_("公示日期不能晚于今天")]})
        if notice_published_on > latest:
            raise ValidationError({"notice_published_on": [
                _("须至少提前 %(n)d 天公示（最晚 %(d)s 公示）") % {"n": policy.notice_days, "d": latest}]})
    if BillLine.objects.filter(fee_item=fee_item, period_end__gt=effective_from).exists():
        raise ValidationError({"effective_from": [_("生效日所在账期已经计费，不能追溯调整")]})
    if closes is not None:
        closes.effective_to = effective_from
        closes.save(update_fields=["effective_to"])
    tariff = Tariff.objects.create(
        community=community, fee_item=fee_item, price=price, tiers=tiers, effective_from=effective_from,
        effective_to=effective_to, notice_published_on=notice_published_on, notice_ref=notice_ref,
        created_by=actor)
    public = {"fee_item": fee_item.code, "name": fee_item.name, "price": price,
              "effective_from": effective_from, "effective_to": effective_to,
              "notice_published_on": notice_published_on, "notice_ref": notice_ref or None,
              "tiers": tiers or None}
    if closes is not None:
        public["replaces"] = {"price": str(closes.price), "from": closes.effective_from.isoformat()}
    log.record(community, "finance.tariff.set", tariff, public=public)
    audit.record(AuditEvent.Action.CREATE, tariff, actor=actor,
                 summary=f"收费标准 {fee_item.name} {price} 自 {effective_from}")
    return tariff


# --- terms -----------------------------------------------------------------------------------------


@transaction.atomic
def update_policy(community: Community, *, actor: User, late_fee_daily_rate=None,
                  late_fee_grace_days=None, late_fee_cap_percent=None, notice_days=None,
                  due_days=None, late_fee_collect=None,
                  today: dt.date | None = None) -> FinancePolicy:
    """收费约定: the contract's late-fee terms, notice period and payment term. Logged.

    The expense approval and receipt thresholds are an owner-side control, changed only through
    ``finance.expenses.update_money_policy`` (which the committee alone may raise).

    ``late_fee_collect`` switches collecting late fees at payment on or off; switched on again,
    late fees count only from that day (``late_fee_collect_from``; see ``finance.latefees``)."""
    require(actor, "finance.manage", community=community)
    policy = FinancePolicy.objects.select_for_update().get(pk=_policy(community).pk)
    errors, data = {}, {}
    for name, value, places, low, high in (
            ("late_fee_daily_rate", late_fee_daily_rate, 6, Decimal(0), Decimal("0.01")),
            ("late_fee_cap_percent", late_fee_cap_percent, 2, Decimal(0), Decimal(100))):
        if value is None:
            continue
        try:
            number = money.parse_decimal(value, places=places)
        except money.MoneyError as exc:
            errors[name] = [str(exc)]
            continue
        if not low <= number <= high:
            errors[name] = [_("应在 %(lo)s 与 %(hi)s 之间") % {"lo": low, "hi": high}]
        data[name] = number
    for name, value, high in (("late_fee_grace_days", late_fee_grace_days, 365),
                              ("notice_days", notice_days, 365), ("due_days", due_days, 365)):
        if value is None:
            continue
        if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= high:
            errors[name] = [_("应为 0 到 %(hi)d 的整数") % {"hi": high}]
            continue
        data[name] = value
    # charges: the collection switch
    if late_fee_collect is not None:
        if not isinstance(late_fee_collect, bool):
            errors["late_fee_collect"] = [_("应为是或否")]
        else:
            data["late_fee_collect"] = late_fee_collect
            if late_fee_collect and not policy.late_fee_collect:
                data["late_fee_collect_from"] = today or timezone.localdate()
    if errors:
        raise ValidationError(errors)
    changes = audit.diff(policy, data)
    if not changes:
        return policy
    for name, value in data.items():
        setattr(policy, name, value)
    policy.updated_at = timezone.now()
    policy.save(update_fields=[*data, "updated_at"])
    log.record(community, "finance.policy.changed", policy, public={"terms": policy_terms(policy),
                                                                    "changes": changes})
    audit.record(AuditEvent.Action.UPDATE, policy, actor=actor, changes=changes, summary="收费约定")
    return policy


def policy_terms(policy: FinancePolicy) -> dict:
    return {"late_fee_daily_rate": str(policy.late_fee_daily_rate),
            "late_fee_grace_days": policy.late_fee_grace_days,
            "late_fee_cap_percent": str(policy.late_fee_cap_percent),
            "notice_days": policy.notice_days, "due_days": policy.due_days,
            "dual_approval_above": str(policy.dual_approval_above),
            "receipt_required_above": str(policy.receipt_required_above),
            "late_fee_collect": policy.late_fee_collect,
            "late_fee_collect_from": (policy.late_fee_collect_from.isoformat()
                                      if policy.late_fee_collect_from else None)}


# --- meters ---------------------------------------------------------------------------------------


@transaction.atomic
def create_meter(community: Community, *, actor: User, kind: str, unit: Unit | None = None,
                 building: Building | None = None, name: str = "") -> Meter:
    """表计: a unit's own meter, or a common meter (no unit) of a building or the community."""
    require(actor, "finance.manage", community=community)
    errors = {}
    if kind not in MeterKind.values:
        errors["kind"] = [_("表计类型无效")]
    if unit is not None and unit.community_id != community.pk:
        errors["unit"] = [_("房屋不属于本小区")]
    if building is not None and building.community_id != community.pk:
        errors["building"] = [_("楼栋不属于本小区")]
    if unit is not None and Meter.objects.filter(unit=unit, kind=kind).exists():
        errors["unit"] = [_("该房屋已有此类表计")]
    if errors:
        raise ValidationError(errors)
    meter = Meter.objects.create(community=community, kind=kind, unit=unit,
                                 building=building if unit is None else None, name=name.strip()[:40])
    audit.record(AuditEvent.Action.CREATE, meter, actor=actor, summary=f"表计 {meter}")
    return meter


@transaction.atomic
def record_readings(community: Community, *, actor: User, period_start: dt.date, read_on: dt.date,
                    readings: Sequence[tuple[Meter, object, object]]) -> list[MeterReading]:
    """抄表: readings (meter, previous, current) of one month, all or none. A reading goes into
    the calculation of each bill line it bills (and so under the run's root on the log)."""
    require(actor, "finance.bill", community=community)
    billing.check_period(period_start)
    errors, rows, seen = {}, [], set()
    what_previous, what_current = _("上期读数"), _("本期读数")  # once, not per reading (imports)
    for i, (meter, previous, current) in enumerate(readings):
        where = f"readings.{i}"
        if meter is None or meter.community_id != community.pk:
            errors[where] = [_("表计不属于本小区")]
            continue
        if meter.pk in seen:
            errors[where] = [_("同一表计重复抄表")]
            continue
        seen.add(meter.pk)
        try:
            prev = money.parse_decimal(previous, what=what_previous, places=2)
            cur = money.parse_decimal(current, what=what_current, places=2)
        except money.MoneyError as exc:
            errors[where] = [str(exc)]
            continue
        if prev < 0 or cur < prev:
            errors[where] = [_("本期读数不能小于上期读数")]
            continue
        rows.append(MeterReading(community=community, meter=meter, period_start=period_start,
                                 previous=prev, current=cur, read_on=read_on, entered_by=actor))
    done = set(MeterReading.objects.filter(meter_id__in=seen, period_start=period_start)
               .values_list("meter_id", flat=True))
    if done:
        errors["readings"] = [_("%(n)d 块表本期已抄表") % {"n": len(done)}]
    if errors:
        raise ValidationError(errors)
    MeterReading.objects.bulk_create(rows)
    audit.record(AuditEvent.Action.CREATE, community=community, actor=actor,
                 object_type="finance.meterreading", summary=f"抄表 {period_start:%Y-%m} {len(rows)} 块")
    return rows


# --- billing runs ---------------------------------------------------------------------------------


def preview_billing_run(community: Community, period_start: dt.date, *, actor: User) -> billing.RunPlan:
    """The run as it would be, nothing written (the preview before commit)."""
    require(actor, "finance.bill", community=community)
    plan = billing.plan_run(community, period_start)
    _refuse_billed(community, plan.period_start)
    return plan


def _refuse_billed(community: Community, period_start: dt.date) -> None:
    if BillingRun.objects.in_community(community).filter(
            period_start=period_start, status=RunStatus.COMMITTED).exists():
        raise ValidationError({"period": [_("%(p)s 已经计费，不能重复计费") % {
            "p": f"{period_start:%Y-%m}"}]})


@transaction.atomic
def run_billing(community: Community, period_start: dt.date, *, actor: User,
                now: dt.datetime | None = None, progress: billing.Progress | None = None) -> BillingRun:
    """批量计费, at once (the CLI; tests): plans and commits the run in one transaction."""
    require(actor, "finance.bill", community=community)
    billing.check_period(period_start)
    _refuse_billed(community, period_start)
    run = BillingRun.objects.create(community=community, period_start=period_start,
                                    period_end=calc.add_months(period_start, 1),
                                    status=RunStatus.RUNNING, started_by=actor)
    plan = billing.plan_run(community, period_start)
    if not plan.bills:
        raise ValidationError({"period": [_("本期没有可计费的项目"), *plan.warnings]})
    run = billing.commit_run(run, plan, actor=actor, now=now, progress=progress)
    audit.record(AuditEvent.Action.CREATE, run, actor=actor,
                 summary=f"批量计费 {period_start:%Y-%m}：{run.bill_count} 户 {money.text(run.total)} 元")
    return run


@transaction.atomic
def start_billing_run(community: Community, period_start: dt.date, *, actor: User) -> BillingRun:
    """Queues a run from the web: the worker does it (``tasks.execute_billing_run``); the status
    page follows it. A period with a run queued, running or committed is refused."""
    require(actor, "finance.bill", community=community)
    billing.check_period(period_start)
    _refuse_billed(community, period_start)
    if BillingRun.objects.in_community(community).filter(
            period_start=period_start, status__in=[RunStatus.QUEUED, RunStatus.RUNNING]).exists():
        raise ValidationError({"period": [_("该账期的计费正在进行")]})
    run = BillingRun.objects.create(community=community, period_start=period_start,
                                    period_end=calc.add_months(period_start, 1),
                                    status=RunStatus.QUEUED, started_by=actor)
    from sunlit.finance.tasks import execute_billing_run

    transaction.on_commit(lambda: execute_billing_run(run.pk))
    return run


def execute_billing_run(run_id: int) -> BillingRun:
    """The worker's side of ``start_billing_run``: all in one transaction, or ``failed`` with
    the reason and nothing else written."""
    claimed = BillingRun.objects.filter(pk=run_id, status=RunStatus.QUEUED).update(
        status=RunStatus.RUNNING)
    run = BillingRun.objects.select_related("community", "started_by").get(pk=run_id)
    if claimed != 1:
        return run
    try:
        with transaction.atomic():
            plan = billing.plan_run(run.community, run.period_start)
            if not plan.bills:
                raise ValidationError({"period": [_("本期没有可计费的项目"), *plan.warnings]})
            run = billing.commit_run(run, plan, actor=run.started_by)
            audit.record(AuditEvent.Action.CREATE, run, actor=run.started_by,
                         summary=f"批量计费 {run.period_start:%Y-%m}：{run.bill_count} 户")
    except (ValidationError, IntegrityError) as exc:
        message = "；".join(exc.messages) if isinstance(exc, ValidationError) else str(exc)
        BillingRun.objects.filter(pk=run_id).update(status=RunStatus.FAILED, error=message[:2000],
                                                    finished_at=timezone.now())
        run.refresh_from_db()
    return run


# --- one-time charges -----------------------------------------------------------------------------


@transaction.atomic
def charge_one_time(unit: Unit, fee_item: FeeItem, *, actor: User, amount=None, memo: str = "",
                    now: dt.datetime | None = None) -> Bill:
    """一次性收费/押金: a bill of one line for a unit (装修押金, 门禁卡工本费 ...).

    The amount is the tariff's price on the day unless given. A deposit credits 2241 其他应付款
    (it is returned later), a one-time fee the item's income account. On the log as
    ``finance.bill.issued`` with the bill's canonical digest.
    """
    community = unit.community
    require(actor, "finance.bill", community=community)
    now = now or timezone.now()
    today = timezone.localdate(now)
    if fee_item.community_id != community.pk or fee_item.kind not in (FeeKind.ONE_TIME, FeeKind.DEPOSIT):
        raise ValidationError({"fee_item": [_("请选择本小区的一次性收费或押金项目")]})
    if amount is None:
        tariff = next((t for t in Tariff.objects.filter(fee_item=fee_item) if t.covers(today)), None)
        if tariff is None:
            raise ValidationError({"amount": [_("该项目今天没有有效的收费标准，请填写金额")]})
        amount = calc.round_half_up(Fraction(tariff.price))
    try:
        amount = money.parse_money(amount)
    except money.MoneyError as exc:
        raise ValidationError({"amount": [str(exc)]}) from None
    memo = normalize_text(memo or "")[:100]
    number = ledger.reserve_numbers(community, f"ZD-{today:%Y%m}", 1)[0]
    policy = _policy(community)
    end = today + dt.timedelta(days=1)
    due_on = today + dt.timedelta(days=policy.due_days)
    calculation = {"formula": "一次性收费", "amount": money.text(amount), **({"memo": memo} if memo else {})}
    line_doc = billing.line_document(fee_item.code, fee_item.name, today, end, amount, Decimal(1),
                                     amount, calculation)
    document = billing.bill_document(community_code=community.code, number=number, unit_id=unit.pk,
                                     label=unit.label, period_start=today, period_end=end,
                                     issued_on=today, due_on=due_on, amount=amount, lines=[line_doc])
    bill = Bill.objects.create(community=community, number=number, unit=unit, period_start=today,
                               period_end=end, issued_on=today, due_on=due_on, amount=amount,
                               digest=billing.leaf_of(document).hex())
    try:
        with transaction.atomic():
            BillLine.objects.create(community=community, bill=bill, fee_item=fee_item, unit=unit,
                                    period_start=today, period_end=end, quantity=Decimal(1),
                                    price=amount, amount=amount,
                                    calc=billing.calculations_for(community, [calculation])[0])
    except IntegrityError:
        raise ValidationError({"fee_item": [_("该房屋今天已收过此项费用")]}) from None
    credit = ledger.DEPOSITS if fee_item.kind == FeeKind.DEPOSIT else fee_item.account.code
    memo_text = f"{fee_item.name} {number}"
    entry = ledger.post_entry(community, ledger.EntrySpec(today, EntrySource.BILL, memo_text, [
        ledger.Line(ledger.RECEIVABLE, debit=amount, unit_id=unit.pk, memo=number),
        ledger.Line(credit, credit=amount, memo=fee_item.name)]), actor=actor, time=now)
    log.record(community, "finance.bill.issued", bill, time=now, public={
        "number": number, "amount": amount, "fee_item": fee_item.code, "entry": entry.number},
        private={"unit": unit.label, "digest": bill.digest})
    audit.record(AuditEvent.Action.CREATE, bill, actor=actor,
                 summary=f"{fee_item.name} {unit.label} {money.text(amount)} 元")
    return bill
