"""The event-type registry: which facts may go on the log, and the shape of each.

Every event type is registered once, with a Chinese label, the kind of object it is about
(``subject``, a model label such as ``registry.unit``) and its fields::

    register_event(
        "finance.bill.issued", label="开具账单", subject="finance.bill",
        public={"unit": "text", "period": "text", "amount": "money", "due": "date?"},
    )

Field kinds: ``text``, ``int``, ``bool``, ``decimal`` (exact, as a string), ``money``
(``Decimal`` with at most two places, as ``"123.40"``), ``area`` (m², the same rule:
``"89.50"``), ``date``, ``datetime`` (aware, written in Asia/Shanghai as RFC 3339 with
``+08:00``), ``text[]`` and ``json`` (nested JSON without floats). A trailing ``?`` makes
the field optional. ``public`` fields are written in the leaf; ``private`` fields (personal
data) only as salted commitments.

``record()`` refuses unknown event types and events that do not match their schema. Apps
register their own types in their ``AppConfig.ready()``; the first set, for what exists today,
is at the bottom of this module.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any
from zoneinfo import ZoneInfo

from django.core.exceptions import ImproperlyConfigured, ValidationError
from django.utils.translation import gettext_noop

SHANGHAI = ZoneInfo("Asia/Shanghai")
MAX_SAFE_INT = 2**53 - 1  # I-JSON (RFC 7493), which RFC 8785 requires
KINDS = frozenset({"text", "int", "bool", "decimal", "money", "area", "date", "datetime", "text[]",
                   "json"})
NAME_RE = re.compile(r"^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)+$")
FIELD_RE = re.compile(r"^[a-z][a-z0-9_]*$")


def rfc3339(value: dt.datetime) -> str:
    """An aware datetime as RFC 3339 in Asia/Shanghai, microseconds: 2025-05-01T09:30:00.000000+08:00."""
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError("naive datetime")
    return value.astimezone(SHANGHAI).isoformat(timespec="microseconds")


@dataclass(frozen=True)
class FieldSpec:
    kind: str
    required: bool = True

    @classmethod
    def parse(cls, spec: str | FieldSpec) -> FieldSpec:
        if isinstance(spec, FieldSpec):
            return spec
        kind, required = (spec[:-1], False) if spec.endswith("?") else (spec, True)
        if kind not in KINDS:
            raise ImproperlyConfigured(f"unknown field kind {spec!r}; one of {sorted(KINDS)}")
        return cls(kind, required)

    def clean(self, value: Any) -> Any:
        """The JSON value written for ``value``; raises ValueError with a Chinese message."""
        return _CLEANERS[self.kind](value)


def _text(value):
    if not isinstance(value, str):
        raise ValueError("必须是文本")
    return value


def _int(value):
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueError("必须是整数")
    if abs(value) > MAX_SAFE_INT:
        raise ValueError("整数超出可安全表示的范围")
    return value


def _bool(value):
    if not isinstance(value, bool):
        raise ValueError("必须是 true 或 false")
    return value


def _decimal(value) -> Decimal:
    if isinstance(value, (bool, float)):
        raise ValueError("必须是精确的数字（Decimal、整数或数字字符串），不能是浮点数")
    try:
        number = Decimal(value) if isinstance(value, Decimal | int | str) else None
    except (InvalidOperation, ValueError):
        number = None
    if number is None or not number.is_finite():
        raise ValueError("必须是数字")
    return number


def _decimal_text(value):
    return format(_decimal(value), "f")  # no exponent: 1E+3 is written 1000; 89.50 stays


def _two_places(what: str):
    def clean(value):
        number = _decimal(value)
        if number != number.quantize(Decimal("0.01")):
            raise ValueError(f"{what}最多保留两位小数")
        return str(number.quantize(Decimal("0.01")))

    return clean


_money = _two_places("金额")
_area = _two_places("面积")


def _date(value):
    if isinstance(value, dt.datetime) or not isinstance(value, dt.date | str):
        raise ValueError("日期格式应为 YYYY-MM-DD")
    if isinstance(value, str):
        try:
            value = dt.date.fromisoformat(value)
        except ValueError:
            raise ValueError("日期格式应为 YYYY-MM-DD") from None
    return value.isoformat()


def _datetime(value):
    if not isinstance(value, dt.datetime):
        raise ValueError("必须是带时区的时间")
    try:
        return rfc3339(value)
    except ValueError:
        raise ValueError("必须是带时区的时间") from None


def _text_list(value):
    if not isinstance(value, list | tuple) or not all(isinstance(v, str) for v in value):
        raise ValueError("必须是文本列表")
    return list(value)


def _json(value, depth: int = 0):
    if depth > 16:
        raise ValueError("嵌套层数过多")
    if value is None or isinstance(value, bool | str):
        return value
    if isinstance(value, int):
        return _int(value)
    if isinstance(value, float):
        raise ValueError("不能包含浮点数，请用字符串表示小数")
    if isinstance(value, Decimal):
        return _decimal_text(value)
    if isinstance(value, dt.datetime):
        return _datetime(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, list | tuple):
        return [_json(v, depth + 1) for v in value]
    if isinstance(value, dict):
        if not all(isinstance(k, str) for k in value):
            raise ValueError("对象的键必须是文本")
        return {k: _json(v, depth + 1) for k, v in value.items()}
    raise ValueError("不是可记录的 JSON 值")


_CLEANERS = {
    "text": _text, "int": _int, "bool": _bool, "decimal": _decimal_text, "money": _money, "area": _area,
    "date": _date, "datetime": _datetime, "text[]": _text_list, "json": _json,
}


@dataclass(frozen=True)
class EventType:
    """One kind of material fact: its name, label, subject kind and field schema."""

    name: str
    label: str
    subject: str | None
    public: dict[str, FieldSpec] = field(default_factory=dict)
    private: dict[str, FieldSpec] = field(default_factory=dict)

    def clean(self, public: dict | None, private: dict | None) -> tuple[dict, dict]:
        """Validated (public, private) values; raises ValidationError keyed ``public.<field>``."""
        errors: dict[str, list[str]] = {}
        cleaned = []
        for part, schema, given in (("public", self.public, public), ("private", self.private,
                                                                       private)):
            given = given or {}
            if not isinstance(given, dict):
                errors[part] = ["必须是对象"]
                cleaned.append({})
                continue
            out = {}
            for name in sorted(set(given) - set(schema)):
                errors[f"{part}.{name}"] = [f"事件类型 {self.name} 没有此字段"]
            for name, spec in schema.items():
                if name not in given or given[name] is None:
                    if spec.required:
                        errors[f"{part}.{name}"] = ["此项为必填项"]
                    continue
                try:
                    out[name] = spec.clean(given[name])
                except ValueError as exc:
                    errors[f"{part}.{name}"] = [str(exc)]
            cleaned.append(out)
        if errors:
            raise ValidationError(errors)
        return cleaned[0], cleaned[1]


REGISTRY: dict[str, EventType] = {}


def register_event(
    name: str, *, label: str, subject: str | None = None,
    public: dict[str, str | FieldSpec] | None = None,
    private: dict[str, str | FieldSpec] | None = None,
) -> EventType:
    """Registers an event type (idempotent for an identical schema)."""
    if not NAME_RE.match(name):
        raise ImproperlyConfigured(f"event type {name!r} must be dotted lower-case words")
    public_spec = {k: FieldSpec.parse(v) for k, v in (public or {}).items()}
    private_spec = {k: FieldSpec.parse(v) for k, v in (private or {}).items()}
    for key in (*public_spec, *private_spec):
        if not FIELD_RE.match(key):
            raise ImproperlyConfigured(f"field {key!r} of {name} must be a lower-case identifier")
    if set(public_spec) & set(private_spec):
        raise ImproperlyConfigured(f"{name}: a field cannot be both public and private")
    event = EventType(name, label, subject, public_spec, private_spec)
    existing = REGISTRY.get(name)
    if existing is not None and existing != event:
        raise ImproperlyConfigured(f"event type {name} is already registered with another schema")
    REGISTRY[name] = event
    return event


def get_event_type(name: str) -> EventType:
    try:
        return REGISTRY[name]
    except (KeyError, TypeError):
        raise ValidationError({"event_type": [f"未登记的事件类型：{name}"]}) from None


# --- the event types of what exists today ----------------------------------------------------
# Public fields are unit-level facts only: what later decides fees (area × price, delivery)
# and votes (area, who holds the title). Who the owner is goes in only as commitments.

UNIT_FACTS = {"unit": "text", "building": "text", "floor": "int", "area": "area", "usage": "text",
              "delivery_status": "text", "delivered_on": "date?"}

register_event(
    "community.created", label=gettext_noop("小区建档"), subject="core.community",
    public={"name": "text", "code": "text", "organization": "text", "city": "text?",
            "district": "text?", "address": "text?"},
)
# Staff serve the community in public: name, role, department, post and job number.
register_event(
    "community.staff.appointed", label=gettext_noop("任命服务人员"), subject="core.membership",
    public={"name": "text", "role": "text", "job_number": "text?", "department": "text?",
            "post": "text?"},
)
register_event(
    "roster.unit.registered", label=gettext_noop("登记房屋"), subject="registry.unit", public=UNIT_FACTS,
)
register_event(
    "roster.unit.changed", label=gettext_noop("变更房屋信息"), subject="registry.unit",
    # the unit's facts after the change, and {field: [old, new]} of what changed (as text)
    public={**UNIT_FACTS, "changes": "json"},
)
register_event(
    "roster.ownership.registered", label=gettext_noop("登记产权"), subject="registry.ownership",
    # share with four places ("0.5000"), as stored; the owner only as commitments
    public={"unit": "text", "share": "decimal", "start": "date"},
    private={"owner_name": "text", "owner_id_number": "text?"},
)
register_event(
    "roster.ownership.changed", label=gettext_noop("变更产权份额"), subject="registry.ownership",
    public={"unit": "text", "share": "decimal", "changes": "json"},
)
register_event(
    "roster.ownership.ended", label=gettext_noop("产权终止"), subject="registry.ownership",
    public={"unit": "text", "end": "date"},
)
register_event(
    "roster.import.committed", label=gettext_noop("档案导入"), subject="registry.rosterimport",
    # the uploaded file by its SHA-256 and size (not its name), its rows per sheet, and
    # {kind: {new, updated, unchanged}} of what it wrote
    public={"sha256": "text", "size": "int", "rows": "json", "counts": "json"},
)
register_event(
    "log.openings.erased", label=gettext_noop("删除个人信息承诺的开启值"), subject=None,
    # PIPL art. 47: the salts of a subject's commitments were deleted; the leaves stay.
    public={"subject_type": "text", "subject_id": "text", "leaves": "int", "reason": "text"},
)
register_event(
    "log.witness.registered", label=gettext_noop("登记见证人"), subject="transparency.witnesskey",
    # who may cosign the log is itself a fact on the log: the witness's name and its C2SP
    # tlog-cosignature verifier key (public by nature; no personal data)
    public={"name": "text", "vkey": "text"},
)
register_event(
    "log.witness.revoked", label=gettext_noop("撤销见证人"), subject="transparency.witnesskey",
    public={"name": "text", "vkey": "text"},
)

# --- tickets (报修/投诉/建议/咨询): every state change is a fact on the log -----------------------
# Public: the ticket number, kind, category, states and promised/kept times, and the staff
# member responsible (name and job number — public responsibility). The reporter and his unit
# go in only as commitments; descriptions, notes and comments stay off the log, except the
# public reason of 无法解决.

TICKET_FACTS = {"number": "text", "kind": "text", "category": "text", "priority": "text",
                "due_accept": "datetime?", "due_arrive": "datetime?", "due_resolve": "datetime?"}

register_event(
    "tickets.ticket.submitted", label=gettext_noop("提交工单"), subject="tickets.ticket",
    public={**TICKET_FACTS, "status": "text", "channel": "text", "location": "text?",
            "photos": "text[]?"},
    private={"reporter_name": "text?", "unit": "text?"},
)
register_event(
    "tickets.ticket.transitioned", label=gettext_noop("工单状态变更"), subject="tickets.ticket",
    public={**TICKET_FACTS, "action": "text", "status_from": "text", "status_to": "text",
            "assignee": "text?", "assignee_job_number": "text?", "department": "text?",
            "met_accept": "bool?", "met_arrive": "bool?", "met_resolve": "bool?",
            "paused_seconds": "int", "reason": "text?", "photos": "text[]?",
            "materials": "json?", "labor_minutes": "int?"},
)
register_event(
    "tickets.quote.proposed", label=gettext_noop("工单报价"), subject="tickets.ticket",
    public={"number": "text", "category": "text", "amount": "money", "items": "json?"},
)
register_event(
    "tickets.quote.decided", label=gettext_noop("业主确认报价"), subject="tickets.ticket",
    public={"number": "text", "amount": "money", "decision": "text"},
)
register_event(
    "tickets.ticket.escalated", label=gettext_noop("工单超时升级"), subject="tickets.ticket",
    public={"number": "text", "kind": "text", "category": "text", "step": "text",
            "level": "text", "due": "datetime", "assignee": "text?",
            "assignee_job_number": "text?", "department": "text?"},
)
register_event(
    "tickets.ticket.rated", label=gettext_noop("工单评价"), subject="tickets.ticket",
    public={"number": "text", "kind": "text", "category": "text", "rating": "int"},
    private={"comment": "text?"},
)
# Promised times are public: a changed (or reset to default) SLA target of a category.
register_event(
    "tickets.category.sla_set", label=gettext_noop("服务时限调整"), subject="tickets.category",
    public={"category": "text", "kind": "text", "priority": "text", "defaults": "bool",
            "accept_minutes": "int?", "accept_calendar": "text?",
            "arrive_minutes": "int?", "arrive_calendar": "text?",
            "resolve_minutes": "int?", "resolve_calendar": "text?"},
)

# --- governance (Civil Code art. 278 votes) ------------------------------------------------------
# Public: the matter, its window, the SHA-256 of its text, of the frozen electorate and of the
# published ballot list, and every figure of the result. Each ballot is a commitment
# SHA-256(RFC 8785 {vote, unit, choice, nonce}) whose nonce only the unit's owners hold (the
# receipt); who cast it goes in only as a commitment. See docs/governance.md.

register_event(
    "governance.vote.announced", label=gettext_noop("表决公告"), subject="governance.vote",
    public={"title": "text", "matter": "text", "scope": "text", "opens_at": "datetime",
            "closes_at": "datetime", "notice_days": "int", "text_sha256": "text",
            "documents": "text[]"},
)
register_event(
    "governance.vote.opened", label=gettext_noop("开始投票"), subject="governance.vote",
    public={"title": "text", "electorate_sha256": "text", "units": "int", "area": "area",
            "owners": "int"},
)
register_event(
    "governance.ballot.cast", label=gettext_noop("投票（承诺值）"), subject="governance.ballot",
    # entered ballots: who entered (a staff member by name, a committee member as “业委会委员”)
    # and who confirmed (always a committee member, by role); owners' names only as commitments
    public={"vote": "int", "ballot": "text", "channel": "text", "commitment": "text",
            "entered_by": "text?", "confirmed_by": "text?", "accepted_by_owner": "bool?"},
    private={"voter_name": "text?", "entered_by_name": "text?", "confirmer_name": "text?"},
)
# Entered (paper/proxy) ballots: the entry itself, with the SHA-256 of the scan and of the
# authorisation, the time the ballot was received and who entered it; never the choice.
register_event(
    "governance.ballot.entered", label=gettext_noop("录入纸质/委托表决票"),
    subject="governance.ballot",
    public={"vote": "int", "ballot": "text", "channel": "text", "received_at": "datetime",
            "scan_sha256": "text", "authorisation_sha256": "text?", "entered_by": "text"},
    private={"voter_name": "text?", "proxy_name": "text?", "entered_by_name": "text?"},
)
register_event(
    "governance.ballot.held", label=gettext_noop("录入的表决票与业主线上投票冲突，待业主确认"),
    subject="governance.ballot",
    public={"vote": "int", "ballot": "text", "channel": "text", "online_ballot": "text",
            "confirmed_by": "text"},
    private={"confirmer_name": "text?"},
)
register_event(
    "governance.ballot.rejected", label=gettext_noop("录入的表决票未计入"),
    subject="governance.ballot",
    # by: “业委会委员” (a review that found the entry wrong) or “业主” (the owner kept his
    # online ballot); the reason is masked like the board's texts
    public={"vote": "int", "ballot": "text", "channel": "text", "by": "text", "reason": "text"},
    private={"by_name": "text?"},
)
register_event(
    "governance.vote.closed", label=gettext_noop("投票截止"), subject="governance.vote",
    public={"title": "text", "ballots": "int", "ballots_sha256": "text"},
)
register_event(
    "governance.vote.published", label=gettext_noop("公布表决结果"), subject="governance.vote",
    public={"title": "text", "matter": "text", "rule": "text", "passed": "bool",
            "participation_met": "bool", "approval_met": "bool",
            "total_area": "area", "total_owners": "int",
            "participating_area": "area", "participating_owners": "int",
            "yes_area": "area", "yes_owners": "int", "no_area": "area", "no_owners": "int",
            "abstain_area": "area", "abstain_owners": "int", "mixed_owners": "int",
            "ballots": "int", "electorate_sha256": "text", "ballots_sha256": "text"},
)
register_event(
    "governance.vote.effective", label=gettext_noop("表决事项生效"), subject="governance.vote",
    public={"title": "text"},
)
register_event(
    "governance.vote.cancelled", label=gettext_noop("撤销表决"), subject="governance.vote",
    public={"title": "text", "status_from": "text", "reason": "text"},
)
register_event(
    "governance.vote.extended", label=gettext_noop("延长投票期"), subject="governance.vote",
    public={"title": "text", "closes_at_from": "datetime", "closes_at": "datetime"},
)

# --- governance: owner-side controls (governance/controls.py) -------------------------------------
# Every change to a control that protects owners from the company: who proposed it (a side; a
# company employee by name), who confirmed it (the committee, by role; the member's name only
# as a commitment), what it changes (the control's own parameters) and the reason (masked).

CONTROL_FACTS = {"change": "int", "kind": "text", "summary": "text", "params": "json",
                 "subject": "text?"}
register_event(
    "governance.control.proposed", label=gettext_noop("提请业委会确认管控变更"),
    subject="governance.controlchange",
    public={**CONTROL_FACTS, "weakens": "bool", "proposed_by": "json", "reason": "text"},
)
register_event(
    "governance.control.applied", label=gettext_noop("管控变更生效"),
    subject="governance.controlchange",
    public={**CONTROL_FACTS, "direct": "bool", "weakens": "bool", "proposed_by": "json",
            "confirmed_by": "json", "reason": "text?"},
    private={"confirmer_name": "text?"},
)
register_event(
    "governance.control.rejected", label=gettext_noop("业委会未同意管控变更"),
    subject="governance.controlchange",
    public={**CONTROL_FACTS, "by": "json", "reason": "text"},
    private={"by_name": "text?"},
)
register_event(
    "governance.control.withdrawn", label=gettext_noop("撤回管控变更"),
    subject="governance.controlchange",
    public={**CONTROL_FACTS, "by": "json"},
)

# --- governance: proposals (金点子) and interim owners' meeting requests -----------------------------
# Public: the title, kind, category, the author as “X栋业主” (his name only as a commitment), the
# counts at the threshold, the deadline, the answer's SHA-256 with the answerer's role (his name
# only as a commitment: committee members are owners), what it was turned into, and that an
# answer became overdue.

register_event(
    "governance.proposal.submitted", label=gettext_noop("提出金点子"), subject="governance.proposal",
    public={"kind": "text", "title": "text", "category": "text", "author": "text",
            "threshold": "int?", "photos": "text[]?"},
    private={"author_name": "text?"},
)
register_event(
    "governance.proposal.threshold_reached", label=gettext_noop("金点子达到答复门槛"),
    subject="governance.proposal",
    public={"title": "text", "supporters": "int", "threshold": "int", "answer_due": "datetime"},
)
register_event(
    "governance.interim.reached", label=gettext_noop("临时业主大会提议达到法定人数"),
    subject="governance.proposal",
    public={"title": "text", "signed_owners": "int", "total_owners": "int", "signed_area": "area",
            "total_area": "area", "rule": "text", "convene_due": "datetime"},
)
register_event(
    "governance.proposal.overdue", label=gettext_noop("金点子逾期未答复"), subject="governance.proposal",
    public={"kind": "text", "title": "text", "answer_due": "datetime"},
)
register_event(
    "governance.proposal.answered", label=gettext_noop("答复金点子"), subject="governance.proposal",
    public={"kind": "text", "title": "text", "decision": "text", "answer_sha256": "text",
            "answerer_role": "text", "late_days": "int", "meeting_on": "date?"},
    private={"answerer": "text"},
)
register_event(
    "governance.proposal.converted", label=gettext_noop("金点子转为表决或工单"),
    subject="governance.proposal",
    public={"title": "text", "target": "text", "vote": "int?", "ticket": "text?"},
)
register_event(
    "governance.proposal.withdrawn", label=gettext_noop("撤回金点子"), subject="governance.proposal",
    public={"kind": "text", "title": "text"},
)
register_event(
    "governance.proposal.closed", label=gettext_noop("金点子办结"), subject="governance.proposal",
    public={"kind": "text", "title": "text", "note": "text"},
)
register_event(
    "governance.policy.changed", label=gettext_noop("变更议事规则设置"),
    subject="governance.governancepolicy",
    public={"support_threshold": "int", "answer_days": "int", "convene_days": "int",
            "interim_counts_area": "bool", "changes": "json"},
)

# --- governance: meetings (议事会) and public comment (公示/征求意见) -------------------------------
# Public: the agenda's and the minutes' SHA-256, decisions with their links, the names of the
# staff who attended (a public responsibility), committee members (owners) and owners as counts,
# the committee members' names only as a commitment.
# A comment is its text's SHA-256 with the masked author (“3号楼业主”) and a commitment to who
# wrote it; answers are public with the answerer's role, and his name when he is staff (a
# committee member's name only as a commitment). See
# docs/meetings-and-comment.md.

register_event(
    "governance.meeting.announced", label=gettext_noop("会议通知"), subject="governance.meeting",
    public={"title": "text", "kind": "text", "organiser": "text", "starts_at": "datetime",
            "place": "text", "online": "bool", "agenda": "text[]", "agenda_sha256": "text",
            "notice_days": "int"},
)
register_event(
    "governance.meeting.held", label=gettext_noop("会议召开"), subject="governance.meeting",
    public={"title": "text", "held_at": "datetime", "signed_in": "int"},
)
register_event(
    "governance.meeting.minutes", label=gettext_noop("公布会议纪要"), subject="governance.meeting",
    public={"title": "text", "minutes_sha256": "text", "document_sha256": "text?",
            "decisions": "json", "committee_attended": "int", "staff": "text[]",
            "owners_registered": "int", "owners_attended": "int", "attended": "int"},
    private={"committee": "text"},
)
register_event(
    "governance.meeting.cancelled", label=gettext_noop("取消会议"), subject="governance.meeting",
    public={"title": "text", "reason": "text"},
)
register_event(
    "governance.consultation.published", label=gettext_noop("发布公示/征求意见"),
    subject="governance.consultation",
    public={"title": "text", "kind": "text", "topic": "text", "starts_at": "datetime",
            "ends_at": "datetime", "text_sha256": "text", "documents": "text[]"},
)
register_event(
    "governance.consultation.commented", label=gettext_noop("业主意见"),
    subject="governance.comment",
    public={"consultation": "int", "comment": "int", "author": "text", "text_sha256": "text"},
    private={"author_name": "text"},
)
register_event(
    "governance.consultation.answered", label=gettext_noop("答复业主意见"),
    subject="governance.answer",
    public={"consultation": "int", "comment": "int", "answer": "text", "answerer": "text?",
            "answerer_role": "text"},
    private={"answerer_name": "text?"},
)
register_event(
    "governance.consultation.closed", label=gettext_noop("公示/征求意见结束"),
    subject="governance.consultation",
    public={"title": "text", "comments": "int", "answered": "int", "summary": "text",
            "summary_sha256": "text", "vote": "int?"},
)

# --- finance (收费与账务): the books, tariffs, billing runs, payments ---------------------------------
# Amounts, accounts and unit-level references are public; no personal data. A billing run is
# one event with the Merkle root over its bills (see finance/billing.py), not one per bill.

register_event(
    "finance.books.opened", label=gettext_noop("开设账簿"), subject="core.community",
    public={"accounts": "json"},
)
register_event(
    "finance.entry.posted", label=gettext_noop("记账凭证"), subject="finance.journalentry",
    public={"number": "text", "date": "date", "source": "text", "memo": "text", "total": "money",
            "lines": "json", "reverses": "text?"},
)
register_event(
    "finance.fee_item.created", label=gettext_noop("新增收费项目"), subject="finance.feeitem",
    public={"code": "text", "name": "text", "kind": "text", "cycle": "text", "applies_to": "text[]",
            "account": "text"},
)
register_event(
    "finance.tariff.set", label=gettext_noop("设定收费标准"), subject="finance.tariff",
    public={"fee_item": "text", "name": "text", "price": "decimal", "effective_from": "date",
            "effective_to": "date?", "notice_published_on": "date?", "notice_ref": "text?",
            "tiers": "json?", "replaces": "json?"},
)
register_event(
    "finance.policy.changed", label=gettext_noop("变更收费约定"), subject="finance.financepolicy",
    public={"terms": "json", "changes": "json"},
)
register_event(
    "finance.run.committed", label=gettext_noop("批量计费"), subject="finance.billingrun",
    public={"period_start": "date", "period_end": "date", "bills": "int", "lines": "int",
            "total": "money", "by_fee_item": "json", "bills_root": "text", "entry": "text?",
            "offsets": "json"},
)
register_event(
    "finance.bill.issued", label=gettext_noop("开具账单"), subject="finance.bill",
    public={"number": "text", "unit": "text", "amount": "money", "fee_item": "text",
            "digest": "text", "entry": "text"},
)
register_event(
    "finance.payment.received", label=gettext_noop("收款"), subject="finance.payment",
    public={"number": "text", "unit": "text", "method": "text", "amount": "money",
            "allocations": "json", "to_prepaid": "money", "entry": "text",
            # online payments (finance.online): the provider, its transaction id, our order number
            "provider": "text?", "transaction_id": "text?", "order": "text?"},
)
register_event(
    "finance.payment.refunded", label=gettext_noop("退款"), subject="finance.refund",
    public={"number": "text", "payment": "text", "unit": "text", "amount": "money",
            "reason": "text", "reopened": "json", "entry": "text"},
)

# --- finance, online payments (finance.online) -------------------------------------------------------
# A payment notification that was authentic (its signature verified) but refused: wrong amount,
# unknown, closed or expired order, another merchant. No personal data. Notifications whose
# signature does not verify are kept and counted for finance staff but not put on the log:
# anyone can send those.

register_event(
    "finance.callback.refused", label=gettext_noop("拒收支付回调"), subject="finance.callbackrefusal",
    public={"provider": "text", "reason": "text", "order": "text?", "amount_seen": "money?",
            "body_sha256": "text"},
)

# --- public money (task `fund`): public income, expenses, the maintenance fund --------------------
# Payers and payees are companies; approvers appear by role and time, the manager by name (a
# staff member acting in office); a committee member is an owner: his name only as a commitment;
# receipts and documents by the SHA-256 of the stored file. A fund movement is one event with
# the Merkle root over its per-unit split (finance/fund.py), not one event per household.

register_event(
    "finance.public_income.recorded", label=gettext_noop("公共收益入账"),
    subject="finance.publicincome",
    public={"number": "text", "category": "text", "payer": "text", "amount": "money",
            "received_on": "date", "receipts": "text[]", "entry": "text"},
)
register_event(
    "finance.expense.approved", label=gettext_noop("支出审批通过"), subject="finance.expense",
    public={"number": "text", "category": "text", "account": "text", "payee": "text",
            "amount": "money", "approvers": "json", "receipts": "text[]"},
    private={"committee_approver": "text?"},
)
register_event(
    "finance.expense.rejected", label=gettext_noop("支出被驳回"), subject="finance.expense",
    public={"number": "text", "payee": "text", "amount": "money", "by": "json", "reason": "text"},
    private={"committee_member": "text?"},
)
register_event(
    "finance.expense.posted", label=gettext_noop("支出支付入账"), subject="finance.expense",
    public={"number": "text", "category": "text", "account": "text", "payee": "text",
            "amount": "money", "approvers": "json", "receipts": "text[]", "entry": "text"},
    private={"committee_approver": "text?"},
)
register_event(
    "finance.fund.deposited", label=gettext_noop("维修资金归集"), subject="finance.funddeposit",
    public={"number": "text", "kind": "text", "date": "date", "rate": "decimal?", "units": "int",
            "total": "money", "split_root": "text", "entries": "text[]"},
)
register_event(
    "finance.fund.used", label=gettext_noop("维修资金使用"), subject="finance.funduse",
    public={"number": "text", "title": "text", "contractor": "text", "basis": "text",
            "vote": "int?", "vote_title": "text?", "emergency_reason": "text?",
            "approvers": "json?", "documents": "text[]", "total": "money", "beneficiaries": "int",
            "area_total": "area", "split_root": "text", "entries": "text[]"},
    private={"committee_approver": "text?"},
)

# --- 阳光账本 (finance/report.py): monthly reports published, queries on entries ----------------------
# The published report itself is off the log; the SHA-256 of its RFC 8785 canonical content is on
# it. A query names the entry and the inquiry ticket only (the ticket's own events follow it).

register_event(
    "finance.report.published", label=gettext_noop("发布阳光账本月报"), subject="finance.monthlyreport",
    public={"month": "text", "income": "money", "costs": "money", "public_income": "money",
            "fund_closing": "money", "content_sha256": "text", "note": "text?"},
)
register_event(
    "finance.entry.queried", label=gettext_noop("业主质询账目"), subject="finance.entryquery",
    public={"entry": "text", "entry_date": "date", "ticket": "text"},
)

# --- finance charges: late fees collected, waivers (减免), meter-reading imports ----------------------
# Late fees: per payment, each bill's fee with the terms it was computed from. Waivers: the bill,
# amount, reason category and the approver's name and role (public responsibility); the free-text
# reason only as a commitment (it may describe a household's circumstances); no owner data.

register_event(
    "finance.late_fee.collected", label=gettext_noop("收取滞纳金"), subject="finance.payment",
    public={"payment": "text", "unit": "text", "as_of": "date", "total": "money", "rate": "decimal",
            "grace_days": "int", "cap_percent": "decimal", "bills": "json", "entry": "text"},
)
register_event(
    "finance.waiver.approved", label=gettext_noop("批准减免"), subject="finance.waiver",
    public={"number": "text", "bill": "text", "unit": "text", "target": "text", "amount": "money",
            "reason_category": "text", "requested_by": "text", "approver": "text",
            "approver_role": "text", "effective_on": "date", "entry": "text?"},
    private={"reason": "text"},
)
register_event(
    "finance.waiver.rejected", label=gettext_noop("驳回减免"), subject="finance.waiver",
    public={"number": "text", "bill": "text", "unit": "text", "target": "text",
            "requested_amount": "money?", "whole": "bool", "reason_category": "text",
            "requested_by": "text", "approver": "text", "approver_role": "text"},
    private={"reason": "text", "note": "text?"},
)
register_event(
    "finance.readings.imported", label=gettext_noop("导入抄表读数"), subject="finance.meterimport",
    # the file by its SHA-256 and size, the month and meter kind, how many readings and new meters
    public={"period_start": "date", "kind": "text", "sha256": "text", "size": "int",
            "readings": "int", "meters_created": "int", "usage_total": "decimal"},
)

# --- finance: arrears reminders (催缴) ------------------------------------------------------------
# Templates and rules are public configuration; a scheduled batch is one event listing the units
# (unit-level references only) and amounts; a manual reminder is one event. No names, no phones.

register_event(
    "finance.reminder_template.saved", label=gettext_noop("保存催缴模板"), subject="finance.remindertemplate",
    public={"name": "text", "body": "text", "body_sha256": "text"},
)
register_event(
    "finance.reminder_rule.saved", label=gettext_noop("保存催缴规则"), subject="finance.reminderrule",
    public={"name": "text", "days_after_due": "int", "channel": "text", "template": "text",
            "min_amount": "money", "quiet_from": "text", "quiet_to": "text", "active": "bool"},
)
register_event(
    "finance.reminders.sent", label=gettext_noop("按规则催缴"), subject="finance.reminderrule",
    public={"rule": "text", "days_after_due": "int", "channel": "text", "units": "int", "total": "money",
            "reminded": "json"},
)
register_event(
    "finance.reminder.sent", label=gettext_noop("人工催缴"), subject="finance.reminder",
    public={"unit": "text", "amount": "money", "bills": "int", "period": "date", "channel": "text"},
)

# --- board (每周曝光台): publications, co-signatures, contests and answers ---------------------------
# The published board itself is off the log; its RFC 8785 canonical content is hashed
# (content_sha256) so anyone can check the board they see against this leaf. Texts are masked.

register_event(
    "board.weekly.published", label=gettext_noop("发布每周曝光台"), subject="board.weeklyboard",
    public={"week": "date", "items": "int", "new": "int", "carried": "int", "by_status": "json",
            "untrue": "int", "content_sha256": "text"},
)
register_event(
    "board.weekly.cosigned", label=gettext_noop("业委会会签曝光台"), subject="board.weeklyboard",
    public={"week": "date", "cosigner": "text"},
)
register_event(
    "board.item.contested", label=gettext_noop("业委会质疑曝光条目"), subject="board.boardcontest",
    public={"week": "date", "number": "text", "text": "text", "by": "text"},
)
register_event(
    "board.contest.answered", label=gettext_noop("答复曝光条目质疑"), subject="board.boardcontest",
    public={"week": "date", "number": "text", "answer": "text", "by": "text"},
)
register_event(
    "board.settings.changed", label=gettext_noop("曝光台会签设置"), subject="board.boardsettings",
    public={"require_cosign": "bool"},
)

# --- notices: announcements to the whole community -------------------------------------------------
register_event(
    "notices.announcement.published", label=gettext_noop("发布公告"), subject="notices.announcement",
    public={"title": "text", "kind": "text", "body_sha256": "text", "corrects": "int?"},
)
