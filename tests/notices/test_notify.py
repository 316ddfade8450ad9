"""notify(): who is told, once; e-mail after the commit only; what each channel records."""

from __future__ import annotations

import pytest
from django.core import mail
from django.db import transaction

from sunlit.core.choices import Role
from sunlit.core.models import Membership
from sunlit.notices import services
from sunlit.notices.choices import DeliveryChannel, DeliveryStatus
from sunlit.notices.models import Delivery, Notification, NotificationPreference


def test_each_recipient_gets_one_notification(send, owner, service, dispatcher, community):
    notes = send([owner, service, owner, dispatcher.pk, service])
    assert len(notes) == 3
    rows = Notification.objects.order_by("recipient_id")
    assert sorted(n.recipient_id for n in rows) == sorted([owner.pk, service.pk, dispatcher.pk])
    note = rows.get(recipient=owner)
    assert (note.community_id, note.kind, note.url, note.read_at) == (
        community.pk, "ticket", "/tickets/1/", None)
    assert note.title == "您的报修 BX-20261118-0001 已派单" and note.body == "处理人：张师傅"


def test_object_reference_is_kept(send, owner, community):
    (note,) = send([owner], obj=community)
    assert (note.object_type, note.object_id) == ("core.community", str(community.pk))


def test_inactive_users_and_outsiders_are_skipped(send, owner, member, owner_other_community):
    gone = member("gone")
    gone.is_active = False
    gone.save(update_fields=["is_active"])
    moved_out = member("moved_out")
    Membership.objects.filter(user=moved_out).update(is_active=False)
    assert send([gone, moved_out, owner_other_community]) == []
    assert [n.recipient for n in send([gone, owner])] == [owner]


def test_no_recipients_is_nothing(send):
    assert send([]) == []
    assert Notification.objects.count() == 0


@pytest.mark.parametrize("url", ["https://evil.example/x", "//evil.example/x", "/\\evil.example",
                                 "javascript:alert(1)", "tickets/1/", "/a b"])
def test_only_relative_links_are_accepted(send, owner, url):
    with pytest.raises(ValueError):
        send([owner], url=url)
    assert Notification.objects.count() == 0


def test_bad_arguments_are_refused(send, owner):
    with pytest.raises(ValueError):
        send([owner], kind="gossip")
    with pytest.raises(ValueError):
        send([owner], title="   ")
    with pytest.raises(TypeError):
        send(["owner"])
    assert Notification.objects.count() == 0


def test_long_titles_are_cut(send, owner):
    (note,) = send([owner], title="长" * 500, body="体" * 10_000)
    assert len(note.title) == 200 and len(note.body) == 4000


def test_email_is_sent_after_commit(send, with_email, community, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        send([with_email])
        assert mail.outbox == []  # nothing leaves before the commit
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["wang.xiaoming@example.cn"]
    assert message.subject == "【明强小区】您的报修 BX-20261118-0001 已派单"
    assert "王小明，您好" in message.body
    assert "处理人：张师傅" in message.body
    assert "https://wuye.example.cn/tickets/1/" in message.body
    delivery = Delivery.objects.get(channel=DeliveryChannel.EMAIL)
    assert delivery.status == DeliveryStatus.SENT and delivery.attempts == 1
    assert delivery.address == "w***@example.cn" and delivery.sent_at is not None


def test_nothing_is_sent_or_kept_on_rollback(send, with_email, django_capture_on_commit_callbacks):
    with (django_capture_on_commit_callbacks(execute=True) as callbacks,
          pytest.raises(RuntimeError), transaction.atomic()):
        send([with_email])
        raise RuntimeError("the ticket change failed")
    assert callbacks == []
    assert mail.outbox == []
    assert Notification.objects.count() == Delivery.objects.count() == 0


def test_user_without_email_gets_a_skipped_row(send, owner, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        send([owner])
    delivery = Delivery.objects.get(channel=DeliveryChannel.EMAIL)
    assert delivery.status == DeliveryStatus.SKIPPED
    assert delivery.error == "用户未登记电子邮箱"
    assert mail.outbox == []


def test_sms_log_provider_records_the_would_be_message(send, owner, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        send([owner])
    sms = Delivery.objects.get(channel=DeliveryChannel.SMS)
    assert (sms.status, sms.provider) == (DeliveryStatus.SENT, "log")
    assert sms.address == f"{owner.mobile[:3]}****{owner.mobile[-4:]}"
    assert sms.payload == {
        "to": sms.address, "delivered": False,
        "text": "【明强小区】您的报修 BX-20261118-0001 已派单。详情：https://wuye.example.cn/tickets/1/"}
    assert owner.mobile not in str(sms.payload)
    # no WeChat row: the owner has not bound the official account
    assert not Delivery.objects.filter(channel=DeliveryChannel.WECHAT).exists()


def test_bound_wechat_gets_a_template_message_logged(send, owner, django_capture_on_commit_callbacks):
    NotificationPreference.objects.create(user=owner, wechat_openid="oUpF8uMuAJO_M2pxb1Q9zNjWeS6o")
    with django_capture_on_commit_callbacks(execute=True):
        send([owner])
    wechat = Delivery.objects.get(channel=DeliveryChannel.WECHAT)
    assert wechat.status == DeliveryStatus.SENT and wechat.provider == "log"
    assert wechat.address == "oUpF***6o"
    assert wechat.payload["data"]["thing1"]["value"] == "您的报修 BX-20261118-0001 已派单"[:20]
    assert wechat.payload["url"] == "https://wuye.example.cn/tickets/1/"
    assert "oUpF8uMuAJO_M2pxb1Q9zNjWeS6o" not in str(wechat.payload)


def test_channels_turned_off_by_setting_or_preference(send, with_email, settings,
                                                      django_capture_on_commit_callbacks):
    settings.SUNLIT_SMS_BACKEND = "off"
    services.set_preferences(actor=with_email, email=False, sms=True, wechat=True)
    with django_capture_on_commit_callbacks(execute=True):
        send([with_email])
    assert Delivery.objects.count() == 0
    assert mail.outbox == []
    assert Notification.objects.filter(recipient=with_email).count() == 1  # the inbox always


def test_failed_email_is_retried_and_never_sent_twice(send, with_email, settings,
                                                      django_capture_on_commit_callbacks):
    settings.EMAIL_BACKEND = "tests.notices.conftest.FailingEmailBackend"
    with django_capture_on_commit_callbacks(execute=True):
        (note,) = send([with_email])
    delivery = Delivery.objects.get(channel=DeliveryChannel.EMAIL)
    assert (delivery.status, delivery.attempts) == (DeliveryStatus.FAILED, 1)
    assert "SMTPServerDisconnected" in delivery.error
    # the SMS went out the first time and is not repeated by the retry
    assert Delivery.objects.get(channel=DeliveryChannel.SMS).attempts == 1

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    assert services.deliver([note.pk]) == 0  # what the Huey retry does
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts, delivery.error) == (DeliveryStatus.SENT, 2, "")
    assert len(mail.outbox) == 1
    assert services.deliver([note.pk]) == 0
    assert len(mail.outbox) == 1
    assert Delivery.objects.get(channel=DeliveryChannel.SMS).attempts == 1


def test_attempts_stop_at_the_limit(send, with_email, settings):
    settings.EMAIL_BACKEND = "tests.notices.conftest.FailingEmailBackend"
    (note,) = send([with_email])
    for _ in range(services.MAX_ATTEMPTS + 2):
        services.deliver([note.pk])
    delivery = Delivery.objects.get(channel=DeliveryChannel.EMAIL)
    assert delivery.attempts == services.MAX_ATTEMPTS and delivery.status == DeliveryStatus.FAILED


def test_mark_read_and_mark_all_read(send, owner, service, community, other_community, make_member):
    first, _second = send([owner]), send([owner])
    send([service])
    services.mark_read(first[0], actor=owner)
    first[0].refresh_from_db()
    read_at = first[0].read_at
    assert read_at is not None
    services.mark_read(first[0], actor=owner)  # twice keeps the first time
    first[0].refresh_from_db()
    assert first[0].read_at == read_at
    assert services.mark_all_read(actor=owner) == 1
    assert Notification.objects.filter(recipient=service, read_at__isnull=True).count() == 1


def test_someone_elses_notification_cannot_be_marked(send, owner, service):
    from django.core.exceptions import PermissionDenied

    (note,) = send([owner])
    with pytest.raises(PermissionDenied):
        services.mark_read(note, actor=service)
    note.refresh_from_db()
    assert note.read_at is None


def test_mark_all_read_in_one_community(send, owner, community, other_community, make_member):
    Membership.objects.create(user=owner, community=other_community, role=Role.OWNER)
    send([owner])
    services.notify(community=other_community, recipients=[owner], title="远景小区停水通知",
                    kind="announcement")
    assert services.mark_all_read(actor=owner, community=other_community) == 1
    assert Notification.objects.filter(recipient=owner, read_at__isnull=True).get().community == community


def test_mark_all_read_in_a_foreign_community_is_refused(send, owner, other_community):
    from django.core.exceptions import ValidationError

    send([owner])
    with pytest.raises(ValidationError):
        services.mark_all_read(actor=owner, community=other_community)
    assert Notification.objects.filter(read_at__isnull=True).count() == 1
