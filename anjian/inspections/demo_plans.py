"""Demo supervision plans: last month's and this month's plan of the demo agency, with visits
(several today for supervisor, supervisor2 and chief) and one stored 双随机 draw.

Written through the services as the section chief, so the change log is real. Idempotent: a
month that already has a plan is left alone.
"""

import datetime
import random

from django.utils import timezone

from anjian.accounts.models import Organization, User
from anjian.core.context import acting_as

from .choices import InspectionType, VisitStatus
from .models import ChecklistTemplate, PlannedVisit, SupervisionPlan
from .selectors.plans import projects_needing_frequent_visits
from .services.plans import (
    first_of_month,
    last_of_month,
    plan_create,
    plan_publish,
    plannable_projects,
    random_draw_run,
    visit_add,
    visit_cancel,
)

AGENCY_NAME = "北京市通州区住房和城乡建设委员会"
INSPECTORS = ("supervisor", "supervisor2", "chief")
KEY_PATROL, KEY_JGJ59, KEY_EPIDEMIC = "daily-patrol", "jgj59-2011", "epidemic"
VISITS_PER_MONTH = 25
NOTES = {
    InspectionType.ROUTINE: ["", "", "重点检查塔吊、施工升降机", "关注临边洞口防护", ""],
    InspectionType.SPECIAL: ["深基坑专项检查", "高大模板支撑体系专项检查", "脚手架专项检查"],
    InspectionType.EPIDEMIC: ["生活区卫生及防疫措施检查"],
    InspectionType.RECHECK: ["复查上次整改通知书落实情况"],
}


def seed_demo_plans(*, stdout, quiet: bool = False) -> None:
    """Plans for last month and this month of the demo agency (idempotent)."""
    agency = Organization.objects.filter(name=AGENCY_NAME).first()
    users = {u.username: u for u in User.objects.filter(username__in=INSPECTORS, is_active=True)}
    if agency is None or len(users) < len(INSPECTORS):
        return
    chief = users["chief"]
    templates = {
        t.key: t
        for t in ChecklistTemplate.objects.published().filter(
            key__in=[KEY_PATROL, KEY_JGJ59, KEY_EPIDEMIC]
        )
    }
    projects = list(plannable_projects(chief, agency).order_by("permit_number"))
    if len(projects) < 6:
        return
    frequent = {p.pk for p in projects_needing_frequent_visits(agency)}
    today = timezone.localdate()
    this_month = first_of_month(today)
    last_month = first_of_month(this_month - datetime.timedelta(days=1))
    with acting_as(chief):
        for month in (last_month, this_month):
            if SupervisionPlan.objects.filter(agency=agency, month=month).exists():
                continue
            plan = _seed_month(
                agency=agency,
                month=month,
                today=today,
                users=users,
                projects=projects,
                frequent=frequent,
                templates=templates,
            )
            if not quiet:
                stdout.write(f"Demo plan {plan.title}: {plan.visits.count()} visits.")


def _pairs(users) -> list[list[User]]:
    s, s2, c = users["supervisor"], users["supervisor2"], users["chief"]
    return [[s, s2], [s, c], [s2, c]]


def _checklists(kind, templates, rng) -> list[ChecklistTemplate]:
    if kind == InspectionType.EPIDEMIC:
        keys = [KEY_EPIDEMIC]
    elif kind == InspectionType.SPECIAL:
        keys = [KEY_JGJ59]
    else:
        keys = [rng.choice([KEY_PATROL, KEY_PATROL, KEY_JGJ59])]
    return [templates[k] for k in keys if k in templates]


def _seed_month(*, agency, month, today, users, projects, frequent, templates):
    chief = users["chief"]
    rng = random.Random(f"demo-plans-{month:%Y-%m}")
    plan = plan_create(
        month=month,
        by=chief,
        agency=agency,
        title=f"{month.year}年{month.month}月安全监督工作计划",
        note="重点：超过一定规模的危大工程（深基坑、高支模、50米以上脚手架）每月至少检查两次；"
        "在施项目每月至少检查一次；双随机抽查不少于4个项目。",
    )
    current = month == first_of_month(today)
    taken: set[tuple[int, datetime.date]] = set()

    def add(project, day, inspectors, kind=InspectionType.ROUTINE, **extra):
        if (project.pk, day) in taken:
            return None
        taken.add((project.pk, day))
        return visit_add(
            plan=plan,
            project=project,
            date=day,
            inspectors=inspectors,
            inspection_type=kind,
            templates=_checklists(kind, templates, rng),
            note=rng.choice(NOTES.get(kind, [""])),
            by=chief,
            **extra,
        )

    count = 0
    if current:
        # The month's 双随机 draw: 4 projects, spread over the remaining working days.
        draw = random_draw_run(
            by=chief,
            agency=agency,
            k=4,
            seed=f"demo-{month:%Y%m}",
            plan=plan,
            templates=[templates[KEY_PATROL]] if KEY_PATROL in templates else [],
            today=today,
        )
        for visit in draw.visits.all():
            taken.add((visit.project_id, visit.date))
            count += 1
        # Today's visits: one for each pair of the three demo inspectors.
        todays = [p for p in projects if p.pk in frequent][:1] + [
            p for p in projects if p.pk not in frequent
        ]
        for pair, project in zip(_pairs(users), todays, strict=False):
            if add(project, today, pair) is not None:
                count += 1
    days = [
        month + datetime.timedelta(n)
        for n in range((last_of_month(month) - month).days + 1)
        if (month + datetime.timedelta(n)).weekday() < 5 and month + datetime.timedelta(n) != today
    ]
    rng.shuffle(days)
    # Every project once, then the flagged ones a second time, until the month holds ~25.
    flagged = [p for p in projects if p.pk in frequent]
    queue = flagged + [p for p in projects if p.pk not in frequent] + flagged
    kinds = [InspectionType.ROUTINE] * 6 + [
        InspectionType.SPECIAL,
        InspectionType.EPIDEMIC,
        InspectionType.RECHECK,
    ]
    for index, project in enumerate(queue):
        if count >= VISITS_PER_MONTH:
            break
        day = days[index % len(days)]
        kind = InspectionType.SPECIAL if project.pk in frequent else rng.choice(kinds)
        if add(project, day, rng.choice(_pairs(users)), kind) is not None:
            count += 1
    plan_publish(plan=plan, by=chief)
    if not current:
        # Last month: two visits were called off; the rest were carried out.
        for visit in plan.visits.order_by("date", "id")[:2]:
            visit_cancel(visit=visit, by=chief, reason="项目停工，改期检查")
        # Visits are marked done by finishing their inspection; the demo records are not
        # linked to last month's visits, so mark them here.
        PlannedVisit.objects.filter(plan=plan, status=VisitStatus.PLANNED).update(
            status=VisitStatus.DONE
        )
    return plan
