"""The official inspection record (监督检查记录) as a PDF, built from what the record holds.

One fixed number of queries whatever the checklist's length (about a dozen: the record, its
inspectors and participating units, answers, findings, photos, signatures, the agency's settings,
and for a draft the live content hash and score). Photos and signatures are read through Django
storage and inlined, so nothing is fetched over HTTP.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from django.db.models import Prefetch
from django.utils import timezone, translation

from anjian.accounts.models import AgencySettings, default_deadline_days
from anjian.core.pdf import DOCUMENT_LANGUAGE, file_data_uri, qr_svg_data_uri, render_pdf
from anjian.projects.choices import ParticipantRole
from anjian.projects.models import ProjectParticipant

from . import scoring
from .choices import AnswerResult, HazardGrade, InspectionSource, InspectionStatus, SignerRole
from .models import Finding, Inspection, InspectionAnswer, InspectionPhoto, Signature

TEMPLATE = "inspections/pdf/record.html"
DOC_TITLE = "监督检查记录"
SELF_DOC_TITLE = "安全自查记录"

RESULT_TEXT = {
    AnswerResult.COMPLIANT: "符合",
    AnswerResult.NONCOMPLIANT: "不符合",
    AnswerResult.NOT_APPLICABLE: "不适用",
    AnswerResult.UNANSWERED: "未检查",
}
GRADE_TEXT = {HazardGrade.GENERAL: "一般", HazardGrade.MAJOR: "重大"}
ZERO_RULE_TEXT = {
    scoring.GUARANTEE_ITEM_ZERO: "保证项目中有一项未得分，本表按零分计",
    scoring.GUARANTEE_SUBTOTAL_BELOW_40: "保证项目小计得分不足40分，本表按零分计",
}
SIGNER_TEXT = {
    SignerRole.INSPECTOR: "检查人员",
    SignerRole.REPRESENTATIVE: "施工单位项目代表",
    SignerRole.SUPERVISING_ENGINEER: "监理单位代表",
}
DATE = "Y年n月j日"
DATETIME = "Y年n月j日 H:i"


def render_inspection_pdf(inspection: Inspection, *, verify_url: str) -> bytes:
    """The 监督检查记录 of `inspection` as PDF bytes; its QR code opens `verify_url`."""
    with translation.override(DOCUMENT_LANGUAGE):
        context = record_context(inspection, verify_url=verify_url)
    return render_pdf(TEMPLATE, context)


def record_context(inspection: Inspection, *, verify_url: str, now=None) -> dict:
    """Everything the record template shows, as plain values (the queries all happen here)."""
    from .services.records import content_hash, inspection_score

    now = now or timezone.now()
    inspection = (
        Inspection.objects.select_related(
            "project", "agency", "template", "created_by__organization"
        )
        .prefetch_related(
            "inspectors",
            Prefetch(
                "project__participants",
                queryset=ProjectParticipant.objects.select_related("organization").order_by("id"),
            ),
        )
        .get(pk=inspection.pk)
    )
    finished = inspection.status == InspectionStatus.FINISHED
    project, template = inspection.project, inspection.template
    record_hash = inspection.content_hash if finished else content_hash(inspection)
    score = _score_data(inspection, finished, inspection_score)

    inspectors = sorted(
        inspection.inspectors.all(), key=lambda u: (u.pk != inspection.created_by_id, u.pk)
    )
    photos = list(
        InspectionPhoto.objects.filter(inspection=inspection).order_by("created_at", "id")
    )
    findings = list(
        Finding.objects.filter(inspection=inspection)
        .select_related("major_clause", "answer__item")
        .order_by("id")
    )
    answers = list(
        InspectionAnswer.objects.filter(inspection=inspection)
        .select_related("item__section")
        .order_by("item__section__order", "item__section_id", "item__order", "item_id")
    )
    signatures = list(
        Signature.objects.filter(inspection=inspection, voided_at__isnull=True).order_by(
            "signed_at", "id"
        )
    )

    numbered = _number_photos(photos, answers, findings)
    sections = _sections(answers, numbered, score, template.is_scored)
    issuer, title = inspection.agency.name, DOC_TITLE
    if inspection.source == InspectionSource.SELF:
        # A company's own check is not the agency's record: no agency heading on it.
        company = inspection.created_by.organization or project.participant(
            ParticipantRole.CONTRACTOR
        )
        issuer, title = (company.name if company else project.name), SELF_DOC_TITLE
    return {
        "inspection": inspection,
        "project": project,
        "template": template,
        "agency_name": issuer,
        "doc_title": title,
        "doc_number": inspection.number or "（未编号）",
        "draft": not finished,
        "footer_note": f"SHA-256 {record_hash[:16]}…",
        "printed_note": f"打印于 {timezone.localtime(now):%Y-%m-%d %H:%M}",
        "info": _basic_info(inspection, inspectors, finished),
        "scored": template.is_scored,
        "sections": sections,
        "score": score,
        "summary": _summary_rows(score) if score else [],
        "grade_text": scoring.GRADE_LABELS.get((score or {}).get("grade", ""), ""),
        "findings": _findings(findings, numbered, inspection.agency_id),
        "other_photos": [p for p in numbered if not p["answer_id"] and not p["finding_id"]],
        "signatures": _signature_rows(inspectors, signatures, record_hash),
        "record_hash": record_hash,
        "verify_url": verify_url,
        "qr": qr_svg_data_uri(verify_url),
        "now": now,
        "finished_at": inspection.finished_at,
        "answered": sum(1 for a in answers if a.result),
        "total_items": len(answers),
        "noncompliant": sum(1 for a in answers if a.result == AnswerResult.NONCOMPLIANT),
    }


# --- pieces ---------------------------------------------------------------------------------------


def _basic_info(inspection, inspectors, finished) -> dict:
    project = inspection.project
    kind = inspection.get_inspection_type_display()
    if inspection.source == InspectionSource.REMOTE:
        kind = f"{kind}（远程）"
    elif inspection.source == InspectionSource.SELF:
        kind = f"{kind}（企业自查）"
    template = inspection.template
    return {
        "builder": project.participant(ParticipantRole.BUILDER),
        "contractor": project.participant(ParticipantRole.CONTRACTOR),
        "supervision": project.participant(ParticipantRole.SUPERVISION),
        "type": kind,
        "inspectors": "、".join(u.get_full_name() or u.username for u in inspectors),
        "template": f"{template.name}（第{template.version}版）",
        "basis": template.basis,
        "started_at": inspection.started_at,
        "finished_at": inspection.finished_at if finished else None,
    }


def _score_data(inspection, finished, inspection_score) -> dict | None:
    """The stored score of a finished record, or the live score of a draft."""
    if not inspection.template.is_scored:
        return None
    if finished:
        return inspection.score_detail or None
    return inspection_score(inspection)


def _number_photos(photos, answers, findings) -> list[dict]:
    """图1…图n in the order the record shows them: by item, then by finding, then the rest."""
    by_answer, by_finding, rest = {}, {}, []
    for photo in photos:
        if photo.answer_id:
            by_answer.setdefault(photo.answer_id, []).append(photo)
        elif photo.finding_id:
            by_finding.setdefault(photo.finding_id, []).append(photo)
        else:
            rest.append(photo)
    ordered = [p for a in answers for p in by_answer.get(a.pk, [])]
    ordered += [p for f in findings for p in by_finding.get(f.pk, [])]
    ordered += rest
    return [
        {
            "number": number,
            "src": file_data_uri(photo.thumbnail) or file_data_uri(photo.image),
            "caption": photo.caption,
            "taken_at": photo.taken_at,
            "answer_id": photo.answer_id,
            "finding_id": photo.finding_id,
        }
        for number, photo in enumerate(ordered, 1)
    ]


def _deduction_notes(item, counts: dict) -> list[str]:
    """The 扣分标准 lines applied to a scored item, in words."""
    lines = item.deduction_lines or []
    notes = []
    for key, value in sorted((counts or {}).items(), key=lambda kv: _int(kv[0])):
        index = _int(key)
        if not 0 <= index < len(lines):
            continue
        line = lines[index] or {}
        text = (line.get("text") or "").rstrip("。")
        kind = line.get("kind")
        if kind == "range":
            notes.append(f"{text}（扣{_num(value)}分）")
        elif kind == "per_occurrence":
            notes.append(f"{text}（{_num(value)}处）")
        else:
            notes.append(text)
    return notes


def _int(value) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return -1


def _num(value) -> str:
    """A number without trailing zeros: 10.00 → 10, 2.50 → 2.5."""
    try:
        number = Decimal(str(value))
    except (InvalidOperation, ValueError):
        return str(value)
    text = f"{number:f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def _score(value) -> str:
    """A computed score as printed on the score sheets: two decimals."""
    if value is None or value == "":
        return ""
    try:
        return f"{Decimal(str(value)):.2f}"
    except (InvalidOperation, ValueError):
        return str(value)


def _sections(answers, numbered, score, scored) -> list[dict]:
    """Answers grouped by section, each row with its result, note and photos; per-table scores."""
    tables = {t["code"]: t for t in (score or {}).get("tables", [])}
    sections: dict[int, dict] = {}
    photos_by_answer: dict[int, list] = {}
    for photo in numbered:
        if photo["answer_id"]:
            photos_by_answer.setdefault(photo["answer_id"], []).append(photo)
    for answer in answers:
        item = answer.item
        section = item.section
        entry = sections.setdefault(
            section.pk,
            {
                "section": section,
                "rows": [],
                "points": Decimal(0),
                "deduction": Decimal(0),
                "table": tables.get(section.code),
            },
        )
        applicable = answer.result != AnswerResult.NOT_APPLICABLE
        row = {
            "code": item.code,
            "text": item.text,
            "clause": item.clause,
            "guarantee": item.is_guarantee and section.has_guarantee_split,
            "result": answer.result,
            "result_text": RESULT_TEXT.get(answer.result, answer.result),
            "note": answer.note,
            "photos": photos_by_answer.get(answer.pk, []),
            "scored": item.is_scored,
        }
        if item.is_scored:
            deduction = min(answer.deduction, item.points) if applicable else None
            row.update(
                points=_num(item.points),
                deduction=_num(deduction) if deduction else ("" if applicable else "—"),
                earned=_num(item.points - deduction) if applicable and answer.result else "",
                deduction_notes=_deduction_notes(item, answer.deduction_counts),
            )
            if applicable:
                entry["points"] += item.points
                entry["deduction"] += deduction or 0
        entry["rows"].append(row)
    result = []
    for entry in sections.values():
        table = entry["table"]
        earned = entry["points"] - entry["deduction"]
        if scored and table:
            entry["zero_rule_text"] = ZERO_RULE_TEXT.get(table.get("zero_rule") or "", "")
            entry["table_score"] = _score(table.get("score"))
            entry["guarantee_subtotal"] = _num(table.get("guarantee_subtotal"))
            entry["normalised"] = entry["points"] not in (0, 100)
        entry["earned"] = _num(earned)
        entry["points"] = _num(entry["points"])
        entry["deduction"] = _num(entry["deduction"])
        result.append(entry)
    return result


def _summary_rows(score: dict) -> list[dict]:
    """The 汇总表 rows in the standard's order (a JSON column may not keep the key order)."""
    categories = score.get("categories") or {}
    order = [code for code in scoring.JGJ59_WEIGHTS if code in categories]
    order += [code for code in categories if code not in order]
    table_counts: dict[str, int] = {}
    zero_categories = set()
    for table in score.get("tables", []):
        if table.get("applicable"):
            category = table.get("category", "")
            table_counts[category] = table_counts.get(category, 0) + 1
            if _score(table.get("score")) == "0.00":
                zero_categories.add(category)
    rows = []
    for index, code in enumerate(order, 1):
        data = categories[code]
        rows.append(
            {
                "index": index,
                "label": data.get("label") or code,
                "weight": _num(data.get("weight")),
                "score": _score(data.get("score")),
                "converted": _score(data.get("converted")),
                "missing": data.get("missing", False),
                "tables": table_counts.get(code, 0),
                "zero": code in zero_categories,
            }
        )
    return rows


def _findings(findings, numbered, agency_id) -> list[dict]:
    """The findings with their grade, clause and suggested deadline in words."""
    defaults = None
    rows = []
    for index, finding in enumerate(findings, 1):
        days = finding.deadline_days
        if days is None:
            if defaults is None:
                config = AgencySettings.objects.filter(agency_id=agency_id).first()
                defaults = (config.deadline_days if config else None) or default_deadline_days()
            days = defaults.get(finding.grade)
        rows.append(
            {
                "index": index,
                "item_code": finding.answer.item.code if finding.answer_id else "",
                "description": finding.description,
                "location": finding.location,
                "grade": finding.grade,
                "grade_text": GRADE_TEXT.get(finding.grade, finding.get_grade_display()),
                "clause": finding.major_clause.label if finding.major_clause_id else "",
                "clause_text": finding.major_clause.text if finding.major_clause_id else "",
                "deadline": _deadline_text(days),
                # Photos of a finding that are not shown with an item already.
                "photos": [
                    p for p in numbered if p["finding_id"] == finding.pk and not p["answer_id"]
                ],
            }
        )
    return rows


def _deadline_text(days) -> str:
    if days is None:
        return ""
    try:
        days = int(days)
    except (TypeError, ValueError):
        return ""
    return "立即整改" if days <= 0 else f"{days}日内"


def _signature_rows(inspectors, signatures, record_hash) -> list[dict]:
    """One row per inspector and per site role, signed or 未签."""
    rows = []
    by_inspector = {
        s.signer_id: s for s in signatures if s.role == SignerRole.INSPECTOR and s.signer_id
    }
    for inspector in inspectors:
        rows.append(
            _signature_row(
                SignerRole.INSPECTOR,
                by_inspector.get(inspector.pk),
                inspector.get_full_name() or inspector.username,
                record_hash,
            )
        )
    for role in (SignerRole.REPRESENTATIVE, SignerRole.SUPERVISING_ENGINEER):
        signed = [s for s in signatures if s.role == role]
        if not signed:
            rows.append(_signature_row(role, None, "", record_hash))
        for signature in signed:
            rows.append(_signature_row(role, signature, signature.signer_name, record_hash))
    return rows


def _signature_row(role, signature, name, record_hash) -> dict:
    return {
        "role": SIGNER_TEXT.get(role, role),
        "name": signature.signer_name if signature else name,
        "signed": signature is not None,
        "image": file_data_uri(signature.image) if signature else "",
        "signed_at": signature.signed_at if signature else None,
        "own_device": signature.on_own_device if signature else False,
        "matches": signature.content_hash == record_hash if signature else True,
    }
