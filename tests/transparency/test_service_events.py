"""The services put their material facts on the log, in their own transaction (rule 2).

Each service leaves exactly its leaf — the expected type, subject and public fields — and none
when it refuses; the public part of a leaf is unit-level only (owners only as commitments).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from sunlit.core.models import AuditEvent, Community, Person
from sunlit.core.services import create_community
from sunlit.demo import load_demo
from sunlit.registry import services
from sunlit.registry.models import Ownership, Unit
from sunlit.registry.services import RosterImportError
from sunlit.transparency import entry, events
from sunlit.transparency.logaudit import audit_log
from sunlit.transparency.models import Checkpoint, LeafSalt, Log, LogLeaf
from tests.factories import BuildingFactory, OwnershipFactory, PersonFactory, UnitFactory, VehicleFactory
from tests.registry.test_import import ID_A, ID_B, ID_C, sample_file, unit_row, xlsx

# The public fields each event type may carry: unit-level facts, never a person.
PUBLIC_FIELDS = {
    "community.created": {"name", "code", "organization", "city", "district", "address"},
    "roster.unit.registered": {"unit", "building", "floor", "area", "usage", "delivery_status",
                               "delivered_on"},
    "roster.unit.changed": {"unit", "building", "floor", "area", "usage", "delivery_status",
                            "delivered_on", "changes"},
    "roster.ownership.registered": {"unit", "share", "start"},
    "roster.ownership.changed": {"unit", "share", "changes"},
    "roster.ownership.ended": {"unit", "end"},
    "roster.import.committed": {"sha256", "size", "rows", "counts"},
}
# the demo's tickets and votes: whatever their registered public fields are, no reporter or
# voter data may be in them
PUBLIC_FIELDS.update({name: set(event.public) for name, event in events.REGISTRY.items()
                      if name.startswith(("tickets.", "governance.", "finance.", "board.", "notices.",
                                          "community.staff.", "log.witness."))})


def leaves(community, **filters) -> list[LogLeaf]:
    return list(LogLeaf.objects.filter(community=community, **filters).order_by("index"))


def log_size(community) -> int:
    log = Log.objects.filter(community=community).first()
    return log.size if log else 0


def assert_no_personal_data(leaves_: list[LogLeaf], persons) -> None:
    """No name, masked name, mobile or ID number of ``persons`` in any public field."""
    public = "\n".join(json.dumps(leaf.event["public"], ensure_ascii=False) for leaf in leaves_)
    for leaf in leaves_:
        assert set(leaf.event["public"]) <= PUBLIC_FIELDS[leaf.event_type], leaf.data
    for person in persons:
        for value in (person.name, person.masked_name, person.mobile, person.id_number):
            if value:
                assert value not in public, f"{value!r} is in a public field of the log"


@pytest.fixture
def building(community):
    return BuildingFactory(community=community, name="3号楼")


@pytest.fixture
def flat(building):
    return UnitFactory(building=building, entrance="2", number="501", floor=5,
                       area=Decimal("96.40"), delivered_on=dt.date(2008, 6, 30))


# --- community ------------------------------------------------------------------------------


def test_creating_a_community_opens_its_log_with_the_first_leaf(organization):
    community = create_community(organization, name="远景花园", code="yuanjing", city="上海",
                                 district="浦东新区", address="远景路 1200 弄")

    (leaf,) = leaves(community)
    assert leaf.index == 0 and leaf.event_type == "community.created"
    assert leaf.event["subject"] == {"type": "core.community", "id": str(community.pk)}
    assert leaf.event["public"] == {
        "name": "远景花园", "code": "yuanjing", "organization": "阳光物业服务有限公司",
        "city": "上海", "district": "浦东新区", "address": "远景路 1200 弄"}
    assert leaf.event["community"] == "yuanjing"


def test_a_community_that_cannot_be_created_leaves_no_log(organization, community):
    with pytest.raises(IntegrityError), transaction.atomic():  # the code is taken
        create_community(organization, name="又一个明强", code="mingqiang")
    assert not Log.objects.exists() and not LogLeaf.objects.exists()


# --- units ----------------------------------------------------------------------------------


def test_registering_a_unit_records_its_unit_level_facts(community, building, manager):
    unit = services.create_unit(building, actor=manager, number="502", floor=5, area="96.4",
                                entrance="2", delivered_on=dt.date(2008, 6, 30))

    (leaf,) = leaves(community)
    assert leaf.event_type == "roster.unit.registered"
    assert leaf.event["subject"] == {"type": "registry.unit", "id": str(unit.pk)}
    assert leaf.event["public"] == {
        "unit": "3号楼-2单元-502", "building": "3号楼", "floor": 5, "area": "96.40",
        "usage": "residential", "delivery_status": "delivered", "delivered_on": "2008-06-30"}
    assert leaf.event["commitments"] == {}


@pytest.mark.parametrize("bad", [{"area": "-1"}, {"area": "96.405"}, {"floor": 999},
                                 {"usage": "castle"}, {"number": "501"}])
def test_a_refused_unit_leaves_no_leaf(community, building, flat, manager, bad):
    fields = {"number": "502", "floor": 5, "area": "96.40", "entrance": "2", **bad}
    with pytest.raises(ValidationError):
        services.create_unit(building, actor=manager, **fields)
    assert leaves(community) == [] and log_size(community) == 0


def test_a_unit_change_records_the_new_facts_and_what_changed(community, flat, manager):
    services.update_unit(flat, actor=manager, area="98.10",
                         delivery_status="sold_undelivered", delivered_on=None)

    (leaf,) = leaves(community)
    assert leaf.event_type == "roster.unit.changed"
    assert leaf.event["subject"] == {"type": "registry.unit", "id": str(flat.pk)}
    assert leaf.event["public"] == {
        "unit": "3号楼-2单元-501", "building": "3号楼", "floor": 5, "area": "98.10",
        "usage": "residential", "delivery_status": "sold_undelivered",
        "changes": {"area": ["96.40", "98.10"],
                    "delivery_status": ["delivered", "sold_undelivered"],
                    "delivered_on": ["2008-06-30", None]}}


def test_a_unit_edit_that_changes_nothing_or_is_refused_leaves_no_leaf(community, flat, manager,
                                                                       technician):
    services.update_unit(flat, actor=manager, area="96.40", usage="residential")
    with pytest.raises(ValidationError):
        services.update_unit(flat, actor=manager, area="0")
    with pytest.raises(Exception, match="权限"):
        services.update_unit(flat, actor=technician, area="120.00")
    assert leaves(community) == [] and log_size(community) == 0


def test_the_leaf_is_written_in_the_services_own_transaction(community, building, manager):
    with pytest.raises(RuntimeError), transaction.atomic():
        services.create_unit(building, actor=manager, number="502", floor=5, area="90")
        assert len(leaves(community)) == 1  # there, before the caller commits
        raise RuntimeError("the caller fails after the service")
    assert leaves(community) == [] and log_size(community) == 0
    assert not Unit.objects.filter(number="502").exists()


def test_a_failed_append_rolls_the_business_change_back(community, building, flat, manager):
    services.update_unit(flat, actor=manager, area="97.00")
    Log.objects.filter(community=community).update(frontier=b"broken")  # a damaged log head

    with pytest.raises(ValueError, match="frontier"):
        services.create_unit(building, actor=manager, number="502", floor=5, area="90")
    assert not Unit.objects.filter(number="502").exists()
    assert len(leaves(community)) == 1


# --- ownership ------------------------------------------------------------------------------


def test_registering_an_owner_commits_to_who_he_is_without_showing_it(community, flat, manager):
    person = PersonFactory(community=community, name="周建国", mobile="13912345678",
                           id_number=ID_A)

    ownership = services.register_ownership(flat, person, actor=manager, share="0.5",
                                            start=dt.date(2020, 3, 1))

    (leaf,) = leaves(community)
    assert leaf.event_type == "roster.ownership.registered"
    assert leaf.event["subject"] == {"type": "registry.ownership", "id": str(ownership.pk)}
    assert leaf.event["public"] == {"unit": "3号楼-2单元-501", "share": "0.5000",
                                    "start": "2020-03-01"}
    assert set(leaf.event["commitments"]) == {"owner_name", "owner_id_number"}
    for field, value in (("owner_name", "周建国"), ("owner_id_number", ID_A)):
        opening = LeafSalt.objects.get(leaf=leaf, field=field)
        assert entry.opens(leaf.event["commitments"][field], bytes(opening.salt), value)
    assert_no_personal_data([leaf], [person])
    assert "周" not in leaf.data and "13912345678" not in leaf.data


def test_an_owner_without_id_number_is_committed_by_name_only(community, flat, manager):
    company = PersonFactory(community=community, kind="organization", name="上海好邻居投资管理有限公司",
                            id_number="", mobile="")
    services.register_ownership(flat, company, actor=manager)
    (leaf,) = leaves(community)
    assert set(leaf.event["commitments"]) == {"owner_name"}
    assert leaf.event["public"]["share"] == "1.0000"


def test_a_refused_ownership_leaves_no_leaf(community, other_community, flat, manager):
    OwnershipFactory(unit=flat, share=Decimal("0.6"))
    with pytest.raises(ValidationError):
        services.register_ownership(flat, PersonFactory(community=community), actor=manager,
                                    share="0.5")
    with pytest.raises(ValidationError):
        services.register_ownership(flat, PersonFactory(community=other_community),
                                    actor=manager, share="0.1")
    assert leaves(community) == [] and log_size(community) == 0


def test_ending_an_ownership_records_the_day(community, flat, manager):
    ownership = OwnershipFactory(unit=flat, start=dt.date(2015, 5, 1))

    services.end_ownership(ownership, actor=manager, end=dt.date(2024, 9, 30))

    (leaf,) = leaves(community)
    assert leaf.event_type == "roster.ownership.ended"
    assert leaf.event["subject"] == {"type": "registry.ownership", "id": str(ownership.pk)}
    assert leaf.event["public"] == {"unit": "3号楼-2单元-501", "end": "2024-09-30"}
    assert leaf.event["commitments"] == {}


def test_an_end_before_the_start_leaves_no_leaf(community, flat, manager):
    ownership = OwnershipFactory(unit=flat, start=dt.date(2015, 5, 1))
    with pytest.raises(ValidationError):
        services.end_ownership(ownership, actor=manager, end=dt.date(2015, 5, 1))
    assert leaves(community) == []


# --- roster import --------------------------------------------------------------------------


def _import(community, manager, data: bytes, name: str = "roster.xlsx"):
    staged = services.stage_roster_import(community, actor=manager, filename=name, data=data)
    assert not staged.errors, staged.errors
    return services.commit_roster_import(staged, actor=manager)


def test_an_import_records_each_unit_and_title_and_one_summary(community, manager):
    data = sample_file()
    committed = _import(community, manager, data, name="张三家的档案.xlsx")

    recorded = leaves(community)
    by_type = {}
    for leaf in recorded:
        by_type.setdefault(leaf.event_type, []).append(leaf)
    assert len(by_type["roster.unit.registered"]) == Unit.objects.in_community(community).count() == 3
    assert len(by_type["roster.ownership.registered"]) == \
        Ownership.objects.in_community(community).count() == 3  # the unsold shop has none
    summary = recorded[-1]  # the import itself comes last, in the same append
    assert summary.event_type == "roster.import.committed"
    assert summary.event["subject"] == {"type": "registry.rosterimport", "id": str(committed.pk)}
    assert summary.event["public"] == {
        "sha256": hashlib.sha256(data).hexdigest(), "size": len(data),
        "rows": {"房屋与业主": 4, "住户": 1, "车辆": 2},
        "counts": {
            "buildings": {"new": 2, "updated": 0},
            "units": {"new": 3, "updated": 0, "unchanged": 0},
            "persons": {"new": 4, "updated": 0, "unchanged": 0},
            "ownerships": {"new": 3, "updated": 0, "unchanged": 0},
            "residents": {"new": 1, "updated": 0, "unchanged": 0},
            "vehicles": {"new": 2, "updated": 0, "unchanged": 0},
        }}
    assert "张三" not in summary.data  # not even in the file name
    # the import's own summary agrees (it was once counted after writing: 0 new persons)
    assert committed.summary["persons"] == summary.event["public"]["counts"]["persons"]
    assert AuditEvent.objects.get(action=AuditEvent.Action.IMPORT).changes["written"][
        "persons"] == 4
    shop = next(leaf for leaf in by_type["roster.unit.registered"]
                if leaf.event["public"]["unit"] == "商业楼-S1")
    assert shop.event["public"]["area"] == "45.30"
    assert shop.event["public"]["delivery_status"] == "unsold"
    assert_no_personal_data(recorded, Person.objects.in_community(community))
    assert len({leaf.index for leaf in recorded}) == len(recorded) == log_size(community)


def test_a_reimport_records_the_changes_and_its_summary_only(community, manager):
    _import(community, manager, sample_file())
    first = log_size(community)

    _import(community, manager, sample_file())  # the same file: nothing changes
    (same,) = leaves(community, index__gte=first)
    assert same.event_type == "roster.import.committed"
    assert same.event["public"]["counts"]["units"] == {"new": 0, "updated": 0, "unchanged": 3}

    changed = xlsx(units=[
        unit_row("1502", floor=15, area="118.40", name="王五", mobile="13800000003",
                 id_number=ID_C),
        unit_row("101", name="张三", mobile="13800000001", id_number=ID_A, share="60%"),
        unit_row("101", name="李四", mobile="13800000002", id_number=ID_B, share="40%"),
    ])
    _import(community, manager, changed)
    new = leaves(community, index__gt=same.index)
    assert [leaf.event_type for leaf in new] == [
        "roster.unit.changed", "roster.ownership.changed", "roster.ownership.changed",
        "roster.import.committed"]
    assert new[0].event["public"]["changes"] == {"area": ["120.00", "118.40"]}
    assert new[0].event["public"]["area"] == "118.40"
    assert sorted((leaf.event["public"]["share"], leaf.event["public"]["changes"]["share"][0])
                  for leaf in new[1:3]) == [("0.4000", "0.5000"), ("0.6000", "0.5000")]
    assert_no_personal_data(new, Person.objects.in_community(community))


def test_a_refused_import_leaves_no_leaf(community, manager):
    staged = services.stage_roster_import(community, actor=manager, filename="r.xlsx",
                                          data=sample_file())
    VehicleFactory(person__community=community, plate="京A12345")  # taken after the preview
    with pytest.raises(RosterImportError):
        services.commit_roster_import(staged, actor=manager)
    assert leaves(community) == [] and log_size(community) == 0


# --- the demo -------------------------------------------------------------------------------


def test_the_demo_logs_every_unit_and_title_and_signs_a_checkpoint(db):
    load_demo(units=200)
    community = Community.objects.get(code="mingqiang")
    recorded = leaves(community)
    types = [leaf.event_type for leaf in recorded]

    assert types[0] == "community.created"
    assert types.count("roster.unit.registered") == Unit.objects.in_community(community).count()
    titles = Ownership.objects.in_community(community)
    assert types.count("roster.ownership.registered") == titles.count()
    assert types.count("roster.ownership.ended") == titles.filter(end__isnull=False).count() > 0
    log = Log.objects.get(community=community)
    checkpoint = Checkpoint.objects.get(log=log)
    assert checkpoint.size == log.size == len(recorded)
    assert audit_log(log).ok
    # a name for every title, an ID number for those of natural persons (companies have none)
    assert titles.filter(person__id_index="").exists()
    ownership_salts = LeafSalt.objects.filter(community=community,
                                              leaf__event_type="roster.ownership.registered")
    assert ownership_salts.count() == \
        titles.count() + titles.exclude(person__id_index="").count()
    # the demo tickets: reporters and units only as commitments
    assert types.count("tickets.ticket.submitted") > 0
    assert_no_personal_data([leaf for leaf in recorded if leaf.event_type != "community.created"],
                            Person.objects.in_community(community))
