"""Throttling primitives: one key per account whatever the spelling, one client address, counters."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.test import RequestFactory
from django.utils import timezone

from sunlit.core import throttle
from sunlit.core.auth import throttle_key
from sunlit.core.context import client_address

pytestmark = pytest.mark.django_db


@pytest.fixture
def mobile_user(make_member):
    from sunlit.core.choices import Role

    return make_member(Role.OWNER, username="DEMO-owner", mobile="17322458486")


@pytest.mark.parametrize("spelling", [
    "17322458486", "173-22458486", "173 2245 8486", "+86 173-2245-8486", "+8617322458486",
    "008617322458486", "(173)22458486", "１７３２２４５８４８６", " 17322458486 ",
    "DEMO-owner", "demo-owner", "Demo-Owner",
])
def test_every_spelling_of_one_account_is_one_key(mobile_user, spelling):
    assert throttle_key(None, {"username": spelling}) == f"user:{mobile_user.pk}"


def test_unknown_names_share_a_key_per_normalised_form_and_hide_the_number(db):
    keys = {throttle_key(None, {"username": s}) for s in ("13900000000", "+86 139-0000-0000")}
    assert len(keys) == 1
    [key] = keys
    assert key.startswith("unknown:") and "13900000000" not in key
    assert throttle_key(None, {"username": "Nobody"}) == throttle_key(None, {"username": "nobody"})


def test_the_key_comes_from_the_form_when_axes_passes_no_credentials(mobile_user):
    request = RequestFactory().post("/login/", {"username": "+86 173 2245 8486"})
    assert throttle_key(request, None) == f"user:{mobile_user.pk}"


def test_client_address_trusts_only_the_configured_proxies(settings):
    request = RequestFactory().get("/", REMOTE_ADDR="10.0.0.2",
                                   HTTP_X_FORWARDED_FOR="6.6.6.6, 203.0.113.9")
    settings.SUNLIT_PROXY_COUNT = 0
    assert client_address(request) == "10.0.0.2"
    settings.SUNLIT_PROXY_COUNT = 1
    assert client_address(request) == "203.0.113.9"  # what our proxy saw, not the client's claim
    settings.SUNLIT_PROXY_COUNT = 3  # fewer hops than proxies: fall back to the peer
    assert client_address(request) == "10.0.0.2"
    settings.SUNLIT_PROXY_COUNT = 1
    request.META["HTTP_X_FORWARDED_FOR"] = "not-an-address"
    assert client_address(request) == "10.0.0.2"


def test_a_counter_refuses_at_its_limit_until_its_window_ends(settings):
    settings.SUNLIT_ACTIVATION_FAILURE_LIMIT = 3
    settings.SUNLIT_ACTIVATION_COOLOFF_MINUTES = 60
    keys = [("activation.code", "ABCDEFGHJK")]
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        for _ in range(2):
            throttle.failed(keys)
        assert throttle.blocked(keys) is None
        throttle.failed(keys)
        assert throttle.blocked(keys).scope == "activation.code"
        assert throttle.blocked([("activation.code", "OTHERCODE2")]) is None
    with time_machine.travel(start + dt.timedelta(minutes=61), tick=False):
        assert throttle.blocked(keys) is None


def test_a_limit_of_zero_turns_a_rule_off(settings):
    settings.SUNLIT_LOGIN_ADDRESS_FAILURE_LIMIT = 0
    keys = [("login.address", "10.0.0.1")]
    for _ in range(50):
        throttle.failed(keys)
    assert throttle.blocked(keys) is None


def test_no_number_or_code_is_written_into_cache_keys():
    key = throttle.rule("activation.mobile").key("13700000001")
    assert "13700000001" not in key and key.startswith(throttle.PREFIX)
