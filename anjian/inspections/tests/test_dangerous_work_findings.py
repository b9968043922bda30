"""Supervisor checks of dangerous works (issue 5 point 4): a finding may name a 危大工程 of the
inspected project; the form suggests the 2024 clause its state points to; the hazard keeps the
link."""

import re

import pytest
from django.urls import reverse
from django.utils import timezone

from anjian.accounts.services import api_token_create
from anjian.core.errors import DomainError
from anjian.dangerous_works import services as works
from anjian.dangerous_works.models import DangerousWork, WorkStep
from anjian.dangerous_works.testing import register
from anjian.inspections.forms import FindingForm
from anjian.inspections.models import InspectionAnswer, MajorHazardClause
from anjian.inspections.seeding import seed_clauses
from anjian.inspections.services import records as svc
from anjian.inspections.testing import jpeg, record_objects, signature_data_url

pytestmark = pytest.mark.django_db


@pytest.fixture
def setup(world):
    seed_clauses()
    works.seed_threshold_rules()


@pytest.fixture
def work(world, setup):
    """A 5.5 m pit (超过一定规模) without argumentation, due to start today: 4④ is suggested."""
    return register(world, 5.5, planned_start=timezone.localdate())


@pytest.fixture
def clause_4_4(setup):
    return MajorHazardClause.objects.get(article=4, item=4)


@pytest.fixture
def inspection(world, supervisor2):
    objects = record_objects(world)
    return svc.inspection_start(
        project=world.projects["P"],
        template=objects["template"],
        by=world.users["supervisor"],
        inspectors=[supervisor2],
    )


def other_project_work(world):
    return DangerousWork.objects.create(
        project=world.projects["Q"],
        number="WQ-1",
        name="Q项目脚手架",
        category="SCAFFOLD",
        subtype="floor",
        level="danger",
        location="2#楼",
    )


def inspected_steps(work):
    return WorkStep.objects.filter(work=work, action="inspected")


def test_the_work_suggests_clause_4_4(work, clause_4_4):
    assert work.level == "super"
    assert works.suggested_clauses(work)[0] == (4, 4)


def test_finding_save_links_the_work_and_writes_one_inspected_step(world, inspection, work):
    supervisor = world.users["supervisor"]
    finding = svc.finding_save(
        inspection=inspection,
        by=supervisor,
        description="超规模基坑方案未论证即开挖",
        location="1#楼基坑",
        dangerous_work=work,
    )
    assert finding.dangerous_work == work
    step = inspected_steps(work).get()
    assert step.actor == supervisor
    assert step.comment == "超规模基坑方案未论证即开挖"
    assert step.payload == {"inspection": inspection.pk, "finding": finding.pk}
    assert step.label == "监督检查"
    # saving the finding again (still linked) writes no second step
    svc.finding_save(
        inspection=inspection,
        by=supervisor,
        description="超规模基坑方案未论证即开挖，已开挖2m",
        location="1#楼基坑",
        dangerous_work=work,
        finding=finding,
    )
    assert inspected_steps(work).count() == 1
    # unlinking keeps the history; a new finding on the same work is a new step
    svc.finding_save(
        inspection=inspection, by=supervisor, description="x", location="y", finding=finding
    )
    finding.refresh_from_db()
    assert finding.dangerous_work is None
    svc.finding_save(
        inspection=inspection,
        by=supervisor,
        description="无第三方监测",
        location="1#楼基坑",
        dangerous_work=work,
    )
    assert inspected_steps(work).count() == 2


def test_finding_save_refuses_a_work_of_another_project(world, inspection, setup):
    foreign = other_project_work(world)
    with pytest.raises(DomainError) as error:
        svc.finding_save(
            inspection=inspection,
            by=world.users["supervisor"],
            description="脚手架连墙件缺失",
            location="2#楼",
            dangerous_work=foreign,
        )
    assert error.value.field == "dangerous_work"
    assert not inspection.findings.exists()
    assert not inspected_steps(foreign).exists()


def test_the_finding_form_lists_open_works_of_the_project_with_the_suggested_clause(
    world, inspection, work, clause_4_4, client_as
):
    cancelled = register(world, 3.5, name="4#楼基坑")
    DangerousWork.objects.filter(pk=cancelled.pk).update(status="cancelled")
    foreign = other_project_work(world)
    body = client_as("supervisor").get(inspection.get_absolute_url()).content.decode()
    assert 'data-testid="dangerous-work"' in body and 'name="dangerous_work"' in body
    assert f'value="{work.pk}"' in body and work.number in body and work.name in body
    assert f'data-clause="{clause_4_4.pk}"' in body
    assert clause_4_4.label in body  # the hint names the clause
    assert work.status_label in body and "超过一定规模" in body
    assert "4#楼基坑" not in body
    assert foreign.name not in body


def test_the_form_has_no_select_without_open_works(world, inspection, setup):
    form = FindingForm(inspection=inspection)
    assert "dangerous_work" not in form.fields
    assert "dangerous_work" not in FindingForm().fields


def test_a_finding_posted_from_the_page_is_linked_and_shown(
    world, inspection, work, clause_4_4, client_as
):
    client = client_as("supervisor")
    response = client.post(
        reverse("inspections:finding_create", args=[inspection.pk]),
        {
            "description": "超规模基坑方案未经专家论证",
            "location": "1#楼基坑",
            "grade": "major",
            "major_clause": clause_4_4.pk,
            "dangerous_work": work.pk,
        },
    )
    assert response.status_code == 302
    finding = inspection.findings.get()
    assert finding.dangerous_work == work and finding.major_clause == clause_4_4
    assert inspected_steps(work).count() == 1
    body = client.get(inspection.get_absolute_url()).content.decode()
    assert 'data-testid="finding-dangerous-work"' in body
    assert work.get_absolute_url() in body
    # the edit page preselects the work; saving again adds no step
    edit = reverse("inspections:finding_edit", args=[inspection.pk, finding.pk])
    page = client.get(edit).content.decode()
    assert re.search(rf'<option value="{work.pk}"[^>]* selected', page)
    response = client.post(
        edit,
        {
            "description": "超规模基坑方案未经专家论证",
            "location": "1#楼基坑",
            "grade": "major",
            "major_clause": clause_4_4.pk,
            "dangerous_work": work.pk,
        },
    )
    assert response.status_code == 302
    assert inspected_steps(work).count() == 1


def test_a_completed_work_stays_selectable_on_its_findings(world, inspection, work):
    finding = svc.finding_save(
        inspection=inspection,
        by=world.users["supervisor"],
        description="验收前投入使用",
        location="1#楼基坑",
        dangerous_work=work,
    )
    DangerousWork.objects.filter(pk=work.pk).update(status="completed")
    inspection = type(inspection).objects.get(pk=inspection.pk)
    form = FindingForm(instance=finding, inspection=inspection)
    assert str(work.pk) in dict(form.fields["dangerous_work"].choices)
    assert "dangerous_work" not in FindingForm(inspection=inspection).fields  # no open work


def test_a_finished_inspection_gives_a_hazard_linked_to_the_work(
    world, inspection, work, clause_4_4, supervisor2, client_as
):
    supervisor = world.users["supervisor"]
    item = record_objects(world)["item"]
    svc.inspection_answer(inspection=inspection, item=item, by=supervisor, result="noncompliant")
    answer = InspectionAnswer.objects.get(inspection=inspection, item=item)
    svc.inspection_photo_add(inspection=inspection, by=supervisor, data=jpeg(), answer=answer)
    svc.finding_save(
        inspection=inspection,
        by=supervisor,
        answer=answer,
        description="超规模基坑方案未经专家论证即开挖",
        location="1#楼基坑",
        grade="major",
        major_clause=clause_4_4,
        dangerous_work=work,
    )
    for inspector in (supervisor, supervisor2):
        svc.inspection_sign(
            inspection=inspection,
            by=supervisor,
            role="inspector",
            image_data=signature_data_url(),
            signer=inspector,
        )
    svc.inspection_finish(
        inspection=inspection, by=supervisor, notice_kind="partial_stop", stop_scope="1#楼基坑"
    )
    hazard = inspection.hazards.get()
    assert hazard.dangerous_work == work and hazard.major_clause == clause_4_4
    client = client_as("supervisor")
    body = client.get(hazard.get_absolute_url()).content.decode()
    assert 'data-testid="hazard-dangerous-work"' in body
    assert work.get_absolute_url() in body and work.number in body
    _token, key = api_token_create(user=supervisor, name="t")
    data = client.get(f"/api/v1/hazards/{hazard.pk}", HTTP_AUTHORIZATION=f"Bearer {key}").json()
    assert data["dangerous_work_id"] == work.pk


def test_the_api_accepts_dangerous_work_id(world, inspection, work, clause_4_4, client):
    _token, key = api_token_create(user=world.users["supervisor"], name="t")
    headers = {"HTTP_AUTHORIZATION": f"Bearer {key}"}
    url = f"/api/v1/inspections/{inspection.pk}/findings"
    created = client.post(
        url,
        {
            "description": "超规模基坑方案未经专家论证",
            "location": "1#楼基坑",
            "grade": "major",
            "major_clause": clause_4_4.code,
            "dangerous_work_id": work.pk,
        },
        content_type="application/json",
        **headers,
    )
    assert created.status_code == 201, created.content
    assert created.json()["dangerous_work_id"] == work.pk
    assert inspected_steps(work).count() == 1
    detail = client.get(f"/api/v1/inspections/{inspection.pk}", **headers).json()
    assert detail["findings"][0]["dangerous_work_id"] == work.pk
    foreign = other_project_work(world)
    refused = client.post(
        url,
        {"description": "a", "location": "b", "dangerous_work_id": foreign.pk},
        content_type="application/json",
        **headers,
    )
    assert refused.status_code == 400
    unknown = client.post(
        url,
        {"description": "a", "location": "b", "dangerous_work_id": 999999},
        content_type="application/json",
        **headers,
    )
    assert unknown.status_code == 400
    assert inspection.findings.count() == 1
