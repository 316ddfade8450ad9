"""Roster pages: units, people, vehicles — lists with filters, detail and edit."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Prefetch
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from sunlit.core.forms import apply_errors
from sunlit.core.models import AuditEvent, Person
from sunlit.core.permissions import can
from sunlit.core.services import reveal_person, update_person
from sunlit.core.tenancy import page_community
from sunlit.registry import access, selectors, services
from sunlit.registry.filters import PersonFilter, UnitFilter, VehicleFilter
from sunlit.registry.forms import PersonForm, UnitForm, VehicleForm
from sunlit.registry.models import Ownership, Unit, Vehicle
from sunlit.web.rendering import paginate, render_list


@login_required
def unit_list(request):
    community = page_community(request, "roster.view")
    units = (Unit.objects.in_community(community).select_related("building")
             .prefetch_related(Prefetch("ownerships",
                                        queryset=Ownership.objects.current()
                                        .select_related("person"))))
    filterset = UnitFilter(request.GET, queryset=units, community=community)
    return render_list(request, "registry/unit_list.html", {
        "filter": filterset, **paginate(request, filterset.qs),
    })


@login_required
def unit_detail(request, unit_id: int):
    unit = access.get_unit_for(request.user, unit_id)
    return render(request, "registry/unit_detail.html", {
        "unit": unit,
        "owners": selectors.unit_owners(unit),
        "past_owners": unit.ownerships.filter(end__isnull=False).select_related("person"),
        "residents": unit.residencies.select_related("person").order_by("moved_out", "-moved_in"),
        "vehicles": unit.vehicles.select_related("person"),
        "can_edit": can(request.user, "roster.edit", unit),
        "can_reveal": can(request.user, "person.reveal", unit),
        "history": AuditEvent.objects.in_community(unit.community_id)
        .filter(object_type="registry.unit", object_id=str(unit.pk)).select_related("actor")[:20]
        if can(request.user, "audit.view", unit) else [],
    })


@login_required
@require_http_methods(["GET", "POST"])
def unit_edit(request, unit_id: int):
    unit = access.get_unit_for(request.user, unit_id, for_write=True)
    initial = {f: getattr(unit, f) for f in UnitForm.base_fields}
    form = UnitForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.update_unit(unit, actor=request.user, **form.cleaned_data)
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, _("房屋信息已保存"))
            return redirect("registry:unit", unit_id=unit.pk)
    return render(request, "registry/edit.html", {
        "form": form, "title": _("编辑房屋 %(label)s") % {"label": unit.label},
        "back_href": reverse("registry:unit", args=[unit.pk]),
    })


@login_required
def person_list(request):
    community = page_community(request, "roster.view")
    people = (Person.objects.in_community(community)
              .prefetch_related("ownerships__unit__building").order_by("name", "pk"))
    filterset = PersonFilter(request.GET, queryset=people)
    return render_list(request, "registry/person_list.html", {
        "filter": filterset, **paginate(request, filterset.qs),
    })


@login_required
def person_detail(request, person_id: int):
    person = access.get_person_for(request.user, person_id)
    return render(request, "registry/person_detail.html", {
        "person": person,
        "ownerships": person.ownerships.select_related("unit__building").order_by("-start"),
        "residencies": person.residencies.select_related("unit__building"),
        "vehicles": person.vehicles.all(),
        "can_edit": can(request.user, "roster.edit", person),
        "can_reveal": can(request.user, "person.reveal", person),
        "vehicle_form": VehicleForm(),
    })


@login_required
@require_POST
def person_reveal(request, person_id: int):
    """Shows the full mobile and ID number (htmx fragment); the reading is audited."""
    person = access.get_person_for(request.user, person_id)
    revealed = reveal_person(person, actor=request.user, reason=request.POST.get("reason", ""))
    return render(request, "registry/partials/revealed.html", {"revealed": revealed})


@login_required
@require_http_methods(["GET", "POST"])
def person_edit(request, person_id: int):
    person = access.get_person_for(request.user, person_id, for_write=True)
    form = PersonForm(request.POST or None, initial={
        "name": person.name, "note": person.note,
        # Personal numbers are not pre-filled: editing must not be a way to read them.
    })
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            update_person(person, actor=request.user, name=data["name"],
                          mobile=data["mobile"] or person.mobile,
                          id_number=data["id_number"] or person.id_number, note=data["note"])
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, _("人员信息已保存"))
            return redirect("registry:person", person_id=person.pk)
    return render(request, "registry/edit.html", {
        "form": form, "title": _("编辑人员 %(name)s") % {"name": person.masked_name},
        "hint": _("手机号、身份证号留空表示不修改。"),
        "back_href": reverse("registry:person", args=[person.pk]),
    })


@login_required
@require_POST
def vehicle_add(request, person_id: int):
    person = access.get_person_for(request.user, person_id, for_write=True)
    form = VehicleForm(request.POST)
    if form.is_valid():
        unit = person.ownerships.current().select_related("unit").first()
        try:
            services.register_vehicle(person, actor=request.user, unit=unit.unit if unit else None,
                                      **form.cleaned_data)
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, _("车辆已登记"))
            return redirect("registry:person", person_id=person.pk)
    return render(request, "registry/edit.html", {
        "form": form, "title": _("登记车辆"),
        "back_href": reverse("registry:person", args=[person.pk]),
    }, status=400)


@login_required
def vehicle_list(request):
    community = page_community(request, "roster.view")
    vehicles = (Vehicle.objects.in_community(community)
                .select_related("person", "unit__building").order_by("plate"))
    filterset = VehicleFilter(request.GET, queryset=vehicles)
    return render_list(request, "registry/vehicle_list.html", {
        "filter": filterset, **paginate(request, filterset.qs),
    })
