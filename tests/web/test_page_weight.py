"""Phone pages stay light: the owner's pages, on first load, with every stylesheet and script
they name, transfer at most 300 KB; static files have hashed names, are served compressed and
are cached for a year (a change is a new name)."""

from __future__ import annotations

import re

import pytest
from django.core.management import call_command
from django.http import HttpResponse
from django.test import RequestFactory
from django.urls import reverse
from whitenoise.middleware import WhiteNoiseMiddleware

from sunlit.web.storage import StaticStorage, collect_if_changed

BUDGET = 300 * 1024
OWNER_PAGES = ("web:owner_home", "finance:my_bills", "tickets:ticket_list", "tickets:submit",
               "notices:inbox", "governance:vote_list", "board:board_list", "finance:ledger_home")
ASSET = re.compile(r'(?:href|src)="(/static/[^"?#]+)"')
HASHED = re.compile(r"\.[0-9a-f]{12}\.\w+$")


@pytest.fixture
def collected(settings, tmp_path):
    settings.STATIC_ROOT = tmp_path / "static"
    settings.STORAGES = {**settings.STORAGES,
                         "staticfiles": {"BACKEND": "sunlit.web.storage.StaticStorage"}}
    settings.WHITENOISE_KEEP_ONLY_HASHED_FILES = True
    assert collect_if_changed() is True
    assert collect_if_changed() is False  # nothing changed: nothing collected again
    return settings.STATIC_ROOT


def _transferred(root, url: str) -> int:
    path = root / url.removeprefix("/static/")
    compressed = path.with_name(path.name + ".br")
    return (compressed if compressed.exists() else path).stat().st_size


def test_the_owners_phone_pages_weigh_at_most_300_kb(client, owner, collected):
    client.force_login(owner)
    weights = {}
    for name in OWNER_PAGES:
        page = client.get(reverse(name))
        assert page.status_code == 200, name
        assets = sorted(set(ASSET.findall(page.text)))
        assert assets and all(HASHED.search(a) for a in assets), (name, assets)
        weights[name] = len(page.content) + sum(_transferred(collected, a) for a in assets)
    print({name: f"{w / 1024:.0f} KB" for name, w in weights.items()})
    assert max(weights.values()) <= BUDGET, weights


def test_static_files_are_served_compressed_and_cached_for_a_year(client, owner, collected):
    client.force_login(owner)
    css = next(a for a in ASSET.findall(client.get(reverse("web:owner_home")).text) if a.endswith(".css"))
    serve = WhiteNoiseMiddleware(get_response=lambda request: HttpResponse(status=404))
    answer = serve(RequestFactory().get(css, HTTP_ACCEPT_ENCODING="gzip, deflate, br"))
    assert answer.status_code == 200 and answer["Content-Encoding"] == "br"
    assert "immutable" in answer["Cache-Control"] and "max-age=315360000" in answer["Cache-Control"]
    assert int(answer["Content-Length"]) == _transferred(collected, css)


def test_without_a_collect_the_plain_names_are_used(settings):
    settings.STORAGES = {**settings.STORAGES,
                         "staticfiles": {"BACKEND": "sunlit.web.storage.StaticStorage"}}
    assert StaticStorage(location=settings.STATIC_ROOT / "empty").url("sunlit/sunlit.css") \
        == "/static/sunlit/sunlit.css"


def test_collectstatic_refuses_nothing_in_the_vendored_files(settings, tmp_path):
    """A vendored file that names a file we do not ship (a source map) would fail the collect."""
    settings.STATIC_ROOT = tmp_path / "s"
    settings.STORAGES = {**settings.STORAGES,
                         "staticfiles": {"BACKEND": "sunlit.web.storage.StaticStorage"}}
    call_command("collectstatic", interactive=False, verbosity=0)
    assert (tmp_path / "s" / "staticfiles.json").exists()
