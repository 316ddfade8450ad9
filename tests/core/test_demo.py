"""The demo data set: deterministic, idempotent, realistic, and every role can log in."""

from collections import Counter
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import connection, transaction
from django.urls import reverse

from sunlit.core import crypto
from sunlit.core.choices import PersonKind, Role
from sunlit.core.demo import DemoCast
from sunlit.core.models import AuditEvent, Community, Membership, Person, User
from sunlit.core.validators import MOBILE_RE, validate_id_number, validate_plate
from sunlit.demo import (
    ACCOUNT_SPECS,
    DEMO_PASSWORD,
    PLATFORM_ADMIN,
    DemoConflict,
    fingerprint,
    load_demo,
)
from sunlit.registry.choices import DeliveryStatus, ResidentKind, UnitUsage, VehicleKind
from sunlit.registry.models import Ownership, Residency, Unit, Vehicle
from sunlit.registry.selectors import households_of
from tests.factories import CommunityFactory, UnitFactory

pytestmark = pytest.mark.django_db

UNITS = 200


def _load_and_forget(**kwargs):
    """Loads into the empty database, fingerprints it, then rolls it all back."""
    with transaction.atomic():
        result = load_demo(**kwargs)
        community = Community.objects.get(code="mingqiang")
        seen = (fingerprint(community), result.communities[0], result.accounts)
        transaction.set_rollback(True)
    assert not Community.objects.exists()
    return seen


def _counts():
    return {model.__name__: model.objects.count()
            for model in (Community, Unit, Person, Ownership, Residency, Vehicle, User, Membership,
                          AuditEvent)}


def test_same_seed_gives_the_same_data_and_another_seed_does_not():
    first = _load_and_forget(units=UNITS)
    again = _load_and_forget(units=UNITS)
    other = _load_and_forget(units=UNITS, seed=7)

    assert again == first
    assert other[0] != first[0]


def test_more_communities_leave_the_first_one_unchanged():
    alone = _load_and_forget(units=UNITS)
    with_others = _load_and_forget(units=UNITS, communities=2)
    assert with_others[0] == alone[0]


def test_loading_again_creates_nothing():
    first = load_demo(units=UNITS)
    before = _counts()

    second = load_demo(units=UNITS)

    assert first.created and not second.created
    assert second.units_created == 0
    assert _counts() == before
    assert second.accounts == first.accounts
    assert second.communities[0].units == UNITS


def test_every_role_has_an_account_that_logs_in_with_the_printed_password(client):
    result = load_demo(units=UNITS)
    community = Community.objects.get(code="mingqiang")

    assert {a.role for a in result.accounts} == {*Role.values, PLATFORM_ADMIN}
    for account in result.accounts:
        response = client.post(reverse("web:login"),
                               {"username": account.username, "password": result.password})
        assert response.status_code == 302, account.username
        client.logout()
        user = User.objects.get(username=account.username)
        if account.role == PLATFORM_ADMIN:
            assert user.is_superuser and user.is_staff
        else:
            membership = Membership.objects.get(user=user, community=community)
            assert membership.role == account.role
            assert not user.is_superuser
            if membership.is_staff_role:
                assert membership.department is not None and membership.job_number
    assert result.password == DEMO_PASSWORD
    assert len(result.accounts) == len(ACCOUNT_SPECS)
    # a year replayed in one go, read as somebody who used it would have: a few new ones each
    from sunlit.notices.demo import UNREAD_KEPT
    from sunlit.notices.models import Notification

    unread = Counter(Notification.objects.filter(read_at__isnull=True)
                     .values_list("recipient__username", flat=True))
    assert unread["demo-owner"] >= 1 and max(unread.values()) <= UNREAD_KEPT
    assert Notification.objects.filter(read_at__isnull=False).exists()


def test_demo_owner_logs_in_by_mobile_and_sees_two_homes_with_family_and_car(client):
    result = load_demo(units=UNITS)
    owner = next(a for a in result.accounts if a.role == Role.OWNER)
    assert MOBILE_RE.match(owner.mobile)

    response = client.post(reverse("web:login"),
                           {"username": owner.mobile, "password": DEMO_PASSWORD})
    assert response.status_code == 302

    user = User.objects.get(username="demo-owner")
    person = Person.objects.get(user=user)
    owned = Ownership.objects.current().filter(person=person)
    assert owned.count() == 2
    flat = owned.get(unit__usage=UnitUsage.RESIDENTIAL).unit
    assert Ownership.objects.current().filter(unit=flat).count() == 2  # shared with his wife
    homes = {h.unit.pk: h for h in households_of(user)}
    assert set(homes) == set(owned.values_list("unit_id", flat=True))
    assert {r.kind for r in homes[flat.pk].residents} == {ResidentKind.FAMILY}
    assert Vehicle.objects.filter(person=person, unit=flat).exists()


def test_demo_resident_is_a_tenant_of_the_roster():
    load_demo(units=UNITS)
    person = Person.objects.get(user__username="demo-resident")
    residency = Residency.objects.current().get(person=person)
    assert residency.kind == ResidentKind.TENANT
    assert not Ownership.objects.filter(person=person).exists()
    for username in ("demo-committee", "demo-supervisor"):
        assert Ownership.objects.current().filter(person__user__username=username).exists()


def test_the_roster_has_the_mix_of_a_real_community():
    result = load_demo(units=UNITS)
    summary = result.communities[0]
    community = Community.objects.get(code="mingqiang")
    units = Unit.objects.in_community(community)
    current = Ownership.objects.in_community(community).current()

    assert units.count() == UNITS == summary.units
    assert units.filter(usage=UnitUsage.COMMERCIAL).exists()
    assert units.filter(usage=UnitUsage.PARKING).exists()
    flats = units.filter(usage=UnitUsage.RESIDENTIAL)
    for area in flats.values_list("area", flat=True):
        assert Decimal("60") <= area <= Decimal("140")
        assert area == area.quantize(Decimal("0.01"))
    assert units.filter(area__lte=0).count() == 0

    unsold = units.filter(delivery_status=DeliveryStatus.UNSOLD)
    assert unsold.exists()
    assert set(current.filter(unit__in=unsold).values_list("person__kind", flat=True)) == {
        PersonKind.DEVELOPER}
    assert set(current.filter(unit__in=unsold).values_list("person__name", flat=True)) == {
        "明强置业有限公司"}

    shares: dict[int, Decimal] = {}
    owners_per_unit = Counter()
    units_per_owner = Counter()
    for unit_id, person_id, share in current.values_list("unit_id", "person_id", "share"):
        shares[unit_id] = shares.get(unit_id, Decimal("0")) + share
        owners_per_unit[unit_id] += 1
        units_per_owner[person_id] += 1
    sold = units.exclude(delivery_status=DeliveryStatus.UNSOLD)
    assert set(shares) == set(units.values_list("id", flat=True))  # every unit has an owner
    assert all(total <= 1 for total in shares.values())
    assert sum(1 for n in owners_per_unit.values() if n >= 2) >= sold.count() * 0.04
    assert sum(1 for n in units_per_owner.values() if n >= 2) >= 5
    assert Ownership.objects.in_community(community).filter(end__isnull=False).exists()

    residents = Residency.objects.in_community(community)
    assert residents.current().filter(kind=ResidentKind.TENANT).exists()
    assert residents.current().filter(kind=ResidentKind.FAMILY).exists()

    plates = list(Vehicle.objects.in_community(community).values_list("plate", "kind"))
    assert len(plates) == round(UNITS / 3)
    for plate, kind in plates:
        assert validate_plate(plate) == plate
        assert kind == (VehicleKind.NEW_ENERGY if len(plate) == 8 else VehicleKind.CAR)


def test_personal_data_is_valid_encrypted_and_findable_by_blind_index():
    load_demo(units=UNITS)
    people = list(Person.objects.filter(kind=PersonKind.NATURAL))
    assert people
    for person in people:
        assert validate_id_number(person.id_number) == person.id_number
        assert person.mobile == "" or MOBILE_RE.match(person.mobile)
    sample = next(p for p in people if p.mobile)
    assert Person.objects.get(mobile_index=crypto.blind_index(sample.mobile, purpose="mobile")) \
        == sample
    assert Person.objects.get(id_index=crypto.blind_index(sample.id_number, purpose="id")) == sample
    with connection.cursor() as cursor:
        cursor.execute("SELECT mobile, id_number FROM core_person WHERE id = %s", [sample.pk])
        stored = cursor.fetchone()
    assert all(value.startswith("v1:") for value in stored)
    assert sample.mobile not in stored[0] and sample.id_number not in stored[1]


def test_more_communities_are_added_with_unique_codes_and_the_company_admin_in_each():
    result = load_demo(units=100, communities=3)
    codes = [c.code for c in result.communities]
    assert len(set(codes)) == 3 and codes[0] == "mingqiang"
    assert [c.units for c in result.communities] == [100, 100, 100]
    admin = User.objects.get(username="demo-company-admin")
    assert Membership.objects.filter(user=admin, role=Role.COMPANY_ADMIN).count() == 3


def test_rows_already_in_the_database_keep_their_ids():
    existing = UnitFactory()
    load_demo(units=100)
    existing.refresh_from_db()
    assert Unit.objects.filter(pk=existing.pk).count() == 1
    assert Unit.objects.count() == 101


def test_a_community_code_used_by_real_data_is_left_alone():
    CommunityFactory(code="mingqiang", name="真实小区")
    with pytest.raises(DemoConflict):
        load_demo(units=100)
    assert not Unit.objects.exists()
    assert not User.objects.filter(username__startswith="demo-").exists()


def test_next_to_real_data_the_demo_adds_no_platform_admin_and_says_so():
    CommunityFactory(code="real-one")
    result = load_demo(units=100)
    assert result.warnings
    assert not User.objects.filter(username="demo-admin").exists()
    assert User.objects.filter(username="demo-owner").exists()


def test_demo_command_loads_and_prints_the_accounts():
    out = StringIO()
    call_command("demo", "--load-only", "--units", "100", stdout=out)
    text = out.getvalue()
    assert Unit.objects.count() == 200  # two communities: the company view compares them
    assert set(Community.objects.values_list("code", flat=True)) == {"mingqiang", "mingqiang-2"}
    assert "演示数据已载入" in text
    assert DEMO_PASSWORD in text
    for spec in ACCOUNT_SPECS:
        assert spec.username in text

    again = StringIO()
    call_command("demo", "--load-only", "--units", "100", stdout=again)
    assert "演示数据已存在" in again.getvalue()
    assert Unit.objects.count() == 200


def test_demo_command_refuses_too_few_units():
    with pytest.raises(CommandError):
        call_command("demo", "--load-only", "--units", "10")


def test_one_cast_is_looked_up_once_and_handed_to_every_app(monkeypatch):
    """Every app's demo acts as the cast the orchestrator built: none looks people up itself
    (an app given no cast would build its own, a second call here)."""
    built = []
    real = DemoCast.of
    monkeypatch.setattr(DemoCast, "of", classmethod(lambda cls, c: built.append(real(c)) or built[-1]))
    load_demo(units=UNITS)
    assert len(built) == 1
    cast = built[0]
    assert cast.community.code == "mingqiang"
    assert (cast.owner.username, cast.service.username, cast.dispatcher.username,
            cast.manager.username, cast.technician.user.username) == (
        "demo-owner", "demo-service", "demo-dispatcher", "demo-manager", "demo-technician")
    # the roster's staff were hired first: they lead their roles (and sign what the log carries)
    assert cast.lead(Role.FINANCE).username.startswith("mingqiang-")
    assert cast.lead(Role.COMMITTEE).username == "demo-committee"
    assert cast.owner_here() == cast.owner


def test_a_cast_for_a_small_community_has_what_it_has():
    community = CommunityFactory()
    cast = DemoCast.of(community)
    assert cast.lead(Role.MANAGER) is None and cast.owner is None and cast.owner_here() is None
