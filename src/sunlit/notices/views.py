"""Notification pages: the inbox (phone first), opening one, reading all, channel settings."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from sunlit.core.permissions import can, require, role_map
from sunlit.core.tenancy import current_community
from sunlit.notices import access, selectors, services
from sunlit.notices.choices import AnnouncementKind
from sunlit.notices.models import Announcement, NotificationPreference
from sunlit.notices.services import is_safe_relative_url
from sunlit.web.rendering import paginate, render_list

PAGE_SIZE = 20


@login_required
def inbox(request):
    unread_only = request.GET.get("unread") == "1"
    rows = selectors.inbox(request.user, unread_only=unread_only)
    return render_list(request, "notices/inbox.html", {
        "unread_only": unread_only,
        "many_communities": len(role_map(request.user)) > 1,
        **paginate(request, rows, per_page=PAGE_SIZE),
    })


@login_required
def open_notification(request, notification_id: int):
    """Marks the notification read and goes to the page it is about (only a path on this site)."""
    notification = access.get_notification_for(request.user, notification_id)
    services.mark_read(notification, actor=request.user)
    if notification.url and is_safe_relative_url(notification.url):
        return redirect(notification.url)
    return redirect("notices:inbox")


@login_required
@require_POST
def read_all(request):
    count = services.mark_all_read(actor=request.user)
    if count:
        messages.success(request, _("已将 %(n)s 条通知标为已读") % {"n": count})
    return redirect("notices:inbox")


@login_required
@require_http_methods(["GET", "POST"])
def preferences(request):
    preference = NotificationPreference.objects.filter(user=request.user).first()
    if request.method == "POST":
        services.set_preferences(actor=request.user, email="email" in request.POST,
                                 sms="sms" in request.POST, wechat="wechat" in request.POST)
        messages.success(request, _("通知设置已保存"))
        return redirect("notices:preferences")
    return render(request, "notices/preferences.html", {
        "preference": preference or NotificationPreference(user=request.user),
        "has_email": bool(request.user.email),
        "has_mobile": bool(request.user.mobile),
    })


# --- announcements (公告) --------------------------------------------------------------------------

@login_required
def announcements(request):
    """公告: the community's announcements, newest first; staff may publish from here."""
    community = current_community(request)
    if community is None:
        return redirect("web:home")
    require(request.user, "community.view", community=community)
    rows = Announcement.objects.in_community(community).published().select_related("published_by")
    kind = request.GET.get("kind")
    if kind in AnnouncementKind.values:
        rows = rows.filter(kind=kind)
    return render_list(request, "notices/announcements.html", {
        "community": community, "kind": kind, "kinds": AnnouncementKind.choices,
        "can_publish": can(request.user, "notices.publish", community=community),
        **paginate(request, rows, per_page=PAGE_SIZE),
    })


@login_required
def announcement(request, pk: int):
    item = access.get_announcement_for(request.user, pk)
    return render(request, "notices/announcement.html", {"item": item})


@login_required
@require_http_methods(["GET", "POST"])
def publish(request):
    """发布公告 (service desk, manager, company): what was typed stays on an error."""
    community = current_community(request)
    if community is None:
        return redirect("web:home")
    require(request.user, "notices.publish", community=community)
    data = {"title": "", "body": "", "kind": AnnouncementKind.NOTICE}
    errors: dict = {}
    if request.method == "POST":
        data = {key: request.POST.get(key, "") for key in data}
        try:
            item = services.publish_announcement(community, actor=request.user, title=data["title"],
                                                 body=data["body"], kind=data["kind"])
        except ValidationError as exc:
            errors = exc.message_dict
        else:
            messages.success(request, _("公告已发布，并已通知本小区全体成员"))
            return redirect("notices:announcement", pk=item.pk)
    return render(request, "notices/announcement_form.html", {
        "community": community, "data": data, "errors": errors, "kinds": AnnouncementKind.choices,
    }, status=400 if errors else 200)
