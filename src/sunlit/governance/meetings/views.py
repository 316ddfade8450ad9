"""Pages of meetings (议事会).

Phone first for owners (list, meeting, minutes, comment form); staff pages for drafts, the
sign-in sheet, decisions and minutes, answers and the close. Thin: parse, authorise, call one
service, render.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from sunlit.core import uploads
from sunlit.core.choices import STAFF_ROLES, Role
from sunlit.core.forms import apply_errors, flash_errors
from sunlit.core.models import Membership, User
from sunlit.core.permissions import can
from sunlit.core.tenancy import page_community
from sunlit.governance.meetings import services as meetings
from sunlit.governance.meetings.access import get_attendee_for, get_meeting_for
from sunlit.governance.meetings.forms import DecisionForm, InviteForm, MeetingForm, MinutesForm
from sunlit.governance.meetings.models import Decision, Meeting, MeetingStatus
from sunlit.governance.votes.models import Vote
from sunlit.tickets.access import visible_tickets
from sunlit.web.rendering import canonical_json, paginate, render_list

# --- meetings ------------------------------------------------------------------------------------

@login_required
def meeting_list(request):
    community = page_community(request, "meetings.view")
    manages = can(request.user, "meetings.manage", community=community)
    items = Meeting.objects.in_community(community)
    if not manages:
        items = items.public()
    return render_list(request, "governance/meetings/meeting_list.html", {
        "can_manage": manages, **paginate(request, items.order_by("-starts_at", "-pk"))})


@login_required
def meeting_detail(request, meeting_id: int):
    meeting = get_meeting_for(request.user, meeting_id)
    now = timezone.now()
    attendees = list(meeting.attendees.order_by("role", "pk"))
    mine = next((a for a in attendees if a.user_id == request.user.pk), None)
    manages = can(request.user, "meetings.manage", meeting)
    return render(request, "governance/meetings/meeting.html", {
        "meeting": meeting, "agenda": meeting.agenda.order_by("position"),
        "attendees": attendees, "mine": mine, "can_manage": manages,
        "can_sign_in": can(request.user, "meetings.sign_in", meeting),
        "can_register": (meeting.accepts_registration(now) and mine is None
                         and can(request.user, "meetings.register", meeting)
                         and bool(meetings.owned_units(request.user, meeting.community_id))),
        "attendance": meetings.attendance(meeting),
        **_decisions(meeting, request.user),
    })


def _decisions(meeting, user) -> dict:
    """The meeting's decisions, and which of their tickets this reader may open (an owner sees
    another household's ticket number, not the ticket)."""
    decisions = list(meeting.decisions.prefetch_related("votes", "tickets", "entries")
                     .order_by("position"))
    ids = {t.pk for d in decisions for t in d.tickets.all()}
    opens = set(visible_tickets(user).filter(pk__in=ids).values_list("pk", flat=True)) if ids else set()
    return {"decisions": decisions, "tickets_open": opens}


@login_required
@require_http_methods(["GET", "POST"])
def meeting_edit(request, meeting_id: int | None = None):
    if meeting_id is None:
        community, meeting = page_community(request, "meetings.manage"), None
        initial = {}
    else:
        meeting = get_meeting_for(request.user, meeting_id, for_write=True)
        community = meeting.community
        initial = {name: getattr(meeting, name) for name in (
            "kind", "title", "organiser", "place", "online_link", "description")}
        initial["starts_at"] = timezone.localtime(meeting.starts_at)
        initial["ends_at"] = timezone.localtime(meeting.ends_at) if meeting.ends_at else None
        initial["agenda"] = "\n".join(
            f"{a.title}：{a.description}" if a.description else a.title
            for a in meeting.agenda.order_by("position"))
    form = MeetingForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        data["agenda"] = form.agenda_items()
        try:
            if meeting is None:
                meeting = meetings.create_meeting(community, actor=request.user, **data)
            else:
                meeting = meetings.update_meeting(meeting, actor=request.user, **data)
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, _("会议草稿已保存"))
            return redirect("governance:meeting", meeting_id=meeting.pk)
    return render(request, "governance/meetings/meeting_form.html", {
        "form": form, "meeting": meeting, "notice_days": meetings.notice_days("sunshine")})


@login_required
@require_POST
def meeting_action(request, meeting_id: int, action: str):
    if action == "register":
        meeting = get_meeting_for(request.user, meeting_id)
    else:
        meeting = get_meeting_for(request.user, meeting_id, for_write=True)
    try:
        if action == "announce":
            meetings.announce_meeting(meeting, actor=request.user)
            done = _("会议通知已发出")
        elif action == "hold":
            meetings.hold_meeting(meeting, actor=request.user)
            done = _("已标记为已召开，请记录决定并公布纪要")
        elif action == "cancel":
            meetings.cancel_meeting(meeting, actor=request.user,
                                    reason=request.POST.get("reason", ""))
            done = _("会议已取消")
        elif action == "register":
            meetings.register_for_meeting(meeting, actor=request.user)
            done = _("报名成功，请按时参会并在现场签到")
        else:
            raise Http404
    except ValidationError as exc:
        flash_errors(request, exc)
    else:
        messages.success(request, done)
    if action == "hold":
        meeting.refresh_from_db()
        if meeting.status == MeetingStatus.HELD:
            return redirect("governance:meeting_minutes", meeting_id=meeting.pk)
    return redirect("governance:meeting", meeting_id=meeting.pk)


def _invitable(meeting: Meeting):
    roles = STAFF_ROLES | {Role.COMMITTEE}
    ids = (Membership.objects.in_community(meeting.community).active()
           .filter(role__in=roles).values("user_id"))
    return (User.objects.filter(pk__in=ids, is_active=True)
            .exclude(pk__in=meeting.attendees.values("user_id")).order_by("display_name", "pk"))


@login_required
@require_http_methods(["GET", "POST"])
def meeting_sign_in(request, meeting_id: int):
    """The sign-in sheet (签到表): staff tick attendees in; the organiser invites staff."""
    meeting = get_meeting_for(request.user, meeting_id)
    if not can(request.user, "meetings.sign_in", meeting):
        raise PermissionDenied
    manages = can(request.user, "meetings.manage", meeting)
    invite = InviteForm(request.POST or None, users=_invitable(meeting)) if manages else None
    if request.method == "POST":
        try:
            if "attendee" in request.POST:
                attendee = get_attendee_for(request.user, int(request.POST["attendee"] or 0))
                if attendee.meeting_id != meeting.pk:
                    raise Http404
                meetings.sign_in(attendee, actor=request.user)
                messages.success(request, _("%(name)s 已签到") % {"name": attendee.name})
            elif invite is not None and invite.is_valid():
                meetings.invite_member(meeting, invite.cleaned_data["user"], actor=request.user)
                messages.success(request, _("已加入参会名单"))
            else:
                messages.error(request, _("请选择要邀请的人"))
        except (ValueError, TypeError):
            raise Http404 from None
        except ValidationError as exc:
            flash_errors(request, exc)
        return redirect("governance:meeting_sign_in", meeting_id=meeting.pk)
    return render(request, "governance/meetings/sign_in.html", {
        "meeting": meeting, "attendees": meeting.attendees.order_by("role", "unit_label", "pk"),
        "invite": invite, "attendance": meetings.attendance(meeting)})


@login_required
@require_http_methods(["GET", "POST"])
def meeting_minutes(request, meeting_id: int):
    """Staff: record decisions with their links, then publish the minutes (text and/or PDF)."""
    meeting = get_meeting_for(request.user, meeting_id, for_write=True)
    decision_form = DecisionForm(request.POST if "decision" in request.POST else None)
    minutes_form = MinutesForm(request.POST if "publish" in request.POST else None,
                               request.FILES or None, auto_id="minutes_%s")
    if request.method == "POST":
        try:
            if "decision" in request.POST and decision_form.is_valid():
                votes, tickets, entries = meetings.resolve_links(
                    meeting.community, decision_form.numbers("votes"),
                    decision_form.numbers("tickets"), decision_form.numbers("entries"))
                meetings.add_decision(meeting, actor=request.user,
                                      text=decision_form.cleaned_data["text"], votes=votes,
                                      tickets=tickets, entries=entries)
                messages.success(request, _("决定已记录"))
                return redirect("governance:meeting_minutes", meeting_id=meeting.pk)
            if "remove" in request.POST:
                decision = get_object_or_404(Decision, pk=request.POST["remove"], meeting=meeting)
                meetings.remove_decision(decision, actor=request.user)
                messages.success(request, _("决定已删除"))
                return redirect("governance:meeting_minutes", meeting_id=meeting.pk)
            if "publish" in request.POST and minutes_form.is_valid():
                document = None
                if minutes_form.cleaned_data["document"]:
                    document = uploads.store_document(
                        minutes_form.cleaned_data["document"], community=meeting.community,
                        actor=request.user, field="document")
                meetings.publish_minutes(meeting, actor=request.user,
                                         text=minutes_form.cleaned_data["text"],
                                         document=document)
                messages.success(request, _("会议纪要已公布"))
                return redirect("governance:meeting", meeting_id=meeting.pk)
        except ValidationError as exc:
            apply_errors(minutes_form if "publish" in request.POST else decision_form, exc)
    from sunlit.finance.models import JournalEntry
    from sunlit.tickets.models import Ticket

    return render(request, "governance/meetings/minutes_form.html", {
        "meeting": meeting, "decision_form": decision_form, "minutes_form": minutes_form,
        **_decisions(meeting, request.user),
        "attendance": meetings.attendance(meeting),
        "recent_votes": Vote.objects.in_community(meeting.community).public()
        .order_by("-pk")[:30],
        "recent_tickets": Ticket.objects.in_community(meeting.community).order_by("-pk")
        .values_list("number", "title")[:30],
        "recent_entries": JournalEntry.objects.in_community(meeting.community).order_by("-pk")
        .values_list("number", "memo")[:30],
    })


@login_required
def meeting_agenda_json(request, meeting_id: int):
    meeting = get_meeting_for(request.user, meeting_id)
    if not meeting.agenda_sha256:
        raise Http404
    return canonical_json(meetings.agenda_document(meeting), f"meeting-{meeting.pk}-agenda.json")


@login_required
def meeting_minutes_json(request, meeting_id: int):
    meeting = get_meeting_for(request.user, meeting_id)
    if not meeting.minutes_sha256:
        raise Http404
    return canonical_json(meetings.minutes_document(meeting), f"meeting-{meeting.pk}-minutes.json")


@login_required
def meeting_minutes_file(request, meeting_id: int):
    meeting = get_meeting_for(request.user, meeting_id)
    if meeting.minutes_document is None or meeting.status != MeetingStatus.MINUTES:
        raise Http404
    return uploads.upload_response(meeting.minutes_document)
