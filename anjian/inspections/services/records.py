"""Writes for inspection records: start, answer, photos, findings, sign, finish, reopen."""

import base64
import binascii
import hashlib
import json
from decimal import Decimal, InvalidOperation

from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from anjian.accounts.choices import AgencyRole
from anjian.accounts.models import AgencySettings
from anjian.core.errors import DomainError
from anjian.core.errors import PermissionDenied as NotAllowed
from anjian.core.numbering import next_number
from anjian.core.photos import PhotoError, store_evidence
from anjian.projects.choices import CONTRACTOR_ROLES, SUPERVISION_ROLES
from anjian.projects.models import Project, ProjectMember

from .. import scoring
from ..choices import (
    AnswerResult,
    HazardGrade,
    InspectionSource,
    InspectionStatus,
    SignerRole,
    TemplateStatus,
    VisitStatus,
)
from ..models import (
    Finding,
    Inspection,
    InspectionAnswer,
    InspectionEvent,
    InspectionPhoto,
    Signature,
    TemplateItem,
)

__all__ = [
    "content_hash",
    "finding_delete",
    "finding_save",
    "inspection_answer",
    "inspection_finish",
    "inspection_mark_section",
    "inspection_photo_add",
    "inspection_reopen",
    "inspection_score",
    "inspection_sign",
    "inspection_start",
    "inspection_update_notes",
]

INSPECTING_ROLES = (AgencyRole.SUPERVISOR, AgencyRole.CHIEF)
MAX_SIGNATURE_BYTES = 512 * 1024


def _event(inspection, type_, actor, comment="", **payload):
    InspectionEvent.objects.create(
        inspection=inspection, type=type_, actor=actor, comment=comment, payload=payload
    )


def _lock(inspection) -> Inspection:
    return Inspection.objects.select_for_update().get(pk=inspection.pk)


def _require_open(inspection):
    if inspection.status != InspectionStatus.IN_PROGRESS:
        raise DomainError(_("This inspection is finished; reopen it to change it."))


def can_edit(inspection, user) -> bool:
    """Inspectors of the record (and the section chief of its agency) may fill it in."""
    if user.is_superuser:
        return True
    if inspection.inspectors.filter(pk=user.pk).exists():
        return True
    return user.agency_role == AgencyRole.CHIEF and user.organization_id == inspection.agency_id


def _require_editor(inspection, user):
    if not can_edit(inspection, user):
        raise NotAllowed(_("Only the inspectors of this record may change it."))


def _void_signatures(inspection, by, reason):
    valid = inspection.signatures.filter(voided_at__isnull=True)
    count = valid.update(voided_at=timezone.now(), void_reason=reason[:200])
    if count:
        _event(inspection, InspectionEvent.Type.SIGNATURES_VOIDED, by, reason, count=count)
    return count


# --- start ---------------------------------------------------------------------------------------


@transaction.atomic
def inspection_start(
    *,
    project: Project,
    template,
    by,
    inspectors=(),
    visit=None,
    inspection_type=None,
    source=InspectionSource.SUPERVISION,
    latitude=None,
    longitude=None,
    accuracy=None,
) -> Inspection:
    """Start an inspection of `project` with a published template; `by` is an inspector."""
    if source != InspectionSource.SELF:
        if not (by.is_superuser or (by.is_agency_staff and by.agency_role in INSPECTING_ROLES)):
            raise NotAllowed(
                _("Only supervisors and section chiefs start supervision inspections.")
            )
    if not Project.objects.visible_to(by).filter(pk=project.pk).exists():
        raise NotAllowed(_("This project is outside your jurisdiction."))
    if template.status != TemplateStatus.PUBLISHED:
        raise DomainError(_("Only a published checklist can be used."))
    team = {u.pk: u for u in inspectors}
    team.setdefault(by.pk, by)
    if visit is not None:
        if visit.project_id != project.pk:
            raise DomainError(_("The planned visit is for another project."))
        for inspector in visit.inspectors.all():
            team.setdefault(inspector.pk, inspector)
    for member in team.values():
        if source != InspectionSource.SELF and not (
            member.is_agency_staff and member.organization_id == by.organization_id
        ):
            raise DomainError(_("Inspectors must be staff of your agency."))
    inspection = Inspection.objects.create(
        project=project,
        agency=project.agency,
        template=template,
        visit=visit,
        inspection_type=inspection_type or (visit.inspection_type if visit else "routine"),
        source=source,
        created_by=by,
        latitude=_coordinate(latitude),
        longitude=_coordinate(longitude),
        location_accuracy=accuracy,
    )
    inspection.inspectors.set(team.values())
    items = TemplateItem.objects.filter(section__template=template).only("pk")
    InspectionAnswer.objects.bulk_create(
        InspectionAnswer(inspection=inspection, item=item) for item in items
    )
    _event(inspection, InspectionEvent.Type.STARTED, by, template=str(template))
    return inspection


def _coordinate(value):
    if value in (None, ""):
        return None
    try:
        return Decimal(str(value)).quantize(Decimal("0.000001"))
    except InvalidOperation:
        return None


# --- answers ---------------------------------------------------------------------------------------


def _parse_counts(item: TemplateItem, counts) -> tuple[Decimal, dict]:
    """The item's deduction from per-line counts (scored items), with the counts kept."""
    lines = item.deduction_lines or []
    clean = {}
    for key, value in (counts or {}).items():
        try:
            index = int(key)
        except (TypeError, ValueError):
            continue
        if 0 <= index < len(lines) and value not in (None, "", 0, "0"):
            clean[index] = value
    try:
        deduction = scoring.deduction_for_lines(lines, clean, points=item.points)
    except ValueError as error:
        raise DomainError(str(error), field="deduction") from None
    return deduction, {str(k): str(v) for k, v in clean.items()}


@transaction.atomic
def inspection_answer(
    *,
    inspection: Inspection,
    item: TemplateItem,
    by,
    result: str | None = None,
    counts: dict | None = None,
    deduction=None,
    note: str | None = None,
) -> InspectionAnswer:
    """Record an item's result (or, for scored items, its deduction); saved as you go."""
    inspection = _lock(inspection)
    _require_open(inspection)
    _require_editor(inspection, by)
    answer = InspectionAnswer.objects.select_for_update().get(inspection=inspection, item=item)
    before = (answer.result, answer.deduction, answer.note)
    if result is not None and result not in AnswerResult.values:
        raise DomainError(_("Unknown result."), field="result")
    if item.is_scored:
        if result == AnswerResult.NOT_APPLICABLE:
            answer.result, answer.deduction, answer.deduction_counts = result, Decimal(0), {}
        elif counts is not None or deduction is not None or result is not None:
            if result == AnswerResult.NONCOMPLIANT and counts is None and deduction is None:
                raise DomainError(
                    _("For a scored item, enter the deduction instead."), field="deduction"
                )
            if counts is not None:
                value, kept = _parse_counts(item, counts)
            else:
                try:
                    value = Decimal(str(deduction or 0))
                except InvalidOperation:
                    raise DomainError(
                        _("The deduction must be a number."), field="deduction"
                    ) from None
                if value < 0:
                    raise DomainError(_("The deduction cannot be negative."), field="deduction")
                value, kept = min(value, item.points), {}
            if result == AnswerResult.COMPLIANT:
                value, kept = Decimal(0), {}
            answer.deduction, answer.deduction_counts = value, kept
            answer.result = AnswerResult.NONCOMPLIANT if value > 0 else AnswerResult.COMPLIANT
    elif result is not None:
        answer.result = result
    if note is not None:
        answer.note = note.strip()[:2000]
    if (answer.result, answer.deduction, answer.note) != before:
        answer.answered_by = by
        answer.answered_at = timezone.now()
        answer.save()
        _void_signatures(inspection, by, _("The record changed after signing."))
    return answer


@transaction.atomic
def inspection_mark_section(*, inspection: Inspection, section, by, result: str) -> int:
    """Mark every unanswered item of a section compliant or not applicable at once."""
    if result not in (AnswerResult.COMPLIANT, AnswerResult.NOT_APPLICABLE):
        raise DomainError(_("A whole section can only be marked compliant or not applicable."))
    inspection = _lock(inspection)
    _require_open(inspection)
    _require_editor(inspection, by)
    answers = inspection.answers.filter(item__section=section)
    if result == AnswerResult.COMPLIANT:
        answers = answers.filter(result="")
    else:
        if inspection.findings.filter(answer__item__section=section).exists():
            raise DomainError(_("This section has findings; remove them first."))
    count = answers.update(
        result=result,
        deduction=Decimal(0),
        deduction_counts={},
        answered_by=by,
        answered_at=timezone.now(),
    )
    if count:
        _void_signatures(inspection, by, _("The record changed after signing."))
    return count


@transaction.atomic
def inspection_update_notes(
    *, inspection: Inspection, by, site_situation=None, conclusion=None
) -> Inspection:
    """Save the record's free text: the site situation and the conclusion."""
    inspection = _lock(inspection)
    _require_open(inspection)
    _require_editor(inspection, by)
    fields = []
    if site_situation is not None and site_situation != inspection.site_situation:
        inspection.site_situation = site_situation.strip()[:5000]
        fields.append("site_situation")
    if conclusion is not None and conclusion != inspection.conclusion:
        inspection.conclusion = conclusion.strip()[:5000]
        fields.append("conclusion")
    if fields:
        inspection.save(update_fields=[*fields, "updated_at"])
        _void_signatures(inspection, by, _("The record changed after signing."))
    return inspection


# --- photos --------------------------------------------------------------------------------------


@transaction.atomic
def inspection_photo_add(
    *,
    inspection: Inspection,
    by,
    data: bytes,
    filename: str = "photo.jpg",
    answer: InspectionAnswer | None = None,
    finding: Finding | None = None,
    caption: str = "",
) -> InspectionPhoto:
    """Attach a photo: keep the original and its SHA-256, store a stamped copy and a thumbnail."""
    inspection = _lock(inspection)
    _require_open(inspection)
    _require_editor(inspection, by)
    if answer is not None and answer.inspection_id != inspection.pk:
        raise DomainError(_("The item belongs to another inspection."))
    if finding is not None and finding.inspection_id != inspection.pk:
        raise DomainError(_("The finding belongs to another inspection."))
    photo = InspectionPhoto(
        inspection=inspection, answer=answer, finding=finding, caption=caption[:200], uploaded_by=by
    )
    try:
        processed = store_evidence(photo, data, project_name=inspection.project.name, operator=by)
    except PhotoError as error:
        raise DomainError(str(error), field="photo") from None
    if processed.gps:
        photo.latitude = _coordinate(processed.gps[0])
        photo.longitude = _coordinate(processed.gps[1])
    photo.save()
    _void_signatures(inspection, by, _("The record changed after signing."))
    return photo


# --- findings ------------------------------------------------------------------------------------


@transaction.atomic
def finding_save(
    *,
    inspection: Inspection,
    by,
    description: str,
    location: str,
    grade: str = HazardGrade.GENERAL,
    major_clause=None,
    deadline_days=None,
    answer: InspectionAnswer | None = None,
    finding: Finding | None = None,
    dangerous_work=None,
) -> Finding:
    """Create or update a finding; a 重大 finding must cite a clause of the 2024 standard.

    `dangerous_work` links the finding to a 危大工程 of the inspected project (None unlinks
    it); the first time a finding is linked to a work, the work's timeline gets an
    "inspected" step."""
    inspection = _lock(inspection)
    _require_open(inspection)
    _require_editor(inspection, by)
    description, location = (description or "").strip(), (location or "").strip()
    if not description:
        raise DomainError(_("Describe the problem."), field="description")
    if not location:
        raise DomainError(_("Say where on site the problem is."), field="location")
    if grade not in HazardGrade.values:
        raise DomainError(_("Unknown grade."), field="grade")
    if grade == HazardGrade.MAJOR and major_clause is None:
        raise DomainError(
            _("A major hazard must cite a clause of the major-hazard standard."),
            field="major_clause",
        )
    if grade == HazardGrade.GENERAL:
        major_clause = None
    if answer is not None and answer.inspection_id != inspection.pk:
        raise DomainError(_("The item belongs to another inspection."))
    if dangerous_work is not None and dangerous_work.project_id != inspection.project_id:
        raise DomainError(
            _("The dangerous work belongs to another project."), field="dangerous_work"
        )
    if finding is None:
        finding = Finding(inspection=inspection, created_by=by)
    elif finding.inspection_id != inspection.pk:
        raise DomainError(_("The finding belongs to another inspection."))
    finding.answer = answer if answer is not None else finding.answer
    finding.description = description[:2000]
    finding.location = location[:120]
    finding.grade = grade
    finding.major_clause = major_clause
    finding.deadline_days = deadline_days
    finding.dangerous_work = dangerous_work
    if finding.answer is not None:
        finding.category = finding.answer.item.section.title
    finding.save()
    if dangerous_work is not None:
        _record_work_inspected(dangerous_work, inspection, finding, by)
    _void_signatures(inspection, by, _("The record changed after signing."))
    return finding


def _record_work_inspected(work, inspection, finding, by):
    """Write the work's "inspected" step, once per finding linked to it."""
    from anjian.dangerous_works.models import WorkStep

    steps = WorkStep.objects.filter(work=work, action="inspected", payload__finding=finding.pk)
    if steps.exists():
        return
    WorkStep.objects.create(
        work=work,
        action="inspected",
        actor=by,
        comment=finding.description,
        payload={"inspection": inspection.pk, "finding": finding.pk},
    )


@transaction.atomic
def finding_delete(*, finding: Finding, by) -> None:
    """Remove a finding from an open inspection."""
    inspection = _lock(finding.inspection)
    _require_open(inspection)
    _require_editor(inspection, by)
    finding.delete()
    _void_signatures(inspection, by, _("The record changed after signing."))


# --- content hash and score --------------------------------------------------------------------


def canonical_content(inspection: Inspection) -> dict:
    """The record's content that signatures bind to (metadata like the number excluded)."""
    answers = (
        inspection.answers.select_related("item")
        .order_by("item__section__order", "item__order", "item_id")
        .values_list("item__code", "result", "deduction", "note")
    )
    findings = inspection.findings.select_related("major_clause", "answer__item").order_by("id")
    photos = inspection.photos.select_related("answer__item").order_by("id")
    return {
        "project": inspection.project_id,
        "template": [inspection.template.key, inspection.template.version],
        "type": inspection.inspection_type,
        "source": inspection.source,
        "started": timezone.localtime(inspection.started_at).date().isoformat(),
        "inspectors": sorted(inspection.inspectors.values_list("pk", flat=True)),
        "site_situation": inspection.site_situation,
        "conclusion": inspection.conclusion,
        "answers": [[code, result, str(ded), note] for code, result, ded, note in answers],
        "findings": [
            [
                f.answer.item.code if f.answer else "",
                f.description,
                f.location,
                f.grade,
                f.major_clause.code if f.major_clause else "",
                f.deadline_days,
            ]
            for f in findings
        ],
        "photos": [
            [p.sha256, p.answer.item.code if p.answer else "", p.finding_id or 0] for p in photos
        ],
    }


def content_hash(inspection: Inspection) -> str:
    """SHA-256 of the canonical JSON of the record's content."""
    payload = json.dumps(
        canonical_content(inspection), ensure_ascii=False, sort_keys=True, separators=(",", ":")
    )
    return hashlib.sha256(payload.encode()).hexdigest()


def inspection_score(inspection: Inspection) -> dict | None:
    """JGJ59 scoring of a scored inspection: per table, per category, total and grade."""
    if not inspection.template.is_scored:
        return None
    answers = inspection.answers.select_related("item__section").order_by(
        "item__section__order", "item__order"
    )
    return score_rows(
        inspection.template,
        ((a.item, a.deduction, a.result != AnswerResult.NOT_APPLICABLE) for a in answers),
    )


def score_rows(template, rows) -> dict | None:
    """JGJ59 scoring of `rows` = (item with its section, deduction, applicable) in sheet order:
    per table (score, zero rule), per category, the 汇总表 total and the grade. Used by
    inspections and by project evaluations (考评)."""
    by_section: dict[int, list] = {}
    sections = {}
    for item, deduction, applicable in rows:
        section = item.section
        sections[section.pk] = section
        by_section.setdefault(section.pk, []).append(
            scoring.ItemResult(
                code=item.code,
                points=item.points,
                deduction=deduction,
                guarantee=item.is_guarantee,
                applicable=applicable,
            )
        )
    tables, per_category = [], {}
    for pk, items in by_section.items():
        section = sections[pk]
        table = scoring.table_score(items, section.has_guarantee_split, code=section.code)
        tables.append((section, table))
        if table.applicable:
            per_category.setdefault(section.category, []).append(table)
    weights = {k: Decimal(str(v)) for k, v in template.summary_weights.items()}
    category_scores = {code: scoring.category_score(per_category.get(code, [])) for code in weights}
    applicable_tables = [t for _s, t in tables if t.applicable]
    any_zero = scoring.has_zero_table(applicable_tables)
    if not applicable_tables:
        return None
    summary = scoring.summary_score(category_scores, any_zero, weights)
    return {
        "total": str(summary.total),
        "grade": summary.grade,
        "any_table_zero": any_zero,
        "missing_categories": summary.missing_categories,
        "categories": {
            code: {k: str(v) if isinstance(v, Decimal) else v for k, v in data.items()}
            for code, data in summary.per_category.items()
        },
        "tables": [
            {
                "code": section.code,
                "title": section.title,
                "category": section.category,
                "applicable": table.applicable,
                "score": str(table.score),
                "zero_rule": table.zero_rule,
                "guarantee_subtotal": (
                    str(table.guarantee_subtotal) if table.guarantee_subtotal is not None else None
                ),
            }
            for section, table in tables
        ],
    }


# --- signatures ----------------------------------------------------------------------------------


def _decode_signature(image_data: str) -> bytes:
    """PNG bytes from a data URL (signature_pad's toDataURL) or base64."""
    raw = (image_data or "").strip()
    if raw.startswith("data:"):
        header, _sep, raw = raw.partition(",")
        if "image/png" not in header:
            raise DomainError(_("The signature must be a PNG image."), field="image")
    try:
        data = base64.b64decode(raw, validate=True)
    except (binascii.Error, ValueError):
        raise DomainError(_("The signature image could not be read."), field="image") from None
    if not data.startswith(b"\x89PNG\r\n\x1a\n"):
        raise DomainError(_("The signature must be a PNG image."), field="image")
    if len(data) > MAX_SIGNATURE_BYTES:
        raise DomainError(_("The signature image is too large."), field="image")
    if len(data) < 200:
        raise DomainError(_("Please sign in the box before saving."), field="image")
    return data


def representative_members(inspection: Inspection):
    """The project's people who may sign for the site (项目经理 or a delegate, and 监理)."""
    roles = [*CONTRACTOR_ROLES, *SUPERVISION_ROLES]
    return ProjectMember.objects.filter(
        project=inspection.project, role__in=roles, is_active=True
    ).select_related("user")


@transaction.atomic
def inspection_sign(
    *,
    inspection: Inspection,
    by,
    role: str,
    image_data: str,
    signer=None,
    signer_name: str = "",
) -> Signature:
    """Add a signature bound to the SHA-256 of the record's content at this moment.

    - An inspector signs on any inspector's device (`signer` must be one of the inspectors).
    - The site representative signs on the inspector's device (`by` is an inspector), or
      later on their own phone (`by` is the representative, the record finished).
    """
    inspection = _lock(inspection)
    if role not in SignerRole.values:
        raise DomainError(_("Unknown signer role."), field="role")
    image = _decode_signature(image_data)
    own_device = False
    if role == SignerRole.INSPECTOR:
        _require_editor(inspection, by)
        _require_open(inspection)
        signer = signer or by
        if not inspection.inspectors.filter(pk=signer.pk).exists():
            raise DomainError(_("Only the record's inspectors sign as inspectors."))
        signer_name = signer.get_full_name() or signer.username
        if inspection.signatures.filter(role=role, signer=signer, voided_at__isnull=True).exists():
            raise DomainError(_("This inspector has already signed."))
    else:
        members = representative_members(inspection)
        if can_edit(inspection, by):
            # On the inspector's device: the representative is named (chosen from key people).
            _require_open(inspection)
            if signer is not None:
                member = members.filter(user=signer).first()
                if member is None:
                    raise DomainError(_("This person is not a key person of the project."))
                signer_name = member.name
            signer_name = (signer_name or "").strip()
            if not signer_name:
                raise DomainError(_("Give the name of the person signing."), field="signer_name")
        else:
            member = members.filter(user=by).first()
            if member is None:
                raise NotAllowed(_("Only the project's key people sign for the site."))
            if inspection.status != InspectionStatus.FINISHED:
                raise DomainError(_("The record can be signed here once the inspectors finish it."))
            if role == SignerRole.REPRESENTATIVE and member.role in SUPERVISION_ROLES:
                role = SignerRole.SUPERVISING_ENGINEER
            signer, signer_name, own_device = by, member.name, True
        if inspection.signatures.filter(role=role, voided_at__isnull=True).exists():
            raise DomainError(_("The site has already signed this record."))
    current = (
        inspection.content_hash
        if inspection.status == InspectionStatus.FINISHED
        else content_hash(inspection)
    )
    signature = Signature(
        inspection=inspection,
        role=role,
        signer=signer,
        signer_name=signer_name[:40],
        content_hash=current,
        on_own_device=own_device,
        recorded_by=by,
    )
    signature.image.save("signature.png", ContentFile(image), save=False)
    signature.save()
    _event(
        inspection,
        InspectionEvent.Type.SIGNED,
        by,
        signer_name,
        role=role,
        hash=current,
        own_device=own_device,
    )
    return signature


# --- finish and reopen -----------------------------------------------------------------------------


def finish_problems(inspection: Inspection) -> list[str]:
    """Everything that still stops the record from being finished, in words."""
    problems = []
    unanswered = inspection.answers.filter(result="").count()
    if unanswered:
        problems.append(_("%(n)d items are not answered yet.") % {"n": unanswered})
    missing = (
        inspection.answers.filter(result=AnswerResult.NONCOMPLIANT, findings__isnull=True)
        .select_related("item")
        .distinct()
    )
    for answer in missing[:20]:
        problems.append(
            _("Item %(code)s is non-compliant: record it as a finding.")
            % {"code": answer.item.code}
        )
    no_photo = (
        inspection.answers.filter(result=AnswerResult.NONCOMPLIANT, item__photo_required=True)
        .exclude(photos__isnull=False)
        .exclude(findings__photos__isnull=False)
        .select_related("item")
        .distinct()
    )
    for answer in no_photo[:20]:
        problems.append(
            _("Item %(code)s is non-compliant: add a photo.") % {"code": answer.item.code}
        )
    if inspection.source != InspectionSource.SELF:
        minimum = AgencySettings.for_agency(inspection.agency).min_inspectors
        if inspection.inspectors.count() < minimum:
            problems.append(
                _("A supervision inspection needs at least %(n)d inspectors.") % {"n": minimum}
            )
    signed = set(
        inspection.signatures.filter(role=SignerRole.INSPECTOR, voided_at__isnull=True).values_list(
            "signer_id", flat=True
        )
    )
    for inspector in inspection.inspectors.all():
        if inspector.pk not in signed:
            problems.append(
                _("Inspector %(name)s has not signed.")
                % {"name": inspector.get_full_name() or inspector.username}
            )
    return problems


@transaction.atomic
def inspection_finish(
    *,
    inspection: Inspection,
    by,
    notice_kind: str = "rectify",
    requirements: str = "",
    stop_scope: str = "",
) -> Inspection:
    """Finish the record: check it is complete, score it, number it, fix its content hash;
    its findings become hazards grouped in one notice (整改 or 局部/全面停工整改通知书)."""
    inspection = _lock(inspection)
    _require_open(inspection)
    _require_editor(inspection, by)
    problems = finish_problems(inspection)
    if problems:
        raise DomainError("；".join(problems))
    result = inspection_score(inspection)
    now = timezone.now()
    if not inspection.number:
        inspection.number = next_number(
            agency=inspection.agency, kind="inspection", year=timezone.localtime(now).year
        )
    inspection.status = InspectionStatus.FINISHED
    inspection.finished_at = now
    inspection.content_hash = content_hash(inspection)
    inspection.score = Decimal(result["total"]) if result else None
    inspection.grade = result["grade"] if result else ""
    inspection.score_detail = result or {}
    inspection.save(
        update_fields=[
            "number",
            "status",
            "finished_at",
            "content_hash",
            "score",
            "grade",
            "score_detail",
            "updated_at",
        ]
    )
    if inspection.visit_id:
        inspection.visit.__class__.objects.filter(pk=inspection.visit_id).update(
            status=VisitStatus.DONE
        )
    _event(inspection, InspectionEvent.Type.FINISHED, by, hash=inspection.content_hash)
    if not inspection.hazards.exists():  # a reopened record keeps the hazards it issued
        from anjian.hazards.services import hazards_from_inspection

        hazards_from_inspection(
            inspection=inspection,
            by=by,
            notice_kind=notice_kind,
            requirements=requirements,
            stop_scope=stop_scope,
            now=now,
        )
    return inspection


@transaction.atomic
def inspection_reopen(*, inspection: Inspection, by, reason: str) -> Inspection:
    """Reopen a finished record for correction; its signatures are voided (kept in history)."""
    inspection = _lock(inspection)
    if inspection.status != InspectionStatus.FINISHED:
        raise DomainError(_("Only a finished record can be reopened."))
    _require_editor(inspection, by)
    reason = (reason or "").strip()
    if not reason:
        raise DomainError(_("Give the reason for reopening."), field="reason")
    inspection.status = InspectionStatus.IN_PROGRESS
    inspection.finished_at = None
    inspection.save(update_fields=["status", "finished_at", "updated_at"])
    _event(inspection, InspectionEvent.Type.REOPENED, by, reason)
    _void_signatures(inspection, by, _("Record reopened: %(reason)s") % {"reason": reason})
    return inspection
