"""Hazard API: the ledger, one hazard and its timeline, one endpoint per transition, notices."""

import datetime

from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from ninja import Field, File, Form, Query, Router, Schema, Status, UploadedFile
from ninja.pagination import PageNumberPagination, paginate

from anjian.core.errors import DomainError

from . import services as svc
from . import workflow
from .models import ResumptionApplication
from .selectors import (
    DEFAULT_SORT,
    LedgerFilters,
    hazard_for_user,
    ledger,
    notice_for_user,
    notices_visible_to,
    timeline,
)

router = Router(tags=["hazards"])


class HazardOut(Schema):
    id: int
    number: str
    project_id: int
    project_name: str = Field(..., alias="project.name")
    source: str
    description: str
    location: str
    category: str
    grade: str
    major_clause: str | None = None
    status: str
    status_label: str = Field(..., alias="get_status_display")
    deadline: datetime.datetime | None
    overdue: bool = False
    found_at: datetime.datetime
    replied_at: datetime.datetime | None
    closed_at: datetime.datetime | None
    notice_id: int | None
    inspection_id: int | None
    dangerous_work_id: int | None = None
    responsible_org_id: int | None
    responsible_person: str
    rejections: int
    escalation_level: int

    @staticmethod
    def resolve_major_clause(obj):
        return obj.major_clause.code if obj.major_clause_id else None

    @staticmethod
    def resolve_overdue(obj):
        return obj.is_overdue()


class HazardDetailOut(HazardOut):
    allowed_actions: list[str] = []

    @staticmethod
    def resolve_allowed_actions(obj, context):
        return svc.allowed_actions(obj, context["request"].auth)


class EventOut(Schema):
    type: str
    from_status: str
    to_status: str
    actor_id: int | None
    at: datetime.datetime
    comment: str
    payload: dict
    photo_ids: list[int] = []

    @staticmethod
    def resolve_photo_ids(obj):
        return [p.pk for p in getattr(obj, "photo_list", [])]


class LedgerQuery(Schema):
    q: str = ""
    project: int | None = None
    street: int | None = None
    contractor: int | None = None
    group: int | None = None
    category: str = ""
    grade: str = ""
    status: str = ""
    source: str = ""
    overdue: bool = False
    open: bool = False
    found_from: datetime.date | None = None
    found_to: datetime.date | None = None
    closed_from: datetime.date | None = None
    closed_to: datetime.date | None = None
    sort: str = DEFAULT_SORT


class ActIn(Schema):
    comment: str = ""
    new_deadline: datetime.date | None = Field(
        None, description="Required for reject, return and uphold (end of that day)"
    )
    review_mode: str = Field("online", description="online | onsite (accept)")


class NoticeOut(Schema):
    id: int
    number: str
    kind: str
    kind_label: str = Field(..., alias="get_kind_display")
    status: str
    project_id: int
    inspection_id: int | None
    issued_at: datetime.datetime
    deadline: datetime.datetime | None
    stop_scope: str
    receipts: list[dict] = []
    hazard_ids: list[int] = []

    @staticmethod
    def resolve_receipts(obj):
        return [
            {"user_id": s.user_id, "name": s.name, "signed_at": s.signed_at.isoformat()}
            for s in obj.signatures.all()
            if s.kind == "receipt"
        ]

    @staticmethod
    def resolve_hazard_ids(obj):
        return [h.pk for h in obj.hazards.all()]


class ReceiveIn(Schema):
    image: str = Field("", description="Optional drawn signature, PNG data URL")


class ResumptionIn(Schema):
    statement: str


class ResumptionReviewIn(Schema):
    approve: bool
    comment: str = ""
    review_mode: str = "onsite"


class ResumptionOut(Schema):
    id: int
    notice_id: int
    status: str
    statement: str
    comment: str
    resume_notice_id: int | None


@router.get(
    "/hazards", response=list[HazardOut], summary="The hazard ledger (filters as on the page)"
)
@paginate(PageNumberPagination)
def hazard_list(request, filters: Query[LedgerQuery]):
    return ledger(request.auth, LedgerFilters(**filters.dict()))


@router.get("/hazards/{hazard_id}", response=HazardDetailOut, summary="One hazard")
def hazard_detail(request, hazard_id: int):
    return hazard_for_user(request.auth, hazard_id)


@router.get("/hazards/{hazard_id}/timeline", response=list[EventOut], summary="Its timeline")
def hazard_timeline(request, hazard_id: int):
    return timeline(hazard_for_user(request.auth, hazard_id))


@router.post("/hazards/{hazard_id}/reply", response=HazardDetailOut, summary="Reply (contractor)")
def hazard_reply(
    request,
    hazard_id: int,
    measures: Form[str],
    responsible_person: Form[str],
    completed_on: Form[datetime.date],
    photos: File[list[UploadedFile]],
):
    hazard = hazard_for_user(request.auth, hazard_id)
    svc.hazard_reply(
        hazard=hazard,
        by=request.auth,
        measures=measures,
        responsible_person=responsible_person,
        completed_on=completed_on,
        photos=[p.read() for p in photos],
    )
    return hazard_for_user(request.auth, hazard_id)


def _act(request, hazard_id, action, payload: ActIn):
    hazard = hazard_for_user(request.auth, hazard_id)
    deadline = None
    if payload.new_deadline is not None:
        deadline = svc.deadline_for((payload.new_deadline - datetime.date.today()).days)
    svc.hazard_act(
        hazard=hazard,
        by=request.auth,
        action=action,
        comment=payload.comment,
        new_deadline=deadline,
        review_mode=payload.review_mode,
    )
    return hazard_for_user(request.auth, hazard_id)


def _transition_endpoint(action: str, summary: str):
    def endpoint(request, hazard_id: int, payload: ActIn):
        return _act(request, hazard_id, action, payload)

    endpoint.__name__ = f"hazard_{action}"
    router.post(f"/hazards/{{hazard_id}}/{action}", response=HazardDetailOut, summary=summary)(
        endpoint
    )


for _action, _summary in (
    (workflow.CONFIRM, "Confirm the reply (supervising engineer)"),
    (workflow.RETURN, "Return the reply (supervising engineer)"),
    (workflow.ACCEPT, "Accept and close (supervisor)"),
    (workflow.REJECT, "Reject with a comment and a new deadline (supervisor)"),
    (workflow.WITHDRAW, "Withdraw with a reason (issuer)"),
    (workflow.DISPUTE, "Dispute with a reason (contractor)"),
    (workflow.UPHOLD, "Resolve a dispute: uphold (section chief)"),
    (workflow.CANCEL, "Resolve a dispute: withdraw the hazard (section chief)"),
):
    _transition_endpoint(_action, _summary)


@router.get("/notices", response=list[NoticeOut], summary="Notices of the visible projects")
@paginate(PageNumberPagination)
def notice_list(request, project: int | None = None, kind: str = "", status: str = ""):
    qs = notices_visible_to(request.auth).prefetch_related("signatures", "hazards")
    if project:
        qs = qs.filter(project_id=project)
    if kind:
        qs = qs.filter(kind=kind)
    if status:
        qs = qs.filter(status=status)
    return qs.order_by("-issued_at")


@router.get("/notices/{notice_id}", response=NoticeOut, summary="One notice with its receipts")
def notice_detail(request, notice_id: int):
    return notice_for_user(request.auth, notice_id)


@router.post("/notices/{notice_id}/receive", response=NoticeOut, summary="Sign for a notice")
def notice_receive(request, notice_id: int, payload: ReceiveIn):
    notice = notice_for_user(request.auth, notice_id)
    svc.notice_receive(notice=notice, by=request.auth, image_data=payload.image)
    return notice_for_user(request.auth, notice_id)


@router.post(
    "/notices/{notice_id}/resumption",
    response={201: ResumptionOut},
    summary="Apply to resume work after a stop notice",
)
def resumption_apply(request, notice_id: int, payload: ResumptionIn):
    notice = notice_for_user(request.auth, notice_id)
    application = svc.resumption_apply(notice=notice, by=request.auth, statement=payload.statement)
    return Status(201, application)


@router.post(
    "/notices/{notice_id}/resumption/{application_id}/review",
    response=ResumptionOut,
    summary="Approve or refuse a resumption application (section chief)",
)
def resumption_review(request, notice_id: int, application_id: int, payload: ResumptionReviewIn):
    notice = notice_for_user(request.auth, notice_id)
    application = get_object_or_404(ResumptionApplication, pk=application_id, notice=notice)
    if payload.review_mode not in ("online", "onsite"):
        raise DomainError(_("Say whether the review was online or on site."))
    return svc.resumption_review(
        application=application,
        by=request.auth,
        approve=payload.approve,
        comment=payload.comment,
        review_mode=payload.review_mode,
    )
