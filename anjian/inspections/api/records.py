"""Inspection API: records — create, answer, photos, findings, sign, finish, reopen."""

import datetime
from decimal import Decimal

from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from ninja import Field, File, Form, Router, Schema, Status, UploadedFile
from ninja.pagination import PageNumberPagination, paginate

from anjian.accounts.models import User
from anjian.core.errors import DomainError
from anjian.core.errors import PermissionDenied as NotAllowed
from anjian.dangerous_works.models import DangerousWork
from anjian.projects.models import Project

from ..models import (
    ChecklistTemplate,
    Finding,
    Inspection,
    InspectionAnswer,
    MajorHazardClause,
    PlannedVisit,
)
from ..selectors.records import inspection_for_user, inspections_filtered
from ..services import records as svc

router = Router(tags=["inspections"])


class InspectionListOut(Schema):
    id: int
    number: str
    project_id: int
    project_name: str = Field(..., alias="project.name")
    template_id: int
    template_name: str = Field(..., alias="template.name")
    inspection_type: str
    source: str
    status: str
    started_at: datetime.datetime
    finished_at: datetime.datetime | None
    score: Decimal | None
    grade: str


class AnswerOut(Schema):
    item_id: int
    item_code: str = Field(..., alias="item.code")
    result: str
    deduction: Decimal
    deduction_counts: dict
    note: str


class FindingOut(Schema):
    id: int
    item_id: int | None = None
    description: str
    location: str
    grade: str
    major_clause: str | None = None
    deadline_days: int | None
    dangerous_work_id: int | None = None

    @staticmethod
    def resolve_item_id(obj):
        return obj.answer.item_id if obj.answer_id else None

    @staticmethod
    def resolve_major_clause(obj):
        return obj.major_clause.code if obj.major_clause_id else None


class PhotoOut(Schema):
    id: int
    item_id: int | None = None
    finding_id: int | None
    sha256: str
    taken_at: datetime.datetime | None
    created_at: datetime.datetime

    @staticmethod
    def resolve_item_id(obj):
        return obj.answer.item_id if obj.answer_id else None


class SignatureOut(Schema):
    id: int
    role: str
    signer_name: str
    signer_id: int | None
    signed_at: datetime.datetime
    content_hash: str
    on_own_device: bool
    voided_at: datetime.datetime | None


class InspectionOut(InspectionListOut):
    inspector_ids: list[int]
    content_hash: str
    site_situation: str
    conclusion: str
    score_detail: dict
    answers: list[AnswerOut]
    findings: list[FindingOut]
    photos: list[PhotoOut]
    signatures: list[SignatureOut]
    finish_problems: list[str]

    @staticmethod
    def resolve_inspector_ids(obj):
        return list(obj.inspectors.values_list("pk", flat=True))

    @staticmethod
    def resolve_answers(obj):
        return list(
            obj.answers.select_related("item").order_by("item__section__order", "item__order")
        )

    @staticmethod
    def resolve_findings(obj):
        return list(obj.findings.select_related("answer", "major_clause"))

    @staticmethod
    def resolve_photos(obj):
        return list(obj.photos.select_related("answer"))

    @staticmethod
    def resolve_signatures(obj):
        return list(obj.signatures.all())

    @staticmethod
    def resolve_finish_problems(obj):
        return svc.finish_problems(obj) if obj.is_open else []


class StartIn(Schema):
    project_id: int
    template_id: int
    inspector_ids: list[int] = []
    inspection_type: str | None = None
    visit_id: int | None = None
    latitude: Decimal | None = None
    longitude: Decimal | None = None
    accuracy: float | None = None


class AnswerIn(Schema):
    item_id: int
    result: str | None = None
    counts: dict[str, Decimal] | None = None
    note: str | None = None


class FindingIn(Schema):
    description: str
    location: str
    grade: str = "general"
    major_clause: str | None = Field(None, description="Clause code, e.g. MH2024-7-2")
    deadline_days: int | None = None
    item_id: int | None = None
    dangerous_work_id: int | None = Field(
        None, description="A dangerous work (危大工程) of the inspected project"
    )


class SignIn(Schema):
    role: str = Field(..., description="inspector | representative | supervising_engineer")
    image: str = Field(..., description="PNG as a data URL or base64")
    signer_id: int | None = None
    signer_name: str = ""


class ReopenIn(Schema):
    reason: str


def _editable(request, pk) -> Inspection:
    try:
        return inspection_for_user(request.auth, pk, write=True)
    except PermissionDenied:
        raise NotAllowed(_("Only the inspectors of this record may change it.")) from None


@router.get("/inspections", response=list[InspectionListOut], summary="List inspections")
@paginate(PageNumberPagination)
def inspection_list(request, project: int | None = None, status: str = "", q: str = ""):
    return inspections_filtered(request.auth, project=project, status=status, q=q)


@router.get("/inspections/{inspection_id}", response=InspectionOut, summary="One inspection")
def inspection_detail(request, inspection_id: int):
    return inspection_for_user(request.auth, inspection_id)


@router.post("/inspections", response={201: InspectionOut}, summary="Start an inspection")
def inspection_create(request, payload: StartIn):
    user = request.auth
    project = get_object_or_404(Project.objects.visible_to(user), pk=payload.project_id)
    template = get_object_or_404(ChecklistTemplate.objects.published(), pk=payload.template_id)
    visit = None
    if payload.visit_id:
        visit = get_object_or_404(
            PlannedVisit.objects.filter(plan__agency_id=user.organization_id), pk=payload.visit_id
        )
    inspectors = list(User.objects.filter(pk__in=payload.inspector_ids))
    inspection = svc.inspection_start(
        project=project,
        template=template,
        by=user,
        inspectors=inspectors,
        visit=visit,
        inspection_type=payload.inspection_type,
        latitude=payload.latitude,
        longitude=payload.longitude,
        accuracy=payload.accuracy,
    )
    return Status(201, inspection)


@router.post("/inspections/{inspection_id}/answers", response=AnswerOut, summary="Answer an item")
def inspection_answer(request, inspection_id: int, payload: AnswerIn):
    inspection = _editable(request, inspection_id)
    answer = get_object_or_404(
        InspectionAnswer.objects.select_related("item"),
        inspection=inspection,
        item_id=payload.item_id,
    )
    return svc.inspection_answer(
        inspection=inspection,
        item=answer.item,
        by=request.auth,
        result=payload.result,
        counts={k: str(v) for k, v in payload.counts.items()}
        if payload.counts is not None
        else None,
        note=payload.note,
    )


@router.post(
    "/inspections/{inspection_id}/photos", response={201: PhotoOut}, summary="Attach a photo"
)
def inspection_photo(
    request,
    inspection_id: int,
    photo: File[UploadedFile],
    item_id: Form[int | None] = None,
    finding_id: Form[int | None] = None,
    caption: Form[str] = "",
):
    inspection = _editable(request, inspection_id)
    answer = (
        get_object_or_404(InspectionAnswer, inspection=inspection, item_id=item_id)
        if item_id
        else None
    )
    finding = (
        get_object_or_404(Finding, inspection=inspection, pk=finding_id) if finding_id else None
    )
    created = svc.inspection_photo_add(
        inspection=inspection,
        by=request.auth,
        data=photo.read(),
        filename=photo.name or "photo.jpg",
        answer=answer,
        finding=finding,
        caption=caption,
    )
    return Status(201, created)


@router.post(
    "/inspections/{inspection_id}/findings", response={201: FindingOut}, summary="Record a finding"
)
def inspection_finding(request, inspection_id: int, payload: FindingIn):
    inspection = _editable(request, inspection_id)
    answer = (
        get_object_or_404(InspectionAnswer, inspection=inspection, item_id=payload.item_id)
        if payload.item_id
        else None
    )
    clause = None
    if payload.major_clause:
        clause = MajorHazardClause.objects.filter(code=payload.major_clause).first()
        if clause is None:
            raise DomainError(_("Unknown major-hazard clause code."), field="major_clause")
    work = None
    if payload.dangerous_work_id:
        # Only the inspected project's works: an id elsewhere reads as unknown (no existence leak).
        work = DangerousWork.objects.filter(
            pk=payload.dangerous_work_id, project_id=inspection.project_id
        ).first()
        if work is None:
            raise DomainError(_("Unknown dangerous work."), field="dangerous_work")
    finding = svc.finding_save(
        inspection=inspection,
        by=request.auth,
        answer=answer,
        description=payload.description,
        location=payload.location,
        grade=payload.grade,
        major_clause=clause,
        deadline_days=payload.deadline_days,
        dangerous_work=work,
    )
    return Status(201, finding)


@router.post(
    "/inspections/{inspection_id}/signatures",
    response={201: SignatureOut},
    summary="Sign the record (bound to its content hash)",
)
def inspection_sign(request, inspection_id: int, payload: SignIn):
    inspection = inspection_for_user(request.auth, inspection_id)
    signer = User.objects.filter(pk=payload.signer_id).first() if payload.signer_id else None
    signature = svc.inspection_sign(
        inspection=inspection,
        by=request.auth,
        role=payload.role,
        image_data=payload.image,
        signer=signer,
        signer_name=payload.signer_name,
    )
    return Status(201, signature)


@router.post(
    "/inspections/{inspection_id}/finish", response=InspectionOut, summary="Finish the record"
)
def inspection_finish(request, inspection_id: int):
    inspection = _editable(request, inspection_id)
    svc.inspection_finish(inspection=inspection, by=request.auth)
    return inspection_for_user(request.auth, inspection_id)


@router.post(
    "/inspections/{inspection_id}/reopen", response=InspectionOut, summary="Reopen the record"
)
def inspection_reopen(request, inspection_id: int, payload: ReopenIn):
    inspection = _editable(request, inspection_id)
    svc.inspection_reopen(inspection=inspection, by=request.auth, reason=payload.reason)
    return inspection_for_user(request.auth, inspection_id)
