"""Pages for members: my tickets and the community's common-area tickets, and the 报事 form.

Customer service (``tickets.submit_for_owner``) uses the same form to register a call or a
visit at the counter on an owner's behalf.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Count, Prefetch, Q
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from sunlit.core.choices import STAFF_ROLES, Role
from sunlit.core.forms import apply_errors
from sunlit.core.permissions import can, require, roles_in
from sunlit.core.tenancy import page_community
from sunlit.registry.filters import UnitFilter
from sunlit.registry.models import Ownership, Residency, Unit
from sunlit.tickets import access, services
from sunlit.tickets.choices import TicketKind, TicketStatus
from sunlit.tickets.forms import COMMON, HOME, TicketForm
from sunlit.web.rendering import paginate, render_list

S = TicketStatus
# The chips above the list: what an owner asks ("is it being handled? is it done?").
STATUS_GROUPS = {
    "open": (gettext_lazy("处理中"), (S.PENDING, S.ACCEPTED, S.DISPATCHED, S.ON_SITE, S.REOPENED,
                         S.SUSPENDED)),
    "resolved": (gettext_lazy("已处理"), (S.RESOLVED, S.FOLLOWED_UP)),
    "closed": (gettext_lazy("已结束"), (S.ARCHIVED, S.WITHDRAWN, S.UNRESOLVABLE)),
}
TABS = ("mine", "common")
REPORTER_SEARCH_LIMIT = 10


def sees_names(user, community) -> bool:
    """Staff (and the auditor) see who reported; everybody else sees 张*三."""
    return bool(roles_in(user, community) & (STAFF_ROLES | {Role.AUDITOR}))


@login_required
def ticket_list(request):
    """我的报事 (tickets I reported or registered) and 公共区域 (the community's common areas)."""
    community = page_community(request, "community.view")
    user = request.user
    tab = request.GET.get("tab") if request.GET.get("tab") in TABS else "mine"
    tickets = access.visible_tickets(user).filter(community=community)
    if tab == "mine":
        tickets = tickets.filter(Q(reporter_user=user) | Q(created_by=user))
    else:
        tickets = tickets.filter(unit__isnull=True)
    counts = tickets.aggregate(all=Count("pk"), **{
        key: Count("pk", filter=Q(status__in=statuses))
        for key, (_label, statuses) in STATUS_GROUPS.items()})
    group = request.GET.get("status")
    if group in STATUS_GROUPS:
        tickets = tickets.filter(status__in=STATUS_GROUPS[group][1])
    else:
        group = ""
    tickets = tickets.select_related("category", "reporter", "unit__building", "building")
    chips = [("", _("全部"), counts["all"])] + [
        (key, label, counts[key]) for key, (label, _statuses) in STATUS_GROUPS.items()]
    return render_list(request, "tickets/ticket_list.html", {
        "tab": tab, "group": group, "chips": chips,
        "show_names": sees_names(user, community),
        "is_staff": bool(roles_in(user, community) & STAFF_ROLES),
        "is_technician": Role.TECHNICIAN in roles_in(user, community),
        "sees_queue": can(user, "tickets.view_all", community=community),
        "can_submit": can(user, "tickets.submit", community=community),
        **paginate(request, tickets, per_page=20),
    })


def _store_photos(files, *, community, actor, field="photos"):
    if not files:
        return []
    from sunlit.core import uploads  # written alongside; imported when photos arrive

    return uploads.store_images(files, community=community, actor=actor, field=field)


@login_required
@require_http_methods(["GET", "POST"])
def submit(request):
    """报事报修: the phone-first form; a retried POST (same hidden key) returns the first ticket."""
    community = page_community(request, "community.view")
    user = request.user
    require(user, "tickets.submit", community=community)
    staff = can(user, "tickets.submit_for_owner", community=community)
    initial = {}
    if request.method == "GET":
        kind = request.GET.get("kind")
        initial["kind"] = kind if kind in TicketKind.values else TicketKind.REPAIR
    form = TicketForm(request.POST or None, request.FILES or None, user=user,
                      community=community, staff=staff, initial=initial)
    if not staff and request.method == "GET":
        units = list(form.fields["unit"].queryset[:2])
        form.initial["where"] = HOME if units else COMMON
        if len(units) == 1:
            form.initial["unit"] = units[0].pk
    elif staff and request.method == "GET":
        form.initial["where"] = HOME
    photos_lost = False
    if request.method == "POST":
        photos_lost = bool(request.FILES.getlist("photos"))
        if form.is_valid():
            try:
                photos = _store_photos(form.cleaned_data["photos"], community=community,
                                       actor=user)
                ticket = services.submit_ticket(community, actor=user, photos=photos,
                                                **form.service_kwargs())
            except ValidationError as exc:
                apply_errors(form, exc, aliases={"reporter": "pick", "unit": "pick"} if staff else {})
            else:
                messages.success(request, _("已提交，工单号 %(number)s。可在此查看处理进度。")
                                 % {"number": ticket.number})
                return redirect("tickets:ticket", pk=ticket.pk)
    return render(request, "tickets/submit.html", {
        "form": form, "staff": staff, "photos_lost": photos_lost and form.errors,
        "max_photos": services.MAX_PHOTOS, "floor_choices": _floor_choices(form),
        "picked": form.picked(),
        "script_texts": {"basement": _("地下%(n)s层"), "floor": _("%(n)s层"),
                         "chosen": _("已选择 %(n)s 张照片"),
                         "tooMany": _("最多上传 %(n)s 张照片")},
    })


def _floor_choices(form) -> list[tuple[int, str]]:
    """The floors of the chosen building (-2 … top); the page's script redoes it on change."""
    value = form["building"].value()
    building = None
    if value not in (None, ""):
        building = next((b for b in form.fields["building"].queryset
                         if str(b.pk) == str(value)), None)
    top = building.floors if building is not None else 0
    return [(n, _("地下%(n)s层") % {"n": -n} if n < 0 else _("%(n)s层") % {"n": n})
            for n in range(-2, top + 1) if n != 0]


@login_required
def reporter_search(request):
    """Customer service looks up a unit (房号, owner's name or mobile) and picks the caller."""
    community = page_community(request, "community.view")
    require(request.user, "tickets.submit_for_owner", community=community)
    q = (request.GET.get("unit_q") or "").strip()
    units = []
    if q:
        queryset = (Unit.objects.in_community(community).select_related("building")
                    .prefetch_related(
                        Prefetch("ownerships", queryset=Ownership.objects.current()
                                 .select_related("person"), to_attr="current_owners"),
                        Prefetch("residencies", queryset=Residency.objects.current()
                                 .select_related("person"), to_attr="current_residents")))
        units = list(UnitFilter({"q": q}, queryset=queryset, community=community)
                     .qs[:REPORTER_SEARCH_LIMIT])
    return render(request, "tickets/partials/reporter_results.html", {
        "units": units, "q": q, "limit": REPORTER_SEARCH_LIMIT,
    })
