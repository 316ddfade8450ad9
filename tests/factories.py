"""factory-boy factories for the models every test needs."""

from __future__ import annotations

import datetime as dt
import uuid
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


# --- uploads: the cases every attach point must refuse (core.uploads.attach_errors) -----------

def make_upload(community, by, *, kind="image"):
    """A stored-file row (no bytes behind it) uploaded by ``by`` into ``community``."""
    from sunlit.core.models import Upload

    n = Upload.objects.count() + 1
    pdf = kind == "pdf"
    return Upload.objects.create(
        community=community, uploaded_by=by, kind=kind, size=100,
        storage_key=f"test/{community.pk}/{n}-{uuid.uuid4().hex}." + ("pdf" if pdf else "jpg"),
        content_type="application/pdf" if pdf else "image/jpeg", sha256=f"{n:064x}")


def hostile_uploads(community, actor, other_community, *, kind="image") -> dict[str, int]:
    """Upload ids ``actor`` must not be able to attach in ``community``: another person's (a
    neighbour's photo in the same community), his own in another community, his own already
    attached to a record (a ticket's photo), and an id that does not exist."""
    from sunlit.core.models import Upload
    from sunlit.tickets.models import Category, Ticket, TicketPhoto

    neighbour = UserFactory(username=f"neighbour-{Upload.objects.count()}")
    theirs = make_upload(community, neighbour, kind=kind)
    elsewhere = make_upload(other_community, actor, kind=kind)
    attached = make_upload(community, actor, kind=kind)
    category = Category.objects.get_or_create(community=community, name="附件测试",
                                              defaults={"kind": "repair"})[0]
    ticket = Ticket.objects.create(community=community, number=f"BX-ATTACH-{attached.pk}",
                                   kind="repair", category=category, priority="normal",
                                   title="t", description="d")
    TicketPhoto.objects.create(community=community, ticket=ticket, upload=attached, position=0)
    missing = (Upload.objects.order_by("-pk").values_list("pk", flat=True).first() or 0) + 1000
    return {"another person's": theirs.pk, "another community's": elsewhere.pk,
            "already attached": attached.pk, "nonexistent": missing}


def attachments_of(upload_ids) -> int:
    """How many rows of any model point to these uploads (an attach adds one)."""
    from sunlit.core.models import Upload

    total = 0
    for relation in Upload._meta.get_fields(include_hidden=True):
        if relation.auto_created and not relation.concrete and relation.is_relation:
            name = relation.field.name
            total += relation.related_model._base_manager.filter(
                **{f"{name}__in": list(upload_ids)}).count()
    return total
