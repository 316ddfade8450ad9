"""The inbox pages, the bell in the top bar, and the notification API."""

from __future__ import annotations

import json

import pytest
from django.urls import reverse

from sunlit.core.services import create_api_token
from sunlit.notices.models import Notification, NotificationPreference

API = "/api/v1"


@pytest.fixture
def inbox_of_owner(send, owner):
    """Three notifications for the owner, the oldest already read; one for customer service."""
    old, middle, new = (send([owner], title=f"通知{n}", url=f"/tickets/{n}/")[0] for n in (1, 2, 3))
    Notification.objects.filter(pk=old.pk).update(read_at=old.created_at)
    return old, middle, new


def test_inbox_lists_unread_first_in_chinese(client, owner, inbox_of_owner):
    _old, _middle, _new = inbox_of_owner
    client.force_login(owner)
    response = client.get(reverse("notices:inbox"))
    page = response.content.decode()
    assert response.status_code == 200
    assert "我的通知" in page and "全部标为已读" in page and "未读" in page
    assert page.index("通知3") < page.index("通知2") < page.index("通知1")
    assert page.count("notice-unread") == 2
    assert 'data-testid="notice-count">2<' in page  # the bell


def test_inbox_unread_filter_and_htmx_partial(client, owner, inbox_of_owner):
    client.force_login(owner)
    page = client.get(reverse("notices:inbox"), {"unread": "1"}).content.decode()
    assert "通知3" in page and "通知1" not in page
    partial = client.get(reverse("notices:inbox"), headers={"HX-Request": "true"}).content.decode()
    assert "通知3" in partial and "<html" not in partial


def test_empty_inbox_says_so(client, service):
    client.force_login(service)
    page = client.get(reverse("notices:inbox")).content.decode()
    assert "暂无通知" in page
    assert 'data-testid="notice-count"' not in page


def test_inbox_query_budget(client, owner, send, django_assert_max_num_queries):
    for n in range(30):
        send([owner], title=f"批量{n}")
    client.force_login(owner)
    client.get(reverse("notices:inbox"))
    with django_assert_max_num_queries(10):
        response = client.get(reverse("notices:inbox"))
    assert response.status_code == 200
    assert "批量29" in response.content.decode() and "2" in response.content.decode()


def test_opening_marks_read_and_goes_to_the_object(client, owner, inbox_of_owner):
    _old, middle, _new = inbox_of_owner
    client.force_login(owner)
    response = client.get(reverse("notices:open", args=[middle.pk]))
    assert response.status_code == 302 and response["Location"] == "/tickets/2/"
    middle.refresh_from_db()
    assert middle.read_at is not None


def test_someone_elses_notification_is_404(client, service, owner, inbox_of_owner, owner_other_community):
    _old, middle, _new = inbox_of_owner
    for other in (service, owner_other_community):
        client.force_login(other)
        assert client.get(reverse("notices:open", args=[middle.pk])).status_code == 404
    middle.refresh_from_db()
    assert middle.read_at is None


@pytest.mark.parametrize("url", ["https://evil.example/", "//evil.example/", "/\\evil.example/",
                                 "javascript:alert(1)"])
def test_open_redirect_is_refused(client, owner, send, url):
    (note,) = send([owner])
    Notification.objects.filter(pk=note.pk).update(url=url)  # as if written by a buggy caller
    client.force_login(owner)
    response = client.get(reverse("notices:open", args=[note.pk]))
    assert response.status_code == 302 and response["Location"] == reverse("notices:inbox")


def test_read_all_needs_post_and_clears_the_badge(client, owner, inbox_of_owner):
    client.force_login(owner)
    assert client.get(reverse("notices:read_all")).status_code == 405
    response = client.post(reverse("notices:read_all"), follow=True)
    page = response.content.decode()
    assert "已将 2 条通知标为已读" in page
    assert 'data-testid="notice-count"' not in page
    assert not Notification.objects.filter(recipient=owner, read_at__isnull=True).exists()


def test_anonymous_goes_to_login(client, inbox_of_owner):
    response = client.get(reverse("notices:inbox"))
    assert response.status_code == 302 and "/login/" in response["Location"]


def test_badge_counts_only_own_unread_in_own_communities(client, owner, service, send):
    send([owner])
    send([owner])
    send([service])
    client.force_login(service)
    page = client.get(reverse("web:home"), follow=True).content.decode()
    assert 'data-testid="notice-count">1<' in page


def test_preferences_page_saves_channels(client, owner):
    client.force_login(owner)
    page = client.get(reverse("notices:preferences")).content.decode()
    assert "通知设置" in page and "短信" in page and "尚未绑定物业公众号" in page
    response = client.post(reverse("notices:preferences"), {"sms": "on"})
    assert response.status_code == 302
    preference = NotificationPreference.objects.get(user=owner)
    assert (preference.email, preference.sms, preference.wechat) == (False, True, False)


# --- API ----------------------------------------------------------------------------------------

def call(client, method, path, data=None, **headers):
    body = json.dumps(data) if data is not None else None
    response = getattr(client, method)(f"{API}{path}", data=body, content_type="application/json",
                                       headers=headers)
    return response, (response.json() if response.content else None)


def test_api_lists_my_notifications(client, owner, inbox_of_owner, community):
    client.force_login(owner)
    response, body = call(client, "get", "/notices")
    assert response.status_code == 200
    assert body["count"] == 3 and body["unread"] == 2
    assert [item["title"] for item in body["items"]] == ["通知3", "通知2", "通知1"]
    first = body["items"][0]
    assert first["community"] == "明强小区" and first["kind"] == "ticket" and first["kind_label"] == "工单"
    assert first["is_read"] is False and first["url"] == "/tickets/3/"
    _response, unread = call(client, "get", "/notices?unread=true&limit=1")
    assert unread["count"] == 2 and len(unread["items"]) == 1


def test_api_marks_read_with_a_token(client, owner, inbox_of_owner):
    _old, middle, _new = inbox_of_owner
    auth = {"Authorization": f"Bearer {create_api_token(owner, name='手机')}"}
    response, body = call(client, "post", f"/notices/{middle.pk}/read", **auth)
    assert response.status_code == 200 and body["is_read"] is True and body["read_at"]
    response, body = call(client, "post", "/notices/read-all", {}, **auth)
    assert response.status_code == 200 and body == {"updated": 1}
    response, body = call(client, "post", "/notices/read-all", **auth)
    assert body == {"updated": 0}


def test_api_refuses_what_is_not_mine_and_bad_input(client, service, owner, inbox_of_owner,
                                                    other_community):
    _old, middle, _new = inbox_of_owner
    client.force_login(service)
    response, body = call(client, "post", f"/notices/{middle.pk}/read")
    assert response.status_code == 404 and body["detail"] == "未找到"
    response, body = call(client, "post", "/notices/abc/read")
    assert response.status_code == 422
    response, body = call(client, "get", "/notices?limit=1000")
    assert response.status_code == 422 and body["errors"][0]["field"] == "limit"
    response, body = call(client, "post", "/notices/read-all", {"community_id": other_community.pk})
    assert response.status_code == 422 and body["errors"][0]["field"] == "community"
    response, body = call(client, "post", "/notices/read-all", {"community_id": "x"})
    assert response.status_code == 422
    middle.refresh_from_db()
    assert middle.read_at is None


def test_api_needs_a_login(client, inbox_of_owner):
    response, _body = call(client, "get", "/notices")
    assert response.status_code == 401
