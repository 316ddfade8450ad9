"""An owner opens the weekly exposure board on his phone."""

from __future__ import annotations

import pytest

from sunlit.board import services
from tests.board.conftest import (  # noqa: F401  (fixtures reused)
    NOW,
    WEEK,
    engineering,
    noise,
    plumbing,
    raise_ticket,
    staff,
    technician_member,
    week_tickets,
)
from tests.browser.conftest import screenshot
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db(transaction=True)


def log_in(page, base, username):
    page.goto(f"{base}/login/")
    page.get_by_label("手机号或用户名").fill(username)
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(f"{base}/**")


def test_owner_reads_the_board_on_a_phone(live_server, phone, community, week_tickets,  # noqa: F811
                                          manager, owner):
    board = services.generate_board(community, WEEK, actor=manager, now=NOW)
    services.add_measure(board.items.first(), "已更换老化水管", actor=manager)
    board = services.publish_board(board, actor=manager, now=NOW)
    base = live_server.url

    log_in(phone, base, "owner")
    phone.goto(f"{base}/board/")
    phone.get_by_test_id("board-list").get_by_text("2026-11-09").click()
    phone.wait_for_url(f"{base}/board/{board.pk}/")
    items = phone.get_by_test_id("board-item")
    assert items.count() == 5
    text = phone.locator("body").inner_text()
    assert "本周新问题" in text and "老问题" in text and "已更换老化水管" in text
    assert "G007" in text and "13812345678" not in text and "王小明" not in text.split("退出登录")[-1]
    assert "已存证" in text
    # phone-first: nothing wider than the screen
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390
    screenshot(phone, "board-phone")
    phone.goto(f"{base}/board/")
    phone.get_by_test_id("show-charts").click()  # on a phone ECharts loads on demand
    phone.get_by_test_id("trend-chart").locator("canvas").first.wait_for()
    assert phone.get_by_test_id("trend-chart").locator("canvas").count() >= 1
    screenshot(phone, "board-history-phone")
