"""Public comment (公示/征求意见): period, comment window, masked authors, answers, close."""

from __future__ import annotations

import datetime as dt
import json

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError

from sunlit.governance.consultations import services as consultations
from sunlit.governance.consultations.models import ConsultationKind, ConsultationStatus
from sunlit.transparency.models import LogLeaf
from tests.governance.meeting_fixtures import C_END, C_START, T0

pytestmark = pytest.mark.django_db


def leaf(community, event_type):
    return json.loads(LogLeaf.objects.filter(community=community, event_type=event_type)
                      .latest("index").data)


def test_the_period_has_a_minimum_length(community, committee):
    with pytest.raises(ValidationError) as refused:
        consultations.create_consultation(
            community, actor=committee, kind="comment", title="外立面翻新", description="方案",
            starts_at=C_START, ends_at=C_START + dt.timedelta(days=6, hours=23))
    assert "ends_at" in refused.value.message_dict
    with pytest.raises(ValidationError) as refused:
        consultations.create_consultation(community, actor=committee, kind="x", topic="y",
                                          title="", description="", starts_at=None, ends_at=1)
    assert {"kind", "topic", "title", "description", "starts_at", "ends_at"} <= set(
        refused.value.message_dict)


def test_publishing_puts_the_text_hash_on_the_log_and_a_past_start_becomes_now(consultation,
                                                                              committee,
                                                                              community):
    item = consultation(publish=False, starts_at=T0 - dt.timedelta(days=1),
                        ends_at=T0 + dt.timedelta(days=6))
    with pytest.raises(ValidationError, match="至少 7 天"):
        consultations.publish_consultation(item, actor=committee, now=T0)
    consultations.update_consultation(item, actor=committee, ends_at=T0 + dt.timedelta(days=8))
    consultations.publish_consultation(item, actor=committee, now=T0)
    item.refresh_from_db()
    assert item.status == ConsultationStatus.PUBLISHED and item.starts_at == T0
    assert leaf(community, "governance.consultation.published")["public"]["text_sha256"] == \
        item.text_sha256
    with pytest.raises(ValidationError):
        consultations.update_consultation(item, actor=committee, title="改")


def test_comment_window_boundaries(consultation, owner):
    item = consultation()
    with (time_machine.travel(C_START - dt.timedelta(seconds=1), tick=False),
          pytest.raises(ValidationError, match="尚未开始")):
        consultations.comment(item, actor=owner, text="早到的意见")
    with time_machine.travel(C_START, tick=False):
        first = consultations.comment(item, actor=owner, text="维保费用偏高")
    with time_machine.travel(C_END - dt.timedelta(seconds=1), tick=False):
        consultations.comment(item, actor=owner, text="再补充一条")
    with time_machine.travel(C_END, tick=False), pytest.raises(ValidationError, match="已结束"):
        consultations.comment(item, actor=owner, text="晚到的意见")
    assert item.comments.count() == 2 and first.author_label == "1号楼业主"


def test_comments_are_masked_on_the_log_with_a_commitment_to_the_author(consultation, owner,
                                                                      community):
    item = consultation()
    comment = consultations.comment(item, actor=owner, text="希望公开报价明细", now=C_START)
    entry = leaf(community, "governance.consultation.commented")
    assert entry["public"]["author"] == "1号楼业主"
    assert "王小明" not in json.dumps(entry, ensure_ascii=False)
    assert "author_name" in entry["commitments"]
    assert entry["public"]["text_sha256"] == comment.text_sha256
    assert comment.leaf_index is not None


def test_non_members_non_owners_and_notice_only_are_refused(consultation, owner_other_community,
                                                            resident, service, committee, owner):
    item = consultation()
    with pytest.raises(PermissionDenied):
        consultations.comment(item, actor=owner_other_community, text="x", now=C_START)
    with pytest.raises(PermissionDenied):
        consultations.comment(item, actor=resident, text="x", now=C_START)
    with pytest.raises(PermissionDenied):
        consultations.comment(item, actor=service, text="x", now=C_START)
    with pytest.raises(ValidationError, match="登记的业主"):  # a committee member without a unit
        consultations.comment(item, actor=committee, text="x", now=C_START)
    with pytest.raises(ValidationError):
        consultations.comment(item, actor=owner, text=" ", now=C_START)
    notice = consultation(kind=ConsultationKind.NOTICE)
    with pytest.raises(ValidationError, match="只作公示"):
        consultations.comment(notice, actor=owner, text="x", now=C_START)
    assert not item.comments.exists()


def test_answers_are_public_with_name_and_role_and_non_staff_are_refused(consultation, owner,
                                                                        manager, community):
    item = consultation()
    comment = consultations.comment(item, actor=owner, text="合同期能否改为两年", now=C_START)
    with pytest.raises(PermissionDenied):
        consultations.answer(comment, actor=owner, text="我自己答复")
    reply = consultations.answer(comment, actor=manager, text="可以，将在续签时调整。",
                                 now=C_START + dt.timedelta(hours=2))
    assert (reply.answerer_name, reply.answerer_role) == ("刘经理", "项目经理")
    public = leaf(community, "governance.consultation.answered")["public"]
    assert public["answer"] == "可以，将在续签时调整。" and public["answerer"] == "刘经理"
    from sunlit.notices.models import Notification

    assert Notification.objects.filter(recipient=owner, title__contains="已获答复").exists()


def test_close_after_the_period_with_a_summary_and_a_vote_link(consultation, owner, committee,
                                                              community, draft,
                                                              other_community):
    item = consultation()
    consultations.comment(item, actor=owner, text="同意续签", now=C_START)
    with pytest.raises(ValidationError, match="尚未结束"):
        consultations.close_consultation(item, actor=committee, summary="汇总", now=C_START)
    from sunlit.governance.models import Vote
    from tests.governance.conftest import CLOSES, OPENS

    foreign = Vote.objects.create(community=other_community, title="x", description="x",
                                  matter="other", opens_at=OPENS, closes_at=CLOSES)
    with pytest.raises(ValidationError) as refused:
        consultations.close_consultation(item, actor=committee, summary="", vote=foreign,
                                         now=C_END)
    assert {"summary", "vote"} <= set(refused.value.message_dict)
    vote = draft()
    consultations.close_consultation(item, actor=committee, summary="共收到 1 条意见，拟提交表决。",
                                     vote=vote, now=C_END)
    item.refresh_from_db()
    assert item.status == ConsultationStatus.CLOSED and item.vote == vote
    public = leaf(community, "governance.consultation.closed")["public"]
    assert public["comments"] == 1 and public["answered"] == 0 and public["vote"] == vote.pk


def test_a_committee_members_answer_names_him_only_in_a_commitment(consultation, owner, committee,
                                                                    community):
    item = consultation()
    comment = consultations.comment(item, actor=owner, text="维保单位资质请公示", now=C_START)
    consultations.answer(comment, actor=committee, text="已在附件二公示", now=C_START + dt.timedelta(hours=1))
    entry = leaf(community, "governance.consultation.answered")
    assert entry["public"]["answerer_role"] == "业委会" and entry["public"].get("answerer") is None
    assert "answerer_name" in entry["commitments"]
