"""Fixtures of the notification tests: recipients with and without addresses, a sender helper."""

from __future__ import annotations

import smtplib

import pytest
from django.core.mail.backends.base import BaseEmailBackend

from sunlit.core.choices import Role
from sunlit.notices.services import notify


class FailingEmailBackend(BaseEmailBackend):
    """An SMTP server that is down."""

    def send_messages(self, email_messages):
        raise smtplib.SMTPServerDisconnected("connection unexpectedly closed")


@pytest.fixture(autouse=True)
def channels_as_configured_by_default(settings):
    settings.SUNLIT_SMS_BACKEND = "log"
    settings.SUNLIT_WECHAT_BACKEND = "log"
    settings.SUNLIT_BASE_URL = "https://wuye.example.cn"


@pytest.fixture
def with_email(owner):
    owner.email = "wang.xiaoming@example.cn"
    owner.save(update_fields=["email"])
    return owner


@pytest.fixture
def send(community):
    """send(recipients, **overrides): notify() with a ticket-like message."""

    def make(recipients, **overrides):
        args = {"community": community, "recipients": recipients, "title": "您的报修 BX-20261118-0001 已派单",
                "body": "处理人：张师傅", "url": "/tickets/1/", "kind": "ticket"}
        args.update(overrides)
        return notify(**args)

    return make


@pytest.fixture
def member(make_member):
    def make(username, role=Role.OWNER, **fields):
        return make_member(role, username=username, **fields)

    return make
