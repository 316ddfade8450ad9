"""Masking of personal data for public display: fields (张*三, 138****1234, ****1234) and free text.

``mask_text(text, names=...)`` hides, inside what owners wrote, in this order: ID numbers
(18/15 digits), mobile numbers (with +86, spaces, dashes or full-width digits), landlines,
e-mail addresses, mainland plates (including 8-character new-energy plates), unit numbers
(3-2-1502, 3栋2单元1502, 15楼1502室, 1502室) and the names given (the community's roster,
``roster_names``) — names as 张*三. Full-width digits and letters are read as half-width first, so
the result shows them half-width. The board, the ledger, the log's free-text fields and the
control changes all mask through it.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable


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


# --- free text ----------------------------------------------------------------------------------

# Full-width digits, letters, +, -, and the ideographic space → ASCII (only those: Chinese
# punctuation such as ， and 。 stays as written).
_WIDE = {0xFF10 + i: 0x30 + i for i in range(10)}
_WIDE.update({0xFF21 + i: 0x41 + i for i in range(26)})
_WIDE.update({0xFF41 + i: 0x61 + i for i in range(26)})
_WIDE.update({0xFF0B: ord("+"), 0xFF0D: ord("-"), 0x3000: ord(" "), 0x2014: ord("-"),
              0x2013: ord("-"), 0x2212: ord("-"), 0xFF0E: ord(".")})

_SEP = r"[\s\-.]?"
ID_RE = re.compile(r"(?<![0-9A-Za-z])(?:\d{6}" + _SEP + r"(?:19|20)\d{2}" + _SEP + r"\d{4}" + _SEP
                   + r"\d{3}[0-9Xx]|\d{15})(?![0-9A-Za-z])")
MOBILE_RE = re.compile(r"(?<![0-9])(?:(?:\+|00)?86[\s\-]*)?1[3-9]\d(?:[\s\-]*\d){8}(?![0-9])")
LANDLINE_RE = re.compile(r"(?<![0-9])0\d{2,3}[\s\-]+\d{7,8}(?![0-9])")
EMAIL_RE = re.compile(r"[A-Za-z0-9._%+\-]+@[A-Za-z0-9.\-]+\.[A-Za-z]{2,}")
PROVINCES = "京津沪渝冀豫云辽黑湘皖鲁新苏浙赣鄂桂甘晋蒙陕吉闽贵粤青藏川宁琼"
PLATE_RE = re.compile(
    r"(?<![A-Za-z0-9])[" + PROVINCES + r"][A-HJ-NP-Za-hj-np-z][\s·•\-]?"
    r"(?:[DFdf][A-HJ-NP-Za-hj-np-z0-9]\d{4}|\d{5}[DFdf]|[A-HJ-NP-Za-hj-np-z0-9]{4}"
    r"[A-HJ-NP-Za-hj-np-z0-9挂学警港澳])(?![A-Za-z0-9])")
_CN_NUM = "一二三四五六七八九十"
_BUILDING = r"(?:\d{1,3}|[" + _CN_NUM + r"]{1,3})(?:号楼|栋|幢|座|号)"
UNIT_RES = (
    # 3栋2单元1502(室), 3号楼2单元15层1502
    re.compile(r"(" + _BUILDING + r")\s*(?:\d{1,2}|[" + _CN_NUM + r"]{1,2})\s*单元\s*"
               r"(?:\d{1,2}\s*(?:楼|层)\s*)?\d{3,4}\s*(?:室|号|房)?"),
    # 3栋1502(室) (the room right after the building)
    re.compile(r"(" + _BUILDING + r")\s*\d{3,4}\s*(?:室|房)"),
    # 3-2-1502, 3－2－1502, 3-1502 (building-room)
    re.compile(r"(?<![0-9\-:/.])(\d{1,3})-(?:\d{1,2}-)?\d{3,4}(?:室|号)?(?![0-9\-:/.])"),
    # 15楼1502室, 1502室, 1502房
    re.compile(r"(?:\d{1,2}\s*(?:楼|层)\s*)?(?<![0-9])\d{3,4}\s*(?:室|房)"),
)


def normalize(text: str) -> str:
    return (text or "").translate(_WIDE)


def _unit(match: re.Match) -> str:
    building = match.group(1) if match.re.groups else None
    if building and not building[-1].isdigit():
        return f"{building}**室"
    if building:
        return f"{building}号楼**室"
    return "**室"


@functools.lru_cache(maxsize=32)
def _label_re(buildings: tuple[str, ...]) -> re.Pattern | None:
    """The community's own unit labels (``Unit.label``: 楼栋-2单元-1502, 楼栋-1502), whatever
    the building is called (A座, 紫荆苑): a building name, then a room of 3–5 digits after a
    dash or after an 单元 — not "3号楼 5层", which names no home."""
    names = sorted({b.strip() for b in buildings if b and b.strip()}, key=len, reverse=True)
    if not names:
        return None
    return re.compile("(" + "|".join(re.escape(normalize(n)) for n in names) + r")\s*"
                      r"(?:-\s*)?(?:(?:\d{1,2}|[" + _CN_NUM + r"]{1,2})\s*单元\s*-?\s*\d{2,5}[A-Za-z]?"
                      r"|(?<=-)\d{3,5}[A-Za-z]?|(?<=-\s)\d{3,5}[A-Za-z]?)(?:室|号|房)?(?![0-9])")


def _own_unit(match: re.Match) -> str:
    return f"{match.group(1)}**室"


def mask_text(text: str | None, *, names: Iterable[str] = (), buildings: Iterable[str] = ()) -> str:
    """``text`` with personal data hidden; ``names`` are full names to hide (the roster),
    ``buildings`` the community's building names (to find its own unit labels)."""
    text = normalize(text or "")
    if not text:
        return ""
    text = ID_RE.sub(lambda m: mask_id_number(re.sub(r"[\s\-.]", "", m.group(0))), text)
    text = MOBILE_RE.sub(lambda m: mask_mobile(re.sub(r"\D", "", m.group(0))[-11:]), text)
    text = LANDLINE_RE.sub(lambda m: m.group(0)[:4] + "****" + re.sub(r"\D", "", m.group(0))[-2:], text)
    text = EMAIL_RE.sub(lambda m: m.group(0)[0] + "***@" + m.group(0).split("@", 1)[1], text)
    text = PLATE_RE.sub(lambda m: mask_plate(re.sub(r"[\s·•\-]", "", m.group(0)).upper()), text)
    labels = _label_re(buildings if isinstance(buildings, tuple) else tuple(buildings))
    if labels is not None:
        text = labels.sub(_own_unit, text)
    for pattern in UNIT_RES:
        text = pattern.sub(_unit, text)
    return _mask_names(text, _roster(names if isinstance(names, tuple) else tuple(names)))


@functools.lru_cache(maxsize=8)
def _roster(names: tuple[str, ...]) -> tuple[frozenset[str], tuple[int, ...]]:
    """The roster as a set, and the name lengths longest first (欧阳小明 before 欧阳); cached, as
    a board masks many texts against the same roster."""
    wanted = frozenset(n.strip() for n in names if n and len(n.strip()) >= 2)
    return wanted, tuple(sorted({len(n) for n in wanted}, reverse=True))


def _mask_names(text: str, roster: tuple[frozenset[str], tuple[int, ...]]) -> str:
    """Each roster name found in ``text`` as 张*三: set look-ups at each position (a regex
    alternation of thousands of names is far slower)."""
    wanted, lengths = roster
    if not wanted:
        return text
    out, i = [], 0
    while i < len(text):
        for length in lengths:
            piece = text[i:i + length]
            if len(piece) == length and piece in wanted:
                out.append(mask_name(piece))
                i += length
                break
        else:
            out.append(text[i])
            i += 1
    return "".join(out)


def roster_names(community) -> tuple[str, ...]:
    """The names to mask: every natural person on the community's roster (sorted, distinct)."""
    from sunlit.core.choices import PersonKind
    from sunlit.core.models import Person

    return tuple(sorted(set(Person.objects.in_community(community).filter(kind=PersonKind.NATURAL)
                            .values_list("name", flat=True))))
