import pytest
from django.urls import reverse

from anjian.projects.models import Project
from anjian.projects.selectors import ProjectFilters, projects_filtered

pytestmark = pytest.mark.django_db

EXPECTED_VISIBLE = {
    "supervisor": {"P", "Q"},
    "chief": {"P", "Q"},
    "leader": {"P", "Q"},
    "admin": {"P", "Q", "R"},
    "pm": {"P", "R"},
    "safety": {"P", "R"},
    "engineer": {"P"},
    "pm2": {"Q"},
    "grouphq": {"P", "R"},
    "outsider": {"R"},
}


def names(world, qs):
    by_pk = {p.pk: key for key, p in world.projects.items()}
    return {by_pk[p.pk] for p in qs}


@pytest.mark.parametrize("persona", sorted(EXPECTED_VISIBLE))
def test_each_persona_sees_exactly_their_projects(world, persona):
    visible = Project.objects.visible_to(world.users[persona])
    assert names(world, visible) == EXPECTED_VISIBLE[persona]


def test_anonymous_and_inactive_users_see_nothing(world):
    from django.contrib.auth.models import AnonymousUser

    assert not Project.objects.visible_to(AnonymousUser()).exists()
    pm = world.users["pm"]
    pm.is_active = False
    assert not Project.objects.visible_to(pm).exists()


def test_only_registry_editors_of_the_jurisdiction_may_edit(world):
    assert names(world, Project.objects.editable_by(world.users["supervisor"])) == {"P", "Q"}
    assert not Project.objects.editable_by(world.users["leader"]).exists()
    assert not Project.objects.editable_by(world.users["pm"]).exists()


@pytest.mark.parametrize(
    "text,expected",
    [
        ("0301010", {"P"}),  # part of P's permit number 110112202603010101
        ("B-03", {"P"}),  # part of the name
        ("梨园镇测试路", {"Q"}),  # part of the address
        ("燕潞建设", {"Q"}),  # part of a participating company's name
        ("不存在的工程", set()),
    ],
)
def test_search_matches_name_permit_address_or_company(world, text, expected):
    found = projects_filtered(world.users["admin"], ProjectFilters(q=text))
    assert names(world, found) == expected


def test_filters_by_contractor_group_street_and_status(world):
    admin = world.users["admin"]
    by_contractor = ProjectFilters(contractor=world.orgs["contractor_a"].pk)
    assert names(world, projects_filtered(admin, by_contractor)) == {"P", "R"}
    by_group = ProjectFilters(group=world.orgs["group"].pk)
    assert names(world, projects_filtered(admin, by_group)) == {"P", "R"}
    by_street = ProjectFilters(street=world.streets["A2"].pk)
    assert names(world, projects_filtered(admin, by_street)) == {"Q"}
    Project.objects.filter(pk=world.projects["Q"].pk).update(status="full_stop")
    assert names(world, projects_filtered(admin, ProjectFilters(status="full_stop"))) == {"Q"}


def test_search_never_widens_visibility(world):
    found = projects_filtered(world.users["pm2"], ProjectFilters(q="京通建工"))
    assert names(world, found) == set()


def test_sort_by_name_and_unknown_sort_falls_back(world):
    admin = world.users["admin"]
    ordered = [p.name for p in projects_filtered(admin, ProjectFilters(sort="name"))]
    assert ordered == sorted(ordered)
    assert projects_filtered(admin, ProjectFilters(sort="drop table")).count() == 3


def test_project_list_page_query_count_is_constant(world, client_as, django_assert_max_num_queries):
    from anjian.core.testing.personas import make_project

    agency = world.orgs["agency"]
    for i in range(30):
        make_project(f"批量项目{i}", world.streets["A1"], agency, seq=10 + i)
    client = client_as("supervisor")
    with django_assert_max_num_queries(12):
        response = client.get(reverse("projects:list"))
    assert response.status_code == 200
    assert "批量项目" in response.content.decode()


def test_project_list_htmx_request_returns_only_the_results_partial(world, client_as):
    response = client_as("supervisor").get(
        reverse("projects:list") + "?q=B-03", HTTP_HX_REQUEST="true"
    )
    body = response.content.decode()
    assert 'id="results"' in body and "<html" not in body
    assert world.projects["P"].name in body and world.projects["Q"].name not in body
