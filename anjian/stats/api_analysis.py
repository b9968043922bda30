"""Analysis API: hazard categories with their trend, recurrence, self-inspection against
supervision, the contractors' figures and one company's profile, as JSON.

The scope is the analysis page's (analysis.py): every figure over the projects the caller may
see (agency staff: the category and source figures from the summary table); the contractors'
figures list every contractor for agency staff, a company only itself (a group HQ its
subsidiaries). A company profile is 404 unless the caller may see that company (agency staff;
the company itself; its group HQ). The period is `start`/`end` (YYYY-MM) as on the dashboard's
API, by default the 12 months up to the last complete one; a bad month or street is a 400.
Every figure carries the URL of the hazard ledger filtered to the hazards behind it.
"""

import datetime
from typing import Annotated

from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema

from anjian.core.errors import DomainError
from anjian.core.models import Street
from anjian.projects.models import Project

from . import analysis
from .selectors import DashFilters

router = Router(tags=["stats"])

FIRST_YEAR, LAST_YEAR = 2000, 2100
Id = Annotated[int, Field(ge=1, le=2**63 - 1)]
Month = Annotated[str, Field(description="YYYY-MM", max_length=7)]


# --- output -------------------------------------------------------------------------------------


class PeriodOut(Schema):
    start: str = Field(..., description="The first month (YYYY-MM)")
    end: str = Field(..., description="The last month (YYYY-MM), included")
    street: int | None
    months: list[str]


class CategoryOut(Schema):
    rank: int
    category: str
    count: int = Field(..., description="Hazards of this category found in the period")
    share: float | None = Field(..., description="Percent of the categorised hazards")
    series: list[int] = Field(..., description="Found per month of the period")
    last: int = Field(..., description="Found in the last month")
    before: int = Field(..., description="Found in the month before")
    mom: float | None = Field(..., description="Month over month change, %; null if none before")
    trend: str = Field(..., description="up | down | flat | new | none")
    quarters: list[int] = Field(..., description="Found in Q1–Q4 (Jan–Mar … Oct–Dec)")
    peak_quarter: int | None = Field(..., description="1–4")
    url: str = Field(..., description="The ledger: this category, found in the period")
    last_url: str
    month_urls: list[str]


class CategoriesOut(Schema):
    period: PeriodOut
    quarters: list[str] = Field(..., description="The quarters' labels")
    categories: list[CategoryOut]


class RepeatProjectOut(Schema):
    id: int
    name: str
    found: int
    repeats: int
    rate: float | None
    url: str


class RepeatCategoryOut(Schema):
    category: str
    found: int
    repeats: int
    rate: float | None
    url: str


class RepeatPairOut(Schema):
    project: int
    name: str
    category: str
    found: int
    repeats: int
    url: str


class RecurrenceOut(Schema):
    period: PeriodOut
    days: int = Field(..., description="The window: a repeat follows a finding within so many days")
    found: int = Field(..., description="Categorised hazards found in the period")
    repeats: int = Field(..., description="Of those, repeats")
    rate: float | None = Field(..., description="Percent")
    url: str
    projects: list[RepeatProjectOut] = Field(..., description="The 10 with the most repeats")
    categories: list[RepeatCategoryOut] = Field(..., description="The 10 with the most repeats")
    pairs: list[RepeatPairOut] = Field(..., description="Project and category, the 10 most")


class SourceCountsOut(Schema):
    self: int = Field(..., description="Found by the company's self-inspection")
    supervision: int = Field(..., description="Found by the commission on site")
    remote: int = Field(..., description="Found by the commission remotely")
    commission: int = Field(..., description="supervision + remote")
    worker: int = Field(..., description="Reported by workers")
    total: int
    self_share: float | None = Field(..., description="self / total, %")
    ratio: float | None = Field(..., description="self / commission; null without commission")
    url: str
    self_url: str
    supervision_url: str
    remote_url: str
    worker_url: str


class SourceCategoryOut(SourceCountsOut):
    category: str = Field(..., description="'' for the uncategorised hazards (listed last)")
    uncategorised: bool


class SourceContractorOut(SourceCountsOut):
    id: int
    name: str
    profile_url: str


class SelfInspectionOut(Schema):
    period: PeriodOut
    categories: list[SourceCategoryOut]
    totals: dict[str, float | int | None]
    contractors: list[SourceContractorOut]


class CompanyFiguresOut(Schema):
    projects: int = Field(..., description="Projects where it is the general contractor")
    inspections: int = Field(..., description="Supervision inspections of them in the period")
    found: int = Field(..., description="Hazards it is responsible for found in the period")
    found_commission: int
    found_self: int
    found_worker: int
    self_share: float | None = Field(..., description="Percent")
    per_inspection: float | None = Field(..., description="found_commission / inspections")
    mean_score: float | None = Field(..., description="Mean score of the scored inspections")
    closed: int = Field(..., description="Closed in the period")
    on_time: int
    on_time_rate: float | None = Field(..., description="Percent")
    median_days: float | None = Field(..., description="Median local days to close")
    open: int = Field(..., description="Open now")
    overdue: int = Field(..., description="Overdue now")
    projects_url: str
    ledger_url: str
    commission_url: str
    self_url: str
    closed_url: str
    open_url: str
    overdue_url: str


class CompanyRowOut(CompanyFiguresOut):
    id: int
    name: str
    group_id: int | None
    url: str = Field(..., description="The company's profile page")


class CompanyMonthOut(Schema):
    month: str
    inspections: int
    found: int
    found_commission: int
    found_self: int
    found_worker: int
    self_share: float | None
    per_inspection: float | None
    mean_score: float | None
    closed: int
    on_time: int
    on_time_rate: float | None
    median_days: float | None
    found_url: str
    closed_url: str


class CompanyCategoryOut(Schema):
    category: str
    count: int
    share: float | None
    url: str


class CompanyProfileOut(CompanyFiguresOut):
    id: int
    name: str
    kind: str = Field(..., description="contractor | group")
    is_group: bool
    months: list[CompanyMonthOut]
    categories: list[CompanyCategoryOut] = Field(..., description="The 5 most frequent")
    subsidiaries: list[CompanyRowOut] = Field(..., description="A group HQ's: each one's figures")


# --- input --------------------------------------------------------------------------------------


class AnalysisQuery(Schema):
    start: Month = Field("", description="YYYY-MM (default: 11 months before the end)")
    end: Month = Field("", description="YYYY-MM (default: the last complete month)")
    street: Id | None = Field(None, description="A street of the caller's scope")


class RecurrenceQuery(AnalysisQuery):
    days: int = Field(30, ge=1, le=analysis.MAX_RECURRENCE_DAYS, description="The window, days")


class CompaniesQuery(AnalysisQuery):
    sort: str = Field(
        "-found",
        description="A column, '-' first for descending: "
        + ", ".join(analysis.RANKING_SORTS)
        + " (blanks last)",
    )


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


def _streets(user) -> QuerySet[Street]:
    """The streets the caller may narrow the figures to."""
    if user.is_superuser:
        return Street.objects.all()
    if user.is_agency_staff:
        return user.organization.jurisdiction.all()
    return Street.objects.filter(projects__in=Project.objects.visible_to(user))


def _filters(user, query: AnalysisQuery) -> DashFilters:
    """The period and street asked for (400 when unreadable, reversed, future or too long)."""
    today = timezone.localdate()
    start = _month(query.start, "start")
    end = _month(query.end, "end") or analysis.add_months(today, -1)
    if end > today:
        raise DomainError(_("The period cannot end in the future."), field="end")
    if start and start > end:
        raise DomainError(_("The first month is after the last."), field="start")
    filters = analysis.period_filters(start=start, end=end, street=query.street)
    if start and filters.start != start:
        raise DomainError(
            _("A period covers at most %(n)d months.") % {"n": analysis.MAX_MONTHS},
            field="start",
        )
    if query.street is not None and not _streets(user).filter(pk=query.street).exists():
        raise DomainError(_("That street is not in your scope."), field="street")
    return filters


def _period(filters: DashFilters) -> dict:
    return {
        "start": f"{filters.start:%Y-%m}",
        "end": f"{filters.end:%Y-%m}",
        "street": filters.street,
        "months": [f"{m:%Y-%m}" for m in filters.months()],
    }


def _sorted(rows: list[dict], sort: str) -> list[dict]:
    if sort.lstrip("-") not in analysis.RANKING_SORTS:
        raise DomainError(_("Unknown sort order."), field="sort")
    return analysis.sort_ranking(rows, sort)


# --- endpoints ----------------------------------------------------------------------------------


@router.get(
    "/stats/analysis/categories",
    response=CategoriesOut,
    summary="隐患类别排名与趋势（环比、季节）",
    description="Hazard categories ranked by the hazards found in the period (uncategorised "
    "ones left out), each with its monthly series, the last month against the month before "
    "(month over month, %), its share and its counts by quarter of the year. Anyone signed in, "
    "over the projects they may see.",
)
def categories(request, query: Query[AnalysisQuery]):
    filters = _filters(request.auth, query)
    return {
        "period": _period(filters),
        "quarters": analysis.quarter_labels(),
        "categories": analysis.category_ranking(request.auth, filters),
    }


@router.get(
    "/stats/analysis/recurrence",
    response=RecurrenceOut,
    summary="隐患重复发生（同一项目同一类别 N 天内再次发现）",
    description="A hazard is a repeat when a hazard of its category was found at its project on "
    "an earlier day at most `days` days before (default 30; the same day's findings are one "
    "visit). Totals, the rate among the categorised hazards of the period, and the projects, "
    "categories and project–category pairs with the most repeats. Anyone signed in.",
)
def recurrence(request, query: Query[RecurrenceQuery]):
    filters = _filters(request.auth, query)
    return {"period": _period(filters), **analysis.recurrence(request.auth, filters, query.days)}


@router.get(
    "/stats/analysis/self-inspection",
    response=SelfInspectionOut,
    summary="企业自查与监督检查发现对比",
    description="Per category, the hazards found by the company's self-inspection, by the "
    "commission (on site and remote) and by workers' reports, with the self-found share and "
    "self per commission finding; and the same per responsible contractor (agency staff: every "
    "one; a company: itself, a group HQ: its subsidiaries). Anyone signed in.",
)
def self_inspection(request, query: Query[AnalysisQuery]):
    user = request.auth
    filters = _filters(user, query)
    rows = analysis.self_vs_supervision(user, filters)
    return {
        "period": _period(filters),
        "categories": rows,
        "totals": analysis.source_totals(rows),
        "contractors": analysis.self_vs_supervision_by_contractor(user, filters),
    }


@router.get(
    "/stats/companies",
    response=list[CompanyRowOut],
    summary="施工单位隐患与整改画像（排行）",
    description="The contractors of the caller's scope with their figures: projects, "
    "supervision inspections, hazards found and per inspection, self-found share, on-time "
    "rectification rate, median days to close, mean inspection score, open and overdue now. "
    "Agency staff see every contractor; a company only itself (a group HQ its subsidiaries). "
    "`sort` orders by a column.",
)
def companies(request, query: Query[CompaniesQuery]):
    filters = _filters(request.auth, query)
    return _sorted(analysis.company_ranking(request.auth, filters), query.sort)


@router.get(
    "/stats/companies/{org_id}",
    response=CompanyProfileOut,
    summary="企业画像（施工单位或集团）",
    description="A contractor's figures (a group HQ's: its subsidiaries' together, and each "
    "one's) on the projects the caller may see, with the months of the period and its most "
    "frequent categories. 404 unless the caller is agency staff, the company itself or its "
    "group HQ.",
)
def company(request, org_id: Id, query: Query[CompaniesQuery]):
    user = request.auth
    org = analysis.company_for_user(user, org_id)
    filters = _filters(user, query)
    profile = analysis.company_profile(user, org, filters)
    subsidiaries = []
    if profile["is_group"]:
        subsidiaries = _sorted(analysis.company_ranking(user, filters, within=org), query.sort)
    profile.pop("org")
    return {**profile, "subsidiaries": subsidiaries}


__all__ = ["router"]
