"""One search for homes and the people in them — 找房找人 — used by customer service (the
caller on the phone), the counter, the roster and the fund page.

What people say or type, and what it finds:

- an address as people say it or as the system labels it: ``8号楼302``, ``8栋302``, ``8#302``,
  ``8-302``, ``8号楼2单元302``, ``8栋2单元302室``, ``1号楼-1单元-101``, ``地下车库-B1-001``;
- a name (the owner's or a resident's, or part of it): ``王小明``, ``王``;
- a full mobile number (matched through its blind index, never decrypted);
- the last four digits of a mobile (what a caller reads from the masked form 138****1234),
  which also match a room number ``1234``;
- anything else: part of a room number or a building's name.
"""

from __future__ import annotations

import re

from django.db.models import Q, QuerySet
from django.utils import timezone

from sunlit.core import crypto
from sunlit.core.validators import MOBILE_RE, normalize_mobile

_ADDRESS = re.compile(
    r"^(?P<building>[^\s\-#]+?)(?:号楼|号|栋|幢|#|-|\s)+"
    r"(?:(?P<entrance>\d+)(?:单元|-|\s)+)?"
    r"(?P<number>[A-Za-z]?\d+[A-Za-z]?(?:-\d+)?)(?:室|号)?$")
_LABEL_SEPARATORS = re.compile(r"[\s，,、]+")


def _building_names(word: str) -> Q:
    if word.isdigit():
        return Q(building__name__in=[f"{word}号楼", f"{word}栋", f"{word}幢", f"{word}号", word])
    return Q(building__name=word) | Q(building__name__startswith=word)


def address_condition(text: str) -> Q | None:
    """The units an address names, or ``None`` when ``text`` is not an address."""
    compact = _LABEL_SEPARATORS.sub("", text.strip())
    found = _ADDRESS.match(compact)
    if found is None:
        return None
    condition = _building_names(found["building"]) & Q(number__iexact=found["number"])
    if found["entrance"]:
        condition &= Q(entrance=found["entrance"])
    return condition


def _current_people(**lookup) -> Q:
    """A current owner or a resident living there now, matching ``lookup`` on the person."""
    today = timezone.localdate()
    owner = Q(**{f"ownerships__person__{k}": v for k, v in lookup.items()}) & (
        Q(ownerships__end__isnull=True) | Q(ownerships__end__gt=today))
    resident = Q(**{f"residencies__person__{k}": v for k, v in lookup.items()}) & Q(
        residencies__moved_out__isnull=True)
    return owner | resident


def find_units(units: QuerySet, text: str) -> QuerySet:
    """``units`` narrowed to those ``text`` names (see the module's list); distinct."""
    text = (text or "").strip()
    if not text:
        return units
    address = address_condition(text)
    if address is not None:
        return units.filter(address).distinct()
    digits = normalize_mobile(text)
    if MOBILE_RE.match(digits):
        index = crypto.blind_index(digits, purpose="mobile")
        return units.filter(_current_people(mobile_index=index)).distinct()
    condition = (Q(number__icontains=text) | Q(building__name__icontains=text)
                 | _current_people(name__icontains=text))
    if re.fullmatch(r"\d{4}", text):
        condition |= _current_people(mobile_tail=text)
    return units.filter(condition).distinct()


def find_people(people: QuerySet, text: str) -> QuerySet:
    """``people`` narrowed to those ``text`` names: by name, mobile, its last four digits, or
    the address of a home they own or live in now."""
    from sunlit.registry.models import Ownership, Residency, Unit

    text = (text or "").strip()
    if not text:
        return people
    digits = normalize_mobile(text)
    if MOBILE_RE.match(digits):
        return people.filter(mobile_index=crypto.blind_index(digits, purpose="mobile"))
    address = address_condition(text)
    if address is not None:
        units = Unit.objects.filter(address).values("pk")
        return people.filter(Q(pk__in=Ownership.objects.current().filter(unit__in=units)
                               .values("person_id"))
                             | Q(pk__in=Residency.objects.current().filter(unit__in=units)
                                 .values("person_id")))
    condition = Q(name__icontains=text)
    if re.fullmatch(r"\d{4}", text):
        condition |= Q(mobile_tail=text)
    return people.filter(condition)
