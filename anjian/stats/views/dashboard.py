"""The leader dashboard: the figures of the user's scope as charts whose bars and slices open the
filtered list behind them, a map of the projects coloured by risk, and for agency staff the
projects to visit next.

Every chart is described once by `chart()`, as rows and columns of linked cells: the template
renders it as a table (for screen readers and without JavaScript) and
`static/js/stats-dashboard.js` draws the same data with ECharts. The scope is the selectors'
(`Project.objects.visible_to`); bad filter values fall back to the defaults with a message.
"""

import datetime
import re
from urllib.parse import urlencode

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from anjian.core.models import Street
from anjian.dangerous_works.thresholds import CATEGORIES, DANGER, LEVEL_LABELS, SUPER
from anjian.hazards.choices import OPEN_STATUSES
from anjian.inspections.choices import HazardGrade, InspectionStatus
from anjian.projects.choices import ACTIVE_STATUSES, PROJECT_STATUS_COLOURS, ProjectStatus
from anjian.projects.models import Project

from .. import selectors
from ..models import StatsWatermark
from ..risk import BAND_LABELS
from ..summary import MARGIN, WATERMARK, next_month

MAX_MONTHS = 36
NEXT_TOP = 10
MONTH = re.compile(r"^\s*(\d{4})-(\d{1,2})\s*$")

# Bootstrap's colours, for charts drawn outside CSS.
HEX = {
    "primary": "#0d6efd",
    "secondary": "#6c757d",
    "success": "#198754",
    "danger": "#dc3545",
    "warning": "#ffc107",
    "info": "#0dcaf0",
    "dark": "#343a40",
    "light": "#adb5bd",
    "orange": "#fd7e14",
    "navy": "#1f4e79",
}
# Open hazard statuses, each its own colour (two share "danger" in the badges).
OPEN_STATUS_HEX = {
    "issued": HEX["danger"],
    "rectifying": HEX["orange"],
    "replied": HEX["primary"],
    "confirmed": HEX["info"],
    "disputed": HEX["warning"],
}
GRADE_HEX = {HazardGrade.GENERAL: HEX["warning"], HazardGrade.MAJOR: HEX["danger"]}
LEVEL_HEX = {DANGER: HEX["orange"], SUPER: HEX["danger"]}
BAND_HEX = {"high": HEX["danger"], "medium": HEX["orange"], "low": HEX["success"]}


# --- filters ------------------------------------------------------------------------------------


def add_months(day: datetime.date, n: int) -> datetime.date:
    """The first day of the month `n` months after (or before) `day`'s month."""
    index = day.year * 12 + day.month - 1 + n
    return datetime.date(index // 12, index % 12 + 1, 1)


def span(start: datetime.date, end: datetime.date) -> int:
    """How many months from `start`'s month to `end`'s month, both included."""
    return (end.year - start.year) * 12 + end.month - start.month + 1


def parse_month(raw: str) -> datetime.date:
    match = MONTH.match(raw or "")
    if not match:
        raise ValueError(raw)
    year, month = int(match[1]), int(match[2])
    if not (2000 <= year <= 2100 and 1 <= month <= 12):
        raise ValueError(raw)
    return datetime.date(year, month, 1)


def street_choices(user) -> list[tuple[int, str]]:
    """The streets the filter offers: agency staff their jurisdiction, companies the streets of
    their projects (one query)."""
    if user.is_superuser:
        streets = Street.objects.all()
    elif user.is_agency_staff:
        streets = user.organization.jurisdiction.all()
    else:
        streets = Street.objects.filter(projects__in=Project.objects.visible_to(user)).distinct()
    return list(streets.values_list("pk", "name"))


def parse_filters(query, streets, today=None) -> tuple[selectors.DashFilters, list[str]]:
    """The period and street asked for; a wrong value gives the default with a message."""
    today = today or timezone.localdate()
    default = selectors.DashFilters.default(today)
    current = today.replace(day=1)
    problems = []
    start, end = default.start, default.end
    raw_start, raw_end = query.get("start", ""), query.get("end", "")
    if raw_start or raw_end:
        try:
            end = parse_month(raw_end) if raw_end else current
            start = (
                parse_month(raw_start)
                if raw_start
                else add_months(end, -(selectors.DEFAULT_MONTHS - 1))
            )
            if start > end or end > current:
                raise ValueError(raw_start, raw_end)
        except ValueError:
            start, end = default.start, default.end
            problems.append(
                _(
                    "The period was not valid (months as YYYY-MM, not in the future, the first not after the last): showing the last 12 months."
                )
            )
        else:
            if span(start, end) > MAX_MONTHS:
                start = add_months(end, -(MAX_MONTHS - 1))
                problems.append(
                    _(
                        "A period covers at most %(n)d months: showing the %(n)d months up to %(end)s."
                    )
                    % {"n": MAX_MONTHS, "end": f"{end:%Y-%m}"}
                )
    street = None
    raw_street = (query.get("street") or "").strip()
    if raw_street:
        allowed = {pk for pk, _name in streets}
        if raw_street.isdigit() and int(raw_street) in allowed:
            street = int(raw_street)
        else:
            problems.append(_("That street is not in your scope: showing all your streets."))
    return selectors.DashFilters(start=start, end=end, street=street), problems


def presets(street=None, today=None) -> list[dict]:
    """Quick periods for the filter bar, each a link keeping the street."""
    today = today or timezone.localdate()
    current = today.replace(day=1)
    out = [
        (_("Last 3 months"), add_months(current, -2)),
        (_("Last 6 months"), add_months(current, -5)),
        (_("Last 12 months"), add_months(current, -11)),
        (_("This year"), current.replace(month=1)),
        (_("Last 36 months"), add_months(current, -(MAX_MONTHS - 1))),
    ]
    return [
        {
            "label": label,
            "start": start,
            "end": current,
            "url": _url(
                "stats:dashboard", start=f"{start:%Y-%m}", end=f"{current:%Y-%m}", street=street
            ),
        }
        for label, start in out
    ]


# --- charts -------------------------------------------------------------------------------------


def _url(name: str, **params) -> str:
    clean = {k: v for k, v in params.items() if v not in (None, "", False)}
    return reverse(name) + ("?" + urlencode(clean) if clean else "")


def _cell(value, url=None) -> dict:
    return {"value": value, "url": url}


def chart(key, title, kind, heading, columns, rows, *, stack=False, axes=None, note="") -> dict:
    """A chart as rows (categories or slices) × columns (series), every cell with its link.

    kind: "bar" (categories across), "hbar" (categories down) or "pie" (one column); heading
    names the rows in the table. A column: name, colour, type ("bar" or "line"), axis (0 or 1),
    unit, hidden (in the table only).
    """
    shown = [i for i, column in enumerate(columns) if not column["hidden"]]
    for row in rows:
        row["total"] = sum(row["cells"][i]["value"] or 0 for i in shown) if stack else None
    return {
        "key": key,
        "title": title,
        "kind": kind,
        "heading": heading,
        "stack": stack,
        "columns": columns,
        "rows": rows,
        "axes": axes or [{"unit": "", "min": 0}],
        "note": note,
        "empty": not any(row["cells"][i]["value"] for row in rows for i in shown),
    }


def _col(name, colour, *, shape="bar", axis=0, unit="", hidden=False) -> dict:
    return {
        "name": name,
        "colour": colour,
        "type": shape,
        "axis": axis,
        "unit": unit,
        "hidden": hidden,
    }


def build_charts(data: dict, filters: selectors.DashFilters, *, agency_staff: bool) -> list[dict]:
    street = filters.street
    # Active projects by street, stacked by status.
    statuses = [ProjectStatus(s) for s in ACTIVE_STATUSES]
    projects = chart(
        "projects",
        _("Projects under supervision, by street and status"),
        "hbar",
        _("Street"),
        [_col(s.label, HEX[PROJECT_STATUS_COLOURS[s]]) for s in statuses],
        [
            {
                "label": row["name"],
                "url": row["url"],
                "total": row["total"],
                "cells": [
                    _cell(
                        row["counts"].get(s.value, 0),
                        selectors.projects_url(street=row["street"], status=s.value),
                    )
                    for s in statuses
                ],
            }
            for row in data["projects"]["by_street"]
        ],
        stack=True,
    )
    # Supervision inspections per month against the planned visits (plans: agency staff only).
    columns = [_col(_("Supervision inspections"), HEX["navy"])]
    if agency_staff:
        columns.append(_col(_("Planned visits"), HEX["orange"], shape="line"))
    plans_url = reverse("inspections:plan_list")
    inspections = chart(
        "inspections",
        _("Supervision inspections per month against the plan")
        if agency_staff
        else _("Supervision inspections per month"),
        "bar",
        _("Month"),
        columns,
        [
            {
                "label": row["month"],
                "url": None,
                "cells": [
                    _cell(
                        row["inspections"],
                        _url(
                            "inspections:list",
                            status=InspectionStatus.FINISHED,
                            month=row["month"],
                            street=filters.street,
                            by="commission",
                        ),
                    )
                ]
                + ([_cell(row["planned"], plans_url)] if agency_staff else []),
            }
            for row in data["inspections"]
        ],
        note=_(
            "Finished supervision and remote inspections; a bar opens that month's inspections."
        ),
    )
    months = data["flows"]["months"]
    grades = list(HazardGrade)
    found = chart(
        "found",
        _("Hazards found per month, by grade"),
        "bar",
        _("Month"),
        [_col(g.label, GRADE_HEX[g]) for g in grades],
        [
            {
                "label": row["month"],
                "url": selectors.ledger_url(
                    found_from=month.isoformat(),
                    found_to=(next_month(month) - datetime.timedelta(days=1)).isoformat(),
                    street=street,
                ),
                "cells": [_cell(row[g.value], row[f"{g.value}_url"]) for g in grades],
            }
            for month, row in zip(filters.months(), months, strict=True)
        ],
        stack=True,
    )
    open_ = data["open"]
    by_status = chart(
        "open",
        _("Open hazards by status"),
        "pie",
        _("Status"),
        [_col(_("Open hazards"), HEX["navy"])],
        [
            {
                "label": str(row["label"]),
                "url": row["url"],
                "colour": OPEN_STATUS_HEX.get(row["status"], HEX["secondary"]),
                "cells": [_cell(row["count"], row["url"])],
            }
            for row in open_["by_status"]
            if row["status"] in OPEN_STATUSES
        ],
    )
    rectification = chart(
        "rectification",
        _("On-time rectification rate and median days to close, by month"),
        "bar",
        _("Month"),
        [
            _col(_("Median days to close"), HEX["navy"], unit=_("days")),
            _col(_("On-time rate"), HEX["success"], shape="line", axis=1, unit="%"),
            _col(_("Closed"), HEX["secondary"], hidden=True),
            _col(_("Closed on time"), HEX["secondary"], hidden=True),
        ],
        [
            {
                "label": row["month"],
                "url": row["closed_url"],
                "cells": [
                    _cell(row["median_days"], row["closed_url"]),
                    _cell(row["on_time_rate"], row["closed_url"]),
                    _cell(row["closed"], row["closed_url"]),
                    _cell(row["on_time"], row["closed_url"]),
                ],
            }
            for row in months
        ],
        axes=[{"unit": _("days"), "min": 0}, {"unit": "%", "min": 0, "max": 100}],
        note=_(
            "Of the hazards closed each month: the share closed by their deadline, and the median number of days from finding to closing."
        ),
    )
    overdue = [
        chart(
            key,
            title,
            "hbar",
            heading,
            [_col(_("Overdue hazards"), HEX["danger"])],
            [
                {
                    "label": row["name"],
                    "url": row["url"],
                    "cells": [_cell(row["count"], row["url"])],
                }
                for row in rows
            ],
        )
        for key, title, heading, rows in (
            (
                "overdue_contractor",
                _("Overdue hazards: top 10 contractors"),
                _("Contractor"),
                open_["overdue_by_contractor"],
            ),
            (
                "overdue_group",
                _("Overdue hazards: top 10 group companies"),
                _("Group company"),
                open_["overdue_by_group"],
            ),
        )
    ]
    levels = [DANGER, SUPER]
    works = chart(
        "dangerous_works",
        _("Dangerous works on site, by category and level"),
        "hbar",
        _("Category"),
        [_col(LEVEL_LABELS[level], LEVEL_HEX[level]) for level in levels],
        [
            {
                "label": CATEGORIES.get(row["category"], row["category"]),
                "url": _dw_url(row["category"], None, street),
                "cells": [
                    _cell(row["levels"].get(level, 0), _dw_url(row["category"], level, street))
                    for level in levels
                ],
            }
            for row in data["dangerous_works"]
        ],
        stack=True,
    )
    return [projects, inspections, found, by_status, rectification, *overdue, works]


def _dw_url(category, level, street) -> str:
    return _url("dangerous_works:list", category=category, level=level, on_site="1", street=street)


def _scope_label(user) -> str:
    if user.is_agency_staff:
        return _("Projects in your jurisdiction")
    if user.is_group_viewer:
        return _("Projects of your subsidiaries")
    return _("Your projects")


def _map_settings() -> dict:
    center = getattr(settings, "ANJIAN_MAP_CENTER", (39.909, 116.657))
    return {
        "tiles": getattr(settings, "ANJIAN_MAP_TILES", ""),
        "attribution": getattr(settings, "ANJIAN_MAP_ATTRIBUTION", ""),
        "center": [float(center[0]), float(center[1])],
        "bands": {
            band: {"label": BAND_LABELS[band], "colour": BAND_HEX[band]} for band in BAND_HEX
        },
        "texts": {
            "score": _("Risk score"),
            "open": _("Open the project"),
            "none": _("No project in this scope has coordinates."),
            "failed": _("The map could not be loaded."),
            "shown": _("Projects on the map: %(n)s"),
            "unscored": _("not scored yet"),
        },
    }


# --- views --------------------------------------------------------------------------------------


@login_required
@require_GET
def dashboard(request):
    """The leader dashboard of the user's scope, filtered by period and street."""
    user = request.user
    streets = street_choices(user)
    filters, problems = parse_filters(request.GET, streets)
    data = selectors.dashboard(user, filters)
    agency_staff = user.is_agency_staff
    charts = build_charts(data, filters, agency_staff=agency_staff)
    open_ = data["open"]
    street = filters.street
    by_status = [
        {
            **row,
            "label": ProjectStatus(row["status"]).label,
            "hex": HEX[PROJECT_STATUS_COLOURS[row["status"]]],
            "url": selectors.projects_url(status=row["status"], street=street),
        }
        for row in data["projects"]["by_status"]
    ]
    works_total = sum(row["total"] for row in data["dangerous_works"])
    kpis = [
        {
            "key": "projects",
            "label": _("Projects under supervision"),
            "value": sum(row["count"] for row in by_status),
            "url": selectors.projects_url(street=street),
            "colour": "primary",
            "icon": "building",
        },
        {
            "key": "open",
            "label": _("Open hazards"),
            "value": open_["open_total"],
            "url": selectors.ledger_url(open=True, street=street),
            "colour": "primary",
            "icon": "exclamation-circle",
        },
        {
            "key": "overdue",
            "label": _("Overdue rectifications"),
            "value": open_["overdue_total"],
            "url": open_["overdue_url"],
            "colour": "danger",
            "icon": "alarm",
        },
        {
            "key": "major",
            "label": _("Open major hazards"),
            "value": open_["major_total"],
            "url": open_["major_url"],
            "colour": "danger",
            "icon": "exclamation-octagon",
        },
        {
            "key": "works",
            "label": _("Dangerous works on site"),
            "value": works_total,
            "url": _url("dangerous_works:list", on_site="1", street=street),
            "colour": "warning",
            "icon": "cone-striped",
        },
        {
            "key": "stop",
            "label": _("Stop-work notices in force"),
            "value": data["stop_work"]["total"],
            "url": "#dash-stop-work",
            "colour": "danger",
            "icon": "sign-stop",
        },
    ]
    context = {
        "filters": filters,
        "problems": problems,
        "streets": streets,
        "street_name": dict(streets).get(street, ""),
        "presets": presets(street),
        "this_month": f"{timezone.localdate():%Y-%m}",
        "start": f"{filters.start:%Y-%m}",
        "end": f"{filters.end:%Y-%m}",
        "scope_label": _scope_label(user),
        "kpis": kpis,
        "project_status": by_status,
        "charts": charts,
        "open": open_,
        "stop_work": data["stop_work"],
        "agency_staff": agency_staff,
        "map_url": _url("stats:map", street=street),
        "map": _map_settings(),
        "texts": {"total": _("Total: ")},
    }
    if agency_staff:
        context["next"] = [
            {
                "risk": risk,
                "band_label": BAND_LABELS.get(risk.band, risk.band),
                "band_hex": BAND_HEX.get(risk.band, HEX["secondary"]),
                "band_text": "#212529" if risk.band == "medium" else "#fff",
            }
            for risk in selectors.where_to_go_next(user, limit=NEXT_TOP, street=street)
        ]
        mark = StatsWatermark.objects.filter(name=WATERMARK).values_list("value", flat=True).first()
        # The watermark trails the refresh by its safety margin.
        context["updated_at"] = mark + MARGIN if mark else None
    return render(request, "stats/dashboard.html", context)


@login_required
@require_GET
def map_json(request):
    """The dashboard's map: active projects with coordinates, their risk score and band."""
    filters, _problems = parse_filters(request.GET, street_choices(request.user))
    points = selectors.map_points(selectors.scope_projects(request.user, filters))
    bands = {band: 0 for band in BAND_HEX}
    for point in points:
        if point["score"] is not None:  # a project not scored yet is in no band
            bands[point["band"]] = bands.get(point["band"], 0) + 1
    return JsonResponse({"points": points, "count": len(points), "bands": bands})
