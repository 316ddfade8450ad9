"""Ticket photos: submission and every step with photos refuse uploads the caller may not attach.

Another person's upload, the caller's own in another community, one already attached and an id
that does not exist: 422 on ``photo_ids`` with a Chinese message; no ticket, no step, no photo,
no log leaf (core.uploads.resolve_uploads / attach_errors).
"""

from __future__ import annotations

import pytest

from sunlit.tickets.models import Ticket, TicketEvent
from sunlit.transparency.models import LogLeaf
from tests.factories import attachments_of, hostile_uploads, make_upload

CASES = ["another person's", "another community's", "already attached", "nonexistent"]


@pytest.fixture
def api(client):
    def call(user, path, payload):
        client.force_login(user)
        return client.post(f"/api/v1{path}", payload, content_type="application/json")

    return call


def refused(answer) -> None:
    assert answer.status_code == 422, answer.content
    errors = answer.json()["errors"]
    assert [e["field"] for e in errors] == ["photo_ids"]
    assert any("\u4e00" <= ch <= "\u9fff" for ch in errors[0]["message"])


def counts(ids) -> tuple:
    return (attachments_of(ids), Ticket.objects.count(), TicketEvent.objects.count(),
            LogLeaf.objects.count())


@pytest.mark.parametrize("case", CASES)
def test_submission_refuses_photos_not_the_reporters(api, owner, owner_unit, plumbing, community,
                                                     other_community, case):
    bad = hostile_uploads(community, owner, other_community)
    before = counts(bad.values())
    refused(api(owner, "/tickets", {
        "community_id": community.pk, "kind": "repair", "category_id": plumbing.pk,
        "title": "漏水", "description": "厨房水管漏水", "unit_id": owner_unit.pk,
        "photo_ids": [bad[case]]}))
    assert counts(bad.values()) == before


def test_a_technician_cannot_attach_the_owners_in_home_photo(api, ticket_in, technician,
                                                             technician_member, owner, community):
    """The reported attack: an upload id is not a capability; only its uploader attaches it."""
    ticket = ticket_in("on_site")
    photo = make_upload(community, owner)
    refused(api(technician, f"/tickets/{ticket.pk}/actions/resolve",
                {"note": "已修好", "photo_ids": [photo.pk]}))
    assert attachments_of([photo.pk]) == 0


@pytest.mark.parametrize("case", CASES)
@pytest.mark.parametrize("action,status", [("arrive", "accepted"), ("resolve", "on_site"),
                                           ("suspend", "on_site")])
def test_steps_refuse_photos_not_the_technicians(api, ticket_in, technician, technician_member,
                                                 community, other_community, case, action, status):
    ticket = ticket_in(status)
    bad = hostile_uploads(community, technician, other_community)
    before = counts(bad.values())
    refused(api(technician, f"/tickets/{ticket.pk}/actions/{action}",
                {"note": "现场", "reason": "等配件", "photo_ids": [bad[case]]}))
    assert counts(bad.values()) == before
    assert Ticket.objects.get(pk=ticket.pk).status == status


@pytest.mark.parametrize("case", CASES)
def test_reopening_refuses_photos_not_the_owners(api, ticket_in, owner, community,
                                                 other_community, case):
    ticket = ticket_in("resolved")
    bad = hostile_uploads(community, owner, other_community)
    before = counts(bad.values())
    refused(api(owner, f"/tickets/{ticket.pk}/actions/reopen",
                {"reason": "还在漏", "photo_ids": [bad[case]]}))
    assert counts(bad.values()) == before
