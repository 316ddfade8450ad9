"""Services: draft review, co-sign, publish (hash on the log, immutable), contests, the schedule."""

from __future__ import annotations

import hashlib

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import DatabaseError, transaction

from sunlit.board import services
from sunlit.board.choices import BoardStatus
from sunlit.board.models import BoardItem, WeeklyBoard
from sunlit.notices.models import Notification
from sunlit.transparency.entry import canonical
from sunlit.transparency.models import LogLeaf
from tests.board.conftest import NOW, WEEK, at


@pytest.fixture
def draft(community, week_tickets, manager):
    return services.generate_board(community, WEEK, actor=manager, now=NOW)


def test_generate_makes_a_draft_with_items(draft):
    assert draft.status == BoardStatus.DRAFT
    assert draft.items.count() == 5


def test_regenerating_a_draft_keeps_measures(draft, manager, community):
    item = draft.items.first()
    services.add_measure(item, "已安排维修", actor=manager)
    again = services.generate_board(community, WEEK, actor=manager, now=NOW)
    assert again.pk == draft.pk
    assert BoardItem.objects.get(pk=item.pk).measures == "已安排维修"


def test_week_not_over_is_refused(community, manager):
    with pytest.raises(ValidationError) as exc:
        services.generate_board(community, "2026-11-16", actor=manager, now=NOW)
    assert "week" in exc.value.message_dict


@pytest.mark.parametrize("bad", ["not-a-date", 12, None])
def test_bad_week_is_refused(community, manager, bad):
    with pytest.raises(ValidationError):
        services.generate_board(community, bad, actor=manager, now=NOW)
    assert not WeeklyBoard.objects.exists()


def test_owner_cannot_generate(community, owner):
    with pytest.raises(PermissionDenied):
        services.generate_board(community, WEEK, actor=owner, now=NOW)


def test_publish_puts_the_hash_on_the_log_and_tells_owners(draft, manager, owner):
    item = draft.items.first()
    services.mark_untrue(item, "现场核实无漏水", actor=manager)
    board = services.publish_board(draft, actor=manager, now=NOW)
    assert board.status == BoardStatus.PUBLISHED
    digest = hashlib.sha256(canonical(board.content)).hexdigest()
    assert board.content_sha256 == digest
    leaf = LogLeaf.objects.get(pk=board.leaf_id)
    assert leaf.event_type == "board.weekly.published" and digest in leaf.data
    assert hashlib.sha256(services.content_bytes(WeeklyBoard.objects.get(pk=board.pk))).hexdigest() == digest
    untrue = [i for i in board.content["items"] if i["untrue"]]
    assert len(untrue) == 1 and untrue[0]["untrue_reason"] == "现场核实无漏水"
    assert len(board.content["items"]) == 5  # nothing dropped
    assert Notification.objects.filter(recipient=owner, object_id=str(board.pk)).exists()


def test_published_board_is_immutable(draft, manager, community):
    board = services.publish_board(draft, actor=manager, now=NOW)
    content = WeeklyBoard.objects.get(pk=board.pk).content
    with pytest.raises(ValidationError):
        services.publish_board(board, actor=manager, now=NOW)
    item = board.items.first()
    with pytest.raises(ValidationError):
        services.add_measure(item, "事后补写", actor=manager)
    with pytest.raises(ValidationError):
        services.mark_untrue(item, "事后否认", actor=manager)
    again = services.generate_board(community, WEEK, actor=manager, now=at(20))
    assert again.pk == board.pk and WeeklyBoard.objects.get(pk=board.pk).content == content
    assert LogLeaf.objects.filter(event_type="board.weekly.published").count() == 1


def test_database_refuses_editing_a_published_board(draft, manager):
    board = services.publish_board(draft, actor=manager, now=NOW)
    with pytest.raises(DatabaseError), transaction.atomic():
        WeeklyBoard.objects.filter(pk=board.pk).update(content_sha256="0" * 64)
    with pytest.raises(DatabaseError), transaction.atomic():
        BoardItem.objects.filter(board=board).update(measures="偷偷改")


def test_untrue_needs_a_reason(draft, manager):
    item = draft.items.first()
    with pytest.raises(ValidationError) as exc:
        services.mark_untrue(item, "  ", actor=manager)
    assert "reason" in exc.value.message_dict
    assert not BoardItem.objects.get(pk=item.pk).is_untrue


def test_cosign_required_before_publishing(draft, manager, committee, company_admin, community):
    services.set_require_cosign(community, True, actor=company_admin)  # switching it on: either side
    with pytest.raises(ValidationError):
        services.publish_board(draft, actor=manager, now=NOW)
    with pytest.raises(PermissionDenied):
        services.cosign_board(draft, actor=manager)
    services.cosign_board(draft, actor=committee, note="同意发布")
    board = services.publish_board(draft, actor=manager, now=NOW)
    assert board.content["cosigned_by"]


def test_contest_and_answer_are_appended_and_logged(draft, manager, committee, owner):
    board = services.publish_board(draft, actor=manager, now=NOW)
    item = board.items.first()
    with pytest.raises(PermissionDenied):
        services.contest_item(item, "不对", actor=owner)
    contest = services.contest_item(item, "业主反映仍在漏水，电话13812345678", actor=committee)
    assert "13812345678" not in contest.text
    services.answer_contest(contest, "已再次上门处理", actor=manager)
    with pytest.raises(ValidationError):
        services.answer_contest(contest, "再答一次", actor=manager)
    types = set(LogLeaf.objects.values_list("event_type", flat=True))
    assert {"board.item.contested", "board.contest.answered"} <= types


def test_other_community_cannot_touch_the_board(draft, owner_other_community, make_member,
                                                other_community):
    from sunlit.core.choices import Role

    outsider = make_member(Role.MANAGER, other_community, username="mgr2")
    with pytest.raises(PermissionDenied):
        services.publish_board(draft, actor=outsider, now=NOW)
    with pytest.raises(PermissionDenied):
        services.add_measure(draft.items.first(), "x", actor=outsider)
    assert WeeklyBoard.objects.get(pk=draft.pk).status == BoardStatus.DRAFT


def test_empty_week_still_publishes(community, manager):
    board = services.generate_board(community, WEEK, actor=manager, now=NOW)
    board = services.publish_board(board, actor=manager, now=NOW)
    assert board.content["items"] == [] and board.content_sha256


def test_monday_schedule_publishes_once(community, week_tickets):
    before = services.run_weekly(at(16, 7))  # before 08:00: the week before last
    assert [b.week_start for b in before] == [WEEK.replace(day=2)]
    boards = services.run_weekly(at(16, 8, 2))
    assert len(boards) == 1 and boards[0].week_start == WEEK and boards[0].is_published
    assert services.run_weekly(at(16, 9, 2)) == []


def test_monday_schedule_waits_for_cosign(community, week_tickets, company_admin):
    services.set_require_cosign(community, True, actor=company_admin)
    boards = services.run_weekly(at(16, 8, 2))
    assert boards[0].status == BoardStatus.DRAFT


def test_the_committee_returns_a_draft_with_what_to_change(draft, manager, committee, client):
    """退回并说明: only the committee, only with words, only before co-signing; the staff who
    prepare the board are told, the page shows it, the log carries it (names masked)."""
    from django.urls import reverse

    with pytest.raises(PermissionDenied):
        services.return_board(draft, actor=manager, note="x")
    with pytest.raises(ValidationError):
        services.return_board(draft, actor=committee, note="  ")
    board = services.return_board(draft, actor=committee, note="第 3 条的措施写得不清楚，王小明家的漏水没写")
    assert board.returned_at is not None and board.returned_by == committee
    leaf = LogLeaf.objects.filter(event_type="board.weekly.returned").get()
    assert leaf.subject_id == str(board.pk)
    note = Notification.objects.get(recipient=manager)
    assert "退回" in note.title and reverse("board:review", args=[board.pk]) == note.url
    client.force_login(manager)
    page = client.get(reverse("board:review", args=[board.pk])).text
    assert 'data-testid="returned"' in page and "第 3 条的措施" in page
    client.force_login(committee)
    answer = client.post(reverse("board:board_action", args=[board.pk, "return"]), {"note": "再看看"})
    assert answer.status_code == 302 and WeeklyBoard.objects.get(pk=board.pk).return_note == "再看看"
    services.cosign_board(board, actor=committee)
    with pytest.raises(ValidationError):
        services.return_board(board, actor=committee, note="晚了")


def test_irreversible_steps_ask_first_with_a_summary(draft, manager, committee, client):
    from django.urls import reverse

    client.force_login(committee)
    page = client.get(reverse("board:review", args=[draft.pk])).text
    assert page.count("data-confirm=") >= 1 and "不能撤回" in page
    client.force_login(manager)
    page = client.get(reverse("board:review", args=[draft.pk])).text
    assert 'data-confirm="发布本期曝光台：新问题' in page
