"""The board API: the same reach and review steps as the pages, the uniform error shape."""

from __future__ import annotations

import hashlib

import pytest
import time_machine

from sunlit.board import services
from sunlit.board.models import BoardContest, WeeklyBoard
from tests.board.conftest import NOW, WEEK


@pytest.fixture
def api(client):
    def call(user, method, path, payload=None, **headers):
        client.force_login(user)
        send = getattr(client, method)
        with time_machine.travel(NOW, tick=False):
            if payload is None:
                return send(f"/api/v1{path}", **headers)
            return send(f"/api/v1{path}", payload, content_type="application/json", **headers)

    return call


def test_manager_generates_reviews_and_publishes(api, manager, owner, community, week_tickets):
    created = api(manager, "post", f"/communities/{community.pk}/boards", {"week": "2026-11-11"},
                  HTTP_IDEMPOTENCY_KEY="b1")
    assert created.status_code == 201, created.json()
    board = created.json()
    assert board["week_start"] == str(WEEK) and board["status"] == "draft"
    again = api(manager, "post", f"/communities/{community.pk}/boards", {"week": "2026-11-11"},
                HTTP_IDEMPOTENCY_KEY="b1")
    assert again.json()["id"] == board["id"] and WeeklyBoard.objects.count() == 1
    numbers = {item["number"] for item in board["items"]}
    assert week_tickets["resolved"].number in numbers and week_tickets["next_week"].number not in numbers
    assert "王小明" not in created.content.decode()

    # the draft is not the owners' to read, in the list or by id
    assert api(owner, "get", f"/boards/{board['id']}").status_code == 404
    assert api(owner, "get", f"/communities/{community.pk}/boards").json()["items"] == []

    item_id = board["items"][0]["item_id"]
    measured = api(manager, "post", f"/board-items/{item_id}/measures", {"measures": "已更换老化水管"})
    assert measured.status_code == 200 and measured.json()["measures"] == "已更换老化水管"
    untrue = api(manager, "post", f"/board-items/{item_id}/untrue", {"reason": ""})
    assert untrue.status_code == 422 and untrue.json()["errors"]

    published = api(manager, "post", f"/boards/{board['id']}/publish")
    assert published.status_code == 200, published.json()
    body = published.json()
    assert body["status"] == "published" and body["log_index"] is not None
    content = api(owner, "get", f"/boards/{board['id']}/content")
    assert hashlib.sha256(content.content).hexdigest() == body["content_sha256"]
    listed = api(owner, "get", f"/communities/{community.pk}/boards").json()["items"]
    assert [b["id"] for b in listed] == [board["id"]] and listed[0]["stats"]["count"] >= 1
    # published means frozen
    assert api(manager, "post", f"/board-items/{item_id}/measures",
               {"measures": "改写"}).status_code == 422


def test_committee_contests_and_the_manager_answers(api, manager, committee, owner, community,
                                                     week_tickets):
    board = services.generate_board(community, WEEK, actor=manager, now=NOW)
    item = board.items.first()
    assert api(committee, "post", f"/board-items/{item.pk}/contests", {"text": "未到场"}).status_code == 404
    services.publish_board(board, actor=manager, now=NOW)
    assert api(owner, "post", f"/board-items/{item.pk}/contests", {"text": "不对"}).status_code == 403
    raised = api(committee, "post", f"/board-items/{item.pk}/contests", {"text": "维修人员未到场"},
                 HTTP_IDEMPOTENCY_KEY="c1")
    assert raised.status_code == 201, raised.json()
    api(committee, "post", f"/board-items/{item.pk}/contests", {"text": "维修人员未到场"},
        HTTP_IDEMPOTENCY_KEY="c1")
    assert BoardContest.objects.count() == 1
    contest_id = raised.json()["id"]
    assert api(owner, "post", f"/board-contests/{contest_id}/answer", {"answer": "x"}).status_code == 403
    answered = api(manager, "post", f"/board-contests/{contest_id}/answer",
                   {"answer": "已核实，当日 10:40 到场"})
    assert answered.status_code == 200 and answered.json()["answered_at"]
    detail = api(owner, "get", f"/boards/{board.pk}").json()
    assert detail["contests"][0]["answer"] == "已核实，当日 10:40 到场"


def test_bad_input_and_other_communities(api, manager, owner, owner_other_community, community,
                                         week_tickets):
    bad = api(manager, "post", f"/communities/{community.pk}/boards", {"week": "上周"})
    assert bad.status_code == 422
    assert api(manager, "post", f"/communities/{community.pk}/boards", {}).status_code == 422
    assert api(owner, "post", f"/communities/{community.pk}/boards",
               {"week": "2026-11-11"}).status_code == 403
    future = api(manager, "post", f"/communities/{community.pk}/boards", {"week": "2026-11-20"})
    assert future.status_code == 422 and WeeklyBoard.objects.count() == 0
    board = services.publish_board(services.generate_board(community, WEEK, actor=manager, now=NOW),
                                   actor=manager, now=NOW)
    assert api(owner_other_community, "get", f"/boards/{board.pk}").status_code == 404
    assert api(owner_other_community, "get", f"/communities/{community.pk}/boards").status_code == 404
    assert api(manager, "get", "/boards/999999").status_code == 404
