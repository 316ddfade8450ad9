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

The kinds and types themselves are ``transparency.kinds``.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ImproperlyConfigured, ValidationError
from django.utils.translation import gettext_noop

from sunlit.transparency.kinds import CLEANERS, FIELD_KINDS, FieldKind, Masker

KINDS = frozenset({"text", "int", "bool", "decimal", "money", "area", "date", "datetime", "text[]",
                   "json"})
NAME_RE = re.compile(r"^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)+$")
FIELD_RE = re.compile(r"^[a-z][a-z0-9_]*$")


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
            ok = isinstance(value, str) and CLEANERS[kind.json](value) == value
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
        cleaned = CLEANERS[self.kind](value)
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
