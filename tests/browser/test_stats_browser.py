"""统计 (the leader dashboard) in real browsers.

`chief` opens 统计 on a desktop, waits for the ECharts charts, and clicks with the mouse (at the
pixel ECharts converts the bar's value to) the 一般 segment of a month in "hazards found per
month": the hazard ledger opens with that month and grade in its filters and counts exactly the
bar's value. The same for a slice of "open hazards by status" and a bar of "overdue hazards by
contractor". Every other hazard figure of the page (each month, grade, status, contractor, group,
closed count) is checked against what its link's ledger counts. `pm` opens the dashboard on a phone: his company's projects only, no planned visits,
no "where to go next", nothing scrolls sideways, and the risk map shows a marker per project
(no tiles under tests).
"""

import calendar
import json
import re
from urllib.parse import parse_qs, urlsplit

import pytest
from django.http import QueryDict
from django.utils import translation
from playwright.sync_api import expect

from anjian.accounts.models import User
from anjian.hazards.filters import LedgerFilterForm
from anjian.hazards.selectors import ledger
from anjian.inspections.choices import HazardGrade
from anjian.projects.choices import ACTIVE_STATUSES
from anjian.stats import selectors

from .conftest import log_in

pytestmark = [
    pytest.mark.browser,
    pytest.mark.usefixtures("demo_data"),
]

DASHBOARD_URL = re.compile(r"/stats/$")
LEDGER_URL = re.compile(r"/hazards/\?")
PHONE_WIDTH = 375


def zh(message: str) -> str:
    """A message as the Chinese UI shows it (the same catalogue the live server uses)."""
    with translation.override("zh-hans"):
        return translation.gettext(message)


def charts_json(page) -> dict:
    """The page's chart specs (json_script `dash-charts`), by key."""
    return {spec["key"]: spec for spec in json.loads(page.locator("#dash-charts").text_content())}


def wait_for_chart(page, key):
    """Wait until the chart's canvas is drawn and its elements have reached their final layout
    (the bars grow for 400 ms: a click before then could hit a neighbour)."""
    page.wait_for_function(
        """key => {
            const box = document.getElementById(`chart-${key}`);
            const chart = box && window.echarts && echarts.getInstanceByDom(box);
            if (!chart || !box.querySelector("canvas")) return false;
            const series = chart.getModel().getSeries();
            if (!series.length) return false;
            return series.every((s) => {
                const data = s.getData();
                for (let i = 0; i < data.count(); i++) {
                    const el = data.getItemGraphicEl(i), layout = data.getItemLayout(i);
                    if (!el || !layout || !el.shape) continue;
                    for (const k of ["x", "y", "width", "height", "r", "r0", "startAngle", "endAngle"]) {
                        if (k in layout && k in el.shape && Math.abs(el.shape[k] - layout[k]) > 0.01) {
                            return false;
                        }
                    }
                }
                return true;
            });
        }""",
        arg=key,
    )


def click_at(page, key, point_js, arg):
    """A real mouse click at a pixel of chart `key`, computed in the page by `point_js`
    ((chart, arg) => [x, y] in the chart's own pixels)."""
    box = page.locator(f"#chart-{key}")
    box.scroll_into_view_if_needed()
    wait_for_chart(page, key)
    x, y = page.evaluate(
        f"""([key, arg]) => {{
            const chart = echarts.getInstanceByDom(document.getElementById(`chart-${{key}}`));
            return ({point_js})(chart, arg);
        }}""",
        [key, arg],
    )
    rect = box.bounding_box()
    assert rect and 0 <= x <= rect["width"] and 0 <= y <= rect["height"], (x, y, rect)
    page.mouse.move(rect["x"] + x, rect["y"] + y)
    page.mouse.click(rect["x"] + x, rect["y"] + y)


# The names of the series ECharts draws for chart `key` (not the stacked totals' helper series).
SERIES_NAMES = """key => echarts.getInstanceByDom(document.getElementById(`chart-${key}`))
    .getOption().series.map((s) => s.name).filter(Boolean)"""
# The centre of a bar segment of series `series` at category `label`: ECharts converts
# (category, value) to pixels; the first series of a stack starts at 0, so its middle is value/2.
BAR_CENTRE = """(chart, [series, label, value, horizontal]) =>
    chart.convertToPixel({seriesIndex: series}, horizontal ? [value / 2, label] : [label, value / 2])"""
# The middle of a pie slice: halfway between its angles and between its inner and outer radius.
SLICE_CENTRE = """(chart, index) => {
    const layout = chart.getModel().getSeriesByIndex(0).getData().getItemLayout(index);
    const angle = (layout.startAngle + layout.endAngle) / 2;
    const radius = (layout.r0 + layout.r) / 2;
    return [layout.cx + radius * Math.cos(angle), layout.cy + radius * Math.sin(angle)];
}"""


def ledger_count(page) -> int:
    """The ledger's "N 条隐患" above the list."""
    text = page.get_by_test_id("result-count").inner_text()
    match = re.search(r"\d+", text)
    assert match, text
    return int(match[0])


def query(url: str) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(urlsplit(url).query).items()}


def ledger_for_link(user, url: str) -> int:
    """How many hazards the ledger page shows `user` for a chart's link (its own filter form)."""
    form = LedgerFilterForm(QueryDict(urlsplit(url).query), user=user)
    return ledger(user, form.filters()).count()


def hazard_links(spec, columns=None):
    """(row label, column name, value, url) of every cell of a chart that opens the ledger."""
    for row in spec["rows"]:
        for index, column in enumerate(spec["columns"]):
            cell = row["cells"][index]
            if columns is not None and column["name"] not in columns:
                continue
            if cell["url"] and cell["url"].startswith("/hazards/") and cell["value"] is not None:
                yield row["label"], column["name"], cell["value"], cell["url"]


def assert_links_match_the_ledger(user, specs):
    """Every hazard figure of the dashboard is what its link's ledger counts."""
    closed = [zh("Closed")]
    checked = 0
    for key, columns in (
        ("found", None),
        ("open", None),
        ("overdue_contractor", None),
        ("overdue_group", None),
        ("rectification", closed),
    ):
        for label, column, value, url in hazard_links(specs[key], columns):
            assert ledger_for_link(user, url) == value, (user.username, key, label, column, url)
            checked += 1
    return checked


def assert_lands_on_ledger(page, url: str, value: int, what: str):
    """After a click: the ledger with `url`'s filters, counting `value` hazards."""
    page.wait_for_url(LEDGER_URL)
    expect(page.get_by_test_id("result-count")).to_be_visible()
    assert query(page.url) == query(url), (what, page.url, url)
    assert ledger_count(page) == value, (what, page.url, ledger_count(page), value)


def test_chief_clicks_through_the_dashboard_charts_to_the_ledger(desktop):
    page = desktop
    chief = User.objects.get(username="chief")
    data = selectors.dashboard(chief, selectors.DashFilters.default())
    projects = sum(row["count"] for row in data["projects"]["by_status"])

    log_in(page, "chief")
    page.locator("#mainnav a.nav-link[href='/stats/']").click()
    page.wait_for_url(DASHBOARD_URL)
    specs = charts_json(page)
    drawn = [key for key, spec in specs.items() if not spec["empty"]]
    assert {"found", "open", "overdue_contractor"} <= set(drawn), drawn
    for key in drawn:  # every chart with data is drawn, its table folded away
        expect(page.locator(f"#chart-{key} canvas").first).to_be_attached()
        expect(
            page.locator(f"[data-testid='chart-{key}'] details[data-dash-table]")
        ).not_to_have_attribute("open", "")
    expect(page.get_by_test_id("kpi-projects-value")).to_have_text(str(projects))
    # Agency staff see the planned visits against the inspections, and where to go next.
    wait_for_chart(page, "inspections")
    inspections = page.evaluate(SERIES_NAMES, "inspections")
    assert inspections == [c["name"] for c in specs["inspections"]["columns"]], inspections
    assert len(inspections) == 2, inspections
    expect(page.get_by_test_id("where-next")).to_be_visible()
    # Every hazard figure (every month, status, contractor, group) opens the same count.
    assert assert_links_match_the_ledger(chief, specs) > 20

    # --- hazards found per month: the 一般 segment of the month with the most ------------------
    found = specs["found"]
    general = [c["name"] for c in found["columns"]].index(HazardGrade.GENERAL.label)
    row = max(found["rows"], key=lambda r: r["cells"][general]["value"])
    value, url = row["cells"][general]["value"], row["cells"][general]["url"]
    assert value > 0, found["rows"]
    # The page shows what the selectors compute (from the monthly summary for agency staff)…
    month = next(m for m in data["flows"]["months"] if m["month"] == row["label"])
    assert month[HazardGrade.GENERAL] == value
    # …and its link carries the month and the grade.
    year, month_number = map(int, row["label"].split("-"))
    last = calendar.monthrange(year, month_number)[1]
    params = {
        "found_from": f"{row['label']}-01",
        "found_to": f"{row['label']}-{last:02d}",
        "grade": HazardGrade.GENERAL.value,
    }
    assert query(url) == params, url
    click_at(page, "found", BAR_CENTRE, [general, row["label"], value, False])
    assert_lands_on_ledger(page, url, value, "found")
    expect(page.locator("#id_grade")).to_have_value(HazardGrade.GENERAL)
    expect(page.locator("#id_found_from")).to_have_value(params["found_from"])
    expect(page.locator("#id_found_to")).to_have_value(params["found_to"])

    # --- open hazards by status: the largest slice --------------------------------------------
    page.go_back()
    page.wait_for_url(DASHBOARD_URL)
    slices = [r for r in specs["open"]["rows"] if r["cells"][0]["value"]]
    index, row = max(enumerate(slices), key=lambda item: item[1]["cells"][0]["value"])
    value, url = row["cells"][0]["value"], row["cells"][0]["url"]
    status = query(url)["status"]
    assert value == next(s["count"] for s in data["open"]["by_status"] if s["status"] == status)
    click_at(page, "open", SLICE_CENTRE, index)
    assert_lands_on_ledger(page, url, value, "open")
    expect(page.locator(f"[data-testid='count-{status}']")).to_have_text(str(value))

    # --- overdue hazards by contractor: the first bar ------------------------------------------
    page.go_back()
    page.wait_for_url(DASHBOARD_URL)
    row = specs["overdue_contractor"]["rows"][0]
    value, url = row["cells"][0]["value"], row["cells"][0]["url"]
    top = data["open"]["overdue_by_contractor"][0]
    assert (row["label"], value) == (top["name"], top["count"]) and value > 0, row
    click_at(page, "overdue_contractor", BAR_CENTRE, [0, row["label"], value, True])
    assert_lands_on_ledger(page, url, value, "overdue_contractor")
    expect(page.locator("#id_contractor")).to_have_value(str(top["id"]))

    assert not page.console_errors, page.console_errors


def test_pm_sees_only_his_company_on_a_phone(phone):
    page = phone
    pm = User.objects.get(username="pm")
    chief = User.objects.get(username="chief")
    filters = selectors.DashFilters.default()
    mine = selectors.scope_projects(pm, filters)
    points = selectors.map_points(mine)
    active = mine.filter(status__in=ACTIVE_STATUSES).count()
    chiefs = selectors.scope_projects(chief, filters).filter(status__in=ACTIVE_STATUSES).count()
    assert 0 < active < chiefs and points, (active, chiefs, points)

    log_in(page, "pm")
    page.locator(".navbar-toggler").click()
    page.locator("#mainnav a.nav-link[href='/stats/']").click()
    page.wait_for_url(DASHBOARD_URL)
    expect(page.get_by_test_id("scope")).to_contain_text(zh("Your projects"))
    expect(page.get_by_test_id("kpi-projects-value")).to_have_text(str(active))
    # No agency tools: no "where to go next", no risk list, no summary's update time, no plan.
    expect(page.get_by_test_id("where-next")).to_have_count(0)
    expect(page.get_by_test_id("risk-link")).to_have_count(0)
    expect(page.get_by_test_id("updated-at")).to_have_count(0)
    specs = charts_json(page)
    assert [c["name"] for c in specs["inspections"]["columns"]] == [zh("Supervision inspections")]
    assert specs["inspections"]["title"] == zh("Supervision inspections per month")
    # Only the streets of his projects, in the filter and in the projects chart.
    streets = set(mine.values_list("street__name", flat=True))
    assert {r["label"] for r in specs["projects"]["rows"]} <= streets, specs["projects"]
    options = page.locator("#id_street option").all_inner_texts()
    assert set(options[1:]) == streets, options

    drawn = [key for key, spec in specs.items() if not spec["empty"]]
    for key in drawn:
        expect(page.locator(f"#chart-{key} canvas").first).to_be_attached()
    wait_for_chart(page, "inspections")
    assert page.evaluate(SERIES_NAMES, "inspections") == [zh("Supervision inspections")]

    # The map: a marker per project with coordinates, no tiles.
    markers = page.locator("#dash-map .leaflet-overlay-pane path.leaflet-interactive")
    expect(markers).to_have_count(len(points))
    bands = {"high": "#dc3545", "medium": "#fd7e14", "low": "#198754", None: "#adb5bd"}
    colours = sorted(markers.evaluate_all("paths => paths.map((p) => p.getAttribute('fill'))"))
    assert colours == sorted(bands[p["band"]] for p in points), (colours, points)
    expect(page.locator("#dash-map .leaflet-tile")).to_have_count(0)
    expect(page.get_by_test_id("map-status")).to_contain_text(str(len(points)))
    box = page.locator("#dash-map").bounding_box()
    assert box and box["x"] >= 0 and box["x"] + box["width"] <= PHONE_WIDTH, box

    assert assert_links_match_the_ledger(pm, specs) > 10
    page.evaluate("window.scrollTo(0, 0)")
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE_WIDTH, f"the dashboard scrolls sideways on a phone ({width}px)"
    assert not page.console_errors, page.console_errors
