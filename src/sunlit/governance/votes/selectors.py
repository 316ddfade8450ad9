"""Read queries on votes used by more than one caller: electorate, documents, tallies."""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass, field
from decimal import Decimal

from sunlit.core.choices import PersonKind
from sunlit.core.models import Person
from sunlit.governance.votes import tally
from sunlit.governance.votes.choices import VoteScope
from sunlit.governance.votes.models import Ballot, Result, Vote, VoteUnit, VoteVoter
from sunlit.registry.choices import DeliveryStatus
from sunlit.registry.models import Ownership, Unit
from sunlit.transparency.entry import canonical

DEVELOPER_KEY = "developer"


def owner_label(building_name: str | None) -> str:
    """How an owner is shown in public instead of his name: “3号楼业主” (or “业主”)."""
    return f"{building_name}业主" if building_name else "业主"


def sha256_of(document: dict) -> str:
    """SHA-256 (hex) of a document's RFC 8785 canonical JSON: what the log commits to."""
    return hashlib.sha256(canonical(document)).hexdigest()


def area_text(value) -> str:
    return f"{Decimal(value).quantize(Decimal('0.01'))}"


# --- the electorate ------------------------------------------------------------------------------

def scope_units(vote: Vote):
    """The units a vote is about (live roster; frozen into VoteUnit when it opens)."""
    units = Unit.objects.in_community(vote.community_id)
    if vote.scope == VoteScope.BUILDINGS:
        units = units.filter(building__in=vote.scope_buildings.all())
    elif vote.scope == VoteScope.UNITS:
        units = units.filter(pk__in=vote.scope_units.all())
    return units


@dataclass
class ElectorRow:
    """One unit of an electorate being frozen."""

    unit_id: int
    label: str
    area: Decimal
    owner_key: str
    developer: bool
    voters: list[int] = field(default_factory=list)  # Person ids


def build_electorate(vote: Vote, on: dt.date) -> list[ElectorRow]:
    """The electorate of ``vote`` from the roster as of ``on`` (SPC interpretation arts. 8–9).

    * area: the unit's registered exclusive area (``Unit.area``; the roster keeps one area per
      unit, see docs/governance.md);
    * the units the developer has not sold or not delivered (delivery status other than
      delivered, or every current owner a developer) are one owner, ``developer``, and the
      community's developer persons vote for them;
    * every other unit counts for the set of its current owners (co-owners together), so one
      buyer's several units are one owner; persons are matched by ID number where known;
    * a unit with no registered owner still counts as one owner (nobody can vote for it until
      the roster is completed): the law counts exclusive parts, not accounts.
    """
    units = list(scope_units(vote).select_related("building")
                 .order_by("building__sort_key", "building__name", "entrance", "floor",
                           "number", "pk")
                 .values_list("pk", "building__name", "entrance", "number", "area",
                              "delivery_status"))
    owners: dict[int, list[tuple[int, str, str]]] = {}
    rows = (Ownership.objects.in_community(vote.community_id).current(on)
            .filter(unit__in=scope_units(vote))
            .values_list("unit_id", "person_id", "person__kind", "person__id_index"))
    for unit_id, person_id, kind, id_index in rows:
        owners.setdefault(unit_id, []).append((person_id, kind, id_index))
    developers = list(Person.objects.in_community(vote.community_id)
                      .filter(kind=PersonKind.DEVELOPER).order_by("pk")
                      .values_list("pk", flat=True))
    electorate = []
    for unit_id, building, entrance, number, area, delivery in units:
        label = "-".join([building, *([f"{entrance}单元"] if entrance else []), number])
        held = owners.get(unit_id, [])
        developer = delivery != DeliveryStatus.DELIVERED or (
            bool(held) and all(kind == PersonKind.DEVELOPER for _p, kind, _i in held))
        if developer:
            electorate.append(ElectorRow(unit_id, label, area, DEVELOPER_KEY, True,
                                         list(developers)))
        elif held:
            people = sorted({id_index or f"p{person_id}" for person_id, _k, id_index in held})
            key = "o:" + hashlib.sha256("|".join(people).encode()).hexdigest()[:40]
            electorate.append(ElectorRow(unit_id, label, area, key, False,
                                         sorted({p for p, _k, _i in held})))
        else:
            electorate.append(ElectorRow(unit_id, label, area, f"u:{unit_id}", False, []))
    return electorate


def electorate_document(vote: Vote) -> dict:
    """The frozen electorate as published: unit, area and owner pseudonym of every unit."""
    rows = VoteUnit.objects.filter(vote=vote).order_by("pk").values_list(
        "unit_label", "area", "owner_ref")
    return {"vote": vote.pk, "community": vote.community.code,
            "units": [{"unit": label, "area": area_text(area), "owner": ref}
                      for label, area, ref in rows]}


def electors(vote: Vote) -> list[tally.Elector]:
    return [tally.Elector(pk, area, key) for pk, area, key in
            VoteUnit.objects.filter(vote=vote).values_list("pk", "area", "owner_key")]


def counted_choices(vote: Vote) -> dict[int, str]:
    """vote_unit id → choice of the counted ballot of each unit."""
    return dict(Ballot.objects.filter(vote=vote).counted().values_list("vote_unit_id", "choice"))


def current_tally(vote: Vote) -> tally.Tally:
    """The count over the frozen electorate and the counted ballots (staff, after the close)."""
    return tally.tally(electors(vote), counted_choices(vote), special=vote.is_special)


@dataclass(frozen=True)
class Participation:
    """Live participation — 参与率: shown while the vote is open; never the choices."""

    total_area: Decimal
    total_owners: int
    area: Decimal
    owners: int
    ballots: int
    area_ratio: object
    owners_ratio: object


def participation(vote: Vote) -> Participation | None:
    if not vote.electorate_sha256:
        return None
    units = dict(VoteUnit.objects.filter(vote=vote).values_list("pk", "area"))
    owner_of = dict(VoteUnit.objects.filter(vote=vote).values_list("pk", "owner_key"))
    voted = list(Ballot.objects.filter(vote=vote).counted().values_list("vote_unit_id",
                                                                        flat=True))
    total_area = sum(units.values(), Decimal(0))
    area = sum((units[u] for u in voted), Decimal(0))
    owners_total = len(set(owner_of.values()))
    owners = len({owner_of[u] for u in voted})
    return Participation(total_area, owners_total, area, owners, len(voted),
                         tally.ratio(area, total_area), tally.ratio(owners, owners_total))


# --- ballots -------------------------------------------------------------------------------------

def ballots_document(vote: Vote) -> dict:
    """The ballot list published with the result: every counted ballot with its unit, area,
    owner pseudonym, choice and commitment; the superseded ones by reference only."""
    # values(): no model instances, and the encrypted nonce is never read (nor decrypted)
    ballots = list(Ballot.objects.filter(vote=vote, status="valid")
                   .order_by("vote_unit_id", "cast_at", "pk")
                   .values_list("pk", "ref", "is_current", "superseded_by_id", "choice",
                                "channel", "commitment", "leaf_index", "vote_unit__unit_label",
                                "vote_unit__area", "vote_unit__owner_ref"))
    refs = {row[0]: row[1] for row in ballots}
    counted, superseded = [], []
    for (_pk, ref, current, superseded_by, choice, channel, commitment, leaf, label, area,
         owner) in ballots:
        if current:
            counted.append({"ballot": ref, "unit": label, "area": area_text(area),
                            "owner": owner, "choice": choice, "channel": channel,
                            "commitment": commitment, "leaf": leaf})
        else:
            superseded.append({"ballot": ref, "unit": label, "commitment": commitment,
                               "leaf": leaf, "superseded_by": refs.get(superseded_by)})
    return {"vote": vote.pk, "community": vote.community.code,
            "electorate_sha256": vote.electorate_sha256, "ballots": counted,
            "superseded": superseded}


def my_units(vote: Vote, user) -> list[tuple[VoteUnit, Ballot | None, list[Ballot]]]:
    """The units ``user`` may vote for, each with its counted ballot and the entered ballots not
    decided yet (waiting for the committee's review, or held for the owner's decision)."""
    if not getattr(user, "is_authenticated", False):
        return []
    unit_ids = (VoteVoter.objects.filter(vote=vote, person__user=user)
                .values_list("vote_unit_id", flat=True))
    units = list(VoteUnit.objects.filter(pk__in=unit_ids).order_by("pk"))
    ballots: dict[int, list[Ballot]] = {}
    for b in Ballot.objects.filter(vote_unit__in=units).order_by("-cast_at", "-pk"):
        ballots.setdefault(b.vote_unit_id, []).append(b)
    out = []
    for unit in units:
        held = ballots.get(unit.pk, [])
        current = next((b for b in held if b.is_current), None)
        out.append((unit, current, [b for b in held if b.needs_confirmation or b.awaits_owner]))
    return out


def result_tally(result: Result) -> tally.Tally:
    """The thresholds of a stored result, exact again."""
    return tally.from_figures(
        special=result.special, total_area=result.total_area, total_owners=result.total_owners,
        participating_area=result.participating_area,
        participating_owners=result.participating_owners,
        area={tally.YES: result.yes_area, tally.NO: result.no_area,
              tally.ABSTAIN: result.abstain_area},
        owners={tally.YES: result.yes_owners, tally.NO: result.no_owners,
                tally.ABSTAIN: result.abstain_owners, tally.MIXED: result.mixed_owners},
        ballots=result.ballots)
