"""The A3 poster for the bulletin board (公告栏): WeasyPrint, a CJK font, a QR code (segno).

The QR code carries the online board's address; the footer prints the log reference (log
origin, leaf index) and the content's SHA-256 so a reader can check the paper against the log.
Needs a CJK font on the machine (fonts-noto-cjk: "Noto Sans CJK SC"); WeasyPrint embeds the
glyphs used.
"""

from __future__ import annotations

import segno
from django.template.loader import render_to_string

from sunlit.board.choices import Section
from sunlit.board.models import WeeklyBoard

MAX_ROWS = 40  # an A3 sheet holds about this many rows; the rest are online (the QR code)


def qr_data_uri(url: str) -> str:
    return segno.make(url, error="m").png_data_uri(scale=8, border=2)


def render_html(board: WeeklyBoard, *, url: str) -> str:
    content = board.content
    items = content.get("items", [])
    return render_to_string("board/poster.html", {
        "board": board, "content": content, "stats": content.get("stats", {}),
        "new_items": [i for i in items if i["section"] == Section.NEW][:MAX_ROWS],
        "carried_items": [i for i in items if i["section"] == Section.CARRIED][:MAX_ROWS],
        "more": max(len(items) - MAX_ROWS * 2, 0),
        "url": url, "qr": qr_data_uri(url),
        "leaf": board.leaf, "origin": board.leaf.log.origin if board.leaf_id else "",
    })


def _weasyprint():
    """Imports WeasyPrint without its side effect: on import it sets Pillow's process-wide
    ``ImageFile.LOAD_TRUNCATED_IMAGES = True``, which would make ``core.uploads`` accept
    truncated photos in this process from then on. The flag is put back as it was."""
    from PIL import ImageFile

    before = ImageFile.LOAD_TRUNCATED_IMAGES
    try:
        import weasyprint
    finally:
        ImageFile.LOAD_TRUNCATED_IMAGES = before
    return weasyprint


def render_poster(board: WeeklyBoard, *, url: str) -> bytes:
    return _weasyprint().HTML(string=render_html(board, url=url)).write_pdf()
