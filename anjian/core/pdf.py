"""Official documents as PDF: a Django template rendered by WeasyPrint, QR codes, embedded files.

Everything a document shows is inlined as a ``data:`` URI (photos, signatures, the QR code), so
rendering needs no HTTP request and reads stored files through Django's storage API (local disk
or S3 alike). The URL fetcher refuses every other scheme: a document never reaches the network.

Layout tips for WeasyPrint (see templates/pdf/base.html): give tables ``table-layout: fixed``
and explicit column widths. The automatic layout measures the min-content width of every cell,
which for CJK text (a break opportunity after each character) is several times slower.
"""

from __future__ import annotations

import base64
import logging
import mimetypes

import qrcode
import qrcode.image.svg
from django.template.loader import render_to_string
from django.utils import translation

logger = logging.getLogger(__name__)

# Official documents are Chinese whatever the reader's interface language.
DOCUMENT_LANGUAGE = "zh-hans"

_MAGIC = (
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"GIF8", "image/gif"),
)


def render_pdf(
    template_name: str, context: dict, *, base_url: str | None = None, language: str | None = None
) -> bytes:
    """Render a Django template to PDF bytes with WeasyPrint (Chinese labels by default)."""
    from weasyprint import HTML
    from weasyprint.urls import URLFetcher

    with translation.override(language or DOCUMENT_LANGUAGE):
        html = render_to_string(template_name, context)
    # Only data: URIs are fetched; anything else (http, file) is refused and left out.
    fetcher = URLFetcher(allowed_protocols=("data",))
    return HTML(string=html, base_url=base_url, url_fetcher=fetcher).write_pdf()


def data_uri(data: bytes, content_type: str) -> str:
    """A base64 ``data:`` URI of the bytes."""
    return f"data:{content_type};base64,{base64.b64encode(data).decode('ascii')}"


def qr_svg_data_uri(url: str) -> str:
    """A QR code of `url` as an SVG data URI (vector, so it prints sharp at any size)."""
    code = qrcode.QRCode(
        error_correction=qrcode.constants.ERROR_CORRECT_M,
        border=0,
        image_factory=qrcode.image.svg.SvgPathImage,
    )
    code.add_data(url)
    code.make(fit=True)
    svg = code.make_image().to_string(encoding="unicode")
    return data_uri(svg.encode(), "image/svg+xml")


def _content_type(data: bytes, name: str) -> str:
    for magic, content_type in _MAGIC:
        if data.startswith(magic):
            return content_type
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp"
    return mimetypes.guess_type(name)[0] or "application/octet-stream"


def file_data_uri(field_file) -> str:
    """A stored file (FieldFile) as a data URI, read through its storage; "" if unreadable.

    A missing or unreadable file leaves a gap in the document rather than failing it: the
    record itself (and its hash) is in the database, the picture is evidence shown beside it.
    """
    if not field_file or not getattr(field_file, "name", ""):
        return ""
    try:
        with field_file.storage.open(field_file.name, "rb") as handle:
            data = handle.read()
    except Exception:  # any storage backend's error (OSError, botocore's ClientError, ...)
        logger.warning("PDF: cannot read stored file %s", field_file.name, exc_info=True)
        return ""
    if not data:
        return ""
    return data_uri(data, _content_type(data, field_file.name))
