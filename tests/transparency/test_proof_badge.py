"""已存证 on the owner's and the staff's pages: which objects get the badge, at what cost."""

from __future__ import annotations

from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from sunlit.registry.services import ownership_registered_event, unit_registered_event
from sunlit.transparency import selectors, services
from sunlit.transparency.models import Log
from tests.factories import OwnershipFactory, UnitFactory


def log_units(community, units, *, sign=True):
    events = []
    for unit in units:
        events.append(unit_registered_event(unit))
        events.extend(ownership_registered_event(o) for o in unit.ownerships.all())
    with transaction.atomic():
        services.record_many(community, events)
    if sign:
        services.sign_checkpoint(Log.objects.get(community=community))


def owner_home(client, user):
    client.force_login(user)
    return client.get(reverse("web:owner_home")).content.decode()


def test_the_owner_sees_the_badge_on_his_logged_unit_and_title(client, community, owner,
                                                               owner_unit):
    log_units(community, [owner_unit])
    html = owner_home(client, owner)

    assert html.count('data-testid="proof-badge"') == 2
    assert 'data-testid="proof-registry.unit"' in html
    assert 'data-testid="proof-registry.ownership"' in html
    log = Log.objects.get(community=community)
    assert f'data-verifier-key="{selectors.verifier_key(log)}"' in html
    assert f'data-origin="{log.origin}"' in html
    bundle = (f"/api/v1/logs/{community.pk}/bundle?subject_type=registry.unit&amp;"
              f"subject_id={owner_unit.pk}")
    assert f'data-bundle-url="{bundle}"' in html and f'href="{bundle}" download=' in html
    assert "sunlit/verify.js" in html and 'id="sunlit-verify-messages"' in html
    assert "下一个检查点签名后" not in html


def test_nothing_logged_no_badge(client, community, owner):
    assert 'data-testid="proof-badge"' not in owner_home(client, owner)


def test_a_record_not_yet_signed_says_when_it_can_be_verified(client, community, owner,
                                                              owner_unit):
    log_units(community, [owner_unit], sign=False)
    html = owner_home(client, owner)
    assert 'data-testid="proof-badge"' in html and "下一个检查点签名后（约一分钟内）即可验证" in html


def test_the_badges_of_a_list_cost_the_same_queries_for_one_home_or_many(client, community,
                                                                         owner, owner_unit):
    log_units(community, [owner_unit])
    person = owner.persons.get()
    client.force_login(owner)
    url = reverse("web:owner_home")
    with CaptureQueriesContext(connection) as one:
        client.get(url)
    more = [UnitFactory(building=owner_unit.building) for _ in range(4)]
    for unit in more:
        OwnershipFactory(unit=unit, person=person)
    log_units(community, more)
    with CaptureQueriesContext(connection) as five:
        html = client.get(url).content.decode()
    assert html.count('data-testid="proof-registry.unit"') == 5
    # households_of prefetches; the badges add two queries for the whole page
    assert len(five.captured_queries) == len(one.captured_queries)


def test_the_staff_unit_page_shows_the_badge_for_the_unit_and_its_owners(client, community,
                                                                         owner_unit, owner,
                                                                         manager):
    log_units(community, [owner_unit])
    client.force_login(manager)
    html = client.get(reverse("registry:unit", args=[owner_unit.pk])).content.decode()
    assert 'data-testid="proof-registry.unit"' in html
    assert 'data-testid="proof-registry.ownership"' in html
    assert "sunlit/verify.js" in html


def test_statuses_are_found_by_type_and_id_within_the_objects_community(community,
                                                                        other_community,
                                                                        owner_unit, owner):
    log_units(community, [owner_unit])
    ownership = owner_unit.ownerships.get()
    stranger = UnitFactory(building__community=other_community)
    statuses = selectors.proof_statuses([owner_unit, ownership, stranger, community])
    assert set(statuses) == {("registry.unit", str(owner_unit.pk)),
                             ("registry.ownership", str(ownership.pk))}
    unit_status = statuses[("registry.unit", str(owner_unit.pk))]
    assert unit_status.leaves == 1 and unit_status.signed
    assert unit_status.origin == "localhost/log/mingqiang"
