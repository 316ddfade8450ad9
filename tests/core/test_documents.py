"""PDF documents through core.uploads.store_document: checked by content, stored as sent."""

from __future__ import annotations

import hashlib
import io

import pytest
from django.core.exceptions import ValidationError
from django.test import override_settings
from PIL import Image

from sunlit.core import uploads
from sunlit.core.models import Upload
from tests.governance.meeting_fixtures import pdf_bytes

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def storage_dir(tmp_path, settings):
    settings.SUNLIT_STORAGE_URL = str(tmp_path / "uploads")
    return tmp_path / "uploads"


def store(data, community, actor, name="文件.pdf"):
    return uploads.store_document(data, community=community, actor=actor, original_name=name)


def test_a_valid_pdf_is_stored_byte_for_byte(community, committee):
    data = pdf_bytes(pages=2)
    upload = store(data, community, committee, "合同草案.pdf")
    assert upload.kind == Upload.Kind.PDF and upload.content_type == "application/pdf"
    assert upload.sha256 == hashlib.sha256(data).hexdigest() and upload.size == len(data)
    assert uploads.open_upload(upload).read() == data
    response = uploads.upload_response(upload)
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("inline; filename")
    assert "%E5%90%88" in response["Content-Disposition"]  # 合 of 合同草案.pdf, RFC 5987


def _png() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (20, 20), "red").save(buffer, "PNG")
    return buffer.getvalue()


@pytest.mark.parametrize("make, message", [
    (_png, "不是有效的 PDF"),
    (lambda: pdf_bytes()[:-300], "不完整"),
    (lambda: pdf_bytes(encrypt=True), "加密"),
    (lambda: pdf_bytes(javascript=True), "脚本"),
    (lambda: b"%PDF-1.7\n garbage \n%%EOF\n", "损坏"),
    (lambda: b"", "空"),
])
def test_bad_pdfs_are_refused_and_nothing_is_stored(community, committee, make, message):
    with pytest.raises(ValidationError) as refused:
        store(make(), community, committee, "x.pdf")
    assert message in refused.value.message_dict["file"][0]
    assert not Upload.objects.exists()


@override_settings(SUNLIT_MAX_DOCUMENT_BYTES=1000)
def test_oversize_documents_are_refused(community, committee):
    with pytest.raises(ValidationError, match="超过"):
        store(pdf_bytes(pages=20), community, committee)


def test_store_file_sends_images_to_store_image(community, committee):
    assert uploads.store_file(_png(), community=community, actor=committee).kind == \
        Upload.Kind.IMAGE
    assert uploads.store_file(pdf_bytes(), community=community, actor=committee).kind == \
        Upload.Kind.PDF


def test_the_auditor_may_not_upload(community, auditor):
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        store(pdf_bytes(), community, auditor)
