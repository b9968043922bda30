"""Writes for statistics: the risk scores of every project, and the risk formula's settings.

`refresh_risk(agency)` gathers each active project's facts in a fixed number of queries
(however many projects), computes the score with the agency's formula (risk.py) and stores it
with its breakdown in `ProjectRisk`; the job does it every 15 minutes, and a project page
computes its own project's score live with the same functions.
"""

import datetime
from decimal import Decimal

from django.db import transaction
from django.db.models import Count, OuterRef, Subquery
from django.utils import timezone
from django.utils.translation import gettext as _

from anjian.accounts.choices import OrgKind
from anjian.accounts.models import AgencySettings, Organization
from anjian.core.errors import DomainError
from anjian.core.errors import PermissionDenied as NotAllowed
from anjian.dangerous_works import workflow as dw_workflow
from anjian.dangerous_works.models import DangerousWork
from anjian.dangerous_works.thresholds import SUPER
from anjian.evaluations.models import Accident
from anjian.hazards.choices import OPEN_STATUSES, NoticeKind, NoticeStatus
from anjian.hazards.models import Hazard, RectificationNotice
from anjian.inspections.choices import HazardGrade, InspectionSource, InspectionStatus
from anjian.inspections.models import Inspection
from anjian.projects.choices import ACTIVE_STATUSES
from anjian.projects.models import Project

from . import risk
from .models import ProjectRisk

ACCIDENT_DAYS = 365
STOP_KINDS = (NoticeKind.PARTIAL_STOP, NoticeKind.FULL_STOP)
IN_FORCE = (NoticeStatus.ISSUED, NoticeStatus.RECEIVED)


def formula_for(agency_id) -> risk.Formula:
    return risk.Formula.from_config(AgencySettings.for_agency_id(agency_id).risk_weights)


def _count_by_project(qs) -> dict[int, int]:
    return dict(qs.order_by().values_list("project_id").annotate(n=Count("pk")))


def gather_facts(project_ids, now=None) -> dict[int, risk.ProjectFacts]:
    """Facts of the given projects (6 queries whatever their number)."""
    now = now or timezone.now()
    ids = list(project_ids)
    facts = {pk: risk.ProjectFacts() for pk in ids}
    if not ids:
        return facts
    hazards = Hazard.objects.filter(project_id__in=ids)
    for pk, n in _count_by_project(
        hazards.filter(status__in=OPEN_STATUSES, grade=HazardGrade.MAJOR)
    ).items():
        facts[pk].open_major = n
    for pk, n in _count_by_project(hazards.overdue(now)).items():
        facts[pk].overdue = n
    works = (
        DangerousWork.objects.filter(project_id__in=ids, status__in=dw_workflow.ON_SITE)
        .order_by()
        .values_list("project_id", "level")
        .annotate(n=Count("pk"))
    )
    for pk, level, n in works:
        if level == SUPER:
            facts[pk].super_works += n
        else:
            facts[pk].danger_works += n
    today = timezone.localdate(now)
    visits = Inspection.objects.filter(
        project=OuterRef("pk"),
        status=InspectionStatus.FINISHED,
        source__in=[InspectionSource.SUPERVISION, InspectionSource.REMOTE],
        finished_at__isnull=False,
    ).order_by("-finished_at", "-id")
    for pk, last_at, last_score in (
        Project.objects.filter(pk__in=ids)
        .annotate(
            last_at=Subquery(visits.values("finished_at")[:1]),
            last_score=Subquery(visits.filter(score__isnull=False).values("score")[:1]),
        )
        .values_list("pk", "last_at", "last_score")
    ):
        fact = facts[pk]
        if last_at is not None:
            fact.days_since_visit = (today - timezone.localtime(last_at).date()).days
        if last_score is not None:
            fact.last_score = Decimal(last_score)
    since = today - datetime.timedelta(days=ACCIDENT_DAYS)
    for pk, n in _count_by_project(
        Accident.objects.filter(project_id__in=ids, occurred_on__gte=since)
    ).items():
        facts[pk].accidents = n
    for pk, n in _count_by_project(
        RectificationNotice.objects.filter(
            project_id__in=ids, kind__in=STOP_KINDS, status__in=IN_FORCE
        )
    ).items():
        facts[pk].stop_work = n
    return facts


def facts_json(facts: risk.ProjectFacts) -> dict:
    return {
        "open_major": facts.open_major,
        "overdue": facts.overdue,
        "super_works": facts.super_works,
        "danger_works": facts.danger_works,
        "last_score": float(facts.last_score) if facts.last_score is not None else None,
        "days_since_visit": facts.days_since_visit,
        "accidents": facts.accidents,
        "stop_work": facts.stop_work,
    }


def project_risk(project, now=None) -> risk.Result:
    """One project's score, computed live (7 queries)."""
    facts = gather_facts([project.pk], now)[project.pk]
    return risk.compute(facts, formula_for(project.agency_id))


def refresh_risk(agency_id=None, now=None) -> int:
    """Recompute and store the score of every active project (of one agency, or all)."""
    now = now or timezone.now()
    agencies = Organization.objects.filter(kind=OrgKind.AGENCY)
    if agency_id is not None:
        agencies = agencies.filter(pk=agency_id)
    written = 0
    for agency in agencies:
        ids = list(
            Project.objects.filter(agency=agency, status__in=ACTIVE_STATUSES).values_list(
                "pk", flat=True
            )
        )
        formula = formula_for(agency.pk)
        facts = gather_facts(ids, now)
        rows = []
        for pk in ids:
            result = risk.compute(facts[pk], formula)
            rows.append(
                ProjectRisk(
                    project_id=pk,
                    agency=agency,
                    score=result.score,
                    band=result.band,
                    breakdown=result.as_json(),
                    facts=facts_json(facts[pk]),
                    computed_at=now,
                )
            )
        with transaction.atomic():
            ProjectRisk.objects.filter(agency=agency).exclude(project_id__in=ids).delete()
            ProjectRisk.objects.bulk_create(
                rows,
                batch_size=1000,
                update_conflicts=True,
                unique_fields=["project"],
                update_fields=["agency", "score", "band", "breakdown", "facts", "computed_at"],
            )
        written += len(rows)
    return written


@transaction.atomic
def risk_formula_save(*, agency, by, config: dict) -> AgencySettings:
    """Administrators change the weights and caps; the scores are recomputed at once."""
    if not by.is_admin or (not by.is_superuser and by.organization_id != agency.pk):
        raise NotAllowed(_("Only the agency's administrators change the risk formula."))
    clean = {}
    for key, (_label, _unit, default_weight, default_cap) in risk.FACTORS.items():
        entry = (config or {}).get(key) or {}
        try:
            weight = Decimal(str(entry.get("weight", default_weight)))
            cap = Decimal(str(entry.get("cap", default_cap)))
        except ArithmeticError:
            raise DomainError(_("Weights and caps are numbers."), field=key) from None
        if not (weight.is_finite() and cap.is_finite()):
            raise DomainError(_("Weights and caps are numbers."), field=key)
        if weight < 0 or cap < 0 or weight > 1000 or cap > 1000:
            raise DomainError(_("Weights and caps are between 0 and 1000."), field=key)
        clean[key] = {"weight": float(weight), "cap": float(cap)}
    row = AgencySettings.for_agency(agency)
    row.risk_weights = clean
    row.save()
    transaction.on_commit(lambda: refresh_risk(agency.pk))
    return row


__all__ = ["facts_json", "gather_facts", "project_risk", "refresh_risk"]
