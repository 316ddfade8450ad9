"""Tickets API (报修/投诉/建议/咨询): list, detail with timeline, submit, workflow actions, rating,
photos and, for everyone who may submit, the categories with their promised times.

Every ticket is reached through ``tickets.access``: another community's ticket, or a
neighbour's in-home ticket, is 404; an action the caller may not take is 403; bad input is the
uniform error with one message per field, and nothing is changed. The list uses the same
``TicketFilter`` as the staff queue page. Submitting honours ``Idempotency-Key``: a retry
gets the first answer again (same status, same body) and no second ticket. Reporters are
masked for members who are not staff of the community.
"""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Prefetch
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import File, Form, Query, Router, Status
from ninja.files import UploadedFile

from sunlit.api.errors import ERRORS
from sunlit.api.filtering import filtered
from sunlit.api.idempotency import IdempotencyKeyHeader, idempotent
from sunlit.api.scope import community_for
from sunlit.core import uploads
from sunlit.core.masking import mask_name
from sunlit.core.models import Person, Upload
from sunlit.core.permissions import can, role_map
from sunlit.registry.models import Building, Unit
from sunlit.tickets import access, selectors, services, sla, workflow
from sunlit.tickets.choices import (
    Action,
    Priority,
    SlaCalendar,
    TicketKind,
    TicketStatus,
)
from sunlit.tickets.filters import TicketFilter
from sunlit.tickets.models import Category, SlaTarget, Ticket, TicketEvent
from sunlit.tickets.schemas import (
    MAX_PHOTOS,
    ActionIn,
    ActionName,
    CategoryOut,
    RateIn,
    TicketDetailOut,
    TicketIn,
    TicketPage,
    TicketPhotoOut,
    TicketQuery,
    choice_label,
    location_of,
    sees_people,
)

router = Router(tags=["tickets"])


# --- helpers --------------------------------------------------------------------------------


def _renamed(exc: ValidationError, names: dict[str, str]) -> ValidationError:
    """The service's field names as this API calls them (``category`` → ``category_id``)."""
    if not hasattr(exc, "error_dict"):
        return exc
    return ValidationError({names.get(field, field): messages
                            for field, messages in exc.message_dict.items()})


def _assignee(ticket: Ticket) -> dict | None:
    member = ticket.assignee
    if member is None:
        return None
    return {"name": str(member.user), "job_number": member.job_number,
            "department": member.department.name if member.department_id else None}


def _ticket_out(ticket: Ticket, user, now: dt.datetime) -> dict:
    staff = sees_people(user, ticket)
    reporter = ticket.reporter
    if reporter is None:
        reporter_name = None
    elif staff or workflow.is_reporter(user, ticket):
        reporter_name = reporter.name
    else:
        reporter_name = reporter.masked_name
    due = ticket.next_due_at if hasattr(ticket, "next_due_at") else (
        None if ticket.is_closed else ticket.next_due())
    return {
        "id": ticket.pk, "community_id": ticket.community_id, "number": ticket.number,
        "kind": ticket.kind, "kind_label": choice_label(TicketKind, ticket.kind),
        "category_id": ticket.category_id, "category": ticket.category.name,
        "priority": ticket.priority, "priority_label": choice_label(Priority, ticket.priority),
        "status": ticket.status, "status_label": choice_label(TicketStatus, ticket.status),
        "channel": ticket.channel, "title": ticket.title, "common_area": ticket.is_common_area,
        "location": location_of(ticket), "unit_id": ticket.unit_id,
        "building_id": ticket.building_id if ticket.unit_id is None else ticket.unit.building_id,
        "reporter": reporter_name, "assignee": _assignee(ticket),
        "due_accept": ticket.due_accept, "due_arrive": ticket.due_arrive,
        "due_resolve": ticket.due_resolve, "met_accept": ticket.met_accept,
        "met_arrive": ticket.met_arrive, "met_resolve": ticket.met_resolve,
        "next_due": due, "overdue": due is not None and not ticket.is_paused and due < now,
        "paused": ticket.is_paused, "photo_count": ticket.photo_count, "rating": ticket.rating,
        "needs_manager_review": ticket.needs_manager_review,
        "reopened_count": ticket.reopened_count, "created_at": ticket.created_at,
        "resolved_at": ticket.resolved_at, "closed_at": ticket.closed_at,
    }


def _detail(ticket_id: int, user) -> TicketDetailOut:
    ticket = access.get_ticket_for(user, ticket_id)
    ticket = (Ticket.objects.select_related("category", "assignee__user", "assignee__department",
                                            "unit__building", "building", "reporter", "community")
              .prefetch_related(Prefetch("events", queryset=TicketEvent.objects
                                         .prefetch_related("photos").order_by("at", "pk")),
                                "photos")
              .get(pk=ticket.pk))
    now = timezone.now()
    staff = sees_people(user, ticket)
    own = workflow.is_reporter(user, ticket)
    data = _ticket_out(ticket, user, now)
    reporter = ticket.reporter
    if reporter is not None:
        data["reporter_info"] = ({"person_id": reporter.pk, "name": reporter.name,
                                  "mobile": reporter.masked_mobile} if staff else
                                 {"person_id": None, "name": reporter.name if own
                                  else reporter.masked_name, "mobile": ""})
    else:
        data["reporter_info"] = None
    events = [e for e in ticket.events.all() if staff or e.is_public]
    public_events = {e.pk for e in events}
    data["timeline"] = [{
        "id": e.pk, "action": e.action, "action_label": choice_label(Action, e.action),
        "from_status": e.from_status, "to_status": e.to_status,
        "actor": (mask_name(e.actor_name) if not staff and e.actor_id is not None
                  and e.actor_id == ticket.reporter_user_id and not own else e.actor_name),
        "note": e.note, "public": e.is_public, "at": e.at,
        "photos": [p.upload_id for p in e.photos.all()],
    } for e in events]
    data["photos"] = [{
        "upload_id": p.upload_id, "event_id": p.event_id,
        "url": reverse("tickets:photo", args=[ticket.pk, p.upload_id]),
        "thumbnail_url": reverse("tickets:photo", args=[ticket.pk, p.upload_id]) + "?thumb=1",
    } for p in ticket.photos.all() if p.event_id is None or p.event_id in public_events]
    data["allowed_actions"] = workflow.allowed_actions(ticket, user, now=now)
    for field in ("description", "floor", "location_text", "preferred_from", "preferred_to",
                  "public_reason", "rating_comment"):
        data[field] = getattr(ticket, field)
    return TicketDetailOut(**data)


def _photos(ids: list[int], *, community, user) -> list[Upload]:
    """The caller's own uploads, in the order given (``core.uploads.resolve_uploads``)."""
    return uploads.resolve_uploads(user, ids, community=community, purpose=uploads.TICKET_PHOTO,
                                   field="photo_ids")


def _effective_targets(category: Category) -> dict[str, dict]:
    rows = {row.priority: row for row in category.sla_targets.all()}
    result = {}
    for priority in Priority.values:
        row = rows.get(priority)
        if row is None:
            targets = sla.default_targets(category.kind, priority)
        else:
            targets = sla.Targets(*(
                None if getattr(row, f"{s}_minutes") is None
                else sla.Target(getattr(row, f"{s}_minutes"), getattr(row, f"{s}_calendar"))
                for s in ("accept", "arrive", "resolve")))
        result[priority] = {"is_default": row is None, **{
            step: (None if target is None else {
                "minutes": target.minutes, "calendar": target.calendar,
                "calendar_label": choice_label(SlaCalendar, target.calendar)})
            for step, target in (("accept", targets.accept), ("arrive", targets.arrive),
                                 ("resolve", targets.resolve))}}
    return result


# --- list, detail, categories ---------------------------------------------------------------


@router.get("/tickets", response={200: TicketPage, **ERRORS}, summary="工单列表（筛选、分页）")
def list_tickets(request, query: Query[TicketQuery]):
    """Owners: their own tickets and the community's common-area tickets; technicians: those
    assigned to them; customer service, dispatchers, managers and auditors: all of their
    communities. Filters are those of the staff queue."""
    user, now = request.auth, timezone.now()
    tickets = access.visible_tickets(user)
    tickets = (selectors.by_due(tickets) if query.order == "due" else
               selectors.with_next_due(tickets).order_by("-created_at", "-pk"))
    rows = filtered(TicketFilter, tickets, query.dict(exclude={"limit", "offset", "order"}),
                    communities=list(role_map(user)), now=now)
    ids = list(rows.values_list("pk", flat=True)[query.offset:query.offset + query.limit])
    page = selectors.in_order(ids, selectors.for_list(selectors.with_next_due(Ticket.objects.all()))
                              .select_related("reporter", "assignee__department"))
    return {"count": rows.count(), "items": [_ticket_out(t, user, now) for t in page]}


@router.get("/tickets/categories", response={200: list[CategoryOut], **ERRORS},
            summary="工单类别及服务时限")
def list_categories(request, community_id: int, include_inactive: bool = False):
    """The categories to choose from when submitting, each with its promised times per
    priority. ``include_inactive`` (停用的类别) for staff who manage them."""
    community = community_for(request, community_id, "tickets.submit")
    categories = (Category.objects.in_community(community).select_related("department")
                  .prefetch_related(Prefetch("sla_targets", queryset=SlaTarget.objects.all()))
                  .order_by("kind", "sort_key", "name"))
    if not (include_inactive and can(request.auth, "tickets.manage", community=community)):
        categories = categories.active()
    return [{
        "id": c.pk, "community_id": c.community_id, "kind": c.kind,
        "kind_label": choice_label(TicketKind, c.kind), "name": c.name,
        "department": c.department.name if c.department_id else None,
        "default_priority": c.default_priority, "is_active": c.is_active,
        "auto_dispatch": c.auto_dispatch, "targets": _effective_targets(c),
    } for c in categories]


@router.get("/tickets/{int:ticket_id}", response={200: TicketDetailOut, **ERRORS},
            summary="工单详情（含进度时间线）")
def get_ticket(request, ticket_id: int):
    """Non-staff members see the public steps only and the reporter's name masked (unless
    it is their own ticket)."""
    return _detail(ticket_id, request.auth)


# --- submit and photos ----------------------------------------------------------------------


@router.post("/tickets/photos", response={201: list[TicketPhotoOut], **ERRORS},
             summary="上传照片（multipart，最多 9 张）")
def upload_photos(request, community_id: Form[int], photos: File[list[UploadedFile]]):
    """Checks each file by its content (JPG/PNG/WebP), strips EXIF/GPS and stores it. The
    returned ids go into ``photo_ids`` of a submission or a step; unused uploads are purged
    after a day."""
    community = community_for(request, community_id, "uploads.create")
    stored = uploads.store_images(photos, community=community, actor=request.auth,
                                  limit=MAX_PHOTOS, field="photos")
    return Status(201, [TicketPhotoOut.from_orm(u) for u in stored])


SUBMIT_FIELDS = {"category": "category_id", "unit": "unit_id", "building": "building_id",
                 "reporter": "reporter_id", "photos": "photo_ids"}


@router.post("/tickets", response={201: TicketDetailOut, **ERRORS}, summary="提交工单")
@idempotent
def submit(request, payload: TicketIn, idempotency_key: IdempotencyKeyHeader = None):
    """An owner reports for himself (own unit, or a common area by building/floor/words);
    customer service registers a phone or counter call for an owner (``channel`` phone or
    counter with ``reporter_id``). Send ``Idempotency-Key`` and retry freely."""
    user = request.auth
    community = community_for(request, payload.community_id, "tickets.submit")
    errors: dict[str, list[str]] = {}
    category = Category.objects.in_community(community).filter(pk=payload.category_id).first()
    unit = building = reporter = None
    if payload.unit_id is not None:
        unit = Unit.objects.in_community(community).select_related("building").filter(
            pk=payload.unit_id).first()
        if unit is None:
            errors["unit_id"] = ["只能为本人名下或居住的房屋报事"]
    if payload.building_id is not None:
        building = Building.objects.in_community(community).filter(pk=payload.building_id).first()
        if building is None:
            errors["building_id"] = ["楼栋不属于本小区"]
    if payload.reporter_id is not None:
        reporter = Person.objects.in_community(community).filter(pk=payload.reporter_id).first()
        if reporter is None:
            errors["reporter_id"] = ["报事人不属于本小区"]
    try:
        photos = _photos(payload.photo_ids, community=community, user=user)
    except ValidationError as exc:
        errors.update(exc.message_dict)
        photos = []
    if errors:
        raise ValidationError(errors)
    key = (idempotency_key or "").strip()
    try:
        ticket = services.submit_ticket(
            community, actor=user, kind=payload.kind.value, category=category,
            title=payload.title, description=payload.description,
            priority=payload.priority.value if payload.priority else None, unit=unit,
            building=building, floor=payload.floor, location_text=payload.location_text,
            preferred_from=payload.preferred_from, preferred_to=payload.preferred_to,
            photos=photos, channel=payload.channel.value, reporter=reporter,
            idempotency_key=key if len(key) <= 64 else "")
    except ValidationError as exc:
        raise _renamed(exc, SUBMIT_FIELDS) from None
    return Status(201, _detail(ticket.pk, user))


# --- workflow actions and rating --------------------------------------------------------------


def _member(ticket: Ticket, member_id: int | None):
    if member_id is None:
        raise ValidationError({"to": ["请选择派给谁"]})
    member = selectors.assignable_members(ticket.community_id).filter(pk=member_id).first()
    if member is None:
        raise ValidationError({"to": ["只能派给本小区在岗的工作人员"]})
    return member


def _pending_quote(ticket: Ticket):
    quote = services.latest_quote(ticket)
    if quote is None:
        raise ValidationError({"quote": ["没有待确认的报价"]})
    return quote


def _run(action: str, ticket: Ticket, user, payload: ActionIn) -> None:
    def photos():
        return _photos(payload.photo_ids, community=ticket.community, user=user)

    reason = payload.reason or payload.note
    if action == "accept":
        services.accept_ticket(ticket, actor=user, note=payload.note)
    elif action == "take":
        services.take_ticket(ticket, actor=user, note=payload.note)
    elif action == "dispatch":
        services.dispatch_ticket(ticket, to=_member(ticket, payload.to), actor=user,
                                 note=payload.note)
    elif action == "auto_dispatch":
        services.auto_dispatch_ticket(ticket, actor=user)
    elif action == "arrive":
        services.arrive_ticket(ticket, actor=user, note=payload.note, photos=photos())
    elif action == "resolve":
        materials = ([m.dict() for m in payload.materials] if payload.materials is not None
                     else None)
        services.resolve_ticket(ticket, actor=user, note=payload.note, photos=photos(),
                                materials=materials, labor_minutes=payload.labor_minutes)
    elif action == "follow_up":
        services.follow_up_ticket(ticket, actor=user, note=payload.note)
    elif action == "archive":
        services.archive_ticket(ticket, actor=user, note=payload.note)
    elif action == "withdraw":
        services.withdraw_ticket(ticket, actor=user, note=payload.note)
    elif action == "mark_unresolvable":
        services.mark_unresolvable(ticket, actor=user, reason=reason, photos=photos())
    elif action == "reopen":
        services.reopen_ticket(ticket, actor=user, reason=reason, photos=photos())
    elif action == "suspend":
        services.suspend_ticket(ticket, actor=user, reason=reason, photos=photos())
    elif action == "resume":
        services.resume_ticket(ticket, actor=user, note=payload.note)
    elif action == "quote":
        if payload.amount is None:
            raise ValidationError({"amount": ["请填写报价金额"]})
        items = [i.dict() for i in payload.items] if payload.items is not None else None
        services.propose_quote(ticket, actor=user, amount=payload.amount, items=items,
                               note=payload.note)
    elif action == "accept_quote":
        services.accept_quote(_pending_quote(ticket), actor=user, note=payload.note)
    elif action == "reject_quote":
        services.reject_quote(_pending_quote(ticket), actor=user, note=payload.note)
    else:  # pragma: no cover - the path only admits ACTIONS
        raise ValidationError({"action": ["未知操作"]})


# The steps whose reason the service calls ``note``.
REASON_ACTIONS = frozenset({"mark_unresolvable", "reopen", "suspend"})


@router.post("/tickets/{int:ticket_id}/actions/{action}", response={200: TicketDetailOut, **ERRORS},
             summary="工单操作（受理、派单、到场、处理完成、回访、归档、撤销、无法解决、"
                     "重新打开、挂起、恢复、报价）")
def take_action(request, ticket_id: int, action: ActionName, payload: ActionIn | None = None):
    """One step of the workflow. ``allowed_actions`` of the detail says which the caller may
    take now. Refused by role → 403; not possible in the current state → 422 on ``status``."""
    user = request.auth
    ticket = access.get_ticket_for(user, ticket_id)
    verb = Action.DISPATCH if action.value == "auto_dispatch" else action.value
    if not workflow.may_ever(user, ticket, verb):
        raise PermissionDenied(_("您没有执行此操作的权限"))
    payload = payload or ActionIn()
    try:
        _run(action.value, ticket, user, payload)
    except ValidationError as exc:
        names = {"photos": "photo_ids", "items": "items"}
        if action.value in REASON_ACTIONS:
            names["note"] = "reason"
        raise _renamed(exc, names) from None
    return _detail(ticket.pk, user)


@router.post("/tickets/{int:ticket_id}/rate", response={200: TicketDetailOut, **ERRORS},
             summary="评价（1–5 分）")
def rate(request, ticket_id: int, payload: RateIn):
    """The reporter rates once per resolution; 2 or less goes to the manager for review."""
    user = request.auth
    ticket = access.get_ticket_for(user, ticket_id)
    services.rate_ticket(ticket, actor=user, rating=payload.rating, comment=payload.comment)
    return _detail(ticket.pk, user)
