"""Taking in uploaded images: check by content, strip metadata, store, and serve after a check.

Every photo (报修照片, 完工照片, 收据) enters through ``store_image`` / ``store_images``. The file
name and the browser's content type are not trusted: Pillow must recognise the bytes as JPEG,
PNG or WebP, decode them completely (a truncated or corrupt file is refused) and find at most
``MAX_PIXELS`` pixels (a "decompression bomb" is refused before it is decoded). The picture is
then turned upright by its EXIF orientation, converted to sRGB, limited to ``MAX_SIDE`` pixels on
its long side and re-encoded as a new JPEG that carries no metadata at all — no EXIF (camera,
time, GPS position of the owner's flat), no XMP, no comments, no ICC profile. A thumbnail of
``THUMB_SIDE`` pixels is stored beside it. ``Upload.sha256`` is of the stored bytes, so a log
entry that commits to it commits to the very file kept.

Documents (会议纪要, 公示材料, 表决材料) enter through ``store_document``: PDF only, checked by content
(``core.pdfs``: magic bytes, a complete file that ``pypdf`` parses, no encryption, nothing active anywhere
in it: no JavaScript, launch, form-submit, import-data or remote go-to actions, no ``file:``
links, no embedded files or XFA forms — in the catalogue, open action, pages, annotations,
bookmarks, names tree or form fields, also when their names are hex-escaped), at most
``SUNLIT_MAX_DOCUMENT_BYTES``, stored byte for byte (a PDF is not re-encoded: its SHA-256 is the
one the author can compute on his own copy).

Files are served only through ``upload_response``, which a view calls after its own access check.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import io
import logging
import uuid
import warnings
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import BinaryIO

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import FileResponse, Http404
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from PIL import Image, ImageCms, ImageFile, ImageOps, UnidentifiedImageError

from sunlit.core import pdfs
from sunlit.core.models import Community, Upload, User
from sunlit.core.permissions import require
from sunlit.core.storage import get_storage

logger = logging.getLogger(__name__)

ACCEPTED_FORMATS = frozenset({"JPEG", "PNG", "WEBP"})
MAX_PIXELS = 40_000_000  # 40 megapixels: more than any phone camera, far less than a bomb
MAX_SIDE = 2560
THUMB_SIDE = 400
QUALITY = 85
THUMB_QUALITY = 80
CONTENT_TYPE = "image/jpeg"
MAX_NAME = 200
# ISO-BMFF brands of HEIF/HEIC/AVIF files ("....ftypheic" at the start of the file).
_HEIF_BRANDS = (b"heic", b"heix", b"hevc", b"hevx", b"heim", b"heis", b"mif1", b"msf1", b"avif")


@dataclass(frozen=True)
class _Processed:
    data: bytes
    thumbnail: bytes
    width: int
    height: int
    sha256: str
    original_name: str


class _Refused(Exception):
    """One file is not acceptable; the message says why (without naming the file)."""


# --- reading -------------------------------------------------------------------------------------

def _name_of(file, original_name: str) -> str:
    name = original_name or getattr(file, "name", "") or ""
    name = str(name).replace("\\", "/").rsplit("/", 1)[-1]
    return "".join(ch for ch in name if ch.isprintable())[:MAX_NAME]


def _read(file, max_bytes: int) -> bytes:
    """The bytes of ``file`` (bytes, an UploadedFile or any binary file object), refusing
    anything larger than ``max_bytes`` without reading more than one byte past it."""
    if isinstance(file, (bytes, bytearray, memoryview)):
        data = bytes(file)
    elif hasattr(file, "read"):
        size = getattr(file, "size", None)
        if isinstance(size, int) and size > max_bytes:
            raise _Refused(_too_large(max_bytes))
        if hasattr(file, "seek"):
            with contextlib.suppress(OSError, ValueError):
                file.seek(0)
        data = file.read(max_bytes + 1)
        if not isinstance(data, bytes):
            raise _Refused(_("不是有效的图片（支持 JPG、PNG、WebP）"))
    else:
        raise _Refused(_("不是有效的图片（支持 JPG、PNG、WebP）"))
    if len(data) > max_bytes:
        raise _Refused(_too_large(max_bytes))
    if not data:
        raise _Refused(_("文件是空的"))
    return data


def _too_large(max_bytes: int) -> str:
    megabytes = max_bytes / (1024 * 1024)
    shown = f"{megabytes:.0f}" if megabytes >= 1 else f"{megabytes:.2f}"
    return _("文件超过 %(mb)s MB") % {"mb": shown}


def _is_heif(data: bytes) -> bool:
    return data[4:8] == b"ftyp" and data[8:12] in _HEIF_BRANDS


def _decode(data: bytes) -> Image.Image:
    """The fully decoded picture, or ``_Refused``."""
    not_image = _("不是有效的图片（支持 JPG、PNG、WebP）")
    if _is_heif(data):
        raise _Refused(_("暂不支持 HEIC/HEIF 格式，请在手机相机设置中选择“兼容性最佳”，或改传 JPG"))
    with warnings.catch_warnings():
        # Pillow warns (and past twice its limit raises) on huge images; our own limit is lower.
        warnings.simplefilter("ignore", Image.DecompressionBombWarning)
        try:
            image = Image.open(io.BytesIO(data), formats=sorted(ACCEPTED_FORMATS))
        except Image.DecompressionBombError:
            raise _Refused(_too_many_pixels()) from None
        except (UnidentifiedImageError, OSError, ValueError, SyntaxError):
            raise _Refused(not_image) from None
        width, height = image.size
        if width < 1 or height < 1:
            raise _Refused(not_image)
        if width * height > MAX_PIXELS:
            raise _Refused(_too_many_pixels())
        if image.format == "JPEG":
            # Decode a big JPEG at a reduced scale straight away (still ≥ MAX_SIDE): 4× faster.
            image.draft("RGB", (MAX_SIDE, MAX_SIDE))
        # Some libraries (WeasyPrint, on import) switch Pillow to accepting truncated files for
        # the whole process; an upload must always be complete.
        ImageFile.LOAD_TRUNCATED_IMAGES = False
        try:
            image.load()
        except Image.DecompressionBombError:
            raise _Refused(_too_many_pixels()) from None
        except (OSError, ValueError, SyntaxError, EOFError):
            raise _Refused(_("图片已损坏或不完整，请重新拍摄或选择")) from None
    return image


def _too_many_pixels() -> str:
    return _("图片像素过多（最多 %(mp)s 万像素）") % {"mp": MAX_PIXELS // 10_000}


# --- cleaning ------------------------------------------------------------------------------------

_SRGB = None


def _to_srgb(image: Image.Image) -> Image.Image:
    """An RGB picture in sRGB: colour profile applied, transparency flattened onto white."""
    global _SRGB
    icc = image.info.get("icc_profile")
    if image.mode in ("RGBA", "LA", "PA") or (image.mode == "P" and "transparency" in image.info):
        rgba = image.convert("RGBA")
        background = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        image = Image.alpha_composite(background, rgba)
    if icc and image.mode in ("RGB", "RGBA", "CMYK"):
        try:
            if _SRGB is None:
                _SRGB = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB"))
            source = ImageCms.ImageCmsProfile(io.BytesIO(icc))
            return ImageCms.profileToProfile(image, source, _SRGB, outputMode="RGB")
        except (ImageCms.PyCMSError, OSError, ValueError, TypeError):
            logger.info("ignoring an unreadable ICC profile")
    if image.mode == "I;16" or image.mode == "I":
        image = image.point(lambda value: value / 256).convert("L")
    return image.convert("RGB")


def _encode(image: Image.Image, quality: int) -> bytes:
    image.info = {}  # nothing of the original's metadata (comment, dpi, icc …) is written
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=quality, optimize=True, progressive=True)
    return buffer.getvalue()


def _process(data: bytes, original_name: str) -> _Processed:
    image = _decode(data)
    # An unreadable EXIF leaves the picture as it is (the EXIF is dropped anyway).
    with contextlib.suppress(OSError, ValueError, SyntaxError, TypeError, KeyError):
        image = ImageOps.exif_transpose(image)
    image = _to_srgb(image)
    image.thumbnail((MAX_SIDE, MAX_SIDE), Image.Resampling.LANCZOS)
    thumbnail = image.copy()
    thumbnail.thumbnail((THUMB_SIDE, THUMB_SIDE), Image.Resampling.LANCZOS)
    stored = _encode(image, QUALITY)
    return _Processed(data=stored, thumbnail=_encode(thumbnail, THUMB_QUALITY),
                      width=image.width, height=image.height,
                      sha256=hashlib.sha256(stored).hexdigest(), original_name=original_name)


# --- storing -------------------------------------------------------------------------------------

def _keys(community_id: int, sha256: str, now: dt.datetime) -> tuple[str, str]:
    local = timezone.localtime(now)
    stem = f"{community_id}/{local:%Y}/{local:%m}/{sha256[:2]}/{uuid.uuid4().hex}"
    return f"{stem}.jpg", f"{stem}.thumb.jpg"


def _check_actor(community: Community, actor: User) -> None:
    require(actor, "uploads.create", community=community)


def _save_all(community: Community, actor: User, processed: Sequence[_Processed]) -> list[Upload]:
    storage = get_storage()
    now = timezone.now()
    written: list[str] = []
    uploads = []
    try:
        for item in processed:
            key, thumbnail_key = _keys(community.pk, item.sha256, now)
            storage.save(key, item.data, content_type=CONTENT_TYPE)
            written.append(key)
            storage.save(thumbnail_key, item.thumbnail, content_type=CONTENT_TYPE)
            written.append(thumbnail_key)
            uploads.append(Upload(
                community=community, kind=Upload.Kind.IMAGE, uploaded_by=actor, storage_key=key,
                thumbnail_key=thumbnail_key, content_type=CONTENT_TYPE, size=len(item.data),
                width=item.width, height=item.height, sha256=item.sha256,
                original_name=item.original_name, created_at=now))
        with transaction.atomic():
            for upload in uploads:
                upload.save()
    except BaseException:
        for key in written:
            try:
                storage.delete(key)
            except Exception:
                logger.exception("could not remove %s after a failed upload", key)
        raise
    return uploads


def store_image(file, *, community: Community, actor: User, original_name: str = "",
                field: str = "file") -> Upload:
    """Checks, cleans and stores one image (see the module docstring); returns its ``Upload``.

    Raises ``ValidationError({field: [message]})`` for anything that is not an acceptable image.
    """
    _check_actor(community, actor)
    try:
        data = _read(file, settings.SUNLIT_MAX_UPLOAD_BYTES)
        processed = _process(data, _name_of(file, original_name))
    except _Refused as refused:
        raise ValidationError({field: [str(refused)]}) from None
    return _save_all(community, actor, [processed])[0]


def store_images(files: Iterable, *, community: Community, actor: User, limit: int = 9,
                 field: str = "photos") -> list[Upload]:
    """Checks, cleans and stores several images (the photos of one form) — all or none.

    Every file is checked before any is stored; the ``ValidationError`` names each refused
    file by its position: ``{"photos": ["第 2 张：不是有效的图片（支持 JPG、PNG、WebP）"]}``.
    """
    _check_actor(community, actor)
    if files is None:
        files = []
    if isinstance(files, (str, bytes, bytearray)) or not hasattr(files, "__iter__"):
        raise ValidationError({field: [_("照片参数无效")]})
    files = list(files)
    if len(files) > limit:
        raise ValidationError({field: [_("最多上传 %(n)s 张图片") % {"n": limit}]})
    processed, errors = [], []
    for position, file in enumerate(files, start=1):
        try:
            data = _read(file, settings.SUNLIT_MAX_UPLOAD_BYTES)
            processed.append(_process(data, _name_of(file, "")))
        except _Refused as refused:
            errors.append(_("第 %(n)s 张：%(reason)s") % {"n": position, "reason": refused})
    if errors:
        raise ValidationError({field: errors})
    if not processed:
        return []
    return _save_all(community, actor, processed)


# --- documents (PDF: checked by core.pdfs) --------------------------------------------------

def store_document(file, *, community: Community, actor: User, original_name: str = "",
                   field: str = "file") -> Upload:
    """Checks and stores one PDF document (see the module docstring); returns its ``Upload``.

    The bytes are kept exactly as uploaded; ``Upload.sha256`` is of those bytes. Raises
    ``ValidationError({field: [message]})`` for anything that is not an acceptable PDF.
    """
    _check_actor(community, actor)
    limit = settings.SUNLIT_MAX_DOCUMENT_BYTES
    try:
        data = _read(file, limit)
        pdfs.check_pdf(data)
    except (_Refused, pdfs.PdfRefused) as refused:
        message = str(refused)
        if message == _("不是有效的图片（支持 JPG、PNG、WebP）"):
            message = _("不是有效的 PDF 文件")
        raise ValidationError({field: [message]}) from None
    name = _name_of(file, original_name) or "document.pdf"
    if not name.lower().endswith(".pdf"):
        name = f"{name}.pdf"[:MAX_NAME]
    sha256 = hashlib.sha256(data).hexdigest()
    storage = get_storage()
    now = timezone.now()
    key = _keys(community.pk, sha256, now)[0][:-4] + ".pdf"
    storage.save(key, data, content_type=pdfs.PDF_CONTENT_TYPE)
    try:
        with transaction.atomic():
            return Upload.objects.create(
                community=community, kind=Upload.Kind.PDF, uploaded_by=actor, storage_key=key,
                content_type=pdfs.PDF_CONTENT_TYPE, size=len(data), sha256=sha256,
                original_name=name, created_at=now)
    except BaseException:
        with contextlib.suppress(Exception):
            storage.delete(key)
        raise


def store_file(file, *, community: Community, actor: User, original_name: str = "",
               field: str = "file") -> Upload:
    """A document of a matter: a PDF through ``store_document``, anything else must be an image
    (``store_image``). Decided by the bytes, not by the name."""
    head = b""
    if isinstance(file, (bytes, bytearray, memoryview)):
        head = bytes(file[:1024])
    elif hasattr(file, "read"):
        with contextlib.suppress(OSError, ValueError):
            file.seek(0)
            head = file.read(1024) or b""
            file.seek(0)
    if isinstance(head, bytes) and pdfs.is_pdf(head):
        return store_document(file, community=community, actor=actor,
                              original_name=original_name, field=field)
    return store_image(file, community=community, actor=actor, original_name=original_name,
                       field=field)


# --- attaching -----------------------------------------------------------------------------------
# One rule for every place an upload becomes part of a record (a ticket's photo, a receipt, a
# ballot's scan, a document of a vote, a consultation or a meeting): the record's access rule
# then decides who may download it, so attaching is what must be guarded. An upload may be
# attached only
#   1. by the user who uploaded it (``uploaded_by``), not by anyone else, staff included;
#   2. in the community it was uploaded to;
#   3. if it is of a kind the purpose takes (a PDF is not a ticket photo);
#   4. once: an upload already attached to any record (any foreign key or many-to-many to
#      ``Upload``, found from the model graph) is refused. No purpose reuses uploads today:
#      the same file for two records is uploaded twice.
# A nonexistent id, another community's upload and another person's upload get the same
# message, so an id says nothing about uploads one may not see.


@dataclass(frozen=True)
class Purpose:
    """What an upload is attached as: the kinds of file it takes and how its field reads."""

    name: str
    kinds: frozenset[str]
    reusable: bool = False

    def kind_message(self) -> str:
        if self.kinds == {Upload.Kind.IMAGE}:
            return _("请上传图片（JPG、PNG、WebP）")
        if self.kinds == {Upload.Kind.PDF}:
            return _("请上传 PDF 文件")
        return _("请上传 PDF 文件或图片")


_IMAGES = frozenset({Upload.Kind.IMAGE})
_ANY = frozenset({Upload.Kind.IMAGE, Upload.Kind.PDF})
TICKET_PHOTO = Purpose("ticket_photo", _IMAGES)
PROPOSAL_PHOTO = Purpose("proposal_photo", _IMAGES)
BALLOT_SCAN = Purpose("ballot_scan", _ANY)  # a scanner may write a PDF
BALLOT_AUTHORISATION = Purpose("ballot_authorisation", _ANY)
VOTE_DOCUMENT = Purpose("vote_document", _ANY)
CONSULTATION_DOCUMENT = Purpose("consultation_document", _ANY)
MINUTES_DOCUMENT = Purpose("minutes_document", frozenset({Upload.Kind.PDF}))
MONEY_RECEIPT = Purpose("money_receipt", _IMAGES)  # public income, expenses
FUND_DOCUMENT = Purpose("fund_document", _IMAGES)  # maintenance-fund uses
COMMITTEE_FILING = Purpose("committee_filing", _ANY)  # the committee's 备案 (company.onboarding)
PURPOSES = {p.name: p for p in (TICKET_PHOTO, PROPOSAL_PHOTO, BALLOT_SCAN, BALLOT_AUTHORISATION,
                                 VOTE_DOCUMENT, CONSULTATION_DOCUMENT, MINUTES_DOCUMENT,
                                 MONEY_RECEIPT, FUND_DOCUMENT, COMMITTEE_FILING)}


def _not_yours() -> str:
    return _("文件不存在，或不是您本人在本小区上传的")


def attach_errors(actor: User, items: Sequence, *, community: Community | int,
                  purpose: Purpose) -> list[str]:
    """What is wrong with attaching ``items`` (``Upload`` rows) for ``actor``; [] when nothing.

    Inside a transaction the rows are locked first (in pk order), so two requests cannot attach
    one upload twice."""
    community_id = community.pk if isinstance(community, Community) else community
    if isinstance(items, (str, bytes)) or not isinstance(items, Sequence):
        return [_("文件参数无效")]
    if any(not isinstance(item, Upload) or item.pk is None for item in items):
        return [_("文件参数无效")]
    ids = [item.pk for item in items]
    if len(set(ids)) != len(ids):
        return [_("同一文件不能重复附上")]
    if not ids:
        return []
    rows = Upload.objects.filter(pk__in=ids).order_by("pk")
    if transaction.get_connection().in_atomic_block:
        rows = rows.select_for_update()
    stored = {row.pk: row for row in rows}
    actor_id = getattr(actor, "pk", None)
    for pk in ids:
        row = stored.get(pk)
        if (row is None or actor_id is None or row.community_id != community_id
                or row.uploaded_by_id != actor_id):
            return [_not_yours()]
        if row.kind not in purpose.kinds:
            return [purpose.kind_message()]
    if not purpose.reusable and _referenced(ids):
        return [_("文件已用于另一条记录，请重新上传")]
    return []


def check_attachable(actor: User, items: Sequence, *, community: Community | int,
                     purpose: Purpose, field: str) -> None:
    """``attach_errors`` as a ``ValidationError({field: [message]})``."""
    problems = attach_errors(actor, items, community=community, purpose=purpose)
    if problems:
        raise ValidationError({field: problems})


def resolve_uploads(actor: User, ids, *, community: Community, purpose: Purpose,
                    field: str, limit: int | None = None) -> list[Upload]:
    """The uploads behind ``ids`` (from an API request), in the order given, if ``actor`` may
    attach every one of them as ``purpose`` (see the rule above); else
    ``ValidationError({field: [message]})``. The service that attaches them checks again, in
    its own transaction, with ``attach_errors``."""
    if ids is None:
        return []
    if isinstance(ids, (str, bytes)) or not isinstance(ids, Sequence) or any(
            isinstance(pk, bool) or not isinstance(pk, int) for pk in ids):
        raise ValidationError({field: [_("文件参数无效")]})
    if limit is not None and len(ids) > limit:
        raise ValidationError({field: [_("最多附上 %(n)s 个文件") % {"n": limit}]})
    if len(set(ids)) != len(ids):
        raise ValidationError({field: [_("同一文件不能重复附上")]})
    found = {u.pk: u for u in Upload.objects.filter(pk__in=ids, community=community,
                                                     uploaded_by_id=getattr(actor, "pk", None))}
    if len(found) != len(ids):
        raise ValidationError({field: [_not_yours()]})
    items = [found[pk] for pk in ids]
    check_attachable(actor, items, community=community, purpose=purpose, field=field)
    return items


def resolve_upload(actor: User, upload_id: int | None, *, community: Community, purpose: Purpose,
                   field: str) -> Upload | None:
    """One optional upload id: ``resolve_uploads`` for a single field."""
    if upload_id is None:
        return None
    return resolve_uploads(actor, [upload_id], community=community, purpose=purpose,
                           field=field)[0]


# --- serving -------------------------------------------------------------------------------------

def open_upload(upload: Upload, *, thumbnail: bool = False) -> BinaryIO:
    """The stored bytes of ``upload`` (or of its thumbnail) as an open binary file."""
    key = upload.thumbnail_key if thumbnail and upload.thumbnail_key else upload.storage_key
    return get_storage().open(key)


def upload_response(upload: Upload, *, thumbnail: bool = False) -> FileResponse:
    """The file as an HTTP response. Call it only after the view's own access check."""
    try:
        handle = open_upload(upload, thumbnail=thumbnail)
    except FileNotFoundError:
        logger.warning("upload %s: stored file missing", upload.pk)
        raise Http404 from None
    response = FileResponse(handle, content_type=upload.content_type)
    # Private: a shared cache must never keep one owner's photo for another; the bytes under a
    # key never change, so the browser may keep them for a day.
    response["Cache-Control"] = "private, max-age=86400"
    response["X-Content-Type-Options"] = "nosniff"
    if upload.kind == Upload.Kind.PDF and not thumbnail:
        response["Content-Disposition"] = content_disposition_header(
            False, upload.original_name or f"document-{upload.pk}.pdf")
    else:
        response["Content-Disposition"] = "inline"
    if not thumbnail:
        response["ETag"] = f'"{upload.sha256}"'
    return response


# --- maintenance ---------------------------------------------------------------------------------

def _referenced(ids: list[int]) -> set[int]:
    """Which of ``ids`` some row of any model points to (foreign keys, one-to-one, many-to-many,
    including relations declared with ``related_name="+"``)."""
    found: set[int] = set()
    for relation in Upload._meta.get_fields(include_hidden=True):
        if not (relation.auto_created and not relation.concrete and relation.is_relation):
            continue
        name = relation.field.name
        found.update(relation.related_model._base_manager
                     .filter(**{f"{name}__in": ids}).values_list(name, flat=True))
    return found


def purge_orphan_uploads(*, older_than: dt.timedelta = dt.timedelta(hours=24),
                         dry_run: bool = False, batch: int = 500) -> int:
    """Deletes uploads that nothing refers to ``older_than`` after they were stored (a form that
    was abandoned after its photos went up), rows and files. Returns how many."""
    cutoff = timezone.now() - older_than
    candidates = list(Upload.objects.filter(created_at__lt=cutoff).order_by("pk")
                      .values_list("pk", flat=True))
    storage = get_storage()
    purged = 0
    for start in range(0, len(candidates), batch):
        ids = candidates[start:start + batch]
        orphans = sorted(set(ids) - _referenced(ids))
        if not orphans or dry_run:
            purged += len(orphans)
            continue
        with transaction.atomic():
            rows = list(Upload.objects.select_for_update().filter(pk__in=orphans)
                        .values_list("pk", "storage_key", "thumbnail_key"))
            still = {pk for pk, *_keys in rows} - _referenced([pk for pk, *_keys in rows])
            Upload.objects.filter(pk__in=still).delete()
        for pk, key, thumbnail_key in rows:
            if pk in still:
                for name in filter(None, (key, thumbnail_key)):
                    storage.delete(name)
        purged += len(still)
    return purged
