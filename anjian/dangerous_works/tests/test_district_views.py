"""The district view (list, counts, map, export), the project tab, the classification preview,
the threshold table and the home panel."""

import io
from decimal import Decimal

import pytest
from django.contrib.messages import get_messages
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import load_workbook

from anjian.core.errors import DomainError
from anjian.dangerous_works import services as svc
from anjian.dangerous_works import thresholds, workflow
from anjian.dangerous_works.excel import HEADERS
from anjian.dangerous_works.models import CategorySetting, DangerousWork, ThresholdRule
from anjian.dangerous_works.testing import register, work_objects

LIST = reverse("dangerous_works:list")
MAP = reverse("dangerous_works:map_data")
EXPORT = reverse("dangerous_works:export")
CLASSIFY = reverse("dangerous_works:classify")
THRESHOLDS = reverse("dangerous_works:thresholds")


@pytest.fixture
def works(world):
    return work_objects(world)


def _numbers(response) -> set[str]:
    return {w.number for w in response.context["page"].object_list}


def _super_rule() -> ThresholdRule:
    return ThresholdRule.objects.get(
        category="PIT", subtype="excavation", level=thresholds.SUPER, param="excavation_depth"
    )


# --- the list --------------------------------------------------------------------------------


@pytest.mark.parametrize("persona", ["supervisor", "chief", "leader", "admin", "pm", "engineer"])
def test_list_shows_the_works_of_visible_projects(world, works, client_as, persona):
    response = client_as(persona).get(LIST)
    assert response.status_code == 200
    expected = {works[k].number for k in ("identified", "review", "building")}
    assert _numbers(response) == expected
    html = response.content.decode()
    assert works["building"].get_absolute_url() in html
    assert reverse("dangerous_works:project_tab", args=[world.projects["P"].pk]) in html


@pytest.mark.parametrize("persona", ["pm2", "outsider"])
def test_works_of_project_p_are_not_listed_for_others(world, works, client_as, persona):
    response = client_as(persona).get(LIST)
    assert response.status_code == 200
    assert _numbers(response) == set()
    assert works["building"].number not in response.content.decode()
    assert response.context["counts"]["total"] == 0


def test_list_needs_a_signed_in_user(works, client_as):
    response = client_as("anonymous").get(LIST)
    assert response.status_code == 302


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({"status": workflow.IN_PROGRESS}, {"building"}),
        ({"status": workflow.SUPERVISOR_REVIEW}, {"review"}),
        ({"level": thresholds.SUPER}, {"building"}),
        ({"level": thresholds.DANGER}, {"identified", "review"}),
        ({"warning": "monitoring_alarm"}, {"building"}),
        ({"warning": "any"}, {"building"}),
        ({"warning": "acceptance_overdue"}, set()),
        ({"on_site": "on"}, {"building"}),
        ({"on_site": "1", "level": thresholds.DANGER}, set()),
        ({"on_site": "0"}, {"identified", "review", "building"}),
        ({"open": "on"}, {"identified", "review", "building"}),
        ({"category": "PIT"}, {"identified", "review", "building"}),
        ({"category": "SCAFFOLD"}, set()),
        ({"q": "2#楼"}, {"identified"}),
        ({"q": "  3#楼基坑  "}, {"review"}),
    ],
)
def test_list_filters(world, works, client_as, query, expected):
    response = client_as("supervisor").get(LIST, query)
    assert response.status_code == 200
    assert _numbers(response) == {works[k].number for k in expected}


def test_list_filters_by_street(world, works, client_as):
    client = client_as("supervisor")
    assert len(_numbers(client.get(LIST, {"street": world.streets["A1"].pk}))) == 3
    assert _numbers(client.get(LIST, {"street": world.streets["A2"].pk})) == set()


def test_rows_show_level_status_and_warning_badges(works, client_as):
    html = client_as("supervisor").get(LIST, {"status": workflow.IN_PROGRESS}).content.decode()
    assert "超过一定规模" in html
    assert workflow.STATUS_LABELS[workflow.IN_PROGRESS] in html
    assert 'data-warning="monitoring_alarm"' in html
    assert "text-bg-danger" in html


def test_counts_by_status_level_category_and_warning(works, client_as):
    response = client_as("supervisor").get(LIST)
    counts = response.context["counts"]
    assert counts["total"] == 3
    assert counts["on_site"] == 1
    assert dict((k, n) for k, _label, n in counts["level"]) == {
        thresholds.DANGER: 2,
        thresholds.SUPER: 1,
    }
    by_status = {k: n for k, _label, n in counts["status"]}
    assert by_status[workflow.IDENTIFIED] == 1
    assert by_status[workflow.SUPERVISOR_REVIEW] == 1
    assert by_status[workflow.IN_PROGRESS] == 1
    assert {k: n for k, _l, n in counts["category"]}["PIT"] == 3
    warnings = {k: n for k, _label, _colour, n in counts["warnings"]}
    assert warnings["monitoring_alarm"] == 1
    assert warnings["started_before_approval"] == 0
    html = response.content.decode()
    assert 'data-testid="count-total">3<' in html
    assert 'data-testid="count-level-super">1<' in html
    assert 'data-testid="count-warning-monitoring_alarm">1<' in html
    # Each pill is a link that sets its filter.
    assert 'href="?warning=monitoring_alarm"' in html
    assert 'href="?level=super"' in html
    assert f'href="?status={workflow.IN_PROGRESS}"' in html


def test_counts_stay_under_a_pill_filter_so_other_pills_remain_clickable(works, client_as):
    response = client_as("supervisor").get(LIST, {"status": workflow.IN_PROGRESS})
    assert len(_numbers(response)) == 1
    assert response.context["counts"]["total"] == 3


def test_htmx_filter_request_returns_only_the_results(works, client_as):
    response = client_as("supervisor").get(LIST, {"level": "super"}, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    html = response.content.decode()
    assert html.lstrip().startswith('<div id="results">')
    assert "<html" not in html
    assert 'data-testid="sort-planned"' in html
    assert works["building"].number in html


@pytest.mark.parametrize(
    "query",
    [
        {"status": "nonsense", "level": "x", "category": "<b>", "warning": "nope"},
        {"street": "abc", "project": "99999999", "sort": "-password"},
        {"page": "999", "on_site": "maybe", "open": "0"},
        {"q": "x" * 500},
    ],
)
def test_bad_filters_are_ignored(works, client_as, query):
    response = client_as("supervisor").get(LIST, query)
    assert response.status_code == 200


def test_list_page_queries_do_not_grow_with_works(
    world, works, client_as, django_assert_max_num_queries
):
    client = client_as("supervisor")
    client.get(LIST)  # warm the session and the content types

    def queries():
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(LIST).status_code == 200
        return len(ctx.captured_queries)

    few = queries()
    for n in range(12):
        register(world, 3 + n % 4, name=f"{n}#楼基坑")
    assert DangerousWork.objects.count() == 15
    many = queries()
    assert few == many
    with django_assert_max_num_queries(16):
        client.get(LIST, {"warning": "any", "sort": "planned", "street": world.streets["A1"].pk})


def test_agency_staff_see_the_link_to_the_threshold_table(works, client_as):
    assert THRESHOLDS in client_as("supervisor").get(LIST).content.decode()
    assert THRESHOLDS not in client_as("pm").get(LIST).content.decode()


# --- the map ---------------------------------------------------------------------------------


def _place(project, lat="39.880000", lng="116.690000"):
    project.latitude, project.longitude = Decimal(lat), Decimal(lng)
    project.save(update_fields=["latitude", "longitude"])


def test_map_has_a_marker_for_a_project_with_coordinates(world, works, client_as):
    _place(world.projects["P"])
    response = client_as("supervisor").get(MAP)
    assert response.status_code == 200
    data = response.json()
    assert data["count"] == 1
    (point,) = data["points"]
    assert point["project"] == world.projects["P"].name
    assert point["lat"] == pytest.approx(39.88)
    assert point["lng"] == pytest.approx(116.69)
    assert point["super"] is True  # the 5.5 m excavation
    # Only works on site by default.
    assert [w["url"] for w in point["works"]] == [works["building"].get_absolute_url()]


def test_map_honours_the_filters(world, works, client_as):
    _place(world.projects["P"])
    client = client_as("supervisor")
    everything = client.get(MAP, {"on_site": "0"}).json()
    assert len(everything["points"][0]["works"]) == 3
    danger = client.get(MAP, {"on_site": "0", "level": thresholds.DANGER}).json()
    assert len(danger["points"][0]["works"]) == 2
    assert danger["points"][0]["super"] is False
    assert client.get(MAP, {"level": thresholds.DANGER}).json()["points"] == []


def test_map_leaves_out_projects_without_coordinates_and_invisible_ones(world, works, client_as):
    assert client_as("supervisor").get(MAP).json()["points"] == []
    _place(world.projects["P"])
    assert client_as("pm2").get(MAP).json()["points"] == []
    assert client_as("outsider").get(MAP).json()["points"] == []


def test_list_page_carries_the_map(works, client_as):
    html = client_as("supervisor").get(LIST).content.decode()
    assert 'id="dwork-map"' in html
    assert MAP in html
    assert "vendor/leaflet/leaflet.js" in html
    assert 'id="dwork-map-config"' in html


# --- the export ------------------------------------------------------------------------------


def _sheet(response):
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    workbook = load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    return list(workbook.worksheets[0].iter_rows(values_only=True))


def test_export_has_a_row_per_work(world, works, client_as):
    rows = _sheet(client_as("supervisor").get(EXPORT))
    assert list(rows[0]) == HEADERS
    by_number = {row[0]: row for row in rows[1:]}
    assert set(by_number) == {works[k].number for k in ("identified", "review", "building")}
    building = by_number[works["building"].number]
    assert building[2] == world.projects["P"].name
    assert building[3] == world.streets["A1"].name
    assert building[4] == "基坑工程"
    assert building[6] == "超过一定规模"
    assert "开挖深度≥5m" in building[7]
    assert building[8] == workflow.STATUS_LABELS[workflow.IN_PROGRESS]
    assert "监测报警未处置" in building[12]
    assert building[13].startswith("http://testserver/dangerous-works/")


def test_export_honours_the_filters_and_visibility(works, client_as):
    rows = _sheet(client_as("supervisor").get(EXPORT, {"level": thresholds.DANGER}))
    assert len(rows) == 3
    assert len(_sheet(client_as("pm2").get(EXPORT))) == 1


# --- the classification preview ------------------------------------------------------------


def _classify(client, depth, **extra):
    params = {"subtype": "PIT:excavation", "param_excavation_depth": depth, **extra}
    response = client.get(CLASSIFY, params)
    assert response.status_code == 200
    return response.content.decode()


def test_classify_55_m_excavation_is_over_threshold(works, client_as):
    html = _classify(client_as("pm"), "5.5")
    assert 'data-level="super"' in html
    assert "超过一定规模" in html
    assert "开挖深度≥5m" in html
    assert 'data-testid="classify-expert"' in html


def test_classify_4_m_excavation_is_a_dangerous_work(works, client_as):
    html = _classify(client_as("pm"), "4")
    assert 'data-level="danger"' in html
    assert "开挖深度≥3m" in html


def test_classify_2_m_excavation_is_not_dangerous(works, client_as):
    html = _classify(client_as("pm"), "2")
    assert 'data-level="none"' in html
    assert thresholds.LEVEL_LABELS[thresholds.NONE] in html


def test_classify_yes_no_parameter_is_a_checkbox(works, client_as):
    html = _classify(client_as("pm"), "2", param_complex_conditions="on")
    assert 'data-level="danger"' in html
    assert thresholds.PARAMETERS["complex_conditions"][0] in html


def test_classify_bad_number_shows_the_message(works, client_as):
    with pytest.raises(DomainError) as error:
        svc.clean_params("PIT", "excavation", {"excavation_depth": "abc"})
    html = _classify(client_as("pm"), "abc")
    assert 'data-testid="classify-error"' in html
    assert "开挖深度" in html
    assert str(error.value.message) in html


@pytest.mark.parametrize(
    "params",
    [
        {"subtype": "NOPE:nothing"},
        {"subtype": "PIT"},
        {"subtype": "PIT:excavation", "param_excavation_depth": "-1"},
        {"subtype": "PIT:excavation", "param_excavation_depth": "1e400"},
        {"subtype": "PIT:excavation", "param_excavation_depth": "NaN"},
    ],
)
def test_classify_bad_input_is_a_message_never_an_error(works, client_as, params):
    response = client_as("pm").get(CLASSIFY, params)
    assert response.status_code == 200
    assert 'data-testid="classify-error"' in response.content.decode()


def test_classify_without_subtype_prompts(works, client_as):
    response = client_as("pm").get(CLASSIFY)
    assert response.status_code == 200
    assert "classify-level" not in response.content.decode()


def test_classify_needs_a_signed_in_user(client_as):
    assert client_as("anonymous").get(CLASSIFY, {"subtype": "PIT:excavation"}).status_code == 302


# --- the threshold table -------------------------------------------------------------------


@pytest.mark.parametrize("persona", ["supervisor", "chief", "leader", "admin"])
def test_thresholds_page_is_readable_by_agency_staff(works, client_as, persona):
    response = client_as(persona).get(THRESHOLDS)
    assert response.status_code == 200
    html = response.content.decode()
    assert "开挖深度≥5m" in html
    assert "基坑开挖、支护、降水" in html
    assert 'data-testid="not-retroactive"' in html
    assert 'data-testid="category-requirements"' in html


@pytest.mark.parametrize("persona", ["pm", "engineer", "grouphq", "pm2"])
def test_thresholds_page_is_forbidden_to_companies(works, client_as, persona):
    assert client_as(persona).get(THRESHOLDS).status_code == 403


def test_only_administrators_get_the_edit_forms(works, client_as):
    rule = _super_rule()
    edit = reverse("dangerous_works:threshold_edit", args=[rule.pk])
    assert edit not in client_as("supervisor").get(THRESHOLDS).content.decode()
    assert edit in client_as("admin").get(THRESHOLDS).content.decode()


def test_thresholds_page_does_not_accept_posts(works, client_as):
    assert client_as("admin").post(THRESHOLDS).status_code == 405


def test_admin_edits_a_threshold_and_new_registrations_follow(world, works, client_as):
    rule = _super_rule()
    client = client_as("admin")
    response = client.post(
        reverse("dangerous_works:threshold_edit", args=[rule.pk]),
        {"threshold": "6", "is_active": ["0", "1"]},
    )
    assert response.status_code == 302
    assert response["Location"].startswith(THRESHOLDS)
    rule.refresh_from_db()
    assert rule.threshold == Decimal("6.00")
    assert rule.is_active is True
    assert "6m" in client.get(THRESHOLDS).content.decode()
    # A new 5.5 m excavation is now an ordinary dangerous work, and the preview says so.
    assert register(world, 5.5, name="新基坑").level == thresholds.DANGER
    assert 'data-level="danger"' in _classify(client_as("pm"), "5.5")
    assert 'data-level="super"' in _classify(client_as("pm"), "6")
    # Not retroactive: the 5.5 m work registered before stays over threshold.
    works["building"].refresh_from_db()
    assert works["building"].level == thresholds.SUPER


def test_admin_switches_a_rule_off(world, works, client_as):
    rule = _super_rule()
    response = client_as("admin").post(
        reverse("dangerous_works:threshold_edit", args=[rule.pk]),
        {"threshold": "5", "is_active": "0"},
    )
    assert response.status_code == 302
    rule.refresh_from_db()
    assert rule.is_active is False
    assert 'data-level="danger"' in _classify(client_as("pm"), "8")


def test_a_bad_threshold_is_refused_with_a_message(works, client_as):
    rule = _super_rule()
    client = client_as("admin")
    url = reverse("dangerous_works:threshold_edit", args=[rule.pk])
    for bad in ("abc", "0", "-3", ""):
        response = client.post(url, {"threshold": bad, "is_active": "1"}, follow=True)
        assert response.redirect_chain[0][1] == 302
        assert [m.level_tag for m in response.context["messages"]] == ["error"]
        assert "alert-danger" in response.content.decode()
    rule.refresh_from_db()
    assert rule.threshold == Decimal("5.00")


@pytest.mark.parametrize("persona", ["supervisor", "chief", "pm"])
def test_only_administrators_may_edit_rules(works, client_as, persona):
    rule = _super_rule()
    client = client_as(persona)
    threshold = client.post(
        reverse("dangerous_works:threshold_edit", args=[rule.pk]), {"threshold": "9"}
    )
    category = client.post(
        reverse("dangerous_works:category_edit", args=["PIT"]),
        {"monitoring": "", "patrol_hours": "12"},
    )
    assert threshold.status_code == 403
    assert category.status_code == 403
    rule.refresh_from_db()
    assert rule.threshold == Decimal("5.00")
    assert CategorySetting.objects.get(category="PIT").patrol_hours == 24


def test_rule_edits_are_post_only(works, client_as):
    rule = _super_rule()
    client = client_as("admin")
    assert client.get(reverse("dangerous_works:threshold_edit", args=[rule.pk])).status_code == 405
    assert client.get(reverse("dangerous_works:category_edit", args=["PIT"])).status_code == 405
    assert client.post(reverse("dangerous_works:threshold_edit", args=[999999])).status_code == 404


def test_admin_edits_category_requirements(world, works, client_as):
    response = client_as("admin").post(
        reverse("dangerous_works:category_edit", args=["SCAFFOLD"]),
        {"needs_acceptance": ["0", "1"], "monitoring": "danger", "patrol_hours": "12"},
    )
    assert response.status_code == 302
    assert response["Location"].endswith("#category-SCAFFOLD")
    setting = CategorySetting.objects.get(category="SCAFFOLD")
    assert (setting.needs_acceptance, setting.monitoring, setting.patrol_hours) == (
        True,
        "danger",
        12,
    )
    response = client_as("admin").post(
        reverse("dangerous_works:category_edit", args=["PIT"]),
        {"needs_acceptance": "0", "monitoring": "", "patrol_hours": "48"},
    )
    setting = CategorySetting.objects.get(category="PIT")
    assert (setting.needs_acceptance, setting.monitoring, setting.patrol_hours) == (
        False,
        "",
        48,
    )


@pytest.mark.parametrize(
    "data",
    [
        {"monitoring": "", "patrol_hours": "0"},
        {"monitoring": "", "patrol_hours": "721"},
        {"monitoring": "", "patrol_hours": "twelve"},
        {"monitoring": "", "patrol_hours": ""},
        {"monitoring": "always", "patrol_hours": "12"},
    ],
)
def test_category_edit_validates(works, client_as, data):
    response = client_as("admin").post(reverse("dangerous_works:category_edit", args=["PIT"]), data)
    assert response.status_code == 302
    messages = list(get_messages(response.wsgi_request))
    assert [m.level_tag for m in messages] == ["error"]
    setting = CategorySetting.objects.get(category="PIT")
    assert (setting.monitoring, setting.patrol_hours) == ("super", 24)


def test_category_edit_of_an_unknown_category_is_404(works, client_as):
    response = client_as("admin").post(
        reverse("dangerous_works:category_edit", args=["NOPE"]),
        {"monitoring": "", "patrol_hours": "12"},
    )
    assert response.status_code == 404


# --- the project tab -----------------------------------------------------------------------


def _tab(world):
    return reverse("dangerous_works:project_tab", args=[world.projects["P"].pk])


def test_project_tab_lists_the_projects_works(world, works, client_as):
    response = client_as("pm").get(_tab(world))
    assert response.status_code == 200
    html = response.content.decode()
    for key in ("identified", "review", "building"):
        assert works[key].get_absolute_url() in html
    assert 'data-warning="monitoring_alarm"' in html
    assert 'data-testid="count-total">3<' in html
    assert reverse("dangerous_works:register", args=[world.projects["P"].pk]) in html


@pytest.mark.parametrize(
    ("persona", "can_register"),
    [("pm", True), ("safety", True), ("supervisor", True), ("engineer", False), ("leader", False)],
)
def test_register_button_only_for_those_who_may(world, works, client_as, persona, can_register):
    html = client_as(persona).get(_tab(world)).content.decode()
    assert ('data-testid="register-work"' in html) is can_register


@pytest.mark.parametrize("persona", ["pm2", "outsider"])
def test_project_tab_of_an_invisible_project_is_404(world, works, client_as, persona):
    assert client_as(persona).get(_tab(world)).status_code == 404


def test_project_tab_queries_are_pinned(world, works, client_as, django_assert_max_num_queries):
    client = client_as("supervisor")
    client.get(_tab(world))
    for n in range(8):
        register(world, 4, name=f"{n}#楼基坑")
    with django_assert_max_num_queries(15):
        assert client.get(_tab(world)).status_code == 200


# --- the home panel ------------------------------------------------------------------------


def test_home_panel_shows_supervisors_the_works_with_warnings(works, client_as):
    html = client_as("supervisor").get(reverse("core:home")).content.decode()
    assert 'data-testid="home-flagged-work"' in html
    assert works["building"].get_absolute_url() in html
    assert "监测报警未处置" in html


def test_home_panel_shows_the_site_team_its_waiting_works_and_alarms(works, client_as):
    html = client_as("pm").get(reverse("core:home")).content.decode()
    assert 'data-testid="home-waiting-work"' in html
    assert works["identified"].get_absolute_url() in html
    assert 'data-testid="home-alarm"' in html
    assert "ZQS-1" in html


def test_home_panel_is_absent_without_works(world, client_as):
    html = client_as("supervisor").get(reverse("core:home")).content.decode()
    assert "home-dangerous-works" not in html
