"""An official document (公文) as PDF: 红头 with the agency's name in red, the number, a red rule,
the title, the text rendered from its Markdown (cleaned), the attachments by name, the deadlines,
the agency and date at the bottom, and a QR code to the document's page.

Fixed Chinese wording whatever the reader's interface language; two queries; the QR code is an
inline SVG, so rendering never makes an HTTP request.
"""

from __future__ import annotations

from django.utils import timezone, translation

from anjian.core.markdown import render_markdown
from anjian.core.pdf import DOCUMENT_LANGUAGE, qr_svg_data_uri, render_pdf

from .models import Document, DocumentStatus

TEMPLATE = "documents/pdf/document.html"
WATERMARKS = {DocumentStatus.WITHDRAWN: "已撤回"}


def render_document_pdf(document: Document, *, verify_url: str, now=None) -> bytes:
    """The document as PDF bytes; its QR code opens `verify_url`."""
    with translation.override(DOCUMENT_LANGUAGE):
        context = document_context(document, verify_url=verify_url, now=now)
    return render_pdf(TEMPLATE, context)


def document_context(document: Document, *, verify_url: str, now=None) -> dict:
    """Everything the PDF shows (2 queries: the document with its agency, the attachments)."""
    now = now or timezone.now()
    document = Document.objects.select_related("agency").get(pk=document.pk)
    agency = document.agency
    issued_at = document.sent_at or now
    number = document.number or "（未编号）"
    return {
        "agency": agency,
        "agency_name": agency.name,
        "doc_title": document.title,
        "doc_number": number,
        "printed_note": f"打印于 {timezone.localtime(now):%Y-%m-%d %H:%M}",
        "footer_note": f"{document.get_kind_display()} {number}",
        "draft": document.status in WATERMARKS,
        "draft_watermark": WATERMARKS.get(document.status, ""),
        "document": document,
        "kind_text": document.get_kind_display(),
        "body_html": render_markdown(document.body),
        "attachments": [a.filename for a in document.attachments.order_by("id")],
        "sign_deadline": document.sign_deadline if document.sign_required else None,
        "reply_deadline": document.reply_deadline if document.reply_required else None,
        "withdrawn_at": document.withdrawn_at
        if document.status == DocumentStatus.WITHDRAWN
        else None,
        "issued_day": timezone.localtime(issued_at).date(),
        "verify_url": verify_url,
        "qr": qr_svg_data_uri(verify_url),
    }
