"""Who hears about a ticket, and what they are told — 工单通知.

The services call these after each change, inside their transaction; ``notices.notify``
writes the in-app messages there and sends e-mail (and SMS / WeChat, when configured) after
the commit. Messages are written in the site's default language (Chinese), whoever acted, and
never to the person who acted himself.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.conf import settings
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _

from sunlit.core.choices import Role
from sunlit.core.models import Membership, User
from sunlit.notices.services import notify
from sunlit.tickets.choices import Action, EscalationLevel

# who in the community hears of what, besides the reporter and the assignee
NEW_TICKET_ROLES = (Role.SERVICE, Role.DISPATCHER)
REOPENED_ROLES = (Role.DISPATCHER, Role.MANAGER)
FOLLOW_UP_ROLES = (Role.SERVICE,)
LOW_RATING_ROLES = (Role.MANAGER,)
ESCALATION_ROLES = {
    EscalationLevel.BREACH: (Role.MANAGER, Role.DISPATCHER),
    EscalationLevel.COMPANY: (Role.COMPANY_ADMIN,),
}


def staff_with(community_id: int, roles: Iterable[str]) -> list[User]:
    members = (Membership.objects.in_community(community_id).active()
               .filter(role__in=list(roles), user__is_active=True).select_related("user"))
    return [member.user for member in members]


def _reporter(ticket) -> list[User]:
    return [ticket.reporter_user] if ticket.reporter_user_id else []


def _assignee(ticket) -> list[User]:
    return [ticket.assignee.user] if ticket.assignee_id else []


def _send(ticket, recipients: Iterable[User], title: str, body: str = "", *, actor=None) -> None:
    people = [user for user in recipients if user is not None and (actor is None or user.pk != actor.pk)]
    if not people:
        return
    notify(community=ticket.community, recipients=people, title=title, body=body,
           url=reverse("tickets:ticket", args=[ticket.pk]), kind="ticket", obj=ticket)


def _label(ticket) -> str:
    return f"{ticket.get_kind_display()} {ticket.number}「{ticket.title}」"


def ticket_submitted(ticket) -> None:
    with translation.override(settings.LANGUAGE_CODE):
        _send(ticket, _reporter(ticket), _("已收到您的%(what)s") % {"what": _label(ticket)},
              _("我们会尽快受理，您可以随时查看处理进度。"), actor=ticket.created_by)
        _send(ticket, staff_with(ticket.community_id, NEW_TICKET_ROLES),
              _("新工单待受理：%(what)s") % {"what": _label(ticket)}, ticket.description[:200],
              actor=ticket.created_by)


def ticket_changed(ticket, action: str, *, actor, from_status: str) -> None:
    """After a workflow step: the reporter hears of every change of state; the others of
    what concerns them."""
    with translation.override(settings.LANGUAGE_CODE):
        status = ticket.get_status_display()
        what = _label(ticket)
        if action == Action.TAKE:
            _send(ticket, _reporter(ticket), _("%(what)s：处理人已接单") % {"what": what},
                  _("处理人：%(name)s") % {"name": ticket.assignee.user}, actor=actor)
        elif action != Action.DISPATCH or from_status != ticket.status:
            body = ""
            if action == Action.DISPATCH and ticket.assignee_id:
                body = _("处理人：%(name)s") % {"name": ticket.assignee.user}
            elif action == Action.RESOLVE:
                body = _("请查看处理结果并评价；如不满意，可在规定期限内重新打开。")
            elif action == Action.MARK_UNRESOLVABLE:
                body = ticket.public_reason
            _send(ticket, _reporter(ticket), _("%(what)s：%(status)s") % {"what": what, "status": status},
                  body, actor=actor)
        if action == Action.DISPATCH:
            _send(ticket, _assignee(ticket), _("新派单：%(what)s") % {"what": what},
                  ticket.location_text or "", actor=actor)
        elif action == Action.RESOLVE:
            _send(ticket, staff_with(ticket.community_id, FOLLOW_UP_ROLES),
                  _("待回访：%(what)s") % {"what": what}, actor=actor)
        elif action == Action.REOPEN:
            _send(ticket, [*_assignee(ticket), *staff_with(ticket.community_id, REOPENED_ROLES)],
                  _("业主重新打开：%(what)s") % {"what": what}, actor=actor)
        elif action in (Action.WITHDRAW, Action.SUSPEND, Action.RESUME):
            _send(ticket, _assignee(ticket), _("%(what)s：%(status)s") % {"what": what, "status": status},
                  actor=actor)


def ticket_rated(ticket) -> None:
    with translation.override(settings.LANGUAGE_CODE):
        if ticket.needs_manager_review:
            _send(ticket, staff_with(ticket.community_id, LOW_RATING_ROLES),
                  _("差评待处理（%(n)s 分）：%(what)s") % {"n": ticket.rating, "what": _label(ticket)},
                  ticket.rating_comment, actor=ticket.reporter_user)
        _send(ticket, _assignee(ticket),
              _("业主评价 %(n)s 分：%(what)s") % {"n": ticket.rating, "what": _label(ticket)},
              actor=ticket.reporter_user)


def quote_proposed(ticket, quote) -> None:
    with translation.override(settings.LANGUAGE_CODE):
        _send(ticket, _reporter(ticket),
              _("请确认报价 ¥%(amount)s：%(what)s") % {"amount": quote.amount, "what": _label(ticket)},
              quote.note, actor=quote.created_by)


def quote_decided(ticket, quote) -> None:
    with translation.override(settings.LANGUAGE_CODE):
        _send(ticket, _assignee(ticket),
              _("业主%(decision)s：%(what)s") % {"decision": quote.get_status_display(),
                                                "what": _label(ticket)},
              quote.decision_note, actor=quote.decided_by)


def escalated(ticket, step_label: str, level: str) -> list[User]:
    """Tells the people of one escalation level; returns who was told."""
    with translation.override(settings.LANGUAGE_CODE):
        if level == EscalationLevel.WARN:
            people = _assignee(ticket) or staff_with(ticket.community_id, (Role.DISPATCHER,))
        else:
            people = staff_with(ticket.community_id, ESCALATION_ROLES[level])
        title = _("%(level)s：%(what)s 的%(step)s时限") % {
            "level": EscalationLevel(level).label, "what": _label(ticket), "step": step_label}
        _send(ticket, people, title)
        return people
