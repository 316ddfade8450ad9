"""The tally of a vote under Civil Code art. 278 — exact, pure, no database.

Inputs are the frozen electorate (one ``Elector`` per exclusive part: its area and the key of
the owner it counts for) and the counted ballots (one choice per unit). Every ratio is a
``fractions.Fraction`` of ``Decimal`` areas and integer counts; nothing is ever a float.

The rules (docs/governance.md explains the choices made where the law is silent):

* participation — owners holding at least 2/3 of the exclusive area **and** at least 2/3 of
  the owners take part (art. 278 para. 2; a ballot of 弃权 is taking part);
* approval — for items 6–8 (raising the fund, rebuilding, changing the use of common parts):
  at least 3/4 of the participating area **and** at least 3/4 of the participating owners
  agree; for every other matter more than 1/2 of each;
* counting (SPC interpretation on building distinct ownership, arts. 8–9) — area per unit;
  one owner per key: all the units the developer has not sold or not delivered share one key,
  and so do all the units of one buyer (his area is their sum);
* an owner with several units is one participant if any of his units has a ballot; in the
  count of owners he agrees (or disagrees, or abstains) only if all his ballots say so; an
  owner whose ballots differ is a participant who does not agree (``mixed``). Each unit's
  area always follows its own ballot.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Hashable, Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction

YES, NO, ABSTAIN = "yes", "no", "abstain"
CHOICES = frozenset({YES, NO, ABSTAIN})
MIXED = "mixed"

PARTICIPATION = Fraction(2, 3)
SPECIAL_APPROVAL = Fraction(3, 4)
ORDINARY_APPROVAL = Fraction(1, 2)


@dataclass(frozen=True)
class Elector:
    """One exclusive part of the frozen electorate."""

    unit: Hashable
    area: Decimal
    owner: Hashable


@dataclass(frozen=True)
class CastBallot:
    """A valid ballot, for choosing the one that counts per unit (``latest_per_unit``)."""

    unit: Hashable
    choice: str
    cast_at: dt.datetime
    seq: int  # ties of cast_at: the later entry wins


@dataclass(frozen=True)
class Threshold:
    """One test: ``value`` against ``limit``, met when ≥ (``strict``: >)."""

    name: str
    value: Fraction
    limit: Fraction
    strict: bool

    @property
    def met(self) -> bool:
        return self.value > self.limit if self.strict else self.value >= self.limit


@dataclass(frozen=True)
class Tally:
    """The exact figures of a vote and why it passed or failed."""

    special: bool
    total_area: Decimal
    total_owners: int
    participating_area: Decimal
    participating_owners: int
    area: dict[str, Decimal]  # choice → area
    owners: dict[str, int]  # choice or "mixed" → owners
    ballots: int
    thresholds: tuple[Threshold, ...] = field(default=())

    @property
    def participation(self) -> tuple[Threshold, Threshold]:
        return self.thresholds[0], self.thresholds[1]

    @property
    def approval(self) -> tuple[Threshold, Threshold]:
        return self.thresholds[2], self.thresholds[3]

    @property
    def participation_met(self) -> bool:
        return all(t.met for t in self.participation)

    @property
    def approval_met(self) -> bool:
        return all(t.met for t in self.approval)

    @property
    def passed(self) -> bool:
        return self.participation_met and self.approval_met

    @property
    def yes_area(self) -> Decimal:
        return self.area[YES]

    @property
    def yes_owners(self) -> int:
        return self.owners[YES]

    def failed(self) -> list[Threshold]:
        """The thresholds not met (empty when the vote passed)."""
        return [t for t in self.thresholds if not t.met]


def ratio(part, whole) -> Fraction:
    return Fraction(0) if not whole else Fraction(part) / Fraction(whole)


def approval_limit(special: bool) -> tuple[Fraction, bool]:
    """(limit, strict) of the approval rule: 3/4 inclusive, or more than 1/2."""
    return (SPECIAL_APPROVAL, False) if special else (ORDINARY_APPROVAL, True)


def tally(electorate: Iterable[Elector], ballots: Mapping[Hashable, str], *,
          special: bool) -> Tally:
    """Counts ``ballots`` (unit → choice, the counted ballot of each unit) over ``electorate``.

    Raises ValueError for a ballot of a unit outside the electorate, an unknown choice, two
    electors for one unit, or an area that is not a positive ``Decimal``.
    """
    units: dict[Hashable, Elector] = {}
    for elector in electorate:
        if elector.unit in units:
            raise ValueError(f"unit {elector.unit!r} is twice in the electorate")
        if not isinstance(elector.area, Decimal | int) or isinstance(elector.area, bool) \
                or not elector.area > 0:
            raise ValueError(f"unit {elector.unit!r}: area must be a positive Decimal")
        units[elector.unit] = elector
    total_area = sum((e.area for e in units.values()), Decimal(0))
    total_owners = len({e.owner for e in units.values()})

    area = {YES: Decimal(0), NO: Decimal(0), ABSTAIN: Decimal(0)}
    owner_choices: dict[Hashable, set[str]] = {}
    for unit, choice in ballots.items():
        if unit not in units:
            raise ValueError(f"ballot for unit {unit!r} outside the electorate")
        if choice not in CHOICES:
            raise ValueError(f"unknown choice {choice!r}")
        elector = units[unit]
        area[choice] += elector.area
        owner_choices.setdefault(elector.owner, set()).add(choice)
    owners = {YES: 0, NO: 0, ABSTAIN: 0, MIXED: 0}
    for chosen in owner_choices.values():
        owners[next(iter(chosen)) if len(chosen) == 1 else MIXED] += 1

    participating_area = area[YES] + area[NO] + area[ABSTAIN]
    return from_figures(special=special, total_area=total_area, total_owners=total_owners,
                        participating_area=participating_area,
                        participating_owners=len(owner_choices), area=area, owners=owners,
                        ballots=len(ballots))


def from_figures(*, special: bool, total_area: Decimal, total_owners: int,
                 participating_area: Decimal, participating_owners: int,
                 area: dict[str, Decimal], owners: dict[str, int], ballots: int) -> Tally:
    """The tally of figures already counted (a stored result): the thresholds, again exact."""
    limit, strict = approval_limit(special)
    thresholds = (
        Threshold("participation_area", ratio(participating_area, total_area), PARTICIPATION,
                  False),
        Threshold("participation_owners", ratio(participating_owners, total_owners),
                  PARTICIPATION, False),
        Threshold("approval_area", ratio(area[YES], participating_area), limit, strict),
        Threshold("approval_owners", ratio(owners[YES], participating_owners), limit, strict),
    )
    return Tally(special=special, total_area=total_area, total_owners=total_owners,
                 participating_area=participating_area,
                 participating_owners=participating_owners, area=dict(area), owners=dict(owners),
                 ballots=ballots, thresholds=thresholds)


def latest_per_unit(ballots: Iterable[CastBallot]) -> dict[Hashable, str]:
    """unit → choice of the ballot cast last (by time, then entry order): the one that counts."""
    latest: dict[Hashable, CastBallot] = {}
    for ballot in ballots:
        held = latest.get(ballot.unit)
        if held is None or (ballot.cast_at, ballot.seq) > (held.cast_at, held.seq):
            latest[ballot.unit] = ballot
    return {unit: b.choice for unit, b in latest.items()}


def retally(electorate_doc: Mapping, ballots_doc: Mapping, *, special: bool) -> Tally:
    """Counts again from the two published documents alone (what any owner can do).

    ``electorate_doc["units"]`` is ``[{"unit", "area", "owner"}]`` and ``ballots_doc
    ["ballots"]`` is ``[{"unit", "choice", ...}]`` (the counted ballots), as served by
    ``/governance/votes/<id>/electorate.json`` and ``/ballots.json``.
    """
    electorate = [Elector(row["unit"], Decimal(row["area"]), row["owner"])
                  for row in electorate_doc["units"]]
    counted: dict[Hashable, str] = {}
    for row in ballots_doc["ballots"]:
        if row["unit"] in counted:
            raise ValueError(f"two counted ballots for unit {row['unit']!r}")
        counted[row["unit"]] = row["choice"]
    return tally(electorate, counted, special=special)
