import pytest

from anjian.accounts.services import api_token_create

pytestmark = pytest.mark.django_db


def bearer(world, persona):
    _token, key = api_token_create(user=world.users[persona], name="test")
    return {"HTTP_AUTHORIZATION": f"Bearer {key}"}


def test_project_list_with_a_token_shows_only_visible_projects(world, client):
    response = client.get("/api/v1/projects", **bearer(world, "pm2"))
    data = response.json()
    assert response.status_code == 200
    assert [item["name"] for item in data["items"]] == [world.projects["Q"].name]
    assert data["count"] == 1


def test_project_list_filters_like_the_page(world, client):
    headers = bearer(world, "admin")
    found = client.get("/api/v1/projects", {"q": "0301010"}, **headers).json()
    assert [i["id"] for i in found["items"]] == [world.projects["P"].pk]
    by_group = client.get("/api/v1/projects", {"group": world.orgs["group"].pk}, **headers).json()
    assert {i["id"] for i in by_group["items"]} == {
        world.projects["P"].pk,
        world.projects["R"].pk,
    }
    assert found["items"][0]["contractor"] == world.orgs["contractor_a"].name


def test_project_detail_includes_units_and_people(world, client):
    response = client.get(f"/api/v1/projects/{world.projects['P'].pk}", **bearer(world, "pm"))
    data = response.json()
    assert {p["role"] for p in data["participants"]} == {"contractor", "builder", "supervision"}
    assert {m["role"] for m in data["members"]} == {"pm", "safety_officer", "chief_engineer"}


def test_pm2_gets_404_for_pms_project_through_the_api(world, client):
    response = client.get(f"/api/v1/projects/{world.projects['P'].pk}", **bearer(world, "pm2"))
    assert response.status_code == 404
    assert response.json()["detail"]


def test_pagination_is_page_based(world, client):
    data = client.get("/api/v1/projects", {"page_size": 1, "page": 2}, **bearer(world, "admin"))
    assert data.status_code == 200 and len(data.json()["items"]) == 1


def test_openapi_description_lists_the_operations(client):
    schema = client.get("/api/v1/openapi.json").json()
    assert "/api/v1/projects" in schema["paths"]
    assert "/api/v1/organizations/{org_id}" in schema["paths"]


def test_session_authenticated_api_call(world, client_as):
    response = client_as("grouphq").get("/api/v1/organizations")
    names = {o["name"] for o in response.json()["items"]}
    assert world.orgs["contractor_a"].name in names
    assert world.orgs["contractor_b"].name not in names
