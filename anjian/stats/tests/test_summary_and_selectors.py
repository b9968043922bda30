"""The monthly hazard summary and the dashboard's figures, over hand-made data with exact numbers.

The data (`data` fixture), times in Asia/Shanghai; "now" is 2025-04-15 12:00:

agency A, project P (street A1, contractor A of group G):
  h1  found 01-10            general 临边防护 supervision  closed 01-15 09:00, deadline 01-17 (on time, 5 d)
  h2  found 01-31 23:30      general 临边防护 supervision  closed 02-01 00:10, deadline 02-01 00:00 (late, 1 d)
  h3  found 02-01 00:30      major   高处坠落 supervision  issued, deadline 02-10 (overdue)
  h4  found 02-05 09:00      general 临边防护 self         closed 02-05 18:00, no deadline (on time, 0 d)
  h5  found 02-10 09:00      general 施工用电 supervision  closed 02-20 18:00 = deadline (on time, 10 d)
  h13 found 03-01 09:00      general 临边防护 supervision  closed 03-03 10:00, deadline 03-08 (on time, 2 d)
  h6  found 03-03            major   高处坠落 supervision  replied, deadline 03-10 (not owed: not overdue)
  h7  found 03-05            general 临边防护 supervision  rectifying, deadline 03-20 (overdue)
  h8  found 03-06            general 临边防护 supervision  withdrawn
agency A, project Q (street A2, contractor B, no group):
  h9  found 02-12 10:00      general 施工用电 supervision  closed 03-01 00:05, deadline 02-25 (late, 17 d)
  h10 found 03-10            general 施工用电 supervision  issued, deadline 03-25 (overdue)
  h11 found 03-12            major   基坑     supervision  issued, deadline 04-30
agency B, project R (street B1, contractor A):
  h12 found 02-15 10:00      general 临边防护 supervision  closed 02-16 10:00, deadline 02-15 18:00 (late, 1 d)
  h14 found 03-20            major   基坑     supervision  issued, deadline 04-01 (overdue)

The times around midnight (h2, h3, h9) fall in another month in UTC than in Shanghai.
"""

import datetime
from urllib.parse import parse_qs, urlsplit

import pytest
from django.http import QueryDict
from django.urls import reverse
from django.utils import timezone

from anjian.accounts.choices import OrgKind
from anjian.accounts.models import User
from anjian.core.testing.personas import make_org, make_project, make_template
from anjian.dangerous_works import workflow as dw
from anjian.dangerous_works.filters import WorkFilterForm
from anjian.dangerous_works.models import DangerousWork
from anjian.dangerous_works.selectors import works
from anjian.dangerous_works.thresholds import DANGER, SUPER
from anjian.hazards.choices import HazardStatus, NoticeKind, NoticeStatus
from anjian.hazards.filters import LedgerFilterForm
from anjian.hazards.models import Hazard, RectificationNotice
from anjian.hazards.selectors import ledger
from anjian.inspections.choices import (
    InspectionSource,
    InspectionStatus,
    PlanStatus,
    VisitStatus,
)
from anjian.inspections.models import Inspection, PlannedVisit, SupervisionPlan
from anjian.projects.choices import ParticipantRole, ProjectStatus
from anjian.projects.forms import ProjectFilterForm
from anjian.projects.models import ProjectParticipant
from anjian.projects.selectors import projects_filtered
from anjian.stats import summary
from anjian.stats.models import HazardMonthStat, StatsWatermark
from anjian.stats.selectors import DashFilters, dashboard, hazard_flows, scope_projects

pytestmark = pytest.mark.django_db

TZ = timezone.get_fixed_timezone(8 * 60)  # Asia/Shanghai has no DST
JAN, FEB, MAR, APR = (datetime.date(2025, m, 1) for m in (1, 2, 3, 4))
PERIOD = DashFilters(start=JAN, end=APR)
# The figures' column names, in the order of a month row.
FLOW = ("general", "major", "closed", "on_time", "on_time_rate", "median_days")


def at(month, day, hour=12, minute=0) -> datetime.datetime:
    """A moment of 2025 in Shanghai."""
    return datetime.datetime(2025, month, day, hour, minute, tzinfo=TZ)


NOW = at(4, 15)


def make_hazard(project, found, *, grade="general", category="临边防护", **extra) -> Hazard:
    extra.setdefault("source", "supervision")
    extra.setdefault("status", HazardStatus.ISSUED)
    return Hazard.objects.create(
        project=project,
        agency=project.agency,
        description=f"{category}隐患",
        location="1#楼",
        category=category,
        grade=grade,
        found_at=found,
        **extra,
    )


def closed(closed_at, deadline):
    return {"status": HazardStatus.CLOSED, "closed_at": closed_at, "deadline": deadline}


@pytest.fixture
def data(world):
    p, q, r = world.projects["P"], world.projects["Q"], world.projects["R"]
    a, b = world.orgs["contractor_a"], world.orgs["contractor_b"]
    h = {}
    h[1] = make_hazard(p, at(1, 10, 10), responsible_org=a, **closed(at(1, 15, 9), at(1, 17)))
    h[2] = make_hazard(
        p, at(1, 31, 23, 30), responsible_org=a, **closed(at(2, 1, 0, 10), at(2, 1, 0, 0))
    )
    h[3] = make_hazard(
        p,
        at(2, 1, 0, 30),
        grade="major",
        category="高处坠落",
        responsible_org=a,
        deadline=at(2, 10),
    )
    h[4] = make_hazard(
        p, at(2, 5, 9), source="self", responsible_org=a, **closed(at(2, 5, 18), None)
    )
    h[5] = make_hazard(
        p,
        at(2, 10, 9),
        category="施工用电",
        responsible_org=a,
        **closed(at(2, 20, 18), at(2, 20, 18)),
    )
    h[13] = make_hazard(p, at(3, 1, 9), responsible_org=a, **closed(at(3, 3, 10), at(3, 8)))
    h[6] = make_hazard(
        p,
        at(3, 3),
        grade="major",
        category="高处坠落",
        responsible_org=a,
        status=HazardStatus.REPLIED,
        deadline=at(3, 10),
    )
    h[7] = make_hazard(
        p, at(3, 5), responsible_org=a, status=HazardStatus.RECTIFYING, deadline=at(3, 20)
    )
    h[8] = make_hazard(p, at(3, 6), responsible_org=a, status=HazardStatus.WITHDRAWN)
    h[9] = make_hazard(
        q,
        at(2, 12, 10),
        category="施工用电",
        responsible_org=b,
        **closed(at(3, 1, 0, 5), at(2, 25)),
    )
    h[10] = make_hazard(q, at(3, 10), category="施工用电", responsible_org=b, deadline=at(3, 25))
    h[11] = make_hazard(
        q, at(3, 12), grade="major", category="基坑", responsible_org=b, deadline=at(4, 30)
    )
    h[12] = make_hazard(r, at(2, 15, 10), responsible_org=a, **closed(at(2, 16, 10), at(2, 15, 18)))
    h[14] = make_hazard(
        r, at(3, 20), grade="major", category="基坑", responsible_org=a, deadline=at(4, 1)
    )
    summary.rebuild()
    return h


def user(world, name) -> User:
    """The persona as a request would load it (nothing cached)."""
    return User.objects.get(pk=world.users[name].pk)


def pks(*hazards) -> set[int]:
    return {hz.pk for hz in hazards}


def stats_rows(**filters) -> set[tuple]:
    return {
        (
            row.agency.name[:2],
            row.street.name,
            f"{row.month:%m}",
            row.grade,
            row.category,
            row.source,
            row.found,
            row.closed,
            row.closed_on_time,
            tuple(sorted((int(k), n) for k, n in row.close_days.items())),
        )
        for row in HazardMonthStat.objects.filter(**filters).select_related("agency", "street")
    }


def month_figures(board) -> dict[str, tuple]:
    return {row["month"]: tuple(row[k] for k in FLOW) for row in board["flows"]["months"]}


def ledger_ids(viewer, url, now=NOW) -> set[int]:
    """The hazards the ledger shows for a dashboard link (its path and query string)."""
    parts = urlsplit(url)
    assert parts.path == reverse("hazards:ledger")
    form = LedgerFilterForm(QueryDict(parts.query), user=viewer)
    # Every parameter of the link is a valid filter (a dropped one would widen the list).
    assert form.is_valid(), form.errors
    assert set(parse_qs(parts.query)) <= set(form.cleaned_data)
    for name in parse_qs(parts.query):
        assert form.cleaned_data[name] not in (None, "", False), name
    return set(ledger(viewer, form.filters(), now=now).values_list("pk", flat=True))


# --- the summary --------------------------------------------------------------------------------

# (agency, street, month, grade, category, source, found, closed, on time, close days histogram)
EXPECTED_ROWS = {
    ("通州", "台湖镇", "01", "general", "临边防护", "supervision", 2, 1, 1, ((5, 1),)),
    ("通州", "台湖镇", "02", "general", "临边防护", "supervision", 0, 1, 0, ((1, 1),)),
    ("通州", "台湖镇", "02", "major", "高处坠落", "supervision", 1, 0, 0, ()),
    ("通州", "台湖镇", "02", "general", "临边防护", "self", 1, 1, 1, ((0, 1),)),
    ("通州", "台湖镇", "02", "general", "施工用电", "supervision", 1, 1, 1, ((10, 1),)),
    ("通州", "台湖镇", "03", "general", "临边防护", "supervision", 3, 1, 1, ((2, 1),)),
    ("通州", "台湖镇", "03", "major", "高处坠落", "supervision", 1, 0, 0, ()),
    ("通州", "梨园镇", "02", "general", "施工用电", "supervision", 1, 0, 0, ()),
    ("通州", "梨园镇", "03", "general", "施工用电", "supervision", 1, 1, 0, ((17, 1),)),
    ("通州", "梨园镇", "03", "major", "基坑", "supervision", 1, 0, 0, ()),
    ("顺义", "仁和镇", "02", "general", "临边防护", "supervision", 1, 1, 0, ((1, 1),)),
    ("顺义", "仁和镇", "03", "major", "基坑", "supervision", 1, 0, 0, ()),
}


def test_rebuild_counts_found_closed_on_time_and_days_per_local_month(data):
    assert stats_rows() == EXPECTED_ROWS
    assert HazardMonthStat.objects.filter(month=JAN).values_list("month", flat=True)[0] == JAN


def test_close_days_count_local_dates_around_midnight():
    assert summary.close_days(at(1, 31, 23, 30), at(2, 1, 0, 10)) == 1  # 40 minutes, next day
    assert summary.close_days(at(2, 5, 0, 1), at(2, 5, 23, 59)) == 0
    assert summary.close_days(at(2, 1, 7, 59), at(2, 1, 8, 1)) == 0  # midnight UTC between
    assert summary.close_days(at(2, 5), at(2, 1)) == 0  # never negative
    assert summary.close_days(at(1, 1), at(1, 1) + datetime.timedelta(days=500)) == 366
    assert summary.month_start(at(2, 1, 0, 30)) == FEB  # 2025-01-31 16:30 UTC
    assert summary.month_start(datetime.date(2025, 3, 31)) == MAR


def test_rebuild_of_one_agency_leaves_the_others_alone(data, world):
    HazardMonthStat.objects.all().delete()
    StatsWatermark.objects.all().delete()
    assert summary.rebuild(world.orgs["agency_b"].pk) == 2
    assert stats_rows() == {row for row in EXPECTED_ROWS if row[0] == "顺义"}
    assert not StatsWatermark.objects.exists()  # only a full rebuild moves the watermark


def _snapshot() -> dict[tuple, tuple]:
    """Cell key → (pk, figures) of every summary row."""
    return {
        (r.agency_id, r.street_id, r.month, r.grade, r.category, r.source): (
            r.pk,
            (r.found, r.closed, r.closed_on_time, r.close_days),
        )
        for r in HazardMonthStat.objects.all()
    }


def _figures(snapshot) -> dict[tuple, tuple]:
    return {key: value[1] for key, value in snapshot.items()}


@pytest.fixture
def settled(data):
    """The data as last read long ago: the next refresh reads only what changes now."""
    Hazard.objects.update(updated_at=at(4, 1))
    summary.rebuild()
    return data


def test_refresh_recomputes_only_the_cells_a_closed_hazard_touches(settled, world):
    h7 = settled[7]
    before = _snapshot()
    h7.status, h7.closed_at = HazardStatus.CLOSED, at(4, 2, 10)
    h7.save()
    moment = timezone.now()
    assert summary.refresh(now=moment) == {"cells": 2, "rows": 3}  # P's March and April
    after = _snapshot()
    a1, agency = world.streets["A1"].pk, world.orgs["agency"].pk
    touched = {key for key in after if key[:3] in {(agency, a1, MAR), (agency, a1, APR)}}
    assert len(touched) == 3
    for key, (pk, figures) in after.items():
        if key not in touched:
            assert before[key] == (pk, figures)  # untouched rows are not even rewritten
        else:
            assert key not in before or before[key][0] != pk
    april = (agency, a1, APR, "general", "临边防护", "supervision")
    assert after[april][1] == (0, 1, 0, {"28": 1})  # deadline 03-20: late; 03-05 → 04-02
    march = (agency, a1, MAR, "general", "临边防护", "supervision")
    assert after[march][1] == before[march][1]  # found there, but closed in April
    assert StatsWatermark.objects.get().value == moment - summary.MARGIN

    # Run twice: the same cells again (the margin), the same figures.
    assert summary.refresh(now=timezone.now())["cells"] == 2
    assert _figures(_snapshot()) == _figures(after)
    # And the incremental result is what a full rebuild gives.
    summary.rebuild()
    assert _figures(_snapshot()) == _figures(after)


def test_refresh_counts_a_new_hazard_and_leaves_an_unchanged_table_alone(settled, world):
    before = _snapshot()
    assert summary.refresh(now=timezone.now()) == {"cells": 0, "rows": 0}
    assert _snapshot() == before
    make_hazard(world.projects["Q"], at(4, 3), category="施工用电", deadline=at(4, 20))
    summary.refresh(now=timezone.now())
    cell = (world.orgs["agency"].pk, world.streets["A2"].pk, APR, "general", "施工用电")
    assert _figures(_snapshot())[(*cell, "supervision")] == (1, 0, 0, {})


def test_refresh_moves_a_hazard_whose_found_date_moved_to_another_month(settled, world):
    """h10 was entered in March by mistake: found on 2025-02-20. Both months must follow."""
    h10 = settled[10]
    h10.found_at = at(2, 20)
    h10.save()
    summary.refresh(now=timezone.now())
    incremental = _figures(_snapshot())
    summary.rebuild()
    assert incremental == _figures(_snapshot())


def test_refresh_without_a_watermark_rebuilds(data, world):
    HazardMonthStat.objects.all().delete()
    StatsWatermark.objects.all().delete()
    started = timezone.now()
    assert summary.refresh() == {"rebuilt": len(EXPECTED_ROWS)}
    assert stats_rows() == EXPECTED_ROWS
    mark = StatsWatermark.objects.get(name=summary.WATERMARK).value
    assert started - summary.MARGIN <= mark <= timezone.now() - summary.MARGIN
    # A watermark row without a value (never run) rebuilds too.
    StatsWatermark.objects.update(value=None)
    HazardMonthStat.objects.all().delete()
    assert summary.refresh() == {"rebuilt": len(EXPECTED_ROWS)}


def test_recompute_cells_ignores_hazards_of_projects_without_a_street(settled, world):
    assert summary.recompute_cells({(world.orgs["agency"].pk, None, MAR)}) == 0
    assert stats_rows() == EXPECTED_ROWS


# --- hazard flows: summary (agency staff) and live (companies) -----------------------------------

STAFF_MONTHS = {
    "2025-01": (2, 0, 1, 1, 100.0, 5.0),
    "2025-02": (3, 1, 3, 2, 66.7, 1.0),  # closed in 0, 1 and 10 days: the middle one
    "2025-03": (4, 2, 2, 1, 50.0, 9.5),  # 2 and 17 days: the mean of the two
    "2025-04": (0, 0, 0, 0, None, None),
}


@pytest.mark.parametrize("name", ["leader", "supervisor", "chief"])
def test_staff_flows_come_from_the_summary(data, world, name):
    board = dashboard(user(world, name), PERIOD, now=NOW)
    assert month_figures(board) == STAFF_MONTHS


def test_staff_flows_do_not_read_the_hazards(data, world, django_assert_num_queries):
    leader = user(world, "leader")
    leader.organization  # noqa: B018 - loaded, as every request does for the menu
    projects = scope_projects(leader, PERIOD)
    with django_assert_num_queries(1):
        flows = hazard_flows(leader, projects, PERIOD)
    assert {row["month"]: row["general"] for row in flows["months"]} == {
        "2025-01": 2,
        "2025-02": 3,
        "2025-03": 4,
        "2025-04": 0,
    }
    # Only the summary is read: emptying it empties the figures.
    HazardMonthStat.objects.all().delete()
    assert all(row["general"] == 0 for row in hazard_flows(leader, projects, PERIOD)["months"])


def test_a_company_gets_the_same_figures_live_as_the_staff_from_the_summary(data, world):
    a1, a2 = world.streets["A1"].pk, world.streets["A2"].pk
    # pm2 sees Q only (street A2); the group HQ sees P and R, of which P is on street A1.
    staff_a2 = dashboard(user(world, "leader"), DashFilters(JAN, APR, a2), now=NOW)
    company_q = dashboard(user(world, "pm2"), PERIOD, now=NOW)
    assert (
        month_figures(staff_a2)
        == month_figures(company_q)
        == {
            "2025-01": (0, 0, 0, 0, None, None),
            "2025-02": (1, 0, 0, 0, None, None),
            "2025-03": (1, 1, 1, 0, 0.0, 17.0),
            "2025-04": (0, 0, 0, 0, None, None),
        }
    )
    staff_a1 = dashboard(user(world, "leader"), DashFilters(JAN, APR, a1), now=NOW)
    group_a1 = dashboard(user(world, "grouphq"), DashFilters(JAN, APR, a1), now=NOW)
    assert (
        month_figures(staff_a1)
        == month_figures(group_a1)
        == {
            "2025-01": (2, 0, 1, 1, 100.0, 5.0),
            "2025-02": (2, 1, 3, 2, 66.7, 1.0),
            "2025-03": (3, 1, 1, 1, 100.0, 2.0),
            "2025-04": (0, 0, 0, 0, None, None),
        }
    )
    # The current states agree too (their links differ: the staff's carry the street).
    for left, right in ((staff_a2, company_q), (staff_a1, group_a1)):
        for key in ("open_total", "overdue_total", "major_total", "majors"):
            assert left["open"][key] == right["open"][key], key
        for key in ("by_status", "overdue_by_contractor", "overdue_by_group"):
            assert without_urls(left["open"][key]) == without_urls(right["open"][key]), key
        # The plan is the commission's: the company sees the inspections only.
        assert [r["inspections"] for r in left["inspections"]] == [
            r["inspections"] for r in right["inspections"]
        ]
        assert {r["planned"] for r in right["inspections"]} == {None}
        assert left["stop_work"] == right["stop_work"]


def without_urls(rows: list[dict]) -> list[dict]:
    return [{k: v for k, v in row.items() if k != "url"} for row in rows]


def test_median_of_an_even_count_of_equal_middles(data, world):
    # pm sees P and R: February closes in 1 (h2), 0 (h4), 10 (h5) and 1 (h12) days.
    board = dashboard(user(world, "pm"), PERIOD, now=NOW)
    assert month_figures(board)["2025-02"] == (3, 1, 4, 2, 50.0, 1.0)
    assert month_figures(board)["2025-03"] == (3, 2, 1, 1, 100.0, 2.0)


def test_period_filter_keeps_only_its_months(data, world):
    board = dashboard(user(world, "leader"), DashFilters(FEB, MAR), now=NOW)
    assert month_figures(board) == {k: STAFF_MONTHS[k] for k in ("2025-02", "2025-03")}
    assert [row["month"] for row in board["inspections"]] == ["2025-02", "2025-03"]
    live = dashboard(user(world, "pm2"), DashFilters(MAR, MAR), now=NOW)
    assert month_figures(live) == {"2025-03": (1, 1, 1, 0, 0.0, 17.0)}


def test_default_period_is_the_last_twelve_months():
    filters = DashFilters.default(today=datetime.date(2025, 4, 15))
    assert (filters.start, filters.end, filters.until) == (
        datetime.date(2024, 5, 1),
        APR,
        datetime.date(2025, 5, 1),
    )
    assert len(filters.months()) == 12


# --- open hazards --------------------------------------------------------------------------------


def test_open_hazards_overdue_and_majors_for_the_staff(data, world):
    board = dashboard(user(world, "leader"), PERIOD, now=NOW)["open"]
    assert {row["status"]: row["count"] for row in board["by_status"]} == {
        "issued": 3,  # h3, h10, h11
        "rectifying": 1,  # h7
        "replied": 1,  # h6
        "confirmed": 0,
        "disputed": 0,
    }
    assert board["open_total"] == 5
    assert board["overdue_total"] == 3  # h3, h7, h10; h6 is not owed, h11 not yet due
    a, b, g = world.orgs["contractor_a"], world.orgs["contractor_b"], world.orgs["group"]
    assert [(r["id"], r["count"]) for r in board["overdue_by_contractor"]] == [(a.pk, 2), (b.pk, 1)]
    assert [(r["id"], r["name"], r["count"]) for r in board["overdue_by_group"]] == [
        (g.pk, g.name, 2)
    ]
    assert board["major_total"] == 3
    assert [hz.pk for hz in board["majors"]] == [data[3].pk, data[6].pk, data[11].pk]
    assert board["majors"][0].project.name == world.projects["P"].name


def test_open_hazards_follow_now(data, world):
    earlier = dashboard(user(world, "leader"), PERIOD, now=at(3, 15))["open"]
    assert earlier["overdue_total"] == 1  # only h3 (deadline 02-10)
    later = dashboard(user(world, "leader"), PERIOD, now=at(5, 1))["open"]
    assert later["overdue_total"] == 4  # h11's deadline 04-30 passed too


def test_street_filter_narrows_every_figure(data, world):
    a2 = world.streets["A2"].pk
    board = dashboard(user(world, "leader"), DashFilters(JAN, APR, a2), now=NOW)
    assert board["open"]["open_total"] == 2
    assert board["open"]["overdue_total"] == 1
    assert [h.pk for h in board["open"]["majors"]] == [data[11].pk]
    assert [r["name"] for r in board["projects"]["by_street"]] == ["梨园镇"]
    for row in board["open"]["by_status"]:
        assert f"street={a2}" in row["url"]


def test_overdue_top_ten_by_contractor_and_group_in_order(data, world):
    """Twelve contractors, each of its own group and on its own project, owe 1–5 hazards."""
    owed = {1: 1, 2: 3, 3: 2, 4: 2, 5: 5, 6: 1, 7: 1, 8: 1, 9: 4, 10: 1, 11: 1, 12: 2}
    agency, a1 = world.orgs["agency"], world.streets["A1"]
    for i, n in owed.items():
        group = make_org(f"测试集团{i:02d}", OrgKind.GROUP)
        org = make_org(f"测试施工{i:02d}", OrgKind.CONTRACTOR, group=group)
        project = make_project(f"测试项目{i:02d}", a1, agency, seq=100 + i)
        ProjectParticipant.objects.create(
            project=project, organization=org, role=ParticipantRole.CONTRACTOR
        )
        for _ in range(n):
            make_hazard(project, at(3, 1), responsible_org=org, deadline=at(3, 31))
    leader = user(world, "leader")
    board = dashboard(leader, PERIOD, now=NOW)["open"]
    expected = [(5, 5), (9, 4), (2, 3), (3, 2), (4, 2), (12, 2), (1, 1), (6, 1), (7, 1), (8, 1)]
    # 测试施工01 … ties by name; contractor A (2) and B (1) of the base data join in.
    assert [(r["name"], r["count"]) for r in board["overdue_by_contractor"]] == [
        ("测试施工05", 5),
        ("测试施工09", 4),
        ("测试施工02", 3),
        ("京通建工集团第一建筑工程有限公司", 2),
        ("测试施工03", 2),
        ("测试施工04", 2),
        ("测试施工12", 2),
        ("测试施工01", 1),
        ("测试施工06", 1),
        ("测试施工07", 1),
    ]
    assert [(r["name"], r["count"]) for r in board["overdue_by_group"]] == [
        ("测试集团05", 5),
        ("测试集团09", 4),
        ("测试集团02", 3),
        ("京通建工集团有限公司", 2),
        ("测试集团03", 2),
        ("测试集团04", 2),
        ("测试集团12", 2),
        ("测试集团01", 1),
        ("测试集团06", 1),
        ("测试集团07", 1),
    ]
    assert board["overdue_total"] == 3 + sum(owed.values())
    assert len(expected) == 10
    for row in board["overdue_by_contractor"] + board["overdue_by_group"]:
        assert len(ledger_ids(leader, row["url"])) == row["count"], row


# --- 危大 on site, stop-work, projects, inspections against the plan ---------------------------


def make_work(project, category, level, status, n=[0]) -> DangerousWork:  # noqa: B006
    n[0] += 1
    return DangerousWork.objects.create(
        project=project,
        number=f"WD-{n[0]:03d}",
        name=f"危大工程{n[0]}",
        category=category,
        subtype=f"{category}:x",
        level=level,
        location="现场",
        status=status,
    )


def make_notice(world, project, kind, status, issued_at, n=[0]) -> RectificationNotice:  # noqa: B006
    n[0] += 1
    return RectificationNotice.objects.create(
        agency=project.agency,
        project=project,
        kind=kind,
        number=f"通知-{n[0]:03d}",
        status=status,
        issued_by=world.users["supervisor"],
        issued_at=issued_at,
    )


@pytest.fixture
def site(data, world):
    p, q, r = world.projects["P"], world.projects["Q"], world.projects["R"]
    make_work(p, "PIT", DANGER, dw.IN_PROGRESS)
    make_work(p, "PIT", SUPER, dw.DISCLOSED)
    make_work(p, "FORMWORK", DANGER, dw.ACCEPTANCE)
    make_work(p, "SCAFFOLD", DANGER, dw.COMPLETED)  # done
    make_work(p, "LIFTING", DANGER, dw.APPROVED)  # not yet on site
    make_work(q, "PIT", DANGER, dw.SUSPENDED)
    make_work(r, "PIT", SUPER, dw.IN_PROGRESS)  # agency B
    notices = {
        "p_full": make_notice(world, p, NoticeKind.FULL_STOP, NoticeStatus.ISSUED, at(4, 10)),
        "q_partial": make_notice(
            world, q, NoticeKind.PARTIAL_STOP, NoticeStatus.RECEIVED, at(4, 12)
        ),
        "p_lifted": make_notice(world, p, NoticeKind.PARTIAL_STOP, NoticeStatus.CLOSED, at(3, 1)),
        "p_rectify": make_notice(world, p, NoticeKind.RECTIFY, NoticeStatus.ISSUED, at(4, 11)),
        "r_full": make_notice(world, r, NoticeKind.FULL_STOP, NoticeStatus.ISSUED, at(4, 13)),
    }
    agency = world.orgs["agency"]
    a1, a2 = world.streets["A1"], world.streets["A2"]
    make_project("台湖镇待开工项目", a1, agency, seq=11, status=ProjectStatus.NOT_STARTED)
    make_project("台湖镇已竣工项目", a1, agency, seq=12, status=ProjectStatus.COMPLETED)
    make_project("梨园镇停工项目", a2, agency, seq=13, status=ProjectStatus.FULL_STOP)
    template = make_template(world)

    def inspect(project, finished, source=InspectionSource.SUPERVISION, **extra):
        return Inspection.objects.create(
            project=project,
            agency=project.agency,
            template=template,
            source=source,
            status=extra.pop("status", InspectionStatus.FINISHED),
            created_by=world.users["supervisor"],
            started_at=finished or at(3, 1),
            finished_at=finished,
        )

    inspect(p, at(1, 8))
    inspect(p, at(1, 31, 23, 50))  # January in Shanghai, February in UTC
    inspect(p, at(2, 6), InspectionSource.REMOTE)
    inspect(p, at(2, 7), InspectionSource.SELF)  # the company's own: not a supervision visit
    inspect(p, None, status=InspectionStatus.IN_PROGRESS)
    inspect(q, at(3, 9))
    inspect(r, at(2, 9))  # agency B
    chief = world.users["chief"]
    plans = {
        m: SupervisionPlan.objects.create(
            agency=agency, month=m, title="计划", created_by=chief, status=PlanStatus.PUBLISHED
        )
        for m in (JAN, FEB, MAR)
    }
    for month, project, day, status in (
        (JAN, p, 20, VisitStatus.DONE),
        (FEB, p, 3, VisitStatus.PLANNED),
        (FEB, p, 28, VisitStatus.PLANNED),
        (FEB, q, 14, VisitStatus.PLANNED),
        (MAR, q, 9, VisitStatus.DONE),
    ):
        PlannedVisit.objects.create(
            plan=plans[month], project=project, date=month.replace(day=day), status=status
        )
    return notices


def test_dangerous_works_on_site_by_category_and_level(site, world):
    board = dashboard(user(world, "leader"), PERIOD, now=NOW)
    assert [(e["category"], e["total"], e["levels"]) for e in board["dangerous_works"]] == [
        ("PIT", 3, {DANGER: 2, SUPER: 1}),
        ("FORMWORK", 1, {DANGER: 1}),
    ]
    a2 = world.streets["A2"].pk
    narrow = dashboard(user(world, "leader"), DashFilters(JAN, APR, a2), now=NOW)
    assert [(e["category"], e["total"]) for e in narrow["dangerous_works"]] == [("PIT", 1)]


def _works_listed(viewer, url) -> int:
    parts = urlsplit(url)
    assert parts.path == reverse("dangerous_works:list")
    form = WorkFilterForm(QueryDict(parts.query), user=viewer)
    return works(viewer, form.filters(), now=NOW).count()


def test_dangerous_works_links_list_the_counted_works(site, world):
    leader = user(world, "leader")
    for entry in dashboard(leader, PERIOD, now=NOW)["dangerous_works"]:
        assert _works_listed(leader, entry["url"]) == entry["total"]


def test_dangerous_works_links_keep_the_street_filter(site, world):
    leader = user(world, "leader")
    a2 = world.streets["A2"].pk
    for entry in dashboard(leader, DashFilters(JAN, APR, a2), now=NOW)["dangerous_works"]:
        assert _works_listed(leader, entry["url"]) == entry["total"]


def test_stop_work_notices_in_force(site, world):
    board = dashboard(user(world, "leader"), PERIOD, now=NOW)["stop_work"]
    assert board["total"] == 2
    assert [n.pk for n in board["notices"]] == [site["q_partial"].pk, site["p_full"].pk]
    assert board["notices"][0].project.name == world.projects["Q"].name
    outsider = dashboard(user(world, "outsider"), PERIOD, now=NOW)["stop_work"]
    assert [n.pk for n in outsider["notices"]] == [site["r_full"].pk]


def test_active_projects_by_status_and_street(site, world):
    board = dashboard(user(world, "leader"), PERIOD, now=NOW)["projects"]
    assert {row["status"]: row["count"] for row in board["by_status"]} == {
        "under_construction": 2,
        "not_started": 1,
        "full_stop": 1,
    }
    assert board["by_status"][0]["status"] == "under_construction"
    assert {row["name"]: (row["counts"], row["total"]) for row in board["by_street"]} == {
        "台湖镇": ({"under_construction": 1, "not_started": 1}, 2),
        "梨园镇": ({"under_construction": 1, "full_stop": 1}, 2),
    }


def _projects_listed(viewer, url) -> set[str]:
    parts = urlsplit(url)
    assert parts.path == reverse("projects:list")
    form = ProjectFilterForm(QueryDict(parts.query), user=viewer)
    return set(projects_filtered(viewer, form.filters()).values_list("name", flat=True))


def test_project_status_links_list_the_counted_projects(site, world):
    leader = user(world, "leader")
    for row in dashboard(leader, PERIOD, now=NOW)["projects"]["by_status"]:
        assert len(_projects_listed(leader, row["url"])) == row["count"], row


def test_project_status_links_keep_the_street_filter(site, world):
    leader = user(world, "leader")
    a1 = world.streets["A1"].pk
    board = dashboard(leader, DashFilters(JAN, APR, a1), now=NOW)["projects"]
    assert {row["status"]: row["count"] for row in board["by_status"]} == {
        "under_construction": 1,
        "not_started": 1,
    }
    for row in board["by_status"]:
        assert len(_projects_listed(leader, row["url"])) == row["count"], row


def test_project_street_links_list_the_counted_projects(site, world):
    """The street bar counts active projects; its list must not add the completed one."""
    leader = user(world, "leader")
    for row in dashboard(leader, PERIOD, now=NOW)["projects"]["by_street"]:
        assert len(_projects_listed(leader, row["url"])) == row["total"], row


def test_inspections_against_the_plan_per_local_month(site, world):
    board = dashboard(user(world, "leader"), PERIOD, now=NOW)
    assert board["inspections"] == [
        {"month": "2025-01", "inspections": 2, "planned": 1},
        {"month": "2025-02", "inspections": 1, "planned": 3},
        {"month": "2025-03", "inspections": 1, "planned": 1},
        {"month": "2025-04", "inspections": 0, "planned": 0},
    ]
    a1 = world.streets["A1"].pk
    narrow = dashboard(user(world, "leader"), DashFilters(JAN, APR, a1), now=NOW)
    assert [(r["inspections"], r["planned"]) for r in narrow["inspections"]] == [
        (2, 1),
        (1, 2),
        (0, 0),
        (0, 0),
    ]


def test_a_draft_plan_is_not_planned_yet(site, world):
    SupervisionPlan.objects.filter(month=FEB).update(status=PlanStatus.DRAFT)
    board = dashboard(user(world, "leader"), PERIOD, now=NOW)
    assert [row["planned"] for row in board["inspections"]] == [1, 0, 1, 0]


def test_a_cancelled_visit_is_not_planned(site, world):
    visit = PlannedVisit.objects.get(date=datetime.date(2025, 2, 28))
    visit.status = VisitStatus.CANCELLED
    visit.save()
    board = dashboard(user(world, "leader"), PERIOD, now=NOW)
    assert board["inspections"][1] == {"month": "2025-02", "inspections": 1, "planned": 2}


# --- scoping -------------------------------------------------------------------------------------


def test_agency_b_sees_nothing_of_agency_a(site, world, data):
    board = dashboard(user(world, "outsider"), PERIOD, now=NOW)
    assert month_figures(board) == {
        "2025-01": (0, 0, 0, 0, None, None),
        "2025-02": (1, 0, 1, 0, 0.0, 1.0),  # h12 only
        "2025-03": (0, 1, 0, 0, None, None),  # h14 only
        "2025-04": (0, 0, 0, 0, None, None),
    }
    opened = board["open"]
    assert (opened["open_total"], opened["overdue_total"], opened["major_total"]) == (1, 1, 1)
    assert [h.pk for h in opened["majors"]] == [data[14].pk]
    assert [(e["category"], e["levels"]) for e in board["dangerous_works"]] == [("PIT", {SUPER: 1})]
    assert [r["name"] for r in board["projects"]["by_street"]] == ["仁和镇"]
    assert [(r["inspections"], r["planned"]) for r in board["inspections"]] == [
        (0, 0),
        (1, 0),
        (0, 0),
        (0, 0),
    ]


def test_pm2_sees_only_project_q(site, world, data):
    board = dashboard(user(world, "pm2"), PERIOD, now=NOW)
    opened = board["open"]
    assert {r["status"]: r["count"] for r in opened["by_status"] if r["count"]} == {"issued": 2}
    assert [h.pk for h in opened["majors"]] == [data[11].pk]
    b = world.orgs["contractor_b"]
    assert [(r["id"], r["count"]) for r in opened["overdue_by_contractor"]] == [(b.pk, 1)]
    assert opened["overdue_by_group"] == []
    assert [(e["category"], e["levels"]) for e in board["dangerous_works"]] == [
        ("PIT", {DANGER: 1})
    ]
    assert [n.pk for n in board["stop_work"]["notices"]] == [site["q_partial"].pk]
    # Not the other project on Q's street, where contractor B does not take part.
    assert {r["name"]: r["total"] for r in board["projects"]["by_street"]} == {"梨园镇": 1}
    # Q's inspections, not the commission's plan.
    assert [(r["inspections"], r["planned"]) for r in board["inspections"]] == [
        (0, None),
        (0, None),
        (1, None),
        (0, None),
    ]


def test_someone_without_an_organisation_sees_nothing(data, world):
    nobody = User.objects.create(username="nobody")
    board = dashboard(nobody, PERIOD, now=NOW)
    assert all(row[:4] == (0, 0, 0, 0) for row in month_figures(board).values())
    assert board["open"]["open_total"] == 0 and board["projects"]["by_status"] == []


# --- click-through: each link lists exactly the counted hazards ---------------------------------


@pytest.mark.parametrize(
    ("name", "street"),
    [("leader", None), ("leader", "A1"), ("pm", None), ("pm2", None), ("grouphq", "A1")],
)
def test_every_hazard_link_lists_exactly_the_counted_hazards(data, world, name, street):
    viewer = user(world, name)
    filters = DashFilters(JAN, APR, world.streets[street].pk if street else None)
    board = dashboard(viewer, filters, now=NOW)
    for row in board["flows"]["months"]:
        for grade in ("general", "major"):
            assert len(ledger_ids(viewer, row[f"{grade}_url"])) == row[grade], (row, grade)
        assert len(ledger_ids(viewer, row["closed_url"])) == row["closed"], row
    opened = board["open"]
    for row in opened["by_status"]:
        assert len(ledger_ids(viewer, row["url"])) == row["count"], row
    assert len(ledger_ids(viewer, opened["overdue_url"])) == opened["overdue_total"]
    assert len(ledger_ids(viewer, opened["major_url"])) == opened["major_total"]
    for row in opened["overdue_by_contractor"] + opened["overdue_by_group"]:
        assert len(ledger_ids(viewer, row["url"])) == row["count"], row


def test_links_list_the_very_hazards_counted(data, world):
    leader = user(world, "leader")
    board = dashboard(leader, PERIOD, now=NOW)
    feb = board["flows"]["months"][1]
    assert ledger_ids(leader, feb["general_url"]) == pks(data[4], data[5], data[9])
    assert ledger_ids(leader, feb["major_url"]) == pks(data[3])  # 00:30 on 1 February
    assert ledger_ids(leader, feb["closed_url"]) == pks(data[2], data[4], data[5])
    mar = board["flows"]["months"][2]
    assert ledger_ids(leader, mar["closed_url"]) == pks(data[13], data[9])  # 00:05 on 1 March
    opened = board["open"]
    assert ledger_ids(leader, opened["overdue_url"]) == pks(data[3], data[7], data[10])
    assert ledger_ids(leader, opened["major_url"]) == pks(data[3], data[6], data[11])
    a = opened["overdue_by_contractor"][0]
    assert ledger_ids(leader, a["url"]) == pks(data[3], data[7])


def test_group_link_lists_only_the_hazards_counted_for_the_group(data, world):
    """Another company of group G takes part in Q (its builder) but owes none of Q's hazards."""
    developer = make_org("京通置业有限公司", OrgKind.BUILDER, group=world.orgs["group"])
    ProjectParticipant.objects.create(
        project=world.projects["Q"], organization=developer, role=ParticipantRole.BUILDER
    )
    for name in ("leader", "grouphq"):
        viewer = user(world, name)
        board = dashboard(viewer, PERIOD, now=NOW)["open"]
        (group,) = board["overdue_by_group"]
        assert len(ledger_ids(viewer, group["url"])) == group["count"], name


def test_admin_links_list_the_counted_hazards(data, world):
    """The administrator may see every project (R of agency B too): whatever the dashboard
    covers, its links must list the hazards it counts."""
    admin = user(world, "admin")
    board = dashboard(admin, PERIOD, now=NOW)
    for row in board["flows"]["months"]:
        for grade in ("general", "major"):
            assert len(ledger_ids(admin, row[f"{grade}_url"])) == row[grade], (row, grade)
    opened = board["open"]
    assert len(ledger_ids(admin, opened["major_url"])) == opened["major_total"]
    assert len(ledger_ids(admin, opened["overdue_url"])) == opened["overdue_total"]


# --- pinned query counts -------------------------------------------------------------------------

STAFF_QUERIES = 14  # the user's organisation, then 13 figures (flows: one summary read)
COMPANY_QUERIES = 14  # the organisation, then 13 (flows: found and closed, live; no plan)


def _grow(world):
    """More projects, hazards, works and notices in both scopes."""
    agency, a1 = world.orgs["agency"], world.streets["A1"]
    contractor = world.orgs["contractor_a"]
    for i in range(6):
        project = make_project(f"扩充项目{i}", a1, agency, seq=200 + i)
        ProjectParticipant.objects.create(
            project=project, organization=contractor, role=ParticipantRole.CONTRACTOR
        )
        for j in range(5):
            make_hazard(
                project,
                at(1 + j % 3, 3 + i),
                grade="major" if j % 2 else "general",
                responsible_org=contractor,
                deadline=at(2, 1),
            )
            make_hazard(project, at(2, 3 + j), **closed(at(3, 1 + i), at(3, 2)))
        make_work(project, "PIT", DANGER, dw.IN_PROGRESS)
        make_notice(world, project, NoticeKind.FULL_STOP, NoticeStatus.ISSUED, at(4, 1 + i))
    summary.rebuild()


@pytest.mark.parametrize(("name", "expected"), [("leader", STAFF_QUERIES), ("pm", COMPANY_QUERIES)])
def test_dashboard_query_count_is_pinned_and_does_not_grow(
    site, world, django_assert_num_queries, name, expected
):
    viewer = user(world, name)
    with django_assert_num_queries(expected):
        dashboard(viewer, PERIOD, now=NOW)
    _grow(world)
    viewer = user(world, name)
    with django_assert_num_queries(expected):
        board = dashboard(viewer, PERIOD, now=NOW)
    assert board["open"]["major_total"] > 3
