"""Staff pages of the tickets app: the dispatcher's queue with bulk assignment, the
technician's task list, the customer-service follow-up desk, and the configuration pages
(categories with their promised times, the duty roster and skills).

Thin as views should be: reach the community, check the permission, call one selector or
one service, render. Every write goes through ``services`` or ``configuration``.
"""

from __future__ import annotations

import datetime as dt

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, Prefetch, Q
from django.http import Http404, QueryDict
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from sunlit.core.choices import Role
from sunlit.core.forms import flash_errors
from sunlit.core.models import Department, Membership
from sunlit.core.permissions import can, roles_in
from sunlit.core.redirects import safe_next
from sunlit.core.templatetags.units import readable_minutes
from sunlit.core.tenancy import current_community, page_community
from sunlit.tickets import configuration, selectors, services, sla, workflow
from sunlit.tickets.choices import (
    CLOSED_STATUSES,
    OPEN_WORK_STATUSES,
    Action,
    Priority,
    SlaCalendar,
    TicketKind,
    TicketStatus,
)
from sunlit.tickets.filters import TicketFilter
from sunlit.tickets.models import Category, Shift, Skill
from sunlit.web.rendering import paginate, render_list

PRIORITY_COLORS = {Priority.URGENT: "red", Priority.NORMAL: "blue", Priority.LOW: "secondary"}
# The technician's one-tap steps; finishing needs photos and materials on the ticket page.
TASK_BUTTONS = (Action.TAKE, Action.ARRIVE, Action.RESUME)
QUEUE_PAGE_SIZE = 50


def decorate(tickets, user=None, *, now=None):
    """Priority colours and countdown facts for list rows (no queries); the status badge is
    ``{% status_badge %}`` (core.badges)."""
    now = now or timezone.now()
    for ticket in tickets:
        ticket.priority_color = PRIORITY_COLORS.get(ticket.priority, "secondary")
        due = ticket.next_due_at if hasattr(ticket, "next_due_at") else ticket.next_due()
        ticket.due = due if ticket.status not in CLOSED_STATUSES else None
        ticket.overdue = ticket.due is not None and not ticket.is_paused and ticket.due < now
        if user is not None:
            ticket.actions = workflow.allowed_actions(ticket, user, now=now)
    return tickets


def location_of(ticket) -> str:
    if ticket.unit_id is not None:
        return ticket.unit.label
    parts = [ticket.building.name if ticket.building_id else "",
             _("%(floor)s层") % {"floor": ticket.floor} if ticket.floor is not None else "",
             ticket.location_text]
    return " ".join(p for p in parts if p) or _("公共区域")


# --- the queue ---------------------------------------------------------------------------------

def _queue_data(params: QueryDict) -> QueryDict:
    data = params.copy()
    data.pop("page", None)
    if not data.get("scope"):
        data["scope"] = "open"  # the queue is about work still to do
    return data


def _queue_context(request, community, params: QueryDict, *, selected=()) -> dict:
    now = timezone.now()
    filterset = TicketFilter(_queue_data(params), queryset=selectors.queue(community),
                             communities=[community], now=now)
    context = {"filter": filterset, "now": now, "selected": {str(pk) for pk in selected},
               **paginate(request, filterset.qs.values_list("pk", flat=True),
                          per_page=QUEUE_PAGE_SIZE)}
    page = context["page_obj"]
    page.object_list = selectors.in_order(list(page.object_list), selectors.queue(community))
    decorate(page.object_list, now=now)
    for ticket in page.object_list:
        ticket.location = location_of(ticket)
    can_dispatch = can(request.user, "tickets.dispatch", community=community)
    context.update({
        "can_dispatch": can_dispatch,
        "members": list(filterset.filters["assignee"].queryset) if can_dispatch else [],
        "statuses": TicketStatus.choices, "chosen_statuses": filterset.form["status"].value() or [],
        "querystring": params.urlencode(),
    })
    return context


@login_required
def queue(request):
    """工单调度: the community's tickets by next due time, filters, bulk assignment."""
    community = current_community(request)
    if community is None:
        raise Http404
    if not can(request.user, "tickets.view_all", community=community):
        if Role.TECHNICIAN in roles_in(request.user, community):
            return redirect("tickets:my_tasks")
        raise PermissionDenied(_("您没有查看工单调度的权限"))
    return render_list(request, "tickets/staff/queue.html",
                       _queue_context(request, community, request.GET))


@login_required
@require_POST
def bulk_assign(request):
    """批量派单: all selected tickets to one staff member, or none of them."""
    community = page_community(request, "tickets.dispatch")
    ids = [pk for pk in request.POST.getlist("tickets") if pk.isdigit()]
    back = safe_next(request, reverse("tickets:queue"))
    member = None
    if request.POST.get("to", "").isdigit():
        member = selectors.assignable_members(community).filter(pk=request.POST["to"]).first()
    try:
        if member is None:
            raise ValidationError({"to": [_("请选择派给谁")]})
        done = services.bulk_dispatch(community, ids, to=member, actor=request.user,
                                           note=request.POST.get("note", ""))
    except ValidationError as exc:
        flash_errors(request, exc)
        params = QueryDict(back.partition("?")[2])
        context = _queue_context(request, community, params, selected=ids)
        return render(request, "tickets/staff/queue.html", context, status=422)
    messages.success(request, _("已将 %(n)s 张工单派给 %(name)s") % {
        "n": len(done), "name": member.user})
    return redirect(back)


# --- the technician's tasks --------------------------------------------------------------------

@login_required
def my_tasks(request):
    """我的任务: my assigned open tickets, most urgent first, with one-tap steps."""
    community = page_community(request, "community.view")
    if not can(request.user, "tickets.work", community=community):
        raise PermissionDenied(_("只有工作人员可以查看任务"))
    now = timezone.now()
    tickets = decorate(list(selectors.tasks_of(request.user, community)[:100]), request.user,
                       now=now)
    for ticket in tickets:
        ticket.location = location_of(ticket)
        ticket.buttons = [(a, Action(a).label) for a in TASK_BUTTONS if a in ticket.actions]
        ticket.can_finish = Action.RESOLVE in ticket.actions
    return render(request, "tickets/staff/my_tasks.html", {"tickets": tickets, "now": now})


# --- customer service: follow-up desk ---------------------------------------------------------

@login_required
def follow_ups(request):
    """回访台: resolved tickets waiting for the call to the reporter; low ratings for managers."""
    community = current_community(request)
    if community is None:
        raise Http404
    may_follow_up = can(request.user, "tickets.follow_up", community=community)
    may_review = can(request.user, "tickets.manage", community=community)
    if not (may_follow_up or may_review):
        raise PermissionDenied(_("您没有回访的权限"))
    now = timezone.now()
    waiting = decorate(list(selectors.awaiting_follow_up(community)[:200]), request.user, now=now)
    reviews = (decorate(list(selectors.low_ratings(community)[:100]), now=now)
               if may_review else [])
    for ticket in (*waiting, *reviews):
        ticket.location = location_of(ticket)
    return render(request, "tickets/staff/follow_ups.html", {
        "waiting": waiting, "reviews": reviews, "may_follow_up": may_follow_up,
        "may_review": may_review, "now": now,
        "can_reveal": can(request.user, "person.reveal", community=community),
        "can_register": can(request.user, "tickets.submit_for_owner", community=community),
    })


# --- configuration: categories and promised times ---------------------------------------------

class CategoryForm(forms.Form):
    kind = forms.ChoiceField(label=gettext_lazy("类型"), choices=TicketKind.choices)
    name = forms.CharField(label=gettext_lazy("名称"), max_length=60)
    department = forms.ModelChoiceField(label=gettext_lazy("责任部门"),
                                        queryset=Department.objects.none(), required=False,
                                        empty_label=gettext_lazy("（不指定）"))
    default_priority = forms.ChoiceField(label=gettext_lazy("默认优先级"), choices=Priority.choices)
    is_active = forms.BooleanField(label=gettext_lazy("启用"), required=False)
    auto_dispatch = forms.BooleanField(
        label=gettext_lazy("自动派单"), required=False,
        help_text=gettext_lazy("提交后自动派给责任部门中在岗、具备该技能且手头工单最少的工作人员"))

    def __init__(self, *args, community, editing: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["department"].queryset = Department.objects.in_community(community).order_by("name")
        if editing:
            del self.fields["kind"]
        for name, field in self.fields.items():
            css = "form-check-input" if isinstance(field, forms.BooleanField) else (
                "form-select" if isinstance(field.widget, forms.Select) else "form-control")
            field.widget.attrs.setdefault("class", css)
            field.widget.attrs.setdefault("id", f"id_{name}")


# Short labels for the narrow selects beside the minutes.
CALENDARS = [(SlaCalendar.ALWAYS, gettext_lazy("7×24")), (SlaCalendar.WORKING, gettext_lazy("工作时间"))]


class SlaForm(forms.Form):
    """The promised times of one priority; ``use_default`` drops the category's own row."""

    use_default = forms.BooleanField(label=gettext_lazy("使用默认"), required=False)
    accept_minutes = forms.IntegerField(label=gettext_lazy("受理(分钟)"), required=False)
    accept_calendar = forms.ChoiceField(choices=CALENDARS, initial=SlaCalendar.ALWAYS)
    arrive_minutes = forms.IntegerField(label=gettext_lazy("到场(分钟)"), required=False)
    arrive_calendar = forms.ChoiceField(choices=CALENDARS, initial=SlaCalendar.ALWAYS)
    resolve_minutes = forms.IntegerField(label=gettext_lazy("办结(分钟)"), required=False)
    resolve_calendar = forms.ChoiceField(choices=CALENDARS, initial=SlaCalendar.WORKING)

    def __init__(self, *args, defaults: sla.Targets, **kwargs):
        super().__init__(*args, **kwargs)
        self.defaults = defaults
        for step in configuration.STEPS:
            target = getattr(defaults, step)
            minutes = self.fields[f"{step}_minutes"]
            minutes.widget.attrs.update({
                "class": "form-control form-control-sm", "inputmode": "numeric",
                "placeholder": str(target.minutes) if target else "—"})
            self.fields[f"{step}_calendar"].widget.attrs["class"] = "form-select form-select-sm"
        self.fields["use_default"].widget.attrs["class"] = "form-check-input"

    def values(self) -> dict | None:
        data = self.cleaned_data
        if data.get("use_default"):
            return None
        return {f: data.get(f) for f in self.fields if f != "use_default"}


def _describe(target: sla.Target | None) -> str:
    if target is None:
        return _("不承诺")
    minutes = target.minutes
    if target.calendar == SlaCalendar.WORKING:
        text = (_("%(n)s 个工作日") % {"n": minutes // sla.WORKING_DAY_MINUTES}
                if minutes % sla.WORKING_DAY_MINUTES == 0 else
                _("%(n)s 工作分钟") % {"n": minutes})
    else:
        text = readable_minutes(minutes)  # 1440 → 1天, 90 → 1小时30分钟
    return text


def _sla_forms(category: Category, data=None) -> list[tuple[str, str, SlaForm]]:
    rows = {row.priority: row for row in category.sla_targets.all()}
    result = []
    for priority, label in Priority.choices:
        defaults = sla.default_targets(category.kind, priority)
        row = rows.get(priority)
        if row is None:  # the calendars of the defaults, the minutes as placeholders
            initial = {"use_default": True, **{
                f"{step}_calendar": getattr(defaults, step).calendar
                for step in configuration.STEPS if getattr(defaults, step) is not None}}
        else:
            initial = {f: getattr(row, f) for f in SlaForm.base_fields if f != "use_default"}
        form = SlaForm(data, prefix=priority, initial=initial, defaults=defaults)
        form.default_text = " · ".join(
            f"{step_label}{_describe(getattr(defaults, step))}"
            for step, step_label in (("accept", _("受理")), ("arrive", _("到场")),
                                     ("resolve", _("办结"))))
        form.steps = [(form[f"{step}_minutes"], form[f"{step}_calendar"], step_label)
                      for step, step_label in (("accept", _("受理时限")), ("arrive", _("到场时限")),
                                               ("resolve", _("办结时限")))]
        result.append((priority, label, form))
    return result


@login_required
def categories(request):
    """工单类别: the community's categories, their departments and whether SLA rows exist."""
    community = page_community(request, "tickets.manage")
    rows = (Category.objects.in_community(community).select_related("department")
            .annotate(sla_rows=Count("sla_targets", distinct=True),
                      skilled=Count("skills", distinct=True))
            .order_by("kind", "sort_key", "name"))
    return render(request, "tickets/staff/categories.html", {"categories": rows})


@login_required
@require_POST
def category_defaults(request):
    """Adds the usual categories (水电, 电梯 ...) that the community does not have yet."""
    community = page_community(request, "tickets.manage")
    added = services.create_default_categories(community, actor=request.user)
    if added:
        messages.success(request, _("已添加 %(n)s 个默认类别") % {"n": len(added)})
    else:
        messages.info(request, _("默认类别都已存在"))
    return redirect("tickets:categories")


@login_required
@require_http_methods(["GET", "POST"])
def category_add(request):
    community = page_community(request, "tickets.manage")
    form = CategoryForm(request.POST or None, community=community,
                        initial={"is_active": True, "default_priority": Priority.NORMAL})
    if request.method == "POST" and form.is_valid():
        try:
            category = configuration.create_category(community, actor=request.user,
                                                     **form.cleaned_data)
        except ValidationError as exc:
            _apply(form, exc)
        else:
            messages.success(request, _("类别已添加"))
            return redirect("tickets:category", pk=category.pk)
    return render(request, "tickets/staff/category_form.html", {"form": form, "category": None})


def _apply(form: forms.Form, exc: ValidationError, prefix: str = "") -> None:
    for field, errors in exc.message_dict.items():
        name = field.removeprefix(prefix)
        for message in errors:
            form.add_error(name if name in form.fields else None, message)


@login_required
@require_http_methods(["GET", "POST"])
def category(request, pk: int):
    """One category: its name, department and switches, and its promised times per priority."""
    community = page_community(request, "tickets.manage")
    category = get_object_or_404(
        Category.objects.in_community(community).select_related("department")
        .prefetch_related("sla_targets"), pk=pk)
    which = request.POST.get("form") if request.method == "POST" else None
    form = CategoryForm(request.POST if which == "category" else None, community=community,
                        editing=True, initial={
                            "name": category.name, "department": category.department,
                            "default_priority": category.default_priority,
                            "is_active": category.is_active,
                            "auto_dispatch": category.auto_dispatch})
    sla_forms = _sla_forms(category, request.POST if which == "sla" else None)
    status = 200
    if which == "category" and form.is_valid():
        try:
            configuration.update_category(category, actor=request.user, **form.cleaned_data)
        except ValidationError as exc:
            _apply(form, exc)
        else:
            messages.success(request, _("类别已保存"))
            return redirect("tickets:category", pk=category.pk)
    elif which == "sla" and all(f.is_valid() for _p, _l, f in sla_forms):
        try:
            configuration.save_sla_targets(
                category, {priority: f.values() for priority, _l, f in sla_forms},
                actor=request.user)
        except ValidationError as exc:
            for priority, _label, f in sla_forms:
                _apply(f, ValidationError({k: v for k, v in exc.message_dict.items()
                                           if k.startswith(f"{priority}-")}), f"{priority}-")
        else:
            messages.success(request, _("服务时限已保存，对之后提交的工单生效"))
            return redirect("tickets:category", pk=category.pk)
    if which and (form.errors or any(f.errors for _p, _l, f in sla_forms)):
        status = 422
    return render(request, "tickets/staff/category_form.html", {
        "form": form, "category": category, "sla_forms": sla_forms,
    }, status=status)


# --- configuration: the duty roster and skills -------------------------------------------------

class ShiftForm(forms.Form):
    member = forms.ModelChoiceField(label=gettext_lazy("工作人员"), queryset=Membership.objects.none())
    day = forms.DateField(label=gettext_lazy("日期"),
                          widget=forms.DateInput(attrs={"type": "date"}))
    start = forms.TimeField(label=gettext_lazy("开始"),
                            widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"))
    end = forms.TimeField(label=gettext_lazy("结束"),
                          help_text=gettext_lazy("早于开始时间表示次日"),
                          widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"))
    note = forms.CharField(label=gettext_lazy("备注"), max_length=100, required=False)

    def __init__(self, *args, members, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["member"].queryset = members
        self.fields["member"].label_from_instance = _member_label
        for field in self.fields.values():
            css = "form-select" if isinstance(field.widget, forms.Select) else "form-control"
            field.widget.attrs.setdefault("class", css)

    def period(self) -> tuple[dt.datetime, dt.datetime]:
        data = self.cleaned_data
        tz = timezone.get_current_timezone()
        starts = dt.datetime.combine(data["day"], data["start"], tzinfo=tz)
        ends = dt.datetime.combine(data["day"], data["end"], tzinfo=tz)
        if ends <= starts:
            ends += dt.timedelta(days=1)
        return starts, ends


def _member_label(member: Membership) -> str:
    parts = [str(member.user), member.get_role_display()]
    if member.job_number:
        parts.append(member.job_number)
    return " · ".join(parts)


def _week_start(value: str | None) -> dt.date:
    today = timezone.localdate()
    try:
        day = dt.date.fromisoformat(value) if value else today
    except ValueError:
        day = today
    return day - dt.timedelta(days=day.weekday())


def _roster_members(community):
    return (selectors.assignable_members(community)
            .annotate(open_load=Count("assigned_tickets", filter=Q(
                assigned_tickets__status__in=OPEN_WORK_STATUSES), distinct=True))
            .prefetch_related(Prefetch("skills", queryset=Skill.objects.select_related("category"))))


@login_required
@require_http_methods(["GET", "POST"])
def shifts(request):
    """排班: the week's shifts per staff member; add a shift; skills per member."""
    community = page_community(request, "tickets.manage")
    members = _roster_members(community)
    monday = _week_start(request.GET.get("week") or request.POST.get("week"))
    form = ShiftForm(request.POST or None, members=members,
                     initial={"day": timezone.localdate(), "start": dt.time(8, 30),
                              "end": dt.time(17, 30)})
    status = 200
    if request.method == "POST":
        if form.is_valid():
            starts, ends = form.period()
            try:
                configuration.add_shift(form.cleaned_data["member"], actor=request.user,
                                        starts_at=starts, ends_at=ends,
                                        note=form.cleaned_data["note"])
            except ValidationError as exc:
                mapped = {("start" if k == "starts_at" else "end" if k == "ends_at" else k): v
                          for k, v in exc.message_dict.items()}
                _apply(form, ValidationError(mapped))
            else:
                messages.success(request, _("班次已添加"))
                week = _week_start(form.cleaned_data["day"].isoformat())
                return redirect(f"{reverse('tickets:shifts')}?week={week.isoformat()}")
        status = 422
    days = [monday + dt.timedelta(days=i) for i in range(7)]
    tz = timezone.get_current_timezone()
    week_from = dt.datetime.combine(monday, dt.time(), tzinfo=tz)
    week_shifts = (Shift.objects.in_community(community)
                   .filter(starts_at__lt=week_from + dt.timedelta(days=7), ends_at__gt=week_from)
                   .order_by("starts_at", "pk"))
    now = timezone.now()
    member_list = list(members)
    grid = {m.pk: {d: [] for d in days} for m in member_list}
    on_duty = set()
    for shift in week_shifts:
        local = timezone.localtime(shift.starts_at)
        day = local.date() if local.date() in days else monday
        if shift.member_id in grid:
            grid[shift.member_id][day].append(shift)
        if shift.starts_at <= now < shift.ends_at:
            on_duty.add(shift.member_id)
    rows = [{"member": m, "cells": [grid[m.pk][d] for d in days], "on_duty": m.pk in on_duty,
             "skills": {s.category_id for s in m.skills.all()}} for m in member_list]
    categories_list = list(Category.objects.in_community(community).active()
                           .order_by("kind", "sort_key", "name"))
    return render(request, "tickets/staff/shifts.html", {
        "form": form, "days": days, "rows": rows, "week": monday, "today": timezone.localdate(),
        "previous_week": monday - dt.timedelta(days=7), "next_week": monday + dt.timedelta(days=7),
        "categories": categories_list,
    }, status=status)


@login_required
@require_POST
def shift_delete(request, pk: int):
    community = page_community(request, "tickets.manage")
    shift = get_object_or_404(Shift.objects.in_community(community), pk=pk)
    week = _week_start(timezone.localtime(shift.starts_at).date().isoformat())
    configuration.delete_shift(shift, actor=request.user)
    messages.success(request, _("班次已删除"))
    return redirect(f"{reverse('tickets:shifts')}?week={week.isoformat()}")


@login_required
@require_POST
def skills(request, member_id: int):
    """The categories one staff member handles (checkboxes on the roster page)."""
    community = page_community(request, "tickets.manage")
    member = get_object_or_404(selectors.assignable_members(community), pk=member_id)
    ids = [pk for pk in request.POST.getlist("categories") if pk.isdigit()]
    chosen = list(Category.objects.in_community(community).filter(pk__in=ids))
    week = request.POST.get("week", "")
    try:
        if len(chosen) != len(set(ids)):
            raise ValidationError({"categories": [_("请选择本小区的类别")]})
        configuration.set_skills(member, chosen, actor=request.user)
    except ValidationError as exc:
        flash_errors(request, exc)
    else:
        messages.success(request, _("%(name)s 的技能已保存") % {"name": member.user})
    return redirect(f"{reverse('tickets:shifts')}?week={week}" if week else "tickets:shifts")

