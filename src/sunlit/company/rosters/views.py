"""Roster pages (排班): the manager's (shift types, patterns, writing a period, approving
leave and swaps) and each staff member's own (my shifts, asking for leave or a swap)."""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from sunlit.company.choices import RequestStatus
from sunlit.company.rosters import selectors, services
from sunlit.company.rosters.forms import (
    LeaveForm,
    PatternForm,
    PeriodForm,
    ShiftTypeForm,
    SwapForm,
)
from sunlit.company.rosters.models import LeaveRequest, RosterPattern, ShiftType, SwapRequest
from sunlit.core.forms import apply_errors, flash_errors
from sunlit.core.permissions import require
from sunlit.core.tenancy import current_community, page_community


def _manage_context(community, **forms):
    patterns = list(RosterPattern.objects.in_community(community).select_related("department"))
    kinds = {k.pk: k.name for k in ShiftType.objects.in_community(community)}
    for pattern in patterns:
        pattern.cycle_text = " ".join(kinds.get(c, "?") if c else _("休") for c in pattern.cycle)
    today = timezone.localdate()
    return {
        "community": community, "kinds": ShiftType.objects.in_community(community),
        "patterns": patterns,
        "kind_form": forms.get("kind_form") or ShiftTypeForm(),
        "pattern_form": forms.get("pattern_form") or PatternForm(community=community),
        "period_form": forms.get("period_form") or PeriodForm(initial={
            "start": today, "end": today + dt.timedelta(days=27)}),
        "period_pattern": forms.get("period_pattern"),
        "leaves": LeaveRequest.objects.in_community(community).filter(
            status=RequestStatus.PENDING).select_related("member__user"),
        "swaps": SwapRequest.objects.in_community(community).filter(
            status=RequestStatus.PENDING).select_related("from_member__user",
                                                         "to_member__user", "shift"),
        "on_duty": selectors.on_duty(community),
    }


@login_required
def rosters(request):
    community = page_community(request, "rosters.manage")
    return render(request, "company/rosters/manage.html", _manage_context(community))


@login_required
@require_POST
def shift_type_new(request):
    community = page_community(request, "rosters.manage")
    form = ShiftTypeForm(request.POST)
    if form.is_valid():
        try:
            services.create_shift_type(community, actor=request.user, **form.cleaned_data)
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, _("班次已新增"))
            return redirect("company:rosters")
    return render(request, "company/rosters/manage.html",
                  _manage_context(community, kind_form=form), status=400)


@login_required
@require_POST
def pattern_new(request):
    community = page_community(request, "rosters.manage")
    form = PatternForm(request.POST, community=community)
    if form.is_valid():
        data = form.cleaned_data
        try:
            services.create_pattern(
                community, actor=request.user, name=data["name"], department=data["department"],
                cycle=data["cycle"], members=[m.pk for m in data["members"]],
                anchor=data["anchor"], holiday_rule=data["holiday_rule"],
                around_the_clock=data["around_the_clock"])
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, _("排班规则已新增"))
            return redirect("company:rosters")
    return render(request, "company/rosters/manage.html",
                  _manage_context(community, pattern_form=form), status=400)


@login_required
@require_POST
def write(request, pattern_id: int):
    community = page_community(request, "rosters.manage")
    pattern = get_object_or_404(RosterPattern.objects.in_community(community), pk=pattern_id)
    form = PeriodForm(request.POST)
    if form.is_valid():
        try:
            shifts = services.write_period(pattern, actor=request.user, **form.cleaned_data)
        except ValidationError as exc:
            apply_errors(form, exc, aliases={"pattern": "__all__"})
        else:
            messages.success(request, _("已排班：%(n)s 个班次") % {"n": len(shifts)})
            return redirect(f"{reverse('tickets:shifts')}?week={form.cleaned_data['start']:%Y-%m-%d}")
    return render(request, "company/rosters/manage.html",
                  _manage_context(community, period_form=form, period_pattern=pattern.pk),
                  status=400)


@login_required
@require_POST
def decide(request, kind: str, request_id: int):
    community = page_community(request, "rosters.manage")
    if kind not in ("leave", "swap"):
        raise Http404
    model, service = ((LeaveRequest, services.decide_leave) if kind == "leave"
                      else (SwapRequest, services.decide_swap))
    item = get_object_or_404(model.objects.in_community(community), pk=request_id)
    approve = request.POST.get("decision") == "approve"
    try:
        service(item, actor=request.user, approve=approve, note=request.POST.get("note", ""))
    except ValidationError as exc:
        flash_errors(request, exc)
    else:
        messages.success(request, _("已批准") if approve else _("已不批准"))
    return redirect("company:rosters")


# --- my roster ------------------------------------------------------------------------------

def _session_community(request):
    community = current_community(request)
    if community is None:
        raise Http404
    return community


def _mine_context(request, community, **forms):
    from sunlit.tickets.models import Shift

    now = timezone.now()
    shifts = list(Shift.objects.in_community(community)
                  .filter(member__user=request.user, ends_at__gt=now,
                          starts_at__lt=now + dt.timedelta(days=28))
                  .order_by("starts_at"))
    swap_shift = forms.get("swap_shift")
    for shift in shifts:  # one swap form each, with its own field ids
        shift.swap_form = (forms["swap_form"] if shift.pk == swap_shift else
                           SwapForm(community=community, user=request.user,
                                    auto_id=f"id_swap{shift.pk}_%s"))
    return {
        "community": community, "shifts": shifts,
        "leave_form": forms.get("leave_form") or LeaveForm(),
        "swap_shift": swap_shift,
        "leaves": LeaveRequest.objects.in_community(community).filter(
            member__user=request.user)[:20],
        "swaps": SwapRequest.objects.in_community(community).filter(
            from_member__user=request.user).select_related("to_member__user", "shift")[:20],
    }


@login_required
def mine(request):
    community = page_community(request, "rosters.request")
    return render(request, "company/rosters/mine.html", _mine_context(request, community))


@login_required
@require_POST
def leave_request(request):
    community = page_community(request, "rosters.request")
    form = LeaveForm(request.POST)
    if form.is_valid():
        try:
            services.request_leave(community, actor=request.user, **form.cleaned_data)
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, _("请假申请已提交，等待审批"))
            return redirect("company:my_roster")
    return render(request, "company/rosters/mine.html",
                  _mine_context(request, community, leave_form=form), status=400)


@login_required
@require_POST
def swap_request(request, shift_id: int):
    from sunlit.tickets.models import Shift

    # his own shift first (anyone else's is a 404 like a missing one), then the grant
    community = _session_community(request)
    shift = get_object_or_404(Shift.objects.in_community(community).select_related("member"),
                              pk=shift_id, member__user=request.user)
    require(request.user, "rosters.request", community=community)
    form = SwapForm(request.POST, community=community, user=request.user,
                    auto_id=f"id_swap{shift.pk}_%s")
    if form.is_valid():
        try:
            services.request_swap(shift, actor=request.user, **form.cleaned_data)
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, _("换班申请已提交，等待审批"))
            return redirect("company:my_roster")
    return render(request, "company/rosters/mine.html",
                  _mine_context(request, community, swap_form=form, swap_shift=shift.pk),
                  status=400)


@login_required
@require_POST
def withdraw(request, kind: str, request_id: int):
    community = _session_community(request)
    if kind not in ("leave", "swap"):
        raise Http404
    model = LeaveRequest if kind == "leave" else SwapRequest
    owner = "member__user" if kind == "leave" else "from_member__user"
    item = get_object_or_404(model.objects.in_community(community), pk=request_id,
                             **{owner: request.user})
    require(request.user, "rosters.request", community=community)
    try:
        services.withdraw(item, actor=request.user)
    except ValidationError as exc:
        flash_errors(request, exc)
    else:
        messages.success(request, _("已撤回"))
    return redirect("company:my_roster")
