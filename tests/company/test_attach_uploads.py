"""The committee's filing takes only the administrator's own upload in that community, once
(core.uploads): another person's, his own in another community, one already attached and an id
that does not exist — 422 naming the field, a Chinese message, no filing, nothing attached, no
log leaf, no activation code."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal

import pytest

from sunlit.company.models import CommitteeFiling
from sunlit.company.onboarding import services
from sunlit.company.services import open_company
from sunlit.core.models import ActivationCode
from sunlit.registry.models import Building
from sunlit.transparency.models import LogLeaf
from tests.factories import (
    OwnershipFactory,
    PersonFactory,
    UnitFactory,
    attachments_of,
    hostile_uploads,
)

CASES = ["another person's", "another community's", "already attached", "nonexistent"]


@pytest.mark.parametrize("case", CASES)
def test_the_filing_refuses_uploads_not_the_admins(client, other_community, case):
    admin = open_company(name="晨光物业管理有限公司", admin_username="cg", admin_name="周海",
                         job_number="CG001", password="Sunlit-2026-admin").user
    community = services.start_community(admin, name="晨光家园", code="chenguang-1")
    building = Building.objects.create(community=community, name="1号楼", floors=6)
    unit = UnitFactory(community=community, building=building, number="101", floor=1,
                       area=Decimal("80"))
    person = PersonFactory(community=community, name="王建国", mobile="13900000001")
    OwnershipFactory(unit=unit, person=person, start=dt.date(2020, 1, 1))
    bad = hostile_uploads(community, admin, other_community, kind="pdf")
    before = (attachments_of(bad.values()), LogLeaf.objects.count(), ActivationCode.objects.count())
    client.force_login(admin)
    answer = client.post(f"/api/v1/company/communities/{community.pk}/committee", json.dumps({
        "authority": "晨光街道办事处", "number": "3号", "filed_on": "2026-11-20",
        "document_id": bad[case], "member_ids": [person.pk]}), content_type="application/json")
    assert answer.status_code == 422, answer.content
    errors = answer.json()["errors"]
    assert [e["field"] for e in errors] == ["document_id"]
    assert any("\u4e00" <= ch <= "\u9fff" for ch in errors[0]["message"])
    assert not CommitteeFiling.objects.exists()
    assert (attachments_of(bad.values()), LogLeaf.objects.count(),
            ActivationCode.objects.count()) == before
