"""Password reset by SMS code: to the account's own mobile, the same answer for any number,
throttled, a code that expires, allows five tries and works once; the holder is told."""

from __future__ import annotations

import datetime as dt
import re

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from sunlit.core import passwords
from sunlit.core.models import AuditEvent, PasswordResetCode
from sunlit.notices.models import Notification

SENT: list[tuple[str, object]] = []


class Recorder:
    """An SMS provider that keeps what it would send (``SUNLIT_SMS_BACKEND`` dotted path)."""

    name = "recorder"

    def __init__(self, options=None):
        pass

    def send(self, address, message):
        SENT.append((address, message))
        return {}


@pytest.fixture
def sms(settings):
    settings.SUNLIT_SMS_BACKEND = "tests.core.test_password_reset.Recorder"
    SENT.clear()
    return SENT


def _code(sent) -> str:
    return re.search(r"\d{6}", sent[-1][1].title).group(0)


def test_without_sms_the_page_says_where_to_go(client, db):
    page = client.get(reverse("web:password_reset_mobile"))
    assert page.status_code == 200 and "未开通短信验证码" in page.text


def test_the_owner_resets_his_password_with_the_code(client, owner, sms):
    page = client.post(reverse("web:password_reset_mobile"), {"mobile": owner.mobile})
    assert page.status_code == 302 and page.url == reverse("web:password_reset_mobile_confirm")
    assert sms[-1][0] == owner.mobile and "10 分钟内有效" in sms[-1][1].body
    code = _code(sms)
    form = client.get(page.url)
    assert owner.mobile in form.text  # the number is filled in
    wrong = client.post(page.url, {"mobile": owner.mobile, "code": "000000" if code != "000000" else "111111",
                                   "password": "new-pass-2026", "password2": "new-pass-2026"})
    assert wrong.status_code == 400 and "验证码不正确" in wrong.text
    done = client.post(page.url, {"mobile": owner.mobile, "code": code,
                                  "password": "new-pass-2026", "password2": "new-pass-2026"})
    assert done.status_code == 302 and done.url == reverse("web:password_reset_complete")
    owner.refresh_from_db()
    assert owner.check_password("new-pass-2026")
    assert AuditEvent.objects.filter(summary="短信验证码重置密码").exists()
    assert Notification.objects.filter(recipient=owner, title__contains="短信验证码重置").exists()
    again = client.post(page.url, {"mobile": owner.mobile, "code": code,
                                   "password": "other-pass-2026", "password2": "other-pass-2026"})
    assert again.status_code == 400  # once only
    client.logout()
    login = client.post(reverse("web:login"), {"username": owner.mobile, "password": "new-pass-2026"})
    assert login.status_code == 302


def test_an_unknown_number_gets_the_same_answer_and_no_message(client, sms, db):
    page = client.post(reverse("web:password_reset_mobile"), {"mobile": "13300000000"})
    assert page.status_code == 302 and sms == []
    bad = client.post(reverse("web:password_reset_mobile"), {"mobile": "12345"})
    assert bad.status_code == 400 and "11 位手机号" in bad.text


def test_five_wrong_tries_end_the_code(owner, sms):
    passwords.request_mobile_reset(owner.mobile)
    code = _code(sms)
    wrong = "000000" if code != "000000" else "111111"
    for _ in range(5):
        with pytest.raises(ValidationError):
            passwords.reset_with_code(owner.mobile, wrong, "new-pass-2026")
    assert PasswordResetCode.objects.get().attempts == 5
    with pytest.raises(ValidationError):
        passwords.reset_with_code(owner.mobile, code, "new-pass-2026")


def test_a_code_expires_and_a_new_one_retires_the_old(owner, sms):
    passwords.request_mobile_reset(owner.mobile)
    first = _code(sms)
    with time_machine.travel(timezone.now() + dt.timedelta(minutes=11)), pytest.raises(ValidationError):
        passwords.reset_with_code(owner.mobile, first, "new-pass-2026")
    passwords.request_mobile_reset(owner.mobile)
    second = _code(sms)
    passwords.request_mobile_reset(owner.mobile)
    if second != _code(sms):
        with pytest.raises(ValidationError):
            passwords.reset_with_code(owner.mobile, second, "new-pass-2026")


def test_a_weak_password_is_refused_and_the_code_still_works(owner, sms):
    passwords.request_mobile_reset(owner.mobile)
    code = _code(sms)
    with pytest.raises(ValidationError) as refused:
        passwords.reset_with_code(owner.mobile, code, "12345678")
    assert "password" in refused.value.message_dict
    passwords.reset_with_code(owner.mobile, code, "good-pass-2026")


def test_requests_are_throttled_per_number(owner, sms, settings):
    settings.SUNLIT_RESET_CODES_PER_HOUR = 2
    passwords.request_mobile_reset(owner.mobile)
    passwords.request_mobile_reset(owner.mobile)
    with pytest.raises(ValidationError) as refused:
        passwords.request_mobile_reset(owner.mobile)
    assert "频繁" in str(refused.value) and len(sms) == 2
