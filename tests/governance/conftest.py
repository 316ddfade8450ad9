"""Fixtures of the vote tests: a small estate with every kind of owner, and votes in any state.

The estate of 明强小区 (all units 100 m² unless said):

=========  ===============================  =============================
unit       owner(s)                          counts as
=========  ===============================  =============================
1-101      王小明 (``owner``), 89.50 m²       one owner
1-102      邻居老周 (``neighbour``)           one owner
1-201      co-owners 甲 and 乙 (50 % each)    one owner (the pair)
1-301/302  多套业主 (``multi``), 2 units      one owner, 200 m²
2-101      业主丙 (``other_building``)        one owner (building 2)
1-401      developer, unsold                 ┐ one owner: the developer
1-402      sold, not delivered                ┘
1-501      nobody registered                 one owner who cannot vote
=========  ===============================  =============================

9 units, 7 owners, 889.50 m² in all.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from types import SimpleNamespace

import pytest

from sunlit.core.choices import PersonKind, Role
from sunlit.core.models import Membership, Upload
from sunlit.governance.votes import services
from sunlit.governance.votes.choices import MatterKind
from sunlit.registry.choices import DeliveryStatus
from tests.factories import BuildingFactory, OwnershipFactory, PersonFactory, UnitFactory, UserFactory

SHANGHAI = dt.timezone(dt.timedelta(hours=8))
# Monday 2026-03-02 10:00 in Shanghai: the committee drafts and announces.
T0 = dt.datetime(2026, 3, 2, 10, 0, tzinfo=SHANGHAI)
OPENS = T0 + dt.timedelta(days=15)
CLOSES = OPENS + dt.timedelta(days=7)
DURING = OPENS + dt.timedelta(days=1)


def owner_of(community, unit, name, *, username=None, share="1", kind=PersonKind.NATURAL,
             account=True):
    user = None
    if account:
        user = UserFactory(username=username or f"u-{name}", display_name=name)
        Membership.objects.create(user=user, community=community, role=Role.OWNER)
    person = PersonFactory(community=community, name=name, user=user, kind=kind)
    OwnershipFactory(unit=unit, person=person, share=Decimal(share))
    return user


@pytest.fixture
def estate(community, owner, owner_unit):
    building = owner_unit.building

    def unit(number, *, area="100", building=building, **fields):
        return UnitFactory(building=building, number=number, area=Decimal(area), **fields)

    owner_unit.area = Decimal("89.50")
    owner_unit.save(update_fields=["area"])
    units = SimpleNamespace(u101=owner_unit, u102=unit("102"), u201=unit("201"),
                            u301=unit("301"), u302=unit("302"),
                            b2_101=unit("101", building=BuildingFactory(community=community,
                                                                         name="2号楼")),
                            u401=unit("401", delivery_status=DeliveryStatus.UNSOLD),
                            u402=unit("402", delivery_status=DeliveryStatus.SOLD_UNDELIVERED),
                            u501=unit("501"))
    people = SimpleNamespace(owner=owner)
    people.neighbour = owner_of(community, units.u102, "邻居老周", username="neighbour")
    people.co1 = owner_of(community, units.u201, "共有人甲", username="co1", share="0.5")
    people.co2 = owner_of(community, units.u201, "共有人乙", username="co2", share="0.5")
    people.multi = owner_of(community, units.u301, "多套业主", username="multi")
    multi_person = people.multi.persons.get()
    OwnershipFactory(unit=units.u302, person=multi_person)
    people.other_building = owner_of(community, units.b2_101, "业主丙", username="b2owner")
    people.developer = owner_of(community, units.u401, "某某置业有限公司", username="developer",
                                kind=PersonKind.DEVELOPER)
    # 402 was sold to a buyer, but is not delivered yet: it still counts with the developer
    people.buyer = owner_of(community, units.u402, "未交房买受人", username="buyer")
    return SimpleNamespace(units=units, people=people, building=building)


@pytest.fixture
def draft(community, committee, estate):
    def make(**overrides):
        args = {"actor": committee, "title": "续聘阳光物业服务有限公司",
                "description": "物业服务合同到期，拟续聘三年，服务标准与收费不变。",
                "matter": MatterKind.MANAGER, "opens_at": OPENS, "closes_at": CLOSES}
        args.update(overrides)
        return services.create_vote(community, **args)

    return make


@pytest.fixture
def open_vote(draft, committee):
    """open_vote(**draft overrides): a vote announced at T0 and opened at OPENS."""

    def make(**overrides):
        vote = draft(**overrides)
        services.announce_vote(vote, actor=committee, now=T0)
        return services.open_vote(vote, actor=committee, now=OPENS)

    return make


@pytest.fixture
def upload(community):
    counter = iter(range(1, 10_000))

    def make(target=None, by=None):
        """An image stored in ``target`` (default: the community) by ``by`` (who alone may
        attach it, see ``core.uploads.attach_errors``)."""
        n = next(counter)
        return Upload.objects.create(community=target or community, storage_key=f"test/{n}.jpg",
                                     content_type="image/jpeg", size=1000, uploaded_by=by,
                                     sha256=f"{n:064x}", original_name=f"ballot{n}.jpg")

    return make


# --- meetings (议事会) and public comment (公示/征求意见): fixtures in their own module ------------
from tests.governance.meeting_fixtures import (  # noqa: E402, F401
    consultation,
    held_meeting,
    make_ticket,
    meeting_draft,
)
