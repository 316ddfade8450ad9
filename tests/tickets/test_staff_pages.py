"""The staff pages as people use them: the menu, the console card, Chinese text, the countdown
data. The same pages in the real browser: tests/browser/test_staff_console.py."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils import timezone


def nav(client, user) -> str:
    client.force_login(user)
    return client.get(reverse("web:home"), follow=True).content.decode()


def test_menu_links_by_role(client, dispatcher, technician, owner):
    page = nav(client, dispatcher)
    assert 'href="/tickets/queue/">工单调度' in page and "我的任务" not in page
    page = nav(client, technician)
    assert 'href="/tickets/tasks/">我的任务' in page and "工单调度</a>" not in page
    page = nav(client, owner)
    assert "工单调度</a>" not in page and "我的任务</a>" not in page


def test_console_card_links_to_the_queue(client, manager):
    client.force_login(manager)
    page = client.get(reverse("web:console")).content.decode()
    assert 'data-testid="console-tickets"' in page
    assert 'href="/tickets/queue/?risk=overdue"' in page


@pytest.mark.parametrize(("persona", "url", "title"), [
    ("dispatcher", "tickets:queue", "工单调度"),
    ("technician", "tickets:my_tasks", "我的任务"),
    ("service", "tickets:follow_ups", "回访台"),
    ("manager", "tickets:categories", "工单类别与服务时限"),
    ("manager", "tickets:shifts", "排班与技能"),
    ("manager", "tickets:category_add", "新增类别"),
])
def test_pages_render_in_chinese(client, request, persona, url, title, technician_member):
    client.force_login(request.getfixturevalue(persona))
    response = client.get(reverse(url))
    assert response.status_code == 200
    page = response.content.decode()
    assert f'<h2 class="page-title">{title}</h2>' in page
    assert 'lang="zh-CN"' in page


def test_countdown_carries_the_due_time_in_shanghai(client, dispatcher, submit):
    ticket = submit()
    client.force_login(dispatcher)
    page = client.get(reverse("tickets:queue")).content.decode()
    due = timezone.localtime(ticket.due_accept).isoformat()
    assert f'data-due="{due}"' in page and "+08:00" in due
    assert 'id="ticket-countdown"' in page


def test_paused_tickets_do_not_count_down(client, dispatcher, ticket_in):
    ticket_in("suspended")
    client.force_login(dispatcher)
    page = client.get(reverse("tickets:queue")).content.decode()
    assert 'data-paused="1"' in page and "已挂起" in page
