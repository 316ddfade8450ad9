"""Memberships: staff appointments are public responsibility, on the log."""

from __future__ import annotations

from sunlit.core.choices import Role
from sunlit.core.services import grant_membership
from sunlit.transparency.models import LogLeaf
from tests.factories import UserFactory


def test_appointing_staff_is_public_responsibility_on_the_log(community):
    worker = UserFactory(display_name="李师傅")
    owner = UserFactory(display_name="王业主")
    before = LogLeaf.objects.filter(community=community).count()
    grant_membership(worker, community, Role.TECHNICIAN, actor=None, job_number="G009", post="水电工")
    grant_membership(owner, community, Role.OWNER, actor=None)
    leaves = list(LogLeaf.objects.filter(community=community).order_by("index"))[before:]
    assert [leaf.event_type for leaf in leaves] == ["community.staff.appointed"]
    assert leaves[0].event["public"] == {"name": "李师傅", "role": "technician",
                                         "job_number": "G009", "post": "水电工"}
    assert "王业主" not in leaves[0].data


def test_the_disclosure_page_shows_each_staff_members_proof(client, community, owner):
    from django.urls import reverse

    worker = UserFactory(display_name="李师傅")
    grant_membership(worker, community, Role.TECHNICIAN, actor=None, job_number="G009")
    client.force_login(owner)
    html = client.get(reverse("board:disclosure")).content.decode()
    assert "李师傅" in html and "proof-core-membership-" in html


def test_the_company_cannot_appoint_the_owners_committee(community, manager, company_admin):
    """A company-made committee member could confirm the company's own changes (docs/security.md:
    owner-side controls): the committee and the supervision group are the owners' to elect."""
    import pytest
    from django.core.exceptions import PermissionDenied

    from sunlit.core.models import Membership

    employee = UserFactory(display_name="物业员工")
    for actor in (manager, company_admin):
        for role in (Role.COMMITTEE, Role.SUPERVISOR):
            with pytest.raises(PermissionDenied):
                grant_membership(employee, community, role, actor=actor)
    assert not Membership.objects.filter(user=employee).exists()
    grant_membership(employee, community, Role.TECHNICIAN, actor=manager)  # staff: as before
