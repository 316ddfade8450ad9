"""Pages of the owner-side controls (管控变更): the public list, one change, the committee's
decision. Phone-first: committee members are owners and decide on their phones."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from sunlit.core import sides
from sunlit.core.forms import flash_errors
from sunlit.core.permissions import can
from sunlit.core.tenancy import page_community
from sunlit.governance.controls import access
from sunlit.governance.controls import services as controls
from sunlit.governance.controls.filters import ControlChangeFilter
from sunlit.governance.controls.models import ControlChange, ControlKind, ControlStatus
from sunlit.web.rendering import paginate, render_list


def may_decide(user, change: ControlChange) -> bool:
    return (change.is_pending and can(user, "governance.controls.confirm", change)
            and sides.is_committee_member(user, change.community_id))


@login_required
def control_list(request):
    """管控变更: every change to a control that protects owners, pending first."""
    community = page_community(request, "governance.controls.view")
    filterset = ControlChangeFilter(request.GET, queryset=ControlChange.objects.in_community(community)
                                    .select_related("proposed_by", "decided_by"))
    rows = filterset.qs  # an unknown status or kind is ignored
    status = filterset.form.cleaned_data.get("status", "")
    kind = filterset.form.cleaned_data.get("kind", "")
    pending = ControlChange.objects.in_community(community).pending().count()
    return render_list(request, "governance/controls/list.html", {
        "status": status, "statuses": ControlStatus.choices, "kind": kind,
        "kinds": ControlKind.choices, "pending": pending,
        "is_committee": sides.is_committee_member(request.user, community),
        **paginate(request, rows.order_by("-proposed_at", "-pk")),
    })


@login_required
def control_change(request, change_id: int):
    change = access.get_control_change_for(request.user, change_id)
    return render(request, "governance/controls/change.html", {
        "change": change, "may_decide": may_decide(request.user, change),
        "may_withdraw": change.is_pending and change.proposed_by_id == request.user.pk,
        "i_proposed": change.proposed_by_id == request.user.pk,
    })


@login_required
@require_POST
def control_action(request, change_id: int, action: str):
    change = access.get_control_change_for(request.user, change_id)
    try:
        if action == "confirm":
            controls.confirm_change(change, actor=request.user, note=request.POST.get("note", ""))
            done = _("已确认，变更已生效")
        elif action == "reject":
            controls.reject_change(change, actor=request.user,
                                   reason=request.POST.get("reason", ""))
            done = _("已否决，变更不生效")
        elif action == "withdraw":
            controls.withdraw_change(change, actor=request.user)
            done = _("已撤回")
        else:
            raise Http404
    except ValidationError as exc:
        flash_errors(request, exc)
    else:
        messages.success(request, done)
    return redirect("governance:control_change", change_id=change.pk)


def request_from_page(request, community, kind: str, params: dict, *, reason: str = "",
                      done: str) -> ControlChange | None:
    """What a control's own page does on submit: the change at once (owner side, or a
    strengthening), or a proposal to the committee; the Chinese message says which. Field
    errors are raised for the caller's form; a refusal by permission is a 403."""
    change = controls.request_change(community, kind, params, actor=request.user, reason=reason)
    if change is None:
        messages.info(request, _("没有变化"))
    elif change.is_pending:
        messages.success(request, _("已提交业委会确认，确认后生效（可在“管控变更”中查看）"))
    else:
        messages.success(request, done)
    return change
