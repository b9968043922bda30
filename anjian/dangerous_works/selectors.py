"""Reads for dangerous works: one work for a user, the district view's filters and counts,
the map, to-dos."""

from dataclasses import dataclass, fields

from django.db.models import Count, Q, QuerySet
from django.http import Http404
from django.utils import timezone

from anjian.projects.choices import CONTRACTOR_ROLES, SUPERVISION_ROLES, ProjectRole
from anjian.projects.models import Project, ProjectMember

from . import thresholds, workflow
from . import warnings as warn
from .models import DangerousWork, MonitoringReading, WorkDocument, WorkStep

SORTS = {
    "planned": "planned_start",
    "project": "project__name",
    "status": "status",
    "level": "level",
    "created": "created_at",
}
DEFAULT_SORT = "-created"


@dataclass(frozen=True)
class WorkFilters:
    """The district view's filters, as the page and the API accept them."""

    q: str = ""
    project: int | None = None
    street: int | None = None
    status: str = ""
    category: str = ""
    level: str = ""
    warning: str = ""
    on_site: bool = False  # 在施: disclosed, under construction, acceptance, suspended, emergency
    open: bool = False  # not completed or cancelled
    sort: str = DEFAULT_SORT

    @classmethod
    def names(cls) -> list[str]:
        return [f.name for f in fields(cls)]


def works_visible_to(user) -> QuerySet[DangerousWork]:
    return DangerousWork.objects.filter(project__in=Project.objects.visible_to(user))


def work_for_user(user, pk: int) -> DangerousWork:
    work = (
        works_visible_to(user)
        .select_related(
            "project__agency", "project__street", "project__lead_supervisor", "subcontractor"
        )
        .filter(pk=pk)
        .first()
    )
    if work is None:
        raise Http404
    return work


def works(user, filters: WorkFilters, now=None) -> QuerySet[DangerousWork]:
    """The filtered, annotated (for warnings), sorted list."""
    qs = warn.annotate(works_visible_to(user), now).select_related("project__street")
    if filters.q.strip():
        term = filters.q.strip()
        qs = qs.filter(
            Q(name__icontains=term)
            | Q(number__icontains=term)
            | Q(project__name__icontains=term)
            | Q(location__icontains=term)
        )
    if filters.project:
        qs = qs.filter(project_id=filters.project)
    if filters.street:
        qs = qs.filter(project__street_id=filters.street)
    if filters.status:
        qs = qs.filter(status=filters.status)
    if filters.category:
        qs = qs.filter(category=filters.category)
    if filters.level:
        qs = qs.filter(level=filters.level)
    if filters.on_site:
        qs = qs.filter(status__in=workflow.ON_SITE)
    if filters.open:
        qs = qs.exclude(status__in=workflow.CLOSED)
    if filters.warning == "any":
        qs = qs.filter(warn.any_warning_q(now))
    elif filters.warning in warn.LABELS:
        qs = qs.filter(warn.warning_q(filters.warning, now))
    sort = filters.sort if filters.sort.lstrip("-") in SORTS else DEFAULT_SORT
    field = SORTS[sort.lstrip("-")]
    return qs.order_by(f"-{field}" if sort.startswith("-") else field, "-id")


def counts(qs: QuerySet[DangerousWork], now=None) -> dict:
    """Counts by status, category and level, and per warning, for the pills and the charts."""
    base = qs.order_by()
    by_status = dict(base.values_list("status").annotate(n=Count("id")))
    by_category = dict(base.values_list("category").annotate(n=Count("id")))
    by_level = dict(base.values_list("level").annotate(n=Count("id")))
    warnings = base.aggregate(
        **{key: Count("id", filter=warn.warning_q(key, now)) for key in warn.LABELS}
    )
    return {
        "total": sum(by_status.values()),
        "status": [
            (k, v, by_status.get(k, 0))
            for k, v in workflow.STATUS_LABELS.items()
            if k != workflow.PREVIOUS
        ],
        "category": [(k, v, by_category.get(k, 0)) for k, v in thresholds.CATEGORIES.items()],
        "level": [
            (thresholds.DANGER, "危大工程", by_level.get(thresholds.DANGER, 0)),
            (thresholds.SUPER, "超过一定规模", by_level.get(thresholds.SUPER, 0)),
        ],
        "on_site": sum(by_status.get(s, 0) for s in workflow.ON_SITE),
        "warnings": [(k, warn.LABELS[k], warn.COLOURS[k], warnings[k]) for k in warn.LABELS],
    }


def with_warnings(items, now=None) -> list[DangerousWork]:
    """Attach `.warnings` (a list of WorkWarning) to each annotated work."""
    hours = warn._patrol_hours()
    items = list(items)
    for work in items:
        work.warnings = warn.warnings_for(work, now, patrol_hours=hours)
    return items


def map_points(qs: QuerySet[DangerousWork]) -> list[dict]:
    """One marker per project with coordinates, listing its works (for Leaflet)."""
    points: dict[int, dict] = {}
    rows = qs.filter(project__latitude__isnull=False).values(
        "pk",
        "name",
        "level",
        "status",
        "project_id",
        "project__name",
        "project__latitude",
        "project__longitude",
    )[:2000]
    for row in rows:
        point = points.setdefault(
            row["project_id"],
            {
                "project": row["project__name"],
                "lat": float(row["project__latitude"]),
                "lng": float(row["project__longitude"]),
                "url": f"/projects/{row['project_id']}/dangerous-works/",
                "super": False,
                "works": [],
            },
        )
        point["super"] = point["super"] or row["level"] == thresholds.SUPER
        point["works"].append(
            {
                "name": row["name"],
                "status": workflow.STATUS_LABELS.get(row["status"], row["status"]),
                "level": "超规模" if row["level"] == thresholds.SUPER else "危大",
                "url": f"/dangerous-works/{row['pk']}/",
            }
        )
    return list(points.values())


def timeline(work: DangerousWork) -> list[WorkStep]:
    return list(
        work.steps.select_related("actor")
        .prefetch_related("signatures", "documents")
        .order_by("at", "id")
    )


def documents(work: DangerousWork):
    return work.documents.select_related("uploaded_by").order_by("-created_at", "-id")


def document_for_user(user, pk: int) -> WorkDocument:
    doc = (
        WorkDocument.objects.filter(work__in=works_visible_to(user), pk=pk)
        .select_related("work")
        .first()
    )
    if doc is None:
        raise Http404
    return doc


def reading_for_user(user, pk: int) -> MonitoringReading:
    reading = (
        MonitoringReading.objects.filter(work__in=works_visible_to(user), pk=pk)
        .select_related("work__project")
        .first()
    )
    if reading is None:
        raise Http404
    return reading


def _member_projects(user, roles):
    return ProjectMember.objects.filter(user=user, is_active=True, role__in=list(roles)).values(
        "project_id"
    )


def works_waiting_for(user) -> QuerySet[DangerousWork]:
    """Works whose next step is the user's: the contractor's drafting, revising, internal
    review, argumentation, briefing, acceptance request; the 总监's review; open alarms."""
    if not user.is_authenticated:
        return DangerousWork.objects.none()
    contractor = Q(
        project__in=_member_projects(user, CONTRACTOR_ROLES),
        status__in=(
            workflow.IDENTIFIED,
            workflow.DRAFTING,
            workflow.REVISING,
            workflow.PLAN_CHANGE,
            workflow.CONTRACTOR_REVIEW,
            workflow.EXPERT_REVIEW,
            workflow.APPROVED,
            workflow.DISCLOSED,
        ),
    )
    chief = Q(
        project__in=_member_projects(user, [ProjectRole.CHIEF_ENGINEER]),
        status=workflow.SUPERVISOR_REVIEW,
    )
    return DangerousWork.objects.filter(contractor | chief).select_related("project")


def open_alarms_for(user) -> QuerySet[MonitoringReading]:
    if not user.is_authenticated:
        return MonitoringReading.objects.none()
    projects = _member_projects(user, CONTRACTOR_ROLES | SUPERVISION_ROLES)
    return MonitoringReading.objects.filter(
        work__project__in=projects, is_alarm=True, handled_at__isnull=True
    ).select_related("work__project")


def agency_warnings(user, now=None, limit=8) -> list[DangerousWork]:
    """For supervisors' home: works of their projects with a warning, most urgent first."""
    qs = works(user, WorkFilters(warning="any", open=True), now)
    return with_warnings(qs[:limit], now)


def today():
    return timezone.localdate()
