"""The account pages: 业主开户 (/activate/), 绑定新房屋 (/me/bind/), 接口令牌 (/account/tokens/).

Activation only ever opens a new account; an existing user binds a home from his own account with
his password; both are throttled per address, per code, per mobile and per account; a user sees
and revokes only his own tokens. Refusals are Chinese, 4xx, and change nothing."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils import timezone

from sunlit.core.choices import Role
from sunlit.core.models import ActivationCode, ApiToken, AuditEvent, Membership, Person, User
from sunlit.core.services import create_api_token, issue_activation_codes
from sunlit.core.tenancy import SESSION_KEY
from sunlit.notices.models import Notification
from tests.conftest import PASSWORD
from tests.factories import OwnershipFactory, UnitFactory

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "sunny-garden-42"


@pytest.fixture
def service_b(make_member, other_community):
    return make_member(Role.SERVICE, other_community, username="service_b")


def roster_person(community, mobile, name="钱业主"):
    unit = UnitFactory(building__community=community)
    return OwnershipFactory(unit=unit, person__community=community, person__name=name,
                            person__mobile=mobile).person


def code_for(person, actor) -> str:
    issue_activation_codes(person.community, [person], actor=actor)
    return ActivationCode.objects.usable(timezone.now()).get(person=person).code


def state():
    return (User.objects.count(), Membership.objects.count(), AuditEvent.objects.count(),
            Notification.objects.count(), dict(Person.objects.values_list("pk", "user_id")),
            ActivationCode.objects.filter(used_at__isnull=False).count())


def activate(client, code, mobile, password=NEW_PASSWORD, **extra):
    return client.post(reverse("web:activate"), {"code": code, "mobile": mobile,
                                                 "password": password, "password2": password},
                       **extra)


# --- activation --------------------------------------------------------------------------------

def test_activation_opens_a_new_account_whose_password_works(client, community, service):
    person = roster_person(community, "13600000001")
    response = activate(client, code_for(person, service), "136 0000 0001")
    assert response.status_code == 302 and response["Location"] == reverse("web:home")
    user = User.objects.get(persons=person)
    assert client.session["_auth_user_id"] == str(user.pk)
    client.post(reverse("web:logout"))
    login = client.post(reverse("web:login"), {"username": "13600000001", "password": NEW_PASSWORD})
    assert login.status_code == 302


def test_the_takeover_by_activation_is_refused(client, owner, other_community, service_b):
    """Issue 12, item 1: a 客服 of another community puts the owner's mobile on a roster person,
    prints a code and activates. Nothing happens: no login, no link, no new password."""
    bait = roster_person(other_community, owner.mobile)
    code = code_for(bait, service_b)
    before = state()
    response = activate(client, code, owner.mobile, password="attacker-pass-77")
    page = response.content.decode()
    assert response.status_code == 400
    assert "该手机号已有账号，不能再开户" in page and reverse("web:bind_home") in page
    assert "_auth_user_id" not in client.session
    assert client.get(reverse("web:owner_home")).status_code == 302  # not logged in
    assert state() == before
    owner.refresh_from_db()
    assert owner.check_password(PASSWORD) and not owner.check_password("attacker-pass-77")
    bad = client.post(reverse("web:login"), {"username": owner.mobile, "password": "attacker-pass-77"})
    assert bad.status_code == 400


def test_bad_activation_input_is_chinese_and_keeps_what_was_typed(client, community, service):
    person = roster_person(community, "13600000002")
    code_for(person, service)
    before = state()
    response = activate(client, "WRONGCODE2", "13600000002")
    page = response.content.decode()
    assert response.status_code == 400 and "激活码无效" in page and 'value="WRONGCODE2"' in page
    response = activate(client, "X", "12345")
    assert response.status_code == 400 and "手机号格式不正确" in response.content.decode()
    assert state() == before


@pytest.mark.parametrize("vary", ["address", "code", "mobile"])
def test_activation_is_throttled(client, community, service, settings, vary):
    """Five failures for one code, one mobile number or (20) from one address pause it."""
    settings.SUNLIT_ACTIVATION_FAILURE_LIMIT = 5
    settings.SUNLIT_ACTIVATION_ADDRESS_FAILURE_LIMIT = 5
    person = roster_person(community, "13600000003")
    good = code_for(person, service)
    for i in range(5):
        # vary everything except the key under test
        code = good[:-2] + "ZZ" if vary == "code" else f"WRONG{i:05d}"
        mobile = "13600000003" if vary == "mobile" else f"1360000010{i}"
        address = "10.0.0.1" if vary == "address" else f"10.0.1.{i}"
        assert activate(client, code, mobile, REMOTE_ADDR=address).status_code == 400
    before = state()
    code = good[:-2] + "ZZ" if vary == "code" else good
    address = "10.0.0.1" if vary == "address" else "10.0.2.1"
    response = activate(client, code, "13600000003", REMOTE_ADDR=address)
    assert response.status_code == 429 and response["Retry-After"] == "3600"
    assert "开户或绑定房屋的失败次数过多" in response.content.decode()
    assert state() == before  # the correct code was not used while paused
    if vary != "code":
        assert activate(client, good, "13600000003", REMOTE_ADDR="10.0.3.1").status_code == (
            429 if vary == "mobile" else 302)


# --- binding a home ----------------------------------------------------------------------------

def test_bind_page_is_for_logged_in_users(client):
    response = client.get(reverse("web:bind_home"))
    assert response.status_code == 302 and reverse("web:login") in response["Location"]
    assert client.post(reverse("web:bind_home"), {"code": "X", "password": "x"}).status_code == 302


def test_owner_binds_a_home_from_his_account(client, owner, other_community, service_b):
    home = roster_person(other_community, owner.mobile, name="王小明")
    code = code_for(home, service_b)
    client.force_login(owner)
    page = client.get(reverse("web:bind_home"))
    assert page.status_code == 200 and "绑定新房屋" in page.content.decode()
    assert 'name="viewport"' in page.content.decode()
    response = client.post(reverse("web:bind_home"), {"code": code.lower(), "password": PASSWORD})
    assert response.status_code == 302 and response["Location"] == reverse("web:owner_home")
    home.refresh_from_db()
    assert home.user == owner
    assert client.session[SESSION_KEY] == other_community.pk  # the new home's community is shown
    inbox = client.get(reverse("notices:inbox")).content.decode()
    assert "您的账号已绑定新房屋" in inbox


def test_binding_with_a_wrong_password_says_so_beside_the_field(client, owner, other_community,
                                                               service_b):
    home = roster_person(other_community, owner.mobile)
    code = code_for(home, service_b)
    client.force_login(owner)
    before = state()
    response = client.post(reverse("web:bind_home"), {"code": code, "password": "guess-1234"})
    page = response.content.decode()
    assert response.status_code == 400 and "密码不正确" in page and f'value="{code}"' in page
    assert state() == before


@pytest.mark.parametrize("vary", ["account", "code"])
def test_binding_is_throttled(client, owner, other_community, service_b, settings, vary):
    settings.SUNLIT_ACTIVATION_FAILURE_LIMIT = 3
    home = roster_person(other_community, owner.mobile)
    code = code_for(home, service_b)
    client.force_login(owner)
    for i in range(3):
        tried = code if vary == "code" else f"WRONG{i:05d}"
        client.post(reverse("web:bind_home"), {"code": tried, "password": "guess-1234"},
                    REMOTE_ADDR=f"10.0.4.{i}")
    before = state()
    response = client.post(reverse("web:bind_home"), {"code": code, "password": PASSWORD},
                           REMOTE_ADDR="10.0.5.1")
    assert response.status_code == 429 and "失败次数过多" in response.content.decode()
    assert state() == before


# --- API tokens --------------------------------------------------------------------------------

def test_tokens_page_lists_creates_and_revokes_own_tokens(client, owner, manager):
    create_api_token(manager, name="经理的脚本")
    client.force_login(owner)
    page = client.get(reverse("web:api_tokens"))
    assert page.status_code == 200 and "经理的脚本" not in page.content.decode()
    assert "no-cache" in page["Cache-Control"] or "no-store" in page["Cache-Control"]
    created = client.post(reverse("web:api_tokens"), {"name": "东门道闸", "valid_days": 30})
    body = created.content.decode()
    token = ApiToken.objects.get(user=owner)
    assert created.status_code == 200 and f"sl_{token.prefix}_" in body
    assert 'data-testid="token-secret"' in body and "东门道闸" in body and "有效" in body
    again = client.get(reverse("web:api_tokens")).content.decode()
    assert 'data-testid="token-secret"' not in again  # shown once
    revoked = client.post(reverse("web:api_token_revoke", args=[token.pk]))
    assert revoked.status_code == 302
    token.refresh_from_db()
    assert token.revoked_at is not None
    assert "已吊销" in client.get(reverse("web:api_tokens")).content.decode()


def test_another_users_token_is_not_found_and_stays(client, owner, manager):
    create_api_token(manager, name="经理的脚本")
    theirs = ApiToken.objects.get(user=manager)
    client.force_login(owner)
    assert client.post(reverse("web:api_token_revoke", args=[theirs.pk])).status_code == 404
    theirs.refresh_from_db()
    assert theirs.revoked_at is None


@pytest.mark.parametrize(("data", "message"), [
    ({"name": "", "valid_days": 30}, "这个字段是必填项"),
    ({"name": "脚本", "valid_days": 0}, "1"),
    ({"name": "脚本", "valid_days": 99999}, "3650"),
    ({"name": "脚本", "valid_days": "永久"}, "整数"),
])
def test_bad_token_input_is_refused(client, owner, data, message):
    client.force_login(owner)
    response = client.post(reverse("web:api_tokens"), data)
    assert response.status_code == 400 and message in response.content.decode()
    assert not ApiToken.objects.exists()


def test_token_pages_need_a_login(client, owner):
    create_api_token(owner, name="x")
    token = ApiToken.objects.get()
    assert client.get(reverse("web:api_tokens")).status_code == 302
    assert client.post(reverse("web:api_token_revoke", args=[token.pk])).status_code == 302
    token.refresh_from_db()
    assert token.revoked_at is None
