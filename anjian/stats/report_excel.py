"""The monthly report (月报) as an Excel workbook: one sheet per table, in openpyxl's write-only
mode. Times are local (Excel has no time zones) and text is always text, never a formula (both
through `core.excel`'s cell conversion); the headers are the official Chinese wording.
"""

from __future__ import annotations

import datetime
import tempfile
from collections.abc import Iterable
from urllib.parse import quote

from django.http import FileResponse
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter

from anjian.core.excel import HEADER_FILL, HEADER_FONT, XLSX_TYPE, _cell_value

TITLE_FONT = Font(bold=True, size=14)
LABEL_FONT = Font(bold=True)
WRAP = Alignment(wrap_text=True, vertical="top")
TIME_FORMAT = "yyyy-mm-dd hh:mm"

SHEETS = ("概览", "各街道隐患", "隐患类别", "逾期单位", "风险工程", "近12个月")


def _header(ws, headers):
    cells = []
    for title in headers:
        cell = WriteOnlyCell(ws, value=title)
        cell.font = HEADER_FONT
        cell.fill = HEADER_FILL
        cells.append(cell)
    ws.append(cells)


def _cell(ws, value):
    """A value for `ws.append`: local times shown to the minute, text with line breaks wrapped,
    text starting with "=" kept as text (core.excel)."""
    out = _cell_value(value, ws)
    if isinstance(out, datetime.datetime):
        cell = WriteOnlyCell(ws, value=out)
        cell.number_format = TIME_FORMAT
        return cell
    if isinstance(out, str) and "\n" in out:
        cell = WriteOnlyCell(ws, value=out)
        cell.alignment = WRAP
        return cell
    return out


def _sheet(wb, title: str, headers: list[str], rows: Iterable[Iterable], widths: list[int]):
    """A sheet with a styled, frozen header row and one row per item."""
    ws = wb.create_sheet(title=title[:31])
    for index, width in enumerate(widths):
        ws.column_dimensions[get_column_letter(index + 1)].width = width
    ws.freeze_panes = "A2"
    _header(ws, headers)
    for row in rows:
        ws.append([_cell(ws, v) for v in row])
    return ws


def _styled(ws, value, font):
    cell = WriteOnlyCell(ws, value=_cell_value(value))
    cell.font = font
    return cell


def _overview(wb, report: dict):
    f = report["figures"]
    ws = wb.create_sheet(title="概览")
    for index, width in enumerate((26, 16, 10, 44)):
        ws.column_dimensions[get_column_letter(index + 1)].width = width
    street = report["street"]
    ws.append([_styled(ws, f"{report['title']} {report['label']}", TITLE_FONT)])
    for label, value in (
        ("编制单位", report["scope_name"]),
        ("统计范围", street["name"] if street else "全部"),
        ("统计期", f"{report['first_day']:%Y-%m-%d} 至 {report['last_day']:%Y-%m-%d}"),
        ("生成时间", report["generated_at"]),
    ):
        ws.append([_styled(ws, label, LABEL_FONT), _cell(ws, value)])
    ws.append([])
    _header(ws, ["指标", "本月", "上月", "说明"])
    change = f["found_change"]
    rows = [
        ("在建工程（项）", f["active_projects"], None, "截至生成时"),
        ("监督检查（次）", f["inspections"], None, "本月完成的监督检查和远程检查"),
        ("计划检查（次）", f["planned"], None, "本月监督计划安排的检查"),
        ("计划完成率（%）", f["plan_rate"], None, ""),
        ("发现隐患（项）", f["found"], f["found_prev"], f"较上月{change['text']}"),
        ("其中：一般隐患（项）", f["found_general"], f["found_prev"] - f["found_major_prev"], ""),
        ("其中：重大事故隐患（项）", f["found_major"], f["found_major_prev"], ""),
        ("销号隐患（项）", f["closed"], None, "本月销号"),
        ("其中：按期销号（项）", f["closed_on_time"], None, "在整改期限前销号"),
        ("按期整改率（%）", f["on_time_rate"], f["on_time_rate_prev"], ""),
        ("整改用时中位数（天）", f["median_days"], None, "本月销号隐患从发现到销号"),
        ("未销号隐患（项）", f["open_now"], None, "截至生成时"),
        ("逾期未整改隐患（项）", f["overdue_now"], None, "截至生成时"),
        ("未销号重大事故隐患（项）", f["major_open_now"], None, "截至生成时"),
        ("在施危大工程（项）", f["dangerous_works"], None, "截至生成时"),
        ("其中：超过一定规模（项）", f["dangerous_works_super"], None, "截至生成时"),
        ("停工整改通知书（执行中，份）", f["stop_work"], None, "截至生成时"),
        ("生产安全事故（起）", f["accidents"], None, ""),
        ("事故死亡（人）", f["deaths"], None, ""),
        ("事故重伤（人）", f["injuries"], None, ""),
    ]
    for row in rows:
        ws.append([_cell(ws, v) for v in row])


def write_report_xlsx(fileobj, report: dict) -> None:
    """Write the report's workbook into `fileobj`."""
    wb = Workbook(write_only=True)
    _overview(wb, report)
    streets = list(report["streets"])
    total = report["streets_total"]
    street_rows = [
        (
            s["name"],
            s["projects"],
            s["general"],
            s["major"],
            s["found"],
            s["closed"],
            s["open"],
            s["overdue"],
            s["major_open"],
        )
        for s in streets
    ]
    if streets:
        street_rows.append(
            (
                "合计",
                total["projects"],
                total["general"],
                total["major"],
                total["found"],
                total["closed"],
                total["open"],
                total["overdue"],
                total["major_open"],
            )
        )
    _sheet(
        wb,
        "各街道隐患",
        [
            "街道（乡镇）",
            "在建工程",
            "本月一般隐患",
            "本月重大隐患",
            "本月发现合计",
            "本月销号",
            "未销号（现状）",
            "其中逾期（现状）",
            "重大未销号（现状）",
        ],
        street_rows,
        [18, 10, 13, 13, 13, 10, 14, 15, 16],
    )
    _sheet(
        wb,
        "隐患类别",
        ["排名", "隐患类别", "一般", "重大", "合计", "占比（%）", report["prev_label"], "增减"],
        (
            (
                c["rank"],
                c["name"],
                c["general"],
                c["major"],
                c["found"],
                c["share"],
                c["prev"],
                c["change"]["diff"],
            )
            for c in report["categories"]
        ),
        [6, 24, 8, 8, 8, 10, 12, 8],
    )
    overdue = [
        ("施工单位", o["rank"], o["name"], o["count"]) for o in report["overdue_by_contractor"]
    ] + [("所属集团", o["rank"], o["name"], o["count"]) for o in report["overdue_by_group"]]
    _sheet(
        wb,
        "逾期单位",
        ["单位类型", "排名", "单位名称", "逾期未整改隐患（项）"],
        overdue,
        [10, 6, 40, 20],
    )
    _sheet(
        wb,
        "风险工程",
        ["排名", "工程名称", "街道（乡镇）", "风险分", "风险等级", "主要风险因素", "计算时间"],
        (
            (
                p["rank"],
                p["name"],
                p["street"],
                p["score"],
                p["band_label"],
                "\n".join(p["reasons"]),
                p["computed_at"],
            )
            for p in report["risky"]
        ),
        [6, 36, 12, 8, 10, 60, 18],
    )
    _sheet(
        wb,
        "近12个月",
        [
            "月份",
            "监督检查",
            "计划检查",
            "一般隐患",
            "重大隐患",
            "发现合计",
            "销号",
            "按期销号",
            "按期整改率（%）",
            "整改用时中位数（天）",
        ],
        (
            (
                m["month"],
                m["inspections"],
                m["planned"],
                m["general"],
                m["major"],
                m["found"],
                m["closed"],
                m["on_time"],
                m["on_time_rate"],
                m["median_days"],
            )
            for m in report["trend"]
        ),
        [10, 10, 10, 10, 10, 10, 8, 10, 16, 20],
    )
    wb.save(fileobj)


def report_filename(report: dict, ext: str) -> str:
    street = f"-{report['street']['name']}" if report["street"] else ""
    return f"安全监督月报-{report['year']}年{report['month']:02d}月{street}.{ext}"


def report_xlsx_response(report: dict) -> FileResponse:
    """The workbook as an attachment, streamed from a temporary file."""
    tmp = tempfile.TemporaryFile()
    write_report_xlsx(tmp, report)
    tmp.seek(0)
    response = FileResponse(tmp, content_type=XLSX_TYPE)
    filename = report_filename(report, "xlsx")
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(filename)}"
    return response
