"""The committee's co-signature of the board is an owner-side control: the company may switch it
on, only the committee switches it off (a company request takes effect when the committee
confirms it). docs/board.md, docs/security.md."""

from __future__ import annotations

import json

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from sunlit.board import services
from sunlit.core.choices import Role
from sunlit.core.models import AuditEvent
from sunlit.governance.controls import services as controls
from sunlit.governance.controls.models import ControlChange, ControlKind, ControlStatus
from sunlit.notices.models import Notification
from sunlit.transparency.models import LogLeaf
from tests.factories import MembershipFactory


@pytest.fixture
def dual(make_member, community):
    user = make_member(Role.COMMITTEE, username="dual", display_name="兼职管理员")
    MembershipFactory(user=user, community=community, role=Role.COMPANY_ADMIN)
    return user


def state(community):
    return (services.settings_for(community).require_cosign, LogLeaf.objects.count(),
            ControlChange.objects.count(), Notification.objects.count(), AuditEvent.objects.count())


def test_the_company_switches_it_on_but_not_off(community, company_admin, dual):
    services.set_require_cosign(community, True, actor=company_admin)
    before = state(community)
    for who in (company_admin, dual):
        with pytest.raises(PermissionDenied) as exc:
            services.set_require_cosign(community, False, actor=who)
        assert "由业委会决定" in str(exc.value)
    assert state(community) == before and before[0] is True


def test_the_committee_switches_it_off_and_it_is_logged(community, company_admin, committee):
    services.set_require_cosign(community, True, actor=company_admin)
    change = controls.request_change(community, ControlKind.BOARD_COSIGN,
                                     {"require_cosign": False}, actor=committee)
    assert change.status == ControlStatus.APPLIED and change.weakens and change.was_direct
    assert services.settings_for(community).require_cosign is False
    events = [json.loads(x.data)["public"] for x in
              LogLeaf.objects.filter(event_type="board.settings.changed").order_by("index")]
    assert [e["require_cosign"] for e in events] == [True, False]


def test_a_company_request_to_switch_it_off_waits_for_the_committee(community, company_admin,
                                                                     committee):
    services.set_require_cosign(community, True, actor=company_admin)
    change = controls.request_change(community, ControlKind.BOARD_COSIGN,
                                     {"require_cosign": False}, actor=company_admin,
                                     reason="业委会长期不会签，影响按时发布")
    assert change.status == ControlStatus.PENDING
    assert services.settings_for(community).require_cosign is True
    assert Notification.objects.filter(recipient=committee,
                                       object_type="governance.controlchange").count() == 1
    controls.confirm_change(change, actor=committee)
    assert services.settings_for(community).require_cosign is False


def test_bad_input_is_refused_with_a_chinese_message(community, committee):
    from django.core.exceptions import ValidationError

    before = state(community)
    with pytest.raises(ValidationError) as exc:
        controls.request_change(community, ControlKind.BOARD_COSIGN, {"require_cosign": "no"},
                                actor=committee)
    assert exc.value.message_dict == {"require_cosign": ["必须是 true 或 false"]}
    assert state(community) == before


def test_the_board_page_switch(client, community, company_admin, committee, owner):
    client.force_login(company_admin)
    client.post(reverse("board:settings"), {"require_cosign": "1"})
    assert services.settings_for(community).require_cosign is True
    # switching off without a reason: refused with the message, nothing changes
    answer = client.post(reverse("board:settings"), {"require_cosign": "0"}, follow=True)
    assert "请填写理由" in answer.content.decode()
    assert not ControlChange.objects.filter(status="pending").exists()
    answer = client.post(reverse("board:settings"), {"require_cosign": "0", "reason": "影响发布"},
                         follow=True)
    assert "已提交业委会确认" in answer.content.decode()
    assert services.settings_for(community).require_cosign is True
    # every member sees whether the co-signature is required, and the pending request
    client.force_login(owner)
    page = client.get(reverse("board:board_list")).content.decode()
    assert "发布前须业委会会签" in page and "待业委会确认" in page
    assert client.post(reverse("board:settings"), {"require_cosign": "0"}).status_code == 403
    client.force_login(committee)
    change = ControlChange.objects.get(status="pending")
    client.post(reverse("governance:control_action", args=[change.pk, "confirm"]))
    assert services.settings_for(community).require_cosign is False
