"""Supervision-plan API: the same services and scoping as the pages."""

import pytest
from django.utils import timezone

from anjian.inspections.choices import PlanStatus, VisitStatus
from anjian.inspections.models import PlannedVisit, RandomDraw, SupervisionPlan
from anjian.inspections.services.plans import plan_create, visit_add


@pytest.fixture
def today():
    return timezone.localdate()


@pytest.fixture
def plan(world, today):
    return plan_create(month=today, by=world.users["chief"])


@pytest.fixture
def visit(world, plan, today):
    return visit_add(
        plan=plan,
        project=world.projects["P"],
        date=today,
        inspectors=[world.users["supervisor"], world.users["chief"]],
        by=world.users["chief"],
    )


def _post(client, url, body):
    return client.post(url, body, content_type="application/json")


def test_staff_list_their_agency_plans_with_visit_counts(world, plan, visit, client_as):
    response = client_as("leader").get("/api/v1/plans")
    assert response.status_code == 200
    items = response.json()["items"]
    assert [(p["id"], p["visit_count"]) for p in items] == [(plan.pk, 1)]
    assert client_as("outsider").get("/api/v1/plans").json()["items"] == []


def test_company_users_get_404_for_plans(world, plan, client_as):
    assert client_as("pm").get("/api/v1/plans").status_code == 404
    assert client_as("pm").get(f"/api/v1/plans/{plan.pk}").status_code == 404


def test_plan_detail_includes_visits_with_inspectors_and_flags(world, plan, visit, client_as):
    project = world.projects["P"]
    project.pit_depth = 6
    project.save()
    data = client_as("supervisor").get(f"/api/v1/plans/{plan.pk}").json()
    assert data["month"] == plan.month.isoformat()
    [item] = data["visits"]
    assert item["project_id"] == project.pk
    assert {p["id"] for p in item["inspectors"]} == {
        world.users["supervisor"].pk,
        world.users["chief"].pk,
    }
    assert item["frequent_reasons"]


def test_supervisor_creates_a_plan(world, client_as):
    response = _post(client_as("supervisor"), "/api/v1/plans", {"month": "2026-07-15"})
    assert response.status_code == 201
    assert response.json()["month"] == "2026-07-01"
    assert SupervisionPlan.objects.get().agency == world.orgs["agency"]


def test_leader_may_not_create_a_plan(world, client_as):
    response = _post(client_as("leader"), "/api/v1/plans", {"month": "2026-07-01"})
    assert response.status_code == 403


def test_adding_a_visit_checks_the_rules_with_a_chinese_message(world, plan, client_as, today):
    client = client_as("supervisor")
    url = f"/api/v1/plans/{plan.pk}/visits"
    body = {
        "project_id": world.projects["Q"].pk,
        "date": today.isoformat(),
        "inspector_ids": [world.users["supervisor"].pk],
    }
    response = _post(client, url, body)
    assert response.status_code == 400
    assert "至少" in response.json()["detail"]
    body["inspector_ids"].append(world.users["chief"].pk)
    response = _post(client, url, body)
    assert response.status_code == 201
    assert response.json()["status"] == VisitStatus.PLANNED


def test_a_project_outside_the_users_view_is_404(world, plan, client_as, today):
    response = _post(
        client_as("supervisor"),
        f"/api/v1/plans/{plan.pk}/visits",
        {
            "project_id": world.projects["R"].pk,
            "date": today.isoformat(),
            "inspector_ids": [world.users["supervisor"].pk, world.users["chief"].pk],
        },
    )
    assert response.status_code == 404


def test_chief_publishes_through_the_api(world, plan, visit, client_as):
    assert _post(client_as("supervisor"), f"/api/v1/plans/{plan.pk}/publish", {}).status_code == 403
    response = _post(client_as("chief"), f"/api/v1/plans/{plan.pk}/publish", {})
    assert response.status_code == 200 and response.json()["status"] == PlanStatus.PUBLISHED


def test_cancel_a_visit(world, visit, client_as):
    response = _post(client_as("chief"), f"/api/v1/visits/{visit.pk}/cancel", {"reason": "停工"})
    assert response.status_code == 200
    assert response.json()["status"] == VisitStatus.CANCELLED
    assert "停工" in PlannedVisit.objects.get().note


def test_my_visits_in_a_date_range(world, plan, visit, client_as, today):
    client = client_as("supervisor")
    url = f"/api/v1/visits?inspector=me&date_from={today}&date_to={today}"
    assert [v["id"] for v in client.get(url).json()["items"]] == [visit.pk]
    assert client_as("leader").get(url).json()["items"] == []


def test_a_draw_is_stored_and_reproducible_through_the_api(world, plan, client_as):
    response = _post(
        client_as("chief"), "/api/v1/draws", {"k": 2, "seed": "api-seed", "plan_id": plan.pk}
    )
    assert response.status_code == 201, response.json()
    data = response.json()
    assert data["seed"] == "api-seed" and data["reproducible"] is True
    assert len(data["pairs"]) == 2 and len(data["visit_ids"]) == 2
    detail = client_as("leader").get(f"/api/v1/draws/{data['id']}").json()
    assert detail["inputs"] == RandomDraw.objects.get().inputs
    assert client_as("outsider").get(f"/api/v1/draws/{data['id']}").status_code == 404


def test_a_draw_larger_than_the_pool_is_a_400(world, client_as):
    response = _post(client_as("chief"), "/api/v1/draws", {"k": 9})
    assert response.status_code == 400
    assert not RandomDraw.objects.exists()
