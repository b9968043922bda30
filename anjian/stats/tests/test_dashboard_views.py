"""The leader dashboard page and its map: scope per persona, filters, bad input, click-through
URLs in the charts' JSON, and a query count that does not grow with the data."""

import datetime
import json
import re
from urllib.parse import parse_qs, urlsplit

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from anjian.accounts.models import User
from anjian.dangerous_works.models import DangerousWork
from anjian.hazards.models import Hazard, RectificationNotice
from anjian.inspections.models import MajorHazardClause
from anjian.projects.models import Project
from anjian.stats.selectors import DashFilters
from anjian.stats.services import refresh_risk
from anjian.stats.summary import rebuild
from anjian.stats.views.dashboard import MAX_MONTHS, add_months

pytestmark = pytest.mark.django_db

NOW = timezone.now().replace(microsecond=0)
DAY = datetime.timedelta(days=1)
URL = reverse("stats:dashboard")
MAP_URL = reverse("stats:map")
# Fixed whatever the number of projects and hazards (see the last test).
MAX_QUERIES = 20


def month(n: int) -> datetime.date:
    """The first day of the month `n` months before this one."""
    return add_months(timezone.localdate(), -n)


def at(day: datetime.date, hour=10) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour)))


def make_hazard(project, number, **fields) -> Hazard:
    defaults = {
        "agency": project.agency,
        "source": "supervision",
        "description": f"隐患{number}",
        "location": "现场",
        "grade": "general",
        "status": "issued",
        "deadline": NOW + 7 * DAY,
        "found_at": at(month(1)),
    }
    defaults.update(fields)
    return Hazard.objects.create(project=project, number=number, **defaults)


def make_work(project, number, category, level):
    return DangerousWork.objects.create(
        project=project,
        number=number,
        name=f"危大{number}",
        category=category,
        subtype=f"{category}:x",
        level=level,
        location="1#楼",
        status="in_progress",
    )


@pytest.fixture
def data(world):
    """On P (A1, contractor A of group G): an overdue and a major hazard, one closed on time;
    on Q (A2, contractor B): an overdue and a replied hazard, one closed late, a stop notice;
    on R (agency B, contractor A): an overdue major hazard. One 危大 on P and on Q."""
    p, q, r = (world.projects[k] for k in "PQR")
    orgs = world.orgs
    for project, lng, lat in ((p, "116.600000", "39.800000"), (q, "116.700000", "39.900000")):
        Project.objects.filter(pk=project.pk).update(longitude=lng, latitude=lat)
    clause = MajorHazardClause.objects.create(
        code="MH-T-1", label="第8条", article=8, category="起重机械", text="安全装置失效"
    )
    two = month(2)
    h = {
        "P1": make_hazard(p, "P-1", deadline=NOW - 3 * DAY, responsible_org=orgs["contractor_a"]),
        "P2": make_hazard(
            p,
            "P-2",
            grade="major",
            major_clause=clause,
            found_at=NOW - DAY,
            responsible_org=orgs["contractor_a"],
        ),
        "P3": make_hazard(
            p,
            "P-3",
            status="closed",
            found_at=at(two.replace(day=3)),
            deadline=at(two.replace(day=10)),
            closed_at=at(two.replace(day=8)),
        ),
        "Q1": make_hazard(q, "Q-1", deadline=NOW - 2 * DAY, responsible_org=orgs["contractor_b"]),
        "Q2": make_hazard(q, "Q-2", status="replied", found_at=NOW - DAY),
        "Q3": make_hazard(
            q,
            "Q-3",
            status="closed",
            found_at=at(two.replace(day=2)),
            deadline=at(two.replace(day=4)),
            closed_at=at(two.replace(day=12)),
        ),
        "R1": make_hazard(
            r,
            "R-1",
            grade="major",
            major_clause=clause,
            deadline=NOW - DAY,
            responsible_org=orgs["contractor_a"],
        ),
    }
    RectificationNotice.objects.create(
        agency=orgs["agency"],
        project=q,
        kind="full_stop",
        number="通住建安监停字〔2026〕1号",
        status="issued",
        issued_by=world.users["supervisor"],
    )
    make_work(p, "W-1", "PIT", "danger")
    make_work(q, "W-2", "SCAFFOLD", "super")
    rebuild()
    refresh_risk()
    return h


def kpis(response) -> dict:
    return {k["key"]: k["value"] for k in response.context["kpis"]}


def charts(response) -> dict:
    text = response.content.decode()
    match = re.search(
        r'<script id="dash-charts" type="application/json">(.*?)</script>', text, re.S
    )
    assert match, "the charts' JSON is on the page"
    return {c["key"]: c for c in json.loads(match.group(1))}


def row(chart, label):
    return next(r for r in chart["rows"] if r["label"] == label)


# --- access and scope ---------------------------------------------------------------------------


def test_anonymous_is_sent_to_login(client_as):
    for url in (URL, MAP_URL):
        response = client_as("anonymous").get(url)
        assert response.status_code == 302
        assert reverse("accounts:login") in response["Location"]


def test_supervisor_sees_the_jurisdiction_with_where_to_go_next(client_as, data, world):
    response = client_as("supervisor").get(URL)
    assert response.status_code == 200
    assert kpis(response) == {
        "projects": 2,
        "open": 4,
        "overdue": 2,
        "major": 1,
        "works": 2,
        "stop": 1,
    }
    text = response.content.decode()
    assert 'data-testid="where-next"' in text
    assert reverse("stats:risk") in text
    names = [e["risk"].project.name for e in response.context["next"]]
    assert set(names) == {world.projects["P"].name, world.projects["Q"].name}
    assert reverse("stats:project_risk", args=[world.projects["P"].pk]) in text
    assert 'data-testid="updated-at"' in text and "数据更新于" in text
    # the plan is shown to agency staff
    assert [c["name"] for c in charts(response)["inspections"]["columns"]] == [
        "监督检查",
        "计划检查",
    ]


def test_pm2_sees_only_project_q(client_as, data, world):
    response = client_as("pm2").get(URL)
    assert response.status_code == 200
    assert kpis(response) == {
        "projects": 1,
        "open": 2,
        "overdue": 1,
        "major": 0,
        "works": 1,
        "stop": 1,
    }
    text = response.content.decode()
    assert world.projects["P"].name not in text
    assert 'data-testid="where-next"' not in text
    assert 'data-testid="updated-at"' not in text
    # the commission's plan (unannounced visits) is not shown to companies
    assert len(charts(response)["inspections"]["columns"]) == 1
    # the closed hazards of Q: one, closed late after 10 days
    flows = row(charts(response)["rectification"], f"{month(2):%Y-%m}")
    assert [c["value"] for c in flows["cells"]] == [10.0, 0.0, 1, 0]


def test_pm_sees_his_contractors_projects_p_and_r(client_as, data):
    response = client_as("pm").get(URL)
    assert kpis(response) == {
        "projects": 2,
        "open": 3,
        "overdue": 2,
        "major": 2,
        "works": 1,
        "stop": 0,
    }
    assert [h.number for h in response.context["open"]["majors"]] == ["R-1", "P-2"]
    assert [name for _pk, name in response.context["streets"]] == ["台湖镇", "仁和镇"]


def test_group_hq_sees_its_subsidiaries_projects_in_every_district(client_as, data):
    response = client_as("grouphq").get(URL)
    assert response.status_code == 200
    values = kpis(response)
    assert (values["open"], values["overdue"], values["major"]) == (3, 2, 2)
    group = charts(response)["overdue_group"]
    assert [(r["label"], r["cells"][0]["value"]) for r in group["rows"]] == [
        ("京通建工集团有限公司", 2)
    ]


def test_flows_of_agency_staff_come_from_the_summary(client_as, data):
    response = client_as("supervisor").get(URL)
    data_ = charts(response)
    closed = row(data_["rectification"], f"{month(2):%Y-%m}")
    # P-3 closed on time after 5 days, Q-3 late after 10: 50 %, median 7.5 days
    assert [c["value"] for c in closed["cells"]] == [7.5, 50.0, 2, 1]
    found = row(data_["found"], f"{month(1):%Y-%m}")
    assert [c["value"] for c in found["cells"]] == [2, 0]  # P-1 and Q-1, general


# --- filters --------------------------------------------------------------------------------------


def test_default_period_is_the_last_12_months(client_as, data):
    response = client_as("supervisor").get(URL)
    filters = response.context["filters"]
    assert filters == DashFilters.default()
    assert len(charts(response)["found"]["rows"]) == 12
    assert not response.context["problems"]


def test_street_filter_narrows_every_figure(client_as, data, world):
    a2 = world.streets["A2"]
    response = client_as("supervisor").get(URL, {"street": a2.pk})
    assert response.context["filters"].street == a2.pk
    assert kpis(response) == {
        "projects": 1,
        "open": 2,
        "overdue": 1,
        "major": 0,
        "works": 1,
        "stop": 1,
    }
    found = row(charts(response)["found"], f"{month(1):%Y-%m}")
    assert [c["value"] for c in found["cells"]] == [1, 0]
    query = parse_qs(urlsplit(found["cells"][0]["url"]).query)
    assert query["street"] == [str(a2.pk)]
    # the status links keep the street
    for status in response.context["project_status"]:
        assert f"street={a2.pk}" in status["url"]
    assert f"street={a2.pk}" in response.context["map_url"]


def test_period_filter_and_street_choices(client_as, data, world):
    start, end = month(5), month(2)
    response = client_as("supervisor").get(URL, {"start": f"{start:%Y-%m}", "end": f"{end:%Y-%m}"})
    assert response.context["filters"] == DashFilters(start=start, end=end)
    assert len(charts(response)["found"]["rows"]) == 4
    assert {name for _pk, name in response.context["streets"]} == {"台湖镇", "梨园镇"}
    companies = client_as("pm2").get(URL)
    assert [name for _pk, name in companies.context["streets"]] == ["梨园镇"]


@pytest.mark.parametrize(
    "query",
    [
        {"start": "nonsense"},
        {"start": "2026-13", "end": "2026-11"},
        {"end": "2026-00"},
        {"start": "1999-01", "end": "1999-02"},
        {"start": f"{month(1):%Y-%m}", "end": f"{month(3):%Y-%m}"},  # start after end
        {"end": f"{month(-2):%Y-%m}"},  # in the future
        {"start": "2026-01-01"},
        {"start": "<script>", "end": "'; drop"},
    ],
)
def test_a_bad_period_gives_the_default_with_a_message(client_as, data, query):
    response = client_as("supervisor").get(URL, query)
    assert response.status_code == 200
    assert response.context["filters"] == DashFilters.default()
    assert response.context["problems"]
    assert 'data-testid="filter-problems"' in response.content.decode()


def test_a_period_longer_than_36_months_is_cut(client_as, data):
    end = month(0)
    response = client_as("supervisor").get(URL, {"start": "2015-01", "end": f"{end:%Y-%m}"})
    filters = response.context["filters"]
    assert filters.end == end
    assert len(filters.months()) == MAX_MONTHS
    assert "36" in response.context["problems"][0]


@pytest.mark.parametrize("street", ["abc", "-1", "999999", "B1"])
def test_a_street_outside_the_scope_is_dropped_with_a_message(client_as, data, world, street):
    value = str(world.streets["B1"].pk) if street == "B1" else street
    response = client_as("supervisor").get(URL, {"street": value})
    assert response.status_code == 200
    assert response.context["filters"].street is None
    assert kpis(response)["open"] == 4
    assert response.context["problems"]


def test_a_company_cannot_look_at_another_street(client_as, data, world):
    response = client_as("pm").get(URL, {"street": world.streets["A2"].pk})
    assert response.context["filters"].street is None
    assert kpis(response)["open"] == 3  # still only P and R
    assert response.context["problems"]


# --- click-through ------------------------------------------------------------------------------


def test_every_drawn_point_carries_the_url_of_its_list(client_as, data):
    response = client_as("supervisor").get(URL)
    for chart in charts(response).values():
        for r in chart["rows"]:
            for cell, column in zip(r["cells"], chart["columns"], strict=True):
                if cell["value"] and not column["hidden"]:
                    assert cell["url"], (chart["key"], r["label"], column["name"])


def test_chart_urls_open_the_filtered_lists(client_as, data, world):
    client = client_as("supervisor")
    data_ = charts(client.get(URL))
    ledger = reverse("hazards:ledger")
    # a month × grade bar → the ledger of that month and grade
    cell = row(data_["found"], f"{month(1):%Y-%m}")["cells"][0]
    assert cell["url"].startswith(ledger)
    assert client.get(cell["url"]).context["page"].paginator.count == 2
    # the overdue bar of contractor B → Q-1 only
    cell = row(data_["overdue_contractor"], "燕潞建设集团第三工程有限公司")["cells"][0]
    page = client.get(cell["url"]).context["page"]
    assert [h.number for h in page.object_list] == ["Q-1"]
    # a slice of the open hazards → that status
    slice_ = row(data_["open"], "已回复待复查")
    assert slice_["cells"][0]["value"] == 1
    assert [h.number for h in client.get(slice_["url"]).context["page"].object_list] == ["Q-2"]
    # a street × status segment → the project list of that street and status
    segment = row(data_["projects"], "梨园镇")["cells"]
    url = next(c["url"] for c in segment if c["value"])
    assert f"street={world.streets['A2'].pk}" in url
    assert client.get(url).status_code == 200
    # a category × level bar → the 危大 list on site
    works = row(data_["dangerous_works"], "脚手架工程")["cells"][1]
    query = parse_qs(urlsplit(works["url"]).query)
    assert query == {"category": ["SCAFFOLD"], "level": ["super"], "on_site": ["1"]}
    assert client.get(works["url"]).context["page"].paginator.count == 1


def test_kpis_and_lists_link_to_their_records(client_as, data):
    response = client_as("pm2").get(URL)
    text = response.content.decode()
    notice = RectificationNotice.objects.get()
    assert notice.get_absolute_url() in text
    assert 'data-testid="stop-work-total">1<' in text
    response = client_as("pm").get(URL)
    assert data["P2"].get_absolute_url() in response.content.decode()


def test_tables_hold_the_numbers_without_javascript(client_as, data):
    text = client_as("supervisor").get(URL).content.decode()
    assert text.count("data-dash-table") >= 6
    assert "<details" in text


# --- the map ------------------------------------------------------------------------------------


def test_map_json_has_points_with_risk_band_and_link(client_as, data, world):
    response = client_as("supervisor").get(MAP_URL)
    assert response.status_code == 200
    body = response.json()
    points = {p["name"]: p for p in body["points"]}
    assert set(points) == {world.projects["P"].name, world.projects["Q"].name}
    p = points[world.projects["P"].name]
    assert p["band"] in {"high", "medium", "low"}
    assert p["score"] is not None
    assert p["url"] == reverse("projects:detail", args=[world.projects["P"].pk])
    assert (p["lng"], p["lat"]) == (116.6, 39.8)
    assert sum(body["bands"].values()) == body["count"] == 2


def test_map_json_keeps_the_scope_and_the_street(client_as, data, world):
    names = [p["name"] for p in client_as("pm2").get(MAP_URL).json()["points"]]
    assert names == [world.projects["Q"].name]
    street = world.streets["A1"].pk
    names = [
        p["name"] for p in client_as("supervisor").get(MAP_URL, {"street": street}).json()["points"]
    ]
    assert names == [world.projects["P"].name]
    # a street outside the scope is ignored, not an error
    response = client_as("pm2").get(MAP_URL, {"street": street})
    assert [p["name"] for p in response.json()["points"]] == [world.projects["Q"].name]


def test_the_page_renders_without_any_data(client_as, world):
    response = client_as("supervisor").get(URL)
    assert response.status_code == 200
    assert 'data-testid="chart-found-empty"' in response.content.decode()
    assert "尚未生成" in response.content.decode()  # no summary refresh yet
    assert client_as("outsider").get(URL).status_code == 200


def test_a_superuser_and_a_user_without_organisation_may_open_it(client, data):
    root = User.objects.create_superuser("root", password="x")
    client.force_login(root)
    response = client.get(URL, {"street": "abc"})
    assert response.status_code == 200
    assert kpis(response)["open"] == 5  # every project, live figures
    assert client.get(MAP_URL).status_code == 200
    lonely = User.objects.create_user("lonely", password="x")
    client.force_login(lonely)
    response = client.get(URL)
    assert response.status_code == 200
    assert kpis(response)["open"] == 0
    assert client.get(MAP_URL).json()["count"] == 0


# --- queries ------------------------------------------------------------------------------------


def _count(client) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(URL).status_code == 200
    return len(queries)


@pytest.mark.parametrize("persona", ["supervisor", "grouphq", "pm"])
def test_query_count_does_not_grow_with_the_data(
    client_as, data, world, persona, django_assert_max_num_queries
):
    client = client_as(persona)
    client.get(URL)  # warm caches (content types, settings rows)
    before = _count(client)
    orgs = world.orgs
    for i in range(40):
        project = world.projects["PQ"[i % 2]]
        make_hazard(
            project,
            f"X-{i}",
            grade="general" if i % 3 else "major",
            status=["issued", "replied", "closed", "rectifying"][i % 4],
            found_at=at(month(i % 11).replace(day=1 + i % 20)),
            closed_at=at(month(i % 11).replace(day=25)) if i % 4 == 2 else None,
            deadline=NOW - DAY if i % 5 else NOW + DAY,
            responsible_org=orgs["contractor_a" if i % 2 == 0 else "contractor_b"],
        )
    for i in range(6):
        make_work(
            world.projects["PQ"[i % 2]], f"XW-{i}", ["PIT", "LIFTING", "TUNNEL"][i % 3], "danger"
        )
    rebuild()
    refresh_risk()
    assert _count(client) == before
    with django_assert_max_num_queries(MAX_QUERIES):
        client.get(URL)
    with django_assert_max_num_queries(5):
        client.get(MAP_URL)
