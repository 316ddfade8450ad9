"""Arrears API under /api/v1/finance/: the aging report (账龄), the collection rate (收缴率),
reminder templates and rules, reminders sent, and a manual reminder of one unit (催缴).

Reports need ``finance.view`` by role (owners are refused: 403); templates and rules
``finance.manage``; a manual reminder ``finance.collect``. Amounts are strings ("123.40"),
rates a percent string with two places and the exact fraction ``collected/billed`` in fen.
"""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404
from django.utils import timezone
from ninja import Field, Query, Router, Schema, Status

from sunlit.api.errors import ERRORS
from sunlit.api.filtering import filtered
from sunlit.api.idempotency import IdempotencyKeyHeader, idempotent
from sunlit.api.pagination import Page, PageQuery, page
from sunlit.api.scope import community_for
from sunlit.core.permissions import require
from sunlit.finance.arrears import selectors as arrears
from sunlit.finance.arrears import services as reminders
from sunlit.finance.arrears.choices import ReminderChannel, ReminderTrigger
from sunlit.finance.arrears.filters import ReminderFilter
from sunlit.finance.billing import access
from sunlit.finance.books import money
from sunlit.finance.models import FeeItem, Reminder, ReminderRule, ReminderTemplate
from sunlit.registry.models import Building

router = Router(tags=["finance-arrears"])

Money = str


class BucketOut(Schema):
    key: str
    label: str
    min_days: int | None = Field(None, description="逾期天数下限（含）；未到期为空")
    max_days: int | None = Field(None, description="逾期天数上限（含）；最后一档为空")
    amount: Money


class AgingRowOut(Schema):
    id: int
    name: str
    buckets: dict[str, Money]
    total: Money
    bills: int
    units: int | None = None


class DebtorOut(Schema):
    unit_id: int
    unit: str
    owners: str = Field(..., description="现业主姓名（脱敏）")
    total: Money
    bills: int
    oldest_due: dt.date | None
    late_fee: Money


class AgingOut(Schema):
    as_of: dt.date
    building_id: int | None
    fee_item_id: int | None
    total: Money
    overdue: Money
    units: int
    bills: int
    late_fees: Money = Field(..., description="截至 as_of 的滞纳金合计（另计，不含在欠费中）")
    buckets: list[BucketOut]
    by_building: list[AgingRowOut]
    by_fee_item: list[AgingRowOut]
    debtors: list[DebtorOut]


class RateOut(Schema):
    billed: Money
    collected: Money
    outstanding: Money
    percent: str | None = Field(None, description="收缴率（%），两位小数四舍五入；应收为零时为空")
    fraction: str = Field(..., description="精确比值 已收/应收（以分计，约分）")


class CellOut(RateOut):
    building_id: int
    month: str


class MonthOut(RateOut):
    month: str


class BuildingRateOut(RateOut):
    building_id: int
    name: str


class CollectionOut(Schema):
    year: int
    as_of: dt.date
    building_id: int | None
    year_rate: RateOut = Field(..., description="当年收缴率：当年各账期账单截至 as_of 已收 ÷ 应收")
    arrears: RateOut = Field(
        ..., description="往年欠费清欠率：1 月 1 日往年欠费（billed）与此后收回（collected）"
    )
    by_month: list[MonthOut]
    by_building: list[BuildingRateOut]
    cells: list[CellOut]


class TemplateIn(Schema):
    name: str = Field(..., max_length=40)
    body: str = Field(
        ...,
        max_length=500,
        description="占位符：{单元} {金额} {账期} {截止日} {笔数} {滞纳金} {小区} {服务电话}",
    )


class TemplateOut(Schema):
    id: int
    name: str
    body: str
    updated_at: dt.datetime


class RuleIn(Schema):
    name: str = Field(..., max_length=40)
    days_after_due: int = Field(..., description="逾期多少天后提醒（1–3650）")
    channel: ReminderChannel = ReminderChannel.INBOX
    template_id: int
    min_amount: str = Field("0.01", description="起催金额（元），字符串")
    quiet_from: str = Field("21:00", pattern=r"^\d{2}:\d{2}$")
    quiet_to: str = Field("08:00", pattern=r"^\d{2}:\d{2}$")
    is_active: bool = True


class RuleOut(Schema):
    id: int
    name: str
    days_after_due: int
    channel: ReminderChannel
    template_id: int
    min_amount: Money
    quiet_from: str
    quiet_to: str
    is_active: bool


class ReminderIn(Schema):
    channel: ReminderChannel = ReminderChannel.INBOX
    template_id: int | None = None


class ReminderOut(Schema):
    id: int
    unit_id: int
    unit: str
    rule_id: int | None
    trigger: ReminderTrigger
    channel: ReminderChannel
    period: str
    amount: Money
    bills: int
    message: str
    recipients: int
    sent_at: dt.datetime
    deliveries: dict = Field(..., description="渠道 → 状态 → 条数（短信、电子邮件）")


def _rate(rate: arrears.Rate) -> dict:
    return {
        "billed": money.text(rate.billed),
        "collected": money.text(rate.collected),
        "outstanding": money.text(rate.outstanding),
        "percent": None if rate.percent is None else str(rate.percent),
        "fraction": rate.fraction,
    }


def _row(row: arrears.Row, units: bool) -> dict:
    return {
        "id": row.key,
        "name": row.label,
        "buckets": {k: money.text(v) for k, v in row.buckets.items()},
        "total": money.text(row.total),
        "bills": row.bills,
        "units": row.unit_count if units else None,
    }


def _rule_out(rule: ReminderRule) -> dict:
    return {
        "id": rule.pk,
        "name": rule.name,
        "days_after_due": rule.days_after_due,
        "channel": rule.channel,
        "template_id": rule.template_id,
        "min_amount": money.text(rule.min_amount),
        "quiet_from": rule.quiet_from.strftime("%H:%M"),
        "quiet_to": rule.quiet_to.strftime("%H:%M"),
        "is_active": rule.is_active,
    }


def _reminder_out(reminder: Reminder, deliveries: dict) -> dict:
    return {
        "id": reminder.pk,
        "unit_id": reminder.unit_id,
        "unit": reminder.unit.label,
        "rule_id": reminder.rule_id,
        "trigger": reminder.trigger,
        "channel": reminder.channel,
        "period": f"{reminder.period:%Y-%m}",
        "amount": money.text(reminder.amount),
        "bills": reminder.bills,
        "message": reminder.message,
        "recipients": reminder.recipients,
        "sent_at": reminder.sent_at,
        "deliveries": deliveries.get(reminder.pk, {}),
    }


def _in_community(model, community, pk: int | None, field: str):
    if pk is None:
        return None
    found = model.objects.filter(community=community, pk=pk).first()
    if found is None:
        raise ValidationError({field: ["不是本小区的" + ("楼栋" if model is Building else "收费项目")]})
    return found


# --- reports --------------------------------------------------------------------------------------


@router.get("/communities/{community_id}/aging", response={200: AgingOut, **ERRORS}, summary="欠费账龄分析")
def aging(
    request,
    community_id: int,
    as_of: dt.date | None = None,
    building: int | None = None,
    fee_item: int | None = None,
    top: int = Query(20, ge=1, le=200),
):
    community = community_for(request, community_id, "finance.view")
    report = arrears.aging(
        community,
        as_of=as_of or timezone.localdate(),
        building=_in_community(Building, community, building, "building"),
        fee_item=_in_community(FeeItem, community, fee_item, "fee_item"),
        top=top,
    )
    return {
        "as_of": report.as_of,
        "building_id": report.building_id,
        "fee_item_id": report.fee_item_id,
        "total": money.text(report.total),
        "overdue": money.text(report.overdue),
        "units": report.units,
        "bills": report.bills,
        "late_fees": money.text(report.late_fees),
        "buckets": [
            {
                "key": b.key,
                "label": str(b.label),
                "min_days": b.low,
                "max_days": b.high,
                "amount": money.text(report.buckets[b.key]),
            }
            for b in arrears.BUCKETS
        ],
        "by_building": [_row(r, True) for r in report.by_building],
        "by_fee_item": [_row(r, False) for r in report.by_fee_item],
        "debtors": [
            {
                "unit_id": d.unit_id,
                "unit": d.label,
                "owners": d.owners,
                "total": money.text(d.total),
                "bills": d.bills,
                "oldest_due": d.oldest_due,
                "late_fee": money.text(d.late_fee),
            }
            for d in report.debtors
        ],
    }


@router.get(
    "/communities/{community_id}/collection",
    response={200: CollectionOut, **ERRORS},
    summary="收缴率（按楼栋、账期）与清欠率",
)
def collection(
    request,
    community_id: int,
    year: int | None = Query(None, ge=2000, le=2100),
    as_of: dt.date | None = None,
    building: int | None = None,
):
    community = community_for(request, community_id, "finance.view")
    as_of = as_of or timezone.localdate()
    report = arrears.collection(
        community,
        year=year or as_of.year,
        as_of=as_of,
        building=_in_community(Building, community, building, "building"),
    )
    return {
        "year": report.year,
        "as_of": report.as_of,
        "building_id": report.building_id,
        "year_rate": _rate(report.year_rate),
        "arrears": _rate(report.arrears),
        "by_month": [{"month": f"{m:%Y-%m}", **_rate(report.by_month[m])} for m in report.months],
        "by_building": [
            {"building_id": b, "name": name, **_rate(report.by_building[b])} for b, name in report.buildings
        ],
        "cells": [
            {"building_id": b, "month": f"{m:%Y-%m}", **_rate(rate)}
            for (b, m), rate in sorted(report.cells.items())
        ],
    }


# --- templates and rules ----------------------------------------------------------------------------


@router.get(
    "/communities/{community_id}/reminder-templates",
    response={200: list[TemplateOut], **ERRORS},
    summary="催缴模板",
)
def list_templates(request, community_id: int):
    community = community_for(request, community_id, "finance.view")
    return list(ReminderTemplate.objects.in_community(community))


@router.post(
    "/communities/{community_id}/reminder-templates",
    response={201: TemplateOut, **ERRORS},
    summary="新增催缴模板",
)
@idempotent
def create_template(
    request, community_id: int, payload: TemplateIn, idempotency_key: IdempotencyKeyHeader = None
):
    community = community_for(request, community_id, "finance.manage")
    template = reminders.save_template(community, actor=request.auth, **payload.dict())
    return Status(201, TemplateOut.from_orm(template))


@router.put(
    "/reminder-templates/{template_id}", response={200: TemplateOut, **ERRORS}, summary="修改催缴模板"
)
def update_template(request, template_id: int, payload: TemplateIn):
    template = get_object_or_404(
        ReminderTemplate.objects.visible_to(request.auth, "finance.view"), pk=template_id
    )
    require(request.auth, "finance.manage", template)
    return reminders.save_template(
        template.community, actor=request.auth, template=template, **payload.dict()
    )


@router.get(
    "/communities/{community_id}/reminder-rules", response={200: list[RuleOut], **ERRORS}, summary="催缴规则"
)
def list_rules(request, community_id: int):
    community = community_for(request, community_id, "finance.view")
    return [_rule_out(r) for r in ReminderRule.objects.in_community(community)]


def _rule_args(payload: RuleIn) -> dict:
    data = payload.dict()
    data["template"] = data.pop("template_id")
    return data


@router.post(
    "/communities/{community_id}/reminder-rules", response={201: RuleOut, **ERRORS}, summary="新增催缴规则"
)
@idempotent
def create_rule(request, community_id: int, payload: RuleIn, idempotency_key: IdempotencyKeyHeader = None):
    community = community_for(request, community_id, "finance.manage")
    return Status(201, _rule_out(reminders.save_rule(community, actor=request.auth, **_rule_args(payload))))


@router.put("/reminder-rules/{rule_id}", response={200: RuleOut, **ERRORS}, summary="修改催缴规则")
def update_rule(request, rule_id: int, payload: RuleIn):
    rule = get_object_or_404(ReminderRule.objects.visible_to(request.auth, "finance.view"), pk=rule_id)
    require(request.auth, "finance.manage", rule)
    return _rule_out(
        reminders.save_rule(rule.community, actor=request.auth, rule=rule, **_rule_args(payload))
    )


# --- reminders --------------------------------------------------------------------------------------


@router.get(
    "/communities/{community_id}/reminders",
    response={200: Page[ReminderOut], **ERRORS},
    summary="催缴记录（最近的在前）",
)
def list_reminders(request, community_id: int, query: Query[PageQuery], unit: int | None = None):
    community = community_for(request, community_id, "finance.view")
    rows = filtered(ReminderFilter, Reminder.objects.in_community(community).select_related("unit__building"),
                    {"unit": unit}, community=community)
    answer = page(rows, query)
    deliveries = reminders.deliveries_of([r.pk for r in answer["items"]])
    answer["items"] = [_reminder_out(r, deliveries) for r in answer["items"]]
    return answer


@router.post("/units/{unit_id}/reminders", response={201: ReminderOut, **ERRORS}, summary="人工催缴")
@idempotent
def send_reminder(request, unit_id: int, payload: ReminderIn, idempotency_key: IdempotencyKeyHeader = None):
    unit = access.get_unit_for(request.auth, unit_id)
    reminder = reminders.send_reminder(
        unit,
        actor=request.auth,
        channel=payload.channel,
        template=payload.template_id,
        idempotency_key=idempotency_key or "",
    )
    return Status(201, _reminder_out(reminder, reminders.deliveries_of([reminder.pk])))
