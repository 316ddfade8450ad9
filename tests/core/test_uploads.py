"""Taking in images: checked by content, cleaned of metadata, stored with a thumbnail, served."""

from __future__ import annotations

import hashlib
import io

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import ExifTags, Image

from sunlit.core import uploads
from sunlit.core.models import Upload
from sunlit.core.storage import get_storage


@pytest.fixture(autouse=True)
def storage_dir(settings, tmp_path):
    settings.SUNLIT_STORAGE_URL = str(tmp_path / "uploads")
    return tmp_path / "uploads"


def jpeg_with_gps(size=(1200, 800), orientation=6) -> bytes:
    """A phone photo: EXIF camera, time, GPS position, rotation flag, a comment and XMP."""
    image = Image.new("RGB", size, (180, 40, 40))
    image.paste((30, 30, 200), (0, 0, size[0] // 2, size[1] // 4))  # a blue band at the top left
    exif = Image.Exif()
    exif[ExifTags.Base.Make] = "Apple"
    exif[ExifTags.Base.Model] = "iPhone 15"
    exif[ExifTags.Base.DateTime] = "2026:11:18 09:30:00"
    exif[ExifTags.Base.Orientation] = orientation
    exif[ExifTags.IFD.GPSInfo] = {
        ExifTags.GPS.GPSLatitudeRef: "N", ExifTags.GPS.GPSLatitude: (31.0, 14.0, 10.5),
        ExifTags.GPS.GPSLongitudeRef: "E", ExifTags.GPS.GPSLongitude: (121.0, 28.0, 3.2)}
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", exif=exif, comment=b"1-1-101 Wang", quality=95,
               xmp=b"<x:xmpmeta xmlns:x='adobe:ns:meta/'>secret</x:xmpmeta>")
    return buffer.getvalue()


def png_bytes(size=(300, 200), mode="RGBA") -> bytes:
    image = Image.new(mode, size, (10, 200, 10, 128) if mode == "RGBA" else (10, 200, 10))
    buffer = io.BytesIO()
    image.save(buffer, "PNG")
    return buffer.getvalue()


def webp_bytes() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (320, 240), (1, 2, 3)).save(buffer, "WEBP")
    return buffer.getvalue()


def photo(data: bytes, name="photo.jpg", content_type="image/jpeg"):
    return SimpleUploadedFile(name, data, content_type=content_type)


def stored_image(key: str) -> Image.Image:
    return Image.open(io.BytesIO(get_storage().read(key)))


def test_jpeg_is_stored_upright_without_any_metadata(community, owner):
    upload = uploads.store_image(photo(jpeg_with_gps()), community=community, actor=owner)

    assert upload.pk and upload.community_id == community.pk and upload.uploaded_by == owner
    assert upload.kind == Upload.Kind.IMAGE and upload.content_type == "image/jpeg"
    assert upload.original_name == "photo.jpg"
    data = get_storage().read(upload.storage_key)
    assert upload.size == len(data)
    assert upload.sha256 == hashlib.sha256(data).hexdigest()
    image = stored_image(upload.storage_key)
    # orientation 6 means "rotate 90° clockwise to view": 1200×800 becomes 800×1200
    assert image.size == (800, 1200) == (upload.width, upload.height)
    assert image.getpixel((790, 10))[2] > 150  # the blue band moved to the top right
    assert not image.getexif()
    assert not set(image.info) & {"exif", "xmp", "XML:com.adobe.xmp", "comment", "icc_profile"}
    assert b"Apple" not in data and b"iPhone" not in data and b"Wang" not in data
    assert b"secret" not in data and b"Exif" not in data


def test_thumbnail_exists_and_is_smaller(community, owner):
    upload = uploads.store_image(photo(jpeg_with_gps(size=(4000, 3000), orientation=1)),
                                 community=community, actor=owner)
    image, thumbnail = stored_image(upload.storage_key), stored_image(upload.thumbnail_key)
    assert max(image.size) == uploads.MAX_SIDE
    assert image.size == (2560, 1920)
    assert max(thumbnail.size) == uploads.THUMB_SIDE
    assert len(get_storage().read(upload.thumbnail_key)) < upload.size
    assert upload.thumbnail_key.endswith(".thumb.jpg")
    assert upload.storage_key.startswith(f"{community.pk}/")
    assert upload.storage_key.split("/")[3] == upload.sha256[:2]


def test_png_and_webp_are_accepted_and_stored_as_jpeg(community, owner):
    first, second, third = uploads.store_images(
        [photo(png_bytes(), "screen.png", "image/png"), photo(webp_bytes(), "a.webp"),
         photo(png_bytes(mode="P"), "palette.png")], community=community, actor=owner)
    image = stored_image(first.storage_key)
    assert image.format == "JPEG" and image.mode == "RGB" and image.size == (300, 200)
    # half-transparent green is flattened onto white, not onto black
    assert image.getpixel((10, 10))[0] > 100
    assert (second.width, second.height) == (320, 240)
    assert third.content_type == "image/jpeg"


def test_plain_bytes_and_open_files_are_accepted(community, owner):
    upload = uploads.store_image(png_bytes(mode="RGB"), community=community, actor=owner,
                                 original_name="../../etc/ok.png")
    assert upload.original_name == "ok.png"
    upload2 = uploads.store_image(io.BytesIO(webp_bytes()), community=community, actor=owner)
    assert upload2.original_name == ""


@pytest.mark.parametrize("data, message", [
    (b"this is a text file, not a photo\n" * 10, "不是有效的图片（支持 JPG、PNG、WebP）"),
    (b"GIF89a" + b"\x00" * 100, "不是有效的图片（支持 JPG、PNG、WebP）"),
    (b"", "文件是空的"),
    (b"\x00\x00\x00\x18ftypheic\x00\x00\x00\x00mif1heic" + b"\x00" * 50, "HEIC"),
])
def test_non_images_are_refused_by_content(community, owner, data, message):
    with pytest.raises(ValidationError) as info:
        uploads.store_image(photo(data, "looks-fine.jpg"), community=community, actor=owner)
    assert message in info.value.message_dict["file"][0]
    assert Upload.objects.count() == 0


def test_gif_is_refused(community, owner):
    buffer = io.BytesIO()
    Image.new("RGB", (10, 10)).save(buffer, "GIF")
    with pytest.raises(ValidationError):
        uploads.store_image(buffer.getvalue(), community=community, actor=owner)


def test_truncated_jpeg_is_refused(community, owner):
    data = jpeg_with_gps(orientation=1)
    with pytest.raises(ValidationError) as info:
        uploads.store_image(photo(data[: len(data) // 2]), community=community, actor=owner)
    assert info.value.message_dict == {"file": ["图片已损坏或不完整，请重新拍摄或选择"]}
    assert Upload.objects.count() == 0


def test_decompression_bomb_is_refused_before_decoding(community, owner):
    # 10000×5000 = 50 megapixels of one colour: a few hundred KB as PNG
    buffer = io.BytesIO()
    Image.new("1", (10000, 5000)).save(buffer, "PNG")
    assert len(buffer.getvalue()) < 1024 * 1024
    with pytest.raises(ValidationError) as info:
        uploads.store_image(buffer.getvalue(), community=community, actor=owner)
    assert "像素过多" in info.value.message_dict["file"][0]


def test_oversize_file_is_refused(community, owner, settings):
    settings.SUNLIT_MAX_UPLOAD_BYTES = 1000
    with pytest.raises(ValidationError) as info:
        uploads.store_image(photo(jpeg_with_gps()), community=community, actor=owner)
    assert "文件超过" in info.value.message_dict["file"][0]
    with pytest.raises(ValidationError):  # no declared size: read stops one byte past the limit
        uploads.store_image(io.BytesIO(jpeg_with_gps()), community=community, actor=owner)
    assert Upload.objects.count() == 0


def test_ten_files_are_refused(community, owner, storage_dir):
    files = [photo(png_bytes(mode="RGB"), f"{n}.png") for n in range(10)]
    with pytest.raises(ValidationError) as info:
        uploads.store_images(files, community=community, actor=owner)
    assert info.value.message_dict == {"photos": ["最多上传 9 张图片"]}
    assert Upload.objects.count() == 0
    assert not storage_dir.exists() or not any(p.is_file() for p in storage_dir.rglob("*"))


def test_one_bad_file_in_a_batch_stores_nothing_and_names_it(community, owner, storage_dir):
    files = [photo(png_bytes(mode="RGB")), photo(b"not an image"), photo(png_bytes()),
             photo(b"also not")]
    with pytest.raises(ValidationError) as info:
        uploads.store_images(files, community=community, actor=owner, field="images")
    assert info.value.message_dict == {"images": [
        "第 2 张：不是有效的图片（支持 JPG、PNG、WebP）",
        "第 4 张：不是有效的图片（支持 JPG、PNG、WebP）"]}
    assert Upload.objects.count() == 0
    assert not storage_dir.exists() or not any(p.is_file() for p in storage_dir.rglob("*"))


def test_store_images_accepts_nine_and_an_empty_list(community, owner):
    stored = uploads.store_images([photo(png_bytes(mode="RGB")) for _ in range(9)],
                                  community=community, actor=owner)
    assert len(stored) == 9 and len({u.storage_key for u in stored}) == 9
    assert uploads.store_images([], community=community, actor=owner) == []


@pytest.mark.parametrize("files", ["photo.jpg", b"bytes", 42])
def test_wrong_types_are_refused(community, owner, files):
    with pytest.raises(ValidationError) as info:
        uploads.store_images(files, community=community, actor=owner)
    assert info.value.message_dict == {"photos": ["照片参数无效"]}


def test_outsiders_and_auditors_may_not_upload(community, owner_other_community, auditor):
    for actor in (owner_other_community, auditor):
        with pytest.raises(PermissionDenied):
            uploads.store_image(png_bytes(), community=community, actor=actor)
    assert Upload.objects.count() == 0


def test_a_failed_row_write_removes_the_stored_files(community, owner, storage_dir, monkeypatch):
    from django.db import IntegrityError

    Upload.objects.create(community=community, storage_key="taken/one.jpg", content_type="image/jpeg",
                          size=1, sha256="0" * 64)
    monkeypatch.setattr(uploads, "_keys", lambda *args: ("taken/one.jpg", "taken/one.thumb.jpg"))
    with pytest.raises(IntegrityError):
        uploads.store_image(png_bytes(mode="RGB"), community=community, actor=owner)
    assert Upload.objects.count() == 1
    assert not (storage_dir / "taken" / "one.jpg").exists()
    assert not (storage_dir / "taken" / "one.thumb.jpg").exists()


def test_upload_response_serves_the_file_privately(community, owner):
    upload = uploads.store_image(photo(jpeg_with_gps()), community=community, actor=owner)
    response = uploads.upload_response(upload)
    body = b"".join(response.streaming_content)
    assert body == get_storage().read(upload.storage_key)
    assert response["Content-Type"] == "image/jpeg"
    assert response["Cache-Control"].startswith("private")
    assert response["ETag"] == f'"{upload.sha256}"'
    assert int(response["Content-Length"]) == upload.size
    thumb = uploads.upload_response(upload, thumbnail=True)
    assert b"".join(thumb.streaming_content) == get_storage().read(upload.thumbnail_key)


def test_upload_response_for_a_missing_file_is_404(community, owner):
    from django.http import Http404

    upload = uploads.store_image(png_bytes(), community=community, actor=owner)
    get_storage().delete(upload.storage_key)
    with pytest.raises(Http404):
        uploads.upload_response(upload)


def test_purge_deletes_only_old_uploads_nothing_refers_to(community, owner, owner_unit, storage_dir):
    import datetime as dt

    import time_machine
    from django.core.management import call_command

    from sunlit.tickets.choices import TicketKind
    from sunlit.tickets.models import Category
    from sunlit.tickets.services import submit_ticket

    start = dt.datetime(2026, 11, 18, 10, 0, tzinfo=dt.UTC)
    with time_machine.travel(start, tick=False):
        used, abandoned = uploads.store_images([png_bytes(mode="RGB"), png_bytes(mode="RGB")],
                                               community=community, actor=owner)
        category = Category.objects.create(community=community, name="水电", kind=TicketKind.REPAIR)
        submit_ticket(community, actor=owner, kind=TicketKind.REPAIR, category=category,
                      title="水管漏水", description="厨房", unit=owner_unit, photos=[used])
    with time_machine.travel(start + dt.timedelta(hours=2), tick=False):
        fresh = uploads.store_image(png_bytes(mode="RGB"), community=community, actor=owner)
    with time_machine.travel(start + dt.timedelta(hours=25), tick=False):
        out = io.StringIO()
        call_command("purge_orphan_uploads", "--dry-run", stdout=out)
        assert "可删除 1 个" in out.getvalue()
        assert Upload.objects.count() == 3
        call_command("purge_orphan_uploads", stdout=io.StringIO())
    assert set(Upload.objects.values_list("pk", flat=True)) == {used.pk, fresh.pk}
    assert not get_storage().exists(abandoned.storage_key)
    assert not get_storage().exists(abandoned.thumbnail_key)
    assert get_storage().exists(used.storage_key) and get_storage().exists(fresh.thumbnail_key)


def test_truncated_jpeg_is_refused_even_when_a_library_relaxed_pillow(community, owner):
    from PIL import ImageFile

    ImageFile.LOAD_TRUNCATED_IMAGES = True  # what importing WeasyPrint does, process-wide
    try:
        data = jpeg_with_gps(orientation=1)
        with pytest.raises(ValidationError):
            uploads.store_image(photo(data[: len(data) // 2]), community=community, actor=owner)
    finally:
        ImageFile.LOAD_TRUNCATED_IMAGES = False
    assert Upload.objects.count() == 0
