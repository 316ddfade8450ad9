"""Masking of personal data for public display (张*三, 138****1234, ****1234)."""

from __future__ import annotations


def mask_name(name: str | None) -> str:
    """张三 → 张*, 张小三 → 张*三, 欧阳小明 → 欧**明."""
    name = (name or "").strip()
    if not name:
        return ""
    if len(name) == 1:
        return "*"
    if len(name) == 2:
        return name[0] + "*"
    return name[0] + "*" * (len(name) - 2) + name[-1]


def mask_mobile(mobile: str | None) -> str:
    """13812341234 → 138****1234; anything shorter keeps at most its last 4 digits."""
    digits = "".join(ch for ch in (mobile or "") if ch.isdigit())
    if not digits:
        return ""
    if len(digits) == 11:
        return f"{digits[:3]}****{digits[-4:]}"
    return "*" * max(len(digits) - 4, 0) + digits[-4:]


def mask_id_number(id_number: str | None) -> str:
    """Shows the last 4 characters at most: 110101199003071234 → **************1234."""
    value = (id_number or "").strip()
    if not value:
        return ""
    keep = min(4, max(len(value) - 4, 0))
    return "*" * (len(value) - keep) + value[len(value) - keep:]


def mask_plate(plate: str | None) -> str:
    """京A12345 → 京A***45: province and letter stay, the middle is hidden."""
    value = (plate or "").strip()
    if len(value) <= 4:
        return "*" * len(value)
    return value[:2] + "*" * (len(value) - 4) + value[-2:]
