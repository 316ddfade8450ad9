"""What a value on the log may be: the plain JSON types of committed fields (text, int, decimal,
money, date, RFC 3339 datetimes ...) and the field kinds of public fields (ref, amount, count,
enum, hash, masked_text, staff_name, unit_label ...), each with its check.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any
from zoneinfo import ZoneInfo

SHANGHAI = ZoneInfo("Asia/Shanghai")
MAX_SAFE_INT = 2**53 - 1  # I-JSON (RFC 7493), which RFC 8785 requires


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


CLEANERS = {
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
