"""The project risk score: the pure formula, the facts over the personas' world, the stored
scores, the formula's settings, and the pages (project tab, where to go next, the formula, the
suggestions on the supervision plan)."""

import datetime
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext

from anjian.accounts.models import AgencySettings
from anjian.core.errors import DomainError
from anjian.core.errors import PermissionDenied as NotAllowed
from anjian.core.testing.personas import make_project
from anjian.dangerous_works import workflow as dw_workflow
from anjian.dangerous_works.testing import register, walk, work_objects
from anjian.evaluations.models import Accident
from anjian.evaluations.testing import at, evaluation_objects, month_start
from anjian.hazards.choices import HazardSource, HazardStatus
from anjian.hazards.models import Hazard
from anjian.hazards.testing import hazard_objects
from anjian.inspections.choices import HazardGrade
from anjian.inspections.models import Inspection
from anjian.inspections.services.plans import plan_create, visit_add
from anjian.projects.choices import ProjectStatus
from anjian.stats import risk
from anjian.stats.models import ProjectRisk
from anjian.stats.selectors import where_to_go_next
from anjian.stats.services import gather_facts, project_risk, refresh_risk, risk_formula_save

D = Decimal
DEFAULT = risk.Formula.default()


def points(result) -> dict[str, Decimal]:
    return {line.key: line.points for line in result.lines}


# --- the pure formula ---------------------------------------------------------------------------


def test_each_factor_adds_its_fact_times_its_weight_largest_first():
    facts = risk.ProjectFacts(
        open_major=2,
        overdue=3,
        super_works=1,
        danger_works=2,
        last_score=D("75.5"),
        days_since_visit=30,
        accidents=1,
        stop_work=1,
    )
    result = risk.compute(facts, DEFAULT)
    assert points(result) == {
        "open_major": D("20.0"),
        "overdue": D("15.0"),
        "super_works": D("8.0"),
        "danger_works": D("4.0"),
        "score_gap": D("2.3"),  # (80 - 75.5) × 0.5 = 2.25, rounded half up
        "days_since_visit": D("6.0"),
        "accidents": D("15.0"),
        "stop_work": D("10.0"),
    }
    assert result.score == D("80.3")
    assert [line.key for line in result.lines][:3] == ["open_major", "accidents", "overdue"]
    assert not any(line.capped for line in result.lines)
    assert result.band == "high"


def test_a_factor_gives_at_most_its_cap_and_says_so():
    result = risk.compute(risk.ProjectFacts(open_major=5, overdue=7, days_since_visit=0), DEFAULT)
    lines = {line.key: line for line in result.lines}
    assert lines["open_major"].points == D(40) and lines["open_major"].capped
    assert lines["overdue"].points == D(30) and lines["overdue"].capped
    assert result.score == D(70)


def test_a_cap_of_zero_means_no_cap():
    formula = risk.Formula.from_config({"open_major": {"weight": 10, "cap": 0}})
    result = risk.compute(risk.ProjectFacts(open_major=6, days_since_visit=0), formula)
    assert points(result) == {"open_major": D(60)}
    assert not result.lines[0].capped


def test_a_weight_of_zero_switches_a_factor_off():
    formula = risk.Formula.from_config({"accidents": {"weight": 0, "cap": 30}})
    facts = risk.ProjectFacts(accidents=2, days_since_visit=0)
    assert points(risk.compute(facts, DEFAULT)) == {"accidents": D(30)}
    result = risk.compute(facts, formula)
    assert result.lines == [] and result.score == 0 and result.band == "low"


def test_a_project_never_visited_counts_ninety_days():
    facts = risk.ProjectFacts()
    assert facts.value("days_since_visit") == risk.NEVER_VISITED_DAYS == 90
    assert points(risk.compute(facts, DEFAULT)) == {"days_since_visit": D(18)}  # 90 × 0.2
    half = risk.Formula.from_config({"days_since_visit": {"weight": "0.1", "cap": 18}})
    assert points(risk.compute(facts, half)) == {"days_since_visit": D(9)}


def test_no_score_and_a_passing_score_give_no_score_gap():
    assert risk.ProjectFacts().value("score_gap") == 0
    assert risk.ProjectFacts(last_score=D(92)).value("score_gap") == 0
    assert risk.ProjectFacts(last_score=D(60)).value("score_gap") == 20


@pytest.mark.parametrize(
    ("score", "band"),
    [(0, "low"), ("19.9", "low"), (20, "medium"), ("39.9", "medium"), (40, "high"), (200, "high")],
)
def test_bands(score, band):
    assert risk.band(score) == band


def test_the_breakdown_as_json_keeps_every_line():
    result = risk.compute(risk.ProjectFacts(open_major=1, days_since_visit=0), DEFAULT)
    assert result.as_json() == [
        {
            "key": "open_major",
            "label": "未销号重大事故隐患",
            "value": 1.0,
            "unit": "项",
            "weight": 10.0,
            "points": 10.0,
            "capped": False,
        }
    ]


# --- facts over the personas' world -------------------------------------------------------------


def _major_hazard(world, key="P", *, overdue=True, status=HazardStatus.ISSUED):
    project = world.projects[key]
    deadline = timezone.now() + datetime.timedelta(days=-1 if overdue else 3)
    return Hazard.objects.create(
        project=project,
        agency=project.agency,
        source=HazardSource.SUPERVISION,
        description="塔吊附着装置失效",
        location="2#塔吊",
        grade=HazardGrade.MAJOR,
        status=status,
        deadline=deadline,
    )


def _accident(world, project, occurred_on):
    """An accident of `project` (a project or the key of one of the world's)."""
    return Accident.objects.create(
        project=world.projects[project] if isinstance(project, str) else project,
        occurred_on=occurred_on,
        level="general",
        description="高处坠落",
        recorded_by=world.users["supervisor"],
    )


@pytest.fixture
def full(world):
    """Project P with everything that adds risk, Q with a low score, R never visited:

    P: 1 open 重大 hazard, overdue (plus a closed one), a general hazard not yet due, a 停工
    notice in force, 1 超规模 and 1 general 危大 on site (2 more not on site yet), last month's
    accident, last scored 79.5, visited today; Q: last scored 72 on the 20th of last month, an
    accident two years ago; R: only a self-inspection.
    """
    hazard_objects(world)
    work_objects(world)
    walk(register(world, 4, name="4#楼基坑"), world, dw_workflow.IN_PROGRESS)
    evaluation_objects(world)
    _major_hazard(world)
    _major_hazard(world, status=HazardStatus.CLOSED)
    _accident(world, "Q", timezone.localdate() - datetime.timedelta(days=700))
    r = world.projects["R"]
    Inspection.objects.create(
        project=r,
        agency=r.agency,
        template=evaluation_objects(world)["template"],
        created_by=world.users["outsider"],
        status="finished",
        source="self",
        started_at=timezone.now(),
        finished_at=timezone.now(),
        score=D(50),
    )
    return world


def _q_days():
    return (
        timezone.localdate() - timezone.localdate(at(month_start(1) + datetime.timedelta(19)))
    ).days


def test_gather_facts_counts_what_the_score_rests_on(full, django_assert_num_queries):
    p, q, r = (full.projects[k] for k in "PQR")
    with django_assert_num_queries(6):
        facts = gather_facts([p.pk, q.pk, r.pk])
    assert facts[p.pk] == risk.ProjectFacts(
        open_major=1,
        overdue=1,
        super_works=1,
        danger_works=1,
        last_score=D("79.50"),
        days_since_visit=0,
        accidents=1,
        stop_work=1,
    )
    assert facts[q.pk] == risk.ProjectFacts(last_score=D("72.00"), days_since_visit=_q_days())
    assert facts[r.pk] == risk.ProjectFacts()  # a self-inspection is no supervision visit


def test_hazards_become_overdue_when_their_deadline_passes(full):
    p = full.projects["P"]
    later = hazard_objects(full)["hazard"].deadline + datetime.timedelta(hours=1)
    facts = gather_facts([p.pk], now=later)[p.pk]
    assert facts.overdue == 2
    assert facts.days_since_visit == (timezone.localdate(later) - timezone.localdate()).days


def test_project_risk_computes_the_live_score(full):
    result = project_risk(full.projects["P"])
    assert points(result) == {
        "accidents": D(15),
        "open_major": D(10),
        "stop_work": D(10),
        "super_works": D(8),
        "overdue": D(5),
        "danger_works": D(2),
        "score_gap": D("0.3"),  # 0.5 × 0.5 = 0.25
    }
    assert result.score == D("50.3") and result.band == "high"


def test_refresh_risk_stores_the_scores_and_where_to_go_next_orders_them(full):
    assert refresh_risk(full.orgs["agency"].pk) == 2  # P and Q; R belongs to agency B
    stored = {row.project_id: row for row in ProjectRisk.objects.all()}
    p, q = full.projects["P"], full.projects["Q"]
    assert set(stored) == {p.pk, q.pk}
    assert stored[p.pk].score == D("50.3") and stored[p.pk].band == "high"
    assert stored[p.pk].facts["open_major"] == 1 and stored[p.pk].facts["last_score"] == 79.5
    assert stored[p.pk].breakdown[0] == {
        "key": "accidents",
        "label": "近一年生产安全事故",
        "value": 1.0,
        "unit": "起",
        "weight": 15.0,
        "points": 15.0,
        "capped": False,
    }
    gap_points = min(D(_q_days()) * D("0.2"), D(18)).quantize(D("0.1"))
    assert stored[q.pk].score == D("4.0") + gap_points  # (80 - 72) × 0.5 + days × 0.2
    ranked = list(where_to_go_next(full.users["supervisor"]))
    assert [row.project_id for row in ranked] == [p.pk, q.pk]
    assert list(where_to_go_next(full.users["pm2"])) == [stored[q.pk]]

    q.status = ProjectStatus.COMPLETED
    q.save()
    refresh_risk(full.orgs["agency"].pk)
    assert list(ProjectRisk.objects.values_list("project_id", flat=True)) == [p.pk]


# --- the formula's settings ---------------------------------------------------------------------


def _config(**changes):
    config = DEFAULT.as_config()
    config.update(changes)
    return config


def test_only_the_agencys_administrators_change_the_formula(world):
    agency = world.orgs["agency"]
    for name in ("supervisor", "chief", "leader", "pm", "outsider"):
        with pytest.raises(NotAllowed):
            risk_formula_save(agency=agency, by=world.users[name], config=_config())
    with pytest.raises(NotAllowed):
        risk_formula_save(agency=world.orgs["agency_b"], by=world.users["admin"], config=_config())


def test_saving_the_formula_stores_it_and_recomputes_the_scores(
    world, django_capture_on_commit_callbacks
):
    _accident(world, "P", timezone.localdate())
    refresh_risk(world.orgs["agency"].pk)
    p = world.projects["P"]
    assert ProjectRisk.objects.get(project=p).score == D(33)  # 15 + 90 days × 0.2
    config = _config(accidents={"weight": 20, "cap": 25}, days_since_visit={"weight": 0, "cap": 0})
    with django_capture_on_commit_callbacks(execute=True):
        risk_formula_save(agency=world.orgs["agency"], by=world.users["admin"], config=config)
    stored = AgencySettings.for_agency(world.orgs["agency"]).risk_weights
    assert stored["accidents"] == {"weight": 20.0, "cap": 25.0}
    assert ProjectRisk.objects.get(project=p).score == D(20)  # 20, no days factor


@pytest.mark.parametrize(
    ("entry", "message"),
    [
        ({"weight": "abc", "cap": 10}, "Weights and caps are numbers."),
        ({"weight": -1, "cap": 10}, "Weights and caps are between 0 and 1000."),
        ({"weight": 2, "cap": 5000}, "Weights and caps are between 0 and 1000."),
    ],
)
def test_bad_weights_and_caps_are_refused_at_their_factor(world, entry, message):
    with pytest.raises(DomainError) as error:
        risk_formula_save(
            agency=world.orgs["agency"], by=world.users["admin"], config=_config(overdue=entry)
        )
    assert error.value.field == "overdue"
    assert str(error.value.message) == gettext(message)
    assert AgencySettings.for_agency(world.orgs["agency"]).risk_weights == {}


# --- pages --------------------------------------------------------------------------------------


@pytest.fixture
def scored(world):
    """P: an overdue open 重大 hazard and an accident, never visited (48, high); Q: never visited
    (18, low); both stored."""
    _major_hazard(world)
    _accident(world, "P", timezone.localdate() - datetime.timedelta(days=3))
    refresh_risk(world.orgs["agency"].pk)
    return world


@pytest.mark.parametrize("name", ["supervisor", "leader", "admin", "pm", "engineer", "grouphq"])
def test_the_project_tab_shows_the_breakdown_to_whoever_sees_the_project(scored, client_as, name):
    p = scored.projects["P"]
    response = client_as(name).get(reverse("stats:project_risk", args=[p.pk]))
    assert response.status_code == 200
    content = response.content.decode()
    assert 'data-testid="risk-breakdown"' in content
    assert 'data-band="high"' in content and ">48.0<" in content
    assert "未销号重大事故隐患" in content and "1 项" in content and "90 天" in content
    assert 'data-testid="stored-score"' in content
    staff = scored.users[name].is_agency_staff
    assert ('data-testid="formula-link"' in content) == staff


def test_the_project_tab_marks_capped_factors_and_is_a_tab_of_the_project(
    scored, client_as, django_assert_max_num_queries
):
    p = scored.projects["P"]
    for _ in range(5):
        _major_hazard(scored)
    client = client_as("supervisor")
    url = reverse("stats:project_risk", args=[p.pk])
    client.get(url)
    with django_assert_max_num_queries(14):
        response = client.get(url)
    content = response.content.decode()
    assert 'data-testid="capped"' in content
    assert f'href="{reverse("projects:detail", args=[p.pk])}"' in content
    assert 'aria-current="page" href="' + url in content


@pytest.mark.parametrize(("name", "key"), [("pm2", "P"), ("outsider", "P"), ("pm", "Q")])
def test_the_project_tab_is_404_for_who_does_not_see_the_project(scored, client_as, name, key):
    url = reverse("stats:project_risk", args=[scored.projects[key].pk])
    assert client_as(name).get(url).status_code == 404


@pytest.mark.parametrize("name", ["pm", "pm2", "engineer", "grouphq"])
def test_companies_cannot_open_where_to_go_next_or_the_formula(scored, client_as, name):
    client = client_as(name)
    assert client.get(reverse("stats:risk")).status_code == 403
    assert client.get(reverse("stats:risk_formula")).status_code == 403


def test_anonymous_users_are_sent_to_log_in(client_as):
    response = client_as("anonymous").get(reverse("stats:risk"))
    assert response.status_code == 302 and "login" in response["Location"]


def test_where_to_go_next_lists_the_riskiest_first_with_reasons_and_plans(
    scored, client_as, today_plan
):
    p, q = scored.projects["P"], scored.projects["Q"]
    visit_add(
        plan=today_plan,
        project=q,
        date=timezone.localdate(),
        inspectors=[scored.users["supervisor"], scored.users["chief"]],
        by=scored.users["chief"],
    )
    response = client_as("supervisor").get(reverse("stats:risk"))
    assert response.status_code == 200
    content = response.content.decode()
    assert content.index(p.name) < content.index(q.name)
    assert reverse("stats:project_risk", args=[p.pk]) in content
    # P's two largest reasons, Q planned this month, P not yet (with a link to plan it)
    assert "近一年生产安全事故" in content and "距最近一次监督检查" in content
    assert content.count('data-testid="planned"') == 1
    assert f"?project={p.pk}" in content and f"?project={q.pk}" not in content


def test_where_to_go_next_filters_by_band_and_street(scored, client_as):
    client = client_as("chief")
    p, q = scored.projects["P"], scored.projects["Q"]
    high = client.get(reverse("stats:risk"), {"band": "high"}).content.decode()
    assert p.name in high and q.name not in high
    low = client.get(reverse("stats:risk"), {"band": "low"}).content.decode()
    assert q.name in low and p.name not in low
    street = client.get(reverse("stats:risk"), {"street": scored.streets["A2"].pk})
    assert q.name in street.content.decode() and p.name not in street.content.decode()
    partial = client.get(reverse("stats:risk"), {"band": "high"}, HTTP_HX_REQUEST="true")
    assert partial.content.decode().lstrip().startswith('<div id="results"')


def test_where_to_go_next_leaves_out_other_agencies_and_finished_projects(world, client_as):
    refresh_risk()
    r = world.projects["R"]
    content = client_as("admin").get(reverse("stats:risk")).content.decode()
    # the administrator may see every project, but the list is their own agency's
    assert world.projects["P"].name in content and r.name not in content
    world.projects["Q"].status = ProjectStatus.COMPLETED
    world.projects["Q"].save()
    content = client_as("supervisor").get(reverse("stats:risk")).content.decode()
    assert world.projects["Q"].name not in content


def test_where_to_go_next_runs_a_fixed_number_of_queries(
    scored, client_as, today_plan, django_assert_max_num_queries
):
    client = client_as("supervisor")
    url = reverse("stats:risk")
    client.get(url)
    with django_assert_max_num_queries(10):
        small = client.get(url)
    for i in range(15):
        project = make_project(
            f"梨园镇风险项目{i}", scored.streets["A2"], scored.orgs["agency"], seq=80 + i
        )
        visit_add(
            plan=today_plan,
            project=project,
            date=timezone.localdate(),
            inspectors=[scored.users["supervisor"], scored.users["chief"]],
            by=scored.users["chief"],
        )
    refresh_risk(scored.orgs["agency"].pk)
    with django_assert_max_num_queries(10):
        large = client.get(url)
    assert small.status_code == large.status_code == 200
    assert large.content.decode().count('data-testid="planned"') == 15


def test_the_staff_read_the_formula(world, client_as):
    response = client_as("supervisor").get(reverse("stats:risk_formula"))
    assert response.status_code == 200
    content = response.content.decode()
    assert 'data-testid="formula-table"' in content and 'data-testid="formula-form"' not in content
    for label, *_ in risk.FACTORS.values():
        assert label in content
    assert client_as("supervisor").post(reverse("stats:risk_formula"), {}).status_code == 403


def _form_data(**changes):
    data = {}
    for key, (_label, _unit, weight, cap) in risk.FACTORS.items():
        data[f"{key}_weight"] = str(weight)
        data[f"{key}_cap"] = str(cap)
    data.update(changes)
    return data


def test_the_administrator_changes_the_formula(world, client_as):
    client = client_as("admin")
    assert b'data-testid="formula-form"' in client.get(reverse("stats:risk_formula")).content
    response = client.post(
        reverse("stats:risk_formula"), _form_data(accidents_weight="20", stop_work_weight="0")
    )
    assert response.status_code == 302 and response["Location"] == reverse("stats:risk_formula")
    stored = AgencySettings.for_agency(world.orgs["agency"]).risk_weights
    assert stored["accidents"] == {"weight": 20.0, "cap": 30.0}
    assert stored["stop_work"]["weight"] == 0
    page = client.get(reverse("stats:risk_formula")).content.decode()
    assert 'value="20"' in page


def test_a_bad_value_is_shown_at_its_field_keeping_the_input(world, client_as):
    response = client_as("admin").post(
        reverse("stats:risk_formula"), _form_data(overdue_weight="-3", accidents_cap="abc")
    )
    assert response.status_code == 400
    content = response.content.decode()
    assert content.count("is-invalid") == 2
    assert 'name="overdue_weight" id="id_overdue_weight" value="-3"' in content
    assert 'name="accidents_cap" id="id_accidents_cap" value="abc"' in content
    assert AgencySettings.for_agency(world.orgs["agency"]).risk_weights == {}


# --- the supervision plan's suggestions ---------------------------------------------------------


@pytest.fixture
def today_plan(world):
    return plan_create(month=timezone.localdate(), by=world.users["chief"])


def test_the_plan_page_suggests_high_risk_projects_not_yet_planned(scored, client_as, today_plan):
    p = scored.projects["P"]
    add = reverse("inspections:visit_create", args=[today_plan.pk]) + f"?project={p.pk}"
    response = client_as("supervisor").get(today_plan.get_absolute_url())
    content = response.content.decode()
    assert 'data-testid="risk-suggestions"' in content
    assert p.name in content and add in content and "近一年生产安全事故" in content
    assert scored.projects["Q"].name not in content  # low risk: not suggested
    # the link opens the add-visit form with the project chosen
    form = client_as("supervisor").get(add).content.decode()
    assert f'<option value="{p.pk}" selected>' in form

    visit_add(
        plan=today_plan,
        project=p,
        date=timezone.localdate(),
        inspectors=[scored.users["supervisor"], scored.users["chief"]],
        by=scored.users["chief"],
    )
    content = client_as("supervisor").get(today_plan.get_absolute_url()).content.decode()
    assert 'data-testid="risk-suggestions"' in content and add not in content


def test_leaders_see_the_suggestions_without_the_add_button(scored, client_as, today_plan):
    content = client_as("leader").get(today_plan.get_absolute_url()).content.decode()
    assert scored.projects["P"].name in content
    assert 'data-testid="suggest-add-visit"' not in content


def test_a_past_months_plan_has_no_suggestions(scored, client_as):
    plan = plan_create(month=month_start(2), by=scored.users["chief"])
    content = client_as("supervisor").get(plan.get_absolute_url()).content.decode()
    assert 'data-testid="risk-suggestions"' not in content


def test_the_suggestions_cost_one_query_however_many(
    scored, client_as, today_plan, django_assert_max_num_queries
):
    for i in range(8):
        project = make_project(
            f"梨园镇风险项目{i}", scored.streets["A2"], scored.orgs["agency"], seq=80 + i
        )
        _accident(scored, project, timezone.localdate())
    refresh_risk(scored.orgs["agency"].pk)
    client = client_as("supervisor")
    client.get(today_plan.get_absolute_url())
    with django_assert_max_num_queries(16):  # as the plan page's own pin
        content = client.get(today_plan.get_absolute_url()).content.decode()
    assert content.count('data-testid="suggest-add-visit"') == 5
