"""The statistics API: the dashboard, the map, the risk scores and formula, the monthly report —
scoped like the pages, with a 400 and a message for bad input."""

import datetime
from decimal import Decimal
from urllib.parse import parse_qs, urlsplit

import pytest
from django.utils import timezone

from anjian.accounts.models import AgencySettings
from anjian.dangerous_works import workflow as dw
from anjian.dangerous_works.models import DangerousWork
from anjian.dangerous_works.thresholds import SUPER
from anjian.evaluations.models import Accident
from anjian.hazards.choices import HazardStatus, NoticeKind, NoticeStatus
from anjian.hazards.models import Hazard, RectificationNotice
from anjian.projects.models import Project
from anjian.stats import risk, services, summary
from anjian.stats.models import ProjectRisk

pytestmark = pytest.mark.django_db

API = "/api/v1"


def get(client, url, **params):
    return client.get(f"{API}{url}", params)


def put(client, url, body):
    return client.put(f"{API}{url}", body, content_type="application/json")


def detail(response) -> str:
    return str(response.json().get("detail", ""))


def month_of(day: datetime.date, n: int) -> datetime.date:
    index = day.year * 12 + day.month - 1 + n
    return datetime.date(index // 12, index % 12 + 1, 1)


THIS = timezone.localdate().replace(day=1)
PREV = month_of(THIS, -1)


def moment(month: datetime.date, day: int, hour: int = 0, minute: int = 1):
    return timezone.make_aware(datetime.datetime(month.year, month.month, day, hour, minute))


def timedelta(days):
    return datetime.timedelta(days=days)


def hazard(project, found, **extra) -> Hazard:
    extra.setdefault("source", "supervision")
    extra.setdefault("status", HazardStatus.ISSUED)
    extra.setdefault("category", "临边防护")
    return Hazard.objects.create(
        project=project,
        agency=project.agency,
        number=f"YH-{Hazard.objects.count() + 1:03d}",
        description="隐患",
        location="1#楼",
        found_at=found,
        **extra,
    )


@pytest.fixture
def data(world):
    p, q, r = world.projects["P"], world.projects["Q"], world.projects["R"]
    a, b = world.orgs["contractor_a"], world.orgs["contractor_b"]
    now = timezone.now()
    h = {
        "p_major": hazard(
            p, moment(THIS, 1), grade="major", responsible_org=a, deadline=now - timedelta(1)
        ),
        "p_closed": hazard(
            p,
            moment(PREV, 1, 10),
            responsible_org=a,
            status=HazardStatus.CLOSED,
            closed_at=moment(PREV, 2, 10),
            deadline=moment(PREV, 3),
        ),
        "q_open": hazard(q, moment(THIS, 1), responsible_org=b, deadline=now + timedelta(5)),
        "r_major": hazard(
            r, moment(THIS, 1), grade="major", responsible_org=a, deadline=now - timedelta(1)
        ),
    }
    h["stop"] = RectificationNotice.objects.create(
        agency=p.agency,
        project=p,
        kind=NoticeKind.FULL_STOP,
        number="停工-001",
        status=NoticeStatus.ISSUED,
        issued_by=world.users["supervisor"],
        stop_scope="5#楼",
    )
    DangerousWork.objects.create(
        project=q,
        number="WD-001",
        name="1#楼基坑",
        category="PIT",
        subtype="PIT:excavation",
        level=SUPER,
        location="1#楼",
        status=dw.IN_PROGRESS,
    )
    Project.objects.filter(pk=p.pk).update(longitude=Decimal("116.65"), latitude=Decimal("39.90"))
    Project.objects.filter(pk=q.pk).update(longitude=Decimal("116.70"), latitude=Decimal("39.88"))
    summary.rebuild()
    services.refresh_risk()
    return h


PERIOD = {"start": f"{PREV:%Y-%m}", "end": f"{THIS:%Y-%m}"}


# --- the dashboard ------------------------------------------------------------------------------


def test_staff_dashboard_gives_every_figure_with_its_links(data, world, client_as):
    response = get(client_as("leader"), "/stats/dashboard", **PERIOD)
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["source"] == "summary"
    assert body["filters"] == {
        "start": PERIOD["start"],
        "end": PERIOD["end"],
        "street": None,
        "months": [PERIOD["start"], PERIOD["end"]],
    }
    prev, this = body["flows"]
    assert (prev["general"], prev["major"], prev["closed"], prev["on_time"]) == (1, 0, 1, 1)
    assert (prev["on_time_rate"], prev["median_days"]) == (100.0, 1.0)
    assert (this["general"], this["major"], this["closed"]) == (1, 1, 0)
    assert this["on_time_rate"] is None and this["median_days"] is None
    assert this["major_url"].startswith("/hazards/?") and "grade=major" in this["major_url"]
    opened = body["open"]
    assert (opened["open_total"], opened["overdue_total"], opened["major_total"]) == (2, 1, 1)
    assert {row["status"]: row["count"] for row in opened["by_status"]}["issued"] == 2
    assert opened["by_status"][0]["label"] == "待整改"
    (major,) = opened["majors"]
    p = world.projects["P"]
    assert major == {
        "id": data["p_major"].pk,
        "number": data["p_major"].number,
        "project_id": p.pk,
        "project_name": p.name,
        "category": "临边防护",
        "location": "1#楼",
        "status": "issued",
        "status_label": "待整改",
        "found_at": major["found_at"],
        "deadline": major["deadline"],
        "url": f"/hazards/{data['p_major'].pk}/",
    }
    assert datetime.datetime.fromisoformat(major["found_at"]) == data["p_major"].found_at
    assert [(r["id"], r["count"]) for r in opened["overdue_by_contractor"]] == [
        (world.orgs["contractor_a"].pk, 1)
    ]
    assert body["stop_work"]["total"] == 1
    (notice,) = body["stop_work"]["notices"]
    assert (notice["id"], notice["number"], notice["project_name"], notice["kind"]) == (
        data["stop"].pk,
        "停工-001",
        p.name,
        "full_stop",
    )
    assert notice["url"] == data["stop"].get_absolute_url()
    (status,) = body["projects"]["by_status"]
    assert status == {
        "status": "under_construction",
        "label": status["label"],
        "count": 2,
        "url": "/projects/?status=under_construction",
    }
    assert status["label"] and status["label"] != "under_construction"
    assert {row["name"]: row["total"] for row in body["projects"]["by_street"]} == {
        "台湖镇": 1,
        "梨园镇": 1,
    }
    assert body["dangerous_works"] == [
        {
            "category": "PIT",
            "label": "基坑工程",
            "total": 1,
            "levels": {"super": 1},
            "level_urls": {"super": "/dangerous-works/?on_site=1&category=PIT&level=super"},
            "url": "/dangerous-works/?on_site=1&category=PIT",
        }
    ]
    assert [row["month"] for row in body["inspections"]] == body["filters"]["months"]


def test_street_filter_reaches_every_link(data, world, client_as):
    a1 = world.streets["A1"].pk
    body = get(client_as("chief"), "/stats/dashboard", street=a1).json()
    assert body["filters"]["street"] == a1 and len(body["filters"]["months"]) == 12
    assert body["open"]["open_total"] == 1
    for row in body["projects"]["by_status"] + body["open"]["by_status"]:
        assert f"street={a1}" in row["url"]
    for row in body["flows"]:
        assert f"street={a1}" in row["general_url"] and f"street={a1}" in row["closed_url"]
    a2 = world.streets["A2"].pk
    (works,) = get(client_as("chief"), "/stats/dashboard", street=a2).json()["dangerous_works"]
    assert parse_qs(urlsplit(works["url"]).query) == {
        "category": ["PIT"],
        "on_site": ["1"],
        "street": [str(a2)],
    }


def test_company_dashboard_is_live_and_its_own(data, world, client_as):
    body = get(client_as("pm2"), "/stats/dashboard", **PERIOD).json()
    assert body["source"] == "live"
    # The supervision plan is the commission's: companies see the inspections only.
    assert [(m["inspections"], m["planned"]) for m in body["inspections"]] == [(0, None)] * 2
    assert [(m["general"], m["major"], m["closed"]) for m in body["flows"]] == [
        (0, 0, 0),
        (1, 0, 0),
    ]
    assert body["open"]["open_total"] == 1 and body["open"]["majors"] == []
    assert body["stop_work"] == {"total": 0, "notices": []}
    # pm takes part in P and R (another agency's): both, live.
    body = get(client_as("pm"), "/stats/dashboard", **PERIOD).json()
    assert body["open"]["major_total"] == 2
    assert {m["project_name"] for m in body["open"]["majors"]} == {
        "台湖镇B-03地块住宅项目",
        "仁和镇厂房项目",
    }


def test_agency_b_sees_nothing_of_agency_a(data, world, client_as):
    body = get(client_as("outsider"), "/stats/dashboard", **PERIOD).json()
    assert [m["project_name"] for m in body["open"]["majors"]] == ["仁和镇厂房项目"]
    assert body["stop_work"]["total"] == 0
    assert [(m["general"], m["major"]) for m in body["flows"]] == [(0, 0), (0, 1)]


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"start": "2025-13"}, "YYYY-MM"),
        ({"start": "2025/01"}, "YYYY-MM"),
        ({"end": "1999-12"}, "YYYY-MM"),
        ({"start": f"{THIS:%Y-%m}", "end": f"{PREV:%Y-%m}"}, "after"),
        ({"end": f"{month_of(THIS, 1):%Y-%m}"}, "future"),
        ({"start": f"{month_of(THIS, -36):%Y-%m}"}, "36"),
    ],
)
def test_a_bad_period_is_a_400_with_a_message(data, client_as, params, field):
    response = get(client_as("leader"), "/stats/dashboard", **params)
    assert response.status_code == 400
    assert detail(response)


def test_the_longest_period_is_36_months(data, client_as):
    response = get(client_as("leader"), "/stats/dashboard", start=f"{month_of(THIS, -35):%Y-%m}")
    assert response.status_code == 200
    assert len(response.json()["flows"]) == 36


def test_a_street_outside_the_scope_is_a_400(data, world, client_as):
    b1 = world.streets["B1"].pk
    assert get(client_as("leader"), "/stats/dashboard", street=b1).status_code == 400
    a1 = world.streets["A1"].pk
    assert get(client_as("pm2"), "/stats/dashboard", street=a1).status_code == 400
    assert (
        get(client_as("pm2"), "/stats/dashboard", street=world.streets["A2"].pk).status_code == 200
    )
    assert get(client_as("leader"), "/stats/dashboard", street="abc").status_code == 422
    assert get(client_as("leader"), "/stats/dashboard", street=2**70).status_code == 422


def test_anonymous_gets_401(data, client_as):
    for url in ("/stats/dashboard", "/stats/map", "/stats/risk", "/stats/risk-formula"):
        assert get(client_as("anonymous"), url).status_code == 401


def test_dashboard_queries_are_pinned(data, world, client_as, django_assert_num_queries):
    """The session, the user, the organisation, then the selectors' 13."""
    client = client_as("leader")
    with django_assert_num_queries(16):
        assert get(client, "/stats/dashboard").status_code == 200
    for i in range(20):
        hazard(world.projects["Q"], moment(THIS, 1), grade="major" if i % 2 else "general")
    with django_assert_num_queries(16):
        assert get(client, "/stats/dashboard").json()["open"]["major_total"] == 11
    # A street: one more, to check it is in the caller's scope.
    with django_assert_num_queries(17):
        get(client, "/stats/dashboard", street=world.streets["A2"].pk)


# --- the map ------------------------------------------------------------------------------------


def test_map_points_carry_the_stored_risk(data, world, client_as):
    body = get(client_as("leader"), "/stats/map").json()
    p, q = world.projects["P"], world.projects["Q"]
    points = {point["id"]: point for point in body["points"]}
    assert set(points) == {p.pk, q.pk} and body["count"] == 2
    stored = ProjectRisk.objects.get(project=p)
    assert points[p.pk]["score"] == float(stored.score)
    assert points[p.pk]["band"] == stored.band
    assert (points[p.pk]["lng"], points[p.pk]["lat"]) == (116.65, 39.9)
    assert points[p.pk]["url"] == f"/projects/{p.pk}/"
    assert sum(body["bands"].values()) == 2 and body["bands"]["unscored"] == 0
    assert [pt["id"] for pt in get(client_as("pm2"), "/stats/map").json()["points"]] == [q.pk]
    assert get(client_as("outsider"), "/stats/map").json()["points"] == []
    assert get(client_as("pm"), "/stats/map", street=world.streets["A2"].pk).status_code == 400


def test_an_unscored_project_has_no_band_on_the_map(data, world, client_as):
    ProjectRisk.objects.all().delete()
    body = get(client_as("leader"), "/stats/map").json()
    assert {(pt["score"], pt["band"]) for pt in body["points"]} == {(None, None)}
    assert body["bands"] == {"high": 0, "medium": 0, "low": 0, "unscored": 2}


# --- where to go next ---------------------------------------------------------------------------


def test_where_to_go_next_is_ordered_by_risk_and_paginated(data, world, client_as):
    response = get(client_as("supervisor"), "/stats/risk")
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["count"] == 2
    scores = [row["score"] for row in body["items"]]
    assert scores == sorted(scores, reverse=True)
    top = body["items"][0]
    p = world.projects["P"]
    assert (top["project_id"], top["project_name"], top["street_name"]) == (p.pk, p.name, "台湖镇")
    stored = ProjectRisk.objects.get(project=p)
    assert top["score"] == float(stored.score) and top["breakdown"] == stored.breakdown
    assert top["facts"]["open_major"] == 1 and top["facts"]["stop_work"] == 1
    assert top["band_label"] == risk.BAND_LABELS[stored.band]
    assert top["url"] == f"/projects/{p.pk}/risk/"
    narrow = get(client_as("supervisor"), "/stats/risk", street=world.streets["A2"].pk).json()
    assert [row["project_id"] for row in narrow["items"]] == [world.projects["Q"].pk]
    band = get(client_as("supervisor"), "/stats/risk", band=stored.band).json()
    assert p.pk in [row["project_id"] for row in band["items"]]
    assert get(client_as("supervisor"), "/stats/risk", band="red").status_code == 400
    paged = get(client_as("supervisor"), "/stats/risk", page=2).json()
    assert paged["count"] == 2 and paged["items"] == []


def test_where_to_go_next_is_for_the_commission_only(data, world, client_as):
    for name in ("pm", "pm2", "grouphq", "engineer"):
        assert get(client_as(name), "/stats/risk").status_code == 403, name
    other = get(client_as("outsider"), "/stats/risk").json()
    assert [row["project_id"] for row in other["items"]] == [world.projects["R"].pk]


# --- a project's risk ---------------------------------------------------------------------------


def test_project_risk_is_computed_live_with_every_factor(data, world, client_as):
    p = world.projects["P"]
    response = get(client_as("pm"), f"/projects/{p.pk}/risk")
    assert response.status_code == 200, response.content
    body = response.json()
    assert [f["key"] for f in body["factors"]] == list(risk.FACTORS)
    lines = {line["key"]: line for line in body["lines"]}
    # 1 open 重大 × 10, 1 overdue × 5, 1 stop-work × 10, never visited: 90 days × 0.2 = 18.
    assert {k: v["points"] for k, v in lines.items()} == {
        "open_major": 10.0,
        "overdue": 5.0,
        "stop_work": 10.0,
        "days_since_visit": 18.0,
    }
    assert body["score"] == 43.0 and body["band"] == "high" and body["band_label"] == "高风险"
    assert body["facts"]["days_since_visit"] is None
    assert body["stored"]["score"] == 43.0
    # A hazard closed now changes the live score, not yet the stored one.
    Hazard.objects.filter(pk=data["p_major"].pk).update(
        status=HazardStatus.CLOSED, closed_at=timezone.now()
    )
    again = get(client_as("leader"), f"/projects/{p.pk}/risk").json()
    assert (again["score"], again["stored"]["score"]) == (28.0, 43.0)


def test_project_risk_of_a_project_out_of_sight_is_404(data, world, client_as):
    p = world.projects["P"]
    assert get(client_as("pm2"), f"/projects/{p.pk}/risk").status_code == 404
    assert get(client_as("outsider"), f"/projects/{p.pk}/risk").status_code == 404
    assert get(client_as("leader"), "/projects/999999/risk").status_code == 404
    assert get(client_as("leader"), f"/projects/{2**70}/risk").status_code == 422
    assert get(client_as("leader"), "/projects/0/risk").status_code == 422


# --- the formula --------------------------------------------------------------------------------


def every_factor(**changes) -> dict:
    config = risk.Formula.default().as_config()
    for key, value in changes.items():
        config[key] = value
    return {"factors": config}


def test_staff_read_the_formula(data, world, client_as):
    response = get(client_as("supervisor"), "/stats/risk-formula")
    assert response.status_code == 200
    body = response.json()
    assert body["agency_id"] == world.orgs["agency"].pk and body["can_edit"] is False
    assert body["factors"][0] == {
        "key": "open_major",
        "label": "未销号重大事故隐患",
        "unit": "项",
        "weight": 10.0,
        "cap": 40.0,
        "value": None,
        "points": None,
        "capped": None,
    }
    assert body["bands"] == {"high": 40.0, "medium": 20.0}
    assert get(client_as("admin"), "/stats/risk-formula").json()["can_edit"] is True
    for name in ("pm", "grouphq", "engineer"):
        assert get(client_as(name), "/stats/risk-formula").status_code == 403


def test_admin_changes_the_formula_and_the_scores_follow(
    data, world, client_as, django_capture_on_commit_callbacks
):
    body = every_factor(open_major={"weight": 20, "cap": 60}, accidents={"weight": "0", "cap": 0})
    with django_capture_on_commit_callbacks(execute=True):
        response = put(client_as("admin"), "/stats/risk-formula", body)
    assert response.status_code == 200, response.content
    factors = {f["key"]: f for f in response.json()["factors"]}
    assert (factors["open_major"]["weight"], factors["open_major"]["cap"]) == (20.0, 60.0)
    assert factors["accidents"]["weight"] == 0.0
    stored = AgencySettings.for_agency(world.orgs["agency"]).risk_weights
    assert stored["open_major"] == {"weight": 20.0, "cap": 60.0}
    # Recomputed at once: P's open 重大 now weighs 20.
    assert ProjectRisk.objects.get(project=world.projects["P"]).score == Decimal("53.0")


@pytest.mark.parametrize("name", ["supervisor", "chief", "leader", "outsider", "pm", "grouphq"])
def test_only_an_administrator_changes_the_formula(data, client_as, name):
    response = put(client_as(name), "/stats/risk-formula", every_factor())
    assert response.status_code == 403
    assert AgencySettings.objects.filter(risk_weights__has_key="open_major").count() == 0


@pytest.mark.parametrize(
    ("change", "words"),
    [
        ({"open_major": {"weight": "很多", "cap": 40}}, ""),
        ({"open_major": {"weight": -1, "cap": 40}}, "1000"),
        ({"overdue": {"weight": 5, "cap": 1001}}, "1000"),
        ({"overdue": {"weight": "NaN", "cap": 10}}, ""),
        ({"overdue": {"weight": "Infinity", "cap": 10}}, ""),
        ({"overdue": {"weight": 5, "cap": "-inf"}}, ""),
    ],
)
def test_bad_weights_are_a_400_with_a_message(data, client_as, change, words):
    response = put(client_as("admin"), "/stats/risk-formula", every_factor(**change))
    assert response.status_code == 400, response.content
    assert words in detail(response) and detail(response)
    assert not AgencySettings.objects.filter(risk_weights__has_key="open_major").exists()


def test_every_factor_must_be_given_and_known(data, client_as):
    admin = client_as("admin")
    body = every_factor()
    del body["factors"]["accidents"]
    response = put(admin, "/stats/risk-formula", body)
    assert response.status_code == 400 and "accidents" in detail(response)
    body = every_factor(luck={"weight": 1, "cap": 1})
    response = put(admin, "/stats/risk-formula", body)
    assert response.status_code == 400 and "luck" in detail(response)
    assert put(admin, "/stats/risk-formula", {"factors": {"overdue": 5}}).status_code == 422
    assert put(admin, "/stats/risk-formula", {"weights": {}}).status_code == 422


# --- the monthly report -------------------------------------------------------------------------


def test_monthly_report_as_json(data, world, client_as):
    response = get(client_as("leader"), f"/stats/report/{PREV.year}/{PREV.month}")
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["year"], body["month"], body["first_day"]) == (
        PREV.year,
        PREV.month,
        PREV.isoformat(),
    )
    assert body["scope_kind"] == "agency" and body["scope_name"] == world.orgs["agency"].name
    assert body["figures"]["found"] == 1 and body["figures"]["closed_on_time"] == 1
    assert len(body["trend"]) == 12
    this = get(client_as("leader"), f"/stats/report/{THIS.year}/{THIS.month}").json()
    assert [m["id"] for m in this["majors"]] == [data["p_major"].pk]
    assert this["stop_work"][0]["number"] == "停工-001" and this["is_partial"] is True
    assert this["accidents"] == []
    accident = Accident.objects.create(
        project=world.projects["P"],
        occurred_on=timezone.localdate(),
        level=Accident.Level.GENERAL,
        deaths=0,
        injuries=1,
        description="高处坠落",
        recorded_by=world.users["supervisor"],
    )
    this = get(client_as("leader"), f"/stats/report/{THIS.year}/{THIS.month}").json()
    assert this["accidents"] == [
        {
            "id": accident.pk,
            "project_id": world.projects["P"].pk,
            "project_name": world.projects["P"].name,
            "occurred_on": timezone.localdate().isoformat(),
            "level": "general",
            "level_label": accident.get_level_display(),
            "is_liability": True,
            "deaths": 0,
            "injuries": 1,
            "description": "高处坠落",
        }
    ]
    assert this["figures"]["accidents"] == 1 and this["figures"]["injuries"] == 1
    company = get(client_as("pm2"), f"/stats/report/{THIS.year}/{THIS.month}").json()
    assert company["scope_kind"] == "company" and company["majors"] == []


def test_monthly_report_of_a_month_not_begun_is_a_400(data, client_as):
    future = month_of(THIS, 1)
    leader = client_as("leader")
    for year, month in ((future.year, future.month), (THIS.year, 13), (1999, 1)):
        response = get(leader, f"/stats/report/{year}/{month}")
        assert response.status_code == 400 and detail(response), (year, month)
    assert get(leader, f"/stats/report/{THIS.year}/x").status_code == 422
    b1 = get(leader, f"/stats/report/{THIS.year}/{THIS.month}", street=99999)
    assert b1.status_code == 400
