"""Announcements (公告): published once, on the log, in every member's inbox, on the
disclosure page when they are major matters."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from sunlit.notices import services
from sunlit.notices.models import Announcement, Notification
from sunlit.transparency.models import LogLeaf


def publish(actor, community, **overrides):
    args = {"title": "3号楼电梯维保通知", "body": "11月25日 9:00–12:00 3号楼电梯停运维保，请走楼梯。",
            "kind": "major"}
    args.update(overrides)
    return services.publish_announcement(community, actor=actor, **args)


def test_a_major_matter_is_logged_and_reaches_every_member(community, manager, owner, technician):
    item = publish(manager, community)
    assert item.published_at is not None and len(item.body_sha256) == 64
    leaf = LogLeaf.objects.get(event_type="notices.announcement.published")
    assert leaf.event["public"] == {"title": "3号楼电梯维保通知", "kind": "major",
                                    "body_sha256": item.body_sha256}
    told = set(Notification.objects.filter(kind="announcement").values_list("recipient_id", flat=True))
    assert {owner.pk, technician.pk} <= told


def test_a_correction_points_at_the_earlier_one(community, manager):
    first = publish(manager, community)
    second = publish(manager, community, title="更正：维保改到26日", corrects=first)
    assert second.corrects == first and Announcement.objects.count() == 2


@pytest.mark.parametrize(("overrides", "field"), [
    ({"title": ""}, "title"), ({"title": "长" * 101}, "title"), ({"body": "  "}, "body"),
    ({"body": "字" * 5001}, "body"), ({"kind": "urgent"}, "kind"), ({"title": 42}, "title"),
])
def test_bad_announcements_are_refused_and_nothing_is_written(community, manager, overrides, field):
    with pytest.raises(ValidationError) as error:
        publish(manager, community, **overrides)
    assert field in error.value.message_dict
    assert not Announcement.objects.exists() and not LogLeaf.objects.exists()
    assert not Notification.objects.exists()


def test_owners_and_technicians_may_not_publish(community, owner, technician):
    for actor in (owner, technician):
        with pytest.raises(PermissionDenied):
            publish(actor, community)
    assert not Announcement.objects.exists()


def test_another_communitys_announcement_cannot_be_corrected(community, other_community, manager,
                                                             company_admin):
    from sunlit.core.choices import Role
    from sunlit.core.services import grant_membership

    grant_membership(manager, other_community, Role.MANAGER, actor=None)
    foreign = publish(manager, other_community)
    with pytest.raises(ValidationError):
        publish(manager, community, corrects=foreign)


def test_pages_publish_list_and_show(client, community, manager, owner):
    client.force_login(manager)
    response = client.post(reverse("notices:publish"), {"kind": "major", "title": "", "body": "停水"})
    assert response.status_code == 400 and "请填写标题" in response.content.decode()
    assert "停水" in response.content.decode()  # what was typed stays
    response = client.post(reverse("notices:publish"),
                           {"kind": "notice", "title": "停水通知", "body": "明日停水"})
    item = Announcement.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse(
        "notices:announcement", args=[item.pk])
    client.force_login(owner)
    assert "停水通知" in client.get(reverse("notices:announcements")).content.decode()
    page = client.get(reverse("notices:announcement", args=[item.pk])).content.decode()
    assert "明日停水" in page and item.body_sha256 in page
    assert client.get(reverse("notices:publish")).status_code == 403


def test_another_communitys_announcement_is_404(client, other_community, owner, owner_other_community):
    from sunlit.core.choices import Role
    from tests.conftest import _member

    boss = _member(other_community, Role.MANAGER, username="boss-b")
    foreign = services.publish_announcement(other_community, actor=boss, title="别的小区",
                                            body="内容", kind="notice")
    client.force_login(owner)
    assert client.get(reverse("notices:announcement", args=[foreign.pk])).status_code == 404


def test_major_matters_are_on_the_disclosure_page(client, community, manager, owner):
    publish(manager, community)
    publish(manager, community, title="小区停车收费调整征求意见", kind="notice")
    client.force_login(owner)
    html = client.get(reverse("board:disclosure")).content.decode()
    assert "3号楼电梯维保通知" in html and "小区停车收费调整征求意见" in html and "重大事项" in html
