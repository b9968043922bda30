"""The monthly report (月报) as an official PDF: red heading, key figures, tables and SVG charts.

Fixed Chinese wording whatever the reader's interface language (like the other official PDFs);
the charts are inline SVG data URIs drawn by `charts`, so rendering makes no request.
"""

from __future__ import annotations

from django.utils import timezone

from anjian.core.pdf import render_pdf

from . import charts
from .charts import Series

TEMPLATE = "stats/pdf/monthly_report.html"
GENERAL_COLOUR = "#e3a21a"
MAJOR_COLOUR = "#c8161d"


def _month_labels(trend: list[dict]) -> list[str]:
    """ "11月", with the year under the first month and under each January."""
    return [
        f"{row['label']}\n{row['year']}" if index == 0 or row["label"] == "1月" else row["label"]
        for index, row in enumerate(trend)
    ]


def report_charts(report: dict) -> dict[str, str]:
    """The report's charts as SVG data URIs (empty when there is nothing to draw)."""
    trend = report["trend"]
    labels = _month_labels(trend)
    out = {
        "hazards": charts.stacked_bar_chart(
            labels,
            [
                Series("一般隐患", [r["general"] for r in trend], GENERAL_COLOUR),
                Series("重大隐患", [r["major"] for r in trend], MAJOR_COLOUR),
            ],
            title="每月发现隐患（项）",
            height=210,
        ),
        "inspections": charts.bar_chart(
            labels,
            [
                Series("计划检查", [r["planned"] for r in trend], "#9dc3e6"),
                Series("完成监督检查", [r["inspections"] for r in trend], "#1f4e79"),
            ],
            title="监督检查完成情况（次）",
            height=200,
        ),
        "on_time": charts.line_chart(
            labels,
            [
                Series("按期整改率（%）", [r["on_time_rate"] for r in trend], "#2e8b57"),
            ],
            title="隐患按期整改率",
            y_max=100,
            unit="%",
            height=180,
        ),
    }
    categories = report["categories"]
    if categories:
        out["categories"] = charts.hbar_chart(
            [c["name"] for c in categories],
            [c["found"] for c in categories],
            title=f"{report['label']}隐患类别前{len(categories)}位（项）",
            colour="#1f4e79",
        )
    return {key: charts.svg_data_uri(svg) for key, svg in out.items()}


def report_context(report: dict) -> dict:
    """The template's context: the report, its charts and the page furniture."""
    generated = timezone.localtime(report["generated_at"])
    street = report["street"]
    scope = report["scope_name"] + (f"（{street['name']}）" if street else "")
    return {
        "report": report,
        "f": report["figures"],
        "charts": report_charts(report),
        "agency_name": report["scope_name"],
        "doc_title": report["title"],
        "doc_number": report["label"],
        "scope": scope,
        "is_company": report["scope_kind"] == "company",
        "printed_note": f"打印于 {generated:%Y-%m-%d %H:%M}",
        "as_of": f"{generated.year}年{generated.month}月{generated.day}日{generated:%H:%M}",
        "footer_note": f"{report['title']} {report['label']}",
    }


def render_report_pdf(report: dict) -> bytes:
    """The monthly report as PDF bytes."""
    return render_pdf(TEMPLATE, report_context(report))
