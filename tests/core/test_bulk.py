"""bulk_insert: new rows as save() would write them, ids reserved, constraints kept.

Runs on whichever database the suite uses (SQLite executemany, PostgreSQL COPY); CI runs both.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.db import IntegrityError, connection, transaction

from sunlit.core import crypto
from sunlit.core.bulk import bulk_insert
from sunlit.core.models import Person
from sunlit.registry.models import Building, Unit
from sunlit.transparency.models import LeafSalt, LogLeaf
from sunlit.transparency.services import get_or_create_log
from tests.factories import BuildingFactory, PersonFactory

SHANGHAI = dt.timezone(dt.timedelta(hours=8))


def _raw(table: str, column: str, pk: int):
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {column} FROM {table} WHERE id = %s", [pk])
        return cursor.fetchone()[0]


def _people(community, n, start=0):
    return [Person(community_id=community.pk, name=f"李{i}", mobile=f"139{i:08d}",
                   id_number=f"11010119900101{i:04d}"[:18],
                   created_at=dt.datetime(2025, 5, 1, 9, 30, i % 60, 123456, tzinfo=SHANGHAI))
            for i in range(start, start + n)]


def test_rows_get_ids_and_read_back_as_saved_rows_do(community):
    saved = PersonFactory(community=community, name="张三", mobile="13800000001")
    people = _people(community, 5)
    with transaction.atomic():
        bulk_insert(Person, people)
    assert all(p.pk is not None and not p._state.adding for p in people)
    assert len({p.pk for p in people}) == 5 and min(p.pk for p in people) > saved.pk
    for person in people:
        again = Person.objects.get(pk=person.pk)
        assert (again.name, again.mobile, again.id_number, again.created_at) == (
            person.name, person.mobile, person.id_number, person.created_at)


def test_encrypted_fields_are_sealed_exactly_as_by_save(community):
    person = _people(community, 1)[0]
    with transaction.atomic():
        bulk_insert(Person, [person])
    stored = _raw("core_person", "mobile", person.pk)
    assert stored.startswith("v1:") and "13900000000" not in stored
    assert crypto.decrypt(stored, context="core.Person.mobile") == "13900000000"
    # the column is bound into the ciphertext, as save() binds it
    with pytest.raises(Exception):  # noqa: B017 - AES-GCM's InvalidTag
        crypto.decrypt(stored, context="core.Person.id_number")


def test_related_objects_give_their_ids_and_decimals_dates_are_prepared(community):
    building = BuildingFactory(community=community, name="9号楼")
    units = [Unit(community_id=community.pk, building=building, entrance="1", number=f"10{i}",
                  floor=1, area=Decimal("89.50"), delivered_on=dt.date(2010, 5, i + 1))
             for i in range(3)]
    with transaction.atomic():
        bulk_insert(Unit, units)
    assert [u.building_id for u in units] == [building.pk] * 3
    assert units[0].building is building  # still cached: no query for unit.label
    got = Unit.objects.get(pk=units[2].pk)
    assert (got.area, got.delivered_on, got.building_id) == (Decimal("89.50"), dt.date(2010, 5, 3),
                                                            building.pk)


def test_unsaved_related_objects_and_rows_with_ids_are_refused(community):
    building = Building(community_id=community.pk, name="未保存", floors=6)
    with pytest.raises(ValueError, match="not saved"), transaction.atomic():
        bulk_insert(Unit, [Unit(community_id=community.pk, building=building, number="1",
                                floor=1, area=Decimal(1))])
    person = PersonFactory(community=community)
    with pytest.raises(ValueError, match="new rows only"), transaction.atomic():
        bulk_insert(Person, [person])
    with pytest.raises(ValueError, match="got a"), transaction.atomic():
        bulk_insert(Person, [building])
    assert not Unit.objects.exists()


def test_ids_of_deleted_rows_are_not_reused_and_later_saves_continue_above(community):
    first = PersonFactory(community=community)
    last = PersonFactory(community=community)
    last_pk = last.pk
    last.delete()
    people = _people(community, 3)
    with transaction.atomic():
        bulk_insert(Person, people)
    assert min(p.pk for p in people) > last_pk > first.pk
    after = PersonFactory(community=community)  # the sequence moved past the inserted ids
    assert after.pk > max(p.pk for p in people)


def test_batches_and_an_empty_list(community):
    bulk_insert(Person, [])
    people = _people(community, 10)
    with transaction.atomic():
        bulk_insert(Person, people, batch_size=3)
    assert Person.objects.filter(pk__in=[p.pk for p in people]).count() == 10


def test_rows_are_written_in_the_callers_transaction(community):
    people = _people(community, 4)
    with pytest.raises(RuntimeError), transaction.atomic():
        bulk_insert(Person, people)
        assert Person.objects.filter(pk__in=[p.pk for p in people]).count() == 4
        raise RuntimeError("the caller fails after the insert")
    assert not Person.objects.filter(pk__in=[p.pk for p in people]).exists()


def _leaf(community, log, index):
    return LogLeaf(community_id=community.pk, log_id=log.pk, index=index, data="{}",
                   leaf_hash=bytes(32), event_type="t", subject_type="s", subject_id="1",
                   time=dt.datetime(2025, 5, 1, tzinfo=SHANGHAI))


def test_unique_constraints_hold_for_copy_and_executemany(community):
    log = get_or_create_log(community)
    with transaction.atomic():
        bulk_insert(LogLeaf, [_leaf(community, log, i) for i in range(3)])
    # against a row already there, and twice within one call
    for indexes in ((3, 2), (5, 6, 5)):
        with pytest.raises(IntegrityError), transaction.atomic():
            bulk_insert(LogLeaf, [_leaf(community, log, i) for i in indexes])
    assert sorted(LogLeaf.objects.values_list("index", flat=True)) == [0, 1, 2]


def test_binary_and_encrypted_columns_of_the_log(community):
    log = get_or_create_log(community)
    leaf = _leaf(community, log, 0)
    leaf.leaf_hash = bytes(range(32))
    with transaction.atomic():
        bulk_insert(LogLeaf, [leaf])
        salt = LeafSalt(community_id=community.pk, leaf_id=leaf.pk, field="owner_name",
                        salt=b"\x00\xff" * 16, value='"王小明"')
        bulk_insert(LeafSalt, [salt])
    got = LeafSalt.objects.get(pk=salt.pk)
    assert (bytes(got.salt), got.value) == (b"\x00\xff" * 16, '"王小明"')
    assert bytes(LogLeaf.objects.get(pk=leaf.pk).leaf_hash) == bytes(range(32))
    assert "王小明" not in _raw("transparency_leafsalt", "value", salt.pk)
