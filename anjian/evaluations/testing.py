"""Test helpers: evaluations, an accident, a final 考评 and a published ranking of the personas'
world, made with the real services (used by the access matrix and the evaluation tests)."""

import datetime
from decimal import Decimal

from django.utils import timezone

from anjian.inspections.models import ChecklistTemplate, Inspection
from anjian.inspections.testing import signature_data_url

from . import services as svc
from .models import Evaluation, RankingSnapshot

# Last month's supervision inspection scores behind the published ranking: contractor A
# (project P) 88.5 and 79.5 → 84.00, rank 1; contractor B (project Q) 90 and 72 → 81.00, rank 2.
RANKING_SCORES = {"P": ("88.50", "79.50"), "Q": ("90.00", "72.00")}


def jgj59_template(world) -> ChecklistTemplate:
    """The published JGJ 59 checklist, seeded (with the other standard templates) if missing."""
    from anjian.inspections.seeding import KEY_JGJ59, seed_clauses_and_templates

    template = ChecklistTemplate.objects.filter(key=KEY_JGJ59, status="published").first()
    if template is None:
        seed_clauses_and_templates(owner=world.orgs["agency"])
        template = ChecklistTemplate.objects.get(key=KEY_JGJ59, status="published")
    return template


def month_start(months_ago: int = 0) -> datetime.date:
    """The first day of the month `months_ago` months before this one."""
    day = timezone.localdate().replace(day=1)
    for _ in range(months_ago):
        day = (day - datetime.timedelta(days=1)).replace(day=1)
    return day


def at(day: datetime.date, hour: int = 10) -> datetime.datetime:
    """An aware time on `day` in the local time zone."""
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour)))


def scored_inspection(world, project_key: str, score, finished_at) -> Inspection:
    """A finished supervision inspection with a JGJ 59 score (written directly: the ranking
    only reads project, agency, status, source, score and finished_at)."""
    project = world.projects[project_key]
    supervisor = world.users["supervisor"]
    return Inspection.objects.create(
        project=project,
        agency=project.agency,
        template=jgj59_template(world),
        created_by=supervisor,
        status="finished",
        source="supervision",
        started_at=finished_at - datetime.timedelta(hours=2),
        finished_at=finished_at,
        score=Decimal(str(score)),
        grade="EXCELLENT" if Decimal(str(score)) >= 80 else "PASS",
    )


def evaluation_objects(world) -> dict:
    """Create (once per world), all for project P unless said otherwise:

    - `draft`: a draft self-evaluation two months ago (pm);
    - `submitted`: last month's self-evaluation, 2 points off the first item, signed and
      submitted by pm, waiting for the 监理 (engineer);
    - `agency`: last month's 评定 by supervisor, signed and so confirmed;
    - `accident`: a liability 一般事故 last month;
    - `final`: the final 考评 of P by supervisor, 不合格 (forced by the accident), notified;
    - `snapshot`: agency A's published contractor ranking of last month (by leader), from two
      scored supervision inspections each of P (contractor A) and Q (contractor B).

    Project Q has no final 考评 and nothing for the group ranking, so both may still be made.
    """
    cached = world.__dict__.get("_evaluations")
    if cached:
        return cached
    template = jgj59_template(world)
    pm, supervisor = world.users["pm"], world.users["supervisor"]
    p = world.projects["P"]
    last, before = month_start(1), month_start(2)
    signature = signature_data_url()

    draft = svc.evaluation_create(project=p, by=pm, kind=Evaluation.Kind.SELF, period=before)
    submitted = svc.evaluation_create(project=p, by=pm, kind=Evaluation.Kind.SELF, period=last)
    item = svc.template_items(template)[0]
    svc.evaluation_save(
        evaluation=submitted, by=pm, answers={str(item.pk): {"d": "2"}}, remarks="按月自评"
    )
    submitted = svc.evaluation_submit(evaluation=submitted, by=pm, image_data=signature)
    agency = svc.evaluation_create(
        project=p, by=supervisor, kind=Evaluation.Kind.AGENCY, period=last
    )
    agency = svc.evaluation_submit(evaluation=agency, by=supervisor, image_data=signature)
    accident = svc.accident_record(
        project=p,
        by=supervisor,
        data={
            "occurred_on": last + datetime.timedelta(days=9),
            "level": "general",
            "is_liability": True,
            "injuries": 1,
            "description": "5#楼脚手架作业人员坠落受伤",
        },
    )
    final = svc.final_evaluate(
        project=p, by=supervisor, result="fail", reasons="发生生产安全责任事故"
    )
    for key, scores in RANKING_SCORES.items():
        for day, score in zip((5, 20), scores, strict=True):
            scored_inspection(world, key, score, at(last + datetime.timedelta(days=day - 1)))
    snapshot = svc.ranking_publish(
        agency=world.orgs["agency"],
        by=world.users["leader"],
        unit=RankingSnapshot.Unit.CONTRACTOR,
        period_type=RankingSnapshot.Period.MONTH,
        day=last,
    )
    world.__dict__["_evaluations"] = {
        "template": template,
        "draft": draft,
        "submitted": submitted,
        "agency": agency,
        "accident": accident,
        "final": final,
        "snapshot": snapshot,
        "last_month": last,
    }
    return world.__dict__["_evaluations"]
