"""The monthly report (月报): exact numbers over hand-made data, the Excel workbook, the PDF,
scoping, bad months and the pinned number of queries.

The data (report month: November 2026, printed on 3 December 2026):

    P (台湖镇, contractor A of group G)   h1 Nov 5 一般 高处作业, closed Nov 10 (deadline Nov 12)
                                          h2 Nov 6 重大 基坑工程, open, deadline Nov 20 (overdue)
                                          h3 Nov 20 一般 高处作业, closed Nov 30 (deadline Nov 25)
                                          h4 Oct 15 一般 临时用电, closed Nov 2 (deadline Oct 30)
    Q (梨园镇, contractor B)              h5 Nov 8 一般 临时用电, replied (open, not overdue)
                                          h6 Oct 3 一般 高处作业, open, deadline Oct 10 (overdue)
                                          h7 Sep 10 重大 起重吊装, closed Sep 20 (no deadline)
    R (仁和镇, other agency, contractor A) h8 Nov 9 重大 基坑工程, open, overdue

Agency A's staff see P and Q; contractor A (pm) and group G see P and R.
"""

import calendar
import datetime
import io
import shutil
import subprocess

import pytest
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from anjian.core.testing.personas import make_template
from anjian.dangerous_works.models import DangerousWork
from anjian.evaluations.models import Accident
from anjian.hazards.choices import NoticeKind, NoticeStatus
from anjian.hazards.models import Hazard, RectificationNotice
from anjian.inspections.choices import InspectionSource, InspectionStatus
from anjian.inspections.models import Inspection, PlannedVisit, SupervisionPlan
from anjian.stats import charts
from anjian.stats.report import InvalidMonth, default_month, monthly_report, report_month
from anjian.stats.report_excel import SHEETS, write_report_xlsx
from anjian.stats.report_pdf import render_report_pdf
from anjian.stats.services import refresh_risk
from anjian.stats.summary import rebuild

pytestmark = pytest.mark.django_db

TZ = datetime.timezone(datetime.timedelta(hours=8))
NOW = datetime.datetime(2026, 12, 3, 10, 0, tzinfo=TZ)
HAS_POPPLER = bool(shutil.which("pdftotext") and shutil.which("pdftoppm"))


def at(month, day, hour=10, year=2026):
    return datetime.datetime(year, month, day, hour, 0, tzinfo=TZ)


def hazard(world, project, found, *, grade="general", category="", status="issued", **extra):
    project = world.projects[project]
    return Hazard.objects.create(
        project=project,
        agency=project.agency,
        source="supervision",
        description=f"{category}隐患",
        location="1#楼",
        category=category,
        grade=grade,
        status=status,
        found_at=found,
        **extra,
    )


# project, found, grade, category, status, closed, deadline, responsible unit (month, day)
HAZARDS = [
    ("P", (11, 5), "general", "高处作业", "closed", (11, 10), (11, 12), "contractor_a"),
    ("P", (11, 6), "major", "基坑工程", "issued", None, (11, 20), "contractor_a"),
    ("P", (11, 20), "general", "高处作业", "closed", (11, 30), (11, 25), "contractor_a"),
    ("P", (10, 15), "general", "临时用电", "closed", (11, 2), (10, 30), "contractor_a"),
    ("Q", (11, 8), "general", "临时用电", "replied", None, (11, 15), "contractor_b"),
    ("Q", (10, 3), "general", "高处作业", "issued", None, (10, 10), "contractor_b"),
    ("Q", (9, 10), "major", "起重吊装", "closed", (9, 20), None, None),
    ("R", (11, 9), "major", "基坑工程", "issued", None, (11, 12), "contractor_a"),
]


def build(world, *, shift=None):
    """The data of the module docstring; `shift` moves every date (for tests at real time)."""
    move = shift or (lambda moment: moment)

    def when(month_day):
        return move(at(*month_day)) if month_day else None

    for project, found, grade, category, status, closed, deadline, unit in HAZARDS:
        hazard(
            world,
            project,
            when(found),
            grade=grade,
            category=category,
            status=status,
            closed_at=when(closed),
            deadline=when(deadline),
            responsible_org=world.orgs[unit] if unit else None,
        )
    supervisor = world.users["supervisor"]
    template = make_template(world)
    for day in (12, 25):
        Inspection.objects.create(
            project=world.projects["P"],
            agency=world.orgs["agency"],
            template=template,
            source=InspectionSource.SUPERVISION,
            status=InspectionStatus.FINISHED,
            started_at=move(at(11, day, 9)),
            finished_at=move(at(11, day)),
            created_by=supervisor,
        )
    plan = SupervisionPlan.objects.create(
        agency=world.orgs["agency"],
        month=move(at(11, 1)).date(),
        title="11月监督计划",
        created_by=supervisor,
        status="published",
    )
    for day in (3, 12, 25):
        PlannedVisit.objects.create(
            plan=plan, project=world.projects["P"], date=move(at(11, day)).date()
        )
    # A cancelled visit is not planned work.
    PlannedVisit.objects.create(
        plan=plan, project=world.projects["P"], date=move(at(11, 26)).date(), status="cancelled"
    )
    for n, (level, status) in enumerate(
        [("super", "in_progress"), ("danger", "in_progress"), ("super", "completed")]
    ):
        DangerousWork.objects.create(
            project=world.projects["P"],
            number=f"WD-{n}",
            name=f"基坑{n}",
            category="PIT",
            subtype="excavation",
            level=level,
            location="北区",
            status=status,
        )
    RectificationNotice.objects.create(
        agency=world.orgs["agency"],
        project=world.projects["P"],
        kind=NoticeKind.FULL_STOP,
        number="停-1",
        status=NoticeStatus.ISSUED,
        issued_by=supervisor,
        issued_at=move(at(11, 6)),
    )
    Accident.objects.create(
        project=world.projects["Q"],
        occurred_on=move(at(11, 18)).date(),
        level="general",
        deaths=1,
        injuries=2,
        description="高处坠落",
        recorded_by=supervisor,
    )
    Accident.objects.create(
        project=world.projects["Q"],
        occurred_on=move(at(10, 18)).date(),
        level="general",
        deaths=0,
        injuries=1,
        description="物体打击",
        recorded_by=supervisor,
    )
    rebuild()
    refresh_risk(now=move(NOW))


@pytest.fixture
def data(world):
    build(world)
    return world


# --- months ------------------------------------------------------------------------------------


def test_report_month_refuses_bad_and_future_months():
    today = datetime.date(2026, 12, 3)
    assert report_month(2026, 11, today=today) == datetime.date(2026, 11, 1)
    assert report_month(2026, 12, today=today) == datetime.date(2026, 12, 1)  # under way
    for year, month in ((2026, 13), (2026, 0), (2027, 1), (1999, 12)):
        with pytest.raises(InvalidMonth):
            report_month(year, month, today=today)
    assert default_month(datetime.date(2026, 1, 15)) == datetime.date(2025, 12, 1)


# --- numbers -----------------------------------------------------------------------------------


def test_supervisor_report_numbers_are_exact(data):
    report = monthly_report(data.users["supervisor"], 2026, 11, now=NOW)
    f = report["figures"]
    assert report["label"] == "2026年11月"
    assert report["scope_kind"] == "agency" and report["scope_name"] == "通州区住建委"
    assert f["active_projects"] == 2
    assert (f["inspections"], f["planned"], f["plan_rate"]) == (2, 3, 66.7)
    assert (f["found"], f["found_general"], f["found_major"]) == (4, 3, 1)
    assert (f["found_prev"], f["found_major_prev"]) == (2, 0)
    assert f["found_change"] == {"diff": 2, "pct": 100.0, "text": "增加2"}
    assert (f["closed"], f["closed_on_time"], f["on_time_rate"]) == (3, 1, 33.3)
    assert f["median_days"] == 10
    assert (f["open_now"], f["overdue_now"], f["major_open_now"]) == (3, 2, 1)
    assert (f["dangerous_works"], f["dangerous_works_super"]) == (2, 1)
    assert f["stop_work"] == 1
    assert (f["accidents"], f["deaths"], f["injuries"]) == (1, 1, 2)

    streets = {s["name"]: s for s in report["streets"]}
    assert set(streets) == {"台湖镇", "梨园镇"}
    pick = ("projects", "general", "major", "found", "closed", "open", "overdue", "major_open")
    assert [streets["台湖镇"][k] for k in pick] == [1, 2, 1, 3, 3, 1, 1, 1]
    assert [streets["梨园镇"][k] for k in pick] == [1, 1, 0, 1, 0, 2, 1, 0]
    assert [report["streets_total"][k] for k in pick] == [2, 3, 1, 4, 3, 3, 2, 1]

    assert [
        (c["rank"], c["name"], c["general"], c["major"], c["prev"], c["change"]["diff"])
        for c in report["categories"]
    ] == [
        (1, "高处作业", 2, 0, 1, 1),
        (2, "临时用电", 1, 0, 1, 0),
        (3, "基坑工程", 0, 1, 0, 1),
    ]
    assert report["categories"][0]["share"] == 50.0
    assert [(o["name"], o["count"]) for o in report["overdue_by_contractor"]] == [
        ("京通建工集团第一建筑工程有限公司", 1),
        ("燕潞建设集团第三工程有限公司", 1),
    ]
    assert [(o["name"], o["count"]) for o in report["overdue_by_group"]] == [
        ("京通建工集团有限公司", 1)
    ]
    # Q: two accidents 2 × 15 = 30, never visited 90 days × 0.2 = 18, an overdue hazard 5;
    # P: major 10, stop work 10, 超规模 8, overdue 5, 危大 2, 8 days since the visit 1.6.
    assert [(p["name"], p["score"]) for p in report["risky"]] == [
        ("梨园镇安置房项目", 53),
        ("台湖镇B-03地块住宅项目", 36.6),
    ]
    assert report["risky"][0]["reasons"] == [
        "近一年生产安全事故：2起（+30分）",
        "距最近一次监督检查：90天（+18分）",
        "逾期未整改隐患：1项（+5分）",
    ]
    assert [a.description for a in report["accidents"]] == ["高处坠落"]

    trend = {row["month"]: row for row in report["trend"]}
    assert len(report["trend"]) == 12
    assert report["trend"][0]["month"] == "2025-12" and report["trend"][-1]["month"] == "2026-11"
    assert (trend["2026-09"]["major"], trend["2026-09"]["closed"]) == (1, 1)
    assert trend["2026-09"]["on_time_rate"] == 100.0
    assert (trend["2026-10"]["found"], trend["2026-10"]["closed"]) == (2, 0)
    assert trend["2026-11"]["inspections"] == 2


def test_live_and_summary_agree_for_the_same_scope(data):
    """The street filter narrows everything; the contractor's live figures cover P and R."""
    report = monthly_report(
        data.users["supervisor"], 2026, 11, street=data.streets["A1"].pk, now=NOW
    )
    f = report["figures"]
    assert report["street"]["name"] == "台湖镇"
    assert (f["found"], f["closed"], f["open_now"], f["overdue_now"]) == (3, 3, 1, 1)
    assert [s["name"] for s in report["streets"]] == ["台湖镇"]
    assert f["accidents"] == 0
    assert [p["name"] for p in report["risky"]] == ["台湖镇B-03地块住宅项目"]


@pytest.mark.parametrize("persona", ["pm", "grouphq"])
def test_company_report_covers_its_projects(data, persona):
    report = monthly_report(data.users[persona], 2026, 11, now=NOW)
    f = report["figures"]
    assert report["scope_kind"] == "company"
    assert report["scope_name"] == data.users[persona].organization.name
    assert (f["found"], f["found_general"], f["found_major"]) == (4, 2, 2)
    assert (f["closed"], f["closed_on_time"]) == (3, 1)
    assert (f["open_now"], f["overdue_now"], f["major_open_now"]) == (2, 2, 2)
    assert f["accidents"] == 0
    assert {s["name"] for s in report["streets"]} == {"台湖镇", "仁和镇"}
    assert [(o["name"], o["count"]) for o in report["overdue_by_contractor"]] == [
        ("京通建工集团第一建筑工程有限公司", 2)
    ]


def test_outsider_sees_only_its_own_agency(data):
    report = monthly_report(data.users["outsider"], 2026, 11, now=NOW)
    f = report["figures"]
    assert report["scope_name"] == "顺义区住建委"
    assert (f["found"], f["found_major"], f["open_now"], f["overdue_now"]) == (1, 1, 1, 1)
    assert [s["name"] for s in report["streets"]] == ["仁和镇"]


@pytest.mark.parametrize(("persona", "queries"), [("supervisor", 20), ("pm", 20)])
def test_report_costs_a_fixed_number_of_queries(data, persona, queries, django_assert_num_queries):
    user = type(data.users[persona]).objects.get(pk=data.users[persona].pk)
    with django_assert_num_queries(queries):
        monthly_report(user, 2026, 11, now=NOW)
    # More hazards, categories, units and risky projects cost no more queries.
    for n in range(6):
        hazard(
            data,
            "P",
            at(11, 10 + n),
            category=f"类别{n}",
            deadline=at(11, 11 + n),
            responsible_org=data.orgs["builder"] if n % 2 else data.orgs["firm"],
        )
    rebuild()
    refresh_risk(now=NOW)
    user = type(user).objects.get(pk=user.pk)
    with django_assert_num_queries(queries):
        monthly_report(user, 2026, 11, now=NOW)


# --- Excel -------------------------------------------------------------------------------------


def test_excel_has_every_sheet_and_the_numbers(data):
    Hazard.objects.filter(category="高处作业").update(category="=HYPERLINK(1)")
    rebuild()
    report = monthly_report(data.users["supervisor"], 2026, 11, now=NOW)
    buffer = io.BytesIO()
    write_report_xlsx(buffer, report)
    buffer.seek(0)
    wb = load_workbook(buffer)
    assert wb.sheetnames == list(SHEETS)

    overview = [row for row in wb["概览"].iter_rows(values_only=True)]
    assert overview[0][0] == "建设工程安全监督月报 2026年11月"
    info = {row[0]: row[1] for row in overview[1:5]}
    assert info["编制单位"] == "通州区住建委"
    assert info["生成时间"] == datetime.datetime(2026, 12, 3, 10, 0)  # local, naive
    figures = {row[0]: row[1:] for row in overview if row and row[0]}
    assert figures["发现隐患（项）"][:2] == (4, 2)
    assert figures["按期整改率（%）"][0] == 33.3
    assert figures["逾期未整改隐患（项）"][0] == 2

    streets = list(wb["各街道隐患"].iter_rows(values_only=True))
    assert streets[0][0] == "街道（乡镇）"
    assert streets[1:] == [
        ("台湖镇", 1, 2, 1, 3, 3, 1, 1, 1),
        ("梨园镇", 1, 1, 0, 1, 0, 2, 1, 0),
        ("合计", 2, 3, 1, 4, 3, 3, 2, 1),
    ]
    categories = list(wb["隐患类别"].iter_rows(values_only=True))
    assert categories[1][:5] == (1, "=HYPERLINK(1)", 2, 0, 2)
    assert wb["隐患类别"]["B2"].data_type == "s"  # text, never a formula
    overdue = list(wb["逾期单位"].iter_rows(values_only=True))[1:]
    assert overdue == [
        ("施工单位", 1, "京通建工集团第一建筑工程有限公司", 1),
        ("施工单位", 2, "燕潞建设集团第三工程有限公司", 1),
        ("所属集团", 1, "京通建工集团有限公司", 1),
    ]
    risky = list(wb["风险工程"].iter_rows(values_only=True))[1:]
    assert [(r[0], r[1], r[3]) for r in risky] == [
        (1, "梨园镇安置房项目", 53),
        (2, "台湖镇B-03地块住宅项目", 36.6),
    ]
    assert risky[0][6] == datetime.datetime(2026, 12, 3, 10, 0)
    months = list(wb["近12个月"].iter_rows(values_only=True))
    assert len(months) == 13
    assert months[-1] == ("2026-11", 2, 3, 3, 1, 4, 3, 1, 33.3, 10)


# --- PDF ---------------------------------------------------------------------------------------


def pdf_text(pdf: bytes, tmp_path, name="report") -> str:
    path = tmp_path / f"{name}.pdf"
    path.write_bytes(pdf)
    out = subprocess.run(
        ["pdftotext", "-layout", str(path), "-"], capture_output=True, check=True, text=True
    ).stdout
    return "".join(out.split())


@pytest.mark.skipif(not HAS_POPPLER, reason="needs poppler-utils")
def test_pdf_shows_the_title_month_and_key_figures(data, tmp_path):
    report = monthly_report(data.users["supervisor"], 2026, 11, now=NOW)
    pdf = render_report_pdf(report)
    assert pdf.startswith(b"%PDF")
    text = pdf_text(pdf, tmp_path)
    assert "通州区住建委" in text
    assert "建设工程安全监督月报" in text
    assert "2026年11月" in text
    assert "发现安全隐患4项，其中重大事故隐患1项" in text
    assert "按期整改率33.3%" in text
    assert "梨园镇安置房项目" in text
    assert "京通建工集团第一建筑工程有限公司" in text
    assert "每月发现隐患" in text  # an SVG chart's title, drawn as text
    subprocess.run(
        ["pdftoppm", "-png", "-r", "60", str(tmp_path / "report.pdf"), str(tmp_path / "page")],
        check=True,
    )


@pytest.mark.skipif(not HAS_POPPLER, reason="needs poppler-utils")
def test_pdf_of_a_company_names_the_company(data, tmp_path):
    pdf = render_report_pdf(monthly_report(data.users["pm"], 2026, 11, now=NOW))
    text = pdf_text(pdf, tmp_path)
    assert text.startswith("京通建工集团第一建筑工程有限公司")
    assert "通州区住建委" not in text
    assert "本单位参建的工程" in text


# --- charts ------------------------------------------------------------------------------------


def test_charts_are_svg_with_chinese_labels_and_escaped_text():
    svg = charts.stacked_bar_chart(
        ["11月\n2026", "12月"],
        [charts.Series("一般<隐患>", [3, 0]), charts.Series("重大", [1, 2])],
        title="每月发现隐患",
    )
    assert svg.startswith("<svg") and svg.endswith("</svg>")
    assert "Noto Sans CJK SC" in svg and "每月发现隐患" in svg
    assert "一般&lt;隐患&gt;" in svg and "<隐患>" not in svg
    line = charts.line_chart(
        ["1月", "2月", "3月"], [charts.Series("按期率", [50, None, 100])], y_max=100, unit="%"
    )
    assert line.count("<path") == 1 and "M" in line and "100%" in line
    assert charts.nice_ticks(0) == [0, 1]
    assert charts.nice_ticks(7) == [0, 2, 4, 6, 8]
    assert charts.svg_data_uri(line).startswith("data:image/svg+xml;base64,")


# --- views -------------------------------------------------------------------------------------


def _shift_to_last_month():
    """Move the November-2026 dates so that November becomes last month (real time)."""
    last = default_month()
    months = (last.year - 2026) * 12 + last.month - 11

    def move(moment):
        total = moment.year * 12 + moment.month - 1 + months
        year, month = total // 12, total % 12 + 1
        day = min(moment.day, calendar.monthrange(year, month)[1])
        return moment.replace(year=year, month=month, day=day)

    return move, last


def test_report_page_defaults_to_last_month_and_links_the_downloads(world, client_as):
    move, last = _shift_to_last_month()
    build(world, shift=move)
    response = client_as("supervisor").get(reverse("stats:report"))
    assert response.status_code == 200
    report = response.context["report"]
    assert (report["year"], report["month"]) == (last.year, last.month)
    assert report["figures"]["found"] == 4
    xlsx = reverse("stats:report_xlsx", kwargs={"year": last.year, "month": f"{last.month:02d}"})
    assert xlsx in response.content.decode()
    assert response.context["form"].fields["street"].queryset.count() == 2


def test_report_page_filters_by_street_and_rejects_a_future_month(data, client_as):
    client = client_as("supervisor")
    street = data.streets["A1"].pk
    response = client.get(reverse("stats:report"), {"month": "2026-10", "street": street})
    assert response.status_code == 200
    assert response.context["report"]["street"]["name"] == "台湖镇"
    assert f"?street={street}" in response.context["urls"]["pdf"]
    future = timezone.localdate().replace(day=1) + datetime.timedelta(days=40)
    response = client.get(reverse("stats:report"), {"month": f"{future:%Y-%m}"})
    assert response.status_code == 400
    assert response.context["form"].errors["month"]
    response = client.get(reverse("stats:report"), {"street": data.streets["B1"].pk})
    assert response.status_code == 400


def test_company_page_has_no_street_choice(data, client_as):
    response = client_as("pm").get(reverse("stats:report"))
    assert response.status_code == 200
    assert "street" not in response.context["form"].fields
    assert response.context["report"]["scope_name"] == "京通建工集团第一建筑工程有限公司"


def test_downloads_for_a_signed_in_user(data, client_as):
    client = client_as("pm")
    response = client.get(reverse("stats:report_xlsx", kwargs={"year": 2026, "month": 10}))
    assert response.status_code == 200
    assert "attachment" in response["Content-Disposition"]
    wb = load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    assert wb.sheetnames == list(SHEETS)
    response = client.get(reverse("stats:report_pdf", kwargs={"year": 2026, "month": 10}))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")


@pytest.mark.parametrize("month", ["13", "0", "00"])
def test_bad_month_is_404(data, client_as, month):
    client = client_as("supervisor")
    for name in ("stats:report_xlsx", "stats:report_pdf"):
        url = reverse(name, kwargs={"year": 2026, "month": 1}).replace("-1.", f"-{month}.")
        assert client.get(url).status_code == 404


def test_future_month_and_foreign_street_are_404(data, client_as):
    client = client_as("supervisor")
    future = timezone.localdate().replace(day=1) + datetime.timedelta(days=40)
    url = reverse("stats:report_pdf", kwargs={"year": future.year, "month": future.month})
    assert client.get(url).status_code == 404
    url = reverse("stats:report_xlsx", kwargs={"year": 2026, "month": 10})
    assert client.get(url, {"street": data.streets["B1"].pk}).status_code == 404
    assert client.get(url, {"street": "x"}).status_code == 404


def test_anonymous_is_sent_to_log_in(world, client_as):
    url = reverse("stats:report_pdf", kwargs={"year": 2026, "month": 10})
    response = client_as("anonymous").get(url)
    assert response.status_code == 302


@pytest.mark.parametrize("persona", ["leader", "grouphq"])
def test_report_page_and_downloads_cost_few_queries(
    data, client_as, persona, django_assert_max_num_queries
):
    client = client_as(persona)
    with django_assert_max_num_queries(30):
        assert client.get(reverse("stats:report")).status_code == 200
    with django_assert_max_num_queries(30):
        url = reverse("stats:report_xlsx", kwargs={"year": 2026, "month": 10})
        assert client.get(url).status_code == 200
