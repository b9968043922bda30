"""The 项目安全生产标准化考评结果告知书 (建质〔2014〕111号) as an official PDF.

Fixed Chinese wording whatever the reader's interface language; a fixed number of queries; the
QR code is an inline SVG, so rendering never makes an HTTP request.
"""

from __future__ import annotations

from django.db.models import Prefetch
from django.utils import timezone, translation

from anjian.core.pdf import DOCUMENT_LANGUAGE, qr_svg_data_uri, render_pdf
from anjian.projects.choices import ParticipantRole
from anjian.projects.models import ProjectParticipant

from .models import FinalEvaluation

TEMPLATE = "evaluations/pdf/final_notice.html"
TITLE = "项目安全生产标准化考评结果告知书"
RESULT_TEXT = {
    FinalEvaluation.Result.EXCELLENT: "优良",
    FinalEvaluation.Result.PASS: "合格",
    FinalEvaluation.Result.FAIL: "不合格",
}


def render_final_pdf(final: FinalEvaluation, *, verify_url: str) -> bytes:
    """The result notice of `final` as PDF bytes; its QR code opens `verify_url`."""
    with translation.override(DOCUMENT_LANGUAGE):
        context = final_context(final, verify_url=verify_url)
    return render_pdf(TEMPLATE, context)


def final_context(final: FinalEvaluation, *, verify_url: str, now=None) -> dict:
    """Everything the notice shows (2 queries)."""
    now = now or timezone.now()
    final = (
        FinalEvaluation.objects.select_related("project", "agency", "responsible_org")
        .prefetch_related(
            Prefetch(
                "project__participants",
                queryset=ProjectParticipant.objects.select_related("organization").order_by("id"),
            )
        )
        .get(pk=final.pk)
    )
    project, agency = final.project, final.agency
    triggers = [t.get("text", "") for t in final.triggers or [] if t.get("text")]
    # The stored reasons start with the trigger texts; show the rest as the commission's own.
    own = final.reasons or ""
    for text in triggers:
        own = own.replace(text, "")
    own = own.strip("；; \n")
    return {
        "agency": agency,
        "agency_name": agency.name,
        "doc_title": TITLE,
        "doc_number": final.number or "（未编号）",
        "printed_note": f"打印于 {timezone.localtime(now):%Y-%m-%d %H:%M}",
        "footer_note": f"考评结果 {final.number}",
        "draft": final.status == FinalEvaluation.Status.OBJECTED,
        "draft_watermark": "异议复核中",
        "final": final,
        "project": project,
        "contractor": project.participant(ParticipantRole.CONTRACTOR),
        "builder": project.participant(ParticipantRole.BUILDER),
        "supervision": project.participant(ParticipantRole.SUPERVISION),
        "result_text": RESULT_TEXT.get(final.result, final.result),
        "is_fail": final.result == FinalEvaluation.Result.FAIL,
        "original_text": RESULT_TEXT.get(final.original_result, ""),
        "triggers": triggers,
        "own_reasons": own,
        "responsible": final.responsible_org,
        "self_mean": final.self_evaluation_mean,
        "supervision_mean": final.supervision_mean,
        "decided_day": timezone.localtime(final.decided_at).date(),
        "verify_url": verify_url,
        "qr": qr_svg_data_uri(verify_url),
    }
