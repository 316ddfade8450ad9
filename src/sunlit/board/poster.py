"""The A3 poster for the bulletin board (公告栏): WeasyPrint, a CJK font, a QR code (segno).

The QR code carries the online board's address; the footer prints the log reference (log
origin, leaf index) and the content's SHA-256 so a reader can check the paper against the log.
Needs a CJK font on the machine (fonts-noto-cjk: "Noto Sans CJK SC"); WeasyPrint embeds the
glyphs used.
"""

from __future__ import annotations

from django.template.loader import render_to_string

from sunlit.board.choices import Section
from sunlit.board.models import WeeklyBoard
from sunlit.core import rendering

MAX_ROWS = 40  # an A3 sheet holds about this many rows; the rest are online (the QR code)


def render_html(board: WeeklyBoard, *, url: str) -> str:
    content = board.content
    items = content.get("items", [])
    return render_to_string("board/poster.html", {
        "board": board, "content": content, "stats": content.get("stats", {}),
        "new_items": [i for i in items if i["section"] == Section.NEW][:MAX_ROWS],
        "carried_items": [i for i in items if i["section"] == Section.CARRIED][:MAX_ROWS],
        "more": max(len(items) - MAX_ROWS * 2, 0),
        "url": url, "qr": rendering.qr_data_uri(url),
        "leaf": board.leaf, "origin": board.leaf.log.origin if board.leaf_id else "",
    })


def render_poster(board: WeeklyBoard, *, url: str) -> bytes:
    return rendering.pdf(render_html(board, url=url))
