"""The vote's owner-side controls (``governance.controls``): plan and apply announcing,
cancelling and extending a vote."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

from sunlit.core.clock import minute
from sunlit.core.models import Community, User
from sunlit.core.validators import clean_prose
from sunlit.governance.controls import services as controls
from sunlit.governance.votes import services as vote_services
from sunlit.governance.votes.choices import (
    VoteStatus,
)
from sunlit.governance.votes.models import (
    Vote,
)
from sunlit.governance.votes.rules import MAX_REASON, status_error

# --- the vote's owner-side controls (governance.controls): plan and apply --------------------------

def _vote_param(community: Community, params: dict) -> Vote:
    vote_id = params.get("vote")
    vote = None
    if isinstance(vote_id, int) and not isinstance(vote_id, bool):
        vote = Vote.objects.in_community(community).filter(pk=vote_id).first()
    if vote is None:
        raise ValidationError({"vote": [_("请选择本小区的表决")]})
    return vote



def plan_announce(community: Community, params: dict, *, now=None) -> controls.Plan:
    vote = _vote_param(community, params)
    if vote.status != VoteStatus.DRAFT:
        raise status_error(vote, _("只有草稿可以公告"))
    return controls.Plan(
        params={"vote": vote.pk}, weakens=True, subject=vote, subject_label=vote.title,
        summary=_("公告表决「%(t)s」，投票 %(a)s 至 %(b)s") % {
            "t": vote.title, "a": minute(vote.opens_at), "b": minute(vote.closes_at)})


def apply_announce(community: Community, params: dict, *, actor: User, now) -> Vote:
    return vote_services.announce_vote(_vote_param(community, params), actor=actor, now=now)


def plan_cancel(community: Community, params: dict, *, now=None) -> controls.Plan:
    vote = _vote_param(community, params)
    if vote.status not in (VoteStatus.DRAFT, VoteStatus.ANNOUNCED, VoteStatus.OPEN):
        raise status_error(vote, _("截止后不能撤销"))
    reason = clean_prose(params.get("reason") if isinstance(params.get("reason"), str) else "")
    if not reason or len(reason) > MAX_REASON:
        raise ValidationError({"reason": [_("请填写撤销原因（最多 200 个字）")]})
    return controls.Plan(
        params={"vote": vote.pk, "reason": reason}, weakens=vote_services.cancel_is_owner_side(vote),
        subject=vote, subject_label=vote.title,
        summary=_("撤销%(s)s的表决「%(t)s」：%(r)s") % {
            "s": vote.get_status_display(), "t": vote.title, "r": reason})


def apply_cancel(community: Community, params: dict, *, actor: User, now) -> Vote:
    return vote_services.cancel_vote(_vote_param(community, params), actor=actor, reason=params["reason"],
                       now=now)


def _closes_param(params: dict) -> dt.datetime:
    value = params.get("closes_at")
    if isinstance(value, str):
        try:
            value = dt.datetime.fromisoformat(value)
        except ValueError:
            value = None
    if not isinstance(value, dt.datetime) or timezone.is_naive(value):
        raise ValidationError({"closes_at": [_("请填写完整的日期和时间")]})
    return value


def plan_extend(community: Community, params: dict, *, now=None) -> controls.Plan:
    vote = _vote_param(community, params)
    closes_at = _closes_param(params)
    vote_services.check_extension(vote, closes_at, now or timezone.now())
    return controls.Plan(
        params={"vote": vote.pk, "closes_at": vote_services.log_time(closes_at)}, weakens=True, subject=vote,
        subject_label=vote.title,
        summary=_("表决「%(t)s」投票截止由 %(a)s 延长至 %(b)s") % {
            "t": vote.title, "a": minute(vote.closes_at), "b": minute(closes_at)})


def apply_extend(community: Community, params: dict, *, actor: User, now) -> Vote:
    return vote_services.extend_vote(_vote_param(community, params), actor=actor,
                       closes_at=_closes_param(params), now=now)
