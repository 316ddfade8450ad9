"""Owner accounts from the roster: one-time activation codes, printable lists, activation."""

from __future__ import annotations

import datetime as dt
import io

import pytest
import time_machine
from django.core.exceptions import NON_FIELD_ERRORS, PermissionDenied, ValidationError
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils import timezone

from sunlit.core.auth import MobileOrUsernameBackend
from sunlit.core.choices import Role
from sunlit.core.masking import mask_name
from sunlit.core.models import ActivationCode, AuditEvent, Membership, Person, User
from sunlit.core.services import (
    ACCOUNT_EXISTS,
    ActivationError,
    activate_account,
    bind_home,
    issue_activation_codes,
)
from sunlit.notices.models import Notification
from sunlit.registry import services
from tests.conftest import PASSWORD as PASSWORD_OF_FIXTURES
from tests.factories import BuildingFactory, OwnershipFactory, ResidencyFactory, UnitFactory

PASSWORD = "sunny-garden-42"


@pytest.fixture
def owners(community, owner):
    """Owners of 明强小区 without accounts: two in 5号楼, one in 6号楼, one without a mobile."""
    five = BuildingFactory(community=community, name="5号楼")
    six = BuildingFactory(community=community, name="6号楼")
    people = {}
    for key, building, number, mobile in (("wang", five, "101", "13700000001"),
                                          ("li", five, "102", "13700000002"),
                                          ("zhao", six, "101", "13700000003"),
                                          ("nomobile", six, "102", "")):
        unit = UnitFactory(building=building, entrance="1", number=number)
        people[key] = OwnershipFactory(unit=unit, person__community=community,
                                       person__name=f"{key}业主", person__mobile=mobile).person
    ResidencyFactory(unit=people["wang"].ownerships.get().unit, person__community=community,
                     person__mobile="13700000009")  # a tenant: not an owner, gets no code
    return people


def code_of(person) -> str:
    return ActivationCode.objects.usable(timezone.now()).get(person=person).code


def test_owner_activates_once_with_mobile_and_code(community, owners, service):
    batch = services.issue_owner_codes(community, actor=service)
    wang = owners["wang"]
    code = code_of(wang)

    user = activate_account(code=f"{code[:5]}-{code[5:]}".lower(), mobile="137 0000 0001",
                            password=PASSWORD)

    wang.refresh_from_db()
    assert wang.user == user and user.display_name == "wang业主"
    assert user.check_password(PASSWORD)
    assert Membership.objects.filter(user=user, community=community, role=Role.OWNER).exists()
    record = ActivationCode.objects.get(person=wang, batch=batch)
    assert record.used_at is not None and record.user == user
    with pytest.raises(ActivationError):
        activate_account(code=code, mobile="13700000001", password=PASSWORD)
    assert User.objects.filter(persons=wang).count() == 1


def test_activation_never_links_or_logs_into_an_existing_account(community, owners, service,
                                                                   make_member):
    """The takeover of issue 12: an account already has the roster person's mobile number."""
    holder = make_member(Role.OWNER, mobile="13700000001", username="holder")
    services.issue_owner_codes(community, actor=service)
    code = code_of(owners["wang"])
    counts = (User.objects.count(), Membership.objects.count(), AuditEvent.objects.count(),
              Notification.objects.count())

    with pytest.raises(ActivationError) as refused:
        activate_account(code=code, mobile="137-0000-0001", password="attacker-pass-99")

    [error] = refused.value.error_dict[NON_FIELD_ERRORS]
    assert error.code == ACCOUNT_EXISTS and "请用该手机号和您自己的密码登录" in error.message
    holder.refresh_from_db()
    assert holder.check_password(PASSWORD_OF_FIXTURES) and not holder.check_password("attacker-pass-99")
    owners["wang"].refresh_from_db()
    assert owners["wang"].user is None
    assert not ActivationCode.objects.filter(used_at__isnull=False).exists()
    assert (User.objects.count(), Membership.objects.count(), AuditEvent.objects.count(),
            Notification.objects.count()) == counts
    # the code still works for its owner, from his own account (bind_home)
    assert bind_home(holder, code=code, password=PASSWORD_OF_FIXTURES) == owners["wang"]


def test_activation_sets_the_password_typed_and_tells_the_new_holder(community, owners, service):
    services.issue_owner_codes(community, actor=service)
    user = activate_account(code=code_of(owners["li"]), mobile="13700000002", password=PASSWORD)
    assert user.check_password(PASSWORD) and user.has_usable_password()
    assert MobileOrUsernameBackend().authenticate(None, username="+86 137-0000-0002",
                                                  password=PASSWORD) == user
    note = Notification.objects.get(recipient=user)
    assert note.community == community and note.title == "您的阳光物业账号已开通"
    assert "137****0002" in note.body and "13700000002" not in note.body
    event = AuditEvent.objects.get(action=AuditEvent.Action.ACTIVATE)
    assert event.actor == user and event.summary.startswith("开户")


def test_a_person_already_linked_cannot_be_activated_again(community, owners, service, owner):
    services.issue_owner_codes(community, actor=service)
    code = code_of(owners["zhao"])
    Person.objects.filter(pk=owners["zhao"].pk).update(user=owner)  # linked meanwhile
    users = User.objects.count()
    with pytest.raises(ActivationError):
        activate_account(code=code, mobile="13700000003", password=PASSWORD)
    assert User.objects.count() == users
    assert not ActivationCode.objects.filter(used_at__isnull=False).exists()


def test_codes_go_only_to_owners_without_accounts_who_have_a_mobile(community, owners, owner,
                                                                     service):
    batch = services.issue_owner_codes(community, actor=service)
    issued = set(ActivationCode.objects.filter(batch=batch).values_list("person__name", flat=True))
    assert issued == {"wang业主", "li业主", "zhao业主"}
    event = AuditEvent.objects.get(action=AuditEvent.Action.ISSUE, object_id=batch)
    assert event.actor == service and "3" in event.summary


def test_codes_for_one_building(community, owners, service):
    six = owners["zhao"].ownerships.get().unit.building
    batch = services.issue_owner_codes(community, actor=service, building=six)
    assert list(ActivationCode.objects.filter(batch=batch).values_list("person__name", flat=True)) \
        == ["zhao业主"]


def test_building_of_another_community_is_refused(community, other_community, owners, service):
    elsewhere = BuildingFactory(community=other_community)
    with pytest.raises(ValidationError):
        services.issue_owner_codes(community, actor=service, building=elsewhere)
    assert not ActivationCode.objects.exists()


def test_wrong_mobile_is_refused_and_creates_nothing(community, owners, service):
    services.issue_owner_codes(community, actor=service)
    users = User.objects.count()
    with pytest.raises(ActivationError) as refused:
        activate_account(code=code_of(owners["wang"]), mobile="13700000002", password=PASSWORD)
    assert "code" in refused.value.message_dict
    assert User.objects.count() == users
    assert ActivationCode.objects.filter(used_at__isnull=False).count() == 0


def test_expired_code_is_refused(community, owners, service):
    services.issue_owner_codes(community, actor=service, valid_days=30)
    code = code_of(owners["li"])
    with time_machine.travel(timezone.now() + dt.timedelta(days=31)), \
            pytest.raises(ActivationError):
        activate_account(code=code, mobile="13700000002", password=PASSWORD)
    owners["li"].refresh_from_db()
    assert owners["li"].user is None


def test_reissuing_revokes_the_earlier_code(community, owners, service):
    services.issue_owner_codes(community, actor=service)
    old = code_of(owners["zhao"])
    services.issue_owner_codes(community, actor=service)
    new = code_of(owners["zhao"])
    assert old != new
    with pytest.raises(ActivationError):
        activate_account(code=old, mobile="13700000003", password=PASSWORD)
    assert activate_account(code=new, mobile="13700000003", password=PASSWORD)


def test_no_owner_left_is_a_clear_error(community, owner, service):
    with pytest.raises(ValidationError, match="没有需要发放激活码的业主"):
        services.issue_owner_codes(community, actor=service)


@pytest.mark.parametrize("persona", ["technician", "finance", "owner", "auditor", "committee"])
def test_staff_without_accounts_issue_are_refused_and_nothing_is_written(
        request, community, owners, persona):
    user = request.getfixturevalue(persona)
    audit_before = AuditEvent.objects.count()
    with pytest.raises(PermissionDenied):
        services.issue_owner_codes(community, actor=user)
    with pytest.raises(PermissionDenied):
        issue_activation_codes(community, list(owners.values()), actor=user)
    with pytest.raises(PermissionDenied):
        services.reveal_activation_batch(community, "0" * 32, actor=user)
    assert not ActivationCode.objects.exists()
    assert AuditEvent.objects.count() == audit_before


def test_manager_of_another_community_cannot_issue_here(community, other_community, owners,
                                                        make_member):
    outsider = make_member(Role.MANAGER, other_community)
    with pytest.raises(PermissionDenied):
        services.issue_owner_codes(community, actor=outsider)
    assert not ActivationCode.objects.exists()


# --- pages -----------------------------------------------------------------------------------------

def test_activation_page_lists_owners_without_accounts(client, community, owners, service):
    client.force_login(service)
    page = client.get(reverse("registry:activation_list"))
    assert page.status_code == 200
    content = page.content.decode()
    assert mask_name("wang业主") in content and "wang业主" not in content
    assert "缺手机号，无法开户" in content
    assert "13700000001" not in content
    assert page.context["stats"]["pending"] == 4
    assert page.context["stats"]["no_mobile"] == 1


def test_issue_and_print_a_batch(client, community, owners, service):
    client.force_login(service)
    response = client.post(reverse("registry:activation_issue"))
    batch = ActivationCode.objects.values_list("batch", flat=True).first()
    assert response.status_code == 302
    assert response["Location"] == reverse("registry:activation_batch", args=[batch])

    page = client.get(response["Location"])
    content = page.content.decode()
    assert page.status_code == 200
    code = code_of(owners["wang"])
    assert f"{code[:5]}-{code[5:]}" in content
    assert "http://testserver/activate/" in content
    assert "<svg" in content and "qrline" in content
    assert "137****0001" in content and "13700000001" not in content
    assert "明强小区" in content
    reveal = AuditEvent.objects.get(action=AuditEvent.Action.REVEAL, object_id=batch)
    assert reveal.actor == service and reveal.object_type == "core.activationcode"


def test_issue_for_one_building_through_the_page(client, community, owners, service):
    client.force_login(service)
    five = owners["wang"].ownerships.get().unit.building
    client.post(reverse("registry:activation_issue"), {"building": five.pk})
    assert set(ActivationCode.objects.values_list("person__name", flat=True)) == \
        {"wang业主", "li业主"}


@pytest.mark.parametrize("persona", ["technician", "owner"])
def test_activation_pages_are_refused(client, request, community, owners, service, persona):
    batch = services.issue_owner_codes(community, actor=service)
    codes = ActivationCode.objects.count()
    client.force_login(request.getfixturevalue(persona))
    assert client.get(reverse("registry:activation_list")).status_code == 403
    assert client.post(reverse("registry:activation_issue")).status_code == 403
    assert client.get(reverse("registry:activation_batch", args=[batch])).status_code == 403
    assert ActivationCode.objects.count() == codes
    assert not AuditEvent.objects.filter(action=AuditEvent.Action.REVEAL).exists()


def test_batch_of_another_community_is_not_found(client, community, other_community, owners,
                                                 service, make_member):
    batch = services.issue_owner_codes(community, actor=service)
    client.force_login(make_member(Role.SERVICE, other_community))
    assert client.get(reverse("registry:activation_batch", args=[batch])).status_code == 404
    assert client.get(reverse("registry:activation_batch", args=["not-a-batch"])).status_code \
        == 404
    assert not AuditEvent.objects.filter(action=AuditEvent.Action.REVEAL).exists()


# --- command line ----------------------------------------------------------------------------------

def test_cli_issues_and_prints_codes(community, owners, service):
    out = io.StringIO()
    call_command("issue_codes", community=community.code, building="5号楼",
                 actor=service.username, stdout=out)
    text = out.getvalue()
    for person in (owners["wang"], owners["li"]):
        code = code_of(person)
        assert f"{code[:5]}-{code[5:]}" in text
    assert "5号楼-1单元-101" in text and "137****0001" in text
    assert ActivationCode.objects.count() == 2


def test_cli_refuses_users_without_the_permission(community, owners, technician):
    with pytest.raises(CommandError, match="没有发放激活码的权限"):
        call_command("issue_codes", community=community.code, actor=technician.username,
                     stdout=io.StringIO())
    assert not ActivationCode.objects.exists()
