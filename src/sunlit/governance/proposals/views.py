"""Proposal pages (phone first): the list with its filters, a proposal with support and answer,
the new-proposal form, the committee's answer form, the policy; and the staff page of units
that have not voted yet (上门征集) with its CSV."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from sunlit.core import exports, sides, uploads
from sunlit.core.forms import apply_errors, flash_errors
from sunlit.core.permissions import can, require
from sunlit.core.tenancy import page_community
from sunlit.governance.controls import services as controls
from sunlit.governance.controls.models import ControlKind
from sunlit.governance.controls.views import request_from_page
from sunlit.governance.proposals import selectors as select
from sunlit.governance.proposals import services as proposals
from sunlit.governance.proposals.access import get_proposal_for
from sunlit.governance.proposals.choices import ProposalFilter, ProposalKind, ProposalStatus
from sunlit.governance.proposals.filters import ProposalListFilter
from sunlit.governance.proposals.forms import AnswerForm, CloseForm, PolicyForm, ProposalForm
from sunlit.governance.proposals.models import Proposal
from sunlit.governance.votes import access
from sunlit.web.rendering import paginate, render_list


@login_required
def proposal_list(request):
    community = page_community(request, "governance.view")
    now = timezone.now()
    filterset = ProposalListFilter(request.GET, queryset=Proposal.objects.in_community(community),
                                   now=now)
    proposals_qs = filterset.qs  # an unknown value is ignored
    show = filterset.form.cleaned_data.get("show", "")
    kind = filterset.form.cleaned_data.get("kind", "")
    context = paginate(request, proposals_qs.order_by("-created_at", "-pk"))
    page = list(context["page_obj"])
    supported = select.supported_by(request.user, page)
    context["rows"] = [(p, p.overdue_days(now), p.pk in supported) for p in page]
    return render_list(request, "proposals/proposal_list.html", {
        **context, "show": show, "kind": kind, "filters": ProposalFilter.choices,
        "can_propose": can(request.user, "governance.propose", community=community),
        "can_policy": can(request.user, "governance.policy", community=community),
        "policy": select.policy_for(community),
        "overdue_count": Proposal.objects.in_community(community).overdue(now).count(),
    })


def _detail_context(request, proposal: Proposal, answer_form=None) -> dict:
    now = timezone.now()
    user = request.user
    supported = bool(select.supported_by(user, [proposal]))
    is_owner = bool(select.owner_persons(proposal.community_id, user))
    may_answer = proposals.may_answer(user, proposal) and proposal.is_answerable
    decisions = proposals.INTERIM_DECISIONS if proposal.is_interim else proposals.IDEA_DECISIONS
    progress = None
    if proposal.is_interim:
        progress = select.interim_progress(proposal)
    return {
        "proposal": proposal, "now": now, "overdue_days": proposal.overdue_days(now),
        "late_days": proposal.answered_late_days(),
        "supported": supported, "is_author": proposal.author_id == user.pk,
        "can_support": (proposal.collects_support and is_owner and not supported
                        and can(user, "governance.propose", proposal)
                        and (proposal.is_interim or proposal.author_id != user.pk)),
        "can_unsupport": proposal.collects_support and supported
        and proposal.author_id != user.pk,
        "can_withdraw": proposal.author_id == user.pk and proposal.is_answerable,
        "can_answer": may_answer,
        "can_close": proposals.may_answer(user, proposal)
        and proposal.status == ProposalStatus.ANSWERED,
        "answer_form": answer_form or (AnswerForm(decisions=decisions) if may_answer else None),
        "close_form": CloseForm(),
        "progress": progress, "photos": proposal.photos.all(),
        "vote_visible": proposal.vote_id is not None and _vote_visible(user, proposal.vote_id),
    }


def _vote_visible(user, vote_id: int) -> bool:
    try:
        access.get_vote_for(user, vote_id)
    except Http404:
        return False
    return True


@login_required
def proposal_detail(request, proposal_id: int):
    proposal = get_proposal_for(request.user, proposal_id)
    return render(request, "proposals/proposal.html", _detail_context(request, proposal))


@login_required
@require_http_methods(["GET", "POST"])
def proposal_create(request):
    community = page_community(request, "governance.propose")
    initial = {"kind": request.GET.get("kind")} if request.GET.get("kind") in ProposalKind.values \
        else {}
    form = ProposalForm(request.POST or None, request.FILES or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            photos = uploads.store_images(data["photos"], community=community,
                                          actor=request.user) if data["photos"] else []
            proposal = proposals.submit_proposal(
                community, actor=request.user, kind=data["kind"], title=data["title"],
                text=data["text"], category=data["category"], photos=photos)
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, _("提议已发布，邀请邻居们来支持吧"))
            return redirect("proposals:proposal", proposal_id=proposal.pk)
    return render(request, "proposals/proposal_form.html", {"form": form})


def _act(request, proposal: Proposal, service, done: str, **kwargs):
    try:
        service(proposal, actor=request.user, **kwargs)
    except ValidationError as exc:
        flash_errors(request, exc)
    else:
        messages.success(request, done)
    return redirect("proposals:proposal", proposal_id=proposal.pk)


@login_required
@require_POST
def support(request, proposal_id: int):
    proposal = get_proposal_for(request.user, proposal_id)
    return _act(request, proposal, proposals.support_proposal,
                _("已联署") if proposal.is_interim else _("已支持"))


@login_required
@require_POST
def unsupport(request, proposal_id: int):
    proposal = get_proposal_for(request.user, proposal_id)
    return _act(request, proposal, proposals.withdraw_support, _("已撤回支持"))


@login_required
@require_POST
def withdraw(request, proposal_id: int):
    proposal = get_proposal_for(request.user, proposal_id)
    return _act(request, proposal, proposals.withdraw_proposal, _("提议已撤回"))


@login_required
@require_POST
def close(request, proposal_id: int):
    proposal = get_proposal_for(request.user, proposal_id)
    return _act(request, proposal, proposals.close_proposal, _("已办结"),
                note=request.POST.get("note", ""))


@login_required
@require_POST
def answer(request, proposal_id: int):
    proposal = get_proposal_for(request.user, proposal_id)
    require(request.user, "governance.answer_proposals", proposal)
    decisions = proposals.INTERIM_DECISIONS if proposal.is_interim else proposals.IDEA_DECISIONS
    form = AnswerForm(request.POST, decisions=decisions)
    if form.is_valid():
        data = form.cleaned_data
        vote_fields = {"matter": data["matter"], "opens_at": data["opens_at"],
                       "closes_at": data["closes_at"]}
        try:
            proposals.answer_proposal(proposal, actor=request.user, decision=data["decision"],
                                      answer=data["answer"], meeting_on=data["meeting_on"],
                                      vote_fields=vote_fields)
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, _("答复已公开"))
            return redirect("proposals:proposal", proposal_id=proposal.pk)
    proposal.refresh_from_db()
    return render(request, "proposals/proposal.html",
                  _detail_context(request, proposal, answer_form=form), status=422)


@login_required
@require_http_methods(["GET", "POST"])
def policy(request):
    community = page_community(request, "governance.view")
    current = select.policy_for(community)
    editable = can(request.user, "governance.policy", community=community)
    form = PolicyForm(request.POST or None, initial={
        "support_threshold": current.support_threshold, "answer_days": current.answer_days,
        "convene_days": current.convene_days,
        "interim_counts_area": current.interim_counts_area})
    if request.method == "POST":
        require(request.user, "governance.policy", community=community)
        if form.is_valid():
            data = dict(form.cleaned_data)
            reason = data.pop("reason", "")
            try:
                # stricter for owners' requests (a higher threshold, longer deadlines): only the
                # committee, or a company proposal the committee confirms
                request_from_page(request, community, ControlKind.GOVERNANCE_POLICY, data,
                                  reason=reason, done=_("议事规则设置已保存并记入透明日志"))
            except ValidationError as exc:
                apply_errors(form, exc)
            else:
                return redirect("proposals:proposal_list")
    return render(request, "proposals/policy.html", {
        "form": form, "editable": editable, "policy": current,
        "is_committee": sides.is_committee_member(request.user, community),
        "control_changes": controls.history(community, ControlKind.GOVERNANCE_POLICY)})


# --- units that have not voted yet (staff, 上门征集) -------------------------------------------------

def _not_voted_vote(request, vote_id: int):
    vote = access.get_vote_for(request.user, vote_id)
    require(request.user, "governance.enter_ballots", vote)
    if not vote.electorate_sha256:
        raise Http404
    return vote


@login_required
def not_voted(request, vote_id: int):
    vote = _not_voted_vote(request, vote_id)
    rows = select.not_voted(vote)
    return render(request, "proposals/not_voted.html", {
        "vote": vote, "rows": rows, "area": sum((r.area for r in rows), 0)})


@login_required
def not_voted_csv(request, vote_id: int):
    vote = _not_voted_vote(request, vote_id)
    header = [_("房屋"), _("专有面积(㎡)"), _("业主（脱敏）"), _("联系电话（脱敏）"),
              _("待复核纸质票"), _("建设单位")]
    rows = ([row.unit, row.area, "、".join(row.owners), "、".join(row.phones), row.pending,
             _("是") if row.developer else ""] for row in select.not_voted(vote))
    return exports.csv_response(f"vote-{vote.pk}-not-voted.csv", [header, *rows])


@login_required
def photo(request, proposal_id: int, upload_id: int):
    """A photo of the proposal, after the same access check as the page."""
    proposal = get_proposal_for(request.user, proposal_id)
    upload = proposal.photos.filter(pk=upload_id).first()
    if upload is None:
        raise Http404
    return uploads.upload_response(upload, thumbnail=request.GET.get("thumb") == "1")
