"""Witness keys of a community and the cosignatures its log accepts, stores and serves.

The committee registers its witnesses' keys (page and API); a witness submits its cosignature
to ``POST /log/<path>/cosign``, authenticated by the signature alone; the checkpoint, the API
and proof bundles carry the cosignatures of active witnesses; the log page shows who cosigned.
"""

from __future__ import annotations

import time

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from sunlit.core.models import AuditEvent
from sunlit.transparency import cosignature, keys, note, selectors, services
from sunlit.transparency.cosignature import CosignatureSigner
from sunlit.transparency.models import Checkpoint, Cosignature, Log, LogLeaf, WitnessKey

API = "/api/v1"


@pytest.fixture
def signed_log(community, record_units):
    record_units(community, 12)
    log = Log.objects.get(community=community)
    services.sign_checkpoint(log)
    return log


@pytest.fixture
def signer():
    return CosignatureSigner.generate("committee.example/mingqiang")


@pytest.fixture
def registered(signed_log, committee, signer):
    return services.register_witness_key(signed_log.community, actor=committee,
                                         vkey=signer.verifier.vkey, name="业委会见证节点")


def cosigned(checkpoint: Checkpoint, *signers: CosignatureSigner, when: int | None = None) -> str:
    text = note.split(checkpoint.note)[0]
    when = int(time.time()) if when is None else when
    return checkpoint.note + "".join(s.cosign(text, when) for s in signers)


def submit(client, log: Log, body: str | bytes):
    data = body.encode() if isinstance(body, str) else body
    return client.post(f"/log/{log.path}/cosign", data=data, content_type="text/plain")


# --- registering --------------------------------------------------------------------------------


def test_the_committee_registers_a_witness_key(registered, committee, signer, signed_log):
    assert registered.key_name == "committee.example/mingqiang"
    assert registered.vkey == signer.verifier.vkey and registered.key_id == signer.verifier.key_id
    assert registered.log == signed_log and registered.registered_by == committee
    event = AuditEvent.objects.get(object_type="transparency.witnesskey")
    assert event.actor == committee and "业委会见证节点" in event.summary


def test_registering_and_revoking_are_facts_on_the_log(registered, signed_log, committee, signer):
    leaf = LogLeaf.objects.get(log=signed_log, event_type="log.witness.registered")
    assert leaf.index == 12  # after the 12 units, in the registration's own transaction
    assert leaf.event["subject"] == {"type": "transparency.witnesskey", "id": str(registered.pk)}
    assert leaf.event["public"] == {"name": "业委会见证节点", "vkey": signer.verifier.vkey}
    assert leaf.event["commitments"] == {}
    services.revoke_witness_key(registered, actor=committee)
    services.revoke_witness_key(registered, actor=committee)  # already revoked: nothing new
    revoked = LogLeaf.objects.get(log=signed_log, event_type="log.witness.revoked")
    assert revoked.index == 13 and revoked.event["public"] == leaf.event["public"]
    assert Log.objects.get(pk=signed_log.pk).size == 14


def test_a_refused_registration_or_revocation_leaves_no_leaf(registered, signed_log, owner, signer):
    size = Log.objects.get(pk=signed_log.pk).size
    other = CosignatureSigner.generate("b.example/w").verifier.vkey
    with pytest.raises(PermissionDenied):
        services.register_witness_key(signed_log.community, actor=owner, vkey=other, name="x")
    with pytest.raises(ValidationError):
        services.register_witness_key(signed_log.community, actor=registered.registered_by,
                                      vkey=signer.verifier.vkey, name="重复")
    with pytest.raises(PermissionDenied):
        services.revoke_witness_key(registered, actor=owner)
    assert Log.objects.get(pk=signed_log.pk).size == size
    assert not LogLeaf.objects.filter(event_type="log.witness.revoked").exists()


@pytest.mark.parametrize(("vkey", "field"), [
    ("", "vkey"),
    ("committee.example/w+00000000+BAOhB7/zzhC+HXDdGOdLwJln5NYwm6UNXx3chmQSVTG4", "vkey"),
    ("not a key", "vkey"),
])
def test_a_bad_key_is_refused_per_field(signed_log, committee, vkey, field):
    with pytest.raises(ValidationError) as caught:
        services.register_witness_key(signed_log.community, actor=committee, vkey=vkey, name="x")
    assert field in caught.value.message_dict
    assert not WitnessKey.objects.exists()


def test_duplicates_the_logs_own_key_and_bad_urls_are_refused(registered, signed_log, committee,
                                                              signer):
    community = signed_log.community
    with pytest.raises(ValidationError, match="已登记"):
        services.register_witness_key(community, actor=committee, vkey=signer.verifier.vkey, name="y")
    # the same key under another name would count twice (cosignature/v1 does not sign the name)
    renamed = CosignatureSigner("other.example/w", signer.seed).verifier.vkey
    with pytest.raises(ValidationError, match="已登记"):
        services.register_witness_key(community, actor=committee, vkey=renamed, name="y")
    own = CosignatureSigner(signed_log.origin, keys.signing_key().seed).verifier.vkey
    with pytest.raises(ValidationError, match="日志自己的签名公钥"):
        services.register_witness_key(community, actor=committee, vkey=own, name="y")
    other = CosignatureSigner.generate("b.example/w").verifier.vkey
    with pytest.raises(ValidationError) as caught:
        services.register_witness_key(community, actor=committee, vkey=other, name=" ",
                                      url="ftp://x")
    assert set(caught.value.message_dict) == {"name", "url"}
    assert WitnessKey.objects.count() == 1


@pytest.mark.parametrize("persona", ["owner", "service", "technician", "auditor", "finance"])
def test_only_the_committee_and_the_managers_register_witnesses(request, signed_log, signer, persona):
    user = request.getfixturevalue(persona)
    with pytest.raises(PermissionDenied):
        services.register_witness_key(signed_log.community, actor=user, vkey=signer.verifier.vkey,
                                      name="x")
    assert not WitnessKey.objects.exists()


def test_a_revoked_witness_is_no_longer_served_and_can_be_registered_again(
        client, registered, signed_log, committee, signer):
    checkpoint = selectors.latest_checkpoint(signed_log)
    assert submit(client, signed_log, cosigned(checkpoint, signer)).status_code == 200
    assert client.get(f"/log/{signed_log.path}/checkpoint").content.decode() != checkpoint.note
    services.revoke_witness_key(registered, actor=committee)
    registered.refresh_from_db()
    assert not registered.is_active and registered.revoked_by == committee
    assert client.get(f"/log/{signed_log.path}/checkpoint").content.decode() == checkpoint.note
    assert submit(client, signed_log, cosigned(checkpoint, signer)).status_code == 403
    again = services.register_witness_key(signed_log.community, actor=committee,
                                          vkey=signer.verifier.vkey, name="重新登记")
    assert again.pk != registered.pk and Cosignature.objects.count() == 1


# --- submitting cosignatures ---------------------------------------------------------------------


def test_a_cosignature_is_stored_once_and_served_with_the_checkpoint(client, registered, signed_log,
                                                                      signer):
    checkpoint = selectors.latest_checkpoint(signed_log)
    body = cosigned(checkpoint, signer, when=1_750_000_000)
    response = submit(client, signed_log, body)
    assert response.status_code == 200 and "业委会见证节点" in response.content.decode()
    stored = Cosignature.objects.get()
    assert (stored.checkpoint, stored.witness, stored.timestamp) == (checkpoint, registered,
                                                                      1_750_000_000)
    # a retry, even with a later time, keeps the first
    assert submit(client, signed_log, cosigned(checkpoint, signer)).status_code == 200
    assert Cosignature.objects.get().timestamp == 1_750_000_000
    served = client.get(f"/log/{signed_log.path}/checkpoint").content.decode()
    assert served == body
    # still a plain signed note for whoever knows only the log key
    body_, opened = note.open_checkpoint(served, [note.Verifier.parse(selectors.verifier_key(signed_log))])
    assert body_.size == 12 and len(opened.unverified) == 1
    _, found = cosignature.verify_cosignatures(served, [signer.verifier])
    assert found[0].timestamp == 1_750_000_000


def test_refused_submissions(client, registered, signed_log, signer, record_units):
    checkpoint = selectors.latest_checkpoint(signed_log)
    good = cosigned(checkpoint, signer)
    # malformed
    assert submit(client, signed_log, "hello").status_code == 400
    assert submit(client, signed_log, b"\xff\xfe").status_code == 400
    # no such checkpoint on this log (size), another log's origin
    text = note.split(checkpoint.note)[0]
    wrong_size = good.replace(f"\n{checkpoint.size}\n", "\n13\n", 1)
    assert submit(client, signed_log, wrong_size).status_code == 404
    assert submit(client, signed_log, good.replace(signed_log.origin, "elsewhere/log", 1)).status_code == 404
    # a different checkpoint text for that size (another root)
    forged_text = text.replace(checkpoint.root_b64, "A" * 43 + "=")
    forged = note.sign(forged_text, [keys.log_signer(signed_log.origin)])
    forged += signer.cosign(forged_text, int(time.time()))
    assert submit(client, signed_log, forged).status_code == 409
    # a witness nobody registered, a registered one whose signature fails
    stranger = CosignatureSigner.generate("stranger.example/w")
    assert submit(client, signed_log, cosigned(checkpoint, stranger)).status_code == 403
    assert submit(client, signed_log, checkpoint.note).status_code == 403
    flipped = good[:-6] + ("A" if good[-6] != "A" else "B") + good[-5:]
    assert submit(client, signed_log, flipped).status_code == 403
    # a clock far in the future
    assert submit(client, signed_log, cosigned(checkpoint, signer,
                                               when=int(time.time()) + 3600)).status_code == 400
    # GET is not allowed; other communities' paths do not exist
    assert client.get(f"/log/{signed_log.path}/cosign").status_code == 405
    assert client.post("/log/nowhere/cosign", data=good, content_type="text/plain").status_code == 404
    assert not Cosignature.objects.exists()
    assert submit(client, signed_log, good).status_code == 200


def test_cosignatures_on_an_older_checkpoint_are_kept_but_not_served_with_the_latest(
        client, registered, signed_log, signer, record_units):
    old = selectors.latest_checkpoint(signed_log)
    record_units(signed_log.community, 3)
    new = services.sign_checkpoint(signed_log)
    assert submit(client, signed_log, cosigned(old, signer)).status_code == 200
    assert client.get(f"/log/{signed_log.path}/checkpoint").content.decode() == new.note
    assert selectors.witness_overview(signed_log)[0]["last_size"] == 12
    assert not selectors.witness_overview(signed_log)[0]["cosigned_latest"]


# --- pages and API ---------------------------------------------------------------------------------


def test_the_log_page_shows_which_witnesses_cosigned(client, registered, signed_log, signer,
                                                      django_assert_max_num_queries):
    page = client.get(f"/log/{signed_log.path}/").content.decode()
    assert "业委会见证节点" in page and "尚未联署" in page and registered.vkey in page
    assert "witness-form" not in page  # anonymous: no form
    submit(client, signed_log, cosigned(selectors.latest_checkpoint(signed_log), signer))
    with django_assert_max_num_queries(8):
        page = client.get(f"/log/{signed_log.path}/").content.decode()
    assert 'data-testid="cosigned"' in page and "规模 12" in page
    assert f'--witness "{registered.vkey}" --min-witnesses 1' in page


def test_the_committee_registers_and_revokes_on_the_page(client, committee, signed_log, signer):
    client.force_login(committee)
    page = client.get(f"/log/{signed_log.path}/").content.decode()
    assert "登记见证人" in page and 'data-testid="witness-form"' in page
    bad = client.post(f"/log/{signed_log.path}/witnesses", {"name": "x", "vkey": "nonsense"})
    assert bad.status_code == 200 and "见证人公钥无效" in bad.content.decode()
    assert 'value="nonsense"' in bad.content.decode()  # what was typed stays
    response = client.post(f"/log/{signed_log.path}/witnesses",
                           {"name": "业委会见证节点", "vkey": signer.verifier.vkey, "url": ""})
    assert response.status_code == 302
    witness = WitnessKey.objects.get()
    assert witness.registered_by == committee
    response = client.post(f"/log/{signed_log.path}/witnesses/{witness.pk}/revoke")
    assert response.status_code == 302
    witness.refresh_from_db()
    assert not witness.is_active


def test_others_cannot_register_on_the_page(client, owner, owner_other_community, signed_log, signer):
    data = {"name": "x", "vkey": signer.verifier.vkey}
    assert client.post(f"/log/{signed_log.path}/witnesses", data).status_code == 302  # to login
    client.force_login(owner)
    assert "witness-form" not in client.get(f"/log/{signed_log.path}/").content.decode()
    assert client.post(f"/log/{signed_log.path}/witnesses", data).status_code == 403
    client.force_login(owner_other_community)
    assert client.post(f"/log/{signed_log.path}/witnesses", data).status_code == 404
    assert not WitnessKey.objects.exists()


@pytest.mark.parametrize(("persona", "status"), [
    # the witnesses are the owners' check on the log: the manager and the company propose a
    # witness through the owner-side controls (governance.controls), never register one
    ("committee", 201), ("manager", 403), ("company_admin", 403),
    ("owner", 403), ("auditor", 403), ("technician", 403), ("owner_other_community", 404),
])
def test_the_api_registration_matrix(client, request, signed_log, signer, persona, status):
    client.force_login(request.getfixturevalue(persona))
    size = Log.objects.get(pk=signed_log.pk).size
    response = client.post(f"{API}/logs/{signed_log.community_id}/witnesses",
                           {"name": "业委会见证节点", "vkey": signer.verifier.vkey},
                           content_type="application/json")
    assert response.status_code == status, response.content
    assert WitnessKey.objects.count() == (1 if status == 201 else 0)
    if status != 201:
        assert Log.objects.get(pk=signed_log.pk).size == size
    if status == 201:
        body = response.json()
        assert body["vkey"] == signer.verifier.vkey and body["is_active"]


def test_the_api_lists_revokes_and_explains_errors(client, committee, owner, registered, signed_log,
                                                   signer):
    client.force_login(committee)
    url = f"{API}/logs/{signed_log.community_id}/witnesses"
    bad = client.post(url, {"name": "x", "vkey": "nonsense"}, content_type="application/json")
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "vkey"
    submit(client, signed_log, cosigned(selectors.latest_checkpoint(signed_log), signer))
    client.force_login(owner)
    [listed] = client.get(url).json()
    assert listed["cosigned_latest"] and listed["last_cosigned_size"] == 12
    assert client.delete(f"{url}/{registered.pk}").status_code == 403
    detail = client.get(f"{API}/logs/{signed_log.community_id}").json()
    assert detail["checkpoint"]["cosigned_by"] == ["committee.example/mingqiang"]
    assert detail["checkpoint"]["note"].endswith(Cosignature.objects.get().line)
    client.force_login(committee)
    assert client.delete(f"{url}/{registered.pk}").status_code == 204
    assert client.delete(f"{url}/999999").status_code == 404
    assert client.get(url).json() == []
    assert client.get(f"{API}/logs/{signed_log.community_id}").json()["checkpoint"]["cosigned_by"] == []


def test_proof_bundles_carry_the_cosignatures(client, registered, signed_log, signer, unit, tmp_path):
    import json

    from sunlit.transparency import offline

    submit(client, signed_log, cosigned(selectors.latest_checkpoint(signed_log), signer))
    bundle = selectors.proof_bundle(signed_log, "registry.unit", str(unit.pk))
    path = tmp_path / "bundle.json"
    path.write_text(json.dumps(bundle, ensure_ascii=False))
    log_key = selectors.verifier_key(signed_log)
    assert offline.main(["bundle", str(path), "--key", log_key, "--witness", signer.verifier.vkey,
                         "--min-witnesses", "1"]) == 0
    assert offline.main(["bundle", str(path), "--key", log_key, "--min-witnesses", "1"]) == 1


# --- the witness list is an owner-side control (docs/security.md, rule b) ---------------------------


@pytest.fixture
def dual(make_member, community):
    """A committee member who also holds a company role: he acts for the company."""
    from sunlit.core.choices import Role
    from tests.factories import MembershipFactory

    user = make_member(Role.COMMITTEE, username="dual", display_name="兼职经理")
    MembershipFactory(user=user, community=community, role=Role.MANAGER)
    return user


def test_the_company_never_changes_the_witness_list_alone(signed_log, registered, manager,
                                                         company_admin, dual):
    from sunlit.notices.models import Notification

    other = CosignatureSigner.generate("company.example/w").verifier.vkey
    size, rows = Log.objects.get(pk=signed_log.pk).size, AuditEvent.objects.count()
    for who in (manager, company_admin, dual):
        with pytest.raises(PermissionDenied):
            services.register_witness_key(signed_log.community, actor=who, vkey=other,
                                          name="物业自己的见证节点")
        with pytest.raises(PermissionDenied):
            services.revoke_witness_key(registered, actor=who)
    assert WitnessKey.objects.active().count() == 1
    assert (Log.objects.get(pk=signed_log.pk).size, AuditEvent.objects.count()) == (size, rows)
    assert not Notification.objects.exists()


def test_a_company_proposal_takes_effect_when_the_committee_confirms(signed_log, registered,
                                                                     manager, committee):
    from sunlit.governance.controls import services as controls
    from sunlit.governance.controls.models import ControlKind, ControlStatus

    change = controls.request_change(signed_log.community, ControlKind.WITNESS_REVOKE,
                                     {"witness": registered.pk}, actor=manager,
                                     reason="该节点已停用三个月")
    assert change.status == ControlStatus.PENDING and registered.__class__.objects.get(
        pk=registered.pk).is_active
    assert change.summary.startswith("撤销见证人 业委会见证节点")
    controls.confirm_change(change, actor=committee)
    witness = WitnessKey.objects.get(pk=registered.pk)
    assert not witness.is_active and witness.revoked_by == committee
    added = controls.request_change(
        signed_log.community, ControlKind.WITNESS_ADD,
        {"name": "新见证节点", "vkey": CosignatureSigner.generate("w2.example/m").verifier.vkey},
        actor=manager, reason="业委会换了电脑")
    assert added.status == ControlStatus.PENDING and WitnessKey.objects.active().count() == 0
    with pytest.raises(ValidationError) as exc:  # a bad key is refused when proposed
        controls.request_change(signed_log.community, ControlKind.WITNESS_ADD,
                                {"name": "x", "vkey": "nonsense"}, actor=manager, reason="x")
    assert "vkey" in exc.value.message_dict
    controls.confirm_change(added, actor=committee)
    assert WitnessKey.objects.active().get().name == "新见证节点"


def test_the_log_page_lets_the_manager_only_propose(client, signed_log, registered, manager,
                                                    committee):
    from django.urls import reverse

    from sunlit.governance.controls.models import ControlChange

    client.force_login(manager)
    page = client.get(reverse("transparency:log", args=[signed_log.path])).content.decode()
    assert "提请业委会撤销" in page and "提请业委会登记" in page
    answer = client.post(reverse("transparency:witness_revoke",
                                 args=[signed_log.path, registered.pk]), {"reason": "停用"},
                         follow=True)
    assert "已提交业委会确认" in answer.content.decode()
    assert WitnessKey.objects.get(pk=registered.pk).is_active
    client.force_login(committee)
    change = ControlChange.objects.get()
    client.post(reverse("governance:control_action", args=[change.pk, "confirm"]))
    assert not WitnessKey.objects.get(pk=registered.pk).is_active
