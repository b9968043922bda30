"""The monthly report (月报): one month's safety picture of the user's scope, for Excel and PDF.

`monthly_report(user, year, month)` reads the dashboard's selectors once for the twelve months
ending with the report month (the month itself, the month before for comparison, the trend
charts), and adds what the dashboard does not show: hazards by street, the categories of the
month, the highest risk projects with their reasons, and the month's accidents. Flows over the
month (found, closed, on time) come from the summary table for agency staff, like the dashboard;
current states (open, overdue, 重大, 危大 on site, stop-work notices) are as at `now`.
A fixed number of queries, whatever the number of rows.
"""

import datetime
from collections import defaultdict
from decimal import Decimal

from django.db.models import Count, Q, Sum
from django.db.models.functions import TruncMonth
from django.utils import timezone

from anjian.core.models import Street
from anjian.dangerous_works.thresholds import SUPER
from anjian.evaluations.models import Accident
from anjian.hazards.choices import AWAITING_CONTRACTOR, OPEN_STATUSES, HazardStatus
from anjian.hazards.models import Hazard
from anjian.inspections.choices import HazardGrade

from .models import HazardMonthStat
from .risk import BAND_LABELS
from .selectors import (
    DashFilters,
    _aware,
    _last_day,
    dashboard,
    scope_projects,
    uses_summary,
    where_to_go_next,
)
from .summary import month_start, next_month

TITLE = "建设工程安全监督月报"
TREND_MONTHS = 12
TOP = 10
TOP_REASONS = 3
UNCATEGORISED = "未分类"
DEFAULT_AGENCY_NAME = "建设工程安全监督机构"


class InvalidMonth(ValueError):
    """The month does not exist or has not begun yet."""


def report_month(year: int, month: int, *, today: datetime.date | None = None) -> datetime.date:
    """The first day of the report month; raises InvalidMonth for a bad or future month."""
    today = today or timezone.localdate()
    if not 2000 <= year <= 2100 or not 1 <= month <= 12:
        raise InvalidMonth(f"{year}-{month}")
    first = datetime.date(year, month, 1)
    if first > today.replace(day=1):
        raise InvalidMonth(f"{year}-{month}")
    return first


def default_month(today: datetime.date | None = None) -> datetime.date:
    """Last month: the one a monthly report is written about."""
    today = today or timezone.localdate()
    return (today.replace(day=1) - datetime.timedelta(days=1)).replace(day=1)


def previous_month(month: datetime.date) -> datetime.date:
    return (month - datetime.timedelta(days=1)).replace(day=1)


def month_label(month: datetime.date) -> str:
    return f"{month.year}年{month.month}月"


def _num(value):
    """A number as it reads best: whole numbers without decimals."""
    if value is None:
        return None
    if isinstance(value, Decimal):
        value = float(value)
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def _change(now: int, before: int) -> dict:
    diff = now - before
    return {
        "diff": diff,
        "pct": round(100 * diff / before, 1) if before else None,
        "text": "持平" if diff == 0 else (f"增加{diff}" if diff > 0 else f"减少{-diff}"),
    }


def scope_name(user) -> tuple[str, str]:
    """("agency" or "company", the name heading the report)."""
    org = user.organization if user.organization_id else None
    if user.is_agency_staff:
        return "agency", org.name if org is not None else DEFAULT_AGENCY_NAME
    return "company", org.name if org is not None else ""


def _month_stats(user, filters: DashFilters):
    """The summary rows of the agency staff's scope (as `selectors.hazard_flows` reads them)."""
    stats = HazardMonthStat.objects.filter(
        agency_id=user.organization_id,
        street__in=user.organization.jurisdiction.all(),
        month__gte=filters.start,
        month__lte=filters.end,
    )
    if filters.street:
        stats = stats.filter(street_id=filters.street)
    return stats


def _streets(user, projects, month_filters: DashFilters, by_street_projects, now) -> list[dict]:
    """Per street: active projects, hazards found (一般/重大) and closed this month, and the open,
    overdue and open 重大 hazards now (2–4 queries)."""
    rows: dict[int, dict] = {}

    def row(street_id, name):
        return rows.setdefault(
            street_id,
            {
                "id": street_id,
                "name": name or "",
                "projects": 0,
                HazardGrade.GENERAL.value: 0,
                HazardGrade.MAJOR.value: 0,
                "found": 0,
                "closed": 0,
                "open": 0,
                "overdue": 0,
                "major_open": 0,
            },
        )

    summary = uses_summary(user)
    if summary:
        streets = user.organization.jurisdiction.all()
        if month_filters.street:
            streets = streets.filter(pk=month_filters.street)
        for street in streets.order_by("name"):
            row(street.pk, street.name)
        for street_id, name, grade, found, closed in (
            _month_stats(user, month_filters)
            .order_by()
            .values_list("street_id", "street__name", "grade")
            .annotate(found=Sum("found"), closed=Sum("closed"))
        ):
            entry = row(street_id, name)
            entry[grade] = entry.get(grade, 0) + found
            entry["found"] += found
            entry["closed"] += closed
    else:
        hazards = Hazard.objects.filter(project__in=projects)
        start, until = _aware(month_filters.start), _aware(month_filters.until)
        for street_id, name, grade, n in (
            hazards.filter(found_at__gte=start, found_at__lt=until)
            .order_by()
            .values_list("project__street_id", "project__street__name", "grade")
            .annotate(n=Count("pk"))
        ):
            entry = row(street_id, name)
            entry[grade] = entry.get(grade, 0) + n
            entry["found"] += n
        for street_id, name, n in (
            hazards.filter(status=HazardStatus.CLOSED, closed_at__gte=start, closed_at__lt=until)
            .order_by()
            .values_list("project__street_id", "project__street__name")
            .annotate(n=Count("pk"))
        ):
            row(street_id, name)["closed"] += n
    for street_id, name, n_open, n_overdue, n_major in (
        Hazard.objects.filter(project__in=projects, status__in=OPEN_STATUSES)
        .order_by()
        .values_list("project__street_id", "project__street__name")
        .annotate(
            n_open=Count("pk"),
            n_overdue=Count("pk", filter=Q(status__in=AWAITING_CONTRACTOR, deadline__lt=now)),
            n_major=Count("pk", filter=Q(grade=HazardGrade.MAJOR)),
        )
    ):
        entry = row(street_id, name)
        entry["open"] += n_open
        entry["overdue"] += n_overdue
        entry["major_open"] += n_major
    for street in by_street_projects:
        row(street["street"], street["name"])["projects"] += street["total"]
    out = sorted(rows.values(), key=lambda r: (-r["found"], -r["open"], r["name"]))
    return out


def _total(rows: list[dict], keys) -> dict:
    return {key: sum(r.get(key, 0) for r in rows) for key in keys}


def _categories(user, projects, month: datetime.date, street) -> list[dict]:
    """The month's most frequent hazard categories, by grade, with the month before (1 query)."""
    prev = previous_month(month)
    counts: dict[str, dict] = defaultdict(
        lambda: {HazardGrade.GENERAL.value: 0, HazardGrade.MAJOR.value: 0, "prev": 0}
    )
    if uses_summary(user):
        rows = (
            _month_stats(user, DashFilters(start=prev, end=month, street=street))
            .order_by()
            .values_list("month", "category", "grade")
            .annotate(n=Sum("found"))
        )
        triples = [(m, category, grade, n) for m, category, grade, n in rows]
    else:
        rows = (
            Hazard.objects.filter(
                project__in=projects,
                found_at__gte=_aware(prev),
                found_at__lt=_aware(next_month(month)),
            )
            .annotate(m=TruncMonth("found_at"))
            .order_by()
            .values_list("m", "category", "grade")
            .annotate(n=Count("pk"))
        )
        triples = [(month_start(m), category, grade, n) for m, category, grade, n in rows]
    for m, category, grade, n in triples:
        entry = counts[category or UNCATEGORISED]
        if m == month:
            entry[grade] = entry.get(grade, 0) + n
        else:
            entry["prev"] += n
    month_total = sum(
        c[HazardGrade.GENERAL.value] + c[HazardGrade.MAJOR.value] for c in counts.values()
    )
    out = []
    for name, c in counts.items():
        found = c[HazardGrade.GENERAL.value] + c[HazardGrade.MAJOR.value]
        if not found:
            continue
        out.append(
            {
                "name": name,
                "general": c[HazardGrade.GENERAL.value],
                "major": c[HazardGrade.MAJOR.value],
                "found": found,
                "share": round(100 * found / month_total, 1) if month_total else None,
                "prev": c["prev"],
                "change": _change(found, c["prev"]),
            }
        )
    out.sort(key=lambda r: (-r["found"], r["name"]))
    for rank, entry in enumerate(out[:TOP], start=1):
        entry["rank"] = rank
    return out[:TOP]


def _reason(line: dict) -> str:
    value = _num(line.get("value"))
    return (
        f"{line.get('label', '')}：{value}{line.get('unit', '')}（+{_num(line.get('points'))}分）"
    )


def _risky(user, street) -> list[dict]:
    """The highest risk projects with their main reasons (1 query)."""
    out = []
    for rank, risk in enumerate(where_to_go_next(user, limit=TOP, street=street), start=1):
        project = risk.project
        out.append(
            {
                "rank": rank,
                "project_id": project.pk,
                "name": project.name,
                "street": project.street.name if project.street_id else "",
                "score": _num(risk.score),
                "band": risk.band,
                "band_label": BAND_LABELS.get(risk.band, risk.band),
                "reasons": [_reason(line) for line in (risk.breakdown or [])[:TOP_REASONS]],
                "computed_at": risk.computed_at,
            }
        )
    return out


def _accidents(projects, month: datetime.date) -> list[Accident]:
    """The month's accidents (1 query; they are few)."""
    return list(
        Accident.objects.filter(
            project__in=projects, occurred_on__gte=month, occurred_on__lt=next_month(month)
        )
        .select_related("project")
        .order_by("occurred_on", "id")
    )


def _trend(dash: dict) -> list[dict]:
    inspections = {row["month"]: row for row in dash["inspections"]}
    out = []
    for row in dash["flows"]["months"]:
        plan = inspections.get(row["month"], {})
        general, major = row[HazardGrade.GENERAL.value], row[HazardGrade.MAJOR.value]
        year, mon = (int(part) for part in row["month"].split("-"))
        out.append(
            {
                "month": row["month"],
                "label": f"{mon}月",
                "year": year,
                "inspections": plan.get("inspections", 0),
                "planned": plan.get("planned", 0),
                "general": general,
                "major": major,
                "found": general + major,
                "closed": row["closed"],
                "on_time": row["on_time"],
                "on_time_rate": row["on_time_rate"],
                "median_days": _num(row["median_days"]),
            }
        )
    return out


def monthly_report(user, year: int, month: int, *, street: int | None = None, now=None) -> dict:
    """Everything the monthly report shows for `user`'s scope (a fixed number of queries).

    Raises InvalidMonth for a month that does not exist or has not begun.
    """
    now = now or timezone.now()
    today = timezone.localdate(now)
    first = report_month(year, month, today=today)
    prev = previous_month(first)
    start = first
    for _ in range(TREND_MONTHS - 1):
        start = previous_month(start)
    trend_filters = DashFilters(start=start, end=first, street=street)
    month_filters = DashFilters(start=first, end=first, street=street)
    dash = dashboard(user, trend_filters, now)
    projects = scope_projects(user, trend_filters)

    trend = _trend(dash)
    this, before = trend[-1], trend[-2]
    inspections = this["inspections"]
    open_ = dash["open"]
    works = dash["dangerous_works"]
    accidents = _accidents(projects, first)
    active = sum(row["count"] for row in dash["projects"]["by_status"])
    figures = {
        "active_projects": active,
        "inspections": inspections,
        "planned": this["planned"],
        "plan_rate": round(100 * inspections / this["planned"], 1) if this["planned"] else None,
        "found": this["found"],
        "found_general": this["general"],
        "found_major": this["major"],
        "found_prev": before["found"],
        "found_major_prev": before["major"],
        "found_change": _change(this["found"], before["found"]),
        "closed": this["closed"],
        "closed_on_time": this["on_time"],
        "on_time_rate": this["on_time_rate"],
        "on_time_rate_prev": before["on_time_rate"],
        "median_days": this["median_days"],
        "open_now": open_["open_total"],
        "overdue_now": open_["overdue_total"],
        "major_open_now": open_["major_total"],
        "dangerous_works": sum(w["total"] for w in works),
        "dangerous_works_super": sum(w["levels"].get(SUPER, 0) for w in works),
        "stop_work": dash["stop_work"]["total"],
        "accidents": len(accidents),
        "deaths": sum(a.deaths for a in accidents),
        "injuries": sum(a.injuries for a in accidents),
    }
    streets = _streets(user, projects, month_filters, dash["projects"]["by_street"], now)
    street_obj = None
    if street:
        street_obj = next((s for s in streets if s["id"] == street), None)
        if street_obj is None:
            found = Street.objects.filter(pk=street).values("pk", "name").first()
            street_obj = {"id": street, "name": found["name"]} if found else None
    kind, name = scope_name(user)
    return {
        "title": TITLE,
        "year": first.year,
        "month": first.month,
        "first_day": first,
        "last_day": _last_day(first),
        "label": month_label(first),
        "prev_label": month_label(prev),
        "trend_label": f"{month_label(start)}至{month_label(first)}",
        "is_partial": first == today.replace(day=1),
        "generated_at": now,
        "scope_kind": kind,
        "scope_name": name,
        "street": street_obj,
        "figures": figures,
        "streets": streets,
        "streets_total": _total(
            streets,
            ("projects", "general", "major", "found", "closed", "open", "overdue", "major_open"),
        ),
        "categories": _categories(user, projects, first, street),
        "overdue_by_contractor": _ranked(open_["overdue_by_contractor"]),
        "overdue_by_group": _ranked(open_["overdue_by_group"]),
        "risky": _risky(user, street),
        "majors": open_["majors"],
        "stop_work": dash["stop_work"]["notices"],
        "accidents": accidents,
        "trend": trend,
    }


def _ranked(rows: list[dict]) -> list[dict]:
    return [{**row, "rank": rank} for rank, row in enumerate(rows, start=1)]
