"""Home pages: the staff console and the owner's home."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpResponseBadRequest
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from sunlit.company.rosters.selectors import on_duty_today
from sunlit.core.choices import STAFF_ROLES, Role
from sunlit.core.models import AuditEvent, WorkerHeartbeat
from sunlit.core.permissions import can, require, roles_in
from sunlit.core.tenancy import current_community, page_community, switch_community
from sunlit.registry import selectors as roster
from sunlit.web import dashboards
from sunlit.web.views import site


def home(request):
    """A visitor gets the landing page; staff their console, owners their home."""
    if not request.user.is_authenticated:
        return site.landing(request)
    community = current_community(request)
    if community is None:
        from sunlit.company.access import is_company_admin

        if is_company_admin(request.user):  # a new company: its first community to onboard
            return redirect("company:overview")
        return render(request, "web/no_community.html")
    return redirect(landing_of(request.user, community))


def landing_of(user, community) -> str:
    """Where each role's work is: a technician's tasks, a dispatcher's queue, the staff
    workbench, and the owners' side (committee members included) on the owner's home."""
    roles = roles_in(user, community)
    if Role.TECHNICIAN in roles and not roles & {Role.MANAGER, Role.COMPANY_ADMIN, Role.DISPATCHER}:
        return "tickets:my_tasks"
    if Role.DISPATCHER in roles and not roles & {Role.MANAGER, Role.COMPANY_ADMIN}:
        return "tickets:queue"
    if roles & (STAFF_ROLES | {Role.AUDITOR}):
        return "web:console"
    return "web:owner_home"


@login_required
def console(request):
    community = current_community(request)
    if community is None:
        return redirect("web:home")
    require(request.user, "console.view", community=community)
    roles = roles_in(request.user, community)
    return render(request, "web/console.html", {
        "work": dashboards.workbench(request.user, community, roles),
        "committee": dashboards.committee_figures(community) if Role.COMMITTEE in roles else [],
        "stats": roster.community_stats(community),
        "buildings": roster.building_summaries(community),
        "heartbeat": WorkerHeartbeat.objects.filter(name="worker").first(),
        "recent_audit": AuditEvent.objects.in_community(community).select_related("actor")[:8]
        if can(request.user, "audit.view", community=community) else [],
    })


@login_required
def owner_home(request):
    community = current_community(request)
    homes = roster.households_of(request.user)
    roles = roles_in(request.user, community) if community is not None else set()
    return render(request, "web/owner_home.html", {
        "homes": homes, "summary": dashboards.owner_summary(request.user, community),
        "log_key": dashboards.log_key(community),
        "committee": (dashboards.committee_figures(community)
                      if roles & {Role.COMMITTEE, Role.SUPERVISOR} else []),
        "on_duty": on_duty_today(community) if community is not None else [],
    })


@login_required
@require_POST
def switch(request):
    try:
        community_id = int(request.POST.get("community", ""))
    except ValueError:
        return HttpResponseBadRequest()
    switch_community(request, community_id)
    # a page of that community to go on to (the onboarding checklist's links): our own paths only
    target = request.POST.get("next", "")
    if target.startswith("/") and url_has_allowed_host_and_scheme(
            target, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        return redirect(target)
    return redirect("web:home")


@login_required
def audit_list(request):
    community = page_community(request, "audit.view")
    events = AuditEvent.objects.in_community(community).select_related("actor")
    action = request.GET.get("action")
    if action in AuditEvent.Action.values:
        events = events.filter(action=action)
    page = Paginator(events, 50).get_page(request.GET.get("page"))
    for event in page:
        event.object_label, event.change_lines = _readable(event)
    return render(request, "web/audit_list.html", {
        "page_obj": page, "actions": AuditEvent.Action.choices, "action": action,
        "querystring_without_page": f"action={action}" if action else "",
    })


def _shown(value, choices: dict) -> str:
    if value in (None, ""):
        return "—"
    try:
        return str(choices.get(value, value))
    except TypeError:  # an unhashable value (a list)
        return str(value)


def _readable(event: AuditEvent) -> tuple[str, list[tuple[str, str, str]]]:
    """The audited object as people call it (工单, 收款 …) and each change as (字段, 原值, 新值),
    choice values by their labels; values the trail hides stay ``***``."""
    from django.apps import apps
    from django.core.exceptions import FieldDoesNotExist

    try:
        meta = apps.get_model(event.object_type)._meta
    except (LookupError, ValueError):
        return event.object_type, [(str(k), str(v), "") for k, v in (event.changes or {}).items()]
    lines = []
    for name, values in (event.changes or {}).items():
        try:
            field = meta.get_field(name)
            label, choices = str(getattr(field, "verbose_name", name)), dict(field.flatchoices or ())
        except FieldDoesNotExist:
            label, choices = name, {}
        before, after = [*values, None, None][:2] if isinstance(values, list) else (None, values)
        lines.append((label, _shown(before, choices), _shown(after, choices)))
    return str(meta.verbose_name), lines
