"""The staff queue: the filter set, the SLA-risk rules in SQL, the page and its query budget,
bulk assignment (all or nothing), the technician's task list and the follow-up desk."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from sunlit.core.choices import Role
from sunlit.core.models import Membership
from sunlit.tickets import selectors, services
from sunlit.tickets.choices import TicketKind
from sunlit.tickets.filters import TicketFilter
from sunlit.tickets.models import Category, Ticket, TicketEvent
from sunlit.transparency.models import LogLeaf
from tests.conftest import HOSTILE_NEXT
from tests.factories import BuildingFactory
from tests.tickets.conftest import MORNING

QUEUE = "/tickets/queue/"


def ids(queryset) -> set[int]:
    return set(queryset.values_list("pk", flat=True))


def filtered(community, data, *, now=MORNING) -> set[int]:
    filterset = TicketFilter(data, queryset=selectors.queue(community), communities=[community],
                             now=now)
    assert filterset.is_valid(), filterset.errors
    return ids(filterset.qs)


def put(ticket, **fields) -> Ticket:
    Ticket.objects.filter(pk=ticket.pk).update(**fields)
    return Ticket.objects.get(pk=ticket.pk)


@pytest.fixture
def foreign_ticket(other_community, owner_other_community):
    """A common-area ticket of 远景小区 — it must never show up in 明强小区's lists."""
    category = Category.objects.create(community=other_community, name="水电", kind=TicketKind.REPAIR)
    building = BuildingFactory(community=other_community, name="1号楼")
    return services.submit_ticket(other_community, actor=owner_other_community,
                                  kind=TicketKind.REPAIR, category=category, title="外小区漏水",
                                  description="外小区", building=building, now=MORNING)


@pytest.fixture
def spread(community, submit, noise, technician_member, other_technician):
    """One ticket per trait the filters look at."""
    east = BuildingFactory(community=community, name="5号楼")
    other_member = Membership.objects.get(user=other_technician, role=Role.TECHNICIAN)
    return {
        "pending": submit(title="厨房水管漏水"),
        "common": submit(kind=TicketKind.COMPLAINT, category=noise, title="楼道噪音", unit=None,
                         building=east, floor=3),
        "dispatched": put(submit(title="卫生间堵塞"), status="dispatched",
                          assignee=technician_member, met_accept=True),
        "other_tech": put(submit(title="阳台漏雨"), status="on_site", assignee=other_member,
                          met_accept=True, met_arrive=True),
        "urgent": submit(title="电梯困人", priority="urgent"),
        "archived": put(submit(title="已修好"), status="archived", met_accept=True,
                        met_arrive=True, met_resolve=True, closed_at=MORNING),
        "review": put(submit(title="态度差"), status="followed_up", rating=1,
                      needs_manager_review=True, met_accept=True, met_arrive=True,
                      met_resolve=False),
        "reopened": put(submit(title="又漏了"), status="reopened", reopened_count=1),
        "east": east,
    }


# --- the filter set ------------------------------------------------------------------------


@pytest.mark.parametrize(("data", "expected"), [
    ({"scope": "open"}, {"pending", "common", "dispatched", "other_tech", "urgent", "review",
                         "reopened"}),
    ({"scope": "closed"}, {"archived"}),
    ({"status": ["dispatched", "on_site"]}, {"dispatched", "other_tech"}),
    ({"kind": "complaint"}, {"common"}),
    ({"priority": "urgent"}, {"urgent"}),
    ({"assignee": "none", "scope": "open"}, {"pending", "common", "urgent", "reopened",
                                              "review"}),
    ({"needs_review": "true"}, {"review"}),
    ({"reopened": "true"}, {"reopened"}),
    ({"q": "漏"}, {"pending", "other_tech", "reopened"}),
])
def test_each_filter_narrows(community, spread, data, expected):
    assert filtered(community, data) == {spread[name].pk for name in expected}


def test_assignee_category_and_building_filters(community, spread, technician_member, noise,
                                                owner_unit):
    assert filtered(community, {"assignee": technician_member.pk}) == {spread["dispatched"].pk}
    assert filtered(community, {"category": noise.pk}) == {spread["common"].pk}
    # the common-area ticket names 5号楼; the in-home ones are in the owner's 1号楼
    assert filtered(community, {"building": spread["east"].pk}) == {spread["common"].pk}
    in_home = filtered(community, {"building": owner_unit.building_id})
    assert spread["pending"].pk in in_home and spread["common"].pk not in in_home


def test_created_date_range_is_in_shanghai_days(community, submit):
    early = submit(now=dt.datetime(2026, 11, 17, 0, 30, tzinfo=MORNING.tzinfo))  # 16:30 UTC the 16th
    late = submit(now=MORNING)
    assert filtered(community, {"created_after": "2026-11-17", "created_before": "2026-11-17"}) == {
        early.pk}
    assert filtered(community, {"created_after": "2026-11-18"}) == {late.pk}


def test_another_communitys_choices_are_refused_not_matched(community, spread, foreign_ticket):
    foreign_category = foreign_ticket.category
    filterset = TicketFilter({"category": foreign_category.pk}, queryset=selectors.queue(community),
                             communities=[community])
    assert not filterset.is_valid() and "category" in filterset.errors
    filterset = TicketFilter({"building": foreign_ticket.building_id},
                             queryset=selectors.queue(community), communities=[community])
    assert not filterset.is_valid() and "building" in filterset.errors
    assert foreign_ticket.pk not in filtered(community, {"scope": "all"})


def test_queue_is_sorted_by_next_due_in_sql(community, submit):
    normal = submit()  # accept within 30 min
    urgent = submit(priority="urgent")  # accept within 15 min
    kept = put(submit(), met_accept=True)  # next: arrive within 2 h
    closed = put(submit(), status="withdrawn", closed_at=MORNING)
    rows = list(selectors.queue(community).values_list("pk", "next_due_at"))
    assert [pk for pk, _due in rows] == [urgent.pk, normal.pk, kept.pk, closed.pk]
    dues = dict(rows)
    for ticket in (normal, urgent, kept):
        assert dues[ticket.pk] == Ticket.objects.get(pk=ticket.pk).next_due()
    assert dues[closed.pk] is None  # nobody owes anything on a closed ticket


def test_sla_risk_filters(community, submit):
    t = submit()  # accept due 10:30 (30 min), arrive due 12:00
    paused = put(submit(), status="suspended", suspended_from="accepted", paused_at=MORNING,
                 met_accept=True)
    met = put(submit(), status="resolved", met_accept=True, met_arrive=True, met_resolve=True)
    missed = put(submit(), status="resolved", met_accept=False, met_arrive=True, met_resolve=True)
    at = MORNING.replace

    def risk(name, now):
        return filtered(community, {"risk": name, "scope": "all"}, now=now)

    assert risk("due_1h", at(minute=20)) == {t.pk}
    assert risk("warn_80", at(minute=20)) == set()  # 20 of 30 minutes: 67 %
    assert risk("warn_80", at(minute=25)) == {t.pk}  # 83 %
    assert risk("overdue", at(minute=25)) == set()
    assert risk("overdue", at(minute=31)) == {t.pk}  # the paused one does not count down
    assert risk("warn_80", at(minute=31)) == set()  # overdue is not "at risk" any more
    assert risk("paused", at(minute=31)) == {paused.pk}
    assert risk("met", at(minute=31)) == {met.pk}
    assert risk("missed", at(minute=31)) == {missed.pk}


def test_warn_80_counts_from_the_reopening(community, submit):
    ticket = submit()
    reopened_at = MORNING + dt.timedelta(days=1)
    put(ticket, status="reopened", reopened_count=1, met_accept=True,
        due_arrive=reopened_at + dt.timedelta(minutes=120))
    TicketEvent.objects.create(community=community, ticket=ticket, action="reopen",
                               from_status="resolved", to_status="reopened", at=reopened_at)
    # 90 of 120 minutes since the reopening: 75 %, then 100 of 120: 83 %
    assert filtered(community, {"risk": "warn_80"}, now=reopened_at + dt.timedelta(minutes=90)) == set()
    assert filtered(community, {"risk": "warn_80"},
                    now=reopened_at + dt.timedelta(minutes=100)) == {ticket.pk}


# --- the page ------------------------------------------------------------------------------


@pytest.mark.parametrize("role", [Role.DISPATCHER, Role.MANAGER, Role.SERVICE,
                                  Role.COMPANY_ADMIN])
def test_queue_page_for_office_roles(client, make_member, spread, foreign_ticket, role):
    client.force_login(make_member(role))
    response = client.get(QUEUE)
    assert response.status_code == 200
    page = response.content.decode()
    assert "工单调度" in page and spread["pending"].number in page
    assert spread["archived"].number not in page  # the queue is about open work by default
    assert foreign_ticket.title not in page and f'data-ticket="{foreign_ticket.pk}"' not in page
    assert f'href="/tickets/{spread["pending"].pk}/"' in page
    assert "data-due=" in page


def test_queue_bulk_controls_only_for_dispatchers(client, service, dispatcher, spread):
    client.force_login(service)
    assert 'name="tickets"' not in client.get(QUEUE).content.decode()
    client.force_login(dispatcher)
    assert 'name="tickets"' in client.get(QUEUE).content.decode()


@pytest.mark.parametrize("persona", ["owner", "committee", "finance", "neighbour"])
def test_queue_refuses_members_without_the_grant(client, request, spread, persona):
    client.force_login(request.getfixturevalue(persona))
    assert client.get(QUEUE).status_code == 403


def test_technicians_are_sent_to_their_own_page(client, technician):
    client.force_login(technician)
    response = client.get(QUEUE)
    assert response.status_code == 302 and response["Location"] == reverse("tickets:my_tasks")


def test_anonymous_is_sent_to_login(client):
    response = client.get(QUEUE)
    assert response.status_code == 302 and "/login/" in response["Location"]


def test_htmx_filter_change_returns_only_the_table(client, dispatcher, spread):
    client.force_login(dispatcher)
    response = client.get(QUEUE, {"kind": "complaint"}, headers={"HX-Request": "true"})
    body = response.content.decode()
    assert response.status_code == 200
    assert "<html" not in body and 'data-testid="queue-table"' in body
    assert spread["common"].number in body and spread["pending"].number not in body


def test_invalid_filter_values_do_not_break_the_page(client, dispatcher, spread):
    client.force_login(dispatcher)
    response = client.get(QUEUE, {"category": "abc", "risk": "nonsense", "created_after": "x"})
    assert response.status_code == 200


def _query_count(client, url) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200
    return len(captured.captured_queries)


# The queue's own: community, count, one page of ids, their rows, the filter's choices
# (categories, buildings, staff — the bulk menu reuses them). The rest is every page's: session,
# user, roles, and the navigation (memberships, unread notices, owner links) — 13 today, with a
# little room for the menu to grow. None of them depends on the number of rows.
QUEUE_QUERY_BUDGET = 15


def test_queue_queries_do_not_grow_with_the_rows(client, dispatcher, community, submit, noise,
                                                 technician_member,
                                                 django_assert_max_num_queries):
    client.force_login(dispatcher)
    submit()
    few = _query_count(client, QUEUE)
    east = BuildingFactory(community=community, name="7号楼")
    for n in range(12):
        submit(title=f"漏水{n}")
        put(submit(title=f"派单{n}"), status="dispatched", assignee=technician_member)
        submit(kind=TicketKind.COMPLAINT, category=noise, title=f"噪音{n}", unit=None,
               building=east, floor=n)
    many = _query_count(client, QUEUE)
    assert many == few
    with django_assert_max_num_queries(QUEUE_QUERY_BUDGET):
        client.get(QUEUE + "?risk=overdue&kind=repair")


# --- bulk assignment ---------------------------------------------------------------------------


def test_bulk_assign_gives_every_selected_ticket_to_one_member(client, dispatcher, submit,
                                                               technician_member):
    first, second = submit(), submit()
    client.force_login(dispatcher)
    response = client.post(reverse("tickets:bulk_assign"), {
        "tickets": [second.pk, first.pk], "to": technician_member.pk, "note": "今天处理",
        "next": "/tickets/queue/?kind=repair"})
    assert response.status_code == 302 and response["Location"] == "/tickets/queue/?kind=repair"
    for ticket in (first, second):
        ticket.refresh_from_db()
        assert ticket.status == "dispatched" and ticket.assignee == technician_member
        assert ticket.events.filter(action="dispatch", note="今天处理").count() == 1


@pytest.mark.parametrize("evil", HOSTILE_NEXT)
def test_bulk_assign_never_redirects_elsewhere(client, dispatcher, submit, technician_member, evil):
    ticket = submit()
    client.force_login(dispatcher)
    response = client.post(reverse("tickets:bulk_assign"), {
        "tickets": [ticket.pk], "to": technician_member.pk, "next": evil})
    assert response.status_code == 302 and response["Location"] == reverse("tickets:queue")


def test_bulk_assign_is_all_or_nothing_and_names_the_refused_ticket(
        client, dispatcher, submit, technician_member):
    first, second = submit(), submit()
    closed = put(submit(), status="archived", closed_at=MORNING)
    leaves, events = LogLeaf.objects.count(), TicketEvent.objects.count()
    client.force_login(dispatcher)
    response = client.post(reverse("tickets:bulk_assign"), {
        "tickets": [first.pk, second.pk, closed.pk], "to": technician_member.pk})
    assert response.status_code == 422
    page = response.content.decode()
    assert closed.number in page and "已归档" in page
    # the selection is kept on the page
    assert f'value="{first.pk}" aria-label="选择 {first.number}" checked' in page
    assert LogLeaf.objects.count() == leaves and TicketEvent.objects.count() == events
    for ticket in (first, second):
        ticket.refresh_from_db()
        assert ticket.status == "pending" and ticket.assignee is None


def test_bulk_assign_refuses_other_communities_and_non_staff(client, dispatcher, submit,
                                                             foreign_ticket, owner,
                                                             technician_member, community):
    mine = submit()
    client.force_login(dispatcher)
    response = client.post(reverse("tickets:bulk_assign"), {
        "tickets": [mine.pk, foreign_ticket.pk], "to": technician_member.pk})
    assert response.status_code == 422
    owner_member = Membership.objects.get(user=owner, community=community)
    response = client.post(reverse("tickets:bulk_assign"), {
        "tickets": [mine.pk], "to": owner_member.pk})
    assert response.status_code == 422 and "请选择派给谁" in response.content.decode()
    mine.refresh_from_db()
    foreign_ticket.refresh_from_db()
    assert mine.assignee is None and foreign_ticket.assignee is None


@pytest.mark.parametrize("persona", ["service", "technician", "owner"])
def test_bulk_assign_needs_the_dispatch_grant(client, request, submit, technician_member, persona):
    ticket = submit()
    client.force_login(request.getfixturevalue(persona))
    response = client.post(reverse("tickets:bulk_assign"), {
        "tickets": [ticket.pk], "to": technician_member.pk})
    assert response.status_code == 403
    ticket.refresh_from_db()
    assert ticket.status == "pending" and ticket.assignee is None


def test_bulk_dispatch_is_one_service_call_per_ticket_on_the_log(community, dispatcher, submit,
                                                                 technician_member):

    tickets = [submit(), submit(), submit()]
    leaves = LogLeaf.objects.count()
    done = services.bulk_dispatch(community, [t.pk for t in reversed(tickets)],
                                       to=technician_member, actor=dispatcher)
    assert [t.pk for t in done] == sorted(t.pk for t in tickets)  # locked and taken in pk order
    assert LogLeaf.objects.count() == leaves + 3


# --- the technician's tasks ------------------------------------------------------------------


def test_technician_sees_only_his_open_tickets_by_due_time(client, technician, spread, submit,
                                                           technician_member):
    later = put(submit(priority="low"), status="dispatched", assignee=technician_member)
    client.force_login(technician)
    response = client.get(reverse("tickets:my_tasks"))
    page = response.content.decode()
    assert response.status_code == 200 and "我的任务" in page
    assert spread["dispatched"].number in page and later.number in page
    assert page.index(spread["dispatched"].number) < page.index(later.number)
    for name in ("other_tech", "pending", "archived", "common"):
        assert spread[name].number not in page
    assert f'action="/tickets/{spread["dispatched"].pk}/act/arrive/"' in page
    assert 'name="next" value="/tickets/tasks/"' in page


def test_technician_finish_links_to_the_resolve_form(client, technician, ticket_in):
    on_site = ticket_in("on_site")
    client.force_login(technician)
    page = client.get(reverse("tickets:my_tasks")).content.decode()
    assert f'href="/tickets/{on_site.pk}/#ticket-actions"' in page
    assert "/act/arrive/" not in page


def test_one_tap_arrive_from_the_task_list(client, technician, ticket_in):
    ticket = ticket_in("dispatched")
    client.force_login(technician)
    response = client.post(reverse("tickets:act", args=[ticket.pk, "arrive"]),
                           {"next": reverse("tickets:my_tasks")})
    assert response.status_code == 302 and response["Location"] == reverse("tickets:my_tasks")
    ticket.refresh_from_db()
    assert ticket.status == "on_site"


@pytest.mark.parametrize("persona", ["owner", "committee", "auditor"])
def test_task_list_is_for_staff_who_work(client, request, persona):
    client.force_login(request.getfixturevalue(persona))
    assert client.get(reverse("tickets:my_tasks")).status_code == 403


# --- follow-up desk ------------------------------------------------------------------------------


def test_follow_up_desk_lists_resolved_tickets_with_masked_contact(client, service, ticket_in,
                                                                   community):
    ticket = ticket_in("resolved")
    open_ticket = ticket_in("dispatched")
    person = ticket.reporter
    person.mobile = "13812345678"
    person.save()
    client.force_login(service)
    response = client.get(reverse("tickets:follow_ups"))
    page = response.content.decode()
    assert response.status_code == 200
    assert ticket.number in page and open_ticket.number not in page
    assert "138****5678" in page and "13812345678" not in page
    assert person.masked_name in page
    assert reverse("registry:person_reveal", args=[person.pk]) in page
    assert f'action="/tickets/{ticket.pk}/act/follow_up/"' in page
    assert reverse("tickets:submit") in page
    assert "低分评价" not in page  # managers only


def test_follow_up_from_the_desk(client, service, ticket_in):
    ticket = ticket_in("resolved")
    client.force_login(service)
    response = client.post(reverse("tickets:act", args=[ticket.pk, "follow_up"]),
                           {"note": "业主满意", "next": reverse("tickets:follow_ups")})
    assert response.status_code == 302
    ticket.refresh_from_db()
    assert ticket.status == "followed_up"


def test_managers_see_low_ratings(client, manager, ticket_in):
    low = ticket_in("followed_up", rating=1, needs_manager_review=True, rating_comment="太慢了")
    client.force_login(manager)
    page = client.get(reverse("tickets:follow_ups")).content.decode()
    assert "低分评价" in page and low.number in page and "太慢了" in page


@pytest.mark.parametrize("persona", ["owner", "technician", "dispatcher"])
def test_follow_up_desk_refuses_others(client, request, persona):
    client.force_login(request.getfixturevalue(persona))
    assert client.get(reverse("tickets:follow_ups")).status_code == 403

