"""Writes for supervision plans: monthly plans, planned visits and 双随机 draws.

Every service checks who may act (it does not trust the view), validates the rules of the
监督工作计划 (DOMAIN.md §4.1: at least two supervisors per inspection, projects of the agency's
jurisdiction under active supervision, dates inside the plan's month) and raises `DomainError`
with a translated message. Changes are recorded by the change log (`ChangeLoggedModel`).
"""

import calendar
import datetime
import random
import secrets
from collections.abc import Iterable, Sequence

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from anjian.accounts.choices import AgencyRole, OrgKind
from anjian.accounts.models import AgencySettings, Organization, User
from anjian.core.errors import DomainError, PermissionDenied
from anjian.core.models import Street
from anjian.projects.choices import ACTIVE_STATUSES, ProjectCategory
from anjian.projects.models import Project

from ..choices import InspectionType, PlanStatus, TemplateStatus, VisitStatus
from ..models import ChecklistTemplate, PlannedVisit, RandomDraw, SupervisionPlan

__all__ = [
    "DRAW_ALGORITHM",
    "can_plan",
    "can_publish",
    "draw_algorithm",
    "first_of_month",
    "inspectors_of",
    "plan_create",
    "plan_publish",
    "plannable_projects",
    "random_draw_run",
    "visit_add",
    "visit_cancel",
    "visit_update",
]

PLANNER_ROLES = (AgencyRole.SUPERVISOR, AgencyRole.CHIEF, AgencyRole.ADMIN)
PUBLISHER_ROLES = (AgencyRole.CHIEF, AgencyRole.ADMIN)
INSPECTOR_ROLES = (AgencyRole.SUPERVISOR, AgencyRole.CHIEF)
# DOMAIN.md §4.1: an inspection needs at least two supervisors, whatever the settings say.
MIN_INSPECTORS = 2
DRAW_ALGORITHM = "python-random-v1"


# --- Who may do what ------------------------------------------------------------------------


def can_plan(user, agency: Organization | None = None) -> bool:
    """Supervisors, section chiefs and administrators plan for their own agency."""
    if not user.is_authenticated or not user.is_active:
        return False
    if user.is_superuser:
        return True
    if not (user.is_agency_staff and user.agency_role in PLANNER_ROLES):
        return False
    return agency is None or user.organization_id == agency.pk


def can_publish(user, agency: Organization | None = None) -> bool:
    """Section chiefs and administrators approve (publish) their agency's plans."""
    if not can_plan(user, agency):
        return False
    return user.is_superuser or user.agency_role in PUBLISHER_ROLES


def _require_planner(by, agency):
    if not can_plan(by, agency):
        raise PermissionDenied(_("You may not edit this agency's supervision plans."))


def _agency_of(by, agency=None) -> Organization:
    agency = agency or by.organization
    if agency is None or agency.kind != OrgKind.AGENCY:
        raise DomainError(_("Supervision plans belong to a supervision agency."))
    return agency


# --- Helpers shared with the selectors --------------------------------------------------------


def first_of_month(day: datetime.date) -> datetime.date:
    """The first day of `day`'s month."""
    return day.replace(day=1)


def last_of_month(month: datetime.date) -> datetime.date:
    return month.replace(day=calendar.monthrange(month.year, month.month)[1])


def inspectors_of(agency: Organization):
    """The agency's active supervisors and section chiefs: who may inspect."""
    return User.objects.filter(
        organization=agency, agency_role__in=INSPECTOR_ROLES, is_active=True
    ).order_by("username")


def plannable_projects(user, agency: Organization):
    """Projects `user` may see, in `agency`'s jurisdiction, under active supervision."""
    return Project.objects.visible_to(user).filter(
        status__in=ACTIVE_STATUSES,
        street__in=Street.objects.filter(agencies=agency),
    )


def _min_inspectors(agency) -> int:
    return max(MIN_INSPECTORS, AgencySettings.for_agency(agency).min_inspectors)


def _check_visit(*, plan, project, date, inspection_type, inspectors, templates, by, exclude=None):
    """Validate a visit's fields against the plan; return the inspectors and templates lists."""
    agency = plan.agency
    in_scope = Project.objects.visible_to(by)
    if not in_scope.filter(pk=project.pk, street__agencies=agency).exists():
        raise DomainError(_("This project is outside the agency's jurisdiction."), field="project")
    if project.status not in ACTIVE_STATUSES:
        raise DomainError(
            _("Only projects under active supervision can be planned."), field="project"
        )
    if date is None or first_of_month(date) != plan.month:
        raise DomainError(
            _("The date must fall within the plan's month (%(month)s).")
            % {"month": f"{plan.month:%Y-%m}"},
            field="date",
        )
    if inspection_type not in InspectionType.values:
        raise DomainError(_("Choose an inspection type."), field="inspection_type")
    people = list({user.pk: user for user in inspectors}.values())
    allowed = set(inspectors_of(agency).values_list("pk", flat=True))
    for person in people:
        if person.pk not in allowed:
            raise DomainError(
                _("%(name)s is not a supervisor of this agency.") % {"name": person},
                field="inspectors",
            )
    minimum = _min_inspectors(agency)
    if len(people) < minimum:
        raise DomainError(
            _("A visit needs at least %(count)s inspectors.") % {"count": minimum},
            field="inspectors",
        )
    checklists = list({t.pk: t for t in templates}.values())
    if any(t.status != TemplateStatus.PUBLISHED for t in checklists):
        raise DomainError(_("Only published checklists can be planned."), field="templates")
    clash = PlannedVisit.objects.filter(plan__agency=agency, project=project, date=date).exclude(
        status=VisitStatus.CANCELLED
    )
    if exclude is not None:
        clash = clash.exclude(pk=exclude.pk)
    if clash.exists():
        raise DomainError(_("This project already has a visit planned on that day."), field="date")
    return people, checklists


# --- Plans ------------------------------------------------------------------------------------


@transaction.atomic
def plan_create(
    *,
    month: datetime.date,
    by: User,
    agency: Organization | None = None,
    title: str = "",
    note: str = "",
) -> SupervisionPlan:
    """Create the agency's (draft) plan for `month`; one plan per agency and month."""
    agency = _agency_of(by, agency)
    _require_planner(by, agency)
    month = first_of_month(month)
    if SupervisionPlan.objects.filter(agency=agency, month=month).exists():
        raise DomainError(
            _("The agency already has a plan for %(month)s.") % {"month": f"{month:%Y-%m}"},
            field="month",
        )
    title = title.strip() or _("Supervision plan %(year)s-%(month)s") % {
        "year": month.year,
        "month": f"{month.month:02d}",
    }
    return SupervisionPlan.objects.create(
        agency=agency, month=month, title=title[:100], note=note.strip(), created_by=by
    )


@transaction.atomic
def plan_publish(*, plan: SupervisionPlan, by: User) -> SupervisionPlan:
    """Publish (approve) a draft plan; the section chief or an administrator does this."""
    plan = SupervisionPlan.objects.select_for_update().get(pk=plan.pk)
    if not can_publish(by, plan.agency):
        raise PermissionDenied(_("Only the section chief or an administrator publishes a plan."))
    if plan.status == PlanStatus.PUBLISHED:
        raise DomainError(_("This plan is already published."))
    if not plan.visits.exclude(status=VisitStatus.CANCELLED).exists():
        raise DomainError(_("A plan without visits cannot be published."))
    plan.status = PlanStatus.PUBLISHED
    plan.save(update_fields=["status", "updated_at"])
    return plan


# --- Visits -----------------------------------------------------------------------------------


@transaction.atomic
def visit_add(
    *,
    plan: SupervisionPlan,
    project: Project,
    date: datetime.date,
    inspectors: Iterable[User],
    by: User,
    inspection_type: str = InspectionType.ROUTINE,
    templates: Iterable[ChecklistTemplate] = (),
    note: str = "",
    draw: RandomDraw | None = None,
) -> PlannedVisit:
    """Plan a visit to `project` on `date` by at least two of the agency's supervisors."""
    _require_planner(by, plan.agency)
    people, checklists = _check_visit(
        plan=plan,
        project=project,
        date=date,
        inspection_type=inspection_type,
        inspectors=inspectors,
        templates=templates,
        by=by,
    )
    visit = PlannedVisit.objects.create(
        plan=plan,
        project=project,
        date=date,
        inspection_type=inspection_type,
        note=note.strip()[:200],
        draw=draw,
    )
    visit.inspectors.set(people)
    visit.templates.set(checklists)
    return visit


@transaction.atomic
def visit_update(
    *,
    visit: PlannedVisit,
    by: User,
    project: Project,
    date: datetime.date,
    inspectors: Iterable[User],
    inspection_type: str = InspectionType.ROUTINE,
    templates: Iterable[ChecklistTemplate] = (),
    note: str = "",
) -> PlannedVisit:
    """Change a planned (not yet done or cancelled) visit."""
    visit = PlannedVisit.objects.select_for_update().select_related("plan__agency").get(pk=visit.pk)
    _require_planner(by, visit.plan.agency)
    if visit.status != VisitStatus.PLANNED:
        raise DomainError(_("Only a visit that is still planned can be changed."))
    people, checklists = _check_visit(
        plan=visit.plan,
        project=project,
        date=date,
        inspection_type=inspection_type,
        inspectors=inspectors,
        templates=templates,
        by=by,
        exclude=visit,
    )
    visit.project = project
    visit.date = date
    visit.inspection_type = inspection_type
    visit.note = note.strip()[:200]
    visit.save(update_fields=["project", "date", "inspection_type", "note", "updated_at"])
    visit.inspectors.set(people)
    visit.templates.set(checklists)
    return visit


@transaction.atomic
def visit_cancel(*, visit: PlannedVisit, by: User, reason: str = "") -> PlannedVisit:
    """Cancel a planned visit, keeping the reason in its note."""
    visit = PlannedVisit.objects.select_for_update().select_related("plan__agency").get(pk=visit.pk)
    _require_planner(by, visit.plan.agency)
    if visit.status != VisitStatus.PLANNED:
        raise DomainError(_("Only a visit that is still planned can be cancelled."))
    reason = reason.strip()
    if reason:
        prefix = _("Cancelled: %(reason)s") % {"reason": reason}
        visit.note = (f"{prefix} · {visit.note}" if visit.note else prefix)[:200]
    visit.status = VisitStatus.CANCELLED
    visit.save(update_fields=["status", "note", "updated_at"])
    return visit


# --- 双随机 draws ------------------------------------------------------------------------------


def draw_algorithm(
    seed: str, pool: Sequence[int], inspectors: Sequence[int], k: int, per_project: int = 2
) -> list[dict]:
    """python-random-v1: K projects from the pool, each with `per_project` distinct inspectors.

    Pure and deterministic: the same seed and inputs give the same result on any machine
    (`random.Random(str)` seeds from the string's SHA-512 since Python 3.2).
    """
    rng = random.Random(seed)
    projects = rng.sample(sorted(pool), k)
    return [
        {"project": project, "inspectors": rng.sample(sorted(inspectors), per_project)}
        for project in projects
    ]


def _remaining_days(month: datetime.date, today: datetime.date) -> list[datetime.date]:
    """The working days of `month` from `today` on (every remaining day if none is left)."""
    if month < first_of_month(today):
        raise DomainError(_("The plan's month is over; choose another plan."), field="plan")
    start = max(month, today)
    end = last_of_month(month)
    days = [start + datetime.timedelta(n) for n in range((end - start).days + 1)]
    return [d for d in days if d.weekday() < 5] or days


def _spread(days: list[datetime.date], count: int) -> list[datetime.date]:
    """`count` dates spread evenly over `days`."""
    return [days[i * len(days) // count] for i in range(count)]


@transaction.atomic
def random_draw_run(
    *,
    by: User,
    k: int,
    street: Street | None = None,
    category: str = "",
    status: str = "",
    inspectors: Iterable[User] | None = None,
    seed: str = "",
    plan: SupervisionPlan | None = None,
    date: datetime.date | None = None,
    templates: Iterable[ChecklistTemplate] = (),
    agency: Organization | None = None,
    today: datetime.date | None = None,
) -> RandomDraw:
    """Draw K projects at random from a filter and pair each with inspectors at random (双随机).

    The seed, the inputs (filter, the project pool and inspector pool as ids, K) and the result
    are stored, so anyone can re-run `draw_algorithm` and get the same pairs. With `plan`, the
    drawn visits are added to it (on `date`, or spread over the month's remaining working days).
    """
    agency = _agency_of(by, agency)
    _require_planner(by, agency)
    if plan is not None and plan.agency_id != agency.pk:
        raise DomainError(_("The plan belongs to another agency."), field="plan")
    projects = plannable_projects(by, agency)
    if street is not None:
        if not agency.jurisdiction.filter(pk=street.pk).exists():
            raise DomainError(
                _("This street is outside the agency's jurisdiction."), field="street"
            )
        projects = projects.filter(street=street)
    if category:
        if category not in ProjectCategory.values:
            raise DomainError(_("Choose a valid category."), field="category")
        projects = projects.filter(category=category)
    if status:
        if status not in ACTIVE_STATUSES:
            raise DomainError(_("Choose a status under active supervision."), field="status")
        projects = projects.filter(status=status)
    pool = sorted(projects.values_list("pk", flat=True))
    if k is None or k < 1:
        raise DomainError(_("Draw at least one project."), field="k")
    if k > len(pool):
        raise DomainError(
            _("Cannot draw %(k)s projects from a pool of %(pool)s.") % {"k": k, "pool": len(pool)},
            field="k",
        )
    candidates = {user.pk: user for user in inspectors_of(agency)}
    if inspectors is None:
        chosen = list(candidates)
    else:
        chosen = []
        for person in inspectors:
            if person.pk not in candidates:
                raise DomainError(
                    _("%(name)s is not a supervisor of this agency.") % {"name": person},
                    field="inspectors",
                )
            chosen.append(person.pk)
    chosen = sorted(set(chosen))
    per_project = _min_inspectors(agency)
    if len(chosen) < per_project:
        raise DomainError(
            _("The inspector pool needs at least %(count)s supervisors.") % {"count": per_project},
            field="inspectors",
        )
    seed = (seed or "").strip() or secrets.token_hex(8)
    if len(seed) > 64:
        raise DomainError(_("The seed is at most 64 characters long."), field="seed")
    pairs = draw_algorithm(seed, pool, chosen, k, per_project)
    names = dict(
        Project.objects.filter(pk__in=[p["project"] for p in pairs]).values_list("pk", "name")
    )
    for pair in pairs:
        pair["project_name"] = names[pair["project"]]
        pair["inspector_names"] = [str(candidates[pk]) for pk in pair["inspectors"]]
    draw = RandomDraw.objects.create(
        agency=agency,
        plan=plan,
        seed=seed,
        algorithm=DRAW_ALGORITHM,
        drawn_by=by,
        inputs={
            "filter": {
                "street": street.pk if street else None,
                "street_name": street.name if street else "",
                "category": category,
                "status": status,
            },
            "k": k,
            "pool": pool,
            "inspectors": chosen,
            "inspectors_per_project": per_project,
        },
        result={"pairs": pairs},
    )
    if plan is not None:
        _add_drawn_visits(
            draw=draw,
            plan=plan,
            pairs=pairs,
            date=date,
            templates=templates,
            candidates=candidates,
            by=by,
            today=today or timezone.localdate(),
        )
    return draw


def _add_drawn_visits(*, draw, plan, pairs, date, templates, candidates, by, today):
    """Add the drawn pairs to the plan as random-inspection visits."""
    templates = list(templates)
    projects = Project.objects.in_bulk([pair["project"] for pair in pairs])
    days = [] if date is not None else _remaining_days(plan.month, today)
    dates = [date] * len(pairs) if date is not None else _spread(days, len(pairs))
    for pair, day in zip(pairs, dates, strict=True):
        project = projects[pair["project"]]
        if days:
            # A spread date clashing with a visit already planned moves to a free day.
            taken = set(
                PlannedVisit.objects.filter(plan__agency=plan.agency, project=project)
                .exclude(status=VisitStatus.CANCELLED)
                .values_list("date", flat=True)
            )
            if day in taken:
                free = [d for d in days if d > day and d not in taken]
                free += [d for d in days if d < day and d not in taken]
                day = free[0] if free else day
        visit_add(
            plan=plan,
            project=project,
            date=day,
            inspectors=[candidates[pk] for pk in pair["inspectors"]],
            inspection_type=InspectionType.RANDOM,
            templates=templates,
            draw=draw,
            by=by,
        )
