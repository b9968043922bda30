"""Keep `HazardMonthStat` up to date: a full rebuild, and an incremental refresh for the job.

A cell is (agency, street, month). The refresh reads the hazards changed since the watermark
(`Hazard.updated_at`, indexed), collects the cells of their found and closed months, and
recomputes those cells from the hazards table — so it is idempotent and order-free. The
watermark moves to the start of the run minus a margin, so a transaction that committed late
is read again next time. A nightly full rebuild also catches a project moved to another street.
"""

import datetime
from collections import defaultdict

from django.db import transaction
from django.db.models import Count, F
from django.db.models.functions import TruncMonth
from django.utils import timezone

from anjian.hazards.choices import HazardStatus
from anjian.hazards.models import Hazard

from .models import HazardMonthStat, StatsWatermark

WATERMARK = "hazard_month"
MARGIN = datetime.timedelta(minutes=5)
MAX_DAYS = 366


def month_start(moment) -> datetime.date:
    """The first day of the local month of a datetime (or a date)."""
    if isinstance(moment, datetime.datetime):
        moment = timezone.localtime(moment).date()
    return moment.replace(day=1)


def next_month(day: datetime.date) -> datetime.date:
    return (day.replace(day=28) + datetime.timedelta(days=4)).replace(day=1)


def _bounds(month: datetime.date):
    tz = timezone.get_current_timezone()
    start = timezone.make_aware(datetime.datetime.combine(month, datetime.time()), tz)
    end = timezone.make_aware(datetime.datetime.combine(next_month(month), datetime.time()), tz)
    return start, end


def close_days(found_at, closed_at) -> int:
    """Whole local days from finding to closing (0 = closed the day it was found)."""
    days = (timezone.localtime(closed_at).date() - timezone.localtime(found_at).date()).days
    return min(max(days, 0), MAX_DAYS)


def _compute(hazards, *, found_range=None, closed_range=None) -> dict:
    """{(agency, street, month, grade, category, source): {found, closed, on_time, days}}."""
    cells: dict[tuple, dict] = defaultdict(
        lambda: {"found": 0, "closed": 0, "closed_on_time": 0, "close_days": defaultdict(int)}
    )
    found = hazards
    if found_range is not None:
        found = found.filter(found_at__gte=found_range[0], found_at__lt=found_range[1])
    for row in (
        found.annotate(m=TruncMonth("found_at"), street=F("project__street_id"))
        .values("agency_id", "street", "m", "grade", "category", "source")
        .annotate(n=Count("pk"))
        .order_by()
    ):
        key = (
            row["agency_id"],
            row["street"],
            month_start(row["m"]),
            row["grade"],
            row["category"] or "",
            row["source"],
        )
        cells[key]["found"] += row["n"]
    closed = hazards.filter(status=HazardStatus.CLOSED, closed_at__isnull=False)
    if closed_range is not None:
        closed = closed.filter(closed_at__gte=closed_range[0], closed_at__lt=closed_range[1])
    rows = closed.values_list(
        "agency_id",
        "project__street_id",
        "grade",
        "category",
        "source",
        "found_at",
        "closed_at",
        "deadline",
    ).order_by()
    for agency_id, street, grade, category, source, found_at, closed_at, deadline in rows.iterator(
        chunk_size=5000
    ):
        key = (agency_id, street, month_start(closed_at), grade, category or "", source)
        cell = cells[key]
        cell["closed"] += 1
        if deadline is None or closed_at <= deadline:
            cell["closed_on_time"] += 1
        cell["close_days"][str(close_days(found_at, closed_at))] += 1
    return cells


def _rows(cells: dict) -> list[HazardMonthStat]:
    return [
        HazardMonthStat(
            agency_id=agency_id,
            street_id=street,
            month=month,
            grade=grade,
            category=category,
            source=source,
            found=values["found"],
            closed=values["closed"],
            closed_on_time=values["closed_on_time"],
            close_days=dict(values["close_days"]),
        )
        for (agency_id, street, month, grade, category, source), values in cells.items()
        if street is not None
    ]


@transaction.atomic
def rebuild(agency_id=None) -> int:
    """Recompute every cell (of one agency, or all) from the hazards; returns the rows."""
    start = timezone.now()
    hazards = Hazard.objects.all()
    stats = HazardMonthStat.objects.all()
    if agency_id is not None:
        hazards = hazards.filter(agency_id=agency_id)
        stats = stats.filter(agency_id=agency_id)
    rows = _rows(_compute(hazards))
    stats.delete()
    HazardMonthStat.objects.bulk_create(rows, batch_size=2000)
    if agency_id is None:
        StatsWatermark.objects.update_or_create(name=WATERMARK, defaults={"value": start - MARGIN})
    return len(rows)


def _cells_changed_since(since) -> set[tuple[int, int, datetime.date]]:
    cells = set()
    for agency_id, street, found_at, closed_at in Hazard.objects.filter(
        updated_at__gt=since
    ).values_list("agency_id", "project__street_id", "found_at", "closed_at"):
        cells.add((agency_id, street, month_start(found_at)))
        if closed_at is not None:
            cells.add((agency_id, street, month_start(closed_at)))
    return cells


def recompute_cells(cells) -> int:
    """Recompute the given (agency, street, month) cells."""
    written = 0
    for agency_id, street, month in sorted(cells, key=lambda c: (c[0], c[1] or 0, c[2])):
        if street is None:
            continue
        bounds = _bounds(month)
        hazards = Hazard.objects.filter(agency_id=agency_id, project__street_id=street)
        merged = _compute(hazards, found_range=bounds, closed_range=bounds)
        with transaction.atomic():
            HazardMonthStat.objects.filter(
                agency_id=agency_id, street_id=street, month=month
            ).delete()
            rows = _rows(merged)
            HazardMonthStat.objects.bulk_create(rows)
        written += len(rows)
    return written


def _stale_months(agency_id, street) -> set[datetime.date]:
    """Months of a cell whose stored found or closed totals differ from the hazards' (a hazard's
    found date moved to another month, or one was deleted): 3 grouped queries."""
    stored: dict[datetime.date, list[int]] = defaultdict(lambda: [0, 0])
    for month, n_found, n_closed in HazardMonthStat.objects.filter(
        agency_id=agency_id, street_id=street
    ).values_list("month", "found", "closed"):
        stored[month][0] += n_found
        stored[month][1] += n_closed
    live: dict[datetime.date, list[int]] = defaultdict(lambda: [0, 0])
    hazards = Hazard.objects.filter(agency_id=agency_id, project__street_id=street).order_by()
    for m, n in hazards.annotate(m=TruncMonth("found_at")).values_list("m").annotate(n=Count("pk")):
        live[month_start(m)][0] += n
    for m, n in (
        hazards.filter(status=HazardStatus.CLOSED, closed_at__isnull=False)
        .annotate(m=TruncMonth("closed_at"))
        .values_list("m")
        .annotate(n=Count("pk"))
    ):
        live[month_start(m)][1] += n
    return {m for m in stored.keys() | live.keys() if stored[m] != live[m]}


def refresh(now=None) -> dict:
    """The incremental pass of the job: cells of hazards changed since the watermark."""
    now = now or timezone.now()
    mark, _ = StatsWatermark.objects.get_or_create(name=WATERMARK)
    if mark.value is None:
        rows = rebuild()
        return {"rebuilt": rows}
    cells = _cells_changed_since(mark.value)
    # A hazard whose found date moved left a cell its current dates do not name: the cells of
    # the touched streets whose totals no longer match are recomputed too.
    for agency_id, street in {(a, s) for a, s, _m in cells if s is not None}:
        cells |= {(agency_id, street, m) for m in _stale_months(agency_id, street)}
    written = recompute_cells(cells)
    StatsWatermark.objects.filter(pk=mark.pk).update(value=now - MARGIN)
    return {"cells": len(cells), "rows": written}
