"""Binding a home to an existing account (绑定新房屋): only the holder, with his own password, for
a roster person that carries his mobile number; notified and audited; refusals change nothing.
Staff edits of a linked person's mobile never move the link."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from sunlit.core.choices import Role
from sunlit.core.models import ActivationCode, AuditEvent, Membership, Person
from sunlit.core.permissions import role_map
from sunlit.core.services import (
    ActivationError,
    bind_home,
    issue_activation_codes,
    update_person,
)
from sunlit.notices.choices import DeliveryChannel
from sunlit.notices.models import Delivery, Notification
from tests.conftest import PASSWORD
from tests.factories import OwnershipFactory, UnitFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def service_b(make_member, other_community):
    return make_member(Role.SERVICE, other_community, username="service_b", display_name="客服小林")


@pytest.fixture
def home_b(other_community, owner):
    """A unit in 远景小区 whose roster owner carries the mobile number of ``owner``'s account."""
    unit = UnitFactory(building__community=other_community, building__name="8号楼", number="808")
    return OwnershipFactory(unit=unit, person__community=other_community, person__name="王小明",
                            person__mobile=owner.mobile).person


def issue(person, actor) -> str:
    issue_activation_codes(person.community, [person], actor=actor)
    return ActivationCode.objects.usable(timezone.now()).get(person=person).code


def snapshot():
    return {
        "links": dict(Person.objects.values_list("pk", "user_id")),
        "memberships": list(Membership.objects.values_list("user_id", "community_id", "role",
                                                           "is_active").order_by("pk")),
        "used": ActivationCode.objects.filter(used_at__isnull=False).count(),
        "audit": AuditEvent.objects.count(),
        "notifications": Notification.objects.count(),
    }


def test_owner_binds_a_home_in_another_community(owner, home_b, service_b, other_community,
                                                 settings, django_capture_on_commit_callbacks):
    settings.SUNLIT_SMS_BACKEND = "log"
    code = issue(home_b, service_b)

    with django_capture_on_commit_callbacks(execute=True):
        person = bind_home(owner, code=f"{code[:5]}-{code[5:]}".lower(), password=PASSWORD)

    assert person == home_b
    home_b.refresh_from_db()
    assert home_b.user == owner
    assert Membership.objects.get(user=owner, community=other_community).role == Role.OWNER
    assert other_community.pk in role_map(owner)
    record = ActivationCode.objects.get(person=home_b)
    assert record.used_at is not None and record.user == owner
    event = AuditEvent.objects.get(action=AuditEvent.Action.ACTIVATE)
    assert event.actor == owner and event.community == other_community
    assert event.summary.startswith("绑定房屋")
    note = Notification.objects.get(recipient=owner, community=other_community)
    assert note.title == "您的账号已绑定新房屋" and "远景小区" in note.body and note.url == "/me/"
    channels = set(Delivery.objects.filter(notification=note).values_list("channel", flat=True))
    assert {DeliveryChannel.EMAIL, DeliveryChannel.SMS} <= channels


def test_a_second_home_in_the_same_community_keeps_one_membership(owner, community, service):
    unit = UnitFactory(building__community=community, number="1202")
    second = OwnershipFactory(unit=unit, person__community=community,
                              person__mobile=owner.mobile).person
    code = issue(second, service)
    bind_home(owner, code=code, password=PASSWORD)
    second.refresh_from_db()
    assert second.user == owner
    assert Membership.objects.filter(user=owner, community=community).count() == 1


def test_a_resident_s_code_gives_the_resident_role(owner, other_community, service_b):
    from tests.factories import ResidencyFactory

    tenant = ResidencyFactory(unit=UnitFactory(building__community=other_community),
                              person__community=other_community,
                              person__mobile=owner.mobile).person
    bind_home(owner, code=issue(tenant, service_b), password=PASSWORD)
    assert Membership.objects.get(user=owner, community=other_community).role == Role.RESIDENT


def test_a_deactivated_membership_comes_back(owner, home_b, service_b, other_community):
    Membership.objects.create(user=owner, community=other_community, role=Role.OWNER,
                              is_active=False)
    bind_home(owner, code=issue(home_b, service_b), password=PASSWORD)
    assert Membership.objects.get(user=owner, community=other_community).is_active


@pytest.mark.parametrize("case", ["wrong_password", "empty_password", "typo", "other_mobile",
                                  "expired", "used", "linked_elsewhere", "no_mobile",
                                  "already_mine", "own_code"])
def test_refusals_change_nothing(case, owner, home_b, service_b, make_member, other_community):
    code, password, user = issue(home_b, service_b), PASSWORD, owner
    if case == "wrong_password":
        password = "not-my-password"
    elif case == "empty_password":
        password = ""
    elif case == "typo":
        code = code[:-1] + ("A" if code[-1] != "A" else "B")
    elif case == "other_mobile":
        Person.objects.filter(pk=home_b.pk).update(mobile="13911112222")
    elif case == "used":
        ActivationCode.objects.filter(person=home_b).update(used_at=timezone.now())
    elif case == "linked_elsewhere":
        Person.objects.filter(pk=home_b.pk).update(user=UserFactory())
    elif case == "no_mobile":
        type(owner).objects.filter(pk=owner.pk).update(mobile="", mobile_index=None)
        owner.refresh_from_db()
    elif case == "already_mine":
        Person.objects.filter(pk=home_b.pk).update(user=owner)
    elif case == "own_code":
        user = service_b
        type(user).objects.filter(pk=user.pk).update(mobile=owner.mobile, mobile_index=None)
        type(owner).objects.filter(pk=owner.pk).update(mobile="13911113333", mobile_index=None)
        user.refresh_from_db()
        user.save()  # recompute the blind index
    before = snapshot()
    travel = timezone.now() + dt.timedelta(days=31 if case == "expired" else 0)
    with time_machine.travel(travel), pytest.raises(ActivationError) as refused:
        bind_home(user, code=code, password=password)
    field = "password" if case.endswith("password") else "code"
    assert field in refused.value.message_dict
    assert snapshot() == before


def test_anonymous_cannot_bind(home_b, service_b):
    from django.contrib.auth.models import AnonymousUser

    code = issue(home_b, service_b)
    with pytest.raises(PermissionDenied):
        bind_home(AnonymousUser(), code=code, password=PASSWORD)
    assert not ActivationCode.objects.filter(used_at__isnull=False).exists()


def test_staff_cannot_put_an_owner_s_home_on_another_account(owner, home_b, service_b,
                                                             other_community):
    """Issue 12, reversed: a 客服 points the roster at his own account. The code's person must
    carry the mobile of the account that binds; a code he printed himself he cannot use."""
    code = issue(home_b, service_b)
    before = snapshot()
    with pytest.raises(ActivationError):  # the roster person has the owner's mobile, not his
        bind_home(service_b, code=code, password=PASSWORD)
    assert snapshot() == before
    update_person(home_b, actor=service_b, name=home_b.name, mobile=service_b.mobile)
    code = issue(home_b, service_b)
    before = snapshot()
    with pytest.raises(ActivationError, match="本人发放"):
        bind_home(service_b, code=code, password=PASSWORD)
    assert snapshot() == before


def test_staff_edit_of_a_linked_person_s_mobile_never_moves_the_link(
        owner, community, service, make_member, django_capture_on_commit_callbacks):
    linked = Person.objects.get(user=owner)
    other = make_member(Role.OWNER, username="other")
    with django_capture_on_commit_callbacks(execute=True):
        update_person(linked, actor=service, name=linked.name, mobile=other.mobile)
    linked.refresh_from_db()
    assert linked.user == owner and linked.mobile == other.mobile
    owner.refresh_from_db()
    assert owner.mobile != other.mobile  # the login number of the account is untouched
    note = Notification.objects.get(recipient=owner)
    assert note.title == "物业修改了您登记的手机号" and "客服小陈" in note.body
    assert other.mobile not in note.body
    # no code is ever printed for a linked person, so the new number cannot take it over
    issue_activation_codes(community, [linked], actor=service)
    assert not ActivationCode.objects.filter(person=linked).exists()
    assert not Notification.objects.filter(recipient=other).exists()
