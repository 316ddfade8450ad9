"""The event-type registry: which facts may go on the log, and what each public field holds.

Every event type is registered once, with a Chinese label, the kind of object it is about
(``subject``, a model label such as ``finance.payment``) and its fields::

    register_event(
        "finance.payment.received", label="收款", subject="finance.payment",
        public={"number": "ref", "method": "enum", "amount": "amount", "entry": "ref"},
        private={"unit": "text", "allocations": "json"},
    )

**Public fields** are written in the leaf, which every member of the community may read, so
each says what it holds — a *field kind* from ``FIELD_KINDS`` (``ref``, ``amount``, ``count``,
``enum``, ``hash``, ``masked_text``, ``staff_name`` …, optional with a trailing ``?``), or for
nested JSON a shape made of them (``ListOf``, ``Obj``, ``MapOf``, ``Tuple``). ``record()``
checks every value against its kind (a ``ref`` looks like ``SK-202501-0001``, a ``hash`` is 64
hex digits …) and masks every ``masked_text`` as the board masks owners' text (ID and phone
numbers, e-mails, plates, unit numbers and the community's own unit labels, roster names).
A unit label may appear in clear only in a ``unit_label`` field, and only the roster's
unit-level events (``UNIT_LEVEL_EVENTS``) have one: a household's own facts (payments,
refunds, waivers, late fees, reminders …) carry their unit — and any reference that leads to
it, such as the bills paid — only as commitments. ``tests/transparency/test_event_privacy.py``
walks the registry and the events the services write; docs/security.md has the policy.

**Private fields** (personal data, a household's facts) are written only as salted
commitments; they keep the plain JSON types ``text``, ``int``, ``bool``, ``decimal``,
``money``, ``area``, ``date``, ``datetime`` (aware, written in Asia/Shanghai as RFC 3339 with
``+08:00``), ``text[]`` and ``json`` (nested JSON without floats).

``record()`` refuses unknown event types and events that do not match their schema. Apps
register their own types in their ``AppConfig.ready()``; the first set, for what exists today,
is at the bottom of this module.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
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


# --- JSON types: how a value is written ---------------------------------------------------------

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


# --- field kinds: what a public value is -----------------------------------------------------------
# A masker turns free text into its public form (``transparency.privacy.LogMasker``, bound to the
# community: its roster names and buildings); without one, ``core.masking.mask_text`` alone.
Masker = Callable[[str], str]

_DIGITS_ONLY_ID = re.compile(r"(?<![0-9A-Za-z])(?:\d{17}[0-9Xx]|\d{15})(?![0-9A-Za-z])")
_MOBILE = re.compile(r"(?<![0-9])1[3-9]\d{9}(?![0-9])")
_CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")


def _no_personal_numbers(value: str) -> str | None:
    if _MOBILE.search(value) or _DIGITS_ONLY_ID.search(value):
        return "不能包含手机号或身份证号"
    return None


def _matching(pattern: str, what: str, *, max_length: int = 64, digits_are_data: bool = False,
              ascii_only: bool = True):
    compiled = re.compile(pattern)

    def check(value) -> str | None:
        if (not isinstance(value, str) or len(value) > max_length
                or (ascii_only and not value.isascii()) or not compiled.fullmatch(value)):
            return f"应为{what}"
        return None if digits_are_data else _no_personal_numbers(value)

    return check


def _short_line(max_length: int, *, lines: bool = False):
    def check(value) -> str | None:
        if not isinstance(value, str) or len(value) > max_length or (not lines and "\n" in value):
            return f"应为不超过 {max_length} 个字的{'文字' if lines else '一行文字'}"
        return _no_personal_numbers(value)

    return check


def _at_least(minimum: int):
    def check(value) -> str | None:
        return None if isinstance(value, int) and value >= minimum else f"应为不小于 {minimum} 的整数"

    return check


def _setting(value) -> str | None:
    if value is None or isinstance(value, bool | int):
        return None
    return _matching(r"[A-Za-z0-9_.:+\-]{0,40}", "设置值（数字、日期或代码）")(value)


def _label(value) -> str | None:
    # a choice's display name (项目经理, 业委会 — or its translation): no digits, one short line
    if not isinstance(value, str) or not 0 < len(value) <= 40 or re.search(r"\d|\n", value):
        return "应为固定列表中的名称（不含数字）"
    return None


def _owner_label(value) -> str | None:
    # "3号楼业主": a building at most, never a unit (no dash, no room number)
    if (not isinstance(value, str) or not re.fullmatch(r"[^\s\-－]{0,30}(?:业主|住户)", value)
            or re.search(r"\d{3,}|单元|室", value)):
        return "应为“X号楼业主”这样的楼栋级称呼"
    return None


@dataclass(frozen=True)
class FieldKind:
    """What a public field holds: its JSON type, a check of the value and whether it is masked."""

    name: str
    json: str
    doc: str
    check: Callable[[Any], str | None] | None = None
    masked: bool = False
    unit_level: bool = False  # may name a unit: only in UNIT_LEVEL_EVENTS


_REF = _matching(r"[A-Z][A-Z0-9]*(?:-[A-Z0-9]+)*", "系统编号（如 SK-202501-0001）", max_length=40)
_CODE = _matching(r"[A-Za-z0-9_.:+/<>=&| \-]*[A-Za-z0-9][A-Za-z0-9_.:+/<>=&| \-]*",
                  "代码（字母、数字）")
_ENUM = _matching(r"[a-z0-9_]*[a-z][a-z0-9_]*", "取值代码（小写字母、数字）", max_length=40)
_HASH = _matching(r"[0-9a-f]{64}", "SHA-256（64 位十六进制）", digits_are_data=True)
_VKEY = _matching(r"[^\s+]{1,100}\+[0-9a-f]{8}\+[A-Za-z0-9+/]+=*", "签名验证公钥",
                  max_length=400, digits_are_data=True, ascii_only=False)

FIELD_KINDS: dict[str, FieldKind] = {k.name: k for k in (
    FieldKind("id", "int", "编号：公开对象（表决、公示、意见）的 id", _at_least(1)),
    FieldKind("count", "int", "数量：户数、份数、条数", _at_least(0)),
    FieldKind("number", "int", "其他整数：天数、分钟、楼层、评分、字节数"),
    FieldKind("amount", "money", "金额（元，两位小数）"),
    FieldKind("area", "area", "面积（㎡，两位小数）"),
    FieldKind("decimal", "decimal", "精确数值：单价、费率、份额、读数"),
    FieldKind("date", "date", "日期"),
    FieldKind("datetime", "datetime", "时间（北京时间）"),
    FieldKind("flag", "bool", "是/否"),
    FieldKind("enum", "text", "代码中固定列表的取值（状态、类型、渠道）", _ENUM),
    FieldKind("enums", "text[]", "固定列表取值的列表", _ENUM),
    FieldKind("label", "text", "固定列表的中文名称（角色、身份）", _label),
    FieldKind("code", "text", "配置的代码：小区代码、收费项目代码、科目、工号、月份、规则", _CODE),
    FieldKind("ref", "text", "系统生成的单号（工单、账单、收款、凭证……）", _REF),
    FieldKind("refs", "text[]", "系统单号的列表", _REF),
    FieldKind("hash", "text", "SHA-256 摘要或承诺值", _HASH),
    FieldKind("hashes", "text[]", "SHA-256 摘要的列表（文件、照片）", _HASH),
    FieldKind("public_key", "text", "见证人的公钥（公开）", _VKEY),
    FieldKind("masked_text", "text", "自由文字：记录前按曝光台规则遮蔽个人信息",
              _short_line(20_000, lines=True), masked=True),
    FieldKind("masked_texts", "text[]", "自由文字的列表，逐条遮蔽", _short_line(1000, lines=True),
              masked=True),
    FieldKind("staff_name", "text", "履职的物业工作人员姓名（公开责任）", _short_line(50)),
    FieldKind("staff_names", "text[]", "履职的物业工作人员姓名列表", _short_line(50)),
    FieldKind("owner_label", "text", "业主的楼栋级称呼（“3号楼业主”）", _owner_label),
    FieldKind("setting", "json", "一项设置的值（数字、是否、日期或代码）", _setting),
    FieldKind("unit_label", "text", "房屋编号：只用于房屋档案本身的事件", _short_line(60),
              unit_level=True),
    FieldKind("unit_fact", "json", "房屋档案字段的值：只用于房屋档案本身的事件",
              lambda v: None if v is None or isinstance(v, str | int | bool) else "应为文字或数字",
              unit_level=True),
)}

#: The only event types whose public fields may name a unit: the roster of units itself (what
#: decides fees and vote weights is public by design). Never a household's money or requests.
UNIT_LEVEL_EVENTS = frozenset({"roster.unit.registered", "roster.unit.changed",
                               "roster.ownership.registered", "roster.ownership.changed",
                               "roster.ownership.ended"})


# --- shapes: what nested JSON holds -------------------------------------------------------------

@dataclass(frozen=True)
class ListOf:
    """A list whose items are all of one kind or shape."""

    item: Any


@dataclass(frozen=True)
class Tuple:
    """A list of a fixed length, item by item."""

    items: tuple


@dataclass(frozen=True)
class MapOf:
    """An object whose keys (of a field kind) are data, every value of one kind or shape."""

    key: str
    value: Any


@dataclass(frozen=True)
class Obj:
    """An object with named fields (``"name?"`` optional), each of a kind or shape."""

    fields: tuple[tuple[str, Any], ...]

    def __init__(self, fields: dict | None = None, **named):
        object.__setattr__(self, "fields", tuple(sorted({**(fields or {}), **named}.items())))


SHAPES = (ListOf, Tuple, MapOf, Obj)


def _shape_kinds(shape) -> list[str]:
    """Every field kind a shape uses (to check they are all known)."""
    if isinstance(shape, str):
        return [shape.rstrip("?")]
    if isinstance(shape, ListOf):
        return _shape_kinds(shape.item)
    if isinstance(shape, Tuple):
        return [k for item in shape.items for k in _shape_kinds(item)]
    if isinstance(shape, MapOf):
        return [shape.key, *_shape_kinds(shape.value)]
    if isinstance(shape, Obj):
        return [k for _name, item in shape.fields for k in _shape_kinds(item)]
    raise ImproperlyConfigured(f"not a field kind or shape: {shape!r}")


def _iso(value, parse) -> bool:
    try:
        parse(value)
    except (TypeError, ValueError):
        return False
    return True


def _scalar_in_json(kind: FieldKind, value, where: str, mask: Masker):
    """A kind's check on a value already written as JSON (inside a shape)."""
    if kind.json == "text[]":
        raise ValueError(f"{where}：{kind.name} 不能用在嵌套内容中")
    if kind.json in ("text", "json") or kind.json == "int" or kind.json == "bool":
        expected = {"text": str, "int": int, "bool": bool}.get(kind.json)
        if expected is not None and (not isinstance(value, expected)
                                     or (expected is int and isinstance(value, bool))):
            raise ValueError(f"{where}：类型不符（{kind.doc}）")
    elif kind.json == "date":
        if not isinstance(value, str) or not _iso(value, dt.date.fromisoformat):
            raise ValueError(f"{where}：应为日期")
    elif kind.json == "datetime":
        if not isinstance(value, str) or not _iso(value, dt.datetime.fromisoformat):
            raise ValueError(f"{where}：应为时间")
    else:  # money, area, decimal: exact numbers written as text
        try:
            ok = isinstance(value, str) and _CLEANERS[kind.json](value) == value
        except ValueError:
            ok = False
        if not ok:
            raise ValueError(f"{where}：应为{kind.doc}")
    return _checked(kind, value, where, mask)


def _checked(kind: FieldKind, value, where: str, mask: Masker):
    if kind.masked and isinstance(value, str):
        value = mask(value)
    problem = kind.check(value) if kind.check is not None else None
    if problem:
        raise ValueError(f"{where}：{problem}")
    return value


def _check_shape(shape, value, where: str, mask: Masker):
    """``value`` (plain JSON) checked against ``shape``, with masked text masked."""
    if isinstance(shape, str):
        optional = shape.endswith("?")
        if value is None:
            if optional:
                return None
            raise ValueError(f"{where}：此项为必填项")
        return _scalar_in_json(FIELD_KINDS[shape.rstrip("?")], value, where, mask)
    if isinstance(shape, ListOf):
        if not isinstance(value, list):
            raise ValueError(f"{where}：应为列表")
        return [_check_shape(shape.item, item, f"{where}[{i}]", mask) for i, item in enumerate(value)]
    if isinstance(shape, Tuple):
        if not isinstance(value, list) or len(value) != len(shape.items):
            raise ValueError(f"{where}：应为 {len(shape.items)} 项的列表")
        return [_check_shape(s, item, f"{where}[{i}]", mask)
                for i, (s, item) in enumerate(zip(shape.items, value, strict=True))]
    if isinstance(shape, MapOf):
        if not isinstance(value, dict):
            raise ValueError(f"{where}：应为对象")
        key_kind = FIELD_KINDS[shape.key]
        out = {}
        for key, item in value.items():
            problem = key_kind.check(key) if key_kind.check is not None else None
            if problem or key_kind.masked:
                raise ValueError(f"{where}：键 {key!r} {problem or '不能是自由文字'}")
            out[key] = _check_shape(shape.value, item, f"{where}.{key}", mask)
        return out
    if isinstance(shape, Obj):
        if not isinstance(value, dict):
            raise ValueError(f"{where}：应为对象")
        fields = {name.rstrip("?"): (name, item) for name, item in shape.fields}
        unknown = sorted(set(value) - set(fields))
        if unknown:
            raise ValueError(f"{where}：没有字段 {unknown[0]}")
        out = {}
        for key, (name, item) in fields.items():
            if key not in value:
                if name.endswith("?"):
                    continue
                raise ValueError(f"{where}.{key}：此项为必填项")
            out[key] = _check_shape(item, value[key], f"{where}.{key}", mask)
        return out
    raise ValueError(f"{where}：无法识别的结构")


def _plain_mask(text: str) -> str:
    from sunlit.core.masking import mask_text, normalize

    masked = mask_text(text)
    return text if masked == normalize(text) else masked


@dataclass(frozen=True)
class FieldSpec:
    """One field of an event type: its JSON type (``kind``), whether it is required, and for a
    public field what it holds (``what``: a field kind or a shape)."""

    kind: str
    required: bool = True
    what: Any = None

    @classmethod
    def parse(cls, spec: str | FieldSpec) -> FieldSpec:
        """A private field's spec: a JSON type, optional with ``?``."""
        if isinstance(spec, FieldSpec):
            return spec
        kind, required = (spec[:-1], False) if spec.endswith("?") else (spec, True)
        if kind not in KINDS:
            raise ImproperlyConfigured(f"unknown field kind {spec!r}; one of {sorted(KINDS)}")
        return cls(kind, required)

    @classmethod
    def parse_public(cls, spec) -> FieldSpec:
        """A public field's spec: a field kind (``"amount"``, ``"ref?"``) or a shape
        (``ListOf(...)``; ``opt(shape)`` when optional)."""
        if isinstance(spec, FieldSpec):
            return spec
        if isinstance(spec, _Optional):
            return cls("json", False, spec.shape)
        if isinstance(spec, SHAPES):
            for name in _shape_kinds(spec):
                if name not in FIELD_KINDS:
                    raise ImproperlyConfigured(f"unknown field kind {name!r} in {spec!r}")
            return cls("json", True, spec)
        if not isinstance(spec, str):
            raise ImproperlyConfigured(f"not a field kind or shape: {spec!r}")
        name, required = (spec[:-1], False) if spec.endswith("?") else (spec, True)
        if name not in FIELD_KINDS:
            raise ImproperlyConfigured(
                f"a public field says what it holds: {spec!r} is not one of {sorted(FIELD_KINDS)}")
        return cls(FIELD_KINDS[name].json, required, name)

    def clean(self, value: Any, mask: Masker | None = None) -> Any:
        """The JSON value written for ``value``; raises ValueError with a Chinese message."""
        cleaned = _CLEANERS[self.kind](value)
        if self.what is None:
            return cleaned
        mask = mask or _plain_mask
        if isinstance(self.what, str):
            kind = FIELD_KINDS[self.what]
            if kind.json == "text[]":
                return [_checked(kind, item, f"第 {i + 1} 项", mask) for i, item in enumerate(cleaned)]
            if kind.json == "json":
                return _scalar_in_json(kind, cleaned, "值", mask)
            return _checked(kind, cleaned, "值", mask)
        return _check_shape(self.what, cleaned, "值", mask)

    def check_written(self, value: Any, mask: Masker | None = None) -> Any:
        """``value`` as a leaf holds it (plain JSON), checked against the field's kind; returns
        it with its free text masked again — equal to ``value`` when the leaf is as it should
        be. Used to audit leaves already written (tests/transparency/test_event_privacy.py)."""
        if self.what is None:
            return value
        mask = mask or _plain_mask
        if isinstance(self.what, str):
            kind = FIELD_KINDS[self.what]
            if kind.json == "text[]":
                if not isinstance(value, list):
                    raise ValueError("应为列表")
                return [_checked(kind, item, f"第 {i + 1} 项", mask) for i, item in enumerate(value)]
            return _scalar_in_json(kind, value, "值", mask)
        return _check_shape(self.what, value, "值", mask)

    def kinds(self) -> list[str]:
        """The field kinds this public field uses (itself, or every one in its shape)."""
        return _shape_kinds(self.what) if self.what is not None else []


@dataclass(frozen=True)
class _Optional:
    shape: Any


def opt(shape) -> _Optional:
    """An optional nested field (``opt(ListOf(...))``)."""
    return _Optional(shape)


@dataclass(frozen=True)
class EventType:
    """One kind of material fact: its name, label, subject kind and field schema."""

    name: str
    label: str
    subject: str | None
    public: dict[str, FieldSpec] = field(default_factory=dict)
    private: dict[str, FieldSpec] = field(default_factory=dict)

    def clean(self, public: dict | None, private: dict | None,
              mask: Masker | None = None) -> tuple[dict, dict]:
        """Validated (public, private) values, public free text masked with ``mask``; raises
        ValidationError keyed ``public.<field>``."""
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
                    out[name] = spec.clean(given[name], mask)
                except ValueError as exc:
                    errors[f"{part}.{name}"] = [str(exc)]
            cleaned.append(out)
        if errors:
            raise ValidationError(errors)
        return cleaned[0], cleaned[1]


REGISTRY: dict[str, EventType] = {}


def register_event(
    name: str, *, label: str, subject: str | None = None,
    public: dict[str, Any] | None = None,
    private: dict[str, str | FieldSpec] | None = None,
) -> EventType:
    """Registers an event type (idempotent for an identical schema). Every public field says
    what it holds (``FIELD_KINDS``); a field that may name a unit only in ``UNIT_LEVEL_EVENTS``."""
    if not NAME_RE.match(name):
        raise ImproperlyConfigured(f"event type {name!r} must be dotted lower-case words")
    public_spec = {k: FieldSpec.parse_public(v) for k, v in (public or {}).items()}
    private_spec = {k: FieldSpec.parse(v) for k, v in (private or {}).items()}
    for key in (*public_spec, *private_spec):
        if not FIELD_RE.match(key):
            raise ImproperlyConfigured(f"field {key!r} of {name} must be a lower-case identifier")
    if set(public_spec) & set(private_spec):
        raise ImproperlyConfigured(f"{name}: a field cannot be both public and private")
    if name not in UNIT_LEVEL_EVENTS:
        for key, spec in public_spec.items():
            if any(FIELD_KINDS[k].unit_level for k in spec.kinds()):
                raise ImproperlyConfigured(
                    f"{name}.{key}: only the roster's unit-level events may name a unit in "
                    "public; commit it (private) instead")
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


# --- the transparency app's own event types -------------------------------------------------------
# Every other app registers its own in ``<app>/events.py`` from its ``AppConfig.ready``.

register_event(
    "log.openings.erased", label=gettext_noop("删除个人信息承诺的开启值"), subject=None,
    # PIPL art. 47: the salts of a subject's commitments were deleted; the leaves stay.
    public={"subject_type": "code", "subject_id": "code", "leaves": "count",
            "reason": "masked_text"},
)
register_event(
    "log.witness.registered", label=gettext_noop("登记见证人"), subject="transparency.witnesskey",
    # who may cosign the log is itself a fact on the log: the witness's name and its C2SP
    # tlog-cosignature verifier key (public by nature; no personal data)
    public={"name": "masked_text", "vkey": "public_key"},
)
register_event(
    "log.witness.revoked", label=gettext_noop("撤销见证人"), subject="transparency.witnesskey",
    public={"name": "masked_text", "vkey": "public_key"},
)
