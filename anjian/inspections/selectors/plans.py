"""Reads for supervision plans: visibility, the month's visits, calendar, coverage, draws.

Projects flagged for more frequent visits (DOMAIN.md §4.1, 规程第五条: 超过一定规模的危大工程,
an accident in the past year, many hazards) come from `FREQUENT_VISIT_RULES`. Each rule takes a
queryset of projects and returns {project id: reason}; later modules (危大工程, accidents) append
their own rule, so every page and the coverage report pick it up without change.
"""

import calendar
import datetime
import json
import math
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal

from django.core.exceptions import PermissionDenied
from django.db.models import (
    BooleanField,
    Case,
    Count,
    F,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from anjian.accounts.models import AgencySettings
from anjian.projects.choices import ACTIVE_STATUSES, ProjectCategory, ProjectStatus
from anjian.projects.models import Project

from ..choices import InspectionSource, InspectionStatus, VisitStatus
from ..models import Inspection, PlannedVisit, RandomDraw, SupervisionPlan
from ..services.plans import (
    can_plan,
    draw_algorithm,
    first_of_month,
    inspectors_of,
    last_of_month,
    plannable_projects,
)

# --- Projects needing more frequent visits -----------------------------------------------------

# 住建部37号令 / 建办质〔2018〕31号: 开挖深度 ≥ 5 m 的基坑 and 搭设高度 ≥ 50 m 的落地式钢管脚手架
# are 超过一定规模的危大工程. Until the 危大工程 module records them, derive them from the project.
DEEP_EXCAVATION_M = Decimal(5)
HIGH_SCAFFOLD_M = Decimal(50)
# Flagged projects count as uncovered after this share of the agency's revisit window.
FREQUENT_VISIT_FACTOR = 0.5


def _metres(value: Decimal) -> str:
    return f"{value.normalize():f}"


def _deep_excavation(projects: QuerySet) -> dict[int, str]:
    rows = projects.filter(pit_depth__gte=DEEP_EXCAVATION_M).values_list("pk", "pit_depth")
    return {
        pk: _("Excavation %(depth)s m deep: a deep excavation over the threshold (≥ 5 m)")
        % {"depth": _metres(depth)}
        for pk, depth in rows
    }


def _high_scaffold(projects: QuerySet) -> dict[int, str]:
    rows = projects.filter(height__gte=HIGH_SCAFFOLD_M).values_list("pk", "height")
    return {
        pk: _("Building height %(height)s m: scaffolding of 50 m or more is over the threshold")
        % {"height": _metres(height)}
        for pk, height in rows
    }


# Rules flagging projects for more frequent visits: f(projects queryset) -> {project id: reason}.
# Modules append to this list (e.g. 危大工程 over the threshold, an accident in the past year).
FREQUENT_VISIT_RULES: list[Callable[[QuerySet], dict[int, str]]] = [
    _deep_excavation,
    _high_scaffold,
]


def frequent_visit_reasons(projects: QuerySet) -> dict[int, list[str]]:
    """{project id: [reasons]} for the projects of `projects` that need more frequent visits."""
    reasons: dict[int, list[str]] = {}
    for rule in FREQUENT_VISIT_RULES:
        for pk, reason in rule(projects).items():
            reasons.setdefault(pk, []).append(str(reason))
    return reasons


def projects_needing_frequent_visits(agency) -> list[Project]:
    """The agency's actively supervised projects flagged for more frequent visits, each with
    `frequent_reasons` (one line per rule that flagged it)."""
    projects = Project.objects.filter(
        street__agencies=agency, status__in=ACTIVE_STATUSES
    ).select_related("street")
    reasons = frequent_visit_reasons(projects)
    flagged = list(projects.filter(pk__in=reasons).order_by("name"))
    for project in flagged:
        project.frequent_reasons = reasons[project.pk]
    return flagged


# --- Plans and visits --------------------------------------------------------------------------


def plans_visible_to(user) -> QuerySet[SupervisionPlan]:
    """Plans of the user's own agency (every plan for a superuser); nothing for anyone else."""
    if not user.is_authenticated or not user.is_active:
        return SupervisionPlan.objects.none()
    if user.is_superuser:
        return SupervisionPlan.objects.all()
    if user.is_agency_staff and user.organization_id:
        return SupervisionPlan.objects.filter(agency_id=user.organization_id)
    return SupervisionPlan.objects.none()


def plan_for_user(user, pk, *, write: bool = False) -> SupervisionPlan:
    """The plan if the user may see it (404 otherwise); with write, if they may edit it (403)."""
    plan = plans_visible_to(user).select_related("agency", "created_by").filter(pk=pk).first()
    if plan is None:
        raise Http404
    if write and not can_plan(user, plan.agency):
        raise PermissionDenied
    return plan


def plans_with_counts(user) -> QuerySet[SupervisionPlan]:
    """The user's agency plans, newest month first, with their visits counted by status."""
    return (
        plans_visible_to(user)
        .annotate(
            visit_count=Count("visits", filter=~Q(visits__status=VisitStatus.CANCELLED)),
            done_count=Count("visits", filter=Q(visits__status=VisitStatus.DONE)),
            cancelled_count=Count("visits", filter=Q(visits__status=VisitStatus.CANCELLED)),
        )
        .order_by("-month")
    )


def plan_of_month(user, month: datetime.date) -> SupervisionPlan | None:
    """The user's agency plan for `month`, if there is one."""
    if not (user.is_authenticated and user.organization_id):
        return None
    return (
        plans_visible_to(user)
        .filter(agency_id=user.organization_id, month=first_of_month(month))
        .first()
    )


def visits_visible_to(user) -> QuerySet[PlannedVisit]:
    """Visits of the plans the user may see."""
    return PlannedVisit.objects.filter(plan__in=plans_visible_to(user))


def visit_for_user(user, pk, *, write: bool = False) -> PlannedVisit:
    """The visit if the user may see it (404 otherwise); with write, if they may edit it (403)."""
    visit = (
        visits_visible_to(user)
        .select_related("plan__agency", "project__street")
        .filter(pk=pk)
        .first()
    )
    if visit is None:
        raise Http404
    if write and not can_plan(user, visit.plan.agency):
        raise PermissionDenied
    return visit


@dataclass(frozen=True)
class VisitFilters:
    """The filters of a plan's visit list, as the page and the API accept them."""

    plan: int | None = None
    date_from: datetime.date | None = None
    date_to: datetime.date | None = None
    inspector: int | None = None
    status: str = ""
    inspection_type: str = ""
    project: int | None = None


def visits_filtered(user, filters: VisitFilters) -> QuerySet[PlannedVisit]:
    """The visits the user may see, narrowed by `filters`, by date; related rows prefetched."""
    qs = visits_visible_to(user)
    if filters.plan:
        qs = qs.filter(plan_id=filters.plan)
    if filters.date_from:
        qs = qs.filter(date__gte=filters.date_from)
    if filters.date_to:
        qs = qs.filter(date__lte=filters.date_to)
    if filters.inspector:
        qs = qs.filter(inspectors=filters.inspector)
    if filters.status in VisitStatus.values:
        qs = qs.filter(status=filters.status)
    if filters.inspection_type:
        qs = qs.filter(inspection_type=filters.inspection_type)
    if filters.project:
        qs = qs.filter(project_id=filters.project)
    return (
        qs.select_related("project__street", "plan", "draw")
        .prefetch_related("inspectors", "templates")
        .order_by("date", "project__name", "id")
    )


def with_frequent_flags(visits) -> list[PlannedVisit]:
    """The visits as a list, each with `frequent_reasons` of its project (one query per rule)."""
    visits = list(visits)
    reasons = frequent_visit_reasons(Project.objects.filter(pk__in={v.project_id for v in visits}))
    for visit in visits:
        visit.frequent_reasons = reasons.get(visit.project_id, [])
    return visits


def todays_visits(user, date: datetime.date) -> QuerySet[PlannedVisit]:
    """The user's visits on `date` (planned or already done; cancelled ones left out)."""
    if not user.is_authenticated:
        return PlannedVisit.objects.none()
    return (
        PlannedVisit.objects.filter(inspectors=user, date=date)
        .exclude(status=VisitStatus.CANCELLED)
        .select_related("project__street", "plan")
        .prefetch_related("inspectors", "templates")
        .order_by("project__name", "id")
    )


def month_calendar(month: datetime.date, visits, today: datetime.date | None = None) -> list:
    """The month as weeks (Monday first) of days: {date, in_month, is_today, visits}."""
    today = today or timezone.localdate()
    by_day: dict[datetime.date, list] = {}
    for visit in visits:
        by_day.setdefault(visit.date, []).append(visit)
    weeks = []
    for week in calendar.Calendar(firstweekday=0).monthdatescalendar(month.year, month.month):
        weeks.append(
            [
                {
                    "date": day,
                    "in_month": day.month == month.month,
                    "is_today": day == today,
                    "is_weekend": day.weekday() >= 5,
                    "visits": by_day.get(day, []),
                }
                for day in week
            ]
        )
    return weeks


def neighbour_months(plan: SupervisionPlan) -> tuple[datetime.date, datetime.date]:
    """The first days of the months before and after the plan's month."""
    previous = first_of_month(plan.month - datetime.timedelta(days=1))
    following = last_of_month(plan.month) + datetime.timedelta(days=1)
    return previous, following


# --- Coverage ----------------------------------------------------------------------------------

COVERAGE_SORTS = {
    "name": [F("name").asc()],
    "street": [F("street__name").asc(), F("name").asc()],
    "last": [F("last_visit_at").asc(nulls_first=True), F("name").asc()],
    "-last": [F("last_visit_at").desc(nulls_last=True), F("name").asc()],
    "next": [F("next_visit").asc(nulls_first=True), F("name").asc()],
}
DEFAULT_COVERAGE_SORT = "last"


@dataclass
class Coverage:
    """The coverage report: rows (projects), the window and counts."""

    projects: list
    days: int
    frequent_days: int
    today: datetime.date
    total: int
    uncovered: int


def revisit_days(agency) -> int:
    """The agency's coverage window in days (AgencySettings.revisit_days)."""
    return AgencySettings.for_agency(agency).revisit_days


def coverage(
    user,
    agency,
    *,
    days: int,
    today: datetime.date | None = None,
    show_all: bool = False,
    sort: str = DEFAULT_COVERAGE_SORT,
    street: int | None = None,
) -> Coverage:
    """Active projects with no inspection finished in the last `days` days and no visit planned
    in the next `days` days (half the window for projects flagged for more frequent visits).

    Each project carries `last_visit` (date of the latest finished supervision inspection),
    `next_visit` (the next planned visit from today), `covered` and `frequent_reasons`.
    """
    today = today or timezone.localdate()
    days = max(1, days)
    frequent_days = max(1, math.ceil(days * FREQUENT_VISIT_FACTOR))
    projects = plannable_projects(user, agency)
    if street:
        projects = projects.filter(street_id=street)
    reasons = frequent_visit_reasons(projects)
    flagged = list(reasons)

    made = (
        Inspection.objects.filter(
            project=OuterRef("pk"), status=InspectionStatus.FINISHED, finished_at__isnull=False
        )
        .exclude(source=InspectionSource.SELF)
        .order_by("-finished_at")
        .values("finished_at")[:1]
    )
    planned = (
        PlannedVisit.objects.filter(
            project=OuterRef("pk"),
            plan__agency=agency,
            status=VisitStatus.PLANNED,
            date__gte=today,
        )
        .order_by("date")
        .values("date")[:1]
    )

    def window_start(n):
        start = today - datetime.timedelta(days=n)
        return timezone.make_aware(datetime.datetime.combine(start, datetime.time.min))

    def covered_within(n):
        return Q(last_visit_at__gte=window_start(n)) | Q(
            next_visit__lte=today + datetime.timedelta(days=n)
        )

    qs = projects.annotate(
        last_visit_at=Subquery(made),
        next_visit=Subquery(planned),
    ).annotate(
        covered=Case(
            When(Q(pk__in=flagged) & covered_within(frequent_days), then=Value(True)),
            When(~Q(pk__in=flagged) & covered_within(days), then=Value(True)),
            default=Value(False),
            output_field=BooleanField(),
        ),
    )
    total = qs.count()
    uncovered = qs.filter(covered=False).count()
    if not show_all:
        qs = qs.filter(covered=False)
    order = COVERAGE_SORTS.get(sort, COVERAGE_SORTS[DEFAULT_COVERAGE_SORT])
    rows = list(qs.select_related("street", "lead_supervisor").order_by(*order))
    for project in rows:
        project.frequent_reasons = reasons.get(project.pk, [])
        project.last_visit = (
            timezone.localdate(project.last_visit_at) if project.last_visit_at else None
        )
        project.days_since = (today - project.last_visit).days if project.last_visit else None
    if sort == "flag":
        rows.sort(key=lambda p: (not p.frequent_reasons, p.name))
    return Coverage(
        projects=rows,
        days=days,
        frequent_days=frequent_days,
        today=today,
        total=total,
        uncovered=uncovered,
    )


# --- Draws -------------------------------------------------------------------------------------


def draws_visible_to(user) -> QuerySet[RandomDraw]:
    """Draws of the user's own agency (all for a superuser)."""
    if not user.is_authenticated or not user.is_active:
        return RandomDraw.objects.none()
    if user.is_superuser:
        return RandomDraw.objects.all()
    if user.is_agency_staff and user.organization_id:
        return RandomDraw.objects.filter(agency_id=user.organization_id)
    return RandomDraw.objects.none()


def draw_for_user(user, pk) -> RandomDraw:
    """The draw if the user may see it, else 404."""
    draw = draws_visible_to(user).select_related("agency", "plan", "drawn_by").filter(pk=pk).first()
    if draw is None:
        raise Http404
    return draw


def draw_reproduce(draw: RandomDraw) -> list[dict]:
    """Re-run the draw's algorithm from its stored seed and inputs."""
    inputs = draw.inputs
    return draw_algorithm(
        draw.seed,
        inputs["pool"],
        inputs["inspectors"],
        inputs["k"],
        inputs.get("inspectors_per_project", 2),
    )


def draw_is_reproducible(draw: RandomDraw) -> bool:
    """Whether re-running the draw gives the stored result (projects and inspectors)."""
    stored = [
        {"project": pair["project"], "inspectors": pair["inspectors"]}
        for pair in draw.result.get("pairs", [])
    ]
    return draw.algorithm == "python-random-v1" and draw_reproduce(draw) == stored


def draw_details(draw: RandomDraw) -> dict:
    """What the draw page shows besides the draw: pool projects and inspector names."""
    from anjian.accounts.models import User

    pool = list(
        Project.objects.filter(pk__in=draw.inputs.get("pool", []))
        .select_related("street")
        .order_by("pk")
    )
    inspectors = list(User.objects.filter(pk__in=draw.inputs.get("inspectors", [])).order_by("pk"))
    drawn = {pair["project"] for pair in draw.result.get("pairs", [])}
    chosen = draw.inputs.get("filter", {})
    category = chosen.get("category") or ""
    status = chosen.get("status") or ""
    return {
        "filter_labels": {
            "street": chosen.get("street_name") or "",
            "category": ProjectCategory(category).label
            if category in ProjectCategory.values
            else "",
            "status": ProjectStatus(status).label if status in ProjectStatus.values else "",
        },
        "seed_literal": json.dumps(draw.seed, ensure_ascii=False),
        "inputs_json": json.dumps(draw.inputs, ensure_ascii=False, indent=2),
        "result_json": json.dumps(draw.result, ensure_ascii=False, indent=2),
        "pool": pool,
        "inspectors": inspectors,
        "drawn": drawn,
        "reproducible": draw_is_reproducible(draw),
        "visits": list(draw.visits.select_related("project", "plan").order_by("date", "id")),
    }


__all__ = [
    "FREQUENT_VISIT_RULES",
    "Coverage",
    "VisitFilters",
    "coverage",
    "draw_details",
    "draw_for_user",
    "draw_is_reproducible",
    "draw_reproduce",
    "draws_visible_to",
    "frequent_visit_reasons",
    "inspectors_of",
    "month_calendar",
    "neighbour_months",
    "plan_for_user",
    "plan_of_month",
    "plans_visible_to",
    "plans_with_counts",
    "projects_needing_frequent_visits",
    "revisit_days",
    "todays_visits",
    "visit_for_user",
    "visits_filtered",
    "visits_visible_to",
    "with_frequent_flags",
]
