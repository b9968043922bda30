"""Analysis selectors over hand-made hazards with exact expected numbers, their scopes and
query counts, and the analysis and company pages.

The period is January–June 2026. Agency A's projects: P (street A1, contractor A of group G)
and Q (street A2, contractor B); project R (agency B's street, contractor A) is seen only by
contractor A, its group and agency B.
"""

import datetime
from decimal import Decimal
from urllib.parse import parse_qs

import pytest
from django.urls import reverse
from django.utils import timezone

from anjian.core.testing.personas import make_template, make_user
from anjian.hazards.models import Hazard
from anjian.inspections.models import Inspection
from anjian.stats import analysis
from anjian.stats.selectors import DashFilters, ledger_url
from anjian.stats.summary import rebuild

PERIOD = DashFilters(start=datetime.date(2026, 1, 1), end=datetime.date(2026, 6, 1))
NOW = timezone.make_aware(datetime.datetime(2026, 7, 1, 12))
SCAFFOLD, POWER, HEIGHT, SITE = "脚手架", "施工用电", "高处作业", "文明施工"


def at(month, day, hour=10, minute=0, year=2026):
    """A local (Asia/Shanghai) moment."""
    return timezone.make_aware(datetime.datetime(year, month, day, hour, minute))


def hazard(world, project, category, found, *, source="supervision", **extra):
    project = world.projects[project]
    contractor = {"P": "contractor_a", "Q": "contractor_b", "R": "contractor_a"}[
        project_key(world, project)
    ]
    fields = {
        "project": project,
        "agency": project.agency,
        "source": source,
        "description": f"{category}问题",
        "location": "1#楼",
        "category": category,
        "found_at": found,
        "responsible_org": world.orgs[contractor],
    }
    fields.update(extra)
    return Hazard.objects.create(**fields)


def project_key(world, project):
    return next(key for key, p in world.projects.items() if p.pk == project.pk)


def closed(on, deadline=None):
    return {"status": "closed", "closed_at": on, "deadline": deadline}


def inspection(world, project, finished, *, source="supervision", score=None, status="finished"):
    project = world.projects[project]
    return Inspection.objects.create(
        project=project,
        agency=project.agency,
        template=make_template(world),
        created_by=world.users["supervisor"],
        source=source,
        status=status,
        started_at=finished - datetime.timedelta(hours=2),
        finished_at=finished if status == "finished" else None,
        score=score,
    )


@pytest.fixture
def data(world):
    """The hazards and inspections of the expected numbers below."""
    h = lambda *a, **k: hazard(world, *a, **k)  # noqa: E731
    # P, scaffolding: one found before the period, then eight in it.
    h("P", SCAFFOLD, at(12, 20, year=2025), **closed(at(1, 3), deadline=at(12, 27, year=2025)))
    h("P", SCAFFOLD, at(1, 10), **closed(at(1, 15), deadline=at(1, 17)))
    h("P", SCAFFOLD, at(1, 25), **closed(at(2, 5), deadline=at(2, 1)))
    h("P", SCAFFOLD, at(2, 1), source="self", **closed(at(2, 2)))
    h("P", SCAFFOLD, at(4, 20), **closed(at(4, 27, 10), deadline=at(4, 27, 12)))
    h("P", SCAFFOLD, at(5, 20), source="self", status="replied", deadline=at(5, 27))
    h("P", SCAFFOLD, at(6, 5), deadline=at(6, 12))
    h("P", SCAFFOLD, at(6, 5), deadline=at(6, 12))
    h("P", SCAFFOLD, at(6, 10), source="worker", deadline=at(7, 15))
    # P, power: closed late in the evening of the day it was found (0 local days).
    h("P", POWER, at(5, 3), **closed(at(5, 3, 23, 30), deadline=at(5, 10)))
    h("P", POWER, at(6, 1))
    # Q (contractor B), all open without a deadline.
    h("Q", SCAFFOLD, at(3, 3), source="self")
    h("Q", SCAFFOLD, at(3, 5), source="self")
    h("Q", POWER, at(6, 15))
    h("Q", HEIGHT, at(6, 20), source="remote")
    h("Q", SITE, at(5, 10), source="self")
    h("Q", SITE, at(5, 12))
    h("Q", SITE, at(6, 25), source="worker")
    h("Q", "", at(2, 10), source="worker")
    # R: agency B's street, contractor A.
    h("R", SCAFFOLD, at(3, 10), deadline=at(3, 17))
    # P's supervision inspections: four in the period (one remote without a score), and a
    # self-inspection, one still in progress and one of December that do not count.
    inspection(world, "P", at(1, 10, 12), score=Decimal("80"))
    inspection(world, "P", at(3, 1, 12), source="remote")
    inspection(world, "P", at(4, 20, 12), score=Decimal("90"))
    inspection(world, "P", at(6, 5, 12), score=Decimal("70"))
    inspection(world, "P", at(5, 20, 12), source="self", score=Decimal("99"))
    inspection(world, "P", at(6, 20, 12), status="in_progress")
    inspection(world, "P", at(12, 20, 12, year=2025), score=Decimal("10"))
    rebuild()
    return world


def by_key(rows, key):
    return {row[key]: row for row in rows}


def query(url):
    """A URL as (path, its parameters), to compare links whatever their parameters' order."""
    path, _, qs = url.partition("?")
    return path, parse_qs(qs)


# --- the period --------------------------------------------------------------------------------


def test_period_defaults_to_the_twelve_last_complete_months():
    filters = analysis.period_filters(today=datetime.date(2026, 7, 15))
    assert (filters.start, filters.end) == (datetime.date(2025, 7, 1), datetime.date(2026, 6, 1))
    filters = analysis.period_filters(
        start=datetime.date(2026, 2, 9), end=datetime.date(2025, 12, 5), street=5
    )
    assert (filters.start, filters.end, filters.street) == (
        datetime.date(2025, 12, 1),
        datetime.date(2026, 2, 1),
        5,
    )
    long = analysis.period_filters(start=datetime.date(2020, 1, 1), end=datetime.date(2026, 6, 1))
    assert len(long.months()) == analysis.MAX_MONTHS
    assert long.end == datetime.date(2026, 6, 1)


@pytest.mark.parametrize("zone", ["Asia/Shanghai", "Europe/Berlin", "America/New_York"])
def test_local_day_and_month_are_those_of_the_current_time_zone(world, zone):
    """SQLite shifts by a fixed offset, or calls Django's conversion under daylight saving;
    PostgreSQL converts with AT TIME ZONE: all give the local day of Python."""
    import zoneinfo

    moments = [
        datetime.datetime(2026, 1, 1, 15, 59, tzinfo=datetime.UTC),
        datetime.datetime(2026, 1, 1, 16, 0, tzinfo=datetime.UTC),
        datetime.datetime(2026, 3, 29, 0, 30, tzinfo=datetime.UTC),
        datetime.datetime(2026, 7, 1, 22, 30, tzinfo=datetime.UTC),
        datetime.datetime(2026, 11, 1, 4, 30, tzinfo=datetime.UTC),
        datetime.datetime(1999, 12, 31, 23, 30, tzinfo=datetime.UTC),
    ]
    ids = [hazard(world, "P", SCAFFOLD, moment).pk for moment in moments]
    tz = zoneinfo.ZoneInfo(zone)
    with timezone.override(tz):
        rows = {
            found: (day, month)
            for found, day, month in Hazard.objects.filter(pk__in=ids)
            .annotate(d=analysis.LocalDay("found_at"), m=analysis.LocalMonth("found_at"))
            .values_list("found_at", "d", "m")
        }
    local = [m.astimezone(tz).date() for m in moments]
    assert [rows[m][0] for m in moments] == [(d - datetime.date(2000, 1, 1)).days for d in local]
    assert [analysis.month_of(rows[m][1]) for m in moments] == [d.replace(day=1) for d in local]


# --- category ranking --------------------------------------------------------------------------


def test_category_ranking_for_the_agency_reads_the_summary(data, django_assert_num_queries):
    with django_assert_num_queries(1):
        rows = analysis.category_ranking(data.users["chief"], PERIOD)
    assert [(r["rank"], r["category"], r["count"], r["share"]) for r in rows] == [
        (1, SCAFFOLD, 10, 58.8),
        (2, SITE, 3, 17.6),
        (3, POWER, 3, 17.6),
        (4, HEIGHT, 1, 5.9),
    ]
    rows = by_key(rows, "category")
    scaffold = rows[SCAFFOLD]
    assert scaffold["series"] == [2, 1, 2, 1, 1, 3]
    assert (scaffold["last"], scaffold["before"], scaffold["mom"], scaffold["trend"]) == (
        3,
        1,
        200.0,
        "up",
    )
    assert scaffold["quarters"] == [5, 5, 0, 0]
    assert (rows[SITE]["mom"], rows[SITE]["trend"]) == (-50.0, "down")
    assert (rows[POWER]["mom"], rows[POWER]["trend"], rows[POWER]["quarters"]) == (
        100.0,
        "up",
        [0, 3, 0, 0],
    )
    assert (rows[HEIGHT]["mom"], rows[HEIGHT]["trend"]) == (None, "new")
    assert query(scaffold["url"]) == query(
        ledger_url(category=SCAFFOLD, found_from="2026-01-01", found_to="2026-06-30")
    )
    assert query(scaffold["month_urls"][1]) == query(
        ledger_url(category=SCAFFOLD, found_from="2026-02-01", found_to="2026-02-28")
    )


def test_category_ranking_from_live_hazards_matches_the_summary(data, django_assert_num_queries):
    """A superuser reads the live hazards; over the same projects the figures agree."""
    from anjian.accounts.models import User

    root = User.objects.create_superuser("root", password="x")
    street_a1 = DashFilters(PERIOD.start, PERIOD.end, street=data.streets["A1"].pk)
    with django_assert_num_queries(1):
        live = analysis.category_ranking(root, street_a1)
    summary = analysis.category_ranking(data.users["chief"], street_a1)
    assert [(r["category"], r["series"]) for r in live] == [
        (r["category"], r["series"]) for r in summary
    ]
    assert [(r["category"], r["count"]) for r in live] == [(SCAFFOLD, 8), (POWER, 2)]


def test_category_ranking_of_a_company_covers_only_its_projects(data, django_assert_num_queries):
    with django_assert_num_queries(1):
        rows = analysis.category_ranking(data.users["pm2"], PERIOD)
    assert [(r["category"], r["count"]) for r in rows] == [
        (SITE, 3),
        (SCAFFOLD, 2),
        (POWER, 1),
        (HEIGHT, 1),
    ]
    pm = analysis.category_ranking(data.users["pm"], PERIOD)  # P and R
    assert [(r["category"], r["count"]) for r in pm] == [(SCAFFOLD, 9), (POWER, 2)]


def test_category_ranking_by_street(data):
    a2 = DashFilters(PERIOD.start, PERIOD.end, street=data.streets["A2"].pk)
    rows = analysis.category_ranking(data.users["chief"], a2)
    assert [(r["category"], r["count"]) for r in rows] == [
        (SITE, 3),
        (SCAFFOLD, 2),
        (POWER, 1),
        (HEIGHT, 1),
    ]
    assert f"street={data.streets['A2'].pk}" in rows[0]["url"]


# --- recurrence --------------------------------------------------------------------------------


def test_recurrence_within_30_days(data, django_assert_num_queries):
    with django_assert_num_queries(2):
        result = analysis.recurrence(data.users["chief"], PERIOD, days=30)
    assert (result["found"], result["repeats"], result["rate"]) == (17, 10, 58.8)
    assert [(p["name"], p["found"], p["repeats"], p["rate"]) for p in result["projects"]] == [
        (data.projects["P"].name, 10, 8, 80.0),
        (data.projects["Q"].name, 7, 2, 28.6),
    ]
    assert [(c["category"], c["found"], c["repeats"]) for c in result["categories"]] == [
        (SCAFFOLD, 10, 8),
        (SITE, 3, 1),
        (POWER, 3, 1),
    ]
    assert [(p["name"], p["category"], p["repeats"]) for p in result["pairs"]] == [
        (data.projects["P"].name, SCAFFOLD, 7),
        (data.projects["Q"].name, SITE, 1),  # ties: more found first, then by project
        (data.projects["P"].name, POWER, 1),
        (data.projects["Q"].name, SCAFFOLD, 1),
    ]
    assert query(result["pairs"][0]["url"]) == query(
        ledger_url(
            project=data.projects["P"].pk,
            category=SCAFFOLD,
            found_from="2026-01-01",
            found_to="2026-06-30",
        )
    )


def test_recurrence_within_7_days(data):
    result = analysis.recurrence(data.users["chief"], PERIOD, days=7)
    assert (result["found"], result["repeats"], result["rate"]) == (17, 4, 23.5)
    assert [(p["name"], p["found"], p["repeats"]) for p in result["projects"]] == [
        (data.projects["P"].name, 10, 2),
        (data.projects["Q"].name, 7, 2),
    ]
    assert [(c["category"], c["repeats"]) for c in result["categories"]] == [
        (SCAFFOLD, 3),
        (SITE, 1),
    ]


def test_recurrence_of_a_company_covers_only_its_projects(data):
    result = analysis.recurrence(data.users["pm2"], PERIOD, days=30)
    assert (result["found"], result["repeats"]) == (7, 2)
    assert [p["name"] for p in result["projects"]] == [data.projects["Q"].name]
    nobody = make_user("nobody", None)  # no organisation: no project
    nothing = analysis.recurrence(nobody, PERIOD)
    assert (nothing["found"], nothing["repeats"], nothing["rate"]) == (0, 0, None)


# --- self-inspection against supervision -------------------------------------------------------


def test_self_vs_supervision_by_category(data, django_assert_num_queries):
    with django_assert_num_queries(1):
        rows = analysis.self_vs_supervision(data.users["chief"], PERIOD)
    assert [
        (r["category"], r["self"], r["commission"], r["worker"], r["total"], r["self_share"])
        for r in rows
    ] == [
        (SCAFFOLD, 4, 5, 1, 10, 40.0),
        (SITE, 1, 1, 1, 3, 33.3),
        (POWER, 0, 3, 0, 3, 0.0),
        (HEIGHT, 0, 1, 0, 1, 0.0),
        ("", 0, 0, 1, 1, 0.0),
    ]
    rows = by_key(rows, "category")
    assert (rows[SCAFFOLD]["ratio"], rows[SITE]["ratio"], rows[""]["ratio"]) == (0.8, 1.0, None)
    assert (rows[HEIGHT]["supervision"], rows[HEIGHT]["remote"]) == (0, 1)
    assert rows[""]["uncategorised"] is True
    assert query(rows[SCAFFOLD]["self_url"]) == query(
        ledger_url(source="self", category=SCAFFOLD, found_from="2026-01-01", found_to="2026-06-30")
    )


def test_self_vs_supervision_live_matches_the_summary(data):
    from anjian.accounts.models import User

    root = User.objects.create_superuser("root", password="x")
    a2 = DashFilters(PERIOD.start, PERIOD.end, street=data.streets["A2"].pk)
    live = analysis.self_vs_supervision(root, a2)
    assert live == analysis.self_vs_supervision(data.users["chief"], a2)
    assert live == analysis.self_vs_supervision(data.users["pm2"], a2)


def test_self_vs_supervision_by_contractor(data, django_assert_num_queries):
    with django_assert_num_queries(1):
        rows = analysis.self_vs_supervision_by_contractor(data.users["chief"], PERIOD)
    assert [(r["name"], r["self"], r["commission"], r["worker"], r["total"]) for r in rows] == [
        (data.orgs["contractor_a"].name, 2, 7, 1, 10),
        (data.orgs["contractor_b"].name, 3, 3, 2, 8),
    ]
    assert rows[1]["ratio"] == 1.0
    assert query(rows[0]["self_url"]) == query(
        ledger_url(
            source="self",
            contractor=data.orgs["contractor_a"].pk,
            found_from="2026-01-01",
            found_to="2026-06-30",
        )
    )
    mine = analysis.self_vs_supervision_by_contractor(data.users["pm"], PERIOD)
    assert [(r["name"], r["commission"]) for r in mine] == [(data.orgs["contractor_a"].name, 8)]


# --- companies ---------------------------------------------------------------------------------


def test_company_profile_for_the_agency(data, django_assert_num_queries):
    org = data.orgs["contractor_a"]
    with django_assert_num_queries(5):
        profile = analysis.company_profile(data.users["chief"], org, PERIOD, now=NOW)
    expected = {
        "projects": 1,
        "inspections": 4,
        "found": 10,
        "found_commission": 7,
        "found_self": 2,
        "found_worker": 1,
        "per_inspection": 1.75,
        "mean_score": 80.0,
        "closed": 6,
        "on_time": 4,
        "on_time_rate": 66.7,
        "median_days": 6.0,
        "open": 5,
        "overdue": 2,
    }
    assert {key: profile[key] for key in expected} == expected
    assert [(c["category"], c["count"], c["share"]) for c in profile["categories"]] == [
        (SCAFFOLD, 8, 80.0),
        (POWER, 2, 20.0),
    ]
    months = by_key(profile["months"], "month")
    assert [m["mean_score"] for m in profile["months"]] == [80.0, None, None, 90.0, None, 70.0]
    assert [m["inspections"] for m in profile["months"]] == [1, 0, 1, 1, 0, 1]
    assert (months["2026-01"]["closed"], months["2026-01"]["on_time"]) == (2, 1)
    assert months["2026-05"]["median_days"] == 0.0  # found and closed the same local day
    assert query(profile["overdue_url"]) == query(ledger_url(overdue=True, contractor=org.pk))


def test_company_profile_for_the_company_itself_and_its_group(data):
    org = data.orgs["contractor_a"]
    own = analysis.company_profile(data.users["pm"], org, PERIOD, now=NOW)
    assert (own["found"], own["found_commission"], own["per_inspection"]) == (11, 8, 2.0)
    assert (own["open"], own["overdue"], own["projects"]) == (6, 3, 2)
    group = analysis.company_profile(data.users["grouphq"], data.orgs["group"], PERIOD, now=NOW)
    assert (group["found"], group["open"], group["overdue"], group["projects"]) == (11, 6, 3, 2)
    assert query(group["ledger_url"]) == query(
        ledger_url(group=data.orgs["group"].pk, found_from="2026-01-01", found_to="2026-06-30")
    )
    chief = analysis.company_profile(data.users["chief"], data.orgs["group"], PERIOD, now=NOW)
    assert (chief["found"], chief["open"], chief["inspections"]) == (10, 5, 4)


@pytest.mark.parametrize(
    "persona, company, visible",
    [
        ("chief", "contractor_a", True),
        ("outsider", "contractor_a", True),
        ("pm", "contractor_a", True),
        ("pm", "contractor_b", False),
        ("pm2", "contractor_a", False),
        ("grouphq", "contractor_a", True),
        ("grouphq", "group", True),
        ("grouphq", "contractor_b", False),
        ("engineer", "contractor_a", False),
        ("pm", "builder", False),
        ("chief", "builder", False),
    ],
)
def test_company_for_user(world, persona, company, visible):
    from django.http import Http404

    org = world.orgs[company]
    if visible:
        assert analysis.company_for_user(world.users[persona], org.pk) == org
    else:
        with pytest.raises(Http404):
            analysis.company_for_user(world.users[persona], org.pk)


def test_company_ranking_for_the_agency(data, django_assert_num_queries):
    with django_assert_num_queries(4):
        rows = analysis.company_ranking(data.users["chief"], PERIOD, now=NOW)
    a, b = rows
    assert (a["name"], b["name"]) == (
        data.orgs["contractor_a"].name,
        data.orgs["contractor_b"].name,
    )
    profile = analysis.company_profile(
        data.users["chief"], data.orgs["contractor_a"], PERIOD, now=NOW
    )
    for key in (
        "projects",
        "inspections",
        "found",
        "found_commission",
        "per_inspection",
        "mean_score",
        "closed",
        "on_time_rate",
        "median_days",
        "open",
        "overdue",
    ):
        assert a[key] == profile[key], key
    assert (b["found"], b["found_self"], b["inspections"], b["per_inspection"]) == (8, 3, 0, None)
    assert (b["open"], b["overdue"], b["closed"], b["on_time_rate"]) == (8, 0, 0, None)
    assert a["url"] == reverse("stats:company", args=[data.orgs["contractor_a"].pk])
    by_rate = analysis.sort_ranking(rows, "-self_share")
    assert [r["name"] for r in by_rate] == [b["name"], a["name"]]
    by_score = analysis.sort_ranking(rows, "mean_score")
    assert [r["mean_score"] for r in by_score] == [80.0, None]


def test_company_ranking_of_a_company_lists_only_itself(data):
    rows = analysis.company_ranking(data.users["pm2"], PERIOD, now=NOW)
    assert [(r["name"], r["found"]) for r in rows] == [(data.orgs["contractor_b"].name, 8)]
    rows = analysis.company_ranking(data.users["grouphq"], PERIOD, now=NOW)
    assert [(r["name"], r["found"], r["projects"]) for r in rows] == [
        (data.orgs["contractor_a"].name, 11, 2)
    ]
    assert analysis.company_ranking(data.users["engineer"], PERIOD, now=NOW) == []


# --- pages -------------------------------------------------------------------------------------


@pytest.mark.parametrize("persona", ["chief", "leader", "supervisor", "pm", "pm2", "grouphq"])
def test_analysis_page_renders_for_everyone_signed_in(data, client_as, persona):
    response = client_as(persona).get(
        reverse("stats:analysis"), {"start": "2026-01", "end": "2026-06", "days": 30}
    )
    assert response.status_code == 200
    assert b'id="category-chart"' in response.content


def test_analysis_page_shows_the_figures_with_their_links(data, client_as):
    client = client_as("chief")
    params = {"start": "2026-01", "end": "2026-06", "days": 7}
    text = client.get(reverse("stats:analysis"), params).content.decode()
    assert SCAFFOLD in text
    link = ledger_url(category=SCAFFOLD, found_from="2026-01-01", found_to="2026-06-30")
    assert link.replace("&", "&amp;") in text
    # The live sections load after the page, with the same filters.
    assert 'data-testid="lazy-recurrence"' in text and 'data-testid="lazy-companies"' in text
    assert "part=recurrence" in text and "days=7" in text
    part = client.get(reverse("stats:analysis"), params | {"part": "recurrence"})
    assert b"<html" not in part.content
    part = part.content.decode()
    assert 'data-testid="recurrence-rate">23.5' in part
    assert data.projects["P"].name in part
    assert 'id="ana-recurrence-data"' in part


def test_analysis_page_lists_the_contractors_sorted(data, client_as):
    params = {"start": "2026-01", "end": "2026-06", "part": "companies"}
    client = client_as("chief")
    text = client.get(reverse("stats:analysis"), params).content.decode()
    a, b = data.orgs["contractor_a"].name, data.orgs["contractor_b"].name
    assert text.index(a) < text.index(b)  # most hazards found first
    text = client.get(reverse("stats:analysis"), params | {"sort": "-self_share"}).content.decode()
    assert text.index(b) < text.index(a)
    assert "part=companies" not in text  # sort and profile links lead to the page, not the part


def test_analysis_page_of_a_company_hides_other_projects(data, client_as):
    client = client_as("pm2")
    texts = [
        client.get(
            reverse("stats:analysis"), {"start": "2026-01", "end": "2026-06", "part": part}
        ).content.decode()
        for part in ("", "recurrence", "companies")
    ]
    text = "".join(texts)
    assert data.projects["Q"].name in text
    assert data.projects["P"].name not in text
    assert data.orgs["contractor_b"].name in text
    assert data.orgs["contractor_a"].name not in text


def test_analysis_page_htmx_returns_the_results_only(data, client_as):
    response = client_as("chief").get(
        reverse("stats:analysis"),
        {"start": "2026-01", "end": "2026-06"},
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 200
    assert b"<html" not in response.content
    assert b'id="results"' in response.content


def test_analysis_page_needs_a_login(client_as):
    response = client_as("anonymous").get(reverse("stats:analysis"))
    assert response.status_code == 302


def test_analysis_page_query_counts(data, client_as, django_assert_max_num_queries):
    """The page: 3 for the request (session, user, organisation), 1 each for the categories
    and the sources (the summary), the navigation's unread count and the streets; the
    recurrence part 3 + 2, the contractors part 3 + 4."""
    client = client_as("chief")
    params = {"start": "2026-01", "end": "2026-06"}
    for part, most in (("", 7), ("recurrence", 5), ("companies", 7)):
        with django_assert_max_num_queries(most):
            response = client.get(reverse("stats:analysis"), params | {"part": part})
        assert response.status_code == 200


@pytest.mark.parametrize(
    "persona, company, status",
    [
        ("chief", "contractor_a", 200),
        ("pm", "contractor_a", 200),
        ("grouphq", "group", 200),
        ("grouphq", "contractor_a", 200),
        ("pm2", "contractor_a", 404),
        ("pm", "contractor_b", 404),
        ("grouphq", "contractor_b", 404),
        ("chief", "builder", 404),
    ],
)
def test_company_page_is_404_unless_visible(data, client_as, persona, company, status):
    url = reverse("stats:company", args=[data.orgs[company].pk])
    response = client_as(persona).get(url, {"start": "2026-01", "end": "2026-06"})
    assert response.status_code == status


def test_company_page_shows_the_profile(data, client_as, django_assert_max_num_queries):
    client = client_as("chief")
    url = reverse("stats:company", args=[data.orgs["contractor_a"].pk])
    with django_assert_max_num_queries(11):  # 3 for the request, 1 the company, 5 the profile
        response = client.get(url, {"start": "2026-01", "end": "2026-06"})
    text = response.content.decode()
    assert data.orgs["contractor_a"].name in text
    assert 'data-testid="per-inspection">1.75' in text
    assert 'data-testid="on-time-rate">66.7' in text
    assert 'id="company-trend-chart"' in text


def test_company_page_of_a_group_lists_its_subsidiaries(data, client_as):
    url = reverse("stats:company", args=[data.orgs["group"].pk])
    text = client_as("grouphq").get(url, {"start": "2026-01", "end": "2026-06"}).content.decode()
    assert data.orgs["contractor_a"].name in text
    assert reverse("stats:company", args=[data.orgs["contractor_a"].pk]) in text
