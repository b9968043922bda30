"""Excel helpers: streamed write-only exports and a tolerant reader for imports."""

import datetime
import decimal
import tempfile
from collections.abc import Iterable
from urllib.parse import quote

from django.http import FileResponse
from django.utils import timezone
from openpyxl import Workbook, load_workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font, PatternFill
from openpyxl.utils import get_column_letter

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
HEADER_FONT = Font(bold=True, color="FFFFFF")
HEADER_FILL = PatternFill("solid", fgColor="1F4E79")


def _cell_value(value, ws=None):
    """A value Excel shows as the user expects: aware times in local time (Excel has no zones),
    decimals as numbers, and text that starts with "=" as text, never as a formula."""
    if isinstance(value, datetime.datetime):
        return timezone.localtime(value).replace(tzinfo=None) if value.tzinfo else value
    if isinstance(value, decimal.Decimal):
        return float(value)
    if ws is not None and isinstance(value, str) and value.startswith("="):
        cell = WriteOnlyCell(ws, value=value)
        cell.data_type = "s"
        return cell
    return value


def write_xlsx(
    fileobj, sheet_title: str, headers: list[str], rows: Iterable[Iterable], widths=None
):
    """Write rows into `fileobj` as one sheet, in write-only mode (constant memory)."""
    wb = Workbook(write_only=True)
    ws = wb.create_sheet(title=sheet_title[:31])
    for index, width in enumerate(widths or [18] * len(headers)):
        ws.column_dimensions[get_column_letter(index + 1)].width = width
    ws.freeze_panes = "A2"
    header_cells = []
    for title in headers:
        cell = WriteOnlyCell(ws, value=title)
        cell.font = HEADER_FONT
        cell.fill = HEADER_FILL
        header_cells.append(cell)
    ws.append(header_cells)
    for row in rows:
        ws.append([_cell_value(v, ws) for v in row])
    wb.save(fileobj)


def xlsx_response(filename: str, sheet_title: str, headers, rows, widths=None) -> FileResponse:
    """An attachment response streaming a write-only workbook from a temporary file."""
    tmp = tempfile.TemporaryFile()
    write_xlsx(tmp, sheet_title, headers, rows, widths)
    tmp.seek(0)
    response = FileResponse(tmp, content_type=XLSX_TYPE)
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(filename)}"
    return response


class ExcelReadError(Exception):
    """The upload is not a readable .xlsx workbook."""


def read_rows(fileobj, max_rows: int = 5000) -> tuple[list[str], list[tuple[int, list]]]:
    """Read the first sheet: the header row and (excel row number, values) for each data row."""
    try:
        wb = load_workbook(fileobj, read_only=True, data_only=True)
    except Exception as exc:
        raise ExcelReadError(str(exc)) from None
    ws = wb.worksheets[0]
    rows = ws.iter_rows(values_only=True)
    try:
        header = [str(v).strip().rstrip("*") if v is not None else "" for v in next(rows)]
    except StopIteration:
        return [], []
    data = []
    for number, values in enumerate(rows, start=2):
        if values is None or all(v is None or str(v).strip() == "" for v in values):
            continue
        data.append((number, list(values)))
        if len(data) > max_rows:
            break
    wb.close()
    return header, data
