"""Warnings on dangerous works: each is a database filter (for the district view's counts and
filters) and the same rule in Python (for one work's page); tests hold the two together.

- started_before_approval 未批先干: work was seen on site before the scheme was approved and
  briefed;
- argument_missing 超规模未论证: over threshold, no valid passed argumentation, and the planned
  start has come (or the work is already on site);
- acceptance_overdue 验收逾期: acceptance required, not passed, planned end passed;
- monitoring_alarm 监测报警: an alarm not yet dealt with;
- monitoring_missing 未开展第三方监测: third-party monitoring required, under construction, no
  third-party reading in the last MONITORING_GAP_HOURS;
- patrol_missed 巡视缺失: under construction and the contractor or the supervising engineers have
  not patrolled within the category's interval.
"""

import datetime
from dataclasses import dataclass

from django.db.models import DateTimeField, Exists, OuterRef, Q, QuerySet, Subquery
from django.utils import timezone

from . import thresholds, workflow
from .models import CategorySetting, DangerousWork, MonitoringReading, Patrol

MONITORING_GAP_HOURS = 72
UNDER_CONSTRUCTION = (workflow.IN_PROGRESS, workflow.ACCEPTANCE)
EARLY = workflow.BEFORE_APPROVAL | {workflow.APPROVED, workflow.PLAN_CHANGE}

LABELS = {
    "started_before_approval": "未批先干：方案未批准或未交底已施工",
    "argument_missing": "超过一定规模，方案未通过专家论证",
    "acceptance_overdue": "验收逾期：计划完成日期已过仍未验收",
    "monitoring_alarm": "监测报警未处置",
    "monitoring_missing": "未开展第三方监测",
    "patrol_missed": "巡视缺失",
}
COLOURS = {
    "started_before_approval": "danger",
    "argument_missing": "danger",
    "acceptance_overdue": "warning",
    "monitoring_alarm": "danger",
    "monitoring_missing": "warning",
    "patrol_missed": "warning",
}


@dataclass(frozen=True)
class WorkWarning:
    key: str
    detail: str = ""

    @property
    def label(self):
        return LABELS[self.key]

    @property
    def colour(self):
        return COLOURS[self.key]


def _patrol_hours() -> dict[str, int]:
    hours = {c: 24 for c in thresholds.CATEGORIES}
    hours.update(dict(CategorySetting.objects.values_list("category", "patrol_hours")))
    return hours


def _last_patrol(party):
    return Subquery(
        Patrol.objects.filter(work=OuterRef("pk"), party=party)
        .order_by("-patrolled_at")
        .values("patrolled_at")[:1],
        output_field=DateTimeField(),
    )


def annotate(qs: QuerySet, now=None) -> QuerySet:
    """Add what the warnings need: open alarm, recent third-party reading, last patrols."""
    now = now or timezone.now()
    gap = now - datetime.timedelta(hours=MONITORING_GAP_HOURS)
    return qs.annotate(
        has_open_alarm=Exists(
            MonitoringReading.objects.filter(
                work=OuterRef("pk"), is_alarm=True, handled_at__isnull=True
            )
        ),
        has_recent_monitoring=Exists(
            MonitoringReading.objects.filter(
                work=OuterRef("pk"),
                source=MonitoringReading.Source.THIRD_PARTY,
                measured_at__gte=gap,
            )
        ),
        last_contractor_patrol=_last_patrol(Patrol.Party.CONTRACTOR),
        last_supervision_patrol=_last_patrol(Patrol.Party.SUPERVISION),
    )


def _start_of(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time()))


def warning_q(key: str, now=None) -> Q:
    """The filter for one warning (on an `annotate`d queryset)."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    if key == "started_before_approval":
        return Q(site_started_reported_at__isnull=False, status__in=EARLY)
    if key == "argument_missing":
        return (
            Q(level=thresholds.SUPER, argued=False)
            & ~Q(status__in=workflow.CLOSED)
            & (
                Q(planned_start__lte=today)
                | Q(site_started_reported_at__isnull=False)
                | Q(status__in=workflow.ON_SITE | {workflow.APPROVED})
            )
        )
    if key == "acceptance_overdue":
        return Q(
            needs_acceptance=True,
            accepted_at__isnull=True,
            status__in=(*UNDER_CONSTRUCTION, workflow.SUSPENDED),
            planned_end__lt=today,
        )
    if key == "monitoring_alarm":
        return Q(has_open_alarm=True)
    if key == "monitoring_missing":
        return Q(needs_monitoring=True, status__in=UNDER_CONSTRUCTION, has_recent_monitoring=False)
    if key == "patrol_missed":
        by_category = Q(pk__in=[])
        for category, hours in _patrol_hours().items():
            cut = now - datetime.timedelta(hours=hours)
            started_before = Q(actual_start__lt=timezone.localdate(cut))
            stale = Q()
            for field in ("last_contractor_patrol", "last_supervision_patrol"):
                stale |= Q(**{f"{field}__lt": cut}) | Q(**{f"{field}__isnull": True})
            by_category |= Q(category=category) & started_before & stale
        return Q(status__in=UNDER_CONSTRUCTION) & by_category
    raise KeyError(key)


def any_warning_q(now=None) -> Q:
    q = Q(pk__in=[])
    for key in LABELS:
        q |= warning_q(key, now)
    return q


def _patrol_gap(work, party, hours, now):
    """The last patrol of `party` if it is overdue (or None as last when never), else False."""
    if work.status not in UNDER_CONSTRUCTION or work.actual_start is None:
        return False
    cut = now - datetime.timedelta(hours=hours)
    if not work.actual_start < timezone.localdate(cut):
        return False
    field = f"last_{party}_patrol"
    if hasattr(work, field):
        last = getattr(work, field)
    else:
        last = (
            work.patrols.filter(party=party)
            .order_by("-patrolled_at")
            .values_list("patrolled_at", flat=True)
            .first()
        )
    if last is None or last < cut:
        return (last,)
    return False


def warnings_for(work: DangerousWork, now=None, patrol_hours=None) -> list[WorkWarning]:
    """The same rules as `warning_q`, for one work (annotated or not)."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    found = []
    if work.site_started_reported_at and work.status in EARLY:
        day = work.actual_start.strftime("%Y-%m-%d") if work.actual_start else ""
        found.append(WorkWarning("started_before_approval", day))
    if (
        work.level == thresholds.SUPER
        and not work.argued
        and work.status not in workflow.CLOSED
        and (
            (work.planned_start and work.planned_start <= today)
            or work.site_started_reported_at
            or work.status in workflow.ON_SITE | {workflow.APPROVED}
        )
    ):
        found.append(WorkWarning("argument_missing"))
    if (
        work.needs_acceptance
        and work.accepted_at is None
        and work.status in (*UNDER_CONSTRUCTION, workflow.SUSPENDED)
        and work.planned_end
        and work.planned_end < today
    ):
        found.append(WorkWarning("acceptance_overdue", work.planned_end.strftime("%Y-%m-%d")))
    open_alarm = getattr(work, "has_open_alarm", None)
    if open_alarm is None:
        open_alarm = work.readings.filter(is_alarm=True, handled_at__isnull=True).exists()
    if open_alarm:
        found.append(WorkWarning("monitoring_alarm"))
    if work.needs_monitoring and work.status in UNDER_CONSTRUCTION:
        recent = getattr(work, "has_recent_monitoring", None)
        if recent is None:
            recent = work.readings.filter(
                source=MonitoringReading.Source.THIRD_PARTY,
                measured_at__gte=now - datetime.timedelta(hours=MONITORING_GAP_HOURS),
            ).exists()
        if not recent:
            found.append(WorkWarning("monitoring_missing"))
    hours = (patrol_hours or _patrol_hours()).get(work.category, 24)
    missed = [
        Patrol.Party(party).label
        for party in (Patrol.Party.CONTRACTOR, Patrol.Party.SUPERVISION)
        if _patrol_gap(work, party, hours, now)
    ]
    if missed:
        found.append(WorkWarning("patrol_missed", "、".join(missed)))
    return found


def missed_patrols(now=None):
    """(work, party, last patrol or None) for every overdue patrol of works under construction."""
    now = now or timezone.now()
    hours = _patrol_hours()
    works = annotate(
        DangerousWork.objects.filter(status__in=UNDER_CONSTRUCTION).select_related("project"),
        now,
    ).filter(warning_q("patrol_missed", now))
    for work in works.iterator(chunk_size=200):
        for party in (Patrol.Party.CONTRACTOR, Patrol.Party.SUPERVISION):
            gap = _patrol_gap(work, party, hours.get(work.category, 24), now)
            if gap:
                yield work, party, gap[0]
