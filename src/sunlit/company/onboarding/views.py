"""Onboarding pages (小区建档): start a community, the checklist, and the steps that are the
company's own (buildings, the committee's filing, the first checkpoint, inviting owners). The
steps of other apps (roster import, fee items) are linked from the checklist."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from sunlit.company.access import get_community_for, require_company_admin
from sunlit.company.models import CommitteeFiling
from sunlit.company.onboarding import selectors, services
from sunlit.company.onboarding.forms import BuildingsForm, CommitteeForm, CommunityForm
from sunlit.core import uploads
from sunlit.core.forms import apply_errors, flash_errors
from sunlit.core.tenancy import switch_community


@login_required
def community_new(request):
    organization = require_company_admin(request.user)
    form = CommunityForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            community = services.start_community(request.user, **form.cleaned_data)
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, _("小区已建档，请按清单继续"))
            return redirect("company:onboarding", community_id=community.pk)
    return render(request, "company/onboarding/community_form.html",
                  {"form": form, "organization": organization})


@login_required
def onboarding(request, community_id: int):
    community = get_community_for(request.user, community_id)
    steps = selectors.checklist(community)
    return render(request, "company/onboarding/checklist.html", {
        "community": community, "steps": steps, "missing": selectors.missing(steps),
        "filing": CommitteeFiling.objects.in_community(community).first()})


@login_required
def buildings(request, community_id: int):
    from sunlit.registry.models import Building

    community = get_community_for(request.user, community_id)
    form = BuildingsForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            built = services.add_buildings(community, actor=request.user, **form.cleaned_data)
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, _("已登记 %(n)s 栋") % {"n": len(built)})
            return redirect("company:onboarding_buildings", community_id=community.pk)
    return render(request, "company/onboarding/buildings.html", {
        "community": community, "form": form,
        "buildings": Building.objects.in_community(community).order_by("sort_key", "name")})


@login_required
def committee(request, community_id: int):
    community = get_community_for(request.user, community_id)
    form = CommitteeForm(request.POST or None, request.FILES or None, community=community)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            document = uploads.store_file(data["document"], community=community,
                                          actor=request.user, field="document")
            filing = services.file_committee(
                community, actor=request.user, authority=data["authority"],
                number=data["number"], filed_on=data["filed_on"], document=document,
                members=data["members"])
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, _("已登记备案，请把激活码交给各位委员本人"))
            switch_community(request, community.pk)  # the codes' page works on the session's
            return redirect("registry:activation_batch", batch=filing.codes.first().batch)
    return render(request, "company/onboarding/committee.html", {
        "community": community, "form": form,
        "seated": services.has_committee(community),
        "filings": CommitteeFiling.objects.in_community(community).select_related("document")})


@login_required
@require_POST
def checkpoint(request, community_id: int):
    community = get_community_for(request.user, community_id)
    signed = services.sign_first_checkpoint(community, actor=request.user)
    if signed is None:
        messages.info(request, _("检查点已是最新"))
    else:
        messages.success(request, _("已签发检查点：%(size)s 条") % {"size": signed.size})
    return redirect("company:onboarding", community_id=community.pk)


@login_required
@require_POST
def invite(request, community_id: int):
    community = get_community_for(request.user, community_id)
    try:
        batch = services.invite_owners(community, actor=request.user)
    except ValidationError as exc:
        flash_errors(request, exc)
        return redirect("company:onboarding", community_id=community.pk)
    messages.success(request, _("已开放业主激活：请打印激活码，分发给业主本人"))
    switch_community(request, community.pk)
    return redirect("registry:activation_batch", batch=batch)
