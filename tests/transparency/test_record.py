"""record(): the single way onto the log — inside the caller's transaction, schema-checked."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from decimal import Decimal

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.db import connection, transaction

from sunlit.core.choices import Role
from sunlit.core.models import AuditEvent
from sunlit.transparency import entry, merkle, selectors, services
from sunlit.transparency.models import STORED_LEVEL, LeafSalt, Log, LogLeaf, TreeNode
from tests.factories import UnitFactory
from tests.transparency.conftest import unit_event

SHANGHAI = dt.timezone(dt.timedelta(hours=8))


def _record_unit(community, unit, **kwargs):
    with transaction.atomic():
        return services.record(community, "roster.unit.registered", unit, public={
            "unit": unit.label, "building": unit.building.name, "floor": unit.floor,
            "area": Decimal("89.5"), "usage": "residential", "delivery_status": "delivered",
        }, **kwargs)


def test_a_recorded_event_is_a_canonical_leaf_at_the_next_index(community, unit):
    with time_machine.travel(dt.datetime(2025, 5, 1, 1, 30, tzinfo=dt.UTC), tick=False):
        leaf = _record_unit(community, unit)
        second = _record_unit(community, unit)
    assert (leaf.index, second.index) == (0, 1)
    event = json.loads(leaf.data)
    assert event == {
        "type": "roster.unit.registered",
        "time": "2025-05-01T09:30:00.000000+08:00",
        "community": "mingqiang",
        "subject": {"type": "registry.unit", "id": str(unit.pk)},
        "public": {"unit": "2号楼-1单元-302", "building": "2号楼", "floor": 3, "area": "89.50",
                   "usage": "residential", "delivery_status": "delivered"},
        "commitments": {},
    }
    assert leaf.entry == entry.canonical(event)  # RFC 8785: sorted keys, no spaces, UTF-8
    assert "2号楼".encode() in leaf.entry
    assert bytes(leaf.leaf_hash) == hashlib.sha256(b"\x00" + leaf.entry).digest()
    log = Log.objects.get(community=community)
    assert log.origin == "localhost/log/mingqiang" and log.path == "mingqiang"
    assert log.size == 2
    assert bytes(log.root_hash) == merkle.node_hash(bytes(leaf.leaf_hash), bytes(second.leaf_hash))


def test_record_outside_a_transaction_is_refused(transactional_db, community, unit):
    with pytest.raises(transaction.TransactionManagementError):
        services.record(community, "roster.unit.registered", unit, public={})
    assert not LogLeaf.objects.exists()


def test_a_rolled_back_change_leaves_no_leaf(community, unit):
    _record_unit(community, unit)
    with pytest.raises(RuntimeError), transaction.atomic():
        _record_unit(community, unit)
        raise RuntimeError("the business change failed after recording")
    log = Log.objects.get(community=community)
    assert log.size == 1 == LogLeaf.objects.filter(log=log).count()
    assert _record_unit(community, unit).index == 1  # no gap


@pytest.mark.parametrize(("event_type", "public", "field"), [
    ("roster.unit.exploded", {}, "event_type"),
    ("roster.unit.registered", {"unit": "1-101"}, "public.floor"),
    ("roster.unit.registered", {"unit": "1-101", "building": "1", "floor": "三", "area": "1",
                                "usage": "x", "delivery_status": "x"}, "public.floor"),
    ("roster.unit.registered", {"unit": "1-101", "building": "1", "floor": 3, "area": 89.5,
                                "usage": "x", "delivery_status": "x"}, "public.area"),
    ("roster.unit.registered", {"unit": "1-101", "building": "1", "floor": 3, "area": "89.505",
                                "usage": "x", "delivery_status": "x"}, "public.area"),
    ("roster.unit.registered", {"unit": "1-101", "building": "1", "floor": 3, "area": "1",
                                "usage": "x", "delivery_status": "x",
                                "owner_mobile": "13800000000"}, "public.owner_mobile"),
    ("roster.unit.registered", {"unit": "1-101", "building": "1", "floor": 2**60, "area": "1",
                                "usage": "x", "delivery_status": "x"}, "public.floor"),
])
def test_unknown_or_malformed_events_are_refused(community, unit, event_type, public, field):
    with pytest.raises(ValidationError) as exc, transaction.atomic():
        services.record(community, event_type, unit, public=public)
    assert field in exc.value.message_dict
    assert all(any("\u4e00" <= ch <= "\u9fff" for ch in m) for m in exc.value.messages)
    assert not LogLeaf.objects.exists()


def test_the_subject_must_match_the_event_type_and_the_community(community, other_community, unit):
    with pytest.raises(ValidationError) as exc, transaction.atomic():
        services.record(community, "community.created", unit, public={})
    assert "subject" in exc.value.message_dict
    stranger = UnitFactory(building__community=other_community)
    with pytest.raises(ValidationError, match="不属于该小区"), transaction.atomic():
        services.record_many(community, [unit_event(stranger)])
    assert not LogLeaf.objects.exists()


def test_money_and_time_fields_are_exact():
    from sunlit.transparency.events import FieldSpec

    assert FieldSpec("money").clean(Decimal("12.3")) == "12.30"
    assert FieldSpec("decimal").clean(Decimal("1E+3")) == "1000"
    assert FieldSpec("decimal").clean("89.50") == "89.50"
    with pytest.raises(ValueError, match="两位小数"):
        FieldSpec("money").clean(Decimal("0.001"))
    assert FieldSpec("datetime").clean(dt.datetime(2025, 1, 1, tzinfo=dt.UTC)) == (
        "2025-01-01T08:00:00.000000+08:00")
    with pytest.raises(ValueError, match="时区"):
        FieldSpec("datetime").clean(dt.datetime(2025, 1, 1))
    assert FieldSpec("json").clean({"a": [Decimal("1.5"), dt.date(2025, 1, 2)]}) == {
        "a": ["1.5", "2025-01-02"]}


def test_private_fields_go_in_only_as_salted_commitments(community, owner):
    ownership = owner.persons.get().ownerships.get()
    with transaction.atomic():
        leaf = services.record(community, "roster.ownership.registered", ownership, public={
            "unit": ownership.unit.label, "share": ownership.share, "start": ownership.start,
        }, private={"owner_name": "王小明", "owner_id_number": "110101199001011237"})
    assert "王小明" not in leaf.data and "110101199001011237" not in leaf.data
    commitments = leaf.event["commitments"]
    assert set(commitments) == {"owner_name", "owner_id_number"}
    opening = LeafSalt.objects.get(leaf=leaf, field="owner_name")
    assert opening.value == '"王小明"'
    salt = bytes(opening.salt)
    assert commitments["owner_name"] == hashlib.sha256(salt + '"王小明"'.encode()).hexdigest()
    assert entry.opens(commitments["owner_name"], salt, "王小明")
    assert not entry.opens(commitments["owner_name"], salt, "王小民")
    # each commitment has its own salt: equal values do not give equal commitments
    other = LeafSalt.objects.get(leaf=leaf, field="owner_id_number")
    assert bytes(other.salt) != salt


def test_erasing_openings_deletes_salts_never_leaves(community, owner, make_member):
    ownership = owner.persons.get().ownerships.get()
    with transaction.atomic():
        leaf = services.record(community, "roster.ownership.registered", ownership, public={
            "unit": ownership.unit.label, "share": "1", "start": "2015-05-01",
        }, private={"owner_name": "王小明"})
    before = bytes(Log.objects.get(community=community).root_hash)
    with pytest.raises(Exception, match="权限"):
        services.erase_openings(community, ownership, actor=owner, reason="业主申请删除")
    manager = make_member(Role.MANAGER)
    assert services.erase_openings(community, ownership, actor=manager, reason="业主申请删除") == 1
    assert not LeafSalt.objects.exists()
    leaf.refresh_from_db()
    assert "owner_name" in leaf.event["commitments"]
    erased = LogLeaf.objects.get(event_type="log.openings.erased")
    assert erased.event["public"]["leaves"] == 1 and erased.index == 1
    log = Log.objects.get(community=community)
    proof = selectors.consistency_proof(log, 1, 2)
    merkle.verify_consistency(1, 2, before, bytes(log.root_hash), proof)
    assert AuditEvent.objects.filter(action=AuditEvent.Action.DELETE,
                                     object_type="registry.ownership").exists()


def test_stored_nodes_agree_with_recomputation(community, record_units):
    leaves = record_units(community, 300)
    record_units(community, 37, batch=False)
    log = Log.objects.get(community=community)
    hashes = [bytes(h) for h in LogLeaf.objects.filter(log=log).order_by("index")
              .values_list("leaf_hash", flat=True)]
    assert len(hashes) == log.size == 337
    assert [leaf.index for leaf in leaves] == list(range(300))
    tree = merkle.MemoryTree(hashes)
    stored = {(lvl, i): bytes(h) for lvl, i, h in
              TreeNode.objects.filter(log=log).values_list("level", "index", "hash")}
    assert stored == {k: v for k, v in tree.nodes.items() if k[0] >= STORED_LEVEL}
    assert bytes(log.root_hash) == tree.root() == selectors.root_at(log, 337)
    assert merkle.Frontier.from_bytes(log.size, log.frontier).hashes == tree.frontier.hashes
    for index, size in ((0, 337), (255, 256), (336, 337), (100, 200)):
        proof = selectors.inclusion_proof(log, index, size)
        merkle.verify_inclusion(index, size, hashes[index], proof, tree.root(size))
    proof = selectors.consistency_proof(log, 100, 337)
    merkle.verify_consistency(100, 337, tree.root(100), tree.root(), proof)


def test_a_batch_with_one_bad_event_records_nothing(community, unit):
    events = [unit_event(unit), services.Event("roster.unit.registered", unit, {"unit": "x"})]
    with pytest.raises(ValidationError), transaction.atomic():
        services.record_many(community, events)
    assert not LogLeaf.objects.exists()


def test_proof_reads_are_logarithmic(community, record_units, django_assert_max_num_queries):
    record_units(community, 1000)
    log = Log.objects.get(community=community)
    with django_assert_max_num_queries(2):
        proof = selectors.inclusion_proof(log, 517, 1000)
    assert len(proof) == 10
    with django_assert_max_num_queries(2):
        selectors.consistency_proof(log, 333, 1000)


def test_the_event_registry_refuses_conflicting_or_malformed_types():
    from django.core.exceptions import ImproperlyConfigured

    from sunlit.transparency.events import REGISTRY, register_event

    again = register_event("roster.ownership.ended", label="产权终止",
                           subject="registry.ownership",
                           public={"unit": "unit_label", "end": "date"})
    assert REGISTRY["roster.ownership.ended"] is again and again.public["end"].kind == "date"
    for name, kwargs in [
        ("roster.ownership.ended", {"public": {"unit": "count"}}),  # another schema
        ("Roster.Unit", {}),                                         # not dotted lower-case
        ("roster.x", {"public": {"a": "float"}}),                    # unknown kind
        ("roster.y", {"public": {"a": "masked_text"}, "private": {"a": "text"}}),
        ("roster.z", {"public": {"a": "text"}}),      # a public field must say what it holds
        ("roster.w", {"public": {"a": "json"}}),      # … and nested JSON its shape
        ("finance.x", {"public": {"unit": "unit_label"}}),  # a unit only in the roster's events
        ("roster.v", {"private": {"a": "amount"}}),   # private fields keep plain JSON types
    ]:
        with pytest.raises(ImproperlyConfigured):
            register_event(name, label="x", **kwargs)
    assert not {"roster.x", "roster.y", "roster.z", "roster.w", "finance.x"} & set(REGISTRY)


def test_a_large_batch_goes_through_the_bulk_path_with_encrypted_openings(community):
    # from services.BULK_FROM rows on, leaves, nodes and openings are written by
    # core.bulk.bulk_insert (COPY on PostgreSQL, executemany on SQLite)
    n = services.BULK_FROM * 2
    events = [services.Event("roster.ownership.registered", ("registry.ownership", str(i)),
                             {"unit": f"1号楼-1单元-{i}", "share": "1", "start": "2015-05-01"},
                             {"owner_name": f"业主{i}", "owner_id_number": f"11010119900101{i:04d}"})
              for i in range(n)]
    with transaction.atomic():
        first = services.record_many(community, events[:3])
        leaves = services.record_many(community, events[3:])
    assert [leaf.index for leaf in first + leaves] == list(range(n))
    assert all(leaf.pk is not None for leaf in leaves)
    log = Log.objects.get(community=community)
    hashes = [bytes(h) for h in LogLeaf.objects.filter(log=log).order_by("index")
              .values_list("leaf_hash", flat=True)]
    tree = merkle.MemoryTree(hashes)
    stored = {(lvl, i): bytes(h) for lvl, i, h in
              TreeNode.objects.filter(log=log).values_list("level", "index", "hash")}
    assert stored == {k: v for k, v in tree.nodes.items() if k[0] >= STORED_LEVEL}
    assert bytes(log.root_hash) == tree.root()
    assert LeafSalt.objects.filter(community=community).count() == 2 * n
    for leaf in (leaves[0], leaves[-1]):
        i = leaf.index
        opening = LeafSalt.objects.get(leaf=leaf, field="owner_name")
        assert opening.value == f'"业主{i}"'
        assert entry.opens(leaf.event["commitments"]["owner_name"], bytes(opening.salt), f"业主{i}")
        with connection.cursor() as cursor:  # stored encrypted, as save() would
            cursor.execute("SELECT value FROM transparency_leafsalt WHERE id = %s", [opening.pk])
            assert cursor.fetchone()[0].startswith("v1:")
