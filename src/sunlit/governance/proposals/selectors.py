"""Read queries of proposals and vote notifications: the policy, owners' standing, the
interim-meeting count (like the votes count owners), the list filters and the units that have
not voted yet (上门征集)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction

from django.db.models import QuerySet
from django.utils import timezone

from sunlit.core.masking import mask_mobile
from sunlit.core.models import Community, Person
from sunlit.governance.proposals.choices import ProposalFilter, ProposalStatus
from sunlit.governance.proposals.models import GovernancePolicy, Proposal, ProposalSupport
from sunlit.governance.votes import selectors
from sunlit.governance.votes.choices import VoteScope
from sunlit.governance.votes.models import Ballot, Vote, VoteUnit, VoteVoter
from sunlit.registry.models import Ownership

#: 物业管理条例 art. 13: 20 % of the owners may ask for an interim meeting (20 % itself passes).
INTERIM_SHARE = Fraction(1, 5)


def policy_for(community: Community | int) -> GovernancePolicy:
    """The community's policy, or the defaults (unsaved) when it never set one."""
    community_id = getattr(community, "pk", community)
    found = GovernancePolicy.objects.filter(community_id=community_id).first()
    return found or GovernancePolicy(community_id=community_id)


def owner_persons(community_id: int, user, on: dt.date | None = None) -> list[Person]:
    """The persons of ``user`` in the community who hold a unit today (current ownership)."""
    if not getattr(user, "is_authenticated", False):
        return []
    on = on or timezone.localdate()
    ids = (Ownership.objects.in_community(community_id).current(on)
           .filter(person__user=user).values_list("person_id", flat=True))
    return list(Person.objects.filter(pk__in=ids).order_by("pk"))


def author_label(community_id: int, persons: list[Person], on: dt.date | None = None) -> str:
    """How the author is shown: “1号楼业主” (the building of his first unit), never the name."""
    on = on or timezone.localdate()
    building = (Ownership.objects.in_community(community_id).current(on)
                .filter(person__in=persons).order_by("unit__building__sort_key",
                                                     "unit__building__name", "pk")
                .values_list("unit__building__name", flat=True).first())
    return selectors.owner_label(building)


# --- interim owners' meeting requests ----------------------------------------------------------

class _WholeCommunity:
    """The whole community as a vote scope, for the electorate of an interim request."""

    scope = VoteScope.COMMUNITY

    def __init__(self, community_id: int):
        self.community_id = community_id


@dataclass(frozen=True)
class InterimProgress:
    """How far an interim-meeting request is — 联署进度 — on today's roster, counted like votes:
    one owner per owner key (co-owners together, one buyer's units once, the developer's
    units as one owner), areas from the roster."""

    signed_owners: int
    total_owners: int
    signed_area: Decimal
    total_area: Decimal
    counts_area: bool

    @property
    def owners_ratio(self) -> Fraction:
        return Fraction(self.signed_owners, self.total_owners) if self.total_owners else Fraction(0)

    @property
    def area_ratio(self) -> Fraction:
        return (Fraction(self.signed_area) / Fraction(self.total_area) if self.total_area
                else Fraction(0))

    @property
    def owners_met(self) -> bool:
        return self.total_owners > 0 and self.owners_ratio >= INTERIM_SHARE

    @property
    def area_met(self) -> bool:
        return self.total_area > 0 and self.area_ratio >= INTERIM_SHARE

    @property
    def reached(self) -> bool:
        return self.owners_met and (self.area_met or not self.counts_area)

    @property
    def owners_needed(self) -> int:
        """Owners still missing for 20 % (ceil(total / 5) − signed), at least 0."""
        return max(-(-self.total_owners // 5) - self.signed_owners, 0)


def signer_ids(proposal: Proposal) -> list[int]:
    return list(ProposalSupport.objects.filter(proposal=proposal, withdrawn_at__isnull=True)
                .values_list("user_id", flat=True))


def interim_progress(proposal: Proposal, on: dt.date | None = None,
                     policy: GovernancePolicy | None = None) -> InterimProgress:
    on = on or timezone.localdate()
    policy = policy or policy_for(proposal.community_id)
    rows = selectors.build_electorate(_WholeCommunity(proposal.community_id), on)
    signers = set(Person.objects.in_community(proposal.community_id)
                  .filter(user_id__in=signer_ids(proposal)).values_list("pk", flat=True))
    keys: dict[str, Decimal] = {}
    signed: set[str] = set()
    for row in rows:
        keys[row.owner_key] = keys.get(row.owner_key, Decimal(0)) + row.area
        if signers.intersection(row.voters):
            signed.add(row.owner_key)
    return InterimProgress(
        signed_owners=len(signed), total_owners=len(keys),
        signed_area=sum((keys[k] for k in signed), Decimal(0)),
        total_area=sum(keys.values(), Decimal(0)), counts_area=policy.interim_counts_area)


# --- lists ---------------------------------------------------------------------------------------

def filtered(queryset: QuerySet, which: str, now: dt.datetime) -> QuerySet:
    """One filter for the page, its partial and the API: open / awaiting / overdue / answered."""
    if which == ProposalFilter.OPEN:
        return queryset.filter(status=ProposalStatus.OPEN)
    if which == ProposalFilter.AWAITING:
        return queryset.filter(status=ProposalStatus.AWAITING)
    if which == ProposalFilter.OVERDUE:
        return queryset.overdue(now)
    if which == ProposalFilter.ANSWERED:
        return queryset.filter(status__in=[ProposalStatus.ANSWERED, ProposalStatus.CLOSED])
    return queryset.public()


def supported_by(user, proposals) -> set[int]:
    if not getattr(user, "is_authenticated", False):
        return set()
    return set(ProposalSupport.objects.filter(proposal__in=proposals, user=user,
                                              withdrawn_at__isnull=True)
               .values_list("proposal_id", flat=True))


# --- units that have not voted (上门征集) ---------------------------------------------------------

@dataclass(frozen=True)
class NotVotedRow:
    """One unit of an open vote without a counted ballot: never any choice, only who to visit."""

    unit: str
    area: Decimal
    owners: list[str]  # masked names
    phones: list[str]  # masked mobiles (the last four digits are the call hint)
    pending: int  # entered paper/proxy ballots waiting for review
    developer: bool


def not_voted(vote: Vote) -> list[NotVotedRow]:
    """The frozen electorate's units with no counted ballot, with masked owners and phones."""
    voted = set(Ballot.objects.filter(vote=vote).counted().values_list("vote_unit_id", flat=True))
    pending: dict[int, int] = {}
    for unit_id in Ballot.objects.filter(vote=vote).pending().values_list("vote_unit_id",
                                                                          flat=True):
        pending[unit_id] = pending.get(unit_id, 0) + 1
    units = [u for u in VoteUnit.objects.filter(vote=vote).order_by("pk")
             .only("pk", "unit_label", "area", "developer") if u.pk not in voted]
    people: dict[int, list[Person]] = {}
    for voter in (VoteVoter.objects.filter(vote_unit__in=[u.pk for u in units])
                  .select_related("person").order_by("person_id")):
        people.setdefault(voter.vote_unit_id, []).append(voter.person)
    rows = []
    for unit in units:
        persons = people.get(unit.pk, [])
        rows.append(NotVotedRow(
            unit=unit.unit_label, area=unit.area,
            owners=[p.masked_name for p in persons][:5],
            phones=[m for m in (mask_mobile(p.mobile) for p in persons) if m][:5],
            pending=pending.get(unit.pk, 0), developer=unit.developer))
    return rows
