"""Validation and normalisation of mainland identifiers: mobile numbers, ID numbers, plates."""

from __future__ import annotations

import re
import unicodedata

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

MOBILE_RE = re.compile(r"^1[3-9]\d{9}$")
ID_RE = re.compile(r"^\d{17}[\dX]$")
_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"

PROVINCES = "京津沪渝冀豫云辽黑湘皖鲁新苏浙赣鄂桂甘晋蒙陕吉闽贵粤青藏川宁琼"
# Ordinary plates: province, letter, 5 characters of letters/digits (no I or O),
# the last may be 挂/学/警/港/澳/领. New-energy plates have 6 characters after the letter,
# with D/F (small cars) first or last (large vehicles).
_SERIAL = "A-HJ-NP-Z0-9"
PLATE_RE = re.compile(
    rf"^[{PROVINCES}][A-HJ-NP-Z](?:[{_SERIAL}]{{4}}[{_SERIAL}挂学警港澳领]"
    rf"|[DF][{_SERIAL}]\d{{4}}|\d{{5}}[DF])$"
)


def normalize_text(value: str | None) -> str:
    """Full-width to half-width, strip spaces: what people type into a roster sheet."""
    return unicodedata.normalize("NFKC", value or "").strip()


_FULLWIDTH_ALNUM = {c: chr(c - 0xFEE0) for c in range(0xFF01, 0xFF5F) if chr(c - 0xFEE0).isalnum()}
_FULLWIDTH_ALNUM[0x3000] = " "  # the ideographic space


def clean_prose(value: str | None) -> str:
    """What people write — a title, a reason, a note: trimmed, full-width letters and digits made
    plain (ＡＢ１２ → AB12), Chinese punctuation kept as written (，。：（）are not turned into
    ASCII, as ``normalize_text`` does for roster data)."""
    return unicodedata.normalize("NFC", value or "").translate(_FULLWIDTH_ALNUM).strip()


def normalize_mobile(value: str | None) -> str:
    digits = re.sub(r"[\s\-()]", "", normalize_text(value))
    if digits.startswith("+86"):
        digits = digits[3:]
    elif digits.startswith("0086"):
        digits = digits[4:]
    return digits


def validate_mobile(value: str) -> str:
    mobile = normalize_mobile(value)
    if not MOBILE_RE.match(mobile):
        raise ValidationError(_("手机号格式不正确，应为 11 位中国大陆手机号"), code="mobile")
    return mobile


def id_checksum_ok(value: str) -> bool:
    total = sum(int(d) * w for d, w in zip(value[:17], _ID_WEIGHTS, strict=True))
    return _ID_CHECK[total % 11] == value[17]


def validate_id_number(value: str) -> str:
    id_number = normalize_text(value).upper().replace(" ", "")
    if not ID_RE.match(id_number) or not id_checksum_ok(id_number):
        raise ValidationError(_("身份证号不正确（18 位，末位校验码不符）"), code="id_number")
    return id_number


def normalize_plate(value: str | None) -> str:
    return re.sub(r"[\s·\-.]", "", normalize_text(value)).upper()


def validate_plate(value: str) -> str:
    plate = normalize_plate(value)
    if not PLATE_RE.match(plate):
        raise ValidationError(_("车牌号格式不正确（如 京A12345 或新能源 京AD12345）"), code="plate")
    return plate


def make_id_number(prefix17: str) -> str:
    """Completes a 17-digit prefix with its check character (used by the demo data)."""
    total = sum(int(d) * w for d, w in zip(prefix17, _ID_WEIGHTS, strict=True))
    return prefix17 + _ID_CHECK[total % 11]
