"""Documents made here: HTML to PDF (WeasyPrint) and QR codes (segno).

The board's A3 poster, the monthly 阳光账本 and the e-receipts are rendered through ``pdf``;
the QR code that leads from paper to the page online is ``qr_data_uri``.
"""

from __future__ import annotations

import segno


def qr_data_uri(url: str, *, scale: int = 8) -> str:
    """A PNG QR code of ``url`` as a ``data:`` URI for an ``<img>`` (error correction M)."""
    return segno.make(url, error="m").png_data_uri(scale=scale, border=2)


def weasyprint():
    """Imports WeasyPrint without its side effect: on import it sets Pillow's process-wide
    ``ImageFile.LOAD_TRUNCATED_IMAGES = True``, which would make ``core.uploads`` accept
    truncated photos in this process from then on. The flag is put back as it was."""
    from PIL import ImageFile

    before = ImageFile.LOAD_TRUNCATED_IMAGES
    try:
        import weasyprint as module
    finally:
        ImageFile.LOAD_TRUNCATED_IMAGES = before
    return module


def pdf(html: str, *, base_url: str | None = None) -> bytes:
    """The PDF of an HTML document (fonts and images resolved against ``base_url``)."""
    return weasyprint().HTML(string=html, base_url=base_url).write_pdf()
