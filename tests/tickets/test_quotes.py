"""Quotes for chargeable in-home repairs, materials and time used, photos at each step."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from sunlit.core.models import Upload
from sunlit.tickets import services
from sunlit.tickets.choices import QuoteStatus, TicketStatus
from sunlit.tickets.models import MaterialUse, Quote, Ticket, TicketPhoto
from sunlit.transparency.models import LogLeaf
from tests.tickets.conftest import MORNING

LATER = MORNING + dt.timedelta(minutes=30)


@pytest.fixture
def on_site(ticket_in):
    return ticket_in("on_site")


@pytest.fixture
def upload(community):
    def make(user, n=1, *, community_=None):
        return [Upload.objects.create(community=community_ or community, uploaded_by=user,
                                      storage_key=f"test/{user.pk}/{i}-{Upload.objects.count()}.jpg",
                                      content_type="image/jpeg", size=100, sha256=f"{i:064x}")
                for i in range(n)]
    return make


def test_technician_quotes_and_owner_accepts(on_site, technician, owner):
    quote = services.propose_quote(on_site, actor=technician, amount="120.50", now=LATER,
                                   items=[{"name": "角阀", "amount": "35.50"},
                                          {"name": "人工", "amount": "85"}])
    assert quote.status == QuoteStatus.PENDING and quote.amount == Decimal("120.50")
    assert Ticket.objects.get(pk=on_site.pk).is_chargeable
    with pytest.raises(ValidationError):  # cannot finish while the owner has not decided
        services.resolve_ticket(on_site, actor=technician, now=LATER)
    services.accept_quote(quote, actor=owner, now=LATER)
    assert Quote.objects.get(pk=quote.pk).status == QuoteStatus.ACCEPTED
    ticket = services.resolve_ticket(on_site, actor=technician, now=LATER, labor_minutes=40,
                                      materials=[{"name": "角阀", "quantity": "1", "unit": "个",
                                                  "unit_price": "35.50"}])
    assert ticket.status == TicketStatus.RESOLVED and ticket.labor_minutes == 40
    material = MaterialUse.objects.get(ticket=ticket)
    assert material.unit_price == Decimal("35.50") and material.event.action == "resolve"
    types = list(LogLeaf.objects.filter(community=ticket.community).values_list("event_type", flat=True))
    assert "tickets.quote.proposed" in types and "tickets.quote.decided" in types


def test_a_new_quote_supersedes_the_pending_one(on_site, technician, owner):
    first = services.propose_quote(on_site, actor=technician, amount="100", now=LATER)
    second = services.propose_quote(on_site, actor=technician, amount="80", now=LATER)
    assert Quote.objects.get(pk=first.pk).status == QuoteStatus.SUPERSEDED
    with pytest.raises(ValidationError):
        services.accept_quote(first, actor=owner, now=LATER)
    services.reject_quote(second, actor=owner, note="太贵了", now=LATER)
    # rejected: the technician may finish without charging
    with pytest.raises(ValidationError):
        services.resolve_ticket(on_site, actor=technician, now=LATER,
                                materials=[{"name": "角阀", "quantity": "1", "unit_price": "35"}])
    ticket = services.resolve_ticket(on_site, actor=technician, now=LATER,
                                     materials=[{"name": "生料带", "quantity": "0.5", "unit": "卷"}])
    assert ticket.status == TicketStatus.RESOLVED


@pytest.mark.parametrize(("amount", "items"), [
    ("-1", None), ("0", None), ("12.345", None), ("abc", None), (1.5, None), ("1e3", None),
    ("100000000", None), ("NaN", None),
    ("10", [{"name": "a", "amount": "3"}]), ("10", "not a list"), ("10", [{"amount": "10"}]),
])
def test_bad_quotes_are_refused_and_change_nothing(on_site, technician, amount, items):
    with pytest.raises(ValidationError):
        services.propose_quote(on_site, actor=technician, amount=amount, items=items, now=LATER)
    assert not Quote.objects.exists() and not Ticket.objects.get(pk=on_site.pk).is_chargeable


def test_only_the_worker_quotes_and_only_the_reporter_decides(on_site, owner, neighbour, technician,
                                                              service):
    with pytest.raises(PermissionDenied):
        services.propose_quote(on_site, actor=owner, amount="10", now=LATER)
    quote = services.propose_quote(on_site, actor=technician, amount="10", now=LATER)
    with pytest.raises(PermissionDenied):
        services.accept_quote(quote, actor=neighbour, now=LATER)
    with pytest.raises(PermissionDenied):
        services.accept_quote(quote, actor=technician, now=LATER)
    # a charge is the owner's own decision: customer service never accepts or declines it for
    # him, not even "on his word by phone" (docs/security.md, rule a)
    for verb in (services.accept_quote, services.reject_quote):
        with pytest.raises(PermissionDenied):
            verb(quote, actor=service, note="业主电话确认", now=LATER)
    assert Quote.objects.get(pk=quote.pk).status == "pending"
    services.accept_quote(quote, actor=owner, now=LATER)


def test_complaints_and_common_areas_are_not_quoted(ticket_in, technician, community):
    ticket = ticket_in("on_site", unit=None, location_text="3号楼大堂")
    with pytest.raises(ValidationError):
        services.propose_quote(ticket, actor=technician, amount="10", now=LATER)


@pytest.mark.parametrize(("materials", "labor"), [
    ([{"name": "", "quantity": "1"}], None),
    ([{"name": "阀", "quantity": "0"}], None),
    ([{"name": "阀", "quantity": "1.234"}], None),
    ("阀门", None),
    ([["阀", 1]], None),
    ([{"name": "阀", "quantity": "1"}] * 31, None),
    (None, -5), (None, "40"), (None, 10 ** 7),
])
def test_bad_materials_or_time_refuse_the_resolution(on_site, technician, materials, labor):
    with pytest.raises(ValidationError):
        services.resolve_ticket(on_site, actor=technician, now=LATER, materials=materials,
                                labor_minutes=labor)
    assert Ticket.objects.get(pk=on_site.pk).status == TicketStatus.ON_SITE
    assert not MaterialUse.objects.exists()


def test_photos_attach_to_submission(submit, owner, upload):
    photos = upload(owner, 3)
    ticket = submit(photos=photos)
    assert ticket.photo_count == 3
    assert list(TicketPhoto.objects.filter(ticket=ticket).values_list("upload_id", flat=True)) == [
        p.pk for p in photos]
    leaf = LogLeaf.objects.filter(event_type="tickets.ticket.submitted").latest("pk")
    assert leaf.event["public"]["photos"] == [p.sha256 for p in photos]


def test_resolution_photos_belong_to_the_resolve_step(on_site, technician, upload):
    photos = upload(technician, 2)
    ticket = services.resolve_ticket(on_site, actor=technician, photos=photos, now=LATER)
    event = ticket.events.get(action="resolve")
    assert set(event.photos.values_list("upload_id", flat=True)) == {p.pk for p in photos}


def test_photo_rules(submit, owner, neighbour, upload, other_community):
    with pytest.raises(ValidationError):
        submit(photos=upload(owner, 10))
    with pytest.raises(ValidationError):  # somebody else's upload
        submit(photos=upload(neighbour, 1))
    with pytest.raises(ValidationError):  # another community's upload
        submit(photos=upload(owner, 1, community_=other_community))
    used = upload(owner, 1)
    submit(photos=used, idempotency_key="first")
    with pytest.raises(ValidationError):  # already on a ticket
        submit(photos=used, idempotency_key="second")
    assert Ticket.objects.count() == 1
