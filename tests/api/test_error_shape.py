"""Every client error of the API has the uniform shape, also those made before an operation runs
(found by tests/api/test_schema_fuzz.py)."""

from __future__ import annotations

import pytest
from django.db import connection

from sunlit.core.models import AuditEvent
from sunlit.core.services import create_api_token
from sunlit.governance.models import Proposal
from tests.factories import PersonFactory

API = "/api/v1"


@pytest.fixture
def bearer(manager):
    return {"Authorization": f"Bearer {create_api_token(manager, name='脚本')}"}


@pytest.mark.parametrize("path", ["/tickets/true", "/tickets/1.5/rate", "/no-such-thing", "/me/"])
def test_a_path_no_operation_serves_is_a_json_404(client, bearer, path):
    response = client.get(f"{API}{path}", headers=bearer)
    assert response.status_code == 404
    assert response["Content-Type"].startswith("application/json")
    assert response.json() == {"detail": "未找到", "errors": []}


def test_a_method_the_path_does_not_serve_is_a_json_405(client, bearer):
    response = client.put(f"{API}/me", headers=bearer)
    assert response.status_code == 405 and response["Allow"] == "GET"
    assert response.json() == {"detail": "不支持此请求方法", "errors": []}


def test_pages_keep_their_own_404(client, manager):
    client.force_login(manager)
    response = client.get("/no-such-page/")
    assert response.status_code == 404 and response["Content-Type"].startswith("text/html")


def test_a_body_that_is_not_json_is_a_documented_400(client, bearer, community, owner_unit):
    response = client.patch(f"{API}/units/{owner_unit.pk}", data=b"jj\x03\xff", headers=bearer,
                            content_type="application/json")
    assert (response.status_code, response.json()) == (400, {"detail": "请求体不是有效的 JSON",
                                                             "errors": []})
    operation = client.get("/api/openapi.json").json()["paths"]["/api/v1/units/{unit_id}"]["patch"]
    assert "400" in operation["responses"]


HUGE = 2**80


def test_an_id_beyond_64_bits_in_a_body_is_a_422(client, community, owner):
    """Found by the schema fuzz run: an id list looked up with pk__in answered 500 on SQLite,
    which cannot bind the number (PostgreSQL compares it as a numeric and finds nothing)."""
    token = {"Authorization": f"Bearer {create_api_token(owner, name='手机')}"}
    body = {"title": "北门加装雨棚", "text": "下雨天取快递不方便", "photo_ids": [HUGE]}
    response = client.post(f"{API}/communities/{community.pk}/proposals", headers=token, data=body,
                           content_type="application/json")
    assert response.status_code == 422
    if connection.vendor == "sqlite":
        assert response.json() == {"detail": "请求数据不正确",
                                   "errors": [{"field": None, "message": "数值超出范围"}]}
    else:
        assert response.json()["errors"][0]["field"] == "photo_ids"
    assert not Proposal.objects.exists()


@pytest.mark.parametrize("path", ["/notices", "/tickets", "/communities/{community}/units"])
def test_an_offset_is_bounded(client, bearer, community, path):
    """An unbounded offset answered 500 on both databases (SQLite: datatype mismatch,
    PostgreSQL: bigint out of range)."""
    url = f"{API}{path.format(community=community.pk)}?offset={HUGE}"
    response = client.get(url, headers=bearer)
    assert (response.status_code, response.json()) == (
        422, {"detail": "请求数据不正确", "errors": [{"field": "offset", "message": "不能大于 1000000000"}]})
    assert client.get(url.replace(str(HUGE), "1000000000"), headers=bearer).status_code == 200


NOT_AN_OBJECT = {"detail": "请求体必须是 JSON 对象", "errors": []}


@pytest.mark.parametrize("body", ['"王五"', "5", "[]", "true"])
def test_a_body_that_is_not_a_json_object_is_refused(client, bearer, community, body):
    """Found by the schema fuzz run: Ninja read an all-optional schema from the attributes of
    a string or a number, so PATCH /persons/{id} with "王五" answered 200 and a reveal with 5
    revealed."""
    person = PersonFactory(community=community, name="张三")
    audited = AuditEvent.objects.count()
    patched = client.patch(f"{API}/persons/{person.pk}", data=body, headers=bearer,
                           content_type="application/json")
    revealed = client.post(f"{API}/persons/{person.pk}/reveal", data=body, headers=bearer,
                           content_type="application/json")
    read_all = client.post(f"{API}/notices/read-all", data=body, headers=bearer,
                           content_type="application/json")
    for response in (patched, revealed, read_all):
        assert (response.status_code, response.json()) == (400, NOT_AN_OBJECT)
    assert AuditEvent.objects.count() == audited


def test_an_optional_body_may_be_null_or_left_out(client, bearer, community):
    person = PersonFactory(community=community, name="张三")
    for data in ("null", ""):
        response = client.post(f"{API}/persons/{person.pk}/reveal", data=data, headers=bearer,
                               content_type="application/json")
        assert response.status_code == 200 and response.json()["name"] == "张三"


# --- NUL characters: no text field can hold one (PostgreSQL refuses it with a server error) ----

def test_a_nul_in_a_json_body_is_a_422_naming_the_field(client, bearer, community):
    """Found by the schema fuzz run on PostgreSQL: a reveal reason holding "\\u0000" answered
    500. Nothing is revealed and nothing is audited."""
    person = PersonFactory(community=community)
    before = AuditEvent.objects.count()
    response = client.post(f"{API}/persons/{person.pk}/reveal", headers=bearer,
                           data={"reason": "核对\x00身份"}, content_type="application/json")
    assert (response.status_code, response.json()) == (422, {
        "detail": "请求数据不正确", "errors": [{"field": "reason", "message": "不能包含空字符"}]})
    assert AuditEvent.objects.count() == before


def test_a_nul_deep_in_a_body_names_its_path(client, bearer, community, owner):
    token = {"Authorization": f"Bearer {create_api_token(owner, name='手机')}"}
    body = {"title": "北门加装雨棚", "text": "下雨天", "tags": [{"x": "a\x00"}]}
    response = client.post(f"{API}/communities/{community.pk}/proposals", headers=token, data=body,
                           content_type="application/json")
    assert response.status_code == 422
    assert response.json()["errors"] == [{"field": "tags.0.x", "message": "不能包含空字符"}]
    assert not Proposal.objects.exists()


def test_a_nul_in_a_query_string_is_a_422(client, bearer):
    response = client.get(f"{API}/tickets?q=%E6%BC%8F%00%E6%B0%B4", headers=bearer)
    assert (response.status_code, response.json()) == (422, {
        "detail": "请求数据不正确", "errors": [{"field": "q", "message": "不能包含空字符"}]})


def test_a_page_refuses_a_nul_with_its_chinese_400(client, manager, community):
    client.force_login(manager)
    response = client.get("/tickets/?q=a%00b")
    assert response.status_code == 400
    assert "请求无效" in response.content.decode()
    client.logout()
    response = client.post("/login/", "username=demo%00&password=x",
                           content_type="application/x-www-form-urlencoded")
    assert response.status_code == 400 and "请求无效" in response.content.decode()
    # a multipart form is left to its fields: Django's CharField refuses the NUL
    response = client.post("/login/", {"username": "demo\x00", "password": "x"})
    assert response.status_code in (200, 400) and "_auth_user_id" not in client.session
    assert "空字符" in response.content.decode() or "Null characters" in response.content.decode()
