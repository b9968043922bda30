"""Excel export of a document's tracking table (签收回复情况): one row per recipient.

Fixed Chinese headers (the sheet goes to people outside the platform), times in local time,
openpyxl's write-only mode with the header style of `core.excel`; above the header a title row
with the document's number and title.
"""

import tempfile
from urllib.parse import quote

from django.http import FileResponse
from django.utils import timezone
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter

from anjian.core.excel import HEADER_FILL, HEADER_FONT, XLSX_TYPE, _cell_value

from .models import Document, Recipient

TITLE_FONT = Font(bold=True, size=14)
WRAP = Alignment(wrap_text=True, vertical="top")

# Header and width, in the order of the values `recipient_row` returns.
TRACKING_COLUMNS = [
    ("序号", 6),
    ("收件单位", 40),
    ("工程名称", 30),
    ("单位", 30),
    ("阅读时间", 17),
    ("阅读人", 10),
    ("签收时间", 17),
    ("签收人", 10),
    ("签收逾期", 9),
    ("回复时间", 17),
    ("回复人", 10),
    ("回复逾期", 9),
    ("提醒次数", 9),
    ("最后提醒", 17),
    ("回复内容", 60),
    ("回复附件", 30),
]
TRACKING_HEADERS = [header for header, _width in TRACKING_COLUMNS]
WRAPPED = {"回复内容", "回复附件"}
YES = "是"


def _local(value):
    """A stored (UTC) datetime as a naive local datetime for Excel, or None."""
    return timezone.localtime(value).replace(tzinfo=None) if value else None


def _who(user):
    return str(user) if user else None


def _replies_text(recipient: Recipient) -> str:
    """Every reply of the inbox, oldest first, each with its time and author (prefetched)."""
    parts = []
    for reply in recipient.replies.all():
        parts.append(f"[{timezone.localtime(reply.at):%Y-%m-%d %H:%M} {reply.by}] {reply.body}")
    return "\n\n".join(parts)


def _reply_files(recipient: Recipient) -> str:
    return "\n".join(
        a.filename for reply in recipient.replies.all() for a in reply.attachments.all()
    )


def recipient_row(index: int, recipient: Recipient, now) -> list:
    """One recipient of selectors.tracking_rows (related rows already loaded)."""
    return [
        index,
        recipient.label,
        recipient.project.name if recipient.project_id else None,
        recipient.organization.name,
        _local(recipient.read_at),
        _who(recipient.read_by),
        _local(recipient.signed_at),
        _who(recipient.signed_by),
        YES if recipient.sign_overdue(now) else None,
        _local(recipient.replied_at),
        _who(recipient.replied_by),
        YES if recipient.reply_overdue(now) else None,
        recipient.reminders or None,
        _local(recipient.reminded_at),
        _replies_text(recipient) or None,
        _reply_files(recipient) or None,
    ]


def _text_cell(ws, value: str, *, wrap: bool) -> WriteOnlyCell:
    """Text stays text: a reply starting with "=" is not turned into a formula."""
    cell = WriteOnlyCell(ws, value=value)
    cell.data_type = "s"
    if wrap:
        cell.alignment = WRAP
    return cell


def title_text(document: Document) -> str:
    return " ".join(
        part for part in (document.number, document.title, "签收回复情况") if part
    ).strip()


def write_tracking(fileobj, document: Document, rows) -> None:
    """The tracking sheet into `fileobj`: a title row, the header row, one row per recipient."""
    wb = Workbook(write_only=True)
    ws = wb.create_sheet(title="签收回复情况")
    for index, (_header, width) in enumerate(TRACKING_COLUMNS, start=1):
        ws.column_dimensions[get_column_letter(index)].width = width
    ws.freeze_panes = "A3"
    title = _text_cell(ws, title_text(document), wrap=False)
    title.font = TITLE_FONT
    ws.append([title])
    header = []
    for text in TRACKING_HEADERS:
        cell = WriteOnlyCell(ws, value=text)
        cell.font = HEADER_FONT
        cell.fill = HEADER_FILL
        header.append(cell)
    ws.append(header)
    now = timezone.now()
    for index, recipient in enumerate(rows, start=1):
        values = recipient_row(index, recipient, now)
        line = []
        for header_text, value in zip(TRACKING_HEADERS, values, strict=True):
            if isinstance(value, str) and (header_text in WRAPPED or value.startswith("=")):
                line.append(_text_cell(ws, value, wrap=header_text in WRAPPED))
            else:
                line.append(_cell_value(value))
        ws.append(line)
    wb.save(fileobj)


def export_filename(document: Document) -> str:
    name = f"{document.number or document.pk}签收回复情况.xlsx"
    return name.replace("/", "-")


def tracking_workbook_response(document: Document, rows) -> FileResponse:
    """The tracking table of `document` (rows from selectors.tracking_rows) as an attachment."""
    tmp = tempfile.TemporaryFile()
    write_tracking(tmp, document, rows)
    tmp.seek(0)
    response = FileResponse(tmp, content_type=XLSX_TYPE)
    response["Content-Disposition"] = (
        f"attachment; filename=\"tracking.xlsx\"; filename*=UTF-8''{quote(export_filename(document))}"
    )
    return response
