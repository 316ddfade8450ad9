"""An owner on his phone reads a comment period, comments, and sees the meeting minutes."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from sunlit.governance.consultations import services as consultations
from sunlit.governance.consultations.models import ConsultationKind
from sunlit.governance.meetings import services as meetings
from sunlit.governance.meetings.models import MeetingKind, Organiser
from tests.browser.conftest import screenshot
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db(transaction=True)


def log_in(page, base, username):
    page.goto(f"{base}/login/")
    page.get_by_label("手机号或用户名").fill(username)
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(f"{base}/**")


def test_owner_comments_on_his_phone_and_reads_the_minutes(live_server, phone, owner, committee,
                                                           manager, community):
    now = timezone.now()
    item = consultations.create_consultation(
        community, actor=committee, kind=ConsultationKind.COMMENT, topic="elevator",
        title="电梯维保合同续签征求意见", description="拟续签三年，年费 4.8 万元。",
        starts_at=now - dt.timedelta(days=1), ends_at=now + dt.timedelta(days=9))
    consultations.publish_consultation(item, actor=committee, now=now - dt.timedelta(days=1))
    held = now - dt.timedelta(days=2)
    meeting = meetings.create_meeting(
        community, actor=committee, kind=MeetingKind.SUNSHINE, title="九月阳光议事会",
        organiser=Organiser.COMMITTEE, starts_at=held, place="会所活动室",
        agenda=["电梯维保", "车库渗水"])
    meetings.announce_meeting(meeting, actor=committee, now=held - dt.timedelta(days=8))
    meetings.sign_in(meeting.attendees.get(user=committee), actor=manager, now=held)
    meetings.hold_meeting(meeting, actor=committee, now=held)
    meetings.add_decision(meeting, actor=committee, text="同意续签电梯维保合同。")
    meetings.publish_minutes(meeting, actor=committee, text="会议按时召开。", now=held)
    base = live_server.url

    log_in(phone, base, "owner")
    phone.goto(f"{base}/governance/consultations/")
    phone.get_by_text("电梯维保合同续签征求意见").click()
    phone.get_by_label("意见").fill("希望公开三家报价。")
    phone.get_by_role("button", name="提交意见").click()
    assert "意见已提交" in phone.get_by_role("alert").inner_text()
    comments = phone.get_by_test_id("comments").inner_text()
    assert "1号楼业主" in comments and "王小明" not in comments
    screenshot(phone, "meetings-consultation")

    phone.goto(f"{base}/governance/meetings/{meeting.pk}/")
    assert "同意续签电梯维保合同" in phone.get_by_test_id("minutes").inner_text()
    assert "1" in phone.get_by_test_id("attendance").inner_text()
    screenshot(phone, "meetings-minutes")


def test_committee_records_a_decision_and_publishes_minutes(live_server, browser, committee,
                                                            community, owner):
    from sunlit.governance.meetings.models import Meeting

    now = timezone.now()
    start = now - dt.timedelta(hours=1)
    meeting = meetings.create_meeting(
        community, actor=committee, kind=MeetingKind.COMMITTEE, title="业委会例会",
        organiser=Organiser.COMMITTEE, starts_at=start, place="业委会办公室",
        agenda=["电梯维保合同"])
    meetings.announce_meeting(meeting, actor=committee, now=start - dt.timedelta(days=8))
    meetings.register_for_meeting(meeting, actor=owner, now=start - dt.timedelta(days=1))
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
    page = context.new_page()
    base = live_server.url
    log_in(page, base, "committee")
    page.goto(f"{base}/governance/meetings/{meeting.pk}/sign-in/")
    page.get_by_role("button", name="签到").first.click()
    assert "已签到" in page.get_by_test_id("sign-in-sheet").inner_text()
    page.goto(f"{base}/governance/meetings/{meeting.pk}/")
    page.get_by_role("button", name="会议已召开").click()
    page.wait_for_url(f"{base}/governance/meetings/{meeting.pk}/minutes/")
    page.get_by_label("决定内容").fill("同意续签电梯维保合同，合同期两年。")
    page.get_by_role("button", name="记录决定").click()
    assert "同意续签" in page.get_by_test_id("decisions").inner_text()
    page.get_by_label("纪要正文").fill("会议按时召开，到会委员一致同意。")
    screenshot(page, "meetings-minutes-form")
    page.get_by_role("button", name="公布纪要").click()
    page.wait_for_url(f"{base}/governance/meetings/{meeting.pk}/")
    assert Meeting.objects.get(pk=meeting.pk).status == "minutes"
    context.close()
