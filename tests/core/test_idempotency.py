"""Idempotency keys: a retried creating request does not create a second object (rule 5)."""

from __future__ import annotations

import datetime as dt
import json
import threading

import pytest
import time_machine
from django.db import connection, connections
from django.test import Client
from django.utils import timezone

from sunlit.core.models import AuditEvent, IdempotencyKey, Person
from sunlit.core.services import create_api_token
from sunlit.core.tasks import purge_idempotency_keys
from sunlit.registry.models import Ownership, Vehicle
from tests.factories import PersonFactory, UnitFactory

API = "/api/v1"


def post(client, path: str, data, key: str | None = None, **headers):
    if key is not None:
        headers["Idempotency-Key"] = key
    return client.post(f"{API}{path}", data=json.dumps(data), content_type="application/json",
                       headers=headers)


@pytest.fixture
def as_service(client, service):
    client.force_login(service)
    return client


def test_a_retry_with_the_same_key_replays_the_first_answer(as_service, community):
    path = f"/communities/{community.pk}/persons"
    first = post(as_service, path, {"name": "孙悟空", "mobile": "13900001111"}, key="k-1")
    retry = post(as_service, path, {"name": "孙悟空", "mobile": "13900001111"}, key="k-1")
    assert first.status_code == retry.status_code == 201
    assert retry.json() == first.json()
    assert retry["Idempotent-Replayed"] == "true"
    assert "Idempotent-Replayed" not in first
    assert Person.objects.count() == 1
    assert AuditEvent.objects.filter(object_type="core.person").count() == 1
    stored = IdempotencyKey.objects.get()
    assert (stored.status_code, stored.response_body["id"]) == (201, first.json()["id"])


def test_the_same_json_with_other_spacing_and_order_is_the_same_request(as_service, community):
    path = f"/communities/{community.pk}/persons"
    first = post(as_service, path, {"name": "孙悟空", "note": "a"}, key="k-2")
    retry = as_service.post(f"{API}{path}", data='{ "note": "a",\n "name": "孙悟空" }',
                            content_type="application/json", headers={"Idempotency-Key": "k-2"})
    assert retry.status_code == 201 and retry.json()["id"] == first.json()["id"]
    assert Person.objects.count() == 1


def test_the_same_key_with_another_body_is_refused(as_service, community):
    path = f"/communities/{community.pk}/persons"
    post(as_service, path, {"name": "孙悟空"}, key="k-3")
    response = post(as_service, path, {"name": "猪八戒"}, key="k-3")
    assert response.status_code == 422
    body = response.json()
    assert body["detail"] == "幂等键冲突"
    assert body["errors"][0]["field"] == "Idempotency-Key"
    assert "新的幂等键" in body["errors"][0]["message"]
    assert list(Person.objects.values_list("name", flat=True)) == ["孙悟空"]


def test_the_same_key_on_another_endpoint_is_refused(as_service, community):
    person = PersonFactory(community=community)
    post(as_service, f"/communities/{community.pk}/persons", {"name": "孙悟空"}, key="k-4")
    response = post(as_service, f"/persons/{person.pk}/vehicles", {"plate": "京A12345"}, key="k-4")
    assert response.status_code == 422
    assert not Vehicle.objects.exists()


def test_keys_belong_to_one_user(client, community, service, manager):
    path = f"/communities/{community.pk}/persons"
    client.force_login(service)
    first = post(client, path, {"name": "孙悟空"}, key="shared")
    client.force_login(manager)
    second = post(client, path, {"name": "孙悟空"}, key="shared")
    assert second.status_code == 201 and "Idempotent-Replayed" not in second
    assert second.json()["id"] != first.json()["id"]
    assert Person.objects.count() == 2


def test_without_a_key_every_request_creates(as_service, community):
    path = f"/communities/{community.pk}/persons"
    post(as_service, path, {"name": "孙悟空"})
    post(as_service, path, {"name": "孙悟空"})
    assert Person.objects.count() == 2
    assert not IdempotencyKey.objects.exists()


def test_a_refused_request_keeps_no_key_and_may_be_retried_once_fixed(as_service, community):
    person = PersonFactory(community=community)
    bad = post(as_service, f"/persons/{person.pk}/vehicles", {"plate": "京A1"}, key="k-5")
    assert bad.status_code == 422
    assert not IdempotencyKey.objects.exists()
    again = post(as_service, f"/persons/{person.pk}/vehicles", {"plate": "京A1"}, key="k-5")
    assert again.status_code == 422 and "Idempotent-Replayed" not in again
    fixed = post(as_service, f"/persons/{person.pk}/vehicles", {"plate": "京A12345"}, key="k-6")
    assert fixed.status_code == 201
    assert Vehicle.objects.count() == 1


def test_a_forbidden_request_stores_nothing(client, community, technician):
    client.force_login(technician)
    response = post(client, f"/communities/{community.pk}/persons", {"name": "孙悟空"}, key="k-7")
    assert response.status_code == 403
    assert not IdempotencyKey.objects.exists() and not Person.objects.exists()


def test_replay_works_for_every_creating_roster_endpoint(as_service, community):
    unit = UnitFactory(building__community=community)
    person = PersonFactory(community=community)
    calls = [
        (f"/persons/{person.pk}/vehicles", {"plate": "京A12345"}),
        (f"/units/{unit.pk}/ownerships", {"person_id": person.pk, "share": "0.5"}),
        (f"/units/{unit.pk}/residents", {"person_id": person.pk, "kind": "family"}),
    ]
    for n, (path, data) in enumerate(calls):
        first = post(as_service, path, data, key=f"every-{n}")
        retry = post(as_service, path, data, key=f"every-{n}")
        assert first.status_code == retry.status_code == 201, first.content
        assert retry.json() == first.json() and retry["Idempotent-Replayed"] == "true"
    assert Vehicle.objects.count() == Ownership.objects.count() == 1
    assert person.residencies.count() == 1


def test_replay_with_a_bearer_token(client, community, service):
    secret = create_api_token(service, name="道闸")
    auth = {"Authorization": f"Bearer {secret}"}
    path = f"/communities/{community.pk}/persons"
    first = post(client, path, {"name": "孙悟空"}, key="tok", **auth)
    retry = post(client, path, {"name": "孙悟空"}, key="tok", **auth)
    assert retry.json()["id"] == first.json()["id"]
    assert Person.objects.count() == 1


def test_keys_expire_after_a_day(as_service, community):
    path = f"/communities/{community.pk}/persons"
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        post(as_service, path, {"name": "孙悟空"}, key="old")
    with time_machine.travel(start + dt.timedelta(hours=23), tick=False):
        assert post(as_service, path, {"name": "孙悟空"}, key="old")["Idempotent-Replayed"]
    with time_machine.travel(start + dt.timedelta(hours=24, minutes=1), tick=False):
        again = post(as_service, path, {"name": "孙悟空"}, key="old")
    assert again.status_code == 201 and "Idempotent-Replayed" not in again
    assert Person.objects.count() == 2
    assert IdempotencyKey.objects.count() == 1


def test_the_purge_task_deletes_expired_keys(as_service, community):
    path = f"/communities/{community.pk}/persons"
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        post(as_service, path, {"name": "孙悟空"}, key="a")
    with time_machine.travel(start + dt.timedelta(hours=12), tick=False):
        post(as_service, path, {"name": "猪八戒"}, key="b")
    with time_machine.travel(start + dt.timedelta(hours=25), tick=False):
        assert purge_idempotency_keys.call_local() == 1
    assert list(IdempotencyKey.objects.values_list("key", flat=True)) == ["b"]


def test_an_overlong_key_is_refused(as_service, community):
    response = post(as_service, f"/communities/{community.pk}/persons", {"name": "孙悟空"},
                    key="x" * 256)
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "Idempotency-Key"
    assert not Person.objects.exists()


@pytest.mark.postgres
@pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL for real concurrency")
@pytest.mark.django_db(transaction=True)
def test_two_concurrent_identical_requests_create_one_object(community, service):
    secret = create_api_token(service, name="并发")
    path = f"/communities/{community.pk}/persons"
    barrier = threading.Barrier(4)
    answers = []

    def send():
        try:
            barrier.wait()
            response = post(Client(), path, {"name": "孙悟空"}, key="race",
                            Authorization=f"Bearer {secret}")
            answers.append((response.status_code, response.json()["id"]))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=send) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(answers) == 4
    assert {status for status, _ in answers} == {201}
    assert len({pid for _, pid in answers}) == 1
    assert Person.objects.count() == 1
