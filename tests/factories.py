"""factory-boy factories for the models every test needs."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import factory

from sunlit.core.models import Community, Membership, Organization, Person, User
from sunlit.core.validators import make_id_number
from sunlit.registry.models import Building, Ownership, Residency, Unit, Vehicle


class OrganizationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organization

    name = factory.Sequence(lambda n: f"测试物业公司{n}")


class CommunityFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Community

    organization = factory.SubFactory(OrganizationFactory)
    name = factory.Sequence(lambda n: f"测试小区{n}")
    code = factory.Sequence(lambda n: f"test-{n}")


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    display_name = factory.Sequence(lambda n: f"用户{n}")
    mobile = factory.Sequence(lambda n: f"139{n:08d}")
    password = factory.PostGenerationMethodCall("set_password", "correct-horse-9")

    @factory.post_generation
    def _save(obj, create, extracted, **kwargs):
        if create:
            obj.save()


class PersonFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Person

    community = factory.SubFactory(CommunityFactory)
    name = factory.Sequence(lambda n: f"张{n}三")
    mobile = factory.Sequence(lambda n: f"138{n:08d}")
    id_number = factory.Sequence(lambda n: make_id_number(f"11010119900101{n % 1000:03d}"))


class BuildingFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Building
        django_get_or_create = ("community", "name")

    community = factory.SubFactory(CommunityFactory)
    name = factory.Sequence(lambda n: f"{n + 1}号楼")
    floors = 18


class UnitFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Unit

    building = factory.SubFactory(BuildingFactory)
    community = factory.SelfAttribute("building.community")
    entrance = "1"
    number = factory.Sequence(lambda n: f"{(n % 18) + 1}{(n % 4) + 1:02d}-{n}")
    floor = factory.Sequence(lambda n: (n % 18) + 1)
    area = Decimal("89.50")


class OwnershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Ownership

    unit = factory.SubFactory(UnitFactory)
    community = factory.SelfAttribute("unit.community")
    person = factory.SubFactory(PersonFactory, community=factory.SelfAttribute("..community"))
    share = Decimal("1")
    start = dt.date(2015, 5, 1)


class ResidencyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Residency

    unit = factory.SubFactory(UnitFactory)
    community = factory.SelfAttribute("unit.community")
    person = factory.SubFactory(PersonFactory, community=factory.SelfAttribute("..community"))
    kind = "tenant"
    moved_in = dt.date(2023, 3, 1)


class VehicleFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Vehicle

    person = factory.SubFactory(PersonFactory)
    community = factory.SelfAttribute("person.community")
    plate = factory.Sequence(lambda n: f"京A{n:05d}")


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    user = factory.SubFactory(UserFactory)
    community = factory.SubFactory(CommunityFactory)
    role = "owner"
