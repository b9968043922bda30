"""Excel export of a published ranking: the ranking, and each unit's projects' contributions.

Written from the snapshot only (never recomputed), in openpyxl's write-only mode with the same
header style as `core.excel`, which writes a single sheet; this workbook has two.
"""

import tempfile
from decimal import Decimal, InvalidOperation
from urllib.parse import quote

from django.http import FileResponse
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.utils import get_column_letter

from anjian.core.excel import HEADER_FILL, HEADER_FONT, XLSX_TYPE, _cell_value

RANKING_COLUMNS = [
    ("排名", 8),
    ("单位", 36),
    ("得分", 10),
    ("名次变化", 10),
    ("得分变化", 10),
    ("检查次数", 10),
    ("平均得分", 10),
    ("重大隐患", 10),
    ("停工通知", 10),
    ("逾期整改", 10),
    ("扣分", 10),
]
PROJECT_COLUMNS = [
    ("单位", 36),
    ("工程名称", 36),
    ("检查次数", 10),
    ("平均得分", 10),
    ("得分合计", 10),
    ("重大隐患", 10),
    ("停工通知", 10),
    ("逾期整改", 10),
    ("扣分", 10),
]
NOT_RANKED = "不参与排名"


def _number(value):
    """A stored decimal string as a number for Excel (None stays empty)."""
    if value is None or value == "":
        return None
    try:
        return Decimal(str(value))
    except InvalidOperation:
        return value


def _sheet(wb, title, columns, rows):
    ws = wb.create_sheet(title=title[:31])
    for index, (_header, width) in enumerate(columns, start=1):
        ws.column_dimensions[get_column_letter(index)].width = width
    ws.freeze_panes = "A2"
    header = []
    for title_text, _width in columns:
        cell = WriteOnlyCell(ws, value=title_text)
        cell.font = HEADER_FONT
        cell.fill = HEADER_FILL
        header.append(cell)
    ws.append(header)
    for row in rows:
        ws.append([_cell_value(v) for v in row])


def ranking_rows(rows):
    """One line per unit: ranked ones first (as on the page), then the unranked."""
    for row in rows:
        inputs = row.inputs
        yield [
            row.rank if row.ranked else NOT_RANKED,
            row.name,
            row.score,
            row.rank_change,
            row.score_change,
            inputs.get("inspections"),
            _number(inputs.get("mean_score")),
            inputs.get("major_hazards"),
            inputs.get("stop_notices"),
            inputs.get("overdue"),
            _number(inputs.get("penalty")),
        ]


def project_rows(rows):
    """One line per unit and project: what each project contributed to the unit's score."""
    for row in rows:
        for project in row.projects:
            yield [
                row.name,
                project.get("project_name"),
                project.get("inspections"),
                _number(project.get("mean_score")),
                _number(project.get("score_sum")),
                project.get("major_hazards"),
                project.get("stop_notices"),
                project.get("overdue"),
                _number(project.get("penalty")),
            ]


def ranking_workbook_response(snapshot, rows) -> FileResponse:
    """The snapshot's rows (views.rankings.Row) as an .xlsx attachment with two sheets."""
    wb = Workbook(write_only=True)
    _sheet(wb, "排名", RANKING_COLUMNS, ranking_rows(rows))
    _sheet(wb, "项目贡献", PROJECT_COLUMNS, project_rows(rows))
    tmp = tempfile.TemporaryFile()
    wb.save(tmp)
    tmp.seek(0)
    response = FileResponse(tmp, content_type=XLSX_TYPE)
    filename = f"{snapshot.label}{snapshot.get_unit_display()}安全考核排名.xlsx"
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(filename)}"
    return response
