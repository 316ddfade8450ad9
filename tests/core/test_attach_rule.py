"""One rule for attaching an upload (core.uploads.attach_errors / resolve_uploads).

An upload is attached only by the user who uploaded it, in the community it went to, as a kind
the purpose takes, and once. The two inventories below make the next attach point prove itself:
a new foreign key to ``Upload`` or a new API field taking upload ids fails here until it is
listed with the test that tries it with hostile ids.
"""

from __future__ import annotations

import re

import pytest
from django.core.exceptions import ValidationError

from sunlit.core import uploads
from sunlit.core.models import Upload
from tests.factories import UserFactory, hostile_uploads, make_upload

#: every relation to Upload → the purpose its services check and the test that attacks it
RELATIONS = {
    "tickets.ticketphoto.upload": ("ticket_photo", "tests/tickets/test_attach_uploads.py"),
    "governance.proposal.photos": ("proposal_photo", "tests/governance/test_attach_uploads.py"),
    "governance.ballot.scan": ("ballot_scan", "tests/governance/test_attach_uploads.py"),
    "governance.ballot.authorisation": ("ballot_authorisation",
                                        "tests/governance/test_attach_uploads.py"),
    "governance.votedocument.upload": ("vote_document", "tests/governance/test_attach_uploads.py"),
    "governance.consultationdocument.upload": ("consultation_document",
                                               "tests/governance/test_attach_uploads.py"),
    "governance.meeting.minutes_document": ("minutes_document",
                                            "tests/governance/test_attach_uploads.py"),
    "finance.publicincome.receipts": ("money_receipt", "tests/finance/test_attach_uploads.py"),
    "finance.expense.receipts": ("money_receipt", "tests/finance/test_attach_uploads.py"),
    "finance.funduse.documents": ("fund_document", "tests/finance/test_attach_uploads.py"),
    "company.committeefiling.document": ("committee_filing",
                                         "tests/company/test_attach_uploads.py"),
}

#: every API operation whose body takes upload ids → (field names), all tried with hostile ids
API_FIELDS = {
    ("post", "/api/v1/tickets"): {"photo_ids"},
    ("post", "/api/v1/tickets/{ticket_id}/actions/{action}"): {"photo_ids"},
    ("post", "/api/v1/communities/{community_id}/proposals"): {"photo_ids"},
    ("post", "/api/v1/votes/{vote_id}/entered-ballots"): {"scan_id", "authorisation_id"},
    ("post", "/api/v1/meetings/{meeting_id}/minutes"): {"document_id"},
    ("post", "/api/v1/consultations/{consultation_id}/documents"): {"upload_id"},
    ("post", "/api/v1/finance/communities/{community_id}/public-income"): {"receipt_ids"},
    ("post", "/api/v1/finance/communities/{community_id}/expenses"): {"receipt_ids"},
    ("post", "/api/v1/finance/communities/{community_id}/fund/uses"): {"document_ids"},
    ("post", "/api/v1/company/communities/{community_id}/committee"): {"document_id"},
}
UPLOAD_FIELD = re.compile(r"^(?:\w+_)?(?:photo|scan|authorisation|document|upload|receipt|file|"
                          r"attachment|image)s?_ids?$")


def test_every_relation_to_an_upload_is_an_attach_point_with_its_test():
    found = set()
    for relation in Upload._meta.get_fields(include_hidden=True):
        if (relation.auto_created and not relation.concrete and relation.is_relation
                and not relation.related_model._meta.auto_created):  # not the m2m tables
            found.add(f"{relation.related_model._meta.label_lower}.{relation.field.name}")
    assert found == set(RELATIONS), "a new relation to Upload: attach it through core.uploads " \
                                    "and list it here with its test"
    assert {purpose for purpose, _test in RELATIONS.values()} == set(uploads.PURPOSES)


def _body_fields(schema: dict, operation: dict) -> set[str]:
    content = operation.get("requestBody", {}).get("content", {})
    names = set()
    for media in content.values():
        ref = media.get("schema", {})
        stack = [ref]
        while stack:
            node = stack.pop()
            if "$ref" in node:
                node = schema["components"]["schemas"][node["$ref"].rsplit("/", 1)[-1]]
            names |= set(node.get("properties", {}))
            stack.extend(node.get("allOf", []) + node.get("anyOf", []))
    return names


def test_every_api_field_taking_upload_ids_is_listed():
    from sunlit.api.site import api

    schema = api.get_openapi_schema(path_prefix="/api/")
    seen = {}
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            fields = {f for f in _body_fields(schema, operation) if UPLOAD_FIELD.match(f)}
            if fields:
                seen[(method, path.replace("/apiv1/", "/api/v1/"))] = fields
    assert seen == API_FIELDS


# --- the rule -------------------------------------------------------------------------------


def test_the_uploader_attaches_his_own_upload_once(community, owner):
    mine = make_upload(community, owner)
    assert uploads.resolve_uploads(owner, [mine.pk], community=community,
                                   purpose=uploads.TICKET_PHOTO, field="photo_ids") == [mine]
    assert uploads.attach_errors(owner, [mine], community=community,
                                 purpose=uploads.TICKET_PHOTO) == []


@pytest.mark.parametrize("case", ["another person's", "another community's", "already attached",
                                  "nonexistent"])
def test_everything_else_is_refused_with_the_field_named(community, other_community, owner, case):
    ids = hostile_uploads(community, owner, other_community)
    with pytest.raises(ValidationError) as exc:
        uploads.resolve_uploads(owner, [ids[case]], community=community,
                                purpose=uploads.TICKET_PHOTO, field="photo_ids")
    assert list(exc.value.message_dict) == ["photo_ids"]
    row = Upload.objects.filter(pk=ids[case]).first()
    if row is not None:
        assert uploads.attach_errors(owner, [row], community=community,
                                     purpose=uploads.TICKET_PHOTO)


def test_staff_cannot_attach_an_owners_upload_either(community, owner, manager):
    photo = make_upload(community, owner)
    with pytest.raises(ValidationError, match="本人"):
        uploads.resolve_uploads(manager, [photo.pk], community=community,
                                purpose=uploads.CONSULTATION_DOCUMENT, field="upload_id")


def test_a_nonexistent_and_a_foreign_id_read_the_same(community, other_community, owner):
    """An id says nothing about uploads one may not see."""
    ids = hostile_uploads(community, owner, other_community)
    messages = set()
    for case in ("another person's", "another community's", "nonexistent"):
        with pytest.raises(ValidationError) as exc:
            uploads.resolve_uploads(owner, [ids[case]], community=community,
                                    purpose=uploads.TICKET_PHOTO, field="photo_ids")
        messages.add(exc.value.message_dict["photo_ids"][0])
    assert len(messages) == 1


def test_kind_duplicates_and_bad_ids(community, owner):
    pdf = make_upload(community, owner, kind="pdf")
    image = make_upload(community, owner)
    with pytest.raises(ValidationError, match="图片"):
        uploads.resolve_uploads(owner, [pdf.pk], community=community,
                                purpose=uploads.TICKET_PHOTO, field="photo_ids")
    with pytest.raises(ValidationError, match="PDF"):
        uploads.resolve_upload(owner, image.pk, community=community,
                               purpose=uploads.MINUTES_DOCUMENT, field="document_id")
    assert uploads.resolve_upload(owner, pdf.pk, community=community,
                                  purpose=uploads.VOTE_DOCUMENT, field="upload_id") == pdf
    for bad in ([image.pk, image.pk], ["1"], [True], "12"):
        with pytest.raises(ValidationError):
            uploads.resolve_uploads(owner, bad, community=community,
                                    purpose=uploads.TICKET_PHOTO, field="photo_ids")
    assert uploads.resolve_uploads(owner, [], community=community, purpose=uploads.TICKET_PHOTO,
                                   field="photo_ids") == []
    assert uploads.resolve_upload(owner, None, community=community,
                                  purpose=uploads.TICKET_PHOTO, field="photo_ids") is None
    assert uploads.attach_errors(owner, ["x"], community=community, purpose=uploads.TICKET_PHOTO)
    anonymous = UserFactory.build(pk=None)
    assert uploads.attach_errors(anonymous, [image], community=community,
                                 purpose=uploads.TICKET_PHOTO)
