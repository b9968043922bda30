"""The hazard ledger (隐患台账): filters, visibility, counts, sorting, pages and the Excel export."""

import datetime
import io
import tempfile
import time
import tracemalloc

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from anjian.core.excel import write_xlsx
from anjian.hazards.excel import LEDGER_HEADERS, LEDGER_WIDTHS, ledger_rows
from anjian.hazards.filters import LedgerFilterForm
from anjian.hazards.models import Hazard, HazardPhoto, RectificationNotice
from anjian.hazards.selectors import LEDGER_SORTS, LedgerFilters, ledger, status_counts
from anjian.inspections.models import MajorHazardClause
from anjian.projects.models import Project

pytestmark = pytest.mark.django_db

NOW = timezone.now().replace(microsecond=0)
DAY = datetime.timedelta(days=1)


def local(*args) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime(*args))


def make_hazard(project, number, **fields):
    defaults = {
        "agency": project.agency,
        "source": "supervision",
        "description": f"隐患{number}",
        "location": "现场",
        "category": "",
        "grade": "general",
        "status": "issued",
        "deadline": NOW + 7 * DAY,
        "found_at": local(2026, 3, 1, 10),
    }
    defaults.update(fields)
    return Hazard.objects.create(project=project, number=number, **defaults)


@pytest.fixture
def hz(world):
    """Six hazards on P, Q and R (R belongs to agency B) in different states."""
    p, q, r = (world.projects[k] for k in "PQR")
    orgs = world.orgs
    clause = MajorHazardClause.objects.create(
        code="MH2024-T-1",
        label="第8条第4项",
        article=8,
        item=4,
        category="起重机械",
        text="起重机械安全装置失效",
    )
    notice = RectificationNotice.objects.create(
        agency=orgs["agency"],
        project=p,
        kind="rectify",
        number="通住建安监改字〔2026〕1号",
        issued_by=world.users["supervisor"],
        issued_at=local(2026, 3, 1, 11),
    )
    h = {
        1: make_hazard(
            p,
            "YH-001",
            description="脚手架连墙件缺失",
            location="3#楼",
            category="脚手架",
            deadline=NOW - 3 * DAY,
            found_at=local(2026, 3, 1, 10),
            responsible_org=orgs["contractor_a"],
            responsible_person="张伟",
            notice=notice,
        ),
        2: make_hazard(
            p,
            "YH-002",
            description="塔吊限位失效",
            location="1#塔吊",
            category="起重机械",
            grade="major",
            major_clause=clause,
            status="replied",
            deadline=NOW - DAY,
            found_at=local(2026, 3, 5, 9),
            source="self",
            responsible_org=orgs["contractor_a"],
            replied_at=local(2026, 3, 6, 16),
        ),
        3: make_hazard(
            p,
            "YH-003",
            description="临边防护缺失",
            location="5#楼",
            category="高处作业",
            status="closed",
            found_at=local(2026, 3, 2, 0, 30),
            source="worker",
            closed_at=local(2026, 3, 10, 15),
            reviewed_by=world.users["supervisor"],
            deadline=NOW - 10 * DAY,
        ),
        4: make_hazard(
            q,
            "YH-004",
            description="配电箱未接地",
            location="生活区",
            category="施工用电",
            deadline=NOW + 2 * DAY,
            found_at=local(2026, 3, 3, 14),
            responsible_org=orgs["contractor_b"],
        ),
        5: make_hazard(
            q,
            "YH-005",
            description="基坑临边未设防护",
            location="基坑",
            category="基坑工程",
            grade="major",
            status="rectifying",
            deadline=NOW - 5 * DAY,
            found_at=local(2026, 3, 8, 8),
            source="remote",
            responsible_org=orgs["contractor_b"],
        ),
        6: make_hazard(
            r,
            "YH-006",
            agency=orgs["agency_b"],
            description="外架安全网破损",
            location="2#楼",
            category="脚手架",
            status="withdrawn",
            found_at=local(2026, 3, 4, 12),
            deadline=NOW + 3 * DAY,
            responsible_org=orgs["contractor_a"],
        ),
    }
    return h


def numbers(qs) -> set[str]:
    return {h.number for h in qs}


def run(world, persona="admin", **filters) -> list[str]:
    return [h.number for h in ledger(world.user(persona), LedgerFilters(**filters), now=NOW)]


def form_filters(world, persona="admin", **data) -> LedgerFilters:
    return LedgerFilterForm(data, user=world.user(persona)).filters()


# --- visibility -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("persona", "expected"),
    [
        ("admin", {1, 2, 3, 4, 5, 6}),
        ("supervisor", {1, 2, 3, 4, 5}),
        ("pm", {1, 2, 3, 6}),
        ("pm2", {4, 5}),
        ("grouphq", {1, 2, 3, 6}),
        ("outsider", {6}),
    ],
)
def test_each_persona_sees_the_hazards_of_the_projects_they_may_see(world, hz, persona, expected):
    assert set(run(world, persona)) == {hz[i].number for i in expected}


def test_an_inactive_user_sees_no_hazards(world, hz):
    user = world.user("supervisor")
    user.is_active = False
    user.save()
    assert run(world, "supervisor") == []


# --- filters ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        ({"q": "脚手架"}, {1}),
        ({"q": "yh-004"}, {4}),
        ({"q": "梨园镇"}, {4, 5}),
        ({"q": "生活区"}, {4}),
        ({"category": "脚手架"}, {1, 6}),
        ({"grade": "major"}, {2, 5}),
        ({"status": "issued"}, {1, 4}),
        ({"source": "self"}, {2}),
        ({"overdue": "on"}, {1, 5}),
        ({"open": "on"}, {1, 2, 4, 5}),
        # found_at is compared on local dates: YH-003 was found at 00:30 on 2 March, Beijing time.
        ({"found_to": "2026-03-01"}, {1}),
        ({"found_from": "2026-03-02", "found_to": "2026-03-02"}, {3}),
        ({"found_from": "2026-03-04"}, {2, 5, 6}),
        ({"closed_from": "2026-03-10"}, {3}),
        ({"closed_to": "2026-03-09"}, set()),
        ({"grade": "major", "overdue": "on"}, {5}),
    ],
)
def test_each_filter_returns_exactly_the_matching_hazards(world, hz, data, expected):
    filters = form_filters(world, **data)
    assert set(run(world, **vars(filters))) == {hz[i].number for i in expected}


def test_project_street_contractor_and_group_filters(world, hz):
    w = world
    cases = [
        ({"project": w.projects["Q"].pk}, {4, 5}),
        ({"street": w.streets["A1"].pk}, {1, 2, 3}),
        ({"contractor": w.orgs["contractor_b"].pk}, {4, 5}),
        ({"contractor": w.orgs["contractor_a"].pk}, {1, 2, 6}),
        ({"group": w.orgs["group"].pk}, {1, 2, 3, 6}),
        ({"street": w.streets["A2"].pk, "overdue": "on"}, {5}),
    ]
    for data, expected in cases:
        filters = form_filters(w, **data)
        assert set(run(w, **vars(filters))) == {hz[i].number for i in expected}, data


def test_invalid_values_are_dropped_instead_of_failing(world, hz):
    filters = form_filters(
        world,
        "supervisor",
        project="999999",
        street="x",
        status="bogus",
        grade="minor",
        found_from="not-a-date",
        closed_to="2026-02-30",
        sort="password",
        overdue="maybe",
    )
    assert filters == LedgerFilters(overdue=True)  # "maybe" is a truthy checkbox value
    assert filters.sort == "-found"


def test_choices_are_scoped_to_what_the_user_may_see(world, hz):
    form = LedgerFilterForm({}, user=world.user("pm2"))
    assert [c for c, _label in form.fields["category"].choices] == ["", "基坑工程", "施工用电"]
    assert set(form.fields["project"].queryset) == {world.projects["Q"]}
    assert world.orgs["contractor_a"] not in form.fields["contractor"].queryset
    # A project the user may not see is dropped, not applied.
    filters = form_filters(world, "supervisor", project=world.projects["R"].pk)
    assert filters.project is None


def test_every_sort_of_the_selector_is_a_valid_choice(world):
    choices = {
        value
        for value, _label in LedgerFilterForm({}, user=world.user("pm")).fields["sort"].choices
    }
    assert choices == {f"{d}{key}" for key in LEDGER_SORTS for d in ("", "-")}
    assert form_filters(world, "pm", sort="-closed").sort == "-closed"


def test_the_category_choices_take_one_query(world, hz, django_assert_num_queries):
    user = world.user("supervisor")
    with django_assert_num_queries(1):
        LedgerFilterForm({}, user=user)  # the categories; the other choices are lazy


# --- sorting and counts -------------------------------------------------------------------------


def test_sorting(world, hz):
    assert run(world, sort="found") == ["YH-001", "YH-003", "YH-004", "YH-006", "YH-002", "YH-005"]
    assert run(world) == ["YH-005", "YH-002", "YH-006", "YH-004", "YH-003", "YH-001"]
    assert run(world, sort="deadline") == [
        "YH-003",
        "YH-005",
        "YH-001",
        "YH-002",
        "YH-004",
        "YH-006",
    ]
    assert run(world, sort="-grade")[:2] == ["YH-005", "YH-002"]
    # By project name in the database's collation, then newest first within a project.
    names = list(Project.objects.order_by("name").values_list("name", flat=True))
    by_project = ledger(world.user("admin"), LedgerFilters(sort="project"))
    assert [(h.project.name, h.number) for h in by_project] == [
        (name, number)
        for name in names
        for number in sorted(
            (h.number for h in hz.values() if h.project.name == name), reverse=True
        )
    ]


def test_status_counts(world, hz):
    counts = status_counts(ledger(world.user("supervisor"), LedgerFilters()), now=NOW)
    by_status = {row["value"]: row["count"] for row in counts["by_status"]}
    assert by_status == {
        "issued": 2,
        "rectifying": 1,
        "replied": 1,
        "confirmed": 0,
        "disputed": 0,
        "closed": 1,
        "withdrawn": 0,
    }
    assert counts["total"] == 5
    assert counts["overdue"] == 2


# --- pages ------------------------------------------------------------------------------------


def test_ledger_page_lists_visible_hazards_with_counts_and_overdue_days(world, hz, client_as):
    response = client_as("supervisor").get(reverse("hazards:ledger"))
    assert response.status_code == 200
    html = response.content.decode()
    for i in (1, 2, 3, 4, 5):
        assert hz[i].number in html
    assert "YH-006" not in html
    assert 'data-testid="count-total">5<' in html
    assert 'data-testid="count-issued">2<' in html
    assert 'data-testid="count-overdue">2<' in html
    assert "已逾期 3 天" in html and "已逾期 5 天" in html
    assert 'data-testid="countdown"' in html  # YH-004 is due in two days
    assert 'id="filters"' in html and 'hx-target="#results"' in html
    assert reverse("hazards:ledger_export") in html


def test_ledger_page_keeps_filters_in_sort_links_and_export(world, hz, client_as):
    response = client_as("supervisor").get(reverse("hazards:ledger"), {"status": "issued"})
    html = response.content.decode()
    assert set(h.number for h in response.context["page"]) == {"YH-001", "YH-004"}
    assert "?status=issued&amp;sort=deadline" in html
    assert f'{reverse("hazards:ledger_export")}?status=issued"' in html


def test_an_htmx_request_gets_only_the_results(world, hz, client_as):
    response = client_as("pm2").get(
        reverse("hazards:ledger"), {"q": "配电箱"}, headers={"HX-Request": "true"}
    )
    html = response.content.decode()
    assert html.lstrip().startswith('<div id="results">')
    assert 'id="filters"' not in html and "<html" not in html
    assert "YH-004" in html and "YH-005" not in html


def _page_queries(client, url) -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx.captured_queries)


def test_ledger_page_queries_do_not_grow_with_rows(world, client_as, django_assert_max_num_queries):
    client = client_as("supervisor")
    url = reverse("hazards:ledger")
    for n in range(5):
        make_hazard(world.projects["P"], f"A-{n}", responsible_org=world.orgs["contractor_a"])
    client.get(url)  # warm the session and the content types
    few = _page_queries(client, url)
    for n in range(45):
        make_hazard(world.projects["Q"], f"B-{n}", category=f"类别{n % 7}")
    many = _page_queries(client, url)
    assert few == many
    with django_assert_max_num_queries(14):
        client.get(url, {"status": "issued", "project": world.projects["Q"].pk, "sort": "deadline"})


def test_project_tab_shows_the_projects_hazards_and_notices(world, hz, client_as):
    response = client_as("pm").get(reverse("hazards:project_tab", args=[world.projects["P"].pk]))
    assert response.status_code == 200
    html = response.content.decode()
    assert {"YH-001", "YH-002", "YH-003"} <= set(h.number for h in response.context["hazards"])
    assert "YH-006" not in html and "YH-004" not in html
    assert "通住建安监改字〔2026〕1号" in html
    assert reverse("hazards:notice_detail", args=[hz[1].notice_id]) in html
    assert 'data-testid="count-total">3<' in html


def test_project_tab_queries_are_pinned(world, hz, client_as, django_assert_max_num_queries):
    client = client_as("supervisor")
    url = reverse("hazards:project_tab", args=[world.projects["P"].pk])
    client.get(url)
    for n in range(30):
        make_hazard(world.projects["P"], f"C-{n}")
    with django_assert_max_num_queries(12):
        client.get(url)


def test_project_tab_of_an_invisible_project_is_404(world, hz, client_as):
    response = client_as("pm2").get(reverse("hazards:project_tab", args=[world.projects["P"].pk]))
    assert response.status_code == 404


# --- Excel export ---------------------------------------------------------------------------------


def _photo(hazard, kind):
    return HazardPhoto.objects.create(
        hazard=hazard,
        kind=kind,
        original="o.jpg",
        image="i.jpg",
        thumbnail="t.jpg",
        sha256="0" * 64,
    )


def _sheet(response):
    assert response.status_code == 200
    assert response["Content-Type"].startswith(
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    wb = load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    rows = list(wb.active.iter_rows(values_only=True))
    return rows[0], [dict(zip(rows[0], row, strict=True)) for row in rows[1:]]


def test_export_writes_the_filtered_visible_ledger(world, hz, client_as):
    before = [_photo(hz[1], "before"), _photo(hz[1], "before")]
    after = _photo(hz[1], "after")
    _photo(hz[6], "before")
    headers, rows = _sheet(client_as("supervisor").get(reverse("hazards:ledger_export")))
    assert list(headers) == LEDGER_HEADERS
    assert len(LEDGER_WIDTHS) == len(LEDGER_HEADERS)
    assert [r["隐患编号"] for r in rows] == ["YH-005", "YH-002", "YH-004", "YH-003", "YH-001"]
    row = rows[-1]
    link = "http://testserver/hazards/photos/{}/image/"
    assert row["发现日期"].date() == datetime.date(2026, 3, 1)
    assert row["工程名称"] == world.projects["P"].name
    assert row["街道"] == "台湖镇"
    assert row["隐患描述"] == "脚手架连墙件缺失"
    assert row["部位"] == "3#楼" and row["类别"] == "脚手架"
    assert row["等级"] == "一般事故隐患" and row["重大隐患条款"] is None
    assert row["责任单位"] == world.orgs["contractor_a"].name and row["责任人"] == "张伟"
    expected_deadline = timezone.localtime(hz[1].deadline).replace(tzinfo=None)
    assert abs(row["整改期限"] - expected_deadline) < datetime.timedelta(seconds=1)
    assert row["状态"] == "待整改" and row["是否逾期"] == "是" and row["来源"] == "监督检查"
    assert row["通知书编号"] == "通住建安监改字〔2026〕1号"
    assert row["整改前照片"] == "\n".join(link.format(p.pk) for p in before)
    assert row["整改后照片"] == link.format(after.pk)
    major, closed, due = rows[1], rows[3], rows[2]
    assert (
        major["等级"] == "重大事故隐患"
        and major["重大隐患条款"] == "第8条第4项 起重机械安全装置失效"
    )
    assert major["是否逾期"] == "否"  # replied: the contractor no longer owes anything
    assert major["整改回复时间"] == datetime.datetime(2026, 3, 6, 16)
    assert closed["销号时间"] == datetime.datetime(2026, 3, 10, 15)
    assert closed["复查人"] == str(world.users["supervisor"])
    assert closed["整改前照片"] is None and due["是否逾期"] == "否"


def test_export_follows_the_filters_and_visibility(world, hz, client_as):
    url = reverse("hazards:ledger_export")
    _, rows = _sheet(client_as("pm2").get(url))
    assert {r["隐患编号"] for r in rows} == {"YH-004", "YH-005"}
    _, rows = _sheet(client_as("supervisor").get(url, {"status": "issued", "sort": "found"}))
    assert [r["隐患编号"] for r in rows] == ["YH-001", "YH-004"]
    _, rows = _sheet(client_as("outsider").get(url, {"project": world.projects["P"].pk}))
    assert [r["隐患编号"] for r in rows] == ["YH-006"]  # P is not theirs: the filter is dropped


def test_export_queries_do_not_grow_with_rows(world, hz):
    for hazard in hz.values():
        _photo(hazard, "before")
    qs = ledger(world.user("admin"), LedgerFilters())
    with CaptureQueriesContext(connection) as ctx:
        rows = list(ledger_rows(qs, base_url="https://x.example", chunk_size=4))
    assert len(rows) == 6
    # One streamed SELECT of the hazards (read chunk by chunk) and one photo query per chunk.
    assert len(ctx.captured_queries) == 3


def test_export_memory_stays_constant(world):
    """10,000 hazards stream through ledger_rows and write_xlsx: memory grows by under 40 MB
    (bench/bench_ledger_export.py measures 100,000)."""
    n = 10_000
    p = world.projects["P"]
    found = local(2026, 1, 1, 8)
    Hazard.objects.bulk_create(
        [
            Hazard(
                project=p,
                agency=p.agency,
                number=f"M-{i:06d}",
                source="supervision",
                description=f"第{i}号隐患：脚手架连墙件缺失，剪刀撑不连续，安全网破损需更换",
                location=f"{i % 30}#楼",
                category="脚手架",
                status="issued",
                deadline=found + 7 * DAY,
                found_at=found + datetime.timedelta(minutes=i),
            )
            for i in range(n)
        ],
        batch_size=2000,
    )
    ids = list(Hazard.objects.filter(number__startswith="M-").values_list("pk", flat=True)[:4000])
    HazardPhoto.objects.bulk_create(
        [
            HazardPhoto(
                hazard_id=pk,
                kind="before",
                original="o.jpg",
                image="i.jpg",
                thumbnail="t.jpg",
                sha256="0" * 64,
            )
            for pk in ids
        ],
        batch_size=2000,
    )
    qs = ledger(world.user("admin"), LedgerFilters(sort="found"))

    def export(queryset):
        with tempfile.TemporaryFile() as tmp:
            write_xlsx(tmp, "隐患台账", LEDGER_HEADERS, ledger_rows(queryset, base_url="https://x"))
            return tmp.tell()

    export(qs[:10])  # warm up: first-use imports and caches are not the export's growth
    started = time.perf_counter()
    size, growth = _peak_growth(lambda: export(qs))
    assert size > 500_000
    # Materialising the rows and a normal workbook instead grows by about 95 MB here.
    assert growth < 40 * 1024 * 1024, f"peak grew by {growth / 1e6:.1f} MB"
    assert time.perf_counter() - started < 120


def _status_kb(key: str) -> int:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith(key + ":"):
                return int(line.split()[1])
    raise OSError(key)


def _peak_growth(run) -> tuple:
    """(run's result, how many bytes the process's peak memory grew by while it ran).

    On Linux the peak resident set (VmHWM) is reset through /proc/self/clear_refs, which counts
    every allocation (SQLite's and openpyxl's too) at no cost; elsewhere tracemalloc measures
    the Python heap (several times slower).
    """
    try:
        before = _status_kb("VmRSS")
        with open("/proc/self/clear_refs", "w") as clear:
            clear.write("5")
    except OSError:
        tracemalloc.start()
        try:
            result = run()
            return result, tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()
    result = run()
    return result, (_status_kb("VmHWM") - before) * 1024
