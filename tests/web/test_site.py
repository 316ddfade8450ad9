"""What a visitor and a browser find: the landing page with the public logs, the way in, the
icon and the web app manifest, and error pages in Chinese with a way back."""

from __future__ import annotations

import pytest
from django.test import Client, override_settings
from django.urls import path, reverse

from sunlit.transparency import services as log
from sunlit.transparency.models import Log


def test_a_visitor_lands_on_what_sunlit_is_with_the_public_logs(client, community, manager):
    from sunlit.notices import services as notices

    notices.publish_announcement(community, actor=manager, kind="notice", title="停水通知", body="周六停水")
    log.sign_checkpoint(Log.objects.get(community=community))
    page = client.get("/")
    assert page.status_code == 200 and 'data-testid="landing"' in page.text
    text = page.text
    assert "阳光账本" in text and "每周曝光台" in text and "明强小区" in text
    log_url = reverse("transparency:log", args=[Log.objects.get(community=community).path])
    assert log_url in text and client.get(log_url).status_code == 200
    for target in (reverse("web:login"), reverse("web:activate")):
        assert f'href="{target}"' in text and client.get(target).status_code == 200
    assert 'rel="icon"' in text and 'rel="manifest"' in text
    assert "English" in text  # the language switch is there for visitors too


def test_a_logged_in_user_still_goes_to_his_home(client, owner):
    client.force_login(owner)
    assert client.get("/").url == reverse("web:owner_home")


def test_the_manifest_and_the_icon(client):
    manifest = client.get(reverse("web:manifest"))
    assert manifest.status_code == 200 and manifest["Content-Type"] == "application/manifest+json"
    data = manifest.json()
    assert data["name"] == "阳光物业" and data["start_url"] == "/" and data["display"] == "standalone"
    for icon in data["icons"]:
        assert Client().get(icon["src"]).status_code == 200, icon  # served (from the app's folder)
    favicon = client.get("/favicon.ico")
    assert favicon.status_code == 302 and favicon.url.endswith(".png")
    assert client.post(reverse("web:manifest")).status_code == 405


def test_404_and_403_pages_are_chinese_with_a_way_back(client, owner, technician):
    client.force_login(owner)
    missing = client.get("/tickets/999999/")
    assert missing.status_code == 404 and "未找到" in missing.text and 'href="/"' in missing.text
    client.force_login(technician)
    refused = client.get(reverse("web:audit_list"))
    assert refused.status_code == 403 and "没有权限" in refused.text and "返回首页" in refused.text


def _boom(request):
    raise RuntimeError("boom")


urlpatterns = [path("boom/", _boom)]


@override_settings(ROOT_URLCONF=__name__, DEBUG=False)
def test_a_server_error_is_a_chinese_page_with_a_way_back():
    client = Client(raise_request_exception=False)
    answer = client.get("/boom/")
    assert answer.status_code == 500
    text = answer.content.decode()
    assert "服务器出错了" in text and 'href="/"' in text and "Traceback" not in text


@pytest.mark.parametrize("name", ["web:manifest", "web:favicon"])
def test_the_browser_files_need_no_login(client, name):
    assert client.get(reverse(name)).status_code in (200, 302)
