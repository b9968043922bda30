"""Inspection API: supervision plans, planned visits and 双随机 draws.

The same selectors and services as the pages. Plans belong to one agency: anyone who is not
agency staff gets 404 (the plans do not exist for them); leaders read, but may not write (403).
"""

import datetime

from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status
from ninja.pagination import PageNumberPagination, paginate

from anjian.accounts.models import User
from anjian.core.errors import DomainError
from anjian.core.models import Street
from anjian.projects.models import Project

from ..models import ChecklistTemplate, PlannedVisit, RandomDraw
from ..selectors.plans import (
    VisitFilters,
    draw_for_user,
    draw_is_reproducible,
    plan_for_user,
    plans_with_counts,
    visit_for_user,
    visits_filtered,
    with_frequent_flags,
)
from ..services import plans as svc

router = Router(tags=["plans"])


def _staff(request):
    """The signed-in agency staff member; anyone else is told the resource does not exist."""
    user = request.auth
    if not user.is_agency_staff:
        raise Http404
    return user


# --- Schemas ------------------------------------------------------------------------------------


class PersonOut(Schema):
    id: int
    name: str

    @staticmethod
    def resolve_name(obj):
        return str(obj)


class TemplateRefOut(Schema):
    id: int
    key: str
    name: str
    version: int


class VisitOut(Schema):
    id: int
    plan_id: int
    project_id: int
    project_name: str = Field(..., alias="project.name")
    date: datetime.date
    inspection_type: str
    inspection_type_label: str = Field(..., alias="get_inspection_type_display")
    status: str
    status_label: str = Field(..., alias="get_status_display")
    inspectors: list[PersonOut]
    templates: list[TemplateRefOut]
    draw_id: int | None
    note: str
    frequent_reasons: list[str] = []

    @staticmethod
    def resolve_inspectors(obj):
        return list(obj.inspectors.all())

    @staticmethod
    def resolve_templates(obj):
        return list(obj.templates.all())

    @staticmethod
    def resolve_frequent_reasons(obj):
        return getattr(obj, "frequent_reasons", [])


class PlanOut(Schema):
    id: int
    agency_id: int
    month: datetime.date
    title: str
    status: str
    status_label: str = Field(..., alias="get_status_display")
    note: str
    created_by_id: int
    visit_count: int | None = None

    @staticmethod
    def resolve_visit_count(obj):
        if hasattr(obj, "visit_count"):
            return obj.visit_count
        return obj.visits.exclude(status="cancelled").count()


class PlanDetailOut(PlanOut):
    visits: list[VisitOut] = Field(..., alias="visit_list")


class PlanIn(Schema):
    month: datetime.date = Field(..., description="Any day of the month; stored as its first day")
    title: str = ""
    note: str = ""


class VisitIn(Schema):
    project_id: int
    date: datetime.date
    inspection_type: str = "routine"
    inspector_ids: list[int]
    template_ids: list[int] = []
    note: str = ""


class CancelIn(Schema):
    reason: str = ""


class VisitFilterIn(Schema):
    date_from: datetime.date | None = None
    date_to: datetime.date | None = None
    inspector: str = Field("", description="`me`, or a user id")
    status: str = ""
    inspection_type: str = ""
    plan: int | None = None
    project: int | None = None


class DrawIn(Schema):
    k: int = Field(..., description="How many projects to draw")
    street: int | None = None
    category: str = ""
    status: str = ""
    inspector_ids: list[int] | None = Field(
        None, description="The inspector pool; default every supervisor and section chief"
    )
    seed: str = Field("", description="Empty for a new random seed; an earlier seed reproduces")
    plan_id: int | None = Field(None, description="Add the drawn visits to this plan")
    date: datetime.date | None = Field(
        None, description="Visit date; default spread over the month"
    )
    template_ids: list[int] = []


class PairOut(Schema):
    project: int
    project_name: str = ""
    inspectors: list[int]
    inspector_names: list[str] = []


class DrawOut(Schema):
    id: int
    agency_id: int
    plan_id: int | None
    seed: str
    algorithm: str
    inputs: dict
    pairs: list[PairOut]
    drawn_by_id: int
    created_at: datetime.datetime
    reproducible: bool
    visit_ids: list[int]

    @staticmethod
    def resolve_pairs(obj):
        return obj.result.get("pairs", [])

    @staticmethod
    def resolve_reproducible(obj):
        return draw_is_reproducible(obj)

    @staticmethod
    def resolve_visit_ids(obj):
        return list(obj.visits.order_by("id").values_list("pk", flat=True))


# --- Helpers ------------------------------------------------------------------------------------


def _users(ids):
    users = list(User.objects.filter(pk__in=set(ids)))
    if len(users) != len(set(ids)):
        raise DomainError(_("No such inspector."))
    return users


def _templates(ids):
    templates = list(ChecklistTemplate.objects.filter(pk__in=set(ids)))
    if len(templates) != len(set(ids)):
        raise DomainError(_("No such checklist."))
    return templates


def _visit(user, pk) -> PlannedVisit:
    return (
        visits_filtered(user, VisitFilters())
        .filter(pk=visit_for_user(user, pk, write=False).pk)
        .get()
    )


# --- Plans --------------------------------------------------------------------------------------


@router.get("/plans", response=list[PlanOut], summary="The agency's supervision plans")
@paginate(PageNumberPagination)
def plan_list(request):
    return plans_with_counts(_staff(request))


@router.get("/plans/{plan_id}", response=PlanDetailOut, summary="A plan with its visits")
def plan_detail(request, plan_id: int):
    user = _staff(request)
    plan = plan_for_user(user, plan_id)
    plan.visit_list = with_frequent_flags(visits_filtered(user, VisitFilters(plan=plan.pk)))
    return plan


@router.post("/plans", response={201: PlanOut}, summary="Create the agency's plan for a month")
def plan_create(request, payload: PlanIn):
    user = _staff(request)
    plan = svc.plan_create(by=user, month=payload.month, title=payload.title, note=payload.note)
    return Status(201, plan)


@router.post("/plans/{plan_id}/publish", response=PlanOut, summary="Publish (approve) a plan")
def plan_publish(request, plan_id: int):
    user = _staff(request)
    plan = plan_for_user(user, plan_id)
    return svc.plan_publish(plan=plan, by=user)


@router.post("/plans/{plan_id}/visits", response={201: VisitOut}, summary="Add a visit to a plan")
def visit_add(request, plan_id: int, payload: VisitIn):
    user = _staff(request)
    plan = plan_for_user(user, plan_id)
    project = get_object_or_404(Project.objects.visible_to(user), pk=payload.project_id)
    visit = svc.visit_add(
        plan=plan,
        project=project,
        date=payload.date,
        inspection_type=payload.inspection_type,
        inspectors=_users(payload.inspector_ids),
        templates=_templates(payload.template_ids),
        note=payload.note,
        by=user,
    )
    return Status(201, _visit(user, visit.pk))


# --- Visits -------------------------------------------------------------------------------------


@router.get("/visits", response=list[VisitOut], summary="Planned visits (inspector=me: mine)")
@paginate(PageNumberPagination)
def visit_list(request, filters: Query[VisitFilterIn]):
    user = _staff(request)
    inspector = None
    if filters.inspector == "me":
        inspector = user.pk
    elif filters.inspector.isdigit():
        inspector = int(filters.inspector)
    return visits_filtered(
        user,
        VisitFilters(
            plan=filters.plan,
            date_from=filters.date_from,
            date_to=filters.date_to,
            inspector=inspector,
            status=filters.status,
            inspection_type=filters.inspection_type,
            project=filters.project,
        ),
    )


@router.post("/visits/{visit_id}/cancel", response=VisitOut, summary="Cancel a planned visit")
def visit_cancel(request, visit_id: int, payload: CancelIn):
    user = _staff(request)
    visit = visit_for_user(user, visit_id)
    svc.visit_cancel(visit=visit, by=user, reason=payload.reason)
    return _visit(user, visit.pk)


# --- Draws --------------------------------------------------------------------------------------


@router.post("/draws", response={201: DrawOut}, summary="Run a 双随机 draw (stored, reproducible)")
def draw_run(request, payload: DrawIn):
    user = _staff(request)
    agency = user.organization
    street = None
    if payload.street is not None:
        street = get_object_or_404(Street, pk=payload.street)
    plan = plan_for_user(user, payload.plan_id) if payload.plan_id else None
    inspectors = None
    if payload.inspector_ids is not None:
        inspectors = _users(payload.inspector_ids)
    draw = svc.random_draw_run(
        by=user,
        agency=agency,
        k=payload.k,
        street=street,
        category=payload.category,
        status=payload.status,
        inspectors=inspectors,
        seed=payload.seed,
        plan=plan,
        date=payload.date,
        templates=_templates(payload.template_ids),
        today=timezone.localdate(),
    )
    return Status(201, draw)


@router.get("/draws/{draw_id}", response=DrawOut, summary="A draw: seed, inputs and result")
def draw_detail(request, draw_id: int) -> RandomDraw:
    return draw_for_user(_staff(request), draw_id)
