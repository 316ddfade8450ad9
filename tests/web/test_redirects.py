"""Safe redirects (core.redirects): one rule for every ``next``; hostile values fall back.

The finance and ticket views that honour ``next`` are tested beside their own tests
(tests/finance/test_waivers.py, tests/finance/test_report_pages.py, tests/tickets/test_ticket_page.py,
tests/tickets/test_queue.py); here are the rule itself and the shared pages."""

from __future__ import annotations

import pytest
from django.test import RequestFactory
from django.urls import reverse

from sunlit.core.redirects import is_safe_path, safe_next
from sunlit.notices.services import is_safe_relative_url
from tests.conftest import HOSTILE_NEXT, PASSWORD

pytestmark = pytest.mark.django_db

SAFE = ("/", "/tickets/12/", "/finance/waivers/?status=pending&page=2", "/me/#homes",
        "/board/?q=%2F%2Fevil")


@pytest.mark.parametrize("url", (*HOSTILE_NEXT, "", "evil.example", "/\\\\", "/ok\x00",
                                 "/ok\nSet-Cookie: x", None, 12, "/" + "a" * 3000))
def test_hostile_targets_are_not_safe(url):
    assert not is_safe_path(url, host="testserver")
    assert not is_safe_relative_url(url)


@pytest.mark.parametrize("url", SAFE)
def test_paths_on_this_site_are_safe(url):
    assert is_safe_path(url, host="testserver") and is_safe_relative_url(url)


def test_safe_next_falls_back_to_the_view_s_page():
    request = RequestFactory().post("/x/", {"next": "//evil.example"})
    assert safe_next(request, "web:home") == reverse("web:home")
    request = RequestFactory().post("/x/", {"next": "/tickets/"})
    assert safe_next(request, "web:home") == "/tickets/"


@pytest.mark.parametrize("evil", HOSTILE_NEXT)
def test_login_never_leaves_the_site(client, owner, evil):
    response = client.post(reverse("web:login"), {"username": "owner", "password": PASSWORD,
                                                  "next": evil})
    assert response.status_code == 302 and response["Location"] == reverse("web:home")
    page = client.get(reverse("web:login"), {"next": evil})  # logged in: straight home
    assert page.status_code == 302 and page["Location"] == reverse("web:home")


def test_login_follows_a_path_of_ours(client, owner):
    response = client.post(reverse("web:login") + "?next=/notices/",
                           {"username": "owner", "password": PASSWORD})
    assert response["Location"] == "/notices/"


@pytest.mark.parametrize("evil", HOSTILE_NEXT)
def test_logout_never_leaves_the_site(client, owner, evil):
    client.force_login(owner)
    response = client.post(reverse("web:logout"), {"next": evil})
    assert response.status_code == 302 and response["Location"] == reverse("web:login")


@pytest.mark.parametrize("evil", HOSTILE_NEXT)
def test_the_language_switch_never_leaves_the_site(client, evil):
    response = client.post(reverse("set_language"), {"language": "en", "next": evil})
    assert response.status_code == 302 and response["Location"] == reverse("web:home")
    assert response.cookies["django_language"].value == "en"


def test_the_language_switch_returns_to_the_page(client):
    response = client.post(reverse("set_language"), {"language": "zh-hans", "next": "/board/"})
    assert response["Location"] == "/board/"
    bad = client.post(reverse("set_language"), {"language": "xx", "next": "/board/"})
    assert "django_language" not in bad.cookies
    assert client.get(reverse("set_language")).status_code == 405
