"""Statistics API: the dashboard's figures, the map, the risk scores (where to go next, a
project's breakdown, the formula) and the monthly report, as JSON.

The scope is the pages' (`Project.objects.visible_to`): agency staff their jurisdiction (flows
over time from the summary table kept by the job), a group HQ its subsidiaries' projects, a
contractor its own projects (live). Each figure carries the URL of the page listing the records
behind it. 'Where to go next' and the formula are for the commission's staff; only an agency's
administrators change the formula. A bad period, street or month is a 400 with a message.
"""

import datetime
from decimal import Decimal, InvalidOperation
from typing import Annotated, Any

from django.db.models import QuerySet
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema
from ninja.pagination import PageNumberPagination, paginate

from anjian.core.errors import DomainError
from anjian.core.errors import PermissionDenied as NotAllowed
from anjian.core.models import Street
from anjian.dangerous_works.thresholds import CATEGORIES
from anjian.evaluations.models import Accident
from anjian.hazards.models import Hazard, RectificationNotice
from anjian.projects.choices import ProjectStatus
from anjian.projects.models import Project

from . import report, risk, selectors, services
from .models import ProjectRisk

router = Router(tags=["stats"])

MAX_MONTHS = 36
FIRST_YEAR, LAST_YEAR = 2000, 2100
Id = Annotated[int, Field(ge=1, le=2**63 - 1)]
Month = Annotated[str, Field(description="YYYY-MM", max_length=7)]


# --- output -------------------------------------------------------------------------------------


class FiltersOut(Schema):
    start: str = Field(..., description="The first month (YYYY-MM)")
    end: str = Field(..., description="The last month (YYYY-MM), included")
    street: int | None
    months: list[str]


class ProjectStatusOut(Schema):
    status: str
    label: str
    count: int
    url: str = Field(..., description="The project list with this status (and street)")


class ProjectStreetOut(Schema):
    street: int | None
    name: str | None
    counts: dict[str, int] = Field(..., description="{project status: active projects}")
    total: int
    url: str


class ProjectsOut(Schema):
    by_status: list[ProjectStatusOut]
    by_street: list[ProjectStreetOut]


class InspectionMonthOut(Schema):
    month: str
    inspections: int = Field(..., description="Finished supervision and remote inspections")
    planned: int | None = Field(
        ...,
        description="Visits in the published plans (null for companies: the plan is the "
        "commission's)",
    )


class FlowMonthOut(Schema):
    month: str
    general: int = Field(..., description="General hazards found this month")
    major: int = Field(..., description="重大 hazards found this month")
    general_url: str
    major_url: str
    closed: int = Field(..., description="Hazards closed (销号) this month")
    on_time: int = Field(..., description="Of those, closed by their deadline")
    on_time_rate: float | None = Field(..., description="Percent; null when none closed")
    median_days: float | None = Field(..., description="Median local days from finding to close")
    closed_url: str


class CountOut(Schema):
    status: str
    label: str
    count: int
    url: str


class OverdueOut(Schema):
    id: int
    name: str
    count: int
    url: str


class MajorOut(Schema):
    id: int
    number: str
    project_id: int
    project_name: str
    category: str
    location: str
    status: str
    status_label: str
    found_at: datetime.datetime
    deadline: datetime.datetime | None
    url: str


class OpenOut(Schema):
    by_status: list[CountOut]
    open_total: int
    overdue_total: int
    overdue_url: str
    overdue_by_contractor: list[OverdueOut] = Field(..., description="Top 10")
    overdue_by_group: list[OverdueOut] = Field(..., description="Top 10 group HQs")
    major_total: int
    major_url: str
    majors: list[MajorOut] = Field(..., description="The 10 oldest open 重大 hazards")


class WorksOut(Schema):
    category: str
    label: str
    total: int
    levels: dict[str, int] = Field(..., description="{danger | super: works on site}")
    level_urls: dict[str, str] = Field({}, description="{danger | super: the list of those}")
    url: str


class NoticeOut(Schema):
    id: int
    number: str
    kind: str
    kind_label: str
    status: str
    project_id: int
    project_name: str
    issued_at: datetime.datetime
    stop_scope: str
    url: str


class StopWorkOut(Schema):
    total: int
    notices: list[NoticeOut] = Field(..., description="The 10 latest")


class DashboardOut(Schema):
    filters: FiltersOut
    source: str = Field(..., description="summary (agency staff) | live (companies)")
    projects: ProjectsOut
    inspections: list[InspectionMonthOut]
    flows: list[FlowMonthOut]
    open: OpenOut
    dangerous_works: list[WorksOut]
    stop_work: StopWorkOut


class PointOut(Schema):
    id: int
    name: str
    lng: float
    lat: float
    score: float | None = Field(..., description="null: not scored yet")
    band: str | None = Field(..., description="high | medium | low; null: not scored yet")
    url: str


class MapOut(Schema):
    points: list[PointOut]
    count: int
    bands: dict[str, int] = Field(..., description="Points per band, and `unscored`")


class LineOut(Schema):
    key: str
    label: str
    value: float
    unit: str
    weight: float
    points: float
    capped: bool


class RiskRowOut(Schema):
    project_id: int
    project_name: str = Field(..., alias="project.name")
    street_id: int | None = Field(None, alias="project.street_id")
    street_name: str = ""
    lead_supervisor: str = Field("", description="The project's lead supervisor")
    score: float
    band: str = Field(..., description="high | medium | low")
    band_label: str = ""
    breakdown: list[LineOut] = Field(..., description="The factors adding points, largest first")
    facts: dict[str, Any]
    computed_at: datetime.datetime
    url: str = Field("", description="The project's risk tab")

    @staticmethod
    def resolve_street_name(obj):
        return obj.project.street.name if obj.project.street_id else ""

    @staticmethod
    def resolve_lead_supervisor(obj):
        supervisor = obj.project.lead_supervisor
        return (supervisor.name or supervisor.username) if supervisor else ""

    @staticmethod
    def resolve_band_label(obj):
        return risk.BAND_LABELS.get(obj.band, obj.band)

    @staticmethod
    def resolve_url(obj):
        return reverse("stats:project_risk", args=[obj.project_id])


class FactorOut(Schema):
    key: str
    label: str
    unit: str
    weight: float
    cap: float = Field(..., description="At most this many points; 0: no cap")
    value: float | None = None
    points: float | None = None
    capped: bool | None = None


class ProjectRiskOut(Schema):
    project_id: int
    project_name: str
    score: float
    band: str
    band_label: str
    lines: list[LineOut] = Field(..., description="The factors adding points, largest first")
    factors: list[FactorOut] = Field(..., description="Every factor of the formula")
    facts: dict[str, Any]
    stored: dict[str, Any] | None = Field(
        ..., description="The score the lists and the map use (as of the last refresh)"
    )


class FormulaOut(Schema):
    agency_id: int | None
    factors: list[FactorOut]
    defaults: dict[str, dict[str, float]]
    bands: dict[str, float] = Field(..., description="Lower bounds of the high and medium bands")
    never_visited_days: int
    pass_score: float
    can_edit: bool
    text: str


# --- input --------------------------------------------------------------------------------------


class DashQuery(Schema):
    start: Month = Field("", description="YYYY-MM (default: 11 months before the end)")
    end: Month = Field("", description="YYYY-MM (default: this month)")
    street: Id | None = Field(None, description="A street of the caller's scope")


class MapQuery(Schema):
    street: Id | None = None


class RiskQuery(Schema):
    street: Id | None = None
    band: str = Field("", description="high | medium | low")


class FactorIn(Schema):
    weight: float | str = Field(..., description="Points per unit, 0–1000 (0 switches off)")
    cap: float | str = Field(..., description="At most this many points, 0–1000 (0: no cap)")


class FormulaIn(Schema):
    factors: dict[str, FactorIn] = Field(..., description="Every factor: {key: {weight, cap}}")


# --- helpers ------------------------------------------------------------------------------------


def _month(raw: str, field: str) -> datetime.date | None:
    text = (raw or "").strip()
    if not text:
        return None
    try:
        day = datetime.datetime.strptime(text, "%Y-%m").date()
    except ValueError:
        day = None
    if day is None or not FIRST_YEAR <= day.year <= LAST_YEAR:
        raise DomainError(_("Give a month as YYYY-MM."), field=field)
    return day


def _add_months(day: datetime.date, n: int) -> datetime.date:
    index = day.year * 12 + day.month - 1 + n
    return datetime.date(index // 12, index % 12 + 1, 1)


def _streets(user) -> QuerySet[Street]:
    """The streets the caller may narrow the figures to."""
    if user.is_superuser:
        return Street.objects.all()
    if user.is_agency_staff:
        return user.organization.jurisdiction.all()
    return Street.objects.filter(projects__in=Project.objects.visible_to(user))


def _street(user, street: int | None) -> int | None:
    if street is not None and not _streets(user).filter(pk=street).exists():
        raise DomainError(_("That street is not in your scope."), field="street")
    return street


def _filters(user, query: DashQuery) -> selectors.DashFilters:
    """The period and street asked for (400 when unreadable, reversed, future or too long)."""
    current = timezone.localdate().replace(day=1)
    end = _month(query.end, "end") or current
    start = _month(query.start, "start") or _add_months(end, -(selectors.DEFAULT_MONTHS - 1))
    if end > current:
        raise DomainError(_("The period cannot end in the future."), field="end")
    if start > end:
        raise DomainError(_("The first month is after the last."), field="start")
    if (end.year - start.year) * 12 + end.month - start.month + 1 > MAX_MONTHS:
        raise DomainError(
            _("A period covers at most %(n)d months.") % {"n": MAX_MONTHS}, field="start"
        )
    return selectors.DashFilters(start=start, end=end, street=_street(user, query.street))


def _staff(user) -> None:
    if not user.is_agency_staff:
        raise NotAllowed(_("Only the commission's staff may do this."))


def _major(hazard: Hazard) -> dict:
    return {
        "id": hazard.pk,
        "number": hazard.number,
        "project_id": hazard.project_id,
        "project_name": hazard.project.name,
        "category": hazard.category,
        "location": hazard.location,
        "status": hazard.status,
        "status_label": hazard.get_status_display(),
        "found_at": hazard.found_at,
        "deadline": hazard.deadline,
        "url": hazard.get_absolute_url(),
    }


def _notice(notice: RectificationNotice) -> dict:
    return {
        "id": notice.pk,
        "number": notice.number,
        "kind": notice.kind,
        "kind_label": notice.get_kind_display(),
        "status": notice.status,
        "project_id": notice.project_id,
        "project_name": notice.project.name,
        "issued_at": notice.issued_at,
        "stop_scope": notice.stop_scope,
        "url": notice.get_absolute_url(),
    }


def _lines(lines: list) -> list[dict]:
    return [
        {
            "key": line.key,
            "label": line.label,
            "value": float(line.value),
            "unit": line.unit,
            "weight": float(line.weight),
            "points": float(line.points),
            "capped": line.capped,
        }
        for line in lines
    ]


def _accident(accident: Accident) -> dict:
    return {
        "id": accident.pk,
        "project_id": accident.project_id,
        "project_name": accident.project.name,
        "occurred_on": accident.occurred_on,
        "level": accident.level,
        "level_label": accident.get_level_display(),
        "is_liability": accident.is_liability,
        "deaths": accident.deaths,
        "injuries": accident.injuries,
        "description": accident.description,
    }


def _jsonable(value):
    """The monthly report as JSON: dates as ISO text, decimals as numbers, hazards, notices and
    accidents as their main fields with their project's name."""
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, datetime.datetime):
        return (timezone.localtime(value) if timezone.is_aware(value) else value).isoformat()
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, Hazard):
        return _jsonable(_major(value))
    if isinstance(value, RectificationNotice):
        return _jsonable(_notice(value))
    if isinstance(value, Accident):
        return _jsonable(_accident(value))
    if isinstance(value, str | int | float | bool) or value is None:
        return value
    return str(value)


def _formula_out(user) -> dict:
    agency_id = user.organization_id if user.organization_id else None
    formula = services.formula_for(agency_id) if agency_id else risk.Formula.default()
    defaults = risk.Formula.default()
    return {
        "agency_id": agency_id,
        "factors": [
            {
                "key": f.key,
                "label": f.label,
                "unit": f.unit,
                "weight": float(f.weight),
                "cap": float(f.cap),
            }
            for f in formula.factors
        ],
        "defaults": defaults.as_config(),
        "bands": {"high": float(risk.HIGH), "medium": float(risk.MEDIUM)},
        "never_visited_days": risk.NEVER_VISITED_DAYS,
        "pass_score": float(risk.PASS_SCORE),
        "can_edit": bool(agency_id and user.is_admin),
        "text": _(
            "score = Σ min(weight × value, cap) over the factors; a weight of 0 switches a factor "
            "off, a cap of 0 leaves it uncapped"
        ),
    }


# --- the dashboard ------------------------------------------------------------------------------


@router.get(
    "/stats/dashboard",
    response=DashboardOut,
    summary="统计看板（领导驾驶舱）",
    description="The dashboard's figures for the caller's scope: active projects by status and "
    "street, inspections per month against the plan, hazards found per month by grade, closed "
    "on time and the median days to close, open hazards by status, overdue ones by contractor "
    "and by group HQ (top 10), open 重大 hazards, 危大 works on site by category and level, "
    "stop-work notices in force. `start`, `end` (YYYY-MM, default the last 12 months, at most "
    "36) and `street` filter every figure; every figure carries the URL of its list.",
)
def dashboard(request, query: Query[DashQuery]):
    user = request.auth
    filters = _filters(user, query)
    data = selectors.dashboard(user, filters)
    street = filters.street
    projects = data["projects"]
    return {
        "filters": {
            "start": f"{filters.start:%Y-%m}",
            "end": f"{filters.end:%Y-%m}",
            "street": street,
            "months": [f"{m:%Y-%m}" for m in filters.months()],
        },
        "source": "summary" if selectors.uses_summary(user) else "live",
        "projects": {
            "by_status": [
                {**row, "label": str(ProjectStatus(row["status"]).label)}
                for row in projects["by_status"]
            ],
            "by_street": projects["by_street"],
        },
        "inspections": data["inspections"],
        "flows": data["flows"]["months"],
        "open": {
            **data["open"],
            "by_status": [{**row, "label": str(row["label"])} for row in data["open"]["by_status"]],
            "majors": [_major(h) for h in data["open"]["majors"]],
        },
        "dangerous_works": [
            {**row, "label": CATEGORIES.get(row["category"], row["category"])}
            for row in data["dangerous_works"]
        ],
        "stop_work": {
            "total": data["stop_work"]["total"],
            "notices": [_notice(n) for n in data["stop_work"]["notices"]],
        },
    }


@router.get(
    "/stats/map",
    response=MapOut,
    summary="项目风险地图",
    description="The caller's active projects with coordinates, their stored risk score and "
    "band (high | medium | low; null when not scored yet), and how many in each band.",
)
def project_map(request, query: Query[MapQuery]):
    user = request.auth
    filters = selectors.DashFilters.default(street=_street(user, query.street))
    points = selectors.map_points(selectors.scope_projects(user, filters))
    bands = dict.fromkeys([*risk.BAND_LABELS, "unscored"], 0)
    for point in points:
        band = point["band"] or "unscored"
        bands[band] = bands.get(band, 0) + 1
    return {"points": points, "count": len(points), "bands": bands}


# --- risk ---------------------------------------------------------------------------------------


@router.get(
    "/stats/risk",
    response=list[RiskRowOut],
    summary="下一步去哪（按风险排序，监督人员）",
    description="The active projects of the caller's agency, highest stored risk score first "
    "(recomputed every 15 minutes), with the breakdown and the facts behind it; filters: "
    "street, band. Commission staff only.",
)
@paginate(PageNumberPagination)
def risk_list(request, query: Query[RiskQuery]):
    user = request.auth
    _staff(user)
    if query.band and query.band not in risk.BAND_LABELS:
        raise DomainError(_("The band is high, medium or low."), field="band")
    street = _street(user, query.street)
    return selectors.where_to_go_next(user, limit=None, street=street, band=query.band)


@router.get(
    "/projects/{project_id}/risk",
    response=ProjectRiskOut,
    summary="项目风险评分（实时计算与构成）",
    description="The project's risk score computed now with its agency's formula: the factors "
    "adding points (largest first), every factor with its weight, cap and value, the facts, "
    "and the stored score the lists and the map use. Anyone who may see the project.",
)
def project_risk(request, project_id: Id):
    project = get_object_or_404(Project.objects.visible_to(request.auth), pk=project_id)
    facts = services.gather_facts([project.pk])[project.pk]
    formula = services.formula_for(project.agency_id)
    result = risk.compute(facts, formula)
    lines = {line.key: line for line in result.lines}
    stored = ProjectRisk.objects.filter(project=project).first()
    return {
        "project_id": project.pk,
        "project_name": project.name,
        "score": float(result.score),
        "band": result.band,
        "band_label": risk.BAND_LABELS[result.band],
        "lines": _lines(result.lines),
        "factors": [
            {
                "key": f.key,
                "label": f.label,
                "unit": f.unit,
                "weight": float(f.weight),
                "cap": float(f.cap),
                "value": float(facts.value(f.key)),
                "points": float(lines[f.key].points) if f.key in lines else 0.0,
                "capped": bool(f.key in lines and lines[f.key].capped),
            }
            for f in formula.factors
        ],
        "facts": services.facts_json(facts),
        "stored": {
            "score": float(stored.score),
            "band": stored.band,
            "computed_at": stored.computed_at,
        }
        if stored
        else None,
    }


@router.get(
    "/stats/risk-formula",
    response=FormulaOut,
    summary="风险评分公式（本机构）",
    description="Every factor's weight and cap in the caller's agency, the defaults and the "
    "band bounds. Commission staff only.",
)
def risk_formula(request):
    _staff(request.auth)
    return _formula_out(request.auth)


@router.put(
    "/stats/risk-formula",
    response=FormulaOut,
    summary="修改风险评分公式（管理员）",
    description="Set every factor's weight and cap (numbers 0–1000; weight 0 switches a factor "
    "off, cap 0 leaves it uncapped). All factors must be given. Administrators of the agency "
    "only; the scores are recomputed at once.",
)
def risk_formula_update(request, payload: FormulaIn):
    user = request.auth
    if not user.is_admin or not user.organization_id:
        raise NotAllowed(_("Only the agency's administrators change the risk formula."))
    given = set(payload.factors)
    unknown = sorted(given - set(risk.FACTORS))
    if unknown:
        raise DomainError(
            _("Unknown factors: %(keys)s.") % {"keys": ", ".join(unknown)}, field="factors"
        )
    missing = [key for key in risk.FACTORS if key not in given]
    if missing:
        raise DomainError(
            _("Give the weight and cap of every factor; missing: %(keys)s.")
            % {"keys": ", ".join(missing)},
            field="factors",
        )
    config = {}
    for key, entry in payload.factors.items():
        values = {}
        for name in ("weight", "cap"):
            raw = getattr(entry, name)
            try:
                number = Decimal(str(raw).strip())
            except InvalidOperation:
                number = None
            if number is None or not number.is_finite():
                raise DomainError(_("Weights and caps are numbers."), field=key)
            values[name] = number
        config[key] = {"weight": str(values["weight"]), "cap": str(values["cap"])}
    services.risk_formula_save(agency=user.organization, by=user, config=config)
    return _formula_out(user)


# --- the monthly report -------------------------------------------------------------------------


@router.get(
    "/stats/report/{year}/{month}",
    response=dict[str, Any],
    summary="安全监督月报（数据）",
    description="The monthly report of the caller's scope as JSON (what the Excel and PDF "
    "show): the key figures against the month before, hazards by street and by category, "
    "overdue by contractor and group HQ, the highest risk projects, open 重大 hazards, "
    "stop-work notices, accidents and the 12-month trend. A month that has begun; `street` "
    "narrows it to a street of the caller's scope.",
)
def monthly_report(request, year: int, month: int, street: Id | None = None):
    user = request.auth
    street = _street(user, street)
    try:
        data = report.monthly_report(user, year, month, street=street)
    except report.InvalidMonth:
        raise DomainError(
            _("There is no report for this month: choose a month that has begun."),
            field="month",
        ) from None
    return _jsonable(data)
