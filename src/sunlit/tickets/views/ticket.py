"""The ticket page every role uses: header, promised times, timeline, proof, and actions.

The action forms are exactly what the user may do now (``workflow.allowed_actions`` plus
rating and quotes). One endpoint takes every action by name and calls its service verb; a
refusal re-renders the page (or, for htmx, the action panel) with the message.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy
from django.views.decorators.http import require_GET, require_POST
from django_htmx.http import HttpResponseClientRedirect

from sunlit.core import uploads
from sunlit.core.choices import STAFF_ROLES, Role
from sunlit.core.forms import apply_errors
from sunlit.core.masking import mask_name
from sunlit.core.permissions import can, roles_in
from sunlit.core.redirects import safe_next
from sunlit.tickets import access, services, workflow
from sunlit.tickets.choices import Action, QuoteStatus, TicketKind, TicketStatus
from sunlit.tickets.forms import (
    DispatchForm,
    FollowUpForm,
    NoteForm,
    QuoteDecisionForm,
    QuoteForm,
    RateForm,
    ReasonForm,
    ResolveForm,
)
from sunlit.tickets.models import MaterialUse, Ticket, TicketPhoto

A = Action
AUTO_DISPATCH = "auto_dispatch"
PROPOSE_QUOTE = "propose_quote"
AUTO_DISPATCH_AS = A.DISPATCH  # who may dispatch may ask for the automatic choice

# action → the form that parses it
FORMS = {
    A.ACCEPT: NoteForm, A.TAKE: NoteForm, A.DISPATCH: DispatchForm, AUTO_DISPATCH: NoteForm,
    A.ARRIVE: NoteForm,
    A.RESOLVE: ResolveForm, A.FOLLOW_UP: FollowUpForm, A.ARCHIVE: NoteForm,
    A.WITHDRAW: NoteForm, A.MARK_UNRESOLVABLE: ReasonForm, A.REOPEN: ReasonForm,
    A.SUSPEND: ReasonForm, A.RESUME: NoteForm, A.RATE: RateForm, PROPOSE_QUOTE: QuoteForm,
    A.ACCEPT_QUOTE: QuoteDecisionForm, A.REJECT_QUOTE: QuoteDecisionForm,
}
SIMPLE = {A.ACCEPT: services.accept_ticket, A.TAKE: services.take_ticket,
          A.ARRIVE: services.arrive_ticket,
          A.ARCHIVE: services.archive_ticket, A.WITHDRAW: services.withdraw_ticket,
          A.RESUME: services.resume_ticket, A.FOLLOW_UP: services.follow_up_ticket}
WITH_REASON = {A.MARK_UNRESOLVABLE: services.mark_unresolvable, A.REOPEN: services.reopen_ticket,
               A.SUSPEND: services.suspend_ticket}
# what the owner side is shown first, what staff do next, and the rarer ways out
PRIMARY = (A.ACCEPT_QUOTE, A.REJECT_QUOTE, A.RATE, A.ACCEPT, A.TAKE, A.DISPATCH, A.ARRIVE, A.RESOLVE,
           A.FOLLOW_UP, A.ARCHIVE, A.RESUME)
SECONDARY = (PROPOSE_QUOTE, A.SUSPEND, A.REOPEN, A.WITHDRAW, A.MARK_UNRESOLVABLE)


@dataclass
class Promise:
    """One promised time (受理/到场/办结) as the page shows it."""

    step: str
    label: str
    due: dt.datetime
    met: bool | None
    done_at: dt.datetime | None
    state: str  # met, missed, running, overdue, paused, void
    seconds: int  # left (running, paused) or over (overdue)


def _promises(ticket: Ticket, now: dt.datetime) -> list[Promise]:
    promises = []
    for step, label, done_at in (("accept", _("受理"), ticket.accepted_at),
                                 ("arrive", _("到场"), ticket.arrived_at),
                                 ("resolve", _("办结"), ticket.resolved_at)):
        due, met = getattr(ticket, f"due_{step}"), getattr(ticket, f"met_{step}")
        if due is None:
            continue
        seconds = 0
        if met is True:
            state = "met"
        elif met is False:
            state = "missed"
        elif ticket.is_closed:
            state = "void"
        elif ticket.is_paused:
            state, seconds = "paused", max(int((due - ticket.paused_at).total_seconds()), 0)
        elif now > due:
            state, seconds = "overdue", int((now - due).total_seconds())
        else:
            state, seconds = "running", int((due - now).total_seconds())
        promises.append(Promise(step, label, due, met, done_at, state, seconds))
    return promises


def is_staff_viewer(user, ticket) -> bool:
    """Staff and the auditor see names, internal notes and internal photos."""
    return bool(roles_in(user, ticket.community_id) & (STAFF_ROLES | {Role.AUDITOR}))


def _timeline(ticket: Ticket, user, *, staff: bool, reporter_visible: bool) -> list:
    events = list(ticket.events.all() if staff else ticket.events.filter(is_public=True))
    photos: dict[int | None, list[TicketPhoto]] = defaultdict(list)
    for photo in ticket.photos.select_related("upload"):
        photos[photo.event_id].append(photo)
    materials: dict[int | None, list[MaterialUse]] = defaultdict(list)
    for item in ticket.materials.all():
        materials[item.event_id].append(item)
    for index, event in enumerate(events):
        event.photo_list = photos.get(event.pk, []) + (photos.get(None, []) if index == 0 else [])
        event.material_list = materials.get(event.pk, [])
        by_reporter = event.actor_id is not None and event.actor_id == ticket.reporter_user_id
        event.actor_label = (mask_name(event.actor_name) if by_reporter and not reporter_visible
                             else event.actor_name)
    return events


def _can_rate(ticket: Ticket, user) -> bool:
    if ticket.status not in services.RATABLE:
        return False
    if ticket.rated_at is not None and ticket.resolved_at and ticket.rated_at >= ticket.resolved_at:
        return False
    return workflow.is_reporter(user, ticket)


def available_actions(ticket: Ticket, user, *, now=None) -> list[str]:
    """Every action the page offers ``user`` on ``ticket`` now."""
    actions = list(workflow.allowed_actions(ticket, user, now=now))
    if A.DISPATCH in actions:
        actions.append(AUTO_DISPATCH)
    if _can_rate(ticket, user):
        actions.append(A.RATE)
    quote = services.latest_quote(ticket)
    if ticket.status in services.QUOTABLE:
        if (ticket.kind == TicketKind.REPAIR and ticket.unit_id is not None
                and workflow.may_work(user, ticket)
                and not (quote is not None and quote.status == QuoteStatus.ACCEPTED)):
            actions.append(PROPOSE_QUOTE)
        if quote is not None and quote.status == QuoteStatus.PENDING and \
                workflow.is_reporter(user, ticket):
            actions += [A.ACCEPT_QUOTE, A.REJECT_QUOTE]
    return actions


def _form_for(action: str, ticket: Ticket, data=None, files=None):
    form_class = FORMS[action]
    if form_class is DispatchForm:
        form = DispatchForm(data, community=ticket.community_id)
        if data is None and ticket.assignee_id:
            form.initial["to"] = ticket.assignee_id
        return form
    return form_class(data, files) if files is not None else form_class(data)


def _context(request, ticket: Ticket, *, failed: str | None = None, failed_form=None) -> dict:
    user, now = request.user, timezone.now()
    staff = is_staff_viewer(user, ticket)
    reporter_visible = staff or workflow.is_reporter(user, ticket)
    actions = available_actions(ticket, user, now=now)
    forms = {action: (failed_form if action == failed and failed_form is not None
                      else _form_for(action, ticket)) for action in actions if action in FORMS}
    reporter = ticket.reporter
    reporter_label = ("—" if reporter is None
                      else reporter.name if reporter_visible else reporter.masked_name)
    return {
        "ticket": ticket,
        "staff": staff,
        "reporter_label": reporter_label,
        "reporter_mobile": reporter.masked_mobile if reporter is not None and staff else "",
        "promises": _promises(ticket, now),
        "events": _timeline(ticket, user, staff=staff, reporter_visible=reporter_visible),
        "quotes": list(ticket.quotes.select_related("created_by").order_by("-created_at", "-id")),
        "actions": actions,
        "forms": forms,
        "primary": [a for a in PRIMARY if a in forms],
        "secondary": [a for a in SECONDARY if a in forms],
        "failed": failed,
        "error": "",
        "reopen_days": workflow.reopen_days(),
        "labels": {**{a.value: a.label for a in A}, AUTO_DISPATCH: _("自动派单"),
                   PROPOSE_QUOTE: _("报价"),
                   **({A.DISPATCH: _("改派")} if ticket.status == TicketStatus.DISPATCHED else {})},
        "can_dispatch": can(user, "tickets.dispatch", ticket),
        "next": request.POST.get("next", "") if request.method == "POST" else "",
        "countdown_texts": _countdown_texts(),
    }


def _countdown_texts() -> dict:
    """The formats the page script uses to tick the countdowns, in the page's language."""
    return {"left": _("剩余 %(d)s"), "over": _("已超时 %(d)s"), "d": _("%(d)s天"),
            "dh": _("%(d)s天%(h)s小时"), "h": _("%(h)s小时"), "hm": _("%(h)s小时%(m)s分钟"),
            "m": _("%(m)s分钟"), "lt": _("不到1分钟")}


@login_required
@require_GET
def ticket_page(request, pk: int):
    ticket = access.get_ticket_for(request.user, pk)
    return render(request, "tickets/ticket.html", _context(request, ticket))


def _run(action: str, ticket: Ticket, user, form, request):
    """Calls the service verb of ``action`` with the form's cleaned data."""
    data = form.cleaned_data
    if action in SIMPLE:
        return SIMPLE[action](ticket, actor=user, note=data.get("note", ""))
    if action in WITH_REASON:
        return WITH_REASON[action](ticket, actor=user, reason=data["reason"])
    if action == A.DISPATCH:
        return services.dispatch_ticket(ticket, to=data["to"], actor=user, note=data["note"])
    if action == AUTO_DISPATCH:
        return services.auto_dispatch_ticket(ticket, actor=user)
    if action == A.RESOLVE:
        photos = uploads.store_images(data["photos"], community=ticket.community, actor=user) \
            if data["photos"] else []
        return services.resolve_ticket(ticket, actor=user, note=data["note"], photos=photos,
                                       materials=data["materials"],
                                       labor_minutes=data.get("labor_minutes"))
    if action == A.RATE:
        return services.rate_ticket(ticket, actor=user, rating=data["rating"],
                                    comment=data["comment"])
    if action == PROPOSE_QUOTE:
        return services.propose_quote(ticket, actor=user, amount=data["amount"],
                                      note=data["note"])
    # accept_quote / reject_quote: the quote now waiting for the owner
    quote = services.latest_quote(ticket)
    if quote is None or quote.status != QuoteStatus.PENDING:
        raise ValidationError({"status": [_("该报价已处理或已被新报价取代")]})
    verb = services.accept_quote if action == A.ACCEPT_QUOTE else services.reject_quote
    return verb(quote, actor=user, note=data["note"])


# what the message after a successful action says
DONE = {
    A.ACCEPT: gettext_lazy("已受理"),
    A.TAKE: gettext_lazy("已接单"),
    A.DISPATCH: gettext_lazy("已派单"),
    AUTO_DISPATCH: gettext_lazy("已自动派单"),
    A.ARRIVE: gettext_lazy("已记录到场"),
    A.RESOLVE: gettext_lazy("已处理完成"),
    A.FOLLOW_UP: gettext_lazy("回访已记录"),
    A.ARCHIVE: gettext_lazy("已归档"),
    A.WITHDRAW: pgettext_lazy("ticket status", "已撤销"),
    A.MARK_UNRESOLVABLE: gettext_lazy("已标记为无法解决"),
    A.REOPEN: gettext_lazy("已重新打开"),
    A.SUSPEND: gettext_lazy("已挂起，服务时限暂停计时"),
    A.RESUME: gettext_lazy("已恢复处理"),
    A.RATE: gettext_lazy("感谢您的评价"),
    PROPOSE_QUOTE: gettext_lazy("报价已发送给业主"),
    A.ACCEPT_QUOTE: gettext_lazy("已同意报价"),
    A.REJECT_QUOTE: gettext_lazy("已拒绝报价"),
}


def _back(request, ticket: Ticket) -> str:
    """Where to go after an action: ``next`` when it is ours (the task list), else the ticket."""
    return safe_next(request, reverse("tickets:ticket", args=[ticket.pk]))


@login_required
@require_POST
def act(request, pk: int, action: str):
    """Takes one action on the ticket; refusals come back on the page, nothing changed."""
    if action not in FORMS:
        raise Http404
    user = request.user
    ticket = access.get_ticket_for(user, pk)
    verb = A.QUOTE if action == PROPOSE_QUOTE else AUTO_DISPATCH_AS if action == AUTO_DISPATCH \
        else action
    status, error = 400, ""
    if not workflow.may_ever(user, ticket, verb):
        # refused by role before anything typed is looked at: the page again, with the reason
        form = _form_for(action, ticket)
        status, error = 403, _("您没有执行此操作的权限")
    else:
        form = _form_for(action, ticket, request.POST, request.FILES)
    if not error and form.is_valid():
        try:
            _run(action, ticket, user, form, request)
        except PermissionDenied as exc:
            status, error = 403, str(exc) or _("您没有执行此操作的权限")
        except ValidationError as exc:
            # the service's names for what the form calls otherwise
            apply_errors(form, exc, aliases={"note": "reason"} if isinstance(form, ReasonForm)
                         else {"items": "amount"})
        else:
            label = DONE[action]
            messages.success(request, f"{ticket.number} {label}")
            target = _back(request, ticket)
            if request.htmx:
                return HttpResponseClientRedirect(target)
            return redirect(target)
    ticket = access.get_ticket_for(user, pk)  # fresh: the refused step left it as it was
    context = _context(request, ticket, failed=action, failed_form=form)
    if not error:
        # beside the fields when the form is on the page; all of it on top when it is not
        shown = action in context["forms"]
        messages_ = form.non_field_errors() if shown else [
            message for errors in form.errors.values() for message in errors]
        error = " ".join(messages_) or _("请检查填写的内容")
    context["error"] = error
    if request.htmx:
        # htmx does not swap 4xx answers: the panel comes back as 200 with its message
        return render(request, "tickets/ticket.html#actions", context)
    return render(request, "tickets/ticket.html", context, status=status)


@login_required
@require_GET
def photo(request, pk: int, upload_id: int):
    """A photo of the ticket, after the same access check as the page (internal steps: staff)."""
    ticket = access.get_ticket_for(request.user, pk)
    item = ticket.photos.select_related("upload", "event").filter(upload_id=upload_id).first()
    if item is None:
        raise Http404
    if item.event is not None and not item.event.is_public and not is_staff_viewer(
            request.user, ticket):
        raise Http404
    return uploads.upload_response(item.upload, thumbnail=request.GET.get("thumb") == "1")
