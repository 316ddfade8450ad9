"""Checking a PDF someone uploads — 文件检查: a complete, unencrypted PDF with nothing active in it.

``check_pdf`` looks at the bytes (magic bytes, the end marker, a file ``pypdf`` parses, no
encryption, at most ``MAX_PDF_PAGES`` pages) and walks every object for what would run, start
a program, send or fetch data when the file is opened or used: JavaScript, launch, form-submit,
import-data or remote go-to actions, ``file:`` links, embedded files, XFA forms — in the
catalogue, open action, pages, annotations, bookmarks, names tree or form fields, also when
their names are hex-escaped. ``core.uploads.store_document`` calls it before storing.
"""

from __future__ import annotations

import io
import logging

from django.utils.translation import gettext as _

logger = logging.getLogger(__name__)


class PdfRefused(ValueError):
    """The PDF is not acceptable; the message says why."""


PDF_CONTENT_TYPE = "application/pdf"
PDF_MAGIC = b"%PDF-"
MAX_PDF_PAGES = 2000
# Actions that run code, start programs, send or fetch data when the file is opened, a page is
# shown, a link, a bookmark or a form field is used.
_ACTIVE_MARKERS = (b"/JavaScript", b"/JS ", b"/JS(", b"/JS<", b"/Launch", b"/EmbeddedFile")
ACTIVE_ACTIONS = frozenset({"/JavaScript", "/Launch", "/ImportData", "/SubmitForm",
                            "/RichMediaExecute", "/GoToR", "/GoToE"})
# Keys that hold scripts or files wherever they appear: a JavaScript action's code, the document's
# JavaScript name tree, embedded files, XFA forms (which carry scripts).
ACTIVE_KEYS = frozenset({"/JS", "/JavaScript", "/EmbeddedFiles", "/EmbeddedFile", "/XFA",
                         "/RichMediaContent"})
MAX_PDF_OBJECTS = 500_000  # objects walked at most; a 2,000-page document has far fewer
_LOCAL_URI = ("file:", "\\\\", "smb:", "javascript:", "data:")


def is_pdf(data: bytes) -> bool:
    """Whether the bytes claim to be a PDF (the header may follow up to 1 KB of junk)."""
    return PDF_MAGIC in data[:1024]


def _active_content(reader) -> str | None:
    """What in the document could run or reach outside it, if anything.

    Walks every object reachable from the trailer — the catalogue and its ``/OpenAction`` and
    ``/AA``, pages and their ``/AA``, annotations' ``/A`` and ``/AA``, outlines (bookmarks),
    the names tree, form fields — with their ``/Next`` chains. Names are compared as pypdf
    decodes them, so ``/J#61vaScript`` is ``/JavaScript``. Returns the offending name."""
    from pypdf.generic import ArrayObject, DictionaryObject, IndirectObject

    seen: set[tuple[int, int]] = set()
    stack = [reader.trailer]
    walked = 0
    while stack:
        node = stack.pop()
        if isinstance(node, IndirectObject):
            key = (node.idnum, node.generation)
            if key in seen:
                continue
            seen.add(key)
            node = node.get_object()
        walked += 1
        if walked > MAX_PDF_OBJECTS:
            return "too many objects"
        if isinstance(node, DictionaryObject):
            for name, value in node.items():
                if str(name) in ACTIVE_KEYS:
                    return str(name)
                stack.append(value)
            kind = node.get("/S")
            kind = str(kind.get_object()) if kind is not None else ""
            if kind in ACTIVE_ACTIONS:
                return kind
            if kind == "/URI":
                uri = str(node.get("/URI", "")).strip().lower()
                if uri.startswith(_LOCAL_URI):
                    return "/URI"
        elif isinstance(node, ArrayObject):
            stack.extend(node)
    return None


def check_pdf(data: bytes) -> int:
    """Checks a PDF by content; returns its page count or raises ``PdfRefused``."""
    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    not_pdf = _("不是有效的 PDF 文件")
    active = _("PDF 中含有脚本、启动程序、表单提交或嵌入文件，不予接收；请另存（打印）为普通 PDF 后上传")
    if not is_pdf(data):
        raise PdfRefused(not_pdf)
    if b"%%EOF" not in data[-2048:]:
        raise PdfRefused(_("PDF 文件不完整或已损坏，请重新导出后上传"))
    if any(marker in data for marker in _ACTIVE_MARKERS):
        raise PdfRefused(active)
    try:
        reader = PdfReader(io.BytesIO(data), strict=False)
        if reader.is_encrypted:
            raise PdfRefused(_("PDF 文件已加密或设有密码，请去除密码后上传"))
        pages = len(reader.pages)
        if pages < 1:
            raise PdfRefused(not_pdf)
        if pages > MAX_PDF_PAGES:
            raise PdfRefused(_("PDF 最多 %(n)s 页") % {"n": MAX_PDF_PAGES})
        found = _active_content(reader)
    except PdfRefused:
        raise
    except (PdfReadError, ValueError, KeyError, TypeError, AttributeError, IndexError,
            RecursionError, OSError, AssertionError, UnicodeError, ZeroDivisionError):
        raise PdfRefused(_("PDF 文件不完整或已损坏，请重新导出后上传")) from None
    except Exception:  # pypdf raises many kinds on hostile input; none of them is acceptable
        logger.info("refusing a PDF pypdf could not read", exc_info=True)
        raise PdfRefused(_("PDF 文件不完整或已损坏，请重新导出后上传")) from None
    if found == "too many objects":
        raise PdfRefused(_("PDF 结构过于复杂，请另存（打印）为普通 PDF 后上传"))
    if found is not None:
        logger.info("refusing a PDF with %s", found)
        raise PdfRefused(active)
    return pages
