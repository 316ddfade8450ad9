"""An owner sees the bell, opens his inbox on a phone, taps a notification, reads all."""

from __future__ import annotations

import pytest

from sunlit.notices.models import Notification
from sunlit.notices.services import notify
from tests.browser.conftest import screenshot
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db(transaction=True)


def test_owner_reads_notifications_on_a_phone(live_server, phone, owner, community):
    notify(community=community, recipients=[owner], title="您的报修 BX-20261118-0001 已受理",
           body="我们会尽快安排维修师傅上门。", url="/me/")
    notify(community=community, recipients=[owner], title="您的报修 BX-20261118-0001 已派单",
           body="处理人：张师傅（工号 G007），预计 2 小时内上门。", url="/me/")
    notify(community=community, recipients=[owner], title="明强小区 11 月 20 日停水通知",
           body="因二次供水设备检修，11 月 20 日 9:00–15:00 全小区停水，请提前储水。",
           kind="announcement")
    Notification.objects.filter(title__contains="已受理").update(read_at="2026-11-18T10:00:00+08:00")

    phone.goto(f"{live_server.url}/login/")
    phone.get_by_label("手机号或用户名").fill(owner.mobile)
    phone.get_by_label("密码").fill(PASSWORD)
    phone.get_by_role("button", name="登录").click()
    phone.wait_for_url(f"{live_server.url}/me/")
    assert phone.get_by_test_id("notice-count").inner_text() == "2"

    phone.get_by_test_id("notice-bell").click()
    phone.wait_for_url(f"{live_server.url}/notices/")
    items = phone.get_by_test_id("notice")
    assert items.count() == 3
    assert "停水通知" in items.nth(0).inner_text() and "已受理" in items.nth(2).inner_text()
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390
    screenshot(phone, "notices-inbox-phone")

    items.nth(1).click()  # 已派单 → its page, now read
    phone.wait_for_url(f"{live_server.url}/me/")
    assert phone.get_by_test_id("notice-count").inner_text() == "1"

    phone.goto(f"{live_server.url}/notices/")
    phone.get_by_test_id("read-all").click()
    phone.wait_for_url(f"{live_server.url}/notices/")
    assert "已将 1 条通知标为已读" in phone.get_by_role("alert").inner_text()
    assert phone.get_by_test_id("notice-count").count() == 0
    screenshot(phone, "notices-inbox-read-phone")
