"""The 阳光账本 as a PDF: WeasyPrint, the CJK font, a QR code to the online month and its proof.

The footer prints the log reference (origin, leaf index) and the content's SHA-256 of a
published month, so a reader of the paper can check it against the log; a draft says so.
"""

from __future__ import annotations

from django.template.loader import render_to_string

from sunlit.core import rendering


def render_html(context: dict, *, url: str) -> str:
    row = context["row"]
    return render_to_string("finance/report/pdf.html", {
        **context, "url": url, "qr": rendering.qr_data_uri(url),
        "leaf": row.leaf if row is not None else None,
        "origin": row.leaf.log.origin if row is not None and row.leaf_id else "",
    })


def render_pdf(context: dict, *, url: str) -> bytes:
    return rendering.pdf(render_html(context, url=url))
