"""The log API: leaves, inclusion and consistency proofs, proof bundles — members only."""

from __future__ import annotations

import base64

import pytest
from django.db import transaction

from sunlit.transparency import bundle, merkle, note, services
from sunlit.transparency.models import Log
from tests.transparency.conftest import unit_event

API = "/api/v1"


def unb64(value: str) -> bytes:
    return base64.b64decode(value)


@pytest.fixture
def signed_log(community, record_units):
    record_units(community, 40)
    log = Log.objects.get(community=community)
    services.sign_checkpoint(log)
    return log


@pytest.fixture
def as_owner(client, owner):
    client.force_login(owner)
    return client


def test_the_log_of_my_community(as_owner, community, signed_log):
    body = as_owner.get(f"{API}/logs/{community.pk}").json()
    assert body["origin"] == "localhost/log/mingqiang" and body["size"] == 40
    assert body["url"] == "http://testserver/log/mingqiang/"
    assert body["checkpoint"]["size"] == 40
    verifier = note.Verifier.parse(body["verifier_key"])
    checkpoint, _ = note.open_checkpoint(body["checkpoint"]["note"], [verifier])
    assert base64.b64encode(checkpoint.root_hash).decode() == body["checkpoint"]["root_hash"]
    assert [log["community_id"] for log in as_owner.get(f"{API}/logs").json()] == [community.pk]


def test_another_communitys_log_is_404_and_anonymous_is_401(client, owner_other_community,
                                                            community, signed_log):
    assert client.get(f"{API}/logs/{community.pk}").status_code == 401
    client.force_login(owner_other_community)
    for path in ("", "/leaves/0", "/proofs/inclusion?index=0", "/proofs/consistency?first=1",
                 "/bundle?subject_type=registry.unit&subject_id=1"):
        response = client.get(f"{API}/logs/{community.pk}{path}")
        assert response.status_code == 404, path
        assert response.json()["detail"] == "未找到"


def test_a_leaf_by_index(as_owner, community, signed_log):
    body = as_owner.get(f"{API}/logs/{community.pk}/leaves/7").json()
    assert body["index"] == 7 and body["event_type"] == "roster.unit.registered"
    assert merkle.leaf_hash(body["entry"].encode()) == unb64(body["leaf_hash"])
    assert body["time"].endswith("+08:00")
    assert as_owner.get(f"{API}/logs/{community.pk}/leaves/40").status_code == 404


def test_inclusion_proofs_by_index_and_by_hash_verify_against_the_checkpoint(
        as_owner, community, signed_log):
    cp = as_owner.get(f"{API}/logs/{community.pk}").json()["checkpoint"]
    by_index = as_owner.get(f"{API}/logs/{community.pk}/proofs/inclusion?index=13").json()
    assert by_index["size"] == 40 and by_index["root_hash"] == cp["root_hash"]
    merkle.verify_inclusion(13, 40, unb64(by_index["leaf_hash"]),
                            [unb64(p) for p in by_index["proof"]], unb64(cp["root_hash"]))
    hex_hash = unb64(by_index["leaf_hash"]).hex()
    for given in (by_index["leaf_hash"], hex_hash):
        by_hash = as_owner.get(f"{API}/logs/{community.pk}/proofs/inclusion",
                               {"leaf_hash": given, "size": 20}).json()
        assert by_hash["index"] == 13 and by_hash["size"] == 20
        merkle.verify_inclusion(13, 20, unb64(by_hash["leaf_hash"]),
                                [unb64(p) for p in by_hash["proof"]], unb64(by_hash["root_hash"]))


@pytest.mark.parametrize(("query", "field"), [
    ("", "index"),
    ("index=13&size=41", "size"),
    ("index=13&size=10", "size"),
    ("leaf_hash=abc", "leaf_hash"),
    ("index=-1", "index"),
])
def test_bad_proof_requests_get_field_errors(as_owner, community, signed_log, query, field):
    response = as_owner.get(f"{API}/logs/{community.pk}/proofs/inclusion?{query}")
    assert response.status_code == 422
    assert field in {e["field"] for e in response.json()["errors"]}


def test_consistency_proofs_verify(as_owner, community, signed_log, record_units):
    old_root = unb64(as_owner.get(f"{API}/logs/{community.pk}").json()["checkpoint"]["root_hash"])
    record_units(community, 9)
    services.sign_checkpoint(signed_log)
    body = as_owner.get(f"{API}/logs/{community.pk}/proofs/consistency?first=40").json()
    assert (body["first"], body["second"]) == (40, 49)
    assert unb64(body["first_root"]) == old_root
    merkle.verify_consistency(40, 49, old_root, unb64(body["second_root"]),
                              [unb64(p) for p in body["proof"]])
    bad = as_owner.get(f"{API}/logs/{community.pk}/proofs/consistency?first=50&second=49")
    assert bad.status_code == 422


def test_a_proof_bundle_verifies_offline(as_owner, community, unit, signed_log):
    with transaction.atomic():
        services.record_many(community, [unit_event(unit, floor=99)])
    response = as_owner.get(f"{API}/logs/{community.pk}/bundle",
                            {"subject_type": "registry.unit", "subject_id": str(unit.pk)})
    data = response.json()
    assert data["pending"] == 1 and len(data["entries"]) == 40
    result = bundle.verify_bundle(data, [note.Verifier.parse(data["verifier_key"])])
    assert result.checkpoint.size == 40 and [e.index for e in result.entries] == list(range(40))
    services.sign_checkpoint(signed_log)
    data = as_owner.get(f"{API}/logs/{community.pk}/bundle",
                        {"subject_type": "registry.unit", "subject_id": str(unit.pk)}).json()
    assert data["pending"] == 0 and data["entries"][-1]["index"] == 40
    bundle.verify_bundle(data, [note.Verifier.parse(data["verifier_key"])])


def test_a_tampered_bundle_fails(as_owner, community, unit, signed_log):
    data = as_owner.get(f"{API}/logs/{community.pk}/bundle",
                        {"subject_type": "registry.unit", "subject_id": str(unit.pk)}).json()
    keys = [note.Verifier.parse(data["verifier_key"])]
    forged = {**data, "entries": [dict(e) for e in data["entries"]]}
    forged["entries"][3]["leaf"] = forged["entries"][3]["leaf"].replace('"floor":3', '"floor":4')
    with pytest.raises(bundle.BundleError, match="does not hash"):
        bundle.verify_bundle(forged, keys)
    other_key = note.Signer.generate(data["origin"]).verifier
    with pytest.raises(bundle.BundleError, match="checkpoint"):
        bundle.verify_bundle(data, [other_key])
