"""The core API: who am I, my communities, my tokens; authentication and CSRF; the schema."""

from __future__ import annotations

import datetime as dt
import json

import pytest
import time_machine
from django.test import Client
from django.utils import timezone

from sunlit.core.choices import Role
from sunlit.core.models import ApiToken, AuditEvent, Person
from sunlit.core.services import create_api_token
from tests.factories import MembershipFactory

API = "/api/v1"
UNAUTHENTICATED = {"detail": "请先登录或提供有效的令牌", "errors": []}


def bearer(secret: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {secret}"}


def post_json(client, path: str, data, **headers):
    return client.post(f"{API}{path}", data=json.dumps(data), content_type="application/json",
                       headers=headers)


def test_me_with_a_session(client, manager, community, other_community):
    MembershipFactory(user=manager, community=other_community, role=Role.AUDITOR)
    client.force_login(manager)
    response = client.get(f"{API}/me")
    assert response.status_code == 200
    assert response.json() == {
        "id": manager.pk, "username": "manager", "display_name": "刘经理",
        "memberships": [
            {"community_id": community.pk, "community": "明强小区", "roles": ["manager"]},
            {"community_id": other_community.pk, "community": "远景小区", "roles": ["auditor"]},
        ],
    }


def test_me_with_a_bearer_token(client, owner):
    secret = create_api_token(owner, name="手机")
    response = client.get(f"{API}/me", headers=bearer(secret))
    assert response.status_code == 200 and response.json()["username"] == "owner"
    assert ApiToken.objects.get().last_used_at is not None


@pytest.mark.parametrize("headers", [
    {}, bearer("sl_nothing_here"), {"Authorization": "Basic dXNlcjpwdw=="},
    {"Authorization": "Bearer"},
])
def test_without_valid_credentials_the_api_answers_401(client, owner, headers):
    response = client.get(f"{API}/me", headers=headers)
    assert response.status_code == 401
    assert response.json() == UNAUTHENTICATED


def test_communities_lists_only_where_the_user_has_a_role(client, owner, other_community):
    client.force_login(owner)
    response = client.get(f"{API}/communities")
    assert [c["name"] for c in response.json()] == ["明强小区"]


# --- tokens -------------------------------------------------------------------------------


def test_create_list_use_and_revoke_a_token(client, owner):
    client.force_login(owner)
    created = post_json(client, "/tokens", {"name": "家里的平板", "valid_days": 30})
    assert created.status_code == 201
    body = created.json()
    secret = body["secret"]
    assert secret.startswith(f"sl_{body['prefix']}_")
    assert body["expires_at"] is not None and body["revoked_at"] is None
    token = ApiToken.objects.get(pk=body["id"])
    assert secret not in token.digest  # only the hash is kept

    listed = client.get(f"{API}/tokens").json()
    assert [t["name"] for t in listed] == ["家里的平板"]
    assert "secret" not in listed[0]
    assert secret not in json.dumps(listed)

    anonymous = Client()
    assert anonymous.get(f"{API}/me", headers=bearer(secret)).status_code == 200
    revoked = client.delete(f"{API}/tokens/{token.pk}")
    assert revoked.status_code == 204
    token.refresh_from_db()
    assert token.revoked_at is not None
    assert anonymous.get(f"{API}/me", headers=bearer(secret)).json() == UNAUTHENTICATED
    assert AuditEvent.objects.filter(object_type="core.apitoken", action="delete").count() == 1
    # Listed still, as revoked; revoking again changes nothing.
    assert client.get(f"{API}/tokens").json()[0]["revoked_at"] is not None
    assert client.delete(f"{API}/tokens/{token.pk}").status_code == 204
    assert AuditEvent.objects.filter(object_type="core.apitoken", action="delete").count() == 1


def test_a_token_may_revoke_itself_but_not_create_new_tokens(client, owner):
    secret = create_api_token(owner, name="脚本")
    response = post_json(client, "/tokens", {"name": "再来一个"}, **bearer(secret))
    assert response.status_code == 403
    assert "登录" in response.json()["detail"]
    assert ApiToken.objects.count() == 1
    token = ApiToken.objects.get()
    assert client.delete(f"{API}/tokens/{token.pk}", headers=bearer(secret)).status_code == 204
    assert client.get(f"{API}/me", headers=bearer(secret)).status_code == 401


def test_nobody_sees_or_revokes_another_users_tokens(client, owner, manager):
    create_api_token(owner, name="业主的令牌")
    token = ApiToken.objects.get()
    client.force_login(manager)
    assert client.get(f"{API}/tokens").json() == []
    response = client.delete(f"{API}/tokens/{token.pk}")
    assert response.status_code == 404
    token.refresh_from_db()
    assert token.revoked_at is None


@pytest.mark.parametrize(("data", "field"), [
    ({}, "name"), ({"name": ""}, "name"), ({"name": "x" * 61}, "name"),
    ({"name": "ok", "valid_days": 0}, "valid_days"),
    ({"name": "ok", "valid_days": "forever"}, "valid_days"),
])
def test_token_creation_validates_its_fields(client, owner, data, field):
    client.force_login(owner)
    response = post_json(client, "/tokens", data)
    assert response.status_code == 422
    assert [e["field"] for e in response.json()["errors"]] == [field]
    assert not ApiToken.objects.exists()


def test_an_expired_token_is_refused(client, owner):
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        secret = create_api_token(owner, name="临时", valid_days=1)
        assert client.get(f"{API}/me", headers=bearer(secret)).status_code == 200
    with time_machine.travel(start + dt.timedelta(days=1, seconds=1), tick=False):
        response = client.get(f"{API}/me", headers=bearer(secret))
    assert (response.status_code, response.json()) == (401, UNAUTHENTICATED)


def test_a_token_of_a_deactivated_user_is_refused(client, owner):
    secret = create_api_token(owner, name="手机")
    owner.is_active = False
    owner.save(update_fields=["is_active"])
    assert client.get(f"{API}/me", headers=bearer(secret)).status_code == 401


# --- CSRF: sessions need the token on unsafe methods, bearer tokens do not ----------------


@pytest.fixture
def csrf_client(service):
    client = Client(enforce_csrf_checks=True)
    client.force_login(service)
    return client


def test_a_session_post_without_the_csrf_token_is_refused(csrf_client, community):
    response = post_json(csrf_client, f"/communities/{community.pk}/persons", {"name": "孙悟空"})
    assert response.status_code == 403
    assert response.json()["detail"].startswith("CSRF 校验失败")
    assert not Person.objects.exists()


def test_a_session_patch_and_delete_without_the_csrf_token_are_refused(csrf_client, service,
                                                                       owner_unit):
    create_api_token(service, name="集成")
    token = ApiToken.objects.get()
    response = csrf_client.patch(f"{API}/units/{owner_unit.pk}", data='{"number": "999"}',
                                 content_type="application/json")
    assert response.status_code == 403
    assert csrf_client.delete(f"{API}/tokens/{token.pk}").status_code == 403
    owner_unit.refresh_from_db()
    token.refresh_from_db()
    assert owner_unit.number == "101" and token.revoked_at is None


def test_a_session_post_with_the_csrf_token_is_accepted(csrf_client, community):
    assert csrf_client.get("/console/").status_code == 200  # every page sets the CSRF cookie
    token = csrf_client.cookies["csrftoken"].value
    response = post_json(csrf_client, f"/communities/{community.pk}/persons", {"name": "孙悟空"},
                         **{"X-CSRFToken": token})
    assert response.status_code == 201
    assert Person.objects.count() == 1


def test_a_session_get_needs_no_csrf_token(csrf_client, community):
    assert csrf_client.get(f"{API}/communities/{community.pk}/persons").status_code == 200


def test_a_bearer_post_needs_no_csrf_token(service, community):
    secret = create_api_token(service, name="集成")
    client = Client(enforce_csrf_checks=True)
    response = post_json(client, f"/communities/{community.pk}/persons", {"name": "孙悟空"},
                         **bearer(secret))
    assert response.status_code == 201


def test_an_anonymous_post_is_401_not_a_csrf_error(community):
    response = post_json(Client(enforce_csrf_checks=True), f"/communities/{community.pk}/persons",
                         {"name": "孙悟空"})
    assert (response.status_code, response.json()) == (401, UNAUTHENTICATED)


# --- the schema and the docs ---------------------------------------------------------------


def test_the_openapi_schema_is_served(client):
    response = client.get("/api/openapi.json")
    assert response.status_code == 200
    schema = response.json()
    assert schema["info"]["title"] == "阳光物业 Sunlit API"
    for path in ("/api/v1/me", "/api/v1/tokens", "/api/v1/communities/{community_id}/units",
                 "/api/v1/units/{unit_id}", "/api/v1/persons/{person_id}/reveal",
                 "/api/v1/me/homes"):
        assert path in schema["paths"], path
    create = schema["paths"]["/api/v1/communities/{community_id}/persons"]["post"]
    assert "Idempotency-Key" in {p["name"] for p in create["parameters"]}
    assert set(schema["components"]["securitySchemes"]) == {"TokenAuth", "SessionAuth"}


def test_the_interactive_docs_are_served(client):
    response = client.get("/api/docs")
    assert response.status_code == 200
    assert b"openapi.json" in response.content


def test_a_value_in_the_wrong_format_is_refused_in_chinese(client, finance, community):
    """Schema errors reach people: a pattern mismatch says so in Chinese, not pydantic's English."""
    client.force_login(finance)
    response = client.post(f"/api/v1/finance/communities/{community.pk}/runs",
                           data={"period": "2026-3"}, content_type="application/json")
    assert response.status_code == 422
    assert response.json()["errors"] == [{"field": "period", "message": "格式不正确"}]
