"""Analysis: hazard categories and their trend, recurrence, company profiles and rankings, and
self-inspection against supervision. Pure reads, each in a fixed number of queries.

Scopes follow selectors.py. Agency staff read the category and source figures from
`HazardMonthStat` over their jurisdiction. Everything that needs a project or a company
(recurrence, profiles, rankings) reads the live hazards of the projects the user may see,
restricted to the period, with the grouping done in SQL; companies read everything live.
A company's hazards are those it is the responsible unit of (`Hazard.responsible_org`, the
ledger's "contractor" filter); a group HQ's are those of its subsidiaries.
"""

import datetime
from collections import defaultdict
from decimal import Decimal

from django.core.exceptions import EmptyResultSet
from django.db import connections
from django.db.models import Count, F, Func, IntegerField, Q, Sum
from django.http import Http404
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from anjian.accounts.choices import OrgKind
from anjian.accounts.models import Organization
from anjian.evaluations.selectors import may_see_company
from anjian.hazards.choices import AWAITING_CONTRACTOR, OPEN_STATUSES, HazardSource, HazardStatus
from anjian.hazards.models import Hazard
from anjian.inspections.choices import InspectionSource, InspectionStatus
from anjian.inspections.models import Inspection
from anjian.projects.choices import ParticipantRole
from anjian.projects.models import Project, ProjectParticipant

from .models import HazardMonthStat
from .selectors import (
    DashFilters,
    _aware,
    _last_day,
    _median,
    ledger_url,
    projects_url,
    scope_projects,
    uses_summary,
)
from .summary import MAX_DAYS

TOP = 10
TOP_CATEGORIES = 5
MAX_MONTHS = 36
MAX_RECURRENCE_DAYS = 365
# The commission's inspections: on site or remote (hazards they find are its findings).
SUPERVISION_INSPECTIONS = (InspectionSource.SUPERVISION, InspectionSource.REMOTE)
QUARTERS = (_("Q1 (Jan–Mar)"), _("Q2 (Apr–Jun)"), _("Q3 (Jul–Sep)"), _("Q4 (Oct–Dec)"))
EPOCH = datetime.date(2000, 1, 1)
EPOCH_JULIAN = 2451544.5  # julianday('2000-01-01')


# --- the period ---------------------------------------------------------------------------------


def add_months(day: datetime.date, n: int) -> datetime.date:
    """The first day of the month `n` months after (or before) `day`'s month."""
    index = day.year * 12 + day.month - 1 + n
    return datetime.date(index // 12, index % 12 + 1, 1)


def period_filters(
    *,
    start: datetime.date | None = None,
    end: datetime.date | None = None,
    street=None,
    today=None,
) -> DashFilters:
    """The months from `start` to `end` (default: the 12 months up to the last complete one).

    Reversed months are swapped; a period longer than MAX_MONTHS keeps its last months.
    """
    if end is None:
        end = add_months(today or timezone.localdate(), -1)
    end = end.replace(day=1)
    start = (start or add_months(end, -11)).replace(day=1)
    if start > end:
        start, end = end, start
    start = max(start, add_months(end, -(MAX_MONTHS - 1)))
    return DashFilters(start=start, end=end, street=street or None)


def _period(filters: DashFilters) -> dict:
    """The ledger parameters of "found in the period" (and the street)."""
    return {
        "found_from": filters.start.isoformat(),
        "found_to": _last_day(filters.end).isoformat(),
        "street": filters.street or None,
    }


def _closed_period(filters: DashFilters) -> dict:
    return {
        "closed_from": filters.start.isoformat(),
        "closed_to": _last_day(filters.end).isoformat(),
        "street": filters.street or None,
    }


def _month_params(month: datetime.date) -> dict:
    return {"found_from": month.isoformat(), "found_to": _last_day(month).isoformat()}


def _pct(part, whole, digits: int = 1) -> float | None:
    return round(100 * part / whole, digits) if whole else None


def _ratio(part, whole, digits: int = 2) -> float | None:
    return round(part / whole, digits) if whole else None


# --- the local day of a datetime, in SQL ---------------------------------------------------------


def _fixed_offset(tz) -> int | None:
    """The zone's UTC offset in seconds if it has had no daylight saving lately, else None."""
    year = timezone.now().year
    offsets = {
        datetime.datetime(y, m, 1, 12, tzinfo=tz).utcoffset()
        for y in (year - 2, year - 1, year)
        for m in (1, 4, 7, 10)
    }
    if len(offsets) != 1:
        return None
    offset = offsets.pop()
    return int(offset.total_seconds()) if offset is not None else None


def _local_date_sql(compiler, connection, expression):
    """SQL of the local date of a datetime in the current time zone (Django's own cast)."""
    sql, params = compiler.compile(expression)
    tzname = timezone.get_current_timezone_name()
    return connection.ops.datetime_cast_date_sql(sql, tuple(params), tzname)


class LocalDay(Func):
    """The local calendar day of a datetime as a whole number: days since 2000-01-01.

    PostgreSQL subtracts dates; SQLite reads `julianday`, shifting by the zone's fixed offset
    (no Python call per row) unless the zone keeps daylight saving time.
    """

    arity = 1
    output_field = IntegerField()

    def as_sql(self, compiler, connection, **extra_context):
        sql, params = _local_date_sql(compiler, connection, self.source_expressions[0])
        return f"({sql} - DATE '2000-01-01')", params

    def as_sqlite(self, compiler, connection, **extra_context):
        offset = _fixed_offset(timezone.get_current_timezone())
        if offset is not None:
            sql, params = compiler.compile(self.source_expressions[0])
            return (
                f"CAST(julianday(date({sql}, %s)) - {EPOCH_JULIAN} AS INTEGER)",
                (*params, f"{offset:+d} seconds"),
            )
        sql, params = _local_date_sql(compiler, connection, self.source_expressions[0])
        return f"CAST(julianday({sql}) - {EPOCH_JULIAN} AS INTEGER)", params


class LocalMonth(Func):
    """The local calendar month of a datetime as a whole number YYYYMM (202606).

    Like LocalDay: no Python call per row on SQLite in a zone without daylight saving (which
    Django's TruncMonth makes there).
    """

    arity = 1
    output_field = IntegerField()

    def as_sql(self, compiler, connection, **extra_context):
        sql, params = _local_date_sql(compiler, connection, self.source_expressions[0])
        return f"CAST(EXTRACT(YEAR FROM {sql}) * 100 + EXTRACT(MONTH FROM {sql}) AS INTEGER)", (
            *params,
            *params,
        )

    def as_sqlite(self, compiler, connection, **extra_context):
        offset = _fixed_offset(timezone.get_current_timezone())
        if offset is not None:
            sql, params = compiler.compile(self.source_expressions[0])
            return (
                f"CAST(strftime('%%Y%%m', {sql}, %s) AS INTEGER)",
                (*params, f"{offset:+d} seconds"),
            )
        sql, params = _local_date_sql(compiler, connection, self.source_expressions[0])
        return f"CAST(strftime('%%Y%%m', {sql}) AS INTEGER)", params


def month_of(number: int) -> datetime.date:
    """The first day of a LocalMonth number."""
    return datetime.date(number // 100, number % 100, 1)


def day_number(day: datetime.date) -> int:
    return (day - EPOCH).days


def _close_days():
    """Whole local days from finding to closing, as summary.close_days counts them."""
    return LocalDay("closed_at") - LocalDay("found_at")


def _clamp_days(days) -> int:
    return min(max(int(days or 0), 0), MAX_DAYS)


# --- scopes -------------------------------------------------------------------------------------


def _hazards(user, filters: DashFilters):
    """The live hazards of the projects the analysis covers."""
    return Hazard.objects.filter(project__in=scope_projects(user, filters))


def _found(hazards, filters: DashFilters):
    return hazards.filter(found_at__gte=_aware(filters.start), found_at__lt=_aware(filters.until))


def _closed(hazards, filters: DashFilters):
    return hazards.filter(
        status=HazardStatus.CLOSED,
        closed_at__gte=_aware(filters.start),
        closed_at__lt=_aware(filters.until),
    )


def _stats(user, filters: DashFilters):
    """The summary rows of the user's agency and jurisdiction in the period."""
    stats = HazardMonthStat.objects.filter(
        agency_id=user.organization_id,
        street__in=user.organization.jurisdiction.all(),
        month__gte=filters.start,
        month__lte=filters.end,
    )
    if filters.street:
        stats = stats.filter(street_id=filters.street)
    return stats


def _companies(user, within: Organization | None = None, *, via: str) -> Q:
    """The responsible units whose figures the user may see, as a Q over the relation `via`.

    Agency staff: every unit; a company: itself and (a group HQ) its subsidiaries. `within`
    narrows to one company, or to a group HQ's subsidiaries. (A subquery of the subsidiaries
    rather than a join lets the database use the index on `via`.)
    """

    def subsidiaries(group_id):
        return Q(**{f"{via}__in": Organization.objects.filter(group_id=group_id).values("pk")})

    q = Q()
    if not user.is_agency_staff:
        mine = user.organization_id
        q &= (Q(**{via: mine}) | subsidiaries(mine)) if mine else Q(pk__in=[])
    if within is not None:
        q &= subsidiaries(within.pk) if within.kind == OrgKind.GROUP else Q(**{via: within.pk})
    return q


# --- category ranking ---------------------------------------------------------------------------


def _found_by_category_month(user, filters: DashFilters) -> dict[tuple[str, datetime.date], int]:
    counts: dict[tuple[str, datetime.date], int] = defaultdict(int)
    if uses_summary(user):
        rows = (
            _stats(user, filters)
            .exclude(category="")
            .order_by()
            .values_list("category", "month")
            .annotate(n=Sum("found"))
        )
        for category, month, n in rows:
            counts[(category, month)] += n or 0
        return counts
    rows = (
        _found(_hazards(user, filters), filters)
        .exclude(category="")
        .annotate(m=LocalMonth("found_at"))
        .order_by()
        .values_list("category", "m")
        .annotate(n=Count("pk"))
    )
    for category, m, n in rows:
        counts[(category, month_of(m))] += n
    return counts


def _trend(last: int, before: int) -> str:
    if not last and not before:
        return "none"
    if not before:
        return "new"
    return "up" if last > before else "down" if last < before else "flat"


def category_ranking(user, filters: DashFilters) -> list[dict]:
    """Hazard categories by the hazards found in the period, most first (1 query).

    Each: its monthly series, the last month against the one before (month over month, %),
    its share of the categorised hazards, and its counts by quarter of the year.
    """
    counts = _found_by_category_month(user, filters)
    months = filters.months()
    last = months[-1]
    before = months[-2] if len(months) > 1 else None
    totals: dict[str, int] = defaultdict(int)
    for (category, _month), n in counts.items():
        totals[category] += n
    grand = sum(totals.values())
    out = []
    for category, total in sorted(totals.items(), key=lambda item: (-item[1], item[0])):
        series = [counts.get((category, m), 0) for m in months]
        quarters = [0, 0, 0, 0]
        for m, n in zip(months, series, strict=True):
            quarters[(m.month - 1) // 3] += n
        n_last = series[-1]
        n_before = series[-2] if before else 0
        out.append(
            {
                "category": category,
                "count": total,
                "share": _pct(total, grand),
                "series": series,
                "last": n_last,
                "before": n_before,
                "mom": _pct(n_last - n_before, n_before),
                "trend": _trend(n_last, n_before),
                "quarters": quarters,
                "peak_quarter": quarters.index(max(quarters)) + 1 if total else None,
                "url": ledger_url(category=category, **_period(filters)),
                "last_url": ledger_url(
                    category=category, street=filters.street, **_month_params(last)
                ),
                "month_urls": [
                    ledger_url(category=category, street=filters.street, **_month_params(m))
                    for m in months
                ],
            }
        )
    for rank, row in enumerate(out, start=1):
        row["rank"] = rank
    return out


def quarter_labels() -> list[str]:
    return [str(label) for label in QUARTERS]


# --- recurrence ---------------------------------------------------------------------------------


def _repeat_cells(hazards, filters: DashFilters, days: int) -> list[tuple[int, str, int, int]]:
    """(project, category, found in the period, repeats) for each pair (1 query).

    The hazards of a project and category are grouped by local day; a day's hazards are
    repeats when the previous day with a finding of that category there is at most `days`
    days before. The window reaches `days` days behind the period so a first finding in the
    period can repeat one found before it.
    """
    groups = (
        hazards.filter(
            found_at__gte=_aware(filters.start - datetime.timedelta(days=days)),
            found_at__lt=_aware(filters.until),
        )
        .exclude(category="")
        .annotate(p=F("project_id"), c=F("category"), d=LocalDay("found_at"))
        .order_by()
        .values("p", "c", "d")
        .annotate(n=Count("pk"))
    )
    connection = connections[groups.db]
    try:
        inner, params = groups.query.get_compiler(connection=connection).as_sql()
    except EmptyResultSet:  # nothing in scope (e.g. no visible project)
        return []
    first = day_number(filters.start)
    sql = (
        "SELECT p, c, "
        "SUM(CASE WHEN d >= %s THEN n ELSE 0 END), "
        "SUM(CASE WHEN d >= %s AND d - prev <= %s THEN n ELSE 0 END) "
        "FROM (SELECT p, c, d, n, LAG(d) OVER (PARTITION BY p, c ORDER BY d) AS prev "
        f"FROM ({inner}) AS day_groups) AS windowed "
        "GROUP BY p, c"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, (first, first, days, *params))
        return [(p, c, int(found or 0), int(repeats or 0)) for p, c, found, repeats in cursor]


def recurrence(user, filters: DashFilters, days: int = 30) -> dict:
    """Hazards found again: the same category at the same project within `days` days before.

    A hazard is a repeat when a hazard of its category was found at its project on an earlier
    day, at most `days` days before (findings of the same day are one visit, not a repeat).
    Totals, the rate among the categorised hazards of the period, and the projects,
    categories and project–category pairs with the most repeats (2 queries; 1 without any).
    """
    days = min(max(int(days), 1), MAX_RECURRENCE_DAYS)
    cells = _repeat_cells(_hazards(user, filters), filters, days)
    found = sum(cell[2] for cell in cells)
    repeats = sum(cell[3] for cell in cells)
    by_project: dict[int, list[int]] = defaultdict(lambda: [0, 0])
    by_category: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for project, category, n_found, n_repeats in cells:
        by_project[project][0] += n_found
        by_project[project][1] += n_repeats
        by_category[category][0] += n_found
        by_category[category][1] += n_repeats

    def top(items, key):
        ranked = [(k, v) for k, v in items if v[1]]
        return sorted(ranked, key=lambda kv: (-kv[1][1], -kv[1][0], key(kv[0])))[:TOP]

    top_projects = top(by_project.items(), lambda pk: pk)
    top_pairs = top((((p, c), [f, r]) for p, c, f, r in cells), lambda pair: (pair[0], pair[1]))
    ids = {pk for pk, _v in top_projects} | {pair[0] for pair, _v in top_pairs}
    names = dict(Project.objects.filter(pk__in=ids).values_list("pk", "name")) if ids else {}
    period = _period(filters)
    return {
        "days": days,
        "found": found,
        "repeats": repeats,
        "rate": _pct(repeats, found),
        "url": ledger_url(**period),
        "projects": [
            {
                "id": pk,
                "name": names.get(pk, ""),
                "found": n_found,
                "repeats": n_repeats,
                "rate": _pct(n_repeats, n_found),
                "url": ledger_url(project=pk, **period),
            }
            for pk, (n_found, n_repeats) in top_projects
        ],
        "categories": [
            {
                "category": category,
                "found": n_found,
                "repeats": n_repeats,
                "rate": _pct(n_repeats, n_found),
                "url": ledger_url(category=category, **period),
            }
            for category, (n_found, n_repeats) in top(by_category.items(), lambda c: c)
        ],
        "pairs": [
            {
                "project": p,
                "name": names.get(p, ""),
                "category": c,
                "found": n_found,
                "repeats": n_repeats,
                "url": ledger_url(project=p, category=c, **period),
            }
            for (p, c), (n_found, n_repeats) in top_pairs
        ],
    }


# --- self-inspection against supervision --------------------------------------------------------


def _source_row(counts: dict[str, int]) -> dict:
    own = counts.get(HazardSource.SELF, 0)
    on_site = counts.get(HazardSource.SUPERVISION, 0)
    remote = counts.get(HazardSource.REMOTE, 0)
    worker = counts.get(HazardSource.WORKER, 0)
    commission = on_site + remote
    total = own + commission + worker
    return {
        "self": own,
        "supervision": on_site,
        "remote": remote,
        "commission": commission,
        "worker": worker,
        "total": total,
        "self_share": _pct(own, total),
        "ratio": _ratio(own, commission),
    }


def _source_urls(filters: DashFilters, **params) -> dict:
    period = _period(filters) | params
    return {
        "url": ledger_url(**period),
        "self_url": ledger_url(source=HazardSource.SELF, **period),
        "supervision_url": ledger_url(source=HazardSource.SUPERVISION, **period),
        "remote_url": ledger_url(source=HazardSource.REMOTE, **period),
        "worker_url": ledger_url(source=HazardSource.WORKER, **period),
    }


def self_vs_supervision(user, filters: DashFilters) -> list[dict]:
    """Per category: found by the company itself, by the commission (on site and remote) and
    by workers, with the self-found share and self per commission finding (1 query).

    Most findings first; the uncategorised hazards last (flagged, their links not narrowed).
    """
    counts: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    if uses_summary(user):
        rows = (
            _stats(user, filters)
            .order_by()
            .values_list("category", "source")
            .annotate(n=Sum("found"))
        )
    else:
        rows = (
            _found(_hazards(user, filters), filters)
            .order_by()
            .values_list("category", "source")
            .annotate(n=Count("pk"))
        )
    for category, source, n in rows:
        counts[category or ""][source] += n or 0
    out = []
    for category, by_source in counts.items():
        row = {"category": category, "uncategorised": not category, **_source_row(by_source)}
        if row["total"]:
            out.append(row | _source_urls(filters, category=category or None))
    out.sort(key=lambda r: (r["uncategorised"], -r["total"], r["category"]))
    return out


def source_totals(rows: list[dict]) -> dict:
    """The sum of self_vs_supervision rows, with its share and ratio."""
    keys = ("self", "supervision", "remote", "commission", "worker", "total")
    totals = {key: sum(r[key] for r in rows) for key in keys}
    totals["self_share"] = _pct(totals["self"], totals["total"])
    totals["ratio"] = _ratio(totals["self"], totals["commission"])
    return totals


def self_vs_supervision_by_contractor(user, filters: DashFilters) -> list[dict]:
    """Per responsible unit: self-found against commission-found hazards in the period (1 query).

    Agency staff see every unit of their scope; a company its own figures (a group HQ its
    subsidiaries'). Most findings first.
    """
    rows = (
        _found(_hazards(user, filters), filters)
        .filter(responsible_org__isnull=False)
        .filter(_companies(user, via="responsible_org"))
        .order_by()
        .values_list("responsible_org_id", "responsible_org__name", "source")
        .annotate(n=Count("pk"))
    )
    counts: dict[tuple[int, str], dict[str, int]] = defaultdict(dict)
    for org_id, name, source, n in rows:
        counts[(org_id, name)][source] = n
    out = [
        {"id": org_id, "name": name, **_source_row(by_source)}
        | _source_urls(filters, contractor=org_id)
        | {"profile_url": _profile_url(org_id)}
        for (org_id, name), by_source in counts.items()
    ]
    out.sort(key=lambda r: (-r["total"], r["name"]))
    return out


# --- companies ----------------------------------------------------------------------------------


def _profile_url(org_id) -> str:
    return reverse("stats:company", args=[org_id])


def company_for_user(user, pk) -> Organization:
    """A contractor or group HQ whose profile the user may see (404 otherwise).

    Agency staff see every company; a company its own; a group HQ its own and its
    subsidiaries'.
    """
    org = (
        Organization.objects.filter(kind__in=[OrgKind.CONTRACTOR, OrgKind.GROUP], pk=pk)
        .select_related("group")
        .first()
    )
    if org is None or not may_see_company(user, org):
        raise Http404
    return org


def _inspection_q(filters: DashFilters, prefix: str = "") -> Q:
    """Finished supervision inspections (on site or remote) finished in the period."""
    return Q(
        **{
            f"{prefix}status": InspectionStatus.FINISHED,
            f"{prefix}source__in": SUPERVISION_INSPECTIONS,
            f"{prefix}finished_at__gte": _aware(filters.start),
            f"{prefix}finished_at__lt": _aware(filters.until),
        }
    )


def _mean(total, n) -> float | None:
    if not n or total is None:
        return None
    return round(float(Decimal(total) / n), 1)


def _figures(
    *,
    inspections: int,
    score_sum,
    scored: int,
    sources: dict[str, int],
    closed: int,
    on_time: int,
    histogram: dict[int, int],
    open_now: int,
    overdue: int,
) -> dict:
    """The figures of a company (or of one month of it) from its counts."""
    row = _source_row(sources)
    return {
        "inspections": inspections,
        "found": row["total"],
        "found_commission": row["commission"],
        "found_self": row["self"],
        "found_worker": row["worker"],
        "self_share": row["self_share"],
        "per_inspection": _ratio(row["commission"], inspections),
        "mean_score": _mean(score_sum, scored),
        "closed": closed,
        "on_time": on_time,
        "on_time_rate": _pct(on_time, closed),
        "median_days": _median(histogram),
        "open": open_now,
        "overdue": overdue,
    }


def _company_links(filters: DashFilters, **who) -> dict:
    return {
        "ledger_url": ledger_url(**_period(filters), **who),
        "commission_url": ledger_url(source=HazardSource.SUPERVISION, **_period(filters), **who),
        "self_url": ledger_url(source=HazardSource.SELF, **_period(filters), **who),
        "closed_url": ledger_url(**_closed_period(filters), **who),
        "open_url": ledger_url(open=True, street=filters.street, **who),
        "overdue_url": ledger_url(overdue=True, street=filters.street, **who),
    }


def company_ranking(
    user, filters: DashFilters, *, within: Organization | None = None, now=None
) -> list[dict]:
    """The contractors of the scope with their figures, most hazards found first (4 queries).

    A contractor is in the scope when it is a project's general contractor or the responsible
    unit of a hazard there. Per contractor: projects, supervision inspections in the period,
    hazards found (by the commission, by itself, by workers), hazards per supervision
    inspection, mean inspection score, closed in the period with the on-time rate and median
    days, open and overdue now. `within` narrows to one company or a group's subsidiaries.
    """
    now = now or timezone.now()
    projects = scope_projects(user, filters)
    hazards = Hazard.objects.filter(project__in=projects, responsible_org__isnull=False).filter(
        _companies(user, within, via="responsible_org")
    )
    rows: dict[int, dict] = {}

    def entry(org_id, name, group_id) -> dict:
        if org_id not in rows:
            rows[org_id] = {
                "id": org_id,
                "name": name,
                "group_id": group_id,
                "projects": 0,
                "inspections": 0,
                "score_sum": None,
                "scored": 0,
                "sources": {},
                "closed": 0,
                "on_time": 0,
                "histogram": defaultdict(int),
                "open": 0,
                "overdue": 0,
            }
        return rows[org_id]

    q = _inspection_q(filters, "project__inspections__")
    for org_id, name, group_id, n_projects, n_inspections, score_sum, scored in (
        ProjectParticipant.objects.filter(role=ParticipantRole.CONTRACTOR, project__in=projects)
        .filter(_companies(user, within, via="organization"))
        .order_by()
        .values_list("organization_id", "organization__name", "organization__group_id")
        .annotate(
            n_projects=Count("project_id", distinct=True),
            n_inspections=Count("project__inspections", filter=q, distinct=True),
            score_sum=Sum("project__inspections__score", filter=q),
            scored=Count("project__inspections__score", filter=q),
        )
    ):
        row = entry(org_id, name, group_id)
        row.update(
            projects=n_projects, inspections=n_inspections, score_sum=score_sum, scored=scored
        )
    for org_id, name, group_id, source, n in (
        _found(hazards, filters)
        .order_by()
        .values_list(
            "responsible_org_id", "responsible_org__name", "responsible_org__group_id", "source"
        )
        .annotate(n=Count("pk"))
    ):
        entry(org_id, name, group_id)["sources"][source] = n
    for org_id, name, group_id, days, n, on_time in (
        _closed(hazards, filters)
        .annotate(days=_close_days())
        .order_by()
        .values_list(
            "responsible_org_id", "responsible_org__name", "responsible_org__group_id", "days"
        )
        .annotate(
            n=Count("pk"),
            on_time=Count("pk", filter=Q(deadline__isnull=True) | Q(closed_at__lte=F("deadline"))),
        )
    ):
        row = entry(org_id, name, group_id)
        row["closed"] += n
        row["on_time"] += on_time
        row["histogram"][_clamp_days(days)] += n
    for org_id, name, group_id, n_open, n_overdue in (
        hazards.filter(status__in=OPEN_STATUSES)
        .order_by()
        .values_list("responsible_org_id", "responsible_org__name", "responsible_org__group_id")
        .annotate(
            n_open=Count("pk"),
            n_overdue=Count("pk", filter=Q(status__in=AWAITING_CONTRACTOR, deadline__lt=now)),
        )
    ):
        row = entry(org_id, name, group_id)
        row.update(open=n_open, overdue=n_overdue)
    out = []
    for org_id, row in rows.items():
        figures = _figures(
            inspections=row["inspections"],
            score_sum=row["score_sum"],
            scored=row["scored"],
            sources=row["sources"],
            closed=row["closed"],
            on_time=row["on_time"],
            histogram=row["histogram"],
            open_now=row["open"],
            overdue=row["overdue"],
        )
        out.append(
            {
                "id": org_id,
                "name": row["name"],
                "group_id": row["group_id"],
                "projects": row["projects"],
                "projects_url": projects_url(contractor=org_id, street=filters.street or None),
                "url": _profile_url(org_id),
                **figures,
                **_company_links(filters, contractor=org_id),
            }
        )
    out.sort(key=lambda r: (-r["found"], -r["open"], r["name"]))
    return out


RANKING_SORTS = {
    "name": lambda r: r["name"],
    "projects": lambda r: r["projects"],
    "inspections": lambda r: r["inspections"],
    "found": lambda r: r["found"],
    "per_inspection": lambda r: r["per_inspection"],
    "self_share": lambda r: r["self_share"],
    "on_time_rate": lambda r: r["on_time_rate"],
    "median_days": lambda r: r["median_days"],
    "mean_score": lambda r: r["mean_score"],
    "open": lambda r: r["open"],
    "overdue": lambda r: r["overdue"],
}


def sort_ranking(rows: list[dict], sort: str) -> list[dict]:
    """The ranking ordered by a RANKING_SORTS key ("-key": descending); blanks always last."""
    key = sort.lstrip("-")
    if key not in RANKING_SORTS:
        return rows
    get = RANKING_SORTS[key]
    present = [r for r in rows if get(r) is not None]
    blank = [r for r in rows if get(r) is None]
    present.sort(key=lambda r: r["name"])  # stable: ties by name
    present.sort(key=get, reverse=sort.startswith("-"))
    return present + blank


def company_profile(user, org: Organization, filters: DashFilters, now=None) -> dict:
    """A contractor's (or a group HQ's subsidiaries') figures in the user's scope (5 queries).

    Hazards per supervision inspection, on-time rectification rate and median days to close,
    open and overdue now, the monthly mean score of the supervision inspections of its
    projects, its top categories; and the same month by month for the charts.
    """
    now = now or timezone.now()
    is_group = org.kind == OrgKind.GROUP
    projects = scope_projects(user, filters)
    who = {"group": org.pk} if is_group else {"contractor": org.pk}
    hazards = Hazard.objects.filter(project__in=projects).filter(
        _companies(user, org, via="responsible_org")
    )
    contracted = projects.filter(
        pk__in=ProjectParticipant.objects.filter(role=ParticipantRole.CONTRACTOR)
        .filter(_companies(user, org, via="organization"))
        .values("project_id")
    )
    months = filters.months()
    by_month = {
        m: {
            "sources": defaultdict(int),
            "inspections": 0,
            "score_sum": None,
            "scored": 0,
            "closed": 0,
            "on_time": 0,
            "histogram": defaultdict(int),
        }
        for m in months
    }
    categories: dict[str, int] = defaultdict(int)
    for m, source, category, n in (
        _found(hazards, filters)
        .annotate(m=LocalMonth("found_at"))
        .order_by()
        .values_list("m", "source", "category")
        .annotate(n=Count("pk"))
    ):
        month = by_month.get(month_of(m))
        if month is not None:
            month["sources"][source] += n
        if category:
            categories[category] += n
    for m, days, n, on_time in (
        _closed(hazards, filters)
        .annotate(m=LocalMonth("closed_at"), days=_close_days())
        .order_by()
        .values_list("m", "days")
        .annotate(
            n=Count("pk"),
            on_time=Count("pk", filter=Q(deadline__isnull=True) | Q(closed_at__lte=F("deadline"))),
        )
    ):
        month = by_month.get(month_of(m))
        if month is not None:
            month["closed"] += n
            month["on_time"] += on_time
            month["histogram"][_clamp_days(days)] += n
    for m, n, score_sum, scored in (
        Inspection.objects.filter(project__in=contracted)
        .filter(_inspection_q(filters))
        .annotate(m=LocalMonth("finished_at"))
        .order_by()
        .values_list("m")
        .annotate(n=Count("pk"), score_sum=Sum("score"), scored=Count("score"))
    ):
        month = by_month.get(month_of(m))
        if month is not None:
            month["inspections"] += n
            month["score_sum"] = score_sum
            month["scored"] += scored
    now_counts = hazards.filter(status__in=OPEN_STATUSES).aggregate(
        n_open=Count("pk"),
        n_overdue=Count("pk", filter=Q(status__in=AWAITING_CONTRACTOR, deadline__lt=now)),
    )
    n_projects = contracted.count()

    def add(values):
        return sum((v for v in values if v is not None), Decimal(0))

    totals = _figures(
        inspections=sum(v["inspections"] for v in by_month.values()),
        score_sum=add(v["score_sum"] for v in by_month.values()),
        scored=sum(v["scored"] for v in by_month.values()),
        sources=_merge(v["sources"] for v in by_month.values()),
        closed=sum(v["closed"] for v in by_month.values()),
        on_time=sum(v["on_time"] for v in by_month.values()),
        histogram=_merge(v["histogram"] for v in by_month.values()),
        open_now=now_counts["n_open"],
        overdue=now_counts["n_overdue"],
    )
    series = []
    for m in months:
        v = by_month[m]
        figures = _figures(
            inspections=v["inspections"],
            score_sum=v["score_sum"],
            scored=v["scored"],
            sources=v["sources"],
            closed=v["closed"],
            on_time=v["on_time"],
            histogram=v["histogram"],
            open_now=0,
            overdue=0,
        )
        del figures["open"], figures["overdue"]
        series.append(
            {
                "month": f"{m:%Y-%m}",
                **figures,
                "found_url": ledger_url(street=filters.street, **_month_params(m), **who),
                "closed_url": ledger_url(
                    closed_from=m.isoformat(),
                    closed_to=_last_day(m).isoformat(),
                    street=filters.street,
                    **who,
                ),
            }
        )
    grand = sum(categories.values())
    top_categories = [
        {
            "category": category,
            "count": n,
            "share": _pct(n, grand),
            "url": ledger_url(category=category, **_period(filters), **who),
        }
        for category, n in sorted(categories.items(), key=lambda item: (-item[1], item[0]))[
            :TOP_CATEGORIES
        ]
    ]
    return {
        "org": org,
        "id": org.pk,
        "name": org.name,
        "kind": org.kind,
        "is_group": is_group,
        "projects": n_projects,
        "projects_url": projects_url(street=filters.street or None, **who),
        **totals,
        **_company_links(filters, **who),
        "months": series,
        "categories": top_categories,
    }


def _merge(dicts) -> dict:
    out: dict = defaultdict(int)
    for d in dicts:
        for key, n in d.items():
            out[key] += n
    return dict(out)


__all__ = [
    "category_ranking",
    "company_for_user",
    "company_profile",
    "company_ranking",
    "period_filters",
    "recurrence",
    "self_vs_supervision",
    "self_vs_supervision_by_contractor",
    "sort_ranking",
    "source_totals",
]
