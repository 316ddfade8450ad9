"""Logging in with a mobile number or username, throttling, password reset, language."""

import pytest
from django.core import mail
from django.urls import reverse

from sunlit.core.choices import Role
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
    assert response.status_code == 400
    page = response.content.decode()
    assert "手机号/用户名或密码不正确" in page
    assert 'value="owner"' in page


def test_repeated_failures_lock_the_account_for_this_address(client, owner):
    for _ in range(5):
        login(client, "owner", "wrong-password")
    response = login(client, "owner")  # even the right password is refused now
    assert response.status_code == 429
    assert "登录失败次数过多" in response.content.decode()
    assert response["Retry-After"] == "900" and response["Content-Language"] == "zh-hans"


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


# --- throttling by the resolved account (issue 12: spellings were fresh tries) ---------------------

@pytest.fixture
def mobile_owner(make_member):
    return make_member(Role.OWNER, username="DEMO-owner", mobile="17322458486")


SPELLINGS = ["17322458486", "173-22458486", "+86 173 2245 8486", "+8617322458486",
             "0086 17322458486", "DEMO-owner", "demo-owner", "Demo-OWNER"]


@pytest.mark.parametrize("then", SPELLINGS)
@pytest.mark.parametrize("first", ["17322458486", "DEMO-owner", "173-22458486"])
def test_every_spelling_of_the_account_counts_against_it(client, mobile_owner, first, then):
    statuses = [login(client, first, "wrong-password").status_code for _ in range(5)]
    assert statuses == [400, 400, 400, 400, 429]  # the fifth failure locks
    response = login(client, then)  # the right password, another spelling: still locked
    assert response.status_code == 429, then
    assert "登录失败次数过多" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_mixed_spellings_add_up_to_one_count(client, mobile_owner):
    for spelling in ("173-22458486", "+86 173 2245 8486", "DEMO-owner", "demo-owner",
                     "17322458486"):
        login(client, spelling, "wrong-password")
    assert login(client, "17322458486").status_code == 429


def test_one_address_trying_many_accounts_is_paused(client, settings, make_member):
    settings.SUNLIT_LOGIN_ADDRESS_FAILURE_LIMIT = 3
    victims = [make_member(Role.OWNER, username=f"victim{i}") for i in range(4)]
    for victim in victims[:3]:
        assert login(client, victim.username, "wrong-password").status_code == 400
    response = login(client, victims[3].username)
    assert response.status_code == 429 and "此网络地址的登录失败次数过多" in response.content.decode()
    assert response["Retry-After"] == "900"
    assert "_auth_user_id" not in client.session
    assert login(client, victims[3].username, REMOTE_ADDR="10.7.7.7").status_code == 302


def test_the_address_is_the_one_our_proxy_saw(client, settings, owner):
    settings.SUNLIT_PROXY_COUNT = 1
    for i in range(5):  # the client's own X-Forwarded-For claims change nothing
        login(client, "owner", "wrong-password", HTTP_X_FORWARDED_FOR=f"1.1.1.{i}, 203.0.113.5")
    assert login(client, "owner", HTTP_X_FORWARDED_FOR="9.9.9.9, 203.0.113.5").status_code == 429
    assert login(client, "owner", HTTP_X_FORWARDED_FOR="203.0.113.6").status_code == 302


def test_a_username_in_capitals_is_the_same_account(client, make_member):
    """Issue 12's spelling: ``DEMO-manager`` got fresh tries against ``demo-manager``."""
    make_member(Role.MANAGER, username="demo-manager")
    for _ in range(5):
        login(client, "DEMO-manager", "wrong-password")
    assert login(client, "demo-manager").status_code == 429
    assert login(client, "Demo-Manager").status_code == 429
