"""Every change to notifications: sending them, delivering them, reading them.

``notify`` is what other apps call from inside their own services: it writes the in-app
notifications in the caller's transaction (so a rolled-back change tells nobody anything) and
hands the other channels to the background worker after the commit.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Iterable
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import get_connection
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from sunlit.core import audit
from sunlit.core.models import AuditEvent, Community, Membership, User
from sunlit.core.permissions import communities_where, require
from sunlit.core.redirects import is_safe_path
from sunlit.core.validators import normalize_text
from sunlit.notices import channels as channel_module
from sunlit.notices.choices import AnnouncementKind, DeliveryStatus, NotificationKind
from sunlit.notices.models import Announcement, Delivery, Notification, NotificationPreference

logger = logging.getLogger("sunlit.notices")

MAX_TITLE = 200
MAX_BODY = 4000
MAX_URL = 300
MAX_ATTEMPTS = 5


def is_safe_relative_url(url: str) -> bool:
    """Only a path on this site (``/tickets/12/``): the rule of ``core.redirects``."""
    return is_safe_path(url)


def _recipient_ids(recipients: Iterable[Any]) -> list[int]:
    ids, seen = [], set()
    for recipient in recipients or ():
        pk = recipient if isinstance(recipient, int) and not isinstance(recipient, bool) else getattr(
            recipient, "pk", None)
        if not isinstance(pk, int):
            raise TypeError(f"recipients must be users or user ids, not {type(recipient).__name__}")
        if pk not in seen:
            seen.add(pk)
            ids.append(pk)
    return ids


def notify(*, community: Community, recipients: Iterable[User | int], title: str, body: str = "",
           url: str = "", kind: str = NotificationKind.TICKET, obj: Any = None,
           channels: Iterable[str] | None = None, mandatory: bool = False) -> list[Notification]:
    """Tells each recipient once — 发送通知 — in the inbox now, by e-mail/SMS/WeChat after commit.

    Recipients are deduplicated; inactive accounts and people without an active role in the
    community are skipped (they could not see it). ``url`` must be a relative link to the
    object's page. Runs inside the caller's transaction; returns the notifications written.
    ``channels`` limits the channels besides the inbox to those names (``[]``: inbox only);
    ``None`` means every channel that applies. ``mandatory`` (security notices: something was
    done in the recipient's name, e.g. a ballot entered for his unit) ignores the recipient's
    choice to switch e-mail, SMS or WeChat off: it goes out on every channel he can be reached on.
    """
    if kind not in NotificationKind.values:
        raise ValueError(f"unknown notification kind {kind!r}")
    if url and not is_safe_relative_url(url):
        raise ValueError(f"notification url must be a relative path, not {url!r}")
    title = " ".join(str(title).split())[:MAX_TITLE]
    if not title:
        raise ValueError("a notification needs a title")
    ids = _recipient_ids(recipients)
    if not ids:
        return []
    reachable = set(
        Membership.objects.in_community(community).active()
        .filter(user_id__in=ids, user__is_active=True).values_list("user_id", flat=True))
    object_type = obj._meta.label_lower if obj is not None else ""
    object_id = str(obj.pk) if obj is not None else ""
    now = timezone.now()
    rows = [Notification(community_id=community.pk, recipient_id=pk, kind=kind, title=title,
                         body=str(body or "")[:MAX_BODY], url=url[:MAX_URL], object_type=object_type,
                         object_id=object_id, created_at=now)
            for pk in ids if pk in reachable]
    if not rows:
        return []
    with transaction.atomic():
        created = Notification.objects.bulk_create(rows)  # SQLite and PostgreSQL return the ids
        notification_ids = [row.pk for row in created]

        only = None if channels is None else sorted(set(channels))

        def schedule() -> None:
            from sunlit.notices.tasks import deliver_notifications

            extra = {"mandatory": True} if mandatory else {}
            if only is None:
                deliver_notifications(notification_ids, **extra)
            elif only:
                deliver_notifications(notification_ids, channels=only, **extra)

        transaction.on_commit(schedule)
    return created


def deliver(notification_ids: Iterable[int], *, channels: list | None = None,
            mandatory: bool = False) -> int:
    """Passes notifications on over every channel that applies to each recipient.

    Each (notification, channel) gets one ``Delivery`` row; an attempt is claimed with a
    conditional update, so two workers never send the same one twice at once, and what was sent
    or skipped is never sent again. Returns the number of deliveries that failed this time (the
    task retries those). ``mandatory``: the recipients' channel preferences are not asked.
    """
    ids = sorted({int(pk) for pk in notification_ids})
    notifications = list(Notification.objects.filter(pk__in=ids)
                         .select_related("recipient", "community").order_by("pk"))
    if not notifications:
        return 0
    preferences = {p.user_id: p for p in NotificationPreference.objects.filter(
        user_id__in={n.recipient_id for n in notifications})}
    connection = get_connection(fail_silently=False)
    in_use = channels if channels is not None else channel_module.active_channels()
    for channel in in_use:
        if isinstance(channel, channel_module.EmailChannel) and channel.connection is None:
            channel.connection = connection
    failed = 0
    try:
        for notification in notifications:
            user = notification.recipient
            if not user.is_active:
                continue
            preference = preferences.get(user.pk)
            for channel in in_use:
                if not channel.applies_to(user, preference, mandatory=mandatory):
                    continue
                failed += _attempt(channel, notification, user, preference)
    finally:
        try:
            connection.close()
        except Exception:
            logger.debug("closing the e-mail connection failed", exc_info=True)
    return failed


def _attempt(channel, notification: Notification, user: User, preference) -> int:
    delivery, _created = Delivery.objects.get_or_create(
        notification=notification, channel=channel.name,
        defaults={"community_id": notification.community_id})
    if delivery.status in (DeliveryStatus.SENT, DeliveryStatus.SKIPPED):
        return 0
    if delivery.attempts >= MAX_ATTEMPTS:
        return 0
    claimed = Delivery.objects.filter(
        pk=delivery.pk, attempts=delivery.attempts,
        status__in=(DeliveryStatus.PENDING, DeliveryStatus.FAILED),
    ).update(attempts=F("attempts") + 1, updated_at=timezone.now())
    if claimed != 1:
        return 0  # another worker has it
    result = channel.send(notification, user, preference=preference)
    now = timezone.now()
    Delivery.objects.filter(pk=delivery.pk).update(
        status=result.status, provider=result.provider[:40], address=result.address[:100],
        payload=result.payload or {}, error=str(result.error or "")[:500], updated_at=now,
        sent_at=now if result.status == DeliveryStatus.SENT else None)
    return 1 if result.status == DeliveryStatus.FAILED else 0


@transaction.atomic
def mark_read(notification: Notification, *, actor: User) -> Notification:
    """Marks one of the actor's own notifications read — 标为已读 (reading twice keeps the first time)."""
    if notification.recipient_id != getattr(actor, "pk", None):
        raise PermissionDenied(_("只能操作自己的通知"))
    Notification.objects.filter(pk=notification.pk, read_at__isnull=True).update(read_at=timezone.now())
    notification.refresh_from_db(fields=["read_at"])
    return notification


@transaction.atomic
def mark_all_read(*, actor: User, community: Community | int | None = None) -> int:
    """Marks all of the actor's unread notifications read — 全部标为已读 —, in one community or
    in all of his; returns how many changed."""
    unread = Notification.objects.inbox_of(actor).unread()
    if community is not None:
        community_id = getattr(community, "pk", community)
        if community_id not in communities_where(actor, "community.view"):
            raise ValidationError({"community": [_("不是您所在的小区")]})
        unread = unread.filter(community_id=community_id)
    return unread.update(read_at=timezone.now())


@transaction.atomic
def set_preferences(*, actor: User, email: bool, sms: bool, wechat: bool) -> NotificationPreference:
    """Saves which channels the actor wants besides the inbox — 通知设置."""
    for name, value in (("email", email), ("sms", sms), ("wechat", wechat)):
        if not isinstance(value, bool):
            raise ValidationError({name: [_("必须是 true 或 false")]})
    preference, _created = NotificationPreference.objects.select_for_update().get_or_create(user=actor)
    preference.email, preference.sms, preference.wechat = email, sms, wechat
    preference.updated_at = timezone.now()
    preference.save(update_fields=["email", "sms", "wechat", "updated_at"])
    return preference


# --- announcements (公告) --------------------------------------------------------------------------

MAX_ANNOUNCEMENT_TITLE = 100
MAX_ANNOUNCEMENT_BODY = 5000


@transaction.atomic
def publish_announcement(community: Community, *, actor: User, title: str, body: str,
                         kind: str = AnnouncementKind.NOTICE,
                         corrects: Announcement | None = None) -> Announcement:
    """发布公告: a notice to the whole community, on the log (title, kind, SHA-256 of the
    text) and in every member's inbox. Never edited afterwards; ``corrects`` names the earlier
    announcement a correction replaces (both stay published)."""
    require(actor, "notices.publish", community=community)
    errors: dict[str, list[str]] = {}
    title = normalize_text(title if isinstance(title, str) else "")
    body = (body if isinstance(body, str) else "").strip()
    if not title:
        errors["title"] = [_("请填写标题")]
    elif len(title) > MAX_ANNOUNCEMENT_TITLE:
        errors["title"] = [_("标题最多 %(n)s 个字") % {"n": MAX_ANNOUNCEMENT_TITLE}]
    if not body:
        errors["body"] = [_("请填写正文")]
    elif len(body) > MAX_ANNOUNCEMENT_BODY:
        errors["body"] = [_("正文最多 %(n)s 个字") % {"n": MAX_ANNOUNCEMENT_BODY}]
    if kind not in AnnouncementKind.values:
        errors["kind"] = [_("请选择公告类型")]
    if corrects is not None and corrects.community_id != community.pk:
        errors["corrects"] = [_("只能更正本小区的公告")]
    if errors:
        raise ValidationError(errors)
    now = timezone.now()
    announcement = Announcement.objects.create(
        community=community, kind=kind, title=title, body=body,
        body_sha256=hashlib.sha256(body.encode("utf-8")).hexdigest(), published_by=actor,
        published_at=now, corrects=corrects)
    audit.record(AuditEvent.Action.CREATE, announcement, actor=actor, summary=f"发布公告 {title}")
    from sunlit.transparency import services as log

    log.record(community, "notices.announcement.published", announcement, time=now, public={
        "title": title, "kind": str(kind), "body_sha256": announcement.body_sha256,
        "corrects": corrects.pk if corrects is not None else None})
    members = (Membership.objects.in_community(community).active()
               .values_list("user_id", flat=True).distinct())
    notify(community=community, recipients=list(members), title=f"【{AnnouncementKind(kind).label}】{title}",
           body=body[:200], url=f"/notices/announcements/{announcement.pk}/",
           kind=NotificationKind.ANNOUNCEMENT, obj=announcement)
    return announcement
