"""Reads for the dashboard: every figure from live data or the summary tables, scoped to what
the user may see, and with the URL of the list behind each bar or slice.

Scopes:
- agency staff: their agency's projects in their jurisdiction; flows over time (found, closed,
  on time, days to close) come from `HazardMonthStat` (kept by the job), current states (open,
  overdue, 重大, 危大 on site, stop-work notices) from the live tables;
- companies (a group HQ's subsidiaries, a contractor's projects): the projects they may see;
  every figure from the live tables (a company's projects are few).
Each figure costs a fixed number of queries whatever the number of rows.
"""

import datetime
from collections import defaultdict
from dataclasses import dataclass
from urllib.parse import urlencode

from django.db.models import Count, F
from django.db.models.functions import TruncMonth
from django.urls import reverse
from django.utils import timezone

from anjian.dangerous_works import workflow as dw_workflow
from anjian.dangerous_works.models import DangerousWork
from anjian.hazards.choices import AWAITING_CONTRACTOR, OPEN_STATUSES, HazardStatus
from anjian.hazards.models import Hazard, RectificationNotice
from anjian.inspections.choices import (
    HazardGrade,
    InspectionSource,
    InspectionStatus,
    PlanStatus,
    VisitStatus,
)
from anjian.inspections.models import Inspection, PlannedVisit
from anjian.projects.choices import ACTIVE_STATUSES
from anjian.projects.models import Project

from .models import HazardMonthStat, ProjectRisk
from .services import IN_FORCE, STOP_KINDS
from .summary import close_days, month_start, next_month

DEFAULT_MONTHS = 12
TOP = 10


@dataclass(frozen=True)
class DashFilters:
    """The period (first days of the first and last month) and the street."""

    start: datetime.date
    end: datetime.date
    street: int | None = None

    @classmethod
    def default(cls, today=None, street=None) -> "DashFilters":
        today = today or timezone.localdate()
        end = today.replace(day=1)
        start = end
        for _ in range(DEFAULT_MONTHS - 1):
            start = (start - datetime.timedelta(days=1)).replace(day=1)
        return cls(start=start, end=end, street=street)

    def months(self) -> list[datetime.date]:
        out, day = [], self.start
        while day <= self.end:
            out.append(day)
            day = next_month(day)
        return out

    @property
    def until(self) -> datetime.date:
        """The first day after the period."""
        return next_month(self.end)


def _aware(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(
        datetime.datetime.combine(day, datetime.time()), timezone.get_current_timezone()
    )


def _last_day(month: datetime.date) -> datetime.date:
    return next_month(month) - datetime.timedelta(days=1)


def ledger_url(**params) -> str:
    clean = {k: v for k, v in params.items() if v not in (None, "", False)}
    clean = {k: ("1" if v is True else v) for k, v in clean.items()}
    return reverse("hazards:ledger") + ("?" + urlencode(clean) if clean else "")


def projects_url(**params) -> str:
    clean = {k: v for k, v in params.items() if v not in (None, "")}
    return reverse("projects:list") + ("?" + urlencode(clean) if clean else "")


def scope_projects(user, filters: DashFilters):
    """The projects the dashboard covers."""
    qs = Project.objects.visible_to(user)
    if not user.is_authenticated:
        return qs
    if user.is_agency_staff and not user.is_superuser and not user.is_admin:
        # Staff see their own agency's jurisdiction, as the summary does; administrators see
        # every project (Project.visible_to), as the ledger behind each link does.
        qs = qs.filter(
            agency_id=user.organization_id, street__in=user.organization.jurisdiction.all()
        )
    if filters.street:
        qs = qs.filter(street_id=filters.street)
    return qs


def uses_summary(user) -> bool:
    return bool(user.is_agency_staff and not user.is_superuser and user.organization_id)


# --- the figures --------------------------------------------------------------------------------


def projects_by_status_and_street(projects, street: int | None = None) -> dict:
    rows = (
        projects.filter(status__in=ACTIVE_STATUSES)
        .order_by()
        .values("street_id", "street__name", "status")
        .annotate(n=Count("pk"))
    )
    by_status: dict[str, int] = defaultdict(int)
    by_street: dict[tuple, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for row in rows:
        by_status[row["status"]] += row["n"]
        by_street[(row["street_id"], row["street__name"])][row["status"]] += row["n"]
    return {
        "by_status": [
            {"status": status, "count": n, "url": projects_url(status=status, street=street)}
            for status, n in sorted(by_status.items(), key=lambda item: -item[1])
        ],
        "by_street": [
            {
                "street": street_id,
                "name": name,
                "counts": dict(counts),
                "total": sum(counts.values()),
                "url": projects_url(street=street_id, active=1),
            }
            for (street_id, name), counts in sorted(
                by_street.items(), key=lambda item: -sum(item[1].values())
            )
        ],
    }


def inspections_against_plan(projects, filters: DashFilters, *, with_plan=True) -> list[dict]:
    """Finished supervision inspections per month, and the planned visits (agency staff only:
    the plan is the commission's schedule, often unannounced)."""
    done = dict(
        Inspection.objects.filter(
            project__in=projects,
            status=InspectionStatus.FINISHED,
            source__in=[InspectionSource.SUPERVISION, InspectionSource.REMOTE],
            finished_at__gte=_aware(filters.start),
            finished_at__lt=_aware(filters.until),
        )
        .annotate(m=TruncMonth("finished_at"))
        .order_by()
        .values_list("m")
        .annotate(n=Count("pk"))
    )
    done = {month_start(m): n for m, n in done.items()}
    if not with_plan:
        return [
            {"month": f"{m:%Y-%m}", "inspections": done.get(m, 0), "planned": None}
            for m in filters.months()
        ]
    planned = dict(
        PlannedVisit.objects.filter(
            project__in=projects,
            date__gte=filters.start,
            date__lt=filters.until,
            plan__status=PlanStatus.PUBLISHED,
        )
        .exclude(status=VisitStatus.CANCELLED)
        .annotate(m=TruncMonth("date"))
        .order_by()
        .values_list("m")
        .annotate(n=Count("pk"))
    )
    planned = {month_start(m): n for m, n in planned.items()}
    return [
        {"month": f"{m:%Y-%m}", "inspections": done.get(m, 0), "planned": planned.get(m, 0)}
        for m in filters.months()
    ]


def _median(histogram: dict[int, int]) -> float | None:
    total = sum(histogram.values())
    if not total:
        return None
    ordered = sorted(histogram.items())

    def nth(k):  # the k-th smallest (0-based)
        seen = 0
        for value, n in ordered:
            seen += n
            if seen > k:
                return value
        return ordered[-1][0]

    if total % 2:
        return float(nth(total // 2))
    return (nth(total // 2 - 1) + nth(total // 2)) / 2


def hazard_flows(user, projects, filters: DashFilters) -> dict:
    """Per month: found by grade; closed, closed on time, on-time rate, median days to close."""
    found: dict[tuple, int] = defaultdict(int)
    closed: dict[datetime.date, int] = defaultdict(int)
    on_time: dict[datetime.date, int] = defaultdict(int)
    days: dict[datetime.date, dict[int, int]] = defaultdict(lambda: defaultdict(int))
    if uses_summary(user):
        stats = HazardMonthStat.objects.filter(month__gte=filters.start, month__lte=filters.end)
        if not user.is_admin:  # administrators see every project (Project.visible_to)
            stats = stats.filter(
                agency_id=user.organization_id, street__in=user.organization.jurisdiction.all()
            )
        if filters.street:
            stats = stats.filter(street_id=filters.street)
        for month, grade, n_found, n_closed, n_on_time, histogram in stats.values_list(
            "month", "grade", "found", "closed", "closed_on_time", "close_days"
        ):
            found[(month, grade)] += n_found
            closed[month] += n_closed
            on_time[month] += n_on_time
            for key, n in (histogram or {}).items():
                days[month][int(key)] += n
    else:
        hazards = Hazard.objects.filter(project__in=projects)
        start, until = _aware(filters.start), _aware(filters.until)
        for m, grade, n in (
            hazards.filter(found_at__gte=start, found_at__lt=until)
            .annotate(m=TruncMonth("found_at"))
            .order_by()
            .values_list("m", "grade")
            .annotate(n=Count("pk"))
        ):
            found[(month_start(m), grade)] += n
        for found_at, closed_at, deadline in hazards.filter(
            status=HazardStatus.CLOSED, closed_at__gte=start, closed_at__lt=until
        ).values_list("found_at", "closed_at", "deadline"):
            month = month_start(closed_at)
            closed[month] += 1
            if deadline is None or closed_at <= deadline:
                on_time[month] += 1
            days[month][close_days(found_at, closed_at)] += 1
    street = filters.street or None
    months = []
    for m in filters.months():
        row = {"month": f"{m:%Y-%m}", "closed": closed.get(m, 0), "on_time": on_time.get(m, 0)}
        for grade in HazardGrade.values:
            row[grade] = found.get((m, grade), 0)
            row[f"{grade}_url"] = ledger_url(
                found_from=m.isoformat(),
                found_to=_last_day(m).isoformat(),
                grade=grade,
                street=street,
            )
        row["on_time_rate"] = (
            round(100 * row["on_time"] / row["closed"], 1) if row["closed"] else None
        )
        row["median_days"] = _median(days.get(m, {}))
        row["closed_url"] = ledger_url(
            closed_from=m.isoformat(), closed_to=_last_day(m).isoformat(), street=street
        )
        months.append(row)
    return {"months": months}


def open_hazards(projects, filters: DashFilters, now=None) -> dict:
    """Open hazards by status, 重大 ones, and the overdue by contractor and by group HQ."""
    now = now or timezone.now()
    street = filters.street or None
    hazards = Hazard.objects.filter(project__in=projects)
    by_status = dict(
        hazards.filter(status__in=OPEN_STATUSES)
        .order_by()
        .values_list("status")
        .annotate(n=Count("pk"))
    )
    overdue = hazards.filter(status__in=AWAITING_CONTRACTOR, deadline__lt=now)
    by_contractor = list(
        overdue.filter(responsible_org__isnull=False)
        .order_by()
        .values("responsible_org_id", "responsible_org__name")
        .annotate(n=Count("pk"))
        .order_by("-n", "responsible_org__name")[:TOP]
    )
    # By group HQ as the ledger's group filter counts: a hazard of a project one of whose
    # units belongs to the group (so a click shows the same hazards).
    group_key = "project__participants__organization__group_id"
    by_group = [
        {
            "responsible_org__group_id": row[group_key],
            "responsible_org__group__name": row["project__participants__organization__group__name"],
            "n": row["n"],
        }
        for row in overdue.filter(project__participants__organization__group__isnull=False)
        .order_by()
        .values(group_key, "project__participants__organization__group__name")
        .annotate(n=Count("pk", distinct=True))
        .order_by("-n", "project__participants__organization__group__name")[:TOP]
    ]
    majors = hazards.filter(status__in=OPEN_STATUSES, grade=HazardGrade.MAJOR)
    return {
        "by_status": [
            {
                "status": status,
                "label": HazardStatus(status).label,
                "count": by_status.get(status, 0),
                "url": ledger_url(status=status, street=street),
            }
            for status in OPEN_STATUSES
        ],
        "open_total": sum(by_status.values()),
        "overdue_total": overdue.count(),
        "overdue_url": ledger_url(overdue=True, street=street),
        "overdue_by_contractor": [
            {
                "id": row["responsible_org_id"],
                "name": row["responsible_org__name"],
                "count": row["n"],
                "url": ledger_url(
                    contractor=row["responsible_org_id"], overdue=True, street=street
                ),
            }
            for row in by_contractor
        ],
        "overdue_by_group": [
            {
                "id": row["responsible_org__group_id"],
                "name": row["responsible_org__group__name"],
                "count": row["n"],
                "url": ledger_url(
                    group=row["responsible_org__group_id"], overdue=True, street=street
                ),
            }
            for row in by_group
        ],
        "major_total": majors.count(),
        "major_url": ledger_url(grade=HazardGrade.MAJOR, open=True, street=street),
        "majors": list(majors.select_related("project").order_by("found_at", "id")[:TOP]),
    }


def dangerous_works_on_site(projects, street: int | None = None) -> list[dict]:
    rows = (
        DangerousWork.objects.filter(project__in=projects, status__in=dw_workflow.ON_SITE)
        .order_by()
        .values("category", "level")
        .annotate(n=Count("pk"))
    )

    def url(**params):
        params = {"on_site": "1", "street": street or "", **params}
        return (
            reverse("dangerous_works:list")
            + "?"
            + urlencode({k: v for k, v in params.items() if v not in (None, "")})
        )

    out: dict[str, dict] = {}
    for row in rows:
        entry = out.setdefault(
            row["category"],
            {
                "category": row["category"],
                "total": 0,
                "levels": {},
                "level_urls": {},
                "url": url(category=row["category"]),
            },
        )
        entry["levels"][row["level"]] = row["n"]
        entry["level_urls"][row["level"]] = url(category=row["category"], level=row["level"])
        entry["total"] += row["n"]
    return sorted(out.values(), key=lambda e: -e["total"])


def stop_work_in_force(projects) -> dict:
    notices = RectificationNotice.objects.filter(
        project__in=projects, kind__in=STOP_KINDS, status__in=IN_FORCE
    )
    return {
        "total": notices.count(),
        "notices": list(notices.select_related("project").order_by("-issued_at")[:TOP]),
    }


def map_points(projects) -> list[dict]:
    """Projects with a position, their risk score and band (from ProjectRisk)."""
    rows = (
        projects.filter(status__in=ACTIVE_STATUSES, longitude__isnull=False, latitude__isnull=False)
        .annotate(score=F("risk__score"), band=F("risk__band"))
        .values("pk", "name", "longitude", "latitude", "score", "band")
    )
    return [
        {
            "id": row["pk"],
            "name": row["name"],
            "lng": float(row["longitude"]),
            "lat": float(row["latitude"]),
            "score": float(row["score"]) if row["score"] is not None else None,
            "band": row["band"],  # None: not scored yet
            "url": reverse("projects:detail", args=[row["pk"]]),
        }
        for row in rows
    ]


def dashboard(user, filters: DashFilters, now=None) -> dict:
    """Every figure of the dashboard for `user` (a fixed number of queries)."""
    projects = scope_projects(user, filters)
    return {
        "filters": filters,
        "projects": projects_by_status_and_street(projects, filters.street),
        "inspections": inspections_against_plan(
            projects, filters, with_plan=bool(user.is_agency_staff)
        ),
        "flows": hazard_flows(user, projects, filters),
        "open": open_hazards(projects, filters, now),
        "dangerous_works": dangerous_works_on_site(projects, filters.street),
        "stop_work": stop_work_in_force(projects),
    }


def where_to_go_next(user, limit: int | None = 20, street: int | None = None, band: str = ""):
    """The active projects of the user's agency they may see, highest risk first."""
    qs = ProjectRisk.objects.filter(
        project__in=Project.objects.visible_to(user).filter(status__in=ACTIVE_STATUSES)
    )
    if user.is_agency_staff and not user.is_superuser:
        qs = qs.filter(agency_id=user.organization_id)
    if street:
        qs = qs.filter(project__street_id=street)
    if band:
        qs = qs.filter(band=band)
    qs = qs.select_related("project__street", "project__lead_supervisor").order_by(
        "-score", "project__name"
    )
    return qs[:limit] if limit else qs
