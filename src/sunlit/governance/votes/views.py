"""Vote pages: the list, the vote (phone-first, with my ballot), staff pages, the result."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from sunlit.core import sides, uploads
from sunlit.core.forms import apply_errors, flash_errors
from sunlit.core.models import Person
from sunlit.core.permissions import can, require
from sunlit.core.tenancy import page_community
from sunlit.governance.consultations.forms import DocumentForm
from sunlit.governance.controls import services as controls
from sunlit.governance.controls.models import ControlKind
from sunlit.governance.controls.views import request_from_page
from sunlit.governance.votes import access, balloting, selectors, services
from sunlit.governance.votes.choices import (
    PUBLIC_STATUSES,
    SPECIAL_MATTERS,
    BallotStatus,
    VoteScope,
    VoteStatus,
)
from sunlit.governance.votes.filters import VoteFilter
from sunlit.governance.votes.forms import CastForm, EnterBallotForm, ExtendForm, ReasonForm, VoteForm
from sunlit.governance.votes.models import Ballot, Vote, VoteUnit
from sunlit.registry.models import Building, Unit
from sunlit.web.rendering import canonical_json, paginate, render_list

# Lazy: a module-level text is read per request, in the language the user chose.
ACTIONS = {
    "open": (services.open_vote, gettext_lazy("已开始投票")),
    "close": (services.close_vote, gettext_lazy("投票已截止，结果已计算")),
    "publish": (services.publish_result, gettext_lazy("表决结果已公布")),
    "effective": (services.make_effective, gettext_lazy("决定已生效")),
}



@login_required
def vote_list(request):
    community = page_community(request, "governance.view")
    votes = Vote.objects.in_community(community)
    manages = can(request.user, "governance.manage", community=community)
    if not manages:
        votes = votes.filter(status__in=PUBLIC_STATUSES)
    filterset = VoteFilter(request.GET, queryset=votes)
    votes = filterset.qs  # an unknown status is ignored
    status = filterset.form.cleaned_data.get("status", "")
    return render_list(request, "governance/votes/vote_list.html", {
        "can_manage": manages, "status": status, "statuses": VoteStatus.choices,
        **paginate(request, votes.order_by("-opens_at", "-pk")),
    })


VOTE_CONTROLS = (ControlKind.VOTE_ANNOUNCE, ControlKind.VOTE_CANCEL, ControlKind.VOTE_EXTEND)


def _vote_context(request, vote: Vote) -> dict:
    now = timezone.now()
    manages = can(request.user, "governance.manage", vote)
    committee = sides.is_committee_member(request.user, vote.community_id)
    context = {
        "vote": vote, "now": now, "can_manage": manages,
        "special": vote.matter in SPECIAL_MATTERS,
        "documents": vote.documents.select_related("upload"),
        "participation": selectors.participation(vote),
        "my_units": selectors.my_units(vote, request.user),
        "accepts": vote.accepts_ballots(now),
        "can_enter": can(request.user, "governance.enter_ballots", vote)
        and vote.status == VoteStatus.OPEN,
        "can_confirm": can(request.user, "governance.confirm_ballots", vote)
        and sides.is_committee_member(request.user, vote.community_id),
        "buildings": vote.scope_buildings.all() if vote.scope == VoteScope.BUILDINGS else [],
        "units": vote.scope_units.select_related("building") if vote.scope == VoteScope.UNITS
        else [],
        "reason_form": ReasonForm(),
        # owner-side controls: who may decide, what waits for the committee, who did what
        "is_committee": committee,
        "may_edit": manages and (committee or not vote.owner_side_draft),
        "cancel_is_owner_side": services.cancel_is_owner_side(vote),
        "entry_deadline": vote.entry_deadline,
        "accepts_entries": vote.accepts_entries(now),
        "pending_changes": [c for c in controls.history(vote.community, subject=vote, limit=20)
                            if c.is_pending],
        "control_changes": controls.history(vote.community, subject=vote),
        "extend_form": ExtendForm(initial={"closes_at": timezone.localtime(vote.closes_at)}),
    }
    if manages:
        context["next_action"] = {
            VoteStatus.DRAFT: "announce", VoteStatus.ANNOUNCED: "open", VoteStatus.OPEN: "close",
            VoteStatus.CLOSED: "publish",
            VoteStatus.PUBLISHED: "effective" if getattr(vote, "result", None) and
            vote.result.passed else None,
        }.get(vote.status)
    return context


@login_required
def vote_detail(request, vote_id: int):
    vote = access.get_vote_for(request.user, vote_id)
    return render(request, "governance/votes/vote.html", _vote_context(request, vote))


@login_required
@require_POST
def cast(request, vote_id: int):
    vote = access.get_vote_for(request.user, vote_id)
    form = CastForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("请选择同意、反对或弃权"))
        return redirect("governance:vote", vote_id=vote.pk)
    vote_unit = VoteUnit.objects.filter(vote=vote, pk=form.cleaned_data["unit"]).first()
    try:
        ballot = balloting.cast_ballot(vote, vote_unit, actor=request.user,
                                       choice=form.cleaned_data["choice"])
    except ValidationError as exc:
        flash_errors(request, exc)
    else:
        messages.success(request, _("投票成功：%(unit)s · %(choice)s。请保存回执码 %(receipt)s")
                         % {"unit": ballot.vote_unit.unit_label,
                            "choice": ballot.get_choice_display(), "receipt": ballot.receipt})
    return redirect("governance:vote", vote_id=vote.pk)


def _units_from_labels(community, labels: list[str]) -> tuple[list[Unit], list[str]]:
    wanted = set(labels)
    found = {u.label: u for u in Unit.objects.in_community(community).select_related("building")
             if u.label in wanted}
    return [found[x] for x in labels if x in found], [x for x in labels if x not in found]


@login_required
@require_http_methods(["GET", "POST"])
def vote_edit(request, vote_id: int | None = None):
    if vote_id is None:
        community, vote = page_community(request, "governance.manage"), None
    else:
        vote = access.get_vote_for(request.user, vote_id, for_write=True)
        community = vote.community
    initial = {}
    if vote is not None:
        initial = {"title": vote.title, "matter": vote.matter, "description": vote.description,
                   "scope": vote.scope, "buildings": list(vote.scope_buildings.all()),
                   "units": "\n".join(u.label for u in vote.scope_units.select_related(
                       "building")),
                   "opens_at": timezone.localtime(vote.opens_at),
                   "closes_at": timezone.localtime(vote.closes_at),
                   "notice_days": vote.notice_days}
    form = VoteForm(request.POST or None, initial=initial,
                    buildings=Building.objects.in_community(community))
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        units, unknown = _units_from_labels(community, form.unit_labels())
        data["units"] = units
        try:
            if unknown:
                raise ValidationError({"units": [_("没有这些房屋：%(x)s") % {
                    "x": "、".join(unknown[:10])}]})
            if vote is None:
                vote = services.create_vote(community, actor=request.user, **data)
            else:
                vote = services.update_vote(vote, actor=request.user, **data)
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, _("表决草稿已保存"))
            return redirect("governance:vote", vote_id=vote.pk)
    return render(request, "governance/votes/vote_form.html", {"form": form, "vote": vote})


@login_required
@require_POST
def vote_action(request, vote_id: int, action: str):
    """The vote's next step. Announcing, cancelling and extending are owner-side controls: the
    committee's act at once, a manager's a proposal to the committee (``governance.controls``)."""
    vote = access.get_vote_for(request.user, vote_id, for_write=True)
    reason = request.POST.get("reason", "")
    try:
        if action == "announce":
            request_from_page(request, vote.community, ControlKind.VOTE_ANNOUNCE,
                              {"vote": vote.pk}, reason=reason, done=_("已公告"))
        elif action == "cancel":
            request_from_page(request, vote.community, ControlKind.VOTE_CANCEL,
                              {"vote": vote.pk, "reason": reason}, reason=reason,
                              done=_("表决已撤销"))
        elif action == "extend":
            form = ExtendForm(request.POST)
            if not form.is_valid():
                raise ValidationError({"closes_at": [_("请填写新的截止时间")]})
            request_from_page(request, vote.community, ControlKind.VOTE_EXTEND, {
                "vote": vote.pk, "closes_at": services.log_time(form.cleaned_data["closes_at"])},
                reason=reason, done=_("投票期已延长"))
        elif action in ACTIONS:
            service, done = ACTIONS[action]
            service(vote, actor=request.user)
            messages.success(request, done)
        else:
            raise Http404
    except ValidationError as exc:
        flash_errors(request, exc)
    return redirect("governance:vote", vote_id=vote.pk)


# --- paper and proxy ballots (staff) -------------------------------------------------------------

def _enter(request, vote: Vote, form: EnterBallotForm) -> Ballot:
    data = form.cleaned_data
    vote_unit = VoteUnit.objects.filter(vote=vote, unit_label=data["unit"].strip()).first()
    if vote_unit is None:
        raise ValidationError({"unit": [_("该房屋不在本次表决范围内")]})
    person = None
    if data["person"]:
        person = (Person.objects.filter(pk__in=vote_unit.voters.values("person_id"),
                                        name=data["person"].strip()).first())
        if person is None:
            raise ValidationError({"person": [_("该房屋在投票开始时登记的业主中没有此人")]})
    scan = authorisation = None
    if data["scan"]:
        scan = uploads.store_image(data["scan"], community=vote.community, actor=request.user,
                                   field="scan")
    if data["authorisation"]:
        authorisation = uploads.store_image(data["authorisation"], community=vote.community,
                                            actor=request.user, field="authorisation")
    return balloting.enter_ballot(vote, vote_unit, actor=request.user, choice=data["choice"],
                                  channel=data["channel"], received_at=data["received_at"],
                                  person=person, scan=scan, authorisation=authorisation,
                                  proxy_name=data["proxy_name"])


@login_required
@require_http_methods(["GET", "POST"])
def ballot_entry(request, vote_id: int):
    """录入与复核: staff and the committee enter; committee members (not the one who entered
    it, holding no company role) confirm or reject against the scan."""
    vote = access.get_vote_for(request.user, vote_id)
    if not (can(request.user, "governance.enter_ballots", vote)
            or can(request.user, "governance.confirm_ballots", vote)):
        require(request.user, "governance.enter_ballots", vote)
    if request.method == "POST":
        require(request.user, "governance.enter_ballots", vote)
    form = EnterBallotForm(request.POST or None, request.FILES or None,
                           initial={"received_at": timezone.localtime().replace(second=0,
                                                                                 microsecond=0)})
    if request.method == "POST" and form.is_valid():
        try:
            with transaction.atomic():  # a refused entry keeps no stored scan either
                ballot = _enter(request, vote, form)
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, _("已录入 %(unit)s 的选票 %(ref)s，已通知该户业主，"
                                        "待业委会委员复核")
                             % {"unit": ballot.vote_unit.unit_label, "ref": ballot.ref})
            return redirect("governance:ballot_entry", vote_id=vote.pk)
    ballots = (Ballot.objects.filter(vote=vote).exclude(channel="online")
               .select_related("vote_unit", "person", "entered_by", "confirmed_by", "scan",
                               "authorisation")
               .order_by("status", "-created_at"))
    return render(request, "governance/votes/ballot_entry.html", {
        "vote": vote, "form": form, "user_id": request.user.pk,
        "can_enter": can(request.user, "governance.enter_ballots", vote),
        "can_confirm": can(request.user, "governance.confirm_ballots", vote)
        and sides.is_committee_member(request.user, vote.community_id),
        "entry_deadline": vote.entry_deadline,
        **paginate(request, ballots, per_page=30),
    })


@login_required
@require_POST
def ballot_review(request, ballot_id: int, decision: str):
    ballot = access.get_ballot_for(request.user, ballot_id, for_write=True)
    try:
        if decision == "confirm":
            ballot = balloting.confirm_ballot(ballot, actor=request.user)
            if ballot.status == BallotStatus.HELD:
                messages.warning(request, _("选票 %(ref)s 已复核，但该户业主已在线投票：以线上投票为准，"
                                            "除非业主确认以这张票为准") % {"ref": ballot.ref})
            else:
                messages.success(request, _("选票 %(ref)s 复核通过，已计入") % {"ref": ballot.ref})
        elif decision == "reject":
            balloting.reject_ballot(ballot, actor=request.user,
                                    reason=request.POST.get("reason", ""))
            messages.success(request, _("选票 %(ref)s 已退回") % {"ref": ballot.ref})
        else:
            raise Http404
    except ValidationError as exc:
        flash_errors(request, exc)
    return redirect("governance:ballot_entry", vote_id=ballot.vote_id)


@login_required
@require_POST
def ballot_resolve(request, ballot_id: int):
    """An owner decides a held entry for his unit: 以录入的票为准 (accept) or 以线上投票为准 (keep)."""
    ballot = access.get_ballot_for(request.user, ballot_id)
    decision = request.POST.get("decision", "")
    try:
        if decision not in ("accept", "keep"):
            raise ValidationError({"decision": [_("请选择以录入的票为准，或以线上投票为准")]})
        ballot = balloting.resolve_held_ballot(ballot, actor=request.user,
                                               accept=decision == "accept")
    except ValidationError as exc:
        flash_errors(request, exc)
    else:
        messages.success(request, _("已确认：以录入的票为准") if decision == "accept"
                         else _("已确认：以您的线上投票为准"))
    return redirect("governance:vote", vote_id=ballot.vote_id)


@login_required
def ballot_file(request, ballot_id: int, which: str):
    """The scan or authorisation of an entered ballot: staff and the unit's owners."""
    ballot = access.get_ballot_for(request.user, ballot_id)
    upload = {"scan": ballot.scan, "authorisation": ballot.authorisation}.get(which)
    if upload is None:
        raise Http404
    return uploads.upload_response(upload, thumbnail=request.GET.get("thumb") == "1")


@login_required
def document_file(request, vote_id: int, document_id: int):
    vote = access.get_vote_for(request.user, vote_id)
    document = get_object_or_404(vote.documents.select_related("upload"), pk=document_id)
    return uploads.upload_response(document.upload)


# --- result and published documents --------------------------------------------------------------

@login_required
def result(request, vote_id: int):
    vote = access.get_vote_for(request.user, vote_id)
    stored = getattr(vote, "result", None)
    if stored is None or not (vote.shows_result or can(request.user, "governance.manage", vote)):
        raise Http404
    checked, receipt_error = None, ""
    code = request.GET.get("receipt", "").strip()
    if code:
        try:
            checked = services.verify_receipt(vote, code)
        except ValidationError as exc:
            receipt_error = exc.messages[0]
    figures = selectors.result_tally(stored)
    return render(request, "governance/votes/result.html", {
        "vote": vote, "r": stored, "t": figures, "special": stored.special,
        "rows": threshold_rows(stored, figures),
        "receipt": code, "checked": checked, "receipt_error": receipt_error,
    })


def threshold_rows(r, figures) -> list[dict]:
    """The four tests of art. 278 with their exact figures, for the result page."""
    limit = "≥ 3/4" if r.special else "> 1/2"
    part_area, part_owners = figures.participation
    yes_area, yes_owners = figures.approval
    return [
        {"label": _("参与表决的专有面积"), "part": r.participating_area, "whole": r.total_area,
         "unit": "㎡", "ratio": part_area.value, "limit": "≥ 2/3", "met": part_area.met,
         "of": _("占总专有面积")},
        {"label": _("参与表决的业主人数"), "part": r.participating_owners,
         "whole": r.total_owners, "unit": _("人"), "ratio": part_owners.value, "limit": "≥ 2/3",
         "met": part_owners.met, "of": _("占业主总人数")},
        {"label": _("同意的专有面积"), "part": r.yes_area, "whole": r.participating_area,
         "unit": "㎡", "ratio": yes_area.value, "limit": limit, "met": yes_area.met,
         "of": _("占参与表决的专有面积")},
        {"label": _("同意的业主人数"), "part": r.yes_owners, "whole": r.participating_owners,
         "unit": _("人"), "ratio": yes_owners.value, "limit": limit, "met": yes_owners.met,
         "of": _("占参与表决的人数")},
    ]


@login_required
def electorate_json(request, vote_id: int):
    vote = access.get_vote_for(request.user, vote_id)
    if not vote.electorate_sha256:
        raise Http404
    return canonical_json(selectors.electorate_document(vote), f"vote-{vote.pk}-electorate.json")


@login_required
def ballots_json(request, vote_id: int):
    vote = access.get_vote_for(request.user, vote_id)
    if not vote.shows_result:
        raise Http404
    return canonical_json(selectors.ballots_document(vote), f"vote-{vote.pk}-ballots.json")


# --- vote documents (PDF or image) ---------------------------------------------------------------

@login_required
@require_POST
def vote_document_add(request, vote_id: int):
    """The document upload of a draft vote: a PDF or an image, with its title."""
    vote = access.get_vote_for(request.user, vote_id, for_write=True)
    form = DocumentForm(request.POST, request.FILES)
    try:
        if not form.is_valid():
            raise ValidationError({"file": [_("请填写材料名称并选择文件")]})
        upload = uploads.store_file(form.cleaned_data["file"], community=vote.community,
                                    actor=request.user)
        services.add_document(vote, upload, actor=request.user, title=form.cleaned_data["title"])
    except ValidationError as exc:
        flash_errors(request, exc)
    else:
        messages.success(request, _("材料已上传"))
    return redirect("governance:vote", vote_id=vote.pk)
