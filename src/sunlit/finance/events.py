"""Finance's event types on the log: the books, tariffs, billing runs, payments and refunds,
online-payment refusals, public money (income, expenses, the maintenance fund), the 阳光账本
reports, late fees, waivers, meter-reading imports and arrears reminders.

Registered from ``FinanceConfig.ready``; the machinery is ``sunlit.transparency.events``."""

from __future__ import annotations

from django.utils.translation import gettext_noop

from sunlit.transparency.events import ListOf, MapOf, Obj, opt, register_event

# --- finance (收费与账务): the books, tariffs, billing runs, payments ---------------------------------
# Amounts, accounts and community-level references are public. A household's money — its bills
# charged one by one, payments, refunds, late fees, waivers, reminders — is public as amounts,
# counts and record numbers; its unit and the bills it concerns (a bill number leads to its unit:
# bills are numbered in unit order) only as commitments. A journal entry shows the lines of
# households summed per account (with how many households), never one line per household. A
# billing run is one event with the Merkle root over its bills (see finance/billing/runs.py), not one
# per bill.

register_event(
    "finance.books.opened", label=gettext_noop("开设账簿"), subject="core.community",
    public={"accounts": ListOf(Obj(code="code", name="masked_text", kind="enum"))},
)
register_event(
    "finance.entry.posted", label=gettext_noop("记账凭证"), subject="finance.journalentry",
    public={"number": "ref", "date": "date", "source": "enum", "memo": "masked_text",
            "total": "amount",
            "lines": ListOf(Obj({"account": "code", "name": "masked_text", "debit": "amount",
                                 "credit": "amount", "households?": "count"})),
            "reverses": "ref?"},
)
register_event(
    "finance.fee_item.created", label=gettext_noop("新增收费项目"), subject="finance.feeitem",
    public={"code": "code", "name": "masked_text", "kind": "enum", "cycle": "enum",
            "applies_to": "enums", "account": "code"},
)
register_event(
    "finance.tariff.set", label=gettext_noop("设定收费标准"), subject="finance.tariff",
    public={"fee_item": "code", "name": "masked_text", "price": "decimal",
            "effective_from": "date", "effective_to": "date?", "notice_published_on": "date?",
            "notice_ref": "masked_text?",
            "tiers": opt(ListOf(Obj(upto="decimal?", price="decimal"))),
            "replaces": opt(Obj({"price": "decimal", "from": "date"}))},
)
register_event(
    "finance.policy.changed", label=gettext_noop("变更收费约定"), subject="finance.financepolicy",
    public={"terms": MapOf("enum", "setting?"), "changes": MapOf("enum", ListOf("setting?"))},
)
register_event(
    "finance.run.committed", label=gettext_noop("批量计费"), subject="finance.billingrun",
    public={"period_start": "date", "period_end": "date", "bills": "count", "lines": "count",
            "total": "amount",
            "by_fee_item": MapOf("code", Obj(name="masked_text", account="code?", lines="count",
                                             total="amount")),
            "bills_root": "hash", "entry": "ref?",
            # prepaid balances offset against the new bills: households and total only
            "offsets": Obj({"units": "count", "total": "amount", "entry?": "ref"})},
)
register_event(
    "finance.bill.issued", label=gettext_noop("开具账单"), subject="finance.bill",
    # a bill charged to one unit (deposit, one-time fee): the unit and the bill's digest (which
    # could be recomputed for every unit to find the one) only as commitments
    public={"number": "ref", "amount": "amount", "fee_item": "code", "entry": "ref"},
    private={"unit": "text", "digest": "text"},
)
register_event(
    "finance.payment.received", label=gettext_noop("收款"), subject="finance.payment",
    public={"number": "ref", "method": "enum", "amount": "amount", "bills": "count",
            "to_prepaid": "amount", "entry": "ref",
            # online payments (finance.online): the provider, its transaction id, our order number
            "provider": "enum?", "transaction_id": "code?", "order": "code?"},
    private={"unit": "text", "allocations": "json"},
)
register_event(
    "finance.payment.refunded", label=gettext_noop("退款"), subject="finance.refund",
    public={"number": "ref", "payment": "ref", "amount": "amount", "reason": "masked_text",
            "reopened": "count", "entry": "ref"},
    private={"unit": "text", "reopened_bills": "json"},
)

# --- finance, online payments (finance.online) -------------------------------------------------------
# A payment notification that was authentic (its signature verified) but refused: wrong amount,
# unknown, closed or expired order, another merchant. No personal data. Notifications whose
# signature does not verify are kept and counted for finance staff but not put on the log:
# anyone can send those.

register_event(
    "finance.callback.refused", label=gettext_noop("拒收支付回调"), subject="finance.callbackrefusal",
    public={"provider": "enum", "reason": "enum", "order": "code?", "amount_seen": "amount?",
            "body_sha256": "hash"},
)

# --- public money (task `fund`): public income, expenses, the maintenance fund --------------------
# Payers and payees are companies; approvers appear by role and time, the manager by name (a
# staff member acting in office); a committee member is an owner: his name only as a commitment;
# receipts and documents by the SHA-256 of the stored file. A fund movement is one event with
# the Merkle root over its per-unit split (finance/fund/services.py), not one event per household.

APPROVER = Obj({"role": "label", "side": "enum", "at": "datetime", "name?": "staff_name"})

register_event(
    "finance.public_income.recorded", label=gettext_noop("公共收益入账"),
    subject="finance.publicincome",
    public={"number": "ref", "category": "enum", "payer": "masked_text", "amount": "amount",
            "received_on": "date", "receipts": "hashes", "entry": "ref"},
)
register_event(
    "finance.expense.approved", label=gettext_noop("支出审批通过"), subject="finance.expense",
    public={"number": "ref", "category": "label", "account": "code", "payee": "masked_text",
            "amount": "amount", "approvers": ListOf(APPROVER), "receipts": "hashes"},
    private={"committee_approver": "text?"},
)
register_event(
    "finance.expense.rejected", label=gettext_noop("支出被驳回"), subject="finance.expense",
    public={"number": "ref", "payee": "masked_text", "amount": "amount", "by": APPROVER,
            "reason": "masked_text"},
    private={"committee_member": "text?"},
)
register_event(
    "finance.expense.posted", label=gettext_noop("支出支付入账"), subject="finance.expense",
    public={"number": "ref", "category": "label", "account": "code", "payee": "masked_text",
            "amount": "amount", "approvers": ListOf(APPROVER), "receipts": "hashes",
            "entry": "ref"},
    private={"committee_approver": "text?"},
)
register_event(
    "finance.fund.deposited", label=gettext_noop("维修资金归集"), subject="finance.funddeposit",
    public={"number": "ref", "kind": "enum", "date": "date", "rate": "decimal?", "units": "count",
            "total": "amount", "split_root": "hash", "entries": "refs"},
)
register_event(
    "finance.fund.used", label=gettext_noop("维修资金使用"), subject="finance.funduse",
    public={"number": "ref", "title": "masked_text", "contractor": "masked_text", "basis": "enum",
            "vote": "id?", "vote_title": "masked_text?", "emergency_reason": "masked_text?",
            "approvers": opt(ListOf(APPROVER)), "documents": "hashes", "total": "amount",
            "beneficiaries": "count", "area_total": "area", "split_root": "hash",
            "entries": "refs"},
    private={"committee_approver": "text?"},
)

# --- 阳光账本 (finance/report/): monthly reports published, queries on entries ---------
# The published report itself is off the log; the SHA-256 of its RFC 8785 canonical content is on
# it. A query names the entry and the inquiry ticket only (the ticket's own events follow it).

register_event(
    "finance.report.published", label=gettext_noop("发布阳光账本月报"), subject="finance.monthlyreport",
    public={"month": "code", "income": "amount", "costs": "amount", "public_income": "amount",
            "fund_closing": "amount", "content_sha256": "hash", "note": "masked_text?"},
)
register_event(
    "finance.entry.queried", label=gettext_noop("业主质询账目"), subject="finance.entryquery",
    public={"entry": "ref", "entry_date": "date", "ticket": "ref"},
)

# --- finance charges: late fees collected, waivers (减免), meter-reading imports ----------------------
# Late fees: per payment, the total with the terms it was computed from and how many bills; each
# bill's fee only as a commitment. Waivers: amount, reason category and the approver's name and
# role (public responsibility); the unit, the bill and the free-text reason only as commitments
# (it may describe a household's circumstances).

register_event(
    "finance.late_fee.collected", label=gettext_noop("收取滞纳金"), subject="finance.payment",
    public={"payment": "ref", "as_of": "date", "total": "amount", "rate": "decimal",
            "grace_days": "number", "cap_percent": "decimal", "bill_count": "count",
            "entry": "ref"},
    private={"unit": "text", "bills": "json"},
)
register_event(
    "finance.waiver.approved", label=gettext_noop("批准减免"), subject="finance.waiver",
    public={"number": "ref", "target": "enum", "amount": "amount", "reason_category": "enum",
            "requested_by": "staff_name", "approver": "staff_name", "approver_role": "label",
            "effective_on": "date", "entry": "ref?"},
    private={"reason": "text", "unit": "text", "bill": "text"},
)
register_event(
    "finance.waiver.rejected", label=gettext_noop("驳回减免"), subject="finance.waiver",
    public={"number": "ref", "target": "enum", "requested_amount": "amount?", "whole": "flag",
            "reason_category": "enum", "requested_by": "staff_name", "approver": "staff_name",
            "approver_role": "label"},
    private={"reason": "text", "note": "text?", "unit": "text", "bill": "text"},
)
register_event(
    "finance.readings.imported", label=gettext_noop("导入抄表读数"), subject="finance.meterimport",
    # the file by its SHA-256 and size, the month and meter kind, how many readings and new meters
    public={"period_start": "date", "kind": "enum", "sha256": "hash", "size": "number",
            "readings": "count", "meters_created": "count", "usage_total": "decimal"},
)

# --- finance: arrears reminders (催缴) ------------------------------------------------------------
# Templates and rules are public configuration; a scheduled batch is one event with how many
# units were reminded and the total (the list of units and amounts only as a commitment); a
# manual reminder is one event with its unit only as a commitment. No names, no phones.

register_event(
    "finance.reminder_template.saved", label=gettext_noop("保存催缴模板"), subject="finance.remindertemplate",
    public={"name": "masked_text", "body": "masked_text", "body_sha256": "hash"},
)
register_event(
    "finance.reminder_rule.saved", label=gettext_noop("保存催缴规则"), subject="finance.reminderrule",
    public={"name": "masked_text", "days_after_due": "number", "channel": "enum",
            "template": "masked_text", "min_amount": "amount", "quiet_from": "code",
            "quiet_to": "code", "active": "flag"},
)
register_event(
    "finance.reminders.sent", label=gettext_noop("按规则催缴"), subject="finance.reminderrule",
    public={"rule": "masked_text", "days_after_due": "number", "channel": "enum",
            "units": "count", "total": "amount"},
    private={"reminded": "json"},
)
register_event(
    "finance.reminder.sent", label=gettext_noop("人工催缴"), subject="finance.reminder",
    public={"amount": "amount", "bills": "count", "period": "date", "channel": "enum"},
    private={"unit": "text"},
)
