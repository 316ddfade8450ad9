"""Who hears about proposals and votes, and what they are told — 金点子与表决通知.

Called inside the services' (or the scheduler's) transaction; ``notices.notify`` writes the
in-app messages there and sends e-mail / SMS / WeChat after the commit. Messages are written
in the site's default language (Chinese), and never to the person who acted himself.

Votes: every owner of a unit in the scope hears of the announcement (from the live roster) and
of the opening (the frozen electorate's voters); two days before the close those whose units
have not voted yet are reminded. Each stage is sent once per vote: a ``VoteNotice`` row with a
unique (vote, stage) claims it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.conf import settings
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from sunlit.core.choices import Role
from sunlit.core.clock import minute
from sunlit.core.models import Membership, Person, User
from sunlit.notices.choices import NotificationKind
from sunlit.notices.services import notify

REMIND_BEFORE = dt.timedelta(days=2)


def committee_of(community_id: int) -> list[int]:
    return list(Membership.objects.in_community(community_id).active()
                .filter(role=Role.COMMITTEE, user__is_active=True)
                .values_list("user_id", flat=True))



def _send_proposal(proposal, recipients: Iterable[int], title: str, body: str = "", *,
                   actor: User | None = None) -> None:
    people = [pk for pk in recipients if actor is None or pk != actor.pk]
    if people:
        notify(community=proposal.community, recipients=people, title=title, body=body,
               url=reverse("proposals:proposal", args=[proposal.pk]),
               kind=NotificationKind.SYSTEM, obj=proposal)


def proposal_reached(proposal) -> None:
    with translation.override(settings.LANGUAGE_CODE):
        if proposal.is_interim:
            title = _("临时业主大会提议已达到法定提议人数：%(t)s") % {"t": proposal.title}
            body = _("请于 %(due)s 前组织召开临时业主大会（%(n)s / %(total)s 位业主联署）。") % {
                "due": minute(proposal.answer_due), "n": proposal.signed_owners,
                "total": proposal.total_owners}
        else:
            title = _("金点子待答复：%(t)s") % {"t": proposal.title}
            body = _("已有 %(n)s 位业主支持，请于 %(due)s 前公开答复。") % {
                "n": proposal.supporters, "due": minute(proposal.answer_due)}
        _send_proposal(proposal, committee_of(proposal.community_id), title, body)
        _send_proposal(proposal, [proposal.author_id],
                       _("您的提议已达到答复门槛：%(t)s") % {"t": proposal.title}, body)


def proposal_overdue(proposal, now: dt.datetime) -> None:
    with translation.override(settings.LANGUAGE_CODE):
        _send_proposal(proposal, committee_of(proposal.community_id),
                       _("逾期未答复：%(t)s") % {"t": proposal.title},
                       _("答复期限 %(due)s 已过，页面上已公开显示为逾期未答复。")
                       % {"due": minute(proposal.answer_due)})


def proposal_answered(proposal, *, actor: User) -> None:
    from sunlit.governance.proposals.models import ProposalSupport

    supporters = ProposalSupport.objects.filter(proposal=proposal, withdrawn_at__isnull=True)
    with translation.override(settings.LANGUAGE_CODE):
        _send_proposal(proposal, [proposal.author_id, *supporters.values_list("user_id", flat=True)],
                       _("业委会已答复：%(t)s（%(d)s）") % {"t": proposal.title,
                                                        "d": proposal.get_decision_display()},
                       proposal.answer[:200], actor=actor)


# --- votes ---------------------------------------------------------------------------------------

def _claim(vote, stage: str, now: dt.datetime):
    """The notice row of (vote, stage), or None when it was sent already (or is being sent)."""
    from sunlit.governance.proposals.models import VoteNotice

    try:
        with transaction.atomic():
            return VoteNotice.objects.create(community_id=vote.community_id, vote=vote,
                                             stage=stage, sent_at=now)
    except IntegrityError:
        return None


def _send_vote(vote, stage: str, users: Iterable[int], title: str, body: str,
               now: dt.datetime) -> int | None:
    """Sends one stage of a vote's notices; None when it was sent before."""
    claim = _claim(vote, stage, now)
    if claim is None:
        return None
    sent = notify(community=vote.community, recipients=sorted(set(users)), title=title,
                  body=body, url=reverse("governance:vote", args=[vote.pk]),
                  kind=NotificationKind.VOTE, obj=vote)
    claim.recipients = len(sent)
    claim.save(update_fields=["recipients"])
    return len(sent)


def _scope_users(vote) -> list[int]:
    from sunlit.governance.votes import selectors

    rows = selectors.build_electorate(vote, timezone.localdate())
    persons = {p for row in rows for p in row.voters}
    return list(Person.objects.filter(pk__in=persons, user__isnull=False)
                .values_list("user_id", flat=True))


def vote_announced(vote, now: dt.datetime | None = None) -> int | None:
    """Tells every owner in the scope that a vote was announced (once)."""
    now = now or timezone.now()
    with translation.override(settings.LANGUAGE_CODE):
        return _send_vote(vote, "announced", _scope_users(vote),
                          _("表决公告：%(t)s") % {"t": vote.title},
                          _("投票时间 %(a)s 至 %(b)s，请查看事项说明和表决材料。")
                          % {"a": minute(vote.opens_at), "b": minute(vote.closes_at)}, now)


def vote_opened(vote, now: dt.datetime | None = None) -> int | None:
    """Tells every owner who may vote (the frozen electorate) that voting has started (once)."""
    from sunlit.governance.votes.models import VoteVoter

    now = now or timezone.now()
    users = (VoteVoter.objects.filter(vote=vote, person__user__isnull=False)
             .values_list("person__user_id", flat=True))
    with translation.override(settings.LANGUAGE_CODE):
        return _send_vote(vote, "opened", users, _("开始投票：%(t)s") % {"t": vote.title},
                          _("投票截止 %(b)s。可在线投票，也可交纸质表决票。")
                          % {"b": minute(vote.closes_at)}, now)


def not_voted_users(vote) -> list[int]:
    """Accounts of the owners of units without a counted ballot (never anyone's choice)."""
    from sunlit.governance.votes.models import Ballot, VoteVoter

    voted = Ballot.objects.filter(vote=vote).counted().values("vote_unit_id")
    return list(VoteVoter.objects.filter(vote=vote, person__user__isnull=False)
                .exclude(vote_unit_id__in=voted)
                .values_list("person__user_id", flat=True).distinct())


def vote_reminder(vote, now: dt.datetime | None = None) -> int | None:
    """Reminds the owners who have not voted, two days before the close (once)."""
    now = now or timezone.now()
    with translation.override(settings.LANGUAGE_CODE):
        return _send_vote(vote, "reminder", not_voted_users(vote),
                          _("投票即将截止：%(t)s") % {"t": vote.title},
                          _("您的房屋尚未投票，投票将于 %(b)s 截止。") % {"b": minute(vote.closes_at)},
                          now)


def remind_due_votes(now: dt.datetime | None = None) -> list[int]:
    """Sends the reminder of every open vote that closes within two days (the schedule runs
    this every 10 minutes); returns the ids of the votes reminded now."""
    from sunlit.governance.proposals.models import VoteNotice
    from sunlit.governance.votes.choices import VoteStatus
    from sunlit.governance.votes.models import Vote

    now = now or timezone.now()
    done = VoteNotice.objects.filter(stage="reminder").values("vote_id")
    reminded = []
    for vote in (Vote.objects.filter(status=VoteStatus.OPEN, closes_at__gt=now,
                                     closes_at__lte=now + REMIND_BEFORE)
                 .exclude(pk__in=done).select_related("community").order_by("pk")):
        with transaction.atomic():
            if vote_reminder(vote, now) is not None:
                reminded.append(vote.pk)
    return reminded
