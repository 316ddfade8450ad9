"""Reminders — 催缴: message templates, schedules (rules) and the reminders sent.

A **template** is a text with placeholders (``PLACEHOLDERS``); an unknown placeholder, a format
spec or an unbalanced brace is refused when the template is saved, so sending never fails on
one. A **rule** reminds every household whose bills are at least ``days_after_due`` days past
due and still owe ``min_amount`` or more, through the inbox and optionally SMS or e-mail
(``sunlit.notices``' channels), never inside its quiet hours. The periodic task
(``tasks.send_due_reminders``) runs the rules; each reminder is a ``Reminder`` row, unique per
(rule, unit, period) — the period being the newest bill period the reminder covers — so a rerun
sends nothing twice and the next month's bill earns the next reminder. Staff may also remind
one unit by hand from its account page.

Arrears never block anything: reminders only inform. No page, API or service of Sunlit checks a
household's arrears before letting it report a repair, vote, read the ledgers or open a door.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import string
from collections import defaultdict

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Count, F, Max, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from sunlit.core import audit
from sunlit.core.idempotency import replayed
from sunlit.core.locking import locked
from sunlit.core.models import AuditEvent, Community, User
from sunlit.core.permissions import require
from sunlit.core.validators import clean_prose
from sunlit.finance.arrears import selectors as arrears
from sunlit.finance.arrears.choices import ReminderChannel, ReminderTrigger
from sunlit.finance.billing import selectors
from sunlit.finance.billing.choices import BillStatus
from sunlit.finance.books import calc, money
from sunlit.finance.models import Bill, Reminder, ReminderRule, ReminderTemplate
from sunlit.notices.choices import NotificationKind
from sunlit.registry.models import Ownership, Residency, Unit
from sunlit.transparency import services as log

#: The placeholders a template may use, and what each becomes.
PLACEHOLDERS = {
    "单元": "房屋（楼栋-单元-房号）",
    "金额": "欠费金额（元）",
    "账期": "欠费账期（如 2026-01 至 2026-03）",
    "截止日": "最早一笔欠费的缴费期限",
    "笔数": "欠费账单数",
    "滞纳金": "截至今天按合同约定计算的滞纳金（元）",
    "小区": "小区名称",
    "服务电话": "物业服务电话",
}
MAX_TEMPLATE = 500
MAX_NAME = 40
#: Reminders one rule sends in one run of the task; the rest go in the next run.
BATCH = 500
#: Manual SMS / e-mail reminders are refused in these hours (rules have their own).
MANUAL_QUIET = (dt.time(21, 0), dt.time(8, 0))
DEFAULT_TEMPLATE = (
    "【{小区}】尊敬的业主：您的房屋 {单元} 尚有 {笔数} 笔物业费用未缴（账期 {账期}），"
    "合计 {金额} 元，最早一笔缴费期限为 {截止日}。请在“我的账单”查看明细并及时缴纳；"
    "如有疑问请致电 {服务电话}。已缴请忽略。"
)
CHANNEL_NAMES = {ReminderChannel.INBOX: [], ReminderChannel.SMS: ["sms"], ReminderChannel.EMAIL: ["email"]}


# --- templates -----------------------------------------------------------------------------------


def template_errors(body) -> list[str]:
    """What is wrong with a template text (empty list: fine)."""
    if not isinstance(body, str) or not body.strip():
        return [_("请填写模板内容")]
    if len(body) > MAX_TEMPLATE:
        return [_("模板最多 %(n)d 个字") % {"n": MAX_TEMPLATE}]
    try:
        parts = list(string.Formatter().parse(body))
    except ValueError:
        return [_("花括号不成对：占位符应写成 {金额} 这样；要显示花括号本身请写 {{ 或 }}")]
    errors = []
    for _literal, name, spec, conversion in parts:
        if name is None:
            continue
        if name not in PLACEHOLDERS:
            errors.append(
                _("未知的占位符 {%(name)s}；可用：%(known)s")
                % {"name": name, "known": " ".join(f"{{{k}}}" for k in PLACEHOLDERS)}
            )
        elif spec or conversion:
            errors.append(_("占位符 {%(name)s} 不能带格式说明") % {"name": name})
    return errors


def render(body: str, values: dict[str, str]) -> str:
    return body.format_map(values)


def _sha(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


@transaction.atomic
def save_template(
    community: Community, *, actor: User, name, body, template: ReminderTemplate | None = None
) -> ReminderTemplate:
    """保存催缴模板 (new, or a change of ``template``). Logged with its text."""
    require(actor, "finance.manage", community=community)
    if template is not None and template.community_id != community.pk:
        raise ValidationError({"template": [_("不是本小区的模板")]})
    errors: dict[str, list[str]] = {}
    name = clean_prose(name if isinstance(name, str) else "")
    if not name:
        errors["name"] = [_("请填写模板名称")]
    elif len(name) > MAX_NAME:
        errors["name"] = [_("名称最多 %(n)d 个字") % {"n": MAX_NAME}]
    elif (
        ReminderTemplate.objects.filter(community=community, name=name)
        .exclude(pk=getattr(template, "pk", None))
        .exists()
    ):
        errors["name"] = [_("已有同名模板")]
    body_errors = template_errors(body)
    if body_errors:
        errors["body"] = body_errors
    if errors:
        raise ValidationError(errors)
    body = body.strip()
    now = timezone.now()
    if template is None:
        template = ReminderTemplate.objects.create(
            community=community, name=name, body=body, created_by=actor, updated_at=now
        )
        audit.record(AuditEvent.Action.CREATE, template, actor=actor, summary=f"催缴模板 {name}")
    else:
        changes = audit.diff(template, {"name": name, "body": body})
        if not changes:
            return template
        template.name, template.body, template.updated_at = name, body, now
        template.save(update_fields=["name", "body", "updated_at"])
        audit.record(
            AuditEvent.Action.UPDATE, template, actor=actor, changes=changes, summary=f"催缴模板 {name}"
        )
    log.record(
        community,
        "finance.reminder_template.saved",
        template,
        time=now,
        public={"name": name, "body": body, "body_sha256": _sha(body)},
    )
    return template


# --- rules ---------------------------------------------------------------------------------------


def _time(value, what: str, errors: dict) -> dt.time | None:
    if isinstance(value, dt.time):
        return value.replace(second=0, microsecond=0)
    if isinstance(value, str):
        try:
            return dt.datetime.strptime(value.strip(), "%H:%M").time()
        except ValueError:
            pass
    errors[what] = [_("时间格式应为 HH:MM")]
    return None


@transaction.atomic
def save_rule(
    community: Community,
    *,
    actor: User,
    name,
    days_after_due,
    channel,
    template,
    min_amount="0.01",
    quiet_from="21:00",
    quiet_to="08:00",
    is_active: bool = True,
    rule: ReminderRule | None = None,
) -> ReminderRule:
    """保存催缴规则: when (days past due), how (channel), with which template, above which
    amount, outside which hours. Logged."""
    require(actor, "finance.manage", community=community)
    if rule is not None and rule.community_id != community.pk:
        raise ValidationError({"rule": [_("不是本小区的规则")]})
    errors: dict[str, list[str]] = {}
    name = clean_prose(name if isinstance(name, str) else "")
    if not name:
        errors["name"] = [_("请填写规则名称")]
    elif len(name) > MAX_NAME:
        errors["name"] = [_("名称最多 %(n)d 个字") % {"n": MAX_NAME}]
    elif (
        ReminderRule.objects.filter(community=community, name=name)
        .exclude(pk=getattr(rule, "pk", None))
        .exists()
    ):
        errors["name"] = [_("已有同名规则")]
    if (
        isinstance(days_after_due, bool)
        or not isinstance(days_after_due, int)
        or not 1 <= days_after_due <= 3650
    ):
        errors["days_after_due"] = [_("逾期天数应为 1 到 3650 的整数")]
    if channel not in ReminderChannel.values:
        errors["channel"] = [_("请选择渠道")]
    template_id = getattr(template, "pk", template)
    found = None
    if isinstance(template_id, int) and not isinstance(template_id, bool):
        found = ReminderTemplate.objects.filter(community=community, pk=template_id).first()
    if found is None:
        errors["template"] = [_("请选择本小区的催缴模板")]
    try:
        minimum = money.parse_money(min_amount, what=_("起催金额"))
    except money.MoneyError as exc:
        errors["min_amount"] = [str(exc)]
    start = _time(quiet_from, "quiet_from", errors)
    end = _time(quiet_to, "quiet_to", errors)
    if not isinstance(is_active, bool):
        errors["is_active"] = [_("必须是 true 或 false")]
    if errors:
        raise ValidationError(errors)
    data = {
        "name": name,
        "days_after_due": days_after_due,
        "channel": channel,
        "template_id": found.pk,
        "min_amount": minimum,
        "quiet_from": start,
        "quiet_to": end,
        "is_active": is_active,
    }
    now = timezone.now()
    if rule is None:
        rule = ReminderRule.objects.create(community=community, created_by=actor, updated_at=now, **data)
        audit.record(AuditEvent.Action.CREATE, rule, actor=actor, summary=f"催缴规则 {name}")
    else:
        changes = audit.diff(rule, data)
        if not changes:
            return rule
        for key, value in data.items():
            setattr(rule, key, value)
        rule.updated_at = now
        rule.save(update_fields=[*data, "updated_at"])
        audit.record(AuditEvent.Action.UPDATE, rule, actor=actor, changes=changes, summary=f"催缴规则 {name}")
    log.record(
        community,
        "finance.reminder_rule.saved",
        rule,
        time=now,
        public={
            "name": name,
            "days_after_due": days_after_due,
            "channel": str(channel),
            "template": found.name,
            "min_amount": minimum,
            "quiet_from": start.strftime("%H:%M"),
            "quiet_to": end.strftime("%H:%M"),
            "active": is_active,
        },
    )
    return rule


# --- what a unit owes, and to whom it is said ------------------------------------------------------


def recipients_of(unit_ids, on: dt.date) -> dict[int, list[int]]:
    """The user accounts told about each unit's arrears: its current owners with an account;
    if none has one, the residents with an account."""
    out: dict[int, list[int]] = defaultdict(list)
    for unit_id, user_id in (
        Ownership.objects.current(on)
        .filter(unit_id__in=list(unit_ids), person__user__isnull=False)
        .order_by("unit_id", "id")
        .values_list("unit_id", "person__user_id")
    ):
        out[unit_id].append(user_id)
    missing = [u for u in unit_ids if u not in out]
    if missing:
        for unit_id, user_id in (
            Residency.objects.current()
            .filter(unit_id__in=missing, person__user__isnull=False)
            .order_by("unit_id", "id")
            .values_list("unit_id", "person__user_id")
        ):
            out[unit_id].append(user_id)
    return dict(out)


def _period_text(first: dt.date, last: dt.date) -> str:
    return (
        f"{first:%Y-%m}"
        if (first.year, first.month) == (last.year, last.month)
        else f"{first:%Y-%m} 至 {last:%Y-%m}"
    )


def _summaries(community: Community, unit_ids, *, today: dt.date, due_by: dt.date) -> dict[int, dict]:
    """For each unit: its bills unpaid today and due on or before ``due_by`` — amount, count,
    periods, the oldest due date, late fees as of today."""
    terms = selectors.late_fee_terms(community)
    found: dict[int, dict] = {}
    for bill, unpaid, paid in arrears.unpaid_bills_of(unit_ids, today):
        if bill.due_on > due_by:
            continue
        row = found.setdefault(
            bill.unit_id,
            {
                "amount": money.ZERO,
                "count": 0,
                "first": bill.period_start,
                "last": bill.period_start,
                "due": bill.due_on,
                "late_fee": money.ZERO,
            },
        )
        row["amount"] += unpaid
        row["count"] += 1
        row["first"] = min(row["first"], bill.period_start)
        row["last"] = max(row["last"], bill.period_start)
        row["due"] = min(row["due"], bill.due_on)
        row["late_fee"] += calc.late_fee(
            amount=bill.amount, due_on=bill.due_on, payments=paid, as_of=today, terms=terms
        ).amount
    return found


def _values(community: Community, unit: Unit, summary: dict) -> dict[str, str]:
    return {
        "单元": unit.label,
        "金额": money.text(summary["amount"]),
        "账期": _period_text(summary["first"], summary["last"]),
        "截止日": summary["due"].isoformat(),
        "笔数": str(summary["count"]),
        "滞纳金": money.text(summary["late_fee"]),
        "小区": community.name,
        "服务电话": community.service_phone or "",
    }


def _tell(community: Community, reminder: Reminder, users: list[int], channel: str) -> int:
    from sunlit.notices.services import notify

    sent = notify(
        community=community,
        recipients=users,
        title=_("缴费提醒：%(unit)s") % {"unit": reminder.unit.label},
        body=reminder.message,
        url="/finance/my/",
        kind=NotificationKind.BILL,
        obj=reminder,
        channels=CHANNEL_NAMES[channel],
    )
    return len(sent)


# --- the schedule ---------------------------------------------------------------------------------


def due_units(rule: ReminderRule, today: dt.date):
    """Units owing at least ``min_amount`` on bills ``days_after_due`` or more days past due,
    with the newest such period, not yet reminded by this rule for it: (unit id, period)."""
    due_by = today - dt.timedelta(days=rule.days_after_due)
    rows = (
        Bill.objects.filter(
            community_id=rule.community_id,
            due_on__lte=due_by,
            status__in=[BillStatus.OPEN, BillStatus.PARTIAL],
        )
        .values("unit_id")
        .annotate(owed=Sum(F("amount") - F("paid")), period=Max("period_start"))
        .filter(owed__gte=rule.min_amount)
        .values_list("unit_id", "period")
    )
    rows = list(rows)
    # only the periods at stake: the rule's history grows by a month of units every month
    done = set(Reminder.objects.filter(rule=rule, period__in={p for _u, p in rows})
               .values_list("unit_id", "period"))
    return [(unit_id, period) for unit_id, period in rows if (unit_id, period) not in done]


def run_rule(rule: ReminderRule, *, now: dt.datetime | None = None, limit: int = BATCH) -> list[Reminder]:
    """Sends one rule's due reminders (at most ``limit``); nothing in its quiet hours. One
    transaction and one log event for the batch; a rerun finds nothing left to send."""
    now = now or timezone.now()
    if not rule.is_active or rule.is_quiet(now):
        return []
    today = timezone.localdate(now)
    with transaction.atomic():
        rule = locked(rule, "template", "community")
        community = rule.community
        pending = sorted(due_units(rule, today))[:limit]
        if not pending:
            return []
        due_by = today - dt.timedelta(days=rule.days_after_due)
        ids = [unit_id for unit_id, _p in pending]
        summaries = _summaries(community, ids, today=today, due_by=due_by)
        units = {u.pk: u for u in Unit.objects.filter(pk__in=ids).select_related("building")}
        users = recipients_of(ids, today)
        rows = []
        for unit_id, period in pending:
            summary = summaries.get(unit_id)
            if summary is None:
                continue
            rows.append(
                Reminder(
                    community=community,
                    unit=units[unit_id],
                    rule=rule,
                    trigger=ReminderTrigger.SCHEDULE,
                    channel=rule.channel,
                    period=period,
                    amount=summary["amount"],
                    bills=summary["count"],
                    message=render(rule.template.body, _values(community, units[unit_id], summary)),
                    recipients=len(users.get(unit_id, [])),
                    sent_at=now,
                )
            )
        created = Reminder.objects.bulk_create(rows)
        for reminder in created:
            if users.get(reminder.unit_id):
                _tell(community, reminder, users[reminder.unit_id], rule.channel)
        log.record(
            community,
            "finance.reminders.sent",
            rule,
            time=now,
            public={
                "rule": rule.name,
                "days_after_due": rule.days_after_due,
                "channel": str(rule.channel),
                "units": len(created),
                "total": sum((r.amount for r in created), money.ZERO),
            },
            # which households were in arrears, and by how much, only as a commitment
            private={
                "reminded": [
                    {"unit": r.unit.label, "period": f"{r.period:%Y-%m}", "amount": money.text(r.amount)}
                    for r in created
                ],
            },
        )
    return created


def send_due_reminders(*, now: dt.datetime | None = None) -> int:
    """Runs every active rule of every community (the periodic task); returns reminders sent."""
    sent = 0
    for rule in ReminderRule.objects.filter(is_active=True).order_by("community_id", "days_after_due", "id"):
        try:
            sent += len(run_rule(rule, now=now))
        except IntegrityError:
            continue  # another worker sent this batch at the same moment; the next run sees it
    return sent


# --- by hand --------------------------------------------------------------------------------------


@transaction.atomic
def send_reminder(
    unit: Unit,
    *,
    actor: User,
    channel: str = ReminderChannel.INBOX,
    template: ReminderTemplate | int | None = None,
    idempotency_key: str = "",
    now: dt.datetime | None = None,
) -> Reminder:
    """人工催缴: reminds one unit's household of its overdue bills now. A repeated request with
    the same idempotency key returns the first reminder."""
    require(actor, "finance.collect", unit)
    community = unit.community
    key = (idempotency_key or "").strip()[:64]
    if key:
        existing = replayed(Reminder.objects.filter(community=community), key)
        if existing is not None:
            return existing
    now = now or timezone.now()
    today = timezone.localdate(now)
    errors: dict[str, list[str]] = {}
    if channel not in ReminderChannel.values:
        errors["channel"] = [_("请选择渠道")]
    body = DEFAULT_TEMPLATE
    if template not in (None, ""):
        template_id = getattr(template, "pk", template)
        found = (
            ReminderTemplate.objects.filter(community=community, pk=template_id).first()
            if isinstance(template_id, int) and not isinstance(template_id, bool)
            else None
        )
        if found is None:
            errors["template"] = [_("请选择本小区的催缴模板")]
        else:
            body = found.body
    if channel != ReminderChannel.INBOX and ReminderRule(
        quiet_from=MANUAL_QUIET[0], quiet_to=MANUAL_QUIET[1]
    ).is_quiet(now):
        errors["channel"] = [_("21:00–08:00 为免打扰时段，此时只能发送站内通知")]
    summary = _summaries(community, [unit.pk], today=today, due_by=today - dt.timedelta(days=1)).get(unit.pk)
    if summary is None:
        errors.setdefault("__all__", []).append(_("该房屋没有逾期未缴的账单"))
    if errors:
        raise ValidationError(errors)
    users = recipients_of([unit.pk], today).get(unit.pk, [])
    reminder = Reminder.objects.create(
        community=community,
        unit=unit,
        rule=None,
        trigger=ReminderTrigger.MANUAL,
        channel=channel,
        period=summary["last"],
        amount=summary["amount"],
        bills=summary["count"],
        message=render(body, _values(community, unit, summary)),
        recipients=len(users),
        sent_by=actor,
        sent_at=now,
        idempotency_key=key,
    )
    if users:
        _tell(community, reminder, users, channel)
    audit.record(AuditEvent.Action.CREATE, reminder, actor=actor, summary=f"人工催缴 {unit.label}")
    log.record(
        community,
        "finance.reminder.sent",
        reminder,
        time=now,
        public={
            "amount": reminder.amount,
            "bills": reminder.bills,
            "period": reminder.period,
            "channel": str(channel),
        },
        private={"unit": unit.label},
    )
    return reminder


# --- reading --------------------------------------------------------------------------------------


def deliveries_of(reminder_ids) -> dict[int, dict[str, dict[str, int]]]:
    """reminder id → channel → delivery status → count (from the notices' Delivery rows)."""
    from sunlit.notices.models import Delivery

    out: dict[int, dict] = defaultdict(lambda: defaultdict(lambda: defaultdict(int)))
    rows = (
        Delivery.objects.filter(
            notification__object_type="finance.reminder",
            notification__object_id__in=[str(i) for i in reminder_ids],
        )
        .values_list("notification__object_id", "channel", "status")
        .annotate(n=Count("id"))
    )
    for object_id, channel, status, n in rows:
        out[int(object_id)][channel][status] += n
    return {k: {c: dict(s) for c, s in v.items()} for k, v in out.items()}


def stats(community) -> dict:
    """Counts for the reminders page: sent today, this month, units reminded this month."""
    today = timezone.localdate()
    month = arrears.end_of(today.replace(day=1) - dt.timedelta(days=1))
    qs = Reminder.objects.filter(community_id=getattr(community, "pk", community), sent_at__gte=month)
    agg = qs.aggregate(n=Count("id"), units=Count("unit_id", distinct=True), total=Sum("amount"))
    return {"month": agg["n"], "units": agg["units"], "total": arrears.fen(agg["total"])}
