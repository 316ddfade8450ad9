"""Who hears of a ticket's changes: in-app for real, e-mail after the commit."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core import mail

from sunlit.notices.models import Notification
from sunlit.tickets import services
from tests.tickets.conftest import MORNING


def titles(user) -> list[str]:
    return list(Notification.objects.filter(recipient=user).order_by("pk").values_list("title", flat=True))


@pytest.fixture
def team(service, dispatcher, manager, technician_member):
    return technician_member


def test_a_new_ticket_reaches_the_desk(submit, owner, service, dispatcher, team):
    ticket = submit()
    assert titles(owner) == []  # he did it himself: no message to the one who acted
    assert titles(service) == titles(dispatcher) == [f"新工单待受理：报修 {ticket.number}「厨房水管漏水」"]
    assert Notification.objects.get(recipient=service).url == f"/tickets/{ticket.pk}/"


def test_a_phone_registration_confirms_to_the_reporter(submit, owner, service, dispatcher, team):
    reporter = owner.persons.get()
    ticket = submit(actor=service, reporter=reporter, channel="phone")
    assert titles(owner) == [f"已收到您的报修 {ticket.number}「厨房水管漏水」"]
    assert titles(service) == []
    assert titles(dispatcher) == [f"新工单待受理：报修 {ticket.number}「厨房水管漏水」"]


def test_each_step_tells_the_reporter_and_whom_it_concerns(submit, owner, dispatcher, service,
                                                           manager, team):
    ticket = submit()
    technician = team.user
    ticket = services.dispatch_ticket(ticket, to=team, actor=dispatcher, now=MORNING)
    assert titles(technician)[-1].startswith("新派单：")
    assert titles(owner)[-1].endswith("：已派单")
    assert not any("已派单" in t for t in titles(dispatcher))  # never to the one who acted
    ticket = services.arrive_ticket(ticket, actor=technician, now=MORNING + dt.timedelta(minutes=30))
    ticket = services.resolve_ticket(ticket, actor=technician, now=MORNING + dt.timedelta(hours=1))
    assert titles(owner)[-1].endswith("：待回访")
    assert titles(service)[-1].startswith("待回访：")
    services.rate_ticket(ticket, actor=owner, rating=1, comment="很不满意",
                         now=MORNING + dt.timedelta(hours=2))
    assert titles(manager)[-1].startswith("差评待处理（1 分）")
    assert titles(technician)[-1].startswith("业主评价 1 分")


def test_email_goes_out_after_the_commit(submit, service, team, django_capture_on_commit_callbacks):
    service.email = "desk@example.com"
    service.save(update_fields=["email"])
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        submit()
    assert not [m for m in mail.outbox if "desk@example.com" in m.to]  # not before the commit
    for callback in callbacks:
        callback()
    sent = [m for m in mail.outbox if "desk@example.com" in m.to]
    assert len(sent) == 1 and "新工单待受理" in sent[0].subject


def test_a_refused_step_notifies_nobody(submit, owner, neighbour, team):
    ticket = submit()
    before = Notification.objects.count()
    with pytest.raises(Exception):  # noqa: B017 — any refusal
        services.withdraw_ticket(ticket, actor=neighbour, now=MORNING)
    assert Notification.objects.count() == before
