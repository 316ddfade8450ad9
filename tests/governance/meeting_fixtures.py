"""Fixtures of the meeting and public comment tests (imported by their modules)."""

from __future__ import annotations

import datetime as dt
import io

import pytest

from sunlit.governance.consultations import services as consultations
from sunlit.governance.consultations.models import ConsultationKind
from sunlit.governance.meetings import services as meetings
from sunlit.governance.meetings.models import MeetingKind, Organiser
from sunlit.tickets.models import Category, Ticket

SHANGHAI = dt.timezone(dt.timedelta(hours=8))
# Monday 2026-03-02 10:00 in Shanghai: the committee drafts and announces.
T0 = dt.datetime(2026, 3, 2, 10, 0, tzinfo=SHANGHAI)
STARTS = T0 + dt.timedelta(days=10)
C_START = T0 + dt.timedelta(days=1)
C_END = C_START + dt.timedelta(days=10)


def pdf_bytes(*, pages: int = 1, encrypt: bool = False, javascript: bool = False) -> bytes:
    from pypdf import PdfWriter

    writer = PdfWriter()
    for _n in range(pages):
        writer.add_blank_page(width=200, height=200)
    if javascript:
        from pypdf.generic import DictionaryObject, NameObject, TextStringObject

        writer._root_object[NameObject("/OpenAction")] = DictionaryObject({
            NameObject("/S"): NameObject("/JavaScript"),
            NameObject("/JS"): TextStringObject("app.alert('hi');")})
    if encrypt:
        writer.encrypt("secret")
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


@pytest.fixture
def meeting_draft(community, committee):
    def make(**overrides):
        args = {"actor": committee, "kind": MeetingKind.SUNSHINE, "title": "三月阳光议事会",
                "organiser": Organiser.COMMITTEE, "starts_at": STARTS, "place": "社区活动室",
                "agenda": ["电梯维保合同续签", {"title": "北门充电棚", "description": "选址"}]}
        args.update(overrides)
        return meetings.create_meeting(community, **args)

    return make


@pytest.fixture
def held_meeting(meeting_draft, committee):
    def make(**overrides):
        meeting = meeting_draft(**overrides)
        meetings.announce_meeting(meeting, actor=committee, now=T0)
        return meetings.hold_meeting(meeting, actor=committee, now=STARTS)

    return make


@pytest.fixture
def consultation(community, committee):
    def make(kind=ConsultationKind.COMMENT, publish=True, **overrides):
        args = {"actor": committee, "kind": kind, "title": "电梯维保合同续签",
                "description": "拟与某电梯公司续签三年维保合同，年费 4.8 万元。",
                "starts_at": C_START, "ends_at": C_END, "topic": "elevator"}
        args.update(overrides)
        item = consultations.create_consultation(community, **args)
        if publish:
            consultations.publish_consultation(item, actor=committee, now=T0)
        return item

    return make


@pytest.fixture
def make_ticket():
    def make(community, number="BX20260301001"):
        category = Category.objects.get_or_create(community=community, name="电梯",
                                                  defaults={"kind": "repair"})[0]
        return Ticket.objects.create(community=community, number=number, kind="repair",
                                     category=category, priority="normal", title="电梯异响",
                                     description="3号楼电梯运行有异响")

    return make
