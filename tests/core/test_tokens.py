"""API tokens expire by default (90 days, ``SUNLIT_API_TOKEN_DAYS``); their state; the upgrade of
tokens made before tokens expired."""

from __future__ import annotations

import datetime as dt
import importlib
import json

import pytest
import time_machine
from django.apps import apps
from django.core.exceptions import ValidationError
from django.utils import timezone

from sunlit.core.models import ApiToken, AuditEvent
from sunlit.core.services import authenticate_token, create_api_token, revoke_api_token

pytestmark = pytest.mark.django_db


def test_a_token_expires_after_90_days_by_default(owner):
    now = timezone.now()
    with time_machine.travel(now, tick=False):
        secret = create_api_token(owner, name="东门道闸")
    token = ApiToken.objects.get()
    assert token.expires_at == now + dt.timedelta(days=90)
    with time_machine.travel(now + dt.timedelta(days=89)):
        assert authenticate_token(secret) == owner
        assert token.state(timezone.now()) == ApiToken.State.ACTIVE
    with time_machine.travel(now + dt.timedelta(days=90, seconds=1)):
        assert authenticate_token(secret) is None
        assert token.state(timezone.now()) == ApiToken.State.EXPIRED


def test_the_default_life_is_a_setting(owner, settings):
    settings.SUNLIT_API_TOKEN_DAYS = 7
    create_api_token(owner, name="脚本")
    token = ApiToken.objects.get()
    assert token.expires_at - token.created_at == pytest.approx(dt.timedelta(days=7),
                                                                abs=dt.timedelta(seconds=5))


@pytest.mark.parametrize(("kwargs", "field"), [
    ({"name": "ok", "valid_days": 0}, "valid_days"),
    ({"name": "ok", "valid_days": 3651}, "valid_days"),
    ({"name": "  ", "valid_days": 30}, "name"),
    ({"name": "x" * 61, "valid_days": 30}, "name"),
])
def test_bad_tokens_are_refused_and_nothing_is_written(owner, kwargs, field):
    audit = AuditEvent.objects.count()
    with pytest.raises(ValidationError) as refused:
        create_api_token(owner, **kwargs)
    assert field in refused.value.message_dict
    assert not ApiToken.objects.exists() and AuditEvent.objects.count() == audit


def test_a_revoked_token_says_so(owner):
    secret = create_api_token(owner, name="平板")
    token = revoke_api_token(ApiToken.objects.get(), actor=owner)
    assert token.state(timezone.now()) == ApiToken.State.REVOKED
    assert authenticate_token(secret) is None


def test_the_api_lists_the_state_and_applies_the_default(client, owner):
    client.force_login(owner)
    created = client.post("/api/v1/tokens", json.dumps({"name": "门禁"}),
                          content_type="application/json")
    assert created.status_code == 201
    body = created.json()
    assert body["state"] == "active" and body["expires_at"] is not None
    listed = client.get("/api/v1/tokens").json()
    assert [t["state"] for t in listed] == ["active"]


def test_the_upgrade_gives_old_tokens_an_expiry(owner, other_community):
    keep = ApiToken.objects.create(user=owner, name="旧令牌", prefix="aaaa0001", digest="0" * 64)
    revoked = ApiToken.objects.create(user=owner, name="已吊销", prefix="aaaa0002", digest="0" * 64,
                                      revoked_at=timezone.now())
    migration = importlib.import_module("sunlit.core.migrations.0004_api_tokens_expire")
    now = timezone.now()
    with time_machine.travel(now, tick=False):
        migration.give_expiry(apps, None)
    keep.refresh_from_db()
    revoked.refresh_from_db()
    assert keep.expires_at == now + dt.timedelta(days=90)
    assert revoked.expires_at is None
