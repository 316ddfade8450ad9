"""Logging in with a mobile number or username, throttling, password reset, language."""

import pytest
from django.core import mail
from django.urls import reverse

from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db


def login(client, username, password=PASSWORD, **extra):
    return client.post(reverse("web:login"), {"username": username, "password": password}, **extra)


def test_owner_logs_in_with_mobile_number(client, owner):
    response = login(client, owner.mobile)
    assert response.status_code == 302
    assert client.get(reverse("web:home")).url == reverse("web:owner_home")


def test_mobile_number_with_spaces_and_country_code_is_accepted(client, owner):
    spaced = f"+86 {owner.mobile[:3]} {owner.mobile[3:7]} {owner.mobile[7:]}"
    assert login(client, spaced).status_code == 302


def test_staff_logs_in_with_username_and_lands_on_console(client, manager):
    assert login(client, "manager").status_code == 302
    assert client.get(reverse("web:home")).url == reverse("web:console")


def test_wrong_password_shows_chinese_error_and_keeps_username(client, owner):
    response = login(client, "owner", "wrong-password")
    assert response.status_code == 200
    page = response.content.decode()
    assert "手机号/用户名或密码不正确" in page
    assert 'value="owner"' in page


def test_repeated_failures_lock_the_account_for_this_address(client, owner):
    for _ in range(5):
        login(client, "owner", "wrong-password")
    response = login(client, "owner")  # even the right password is refused now
    assert response.status_code == 429
    assert "登录失败次数过多" in response.content.decode()


def test_lock_is_per_account_and_address(client, owner, manager):
    for _ in range(5):
        login(client, "owner", "wrong-password")
    assert login(client, "manager").status_code == 302
    assert login(client, "owner", REMOTE_ADDR="10.9.9.9").status_code == 302


def test_password_reset_sends_a_working_link(client, owner):
    owner.email = "owner@example.com"
    owner.save(update_fields=["email"])
    response = client.post(reverse("web:password_reset"), {"email": "owner@example.com"})
    assert response.status_code == 302
    assert len(mail.outbox) == 1
    body = mail.outbox[0].body
    assert "重置" in mail.outbox[0].subject
    link = next(line for line in body.splitlines() if "/password/reset/" in line)
    path = link.split("testserver", 1)[1]
    form_page = client.get(path, follow=True)
    assert form_page.status_code == 200
    response = client.post(form_page.redirect_chain[-1][0],
                           {"new_password1": "new-secret-pass-42",
                            "new_password2": "new-secret-pass-42"})
    assert response.status_code == 302
    client.logout()
    assert login(client, "owner", "new-secret-pass-42").status_code == 302


def test_pages_are_chinese_even_when_the_browser_asks_for_english(client):
    response = client.get(reverse("web:login"), HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")
    assert "登录账号" in response.content.decode()
    assert response["Content-Language"] == "zh-hans"


def test_english_on_request(client):
    client.cookies["django_language"] = "en"
    response = client.get(reverse("web:login"))
    assert response["Content-Language"] == "en"
    assert "Sign in" in response.content.decode()


def test_anonymous_is_sent_to_login(client):
    response = client.get(reverse("registry:unit_list"))
    assert response.status_code == 302 and reverse("web:login") in response.url
