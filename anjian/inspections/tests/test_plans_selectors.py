"""Selectors of supervision plans: scoping, today's visits, frequent-visit flags, coverage."""

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from anjian.inspections.choices import InspectionSource, InspectionStatus, VisitStatus
from anjian.inspections.models import Inspection
from anjian.inspections.selectors import plans as sel
from anjian.inspections.services.plans import plan_create, random_draw_run, visit_add, visit_cancel
from anjian.projects.choices import ProjectStatus

TODAY = datetime.date(2026, 3, 10)


@pytest.fixture
def plan(world):
    return plan_create(month=TODAY, by=world.users["chief"])


def _visit(world, plan, project="P", date=TODAY, inspectors=("supervisor", "chief")):
    return visit_add(
        plan=plan,
        project=world.projects[project],
        date=date,
        inspectors=[world.users[name] for name in inspectors],
        by=world.users["chief"],
    )


def _inspection(
    world, project, template, *, finished_days_ago, source=InspectionSource.SUPERVISION
):
    finished = timezone.make_aware(
        datetime.datetime.combine(
            TODAY - datetime.timedelta(days=finished_days_ago), datetime.time(10)
        )
    )
    return Inspection.objects.create(
        project=project,
        agency=world.orgs["agency"],
        template=template,
        created_by=world.users["supervisor"],
        status=InspectionStatus.FINISHED,
        source=source,
        finished_at=finished,
    )


@pytest.mark.parametrize(
    ("persona", "sees"),
    [
        ("supervisor", True),
        ("leader", True),
        ("admin", True),
        ("outsider", False),
        ("pm", False),
        ("grouphq", False),
        ("anonymous", False),
    ],
)
def test_only_staff_of_the_plan_agency_see_its_plans_visits_and_draws(world, plan, persona, sees):
    from django.contrib.auth.models import AnonymousUser

    _visit(world, plan)
    random_draw_run(by=world.users["chief"], k=1)
    user = world.users.get(persona) or AnonymousUser()
    assert sel.plans_visible_to(user).exists() is sees
    assert sel.visits_visible_to(user).exists() is sees
    assert sel.draws_visible_to(user).exists() is sees


def test_todays_visits_are_the_users_own_and_leave_out_cancelled_ones(world, plan):
    mine = _visit(world, plan)
    cancelled = _visit(world, plan, project="Q")
    visit_cancel(visit=cancelled, by=world.users["chief"])
    _visit(world, plan, project="Q", date=TODAY + datetime.timedelta(days=1))
    assert list(sel.todays_visits(world.users["supervisor"], TODAY)) == [mine]
    assert list(sel.todays_visits(world.users["leader"], TODAY)) == []


def test_visits_filter_by_inspector_status_type_and_dates(world, plan):
    first = _visit(world, plan)
    second = _visit(world, plan, project="Q", date=TODAY + datetime.timedelta(days=5))
    visit_cancel(visit=second, by=world.users["chief"])
    user = world.users["chief"]
    assert list(sel.visits_filtered(user, sel.VisitFilters(plan=plan.pk))) == [first, second]
    filters = sel.VisitFilters(status=VisitStatus.CANCELLED)
    assert list(sel.visits_filtered(user, filters)) == [second]
    filters = sel.VisitFilters(date_from=TODAY + datetime.timedelta(days=1))
    assert list(sel.visits_filtered(user, filters)) == [second]
    filters = sel.VisitFilters(inspector=world.users["leader"].pk)
    assert list(sel.visits_filtered(user, filters)) == []


def test_deep_excavations_and_high_scaffolds_are_flagged_with_their_reason(world):
    p, q = world.projects["P"], world.projects["Q"]
    p.pit_depth = Decimal("5.00")
    p.save()
    q.height = Decimal("49.99")
    q.pit_depth = Decimal("4.90")
    q.save()
    flagged = sel.projects_needing_frequent_visits(world.orgs["agency"])
    assert [project.pk for project in flagged] == [p.pk]
    assert "5" in flagged[0].frequent_reasons[0]
    q.height = Decimal("50")
    q.save()
    reasons = sel.frequent_visit_reasons(world.projects["Q"].__class__.objects.filter(pk=q.pk))
    assert len(reasons[q.pk]) == 1 and "50" in reasons[q.pk][0]


def test_completed_and_other_agency_projects_are_not_flagged(world):
    p, r = world.projects["P"], world.projects["R"]
    p.pit_depth = Decimal(12)
    p.status = ProjectStatus.COMPLETED
    p.save()
    r.pit_depth = Decimal(12)
    r.save()
    assert sel.projects_needing_frequent_visits(world.orgs["agency"]) == []


def test_later_modules_add_their_own_frequent_visit_rules(world, monkeypatch):
    q = world.projects["Q"]
    rules = [*sel.FREQUENT_VISIT_RULES, lambda projects: {q.pk: "近一年发生生产安全事故"}]
    monkeypatch.setattr(sel, "FREQUENT_VISIT_RULES", rules)
    flagged = sel.projects_needing_frequent_visits(world.orgs["agency"])
    assert [(x.pk, x.frequent_reasons) for x in flagged] == [(q.pk, ["近一年发生生产安全事故"])]


def test_coverage_lists_projects_with_no_visit_made_or_planned_in_the_window(world, plan, patrol):
    p, q = world.projects["P"], world.projects["Q"]
    report = sel.coverage(world.users["chief"], world.orgs["agency"], days=30, today=TODAY)
    assert {x.pk for x in report.projects} == {p.pk, q.pk}
    assert (report.total, report.uncovered) == (2, 2)
    # P: inspected 10 days ago → covered; Q: a visit planned in 5 days → covered.
    _inspection(world, p, patrol, finished_days_ago=10)
    _visit(world, plan, project="Q", date=TODAY + datetime.timedelta(days=5))
    report = sel.coverage(world.users["chief"], world.orgs["agency"], days=30, today=TODAY)
    assert report.projects == []
    everything = sel.coverage(
        world.users["chief"], world.orgs["agency"], days=30, today=TODAY, show_all=True
    )
    rows = {x.pk: x for x in everything.projects}
    assert rows[p.pk].last_visit == TODAY - datetime.timedelta(days=10)
    assert rows[p.pk].days_since == 10
    assert rows[q.pk].next_visit == TODAY + datetime.timedelta(days=5)
    # A shorter window (?days=7) uncovers P again.
    report = sel.coverage(world.users["chief"], world.orgs["agency"], days=7, today=TODAY)
    assert [x.pk for x in report.projects] == [p.pk]


def test_self_inspections_and_missed_or_cancelled_visits_do_not_cover_a_project(
    world, plan, patrol
):
    p = world.projects["P"]
    _inspection(world, p, patrol, finished_days_ago=2, source=InspectionSource.SELF)
    _visit(world, plan, project="P", date=TODAY - datetime.timedelta(days=3))  # missed
    cancelled = _visit(world, plan, project="P", date=TODAY + datetime.timedelta(days=3))
    visit_cancel(visit=cancelled, by=world.users["chief"])
    report = sel.coverage(world.users["chief"], world.orgs["agency"], days=30, today=TODAY)
    assert p.pk in {x.pk for x in report.projects}


def test_flagged_projects_need_a_visit_in_half_the_window(world, patrol):
    p = world.projects["P"]
    p.pit_depth = Decimal(8)
    p.save()
    _inspection(world, p, patrol, finished_days_ago=20)
    _inspection(world, world.projects["Q"], patrol, finished_days_ago=20)
    report = sel.coverage(world.users["chief"], world.orgs["agency"], days=30, today=TODAY)
    assert report.frequent_days == 15
    assert [(x.pk, bool(x.frequent_reasons)) for x in report.projects] == [(p.pk, True)]


def test_coverage_sorts_never_visited_projects_first(world, patrol):
    _inspection(world, world.projects["P"], patrol, finished_days_ago=60)
    report = sel.coverage(world.users["chief"], world.orgs["agency"], days=30, today=TODAY)
    assert [x.pk for x in report.projects] == [world.projects["Q"].pk, world.projects["P"].pk]
    report = sel.coverage(
        world.users["chief"], world.orgs["agency"], days=30, today=TODAY, sort="-last"
    )
    assert [x.pk for x in report.projects][0] == world.projects["P"].pk


def test_month_calendar_starts_on_monday_and_places_visits(world, plan):
    visit = _visit(world, plan)
    weeks = sel.month_calendar(plan.month, [visit], today=TODAY)
    assert weeks[0][0]["date"].weekday() == 0
    days = {day["date"]: day for week in weeks for day in week}
    assert days[TODAY]["visits"] == [visit] and days[TODAY]["is_today"]
    assert not days[weeks[0][0]["date"]]["in_month"]  # 2026-03-01 is a Sunday


def test_a_stored_draw_reproduces_and_a_tampered_one_does_not(world):
    draw = random_draw_run(by=world.users["chief"], k=2, seed="check")
    assert sel.draw_is_reproducible(draw)
    draw.result["pairs"].reverse()
    assert not sel.draw_is_reproducible(draw)
