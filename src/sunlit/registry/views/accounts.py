"""Owner accounts — 业主开户: one-time activation codes from the roster, printable lists."""

from __future__ import annotations

import re

import segno
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Count, Exists, Max, OuterRef, Prefetch
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from sunlit.core.models import ActivationCode, Person
from sunlit.core.tenancy import page_community
from sunlit.registry import selectors, services
from sunlit.registry.models import Building, Ownership
from sunlit.web.rendering import paginate

BATCH_RE = re.compile(r"^[0-9a-f]{32}$")



@login_required
@require_GET
def activation_list(request):
    community = page_community(request, "accounts.issue")
    now = timezone.now()
    building = None
    if request.GET.get("building", "").isdigit():
        building = Building.objects.in_community(community).filter(
            pk=int(request.GET["building"])).first()
    pending = (
        selectors.owners_without_account(community, building=building)
        .annotate(has_code=Exists(ActivationCode.objects.usable(now)
                                  .filter(person=OuterRef("pk"))))
        .prefetch_related(Prefetch("ownerships", to_attr="current_ownerships",
                                   queryset=Ownership.objects.current()
                                   .select_related("unit__building")))
        .order_by("name", "pk")
    )
    codes = ActivationCode.objects.in_community(community)
    batches = (codes.values("batch").annotate(n=Count("id"), used=Count("used_at"),
                                               issued_at=Max("issued_at"),
                                               expires_at=Max("expires_at"))
               .order_by("-issued_at")[:20])
    all_pending = selectors.owners_without_account(community)
    return render(request, "registry/accounts/activation_list.html", {
        "buildings": Building.objects.in_community(community),
        "building": building,
        "stats": {
            "pending": all_pending.count(),
            "no_mobile": all_pending.filter(mobile_index="").count(),
            "activated": Person.objects.in_community(community).filter(
                user__isnull=False, ownerships__in=Ownership.objects.current()).distinct().count(),
            "issued": codes.count(),
            "used": codes.filter(used_at__isnull=False).count(),
            "usable": codes.usable(now).count(),
        },
        "batches": batches,
        **paginate(request, pending),
    })


@login_required
@require_POST
def issue(request):
    community = page_community(request, "accounts.issue")
    building = None
    building_id = request.POST.get("building", "")
    if building_id:
        if not building_id.isdigit():
            raise Http404
        building = get_object_or_404(Building.objects.in_community(community), pk=int(building_id))
    try:
        batch = services.issue_owner_codes(community, actor=request.user, building=building)
    except ValidationError as exc:
        messages.warning(request, "；".join(exc.messages))
        return redirect("registry:activation_list")
    messages.success(request, _("激活码已生成；此前未使用的激活码已作废。请打印后分发给业主。"))
    return redirect("registry:activation_batch", batch=batch)


def _qr_svg(url: str) -> str:
    return segno.make(url, error="m").svg_inline(scale=3, border=1, omitsize=False)


@login_required
@require_GET
def batch_print(request, batch: str):
    community = page_community(request, "accounts.issue")
    if not BATCH_RE.match(batch):
        raise Http404
    codes = services.reveal_activation_batch(community, batch, actor=request.user)
    if not codes:
        raise Http404
    now = timezone.now()
    activate_url = request.build_absolute_uri(reverse("web:activate"))
    slips = []
    for code in codes:
        person = code.person
        state = ("used" if code.used_at else "revoked" if code.revoked_at
                 else "expired" if code.expires_at <= now else "usable")
        slips.append({
            "units": [o.unit.label for o in person.current_ownerships],
            "name": person.masked_name,
            "mobile": person.masked_mobile,
            "code": f"{code.code[:5]}-{code.code[5:]}" if state == "usable" else "",
            "state": state,
            "expires_at": code.expires_at,
        })
    return render(request, "registry/accounts/batch_print.html", {
        "batch": batch, "slips": slips, "activate_url": activate_url,
        "qr_svg": mark_safe(_qr_svg(activate_url)),  # noqa: S308 (segno's own SVG markup)
        "issued_at": max(c.issued_at for c in codes),
        "usable": sum(1 for s in slips if s["state"] == "usable"),
    })
