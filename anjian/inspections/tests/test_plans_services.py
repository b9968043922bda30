"""Services of supervision plans: plans, visits and 双随机 draws, with their refusals."""

import datetime

import pytest
from django.contrib.contenttypes.models import ContentType
from django.utils import timezone

from anjian.accounts.choices import AgencyRole
from anjian.accounts.models import AgencySettings
from anjian.core.context import acting_as
from anjian.core.errors import DomainError, PermissionDenied
from anjian.core.models import ChangeLogEntry
from anjian.core.testing.personas import make_user
from anjian.inspections.choices import (
    InspectionType,
    PlanStatus,
    TemplateStatus,
    VisitStatus,
)
from anjian.inspections.models import ChecklistTemplate, PlannedVisit, RandomDraw, SupervisionPlan
from anjian.inspections.services.plans import (
    draw_algorithm,
    plan_create,
    plan_publish,
    random_draw_run,
    visit_add,
    visit_cancel,
    visit_update,
)
from anjian.projects.choices import ProjectCategory, ProjectStatus
from anjian.projects.models import Project

TODAY = datetime.date(2026, 3, 10)
MONTH = datetime.date(2026, 3, 1)


@pytest.fixture
def plan(world):
    return plan_create(month=MONTH, by=world.users["chief"])


@pytest.fixture
def more_projects(world):
    """Eight more active projects of agency A (two municipal, one on street A2 stopped)."""
    from anjian.core.testing.personas import make_project

    agency = world.orgs["agency"]
    projects = []
    for i in range(8):
        projects.append(
            make_project(
                f"台湖镇测试项目{i}",
                world.streets["A1" if i % 2 else "A2"],
                agency,
                seq=40 + i,
                category=ProjectCategory.MUNICIPAL if i < 2 else ProjectCategory.BUILDING,
                status=ProjectStatus.PARTIAL_STOP if i == 7 else ProjectStatus.UNDER_CONSTRUCTION,
            )
        )
    return projects


def _visit(world, plan, **extra):
    fields = {
        "plan": plan,
        "project": world.projects["P"],
        "date": TODAY,
        "inspectors": [world.users["supervisor"], world.users["chief"]],
        "by": world.users["supervisor"],
    }
    fields.update(extra)
    return visit_add(**fields)


def _logged(obj, action="create"):
    return ChangeLogEntry.objects.filter(
        content_type=ContentType.objects.get_for_model(obj), object_id=str(obj.pk), action=action
    ).exists()


# --- Plans ---------------------------------------------------------------------------------------


def test_supervisor_creates_a_draft_plan_for_the_first_day_of_the_month(world):
    supervisor = world.users["supervisor"]
    with acting_as(supervisor):
        plan = plan_create(month=datetime.date(2026, 3, 17), by=supervisor)
    assert plan.month == MONTH
    assert plan.agency == world.orgs["agency"]
    assert plan.status == PlanStatus.DRAFT
    assert "2026" in plan.title and "3" in plan.title
    assert _logged(plan)


def test_an_agency_has_one_plan_per_month(world, plan):
    with pytest.raises(DomainError) as error:
        plan_create(month=datetime.date(2026, 3, 31), by=world.users["supervisor"])
    assert error.value.field == "month"


@pytest.mark.parametrize("persona", ["leader", "pm", "grouphq"])
def test_leaders_and_companies_cannot_create_plans(world, persona):
    with pytest.raises(DomainError):
        plan_create(month=MONTH, by=world.users[persona])


def test_another_agency_plans_its_own_month_independently(world, plan):
    other = plan_create(month=MONTH, by=world.users["outsider"])
    assert other.agency == world.orgs["agency_b"]


def test_chief_publishes_a_plan_with_visits(world, plan):
    _visit(world, plan)
    with acting_as(world.users["chief"]):
        plan_publish(plan=plan, by=world.users["chief"])
    plan.refresh_from_db()
    assert plan.status == PlanStatus.PUBLISHED
    assert _logged(plan, "update")


def test_supervisor_cannot_publish_a_plan(world, plan):
    _visit(world, plan)
    with pytest.raises(PermissionDenied):
        plan_publish(plan=plan, by=world.users["supervisor"])


def test_a_plan_without_visits_cannot_be_published(world, plan):
    with pytest.raises(DomainError):
        plan_publish(plan=plan, by=world.users["chief"])


def test_a_published_plan_cannot_be_published_again(world, plan):
    _visit(world, plan)
    plan_publish(plan=plan, by=world.users["chief"])
    with pytest.raises(DomainError):
        plan_publish(plan=plan, by=world.users["admin"])


# --- Visits --------------------------------------------------------------------------------------


def test_supervisor_plans_a_visit_with_two_inspectors_and_checklists(world, plan):
    template = ChecklistTemplate.objects.create(
        key="t",
        name="日常巡查",
        kind="compliance",
        status=TemplateStatus.PUBLISHED,
        owner=world.orgs["agency"],
    )
    with acting_as(world.users["supervisor"]):
        visit = _visit(world, plan, templates=[template], note=" 重点检查塔吊 ")
    assert visit.status == VisitStatus.PLANNED
    assert set(visit.inspectors.all()) == {world.users["supervisor"], world.users["chief"]}
    assert list(visit.templates.all()) == [template]
    assert visit.note == "重点检查塔吊"
    assert _logged(visit)


def test_a_visit_needs_at_least_two_inspectors(world, plan):
    with pytest.raises(DomainError) as error:
        _visit(world, plan, inspectors=[world.users["supervisor"]])
    assert error.value.field == "inspectors"


def test_the_same_inspector_twice_does_not_count_as_two(world, plan):
    supervisor = world.users["supervisor"]
    with pytest.raises(DomainError):
        _visit(world, plan, inspectors=[supervisor, supervisor])


def test_the_agency_setting_can_require_more_inspectors(world, plan):
    settings = AgencySettings.for_agency(world.orgs["agency"])
    settings.min_inspectors = 3
    settings.save()
    with pytest.raises(DomainError):
        _visit(world, plan)
    supervisor2 = make_user("supervisor2", world.orgs["agency"], AgencyRole.SUPERVISOR)
    visit = _visit(
        world, plan, inspectors=[world.users["supervisor"], world.users["chief"], supervisor2]
    )
    assert visit.inspectors.count() == 3


@pytest.mark.parametrize("persona", ["leader", "admin", "outsider", "pm"])
def test_inspectors_must_be_supervisors_or_chiefs_of_the_agency(world, plan, persona):
    with pytest.raises(DomainError) as error:
        _visit(world, plan, inspectors=[world.users["supervisor"], world.users[persona]])
    assert error.value.field == "inspectors"


def test_a_project_outside_the_jurisdiction_is_refused_even_for_an_administrator(world, plan):
    with pytest.raises(DomainError) as error:
        _visit(world, plan, project=world.projects["R"], by=world.users["admin"])
    assert error.value.field == "project"


def test_a_project_not_under_active_supervision_is_refused(world, plan):
    project = world.projects["Q"]
    project.status = ProjectStatus.COMPLETED
    project.save()
    with pytest.raises(DomainError):
        _visit(world, plan, project=project)


def test_the_date_must_fall_within_the_plan_month(world, plan):
    with pytest.raises(DomainError) as error:
        _visit(world, plan, date=datetime.date(2026, 4, 1))
    assert error.value.field == "date"


def test_only_published_checklists_can_be_planned(world, plan):
    draft = ChecklistTemplate.objects.create(
        key="d", name="草稿", kind="compliance", owner=world.orgs["agency"]
    )
    with pytest.raises(DomainError):
        _visit(world, plan, templates=[draft])


def test_a_project_is_visited_once_a_day(world, plan):
    _visit(world, plan)
    with pytest.raises(DomainError):
        _visit(world, plan, inspection_type=InspectionType.SPECIAL)


@pytest.mark.parametrize("persona", ["leader", "outsider", "pm"])
def test_only_the_agency_planners_add_visits(world, plan, persona):
    with pytest.raises(DomainError):
        _visit(world, plan, by=world.users[persona])


def test_a_planned_visit_is_moved_to_another_day(world, plan):
    visit = _visit(world, plan)
    visit_update(
        visit=visit,
        by=world.users["chief"],
        project=visit.project,
        date=datetime.date(2026, 3, 20),
        inspectors=[world.users["supervisor"], world.users["chief"]],
        inspection_type=InspectionType.RECHECK,
    )
    visit.refresh_from_db()
    assert visit.date == datetime.date(2026, 3, 20)
    assert visit.inspection_type == InspectionType.RECHECK
    assert _logged(visit, "update")


def test_a_visit_keeps_its_own_day_when_updated(world, plan):
    visit = _visit(world, plan)
    visit_update(
        visit=visit,
        by=world.users["chief"],
        project=visit.project,
        date=visit.date,
        inspectors=[world.users["supervisor"], world.users["chief"]],
        note="改",
    )
    visit.refresh_from_db()
    assert visit.note == "改"


def test_a_done_visit_cannot_be_changed_or_cancelled(world, plan):
    visit = _visit(world, plan)
    PlannedVisit.objects.filter(pk=visit.pk).update(status=VisitStatus.DONE)
    with pytest.raises(DomainError):
        visit_update(
            visit=visit,
            by=world.users["chief"],
            project=visit.project,
            date=TODAY,
            inspectors=[world.users["supervisor"], world.users["chief"]],
        )
    with pytest.raises(DomainError):
        visit_cancel(visit=visit, by=world.users["chief"])


def test_cancelling_a_visit_keeps_the_reason(world, plan):
    visit = _visit(world, plan, note="原备注")
    visit_cancel(visit=visit, by=world.users["supervisor"], reason="工地停工")
    visit.refresh_from_db()
    assert visit.status == VisitStatus.CANCELLED
    assert "工地停工" in visit.note and "原备注" in visit.note
    # A cancelled visit frees the day for another visit of the same project.
    assert _visit(world, plan).status == VisitStatus.PLANNED


def test_leader_cannot_cancel_a_visit(world, plan):
    visit = _visit(world, plan)
    with pytest.raises(PermissionDenied):
        visit_cancel(visit=visit, by=world.users["leader"])


# --- 双随机 draws --------------------------------------------------------------------------------


def test_draw_algorithm_is_deterministic_and_pairs_distinct_inspectors():
    first = draw_algorithm("abc", [5, 3, 9, 1], [7, 2, 4], 3, 2)
    assert first == draw_algorithm("abc", [1, 3, 5, 9], [2, 4, 7], 3, 2)  # order-independent
    assert len({pair["project"] for pair in first}) == 3
    assert all(len(set(pair["inspectors"])) == 2 for pair in first)


def test_a_draw_stores_seed_inputs_and_result_and_anyone_can_reproduce_it(world, more_projects):
    chief = world.users["chief"]
    with acting_as(chief):
        draw = random_draw_run(by=chief, k=4, seed="20260310-tz")
    draw = RandomDraw.objects.get(pk=draw.pk)
    assert draw.seed == "20260310-tz"
    assert draw.algorithm == "python-random-v1"
    assert draw.inputs["k"] == 4
    active = Project.objects.filter(
        street__agencies=world.orgs["agency"], status__in=["under_construction", "partial_stop"]
    )
    assert draw.inputs["pool"] == sorted(active.values_list("pk", flat=True))
    assert draw.inputs["inspectors"] == sorted([world.users["supervisor"].pk, chief.pk])
    assert draw.inputs["filter"] == {
        "street": None,
        "street_name": "",
        "category": "",
        "status": "",
    }
    # Re-run the algorithm by hand from what is stored: the same projects and inspectors.
    import random

    rng = random.Random(draw.seed)
    projects = rng.sample(sorted(draw.inputs["pool"]), draw.inputs["k"])
    pairs = [(p, rng.sample(sorted(draw.inputs["inspectors"]), 2)) for p in projects]
    assert pairs == [(p["project"], p["inspectors"]) for p in draw.result["pairs"]]
    assert all(p["project_name"] and len(p["inspector_names"]) == 2 for p in draw.result["pairs"])
    assert _logged(draw)


def test_the_same_seed_and_filter_draw_the_same_projects_again(world, more_projects):
    chief = world.users["chief"]
    first = random_draw_run(by=chief, k=3, seed="same")
    second = random_draw_run(by=chief, k=3, seed="same")
    assert first.result == second.result


def test_an_empty_seed_gets_a_fresh_random_one(world, more_projects):
    draw = random_draw_run(by=world.users["chief"], k=2, seed="")
    assert len(draw.seed) == 16
    int(draw.seed, 16)


def test_the_draw_filter_narrows_the_pool(world, more_projects):
    chief = world.users["chief"]
    by_category = random_draw_run(by=chief, k=1, category=ProjectCategory.MUNICIPAL)
    assert set(by_category.inputs["pool"]) == {p.pk for p in more_projects[:2]}
    by_status = random_draw_run(by=chief, k=1, status=ProjectStatus.PARTIAL_STOP)
    assert by_status.inputs["pool"] == [more_projects[7].pk]
    by_street = random_draw_run(by=chief, k=1, street=world.streets["A2"])
    assert world.projects["P"].pk not in by_street.inputs["pool"]
    assert by_street.inputs["filter"]["street_name"] == "梨园镇"


def test_a_street_outside_the_jurisdiction_is_refused(world):
    with pytest.raises(DomainError):
        random_draw_run(by=world.users["chief"], k=1, street=world.streets["B1"])


def test_k_cannot_exceed_the_pool(world):
    with pytest.raises(DomainError) as error:
        random_draw_run(by=world.users["chief"], k=3)  # only P and Q are active in agency A
    assert error.value.field == "k"
    with pytest.raises(DomainError):
        random_draw_run(by=world.users["chief"], k=0)


def test_the_inspector_pool_needs_enough_agency_supervisors(world):
    chief = world.users["chief"]
    with pytest.raises(DomainError):
        random_draw_run(by=chief, k=1, inspectors=[chief])
    with pytest.raises(DomainError):
        random_draw_run(by=chief, k=1, inspectors=[chief, world.users["outsider"]])


def test_leader_cannot_draw(world):
    with pytest.raises(PermissionDenied):
        random_draw_run(by=world.users["leader"], k=1)


def test_drawn_visits_are_added_to_the_plan_on_the_chosen_day(world, plan, more_projects):
    chief = world.users["chief"]
    template = ChecklistTemplate.objects.create(
        key="t",
        name="巡查",
        kind="compliance",
        status=TemplateStatus.PUBLISHED,
        owner=world.orgs["agency"],
    )
    draw = random_draw_run(
        by=chief, k=3, seed="x", plan=plan, date=TODAY, templates=[template], today=TODAY
    )
    visits = list(draw.visits.all())
    assert len(visits) == 3
    assert all(v.date == TODAY and v.plan == plan for v in visits)
    assert all(v.inspection_type == InspectionType.RANDOM for v in visits)
    assert {v.project_id for v in visits} == {p["project"] for p in draw.result["pairs"]}
    assert all(list(v.templates.all()) == [template] for v in visits)
    assert draw.plan == plan


def test_drawn_visits_are_spread_over_the_remaining_working_days(world, plan, more_projects):
    draw = random_draw_run(by=world.users["chief"], k=5, seed="y", plan=plan, today=TODAY)
    dates = sorted(v.date for v in draw.visits.all())
    assert len(dates) == 5
    assert all(TODAY <= d <= datetime.date(2026, 3, 31) and d.weekday() < 5 for d in dates)
    assert len(set(dates)) > 1


def test_a_spread_date_moves_when_the_project_already_has_a_visit_that_day(world, plan):
    chief = world.users["chief"]
    # Pool of one project (Q, on street A2), already visited on the first spread date.
    first_day = datetime.date(2026, 3, 10)
    _visit(world, plan, project=world.projects["Q"], date=first_day)
    draw = random_draw_run(
        by=chief, k=1, street=world.streets["A2"], plan=plan, today=TODAY, seed="z"
    )
    assert draw.visits.get().date != first_day


def test_drawn_visits_cannot_go_into_a_past_month(world, plan, more_projects):
    with pytest.raises(DomainError):
        random_draw_run(by=world.users["chief"], k=1, plan=plan, today=datetime.date(2026, 4, 2))
    assert not RandomDraw.objects.exists()


def test_a_draw_cannot_fill_another_agency_plan(world, plan):
    with pytest.raises(DomainError):
        random_draw_run(by=world.users["outsider"], k=1, plan=plan)


def test_plan_created_today_uses_the_current_month(world):
    plan = plan_create(month=timezone.localdate(), by=world.users["chief"])
    assert plan.month == timezone.localdate().replace(day=1)
    assert SupervisionPlan.objects.count() == 1
