"""Deployment defaults: a Content-Security-Policy on every page, inline script only with the
request's nonce and no inline event handlers anywhere; HSTS and Secure cookies for https."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.urls import reverse

import sunlit
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db

TEMPLATES = sorted(Path(sunlit.__file__).parent.glob("**/templates/**/*.html"))
TAG = re.compile(r"<[a-zA-Z][^<>]*>", re.S)
HANDLER = re.compile(r"\son[a-z]+\s*=", re.I)
SCRIPT = re.compile(r"<script\b([^>]*)>", re.I)


def policy(response) -> dict[str, list[str]]:
    header = response["Content-Security-Policy"]
    return {name: values for name, *values in (part.split() for part in header.split(";") if part.strip())}


def assert_csp_clean(response) -> None:
    """Every inline script of the page carries the nonce of this response; no handler attributes."""
    directives = policy(response)
    nonces = {v[len("'nonce-"):-1] for v in directives["script-src"] if v.startswith("'nonce-")}
    html = response.content.decode()
    for attrs in SCRIPT.findall(html):
        if "src=" in attrs or 'type="application/json"' in attrs:
            continue
        found = re.search(r'nonce="([^"]+)"', attrs)
        assert found and found.group(1) in nonces, f"inline <script{attrs}> without this response's nonce"
    for tag in TAG.findall(html):
        assert not HANDLER.search(tag), f"inline event handler in {tag[:120]}"


@pytest.mark.parametrize("template", TEMPLATES, ids=lambda p: str(p).split("templates/", 1)[-1])
def test_no_template_has_inline_handlers_or_unnonced_script(template):
    text = template.read_text(encoding="utf-8")
    for tag in TAG.findall(text):
        assert not HANDLER.search(tag), f"{template.name}: inline event handler in {tag[:120]}"
        assert "javascript:" not in tag.lower(), f"{template.name}: javascript: URL in {tag[:120]}"
    for attrs in SCRIPT.findall(text):
        if "src=" in attrs or 'type="application/json"' in attrs:
            continue
        assert 'nonce="{{ CSP_NONCE }}"' in attrs, f"{template.name}: <script{attrs}> needs the nonce"


def test_every_page_carries_the_policy(client):
    response = client.get(reverse("web:login"))
    directives = policy(response)
    assert directives["default-src"] == ["'self'"]
    assert directives["script-src"] == ["'self'"]  # no inline script on this page: no nonce needed
    assert not {"'unsafe-inline'", "'unsafe-eval'"} & set(directives["script-src"])
    assert directives["object-src"] == ["'none'"] and directives["frame-ancestors"] == ["'none'"]
    assert directives["base-uri"] == ["'self'"]
    assert_csp_clean(response)
    api = client.get("/api/v1/me")
    assert "Content-Security-Policy" in api


def test_the_nonce_is_new_for_every_response(client, owner, owner_unit):
    client.force_login(owner)
    first = client.get(reverse("tickets:submit"))
    second = client.get(reverse("tickets:submit"))
    assert_csp_clean(first)
    assert_csp_clean(second)
    assert policy(first)["script-src"] != policy(second)["script-src"]


@pytest.mark.parametrize(("persona", "url"), [
    ("owner", "web:owner_home"), ("owner", "finance:my_bills"), ("owner", "tickets:submit"),
    ("owner", "board:board_list"), ("owner", "finance:ledger_home"), ("owner", "web:bind_home"),
    ("owner", "web:api_tokens"), ("manager", "web:console"), ("manager", "web:audit_list"),
    ("manager", "finance:collection"), ("dispatcher", "tickets:queue"),
    ("service", "registry:activation_list"), (None, "web:activate"),
])
def test_pages_keep_to_the_policy(client, request, persona, url):
    if persona:
        client.force_login(request.getfixturevalue(persona))
    response = client.get(reverse(url))
    assert response.status_code == 200, url
    assert_csp_clean(response)


def test_api_docs_are_served_from_this_site(client):
    page = client.get("/api/docs").content.decode()
    assert "/static/ninja/swagger-ui-bundle.js" in page and "cdn." not in page


def _settings_with(env: dict[str, str], tmp_path) -> dict:
    code = ("import json, django; django.setup(); from django.conf import settings as s; "
            "print(json.dumps({k: getattr(s, k, None) for k in ('SESSION_COOKIE_SECURE', "
            "'CSRF_COOKIE_SECURE', 'SECURE_HSTS_SECONDS', 'SECURE_PROXY_SSL_HEADER', "
            "'LANGUAGE_COOKIE_SECURE', 'SECURE_SSL_REDIRECT', "
            "'CONTENT_SECURITY_POLICY_REPORT_ONLY')}, default=str))")
    keep = {k: v for k, v in os.environ.items() if not k.startswith("SUNLIT_")}
    result = subprocess.run(
        [sys.executable, "-c", code], check=True, capture_output=True, text=True,
        env={**keep, "DJANGO_SETTINGS_MODULE": "sunlit.settings", "SUNLIT_DATA_DIR": str(tmp_path),
             **env})
    return json.loads(result.stdout)


def test_https_base_url_turns_on_hsts_and_secure_cookies(tmp_path):
    https = _settings_with({"SUNLIT_BASE_URL": "https://wuye.example.cn"}, tmp_path)
    assert https["SESSION_COOKIE_SECURE"] and https["CSRF_COOKIE_SECURE"]
    assert https["LANGUAGE_COOKIE_SECURE"]
    assert https["SECURE_HSTS_SECONDS"] == 31536000
    assert https["SECURE_PROXY_SSL_HEADER"] is None and not https["SECURE_SSL_REDIRECT"]
    plain = _settings_with({"SUNLIT_BASE_URL": "http://192.168.1.10:8000"}, tmp_path)
    assert not plain["SESSION_COOKIE_SECURE"] and plain["SECURE_HSTS_SECONDS"] == 0
    proxied = _settings_with({"SUNLIT_BASE_URL": "https://wuye.example.cn",
                              "SUNLIT_BEHIND_TLS_PROXY": "1", "SUNLIT_CSP_REPORT_ONLY": "1"}, tmp_path)
    assert proxied["SECURE_PROXY_SSL_HEADER"] == ["HTTP_X_FORWARDED_PROTO", "https"]
    assert proxied["CONTENT_SECURITY_POLICY_REPORT_ONLY"] is not None


def test_behind_a_tls_proxy_the_browser_gets_hsts_and_secure_cookies(client, owner, settings):
    settings.SECURE_HSTS_SECONDS = 31536000
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    settings.SESSION_COOKIE_SECURE = settings.CSRF_COOKIE_SECURE = True
    response = client.post(reverse("web:login"), {"username": "owner", "password": PASSWORD},
                           HTTP_X_FORWARDED_PROTO="https")
    assert response["Strict-Transport-Security"] == "max-age=31536000"
    assert response.cookies["sessionid"]["secure"]
    plain = client.get(reverse("web:login"))  # HSTS is only ever sent over https
    assert "Strict-Transport-Security" not in plain
