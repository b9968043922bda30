"""Checklist template API: published templates for everyone, drafts for their agency's staff."""

import pytest

from anjian.accounts.services import api_token_create
from anjian.core.testing.personas import make_draft_template, make_template
from anjian.inspections.models import ChecklistTemplate
from anjian.inspections.seeding import KEY_JGJ59, seed_clauses_and_templates

pytestmark = pytest.mark.django_db


def bearer(world, persona):
    _token, key = api_token_create(user=world.users[persona], name="test")
    return {"HTTP_AUTHORIZATION": f"Bearer {key}"}


def test_everyone_signed_in_lists_the_published_templates(world, client):
    make_draft_template(world)
    data = client.get("/api/v1/templates", **bearer(world, "pm")).json()
    assert [(t["key"], t["version"], t["status"]) for t in data] == [
        ("test-checklist", 1, "published")
    ]
    assert data[0]["owner_name"] == world.orgs["agency"].name


def test_staff_ask_for_every_version_with_all(world, client):
    make_draft_template(world)
    data = client.get("/api/v1/templates?all=1", **bearer(world, "supervisor")).json()
    assert [t["version"] for t in data] == [2, 1]
    outsider = client.get("/api/v1/templates?all=1", **bearer(world, "outsider")).json()
    assert [t["version"] for t in outsider] == [1]
    company = client.get("/api/v1/templates?all=1", **bearer(world, "pm")).json()
    assert [t["version"] for t in company] == [1]


def test_the_list_filters_by_key(world, client):
    make_template(world)
    data = client.get("/api/v1/templates?key=nothing", **bearer(world, "pm")).json()
    assert data == []


def test_a_template_comes_with_its_sections_items_and_deduction_lines(world, client):
    template = make_template(world)
    data = client.get(f"/api/v1/templates/{template.pk}", **bearer(world, "pm")).json()
    [section] = data["sections"]
    assert section["code"] == "B.1" and section["has_guarantee_split"] is True
    first = section["items"][0]
    assert first["code"] == "B.1-1" and first["is_guarantee"] is True
    assert float(first["points"]) == 60
    assert first["deduction_lines"] == [
        {"kind": "fixed", "text": "未落实安全生产责任制", "min": 10.0, "max": 10.0, "per": None}
    ]
    assert data["summary_weights"] == {"MANAGE": 100.0}


def test_a_draft_is_hidden_from_companies_and_other_agencies(world, client):
    draft = make_draft_template(world)
    assert client.get(f"/api/v1/templates/{draft.pk}", **bearer(world, "pm")).status_code == 404
    assert (
        client.get(f"/api/v1/templates/{draft.pk}", **bearer(world, "outsider")).status_code == 404
    )
    assert client.get(f"/api/v1/templates/{draft.pk}", **bearer(world, "chief")).status_code == 200


def test_a_superseded_version_stays_readable_by_staff(world, client):
    from anjian.inspections.services.checklists import template_publish

    v1 = make_template(world)
    template_publish(template=make_draft_template(world), by=world.users["admin"])
    assert client.get(f"/api/v1/templates/{v1.pk}", **bearer(world, "outsider")).status_code == 200
    assert client.get(f"/api/v1/templates/{v1.pk}", **bearer(world, "pm")).status_code == 404


def test_anonymous_callers_are_refused(world, client):
    assert client.get("/api/v1/templates").status_code == 401
    assert client.get("/api/v1/major-clauses").status_code == 401


def test_major_clauses_list_the_53_clauses_with_their_codes(world, client):
    seed_clauses_and_templates(owner=world.orgs["agency"])
    data = client.get("/api/v1/major-clauses", **bearer(world, "safety")).json()
    assert len(data) == 53
    assert data[0]["code"] == "MH2024-4-1" and data[0]["label"] == "第4条第1项"


def test_the_jgj59_template_reads_in_a_fixed_number_of_queries(
    world, client, django_assert_max_num_queries
):
    seed_clauses_and_templates(owner=world.orgs["agency"])
    template = ChecklistTemplate.objects.get(key=KEY_JGJ59)
    headers = bearer(world, "supervisor")
    with django_assert_max_num_queries(8):
        data = client.get(f"/api/v1/templates/{template.pk}", **headers).json()
    assert len(data["sections"]) == 19
    assert sum(len(s["items"]) for s in data["sections"]) > 150
