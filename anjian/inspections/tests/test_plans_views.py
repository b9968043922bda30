"""Supervision-plan pages: list, create, calendar and list views, visits, coverage, draws."""

import datetime
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from anjian.accounts.choices import AgencyRole
from anjian.core.testing.personas import make_project, make_user
from anjian.inspections.choices import PlanStatus, VisitStatus
from anjian.inspections.models import PlannedVisit, RandomDraw, SupervisionPlan
from anjian.inspections.services.plans import plan_create, random_draw_run, visit_add


@pytest.fixture
def today():
    return timezone.localdate()


@pytest.fixture
def plan(world, today):
    return plan_create(month=today, by=world.users["chief"])


def _visit(world, plan, project, day, inspectors=("supervisor", "chief")):
    return visit_add(
        plan=plan,
        project=project,
        date=day,
        inspectors=[world.users[name] for name in inspectors],
        by=world.users["chief"],
    )


def test_plan_list_shows_the_agency_plans_and_this_month(world, plan, client_as):
    response = client_as("leader").get(reverse("inspections:plan_list"))
    assert response.status_code == 200
    assert plan.title in response.content.decode()
    assert b'data-testid="this-month"' in response.content
    assert b'data-testid="new-plan"' not in response.content  # leaders only read


def test_company_users_cannot_open_plans(world, plan, client_as):
    assert client_as("pm").get(reverse("inspections:plan_list")).status_code == 403
    assert client_as("pm").get(plan.get_absolute_url()).status_code == 404


def test_supervisor_creates_a_plan_from_a_month(world, client_as):
    response = client_as("supervisor").post(
        reverse("inspections:plan_create"), {"month": "2026-05", "note": "节前大检查"}
    )
    plan = SupervisionPlan.objects.get()
    assert response.status_code == 302 and response["Location"] == plan.get_absolute_url()
    assert plan.month == datetime.date(2026, 5, 1) and plan.note == "节前大检查"


def test_a_second_plan_for_the_month_is_refused_in_chinese_keeping_the_input(
    world, plan, client_as, today
):
    response = client_as("supervisor").post(
        reverse("inspections:plan_create"), {"month": f"{today:%Y-%m}", "title": "我的计划"}
    )
    assert response.status_code == 200
    content = response.content.decode()
    assert "已有" in content and "我的计划" in content


def test_plan_page_shows_a_month_calendar_with_todays_visit(world, plan, client_as, today):
    _visit(world, plan, world.projects["P"], today)
    response = client_as("supervisor").get(plan.get_absolute_url())
    content = response.content.decode()
    assert response.status_code == 200
    assert 'data-testid="calendar"' in content and 'data-testid="day-list"' in content
    assert world.projects["P"].name in content
    assert 'data-testid="add-visit"' in content


def test_plan_list_view_filters_by_inspector_and_status(world, plan, client_as, today):
    world.users["s2"] = make_user("s2", world.orgs["agency"], AgencyRole.SUPERVISOR)
    _visit(world, plan, world.projects["P"], today)
    _visit(world, plan, world.projects["Q"], today, inspectors=("chief", "s2"))
    url = plan.get_absolute_url()
    response = client_as("supervisor").get(url, {"view": "list", "inspector": "me"})
    content = response.content.decode()
    assert 'data-testid="visit-list"' in content
    assert world.projects["P"].name in content and world.projects["Q"].name not in content
    assert 'data-testid="start-visit"' in content  # the supervisor inspects this one
    response = client_as("supervisor").get(url, {"view": "list", "status": "cancelled"})
    assert world.projects["P"].name not in response.content.decode()


def test_htmx_filter_returns_only_the_results_partial(world, plan, client_as, today):
    _visit(world, plan, world.projects["P"], today)
    response = client_as("supervisor").get(
        plan.get_absolute_url(), {"view": "list"}, HTTP_HX_REQUEST="true"
    )
    content = response.content.decode()
    assert content.lstrip().startswith('<div id="results"')
    assert "<html" not in content


@pytest.mark.parametrize("view", ["calendar", "list"])
def test_plan_page_runs_a_fixed_number_of_queries(
    world, plan, client_as, today, view, django_assert_max_num_queries
):
    client = client_as("supervisor")
    month_days = [plan.month + datetime.timedelta(days=n) for n in range(20)]
    projects = [
        make_project(f"梨园镇测试项目{i}", world.streets["A2"], world.orgs["agency"], seq=60 + i)
        for i in range(20)
    ]
    _visit(world, plan, world.projects["P"], today)
    url = plan.get_absolute_url() + f"?view={view}"
    client.get(url)  # warm caches (content types, sessions)
    # each frequent-visit rule costs one query (the 危大工程 and accident rules included), and
    # each panel of PLAN_PANELS one (the risk suggestions of the statistics app)
    with django_assert_max_num_queries(16):
        small = client.get(url)
    for project, day in zip(projects, month_days, strict=True):
        _visit(world, plan, project, day)
    with django_assert_max_num_queries(16):
        large = client.get(url)
    assert small.status_code == large.status_code == 200


def test_supervisor_adds_a_visit_from_the_calendar_day(world, plan, client_as, today):
    client = client_as("supervisor")
    url = reverse("inspections:visit_create", args=[plan.pk])
    response = client.get(url, {"date": today.isoformat()})
    assert response.status_code == 200
    assert f'value="{today.isoformat()}"' in response.content.decode()
    response = client.post(
        url,
        {
            "project": world.projects["Q"].pk,
            "date": today.isoformat(),
            "inspection_type": "routine",
            "inspectors": [world.users["supervisor"].pk, world.users["chief"].pk],
            "note": "关注临边防护",
        },
    )
    assert response.status_code == 302
    visit = PlannedVisit.objects.get()
    assert visit.project == world.projects["Q"] and visit.note == "关注临边防护"


def test_a_visit_with_one_inspector_is_refused_in_chinese_keeping_the_input(
    world, plan, client_as, today
):
    response = client_as("supervisor").post(
        reverse("inspections:visit_create", args=[plan.pk]),
        {
            "project": world.projects["Q"].pk,
            "date": today.isoformat(),
            "inspection_type": "special",
            "inspectors": [world.users["supervisor"].pk],
            "note": "深基坑专项检查",
        },
    )
    assert response.status_code == 200
    content = response.content.decode()
    assert "至少" in content  # 每次检查至少需要2名监督人员
    assert "深基坑专项检查" in content
    assert not PlannedVisit.objects.exists()


def test_leader_cannot_add_visits(world, plan, client_as):
    url = reverse("inspections:visit_create", args=[plan.pk])
    assert client_as("leader").get(url).status_code == 403


def test_supervisor_moves_and_cancels_a_visit(world, plan, client_as, today):
    visit = _visit(world, plan, world.projects["P"], today)
    client = client_as("supervisor")
    url = reverse("inspections:visit_edit", args=[visit.pk])
    assert client.get(url).status_code == 200
    other_day = plan.month + datetime.timedelta(days=1 if today.day == 1 else 0)
    response = client.post(
        url,
        {
            "project": world.projects["P"].pk,
            "date": other_day.isoformat(),
            "inspection_type": "recheck",
            "inspectors": [world.users["supervisor"].pk, world.users["chief"].pk],
        },
    )
    assert response.status_code == 302
    visit.refresh_from_db()
    assert visit.inspection_type == "recheck" and visit.date == other_day
    response = client.post(
        reverse("inspections:visit_cancel", args=[visit.pk]), {"reason": "工地停工"}
    )
    assert response.status_code == 302
    visit.refresh_from_db()
    assert visit.status == VisitStatus.CANCELLED and "工地停工" in visit.note


def test_chief_publishes_and_supervisor_may_not(world, plan, client_as, today):
    _visit(world, plan, world.projects["P"], today)
    url = reverse("inspections:plan_publish", args=[plan.pk])
    assert client_as("supervisor").post(url).status_code == 403
    assert b'data-testid="publish"' in client_as("chief").get(plan.get_absolute_url()).content
    assert client_as("chief").post(url).status_code == 302
    plan.refresh_from_db()
    assert plan.status == PlanStatus.PUBLISHED


def test_coverage_report_flags_projects_and_links_to_plan_a_visit(world, plan, client_as):
    project = world.projects["P"]
    project.pit_depth = Decimal("9.5")
    project.save()
    response = client_as("supervisor").get(reverse("inspections:coverage"))
    content = response.content.decode()
    assert response.status_code == 200
    assert project.name in content and world.projects["Q"].name in content
    assert "9.5" in content  # the reason for more frequent visits
    assert 'data-testid="plan-visit"' in content
    assert f"?project={project.pk}" in content


def test_coverage_window_can_be_overridden(world, client_as):
    response = client_as("leader").get(reverse("inspections:coverage"), {"days": "7"})
    assert response.status_code == 200
    assert response.context["report"].days == 7
    response = client_as("leader").get(reverse("inspections:coverage"), {"days": "x"})
    assert response.context["report"].days == 30  # AgencySettings.revisit_days


def test_coverage_is_for_agency_staff_only(world, client_as):
    assert client_as("pm").get(reverse("inspections:coverage")).status_code == 403


def test_chief_draws_and_the_draw_page_explains_how_to_reproduce_it(world, plan, client_as, today):
    response = client_as("chief").post(
        reverse("inspections:draw_create"), {"k": "2", "seed": "tz-2026", "plan": plan.pk}
    )
    draw = RandomDraw.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("inspections:draw_detail", args=[draw.pk])
    assert draw.visits.count() == 2
    page = client_as("leader").get(response["Location"]).content.decode()
    assert "tz-2026" in page
    assert 'data-testid="reproducible"' in page
    assert "random.Random(&quot;tz-2026&quot;)" in page


def test_a_draw_larger_than_the_pool_is_refused_on_the_form(world, client_as):
    response = client_as("chief").post(reverse("inspections:draw_create"), {"k": "5"})
    assert response.status_code == 200
    assert not RandomDraw.objects.exists()
    assert 'value="5"' in response.content.decode()


def test_draw_list_shows_the_agency_draws(world, client_as):
    random_draw_run(by=world.users["chief"], k=1, seed="listed")
    content = client_as("supervisor").get(reverse("inspections:draw_list")).content.decode()
    assert "listed" in content
    assert (
        "listed" not in client_as("outsider").get(reverse("inspections:draw_list")).content.decode()
    )


def test_plan_list_and_coverage_run_a_fixed_number_of_queries(
    world, client_as, today, django_assert_max_num_queries
):
    client = client_as("supervisor")
    for i in range(12):
        make_project(f"梨园镇覆盖测试{i}", world.streets["A2"], world.orgs["agency"], seq=80 + i)
    for months_ago in range(6):
        plan_create(month=today - datetime.timedelta(days=31 * months_ago), by=world.users["chief"])
    client.get(reverse("inspections:plan_list"))
    client.get(reverse("inspections:coverage"))  # creates the agency's settings row once
    with django_assert_max_num_queries(8):
        assert client.get(reverse("inspections:plan_list")).status_code == 200
    with django_assert_max_num_queries(14):
        assert client.get(reverse("inspections:coverage")).status_code == 200
