"""Excel export and import of a checklist template: one row per item.

Columns (Chinese headers, the same for export and import): the section's code, title, summary
category and guarantee/general split, then the item's code, text, basis clause, kind, points,
保证项目 flag, 扣分标准 (one line per deduction: ``扣10分|text``, ``扣5~10分|text``,
``每处扣2分|text`` or ``每处扣2分，最多扣6分|text``), photo rule, default hazard grade and
major-hazard clause (``MH2024-4-4``). A row with only the section columns is an empty section.

The import reads every row first; the service saves nothing unless every row is valid, and the
report gives each problem with its row number, column and a Chinese message.
"""

import re
from decimal import Decimal, InvalidOperation

from django.utils.translation import gettext as _

from anjian.core.excel import ExcelReadError, read_rows, xlsx_response

from .choices import DeductionKind, HazardGrade, ItemKind
from .scoring import JGJ59_CATEGORY_LABELS
from .selectors.checklists import deduction_label, sections_with_items
from .services.checklists import ImportRejected, ImportRow, template_import_rows

COLUMNS = [
    ("section_code", "分项编号", 10),
    ("section_title", "分项名称", 24),
    ("category", "汇总分类", 14),
    ("has_guarantee_split", "保证/一般分项", 12),
    ("code", "检查项编号", 12),
    ("text", "检查项目", 40),
    ("clause", "依据条款", 20),
    ("kind", "类型", 8),
    ("points", "分值", 8),
    ("is_guarantee", "保证项目", 8),
    ("deduction_lines", "扣分标准", 60),
    ("photo_required", "不符合需拍照", 12),
    ("default_grade", "默认隐患等级", 12),
    ("major_clause", "重大隐患条款", 14),
]
HEADERS = [header for _key, header, _width in COLUMNS]
WIDTHS = [width for _key, _header, width in COLUMNS]
REQUIRED_HEADERS = ["分项编号", "检查项编号", "检查项目"]
FIELD_HEADERS = {key: header for key, header, _width in COLUMNS}
# Problems with the checklist itself (no row): the import form's fields.
TEMPLATE_FIELD_HEADERS = {
    "key": "模板标识",
    "name": "模板名称",
    "kind": "模板类型",
    "basis": "依据标准",
    "description": "说明",
    "version": "版本",
    "__all__": "",
}

YES, NO = "是", "否"
KIND_LABELS = {ItemKind.SCORED: "打分", ItemKind.COMPLIANCE: "符合性"}
GRADE_LABELS = {HazardGrade.GENERAL: "一般", HazardGrade.MAJOR: "重大"}
_TRUE = {"是", "y", "yes", "true", "1", "√", "✓", "需要", "有"}
_FALSE = {"否", "n", "no", "false", "0", "×", "✗", "不需要", "无"}
_KINDS = {
    "打分": ItemKind.SCORED,
    "打分项": ItemKind.SCORED,
    "扣分": ItemKind.SCORED,
    "scored": ItemKind.SCORED,
    "符合性": ItemKind.COMPLIANCE,
    "符合": ItemKind.COMPLIANCE,
    "compliance": ItemKind.COMPLIANCE,
}
_GRADES = {
    "一般": HazardGrade.GENERAL,
    "一般隐患": HazardGrade.GENERAL,
    "general": HazardGrade.GENERAL,
    "重大": HazardGrade.MAJOR,
    "重大隐患": HazardGrade.MAJOR,
    "major": HazardGrade.MAJOR,
}

_NUM = r"(\d+(?:\.\d+)?)"
_FIXED_RE = re.compile(rf"^扣\s*{_NUM}\s*分$")
_RANGE_RE = re.compile(rf"^扣\s*{_NUM}\s*[~～〜\-－—至]\s*{_NUM}\s*分$")
_PER_RE = re.compile(
    rf"^每\s*[处次项人个台]?\s*扣\s*{_NUM}\s*分(?:\s*[，,;；]?\s*(?:最多|最高|上限)\s*扣?\s*{_NUM}\s*分)?$"
)


# --- export ----------------------------------------------------------------------------------


def _number(value):
    value = Decimal(value)
    return int(value) if value == value.to_integral_value() else float(value)


def format_deductions(lines) -> str:
    """The 扣分标准 cell: one ``rule|text`` line per deduction."""
    return "\n".join(f"{deduction_label(line)}|{line.get('text', '')}" for line in lines or [])


def export_rows(template):
    """One row per item (a section without items gets one row of its own)."""
    scored = template.is_scored
    for section in sections_with_items(template):
        head = [
            section.code,
            section.title,
            JGJ59_CATEGORY_LABELS.get(section.category, section.category) if scored else "",
            (YES if section.has_guarantee_split else NO) if scored else "",
        ]
        if not section.item_list:
            yield head + [""] * (len(COLUMNS) - len(head))
        for item in section.item_list:
            is_scored = item.kind == ItemKind.SCORED
            yield head + [
                item.code,
                item.text,
                item.clause,
                KIND_LABELS.get(item.kind, item.kind),
                _number(item.points) if is_scored else "",
                (YES if item.is_guarantee else NO) if is_scored else "",
                format_deductions(item.deduction_lines) if is_scored else "",
                YES if item.photo_required else NO,
                GRADE_LABELS.get(item.default_grade, item.default_grade),
                item.major_clause.code if item.major_clause_id else "",
            ]


def export_response(template):
    """The template as an .xlsx attachment named after its key and version."""
    return xlsx_response(
        f"检查表-{template.key}-v{template.version}.xlsx",
        "检查表",
        HEADERS,
        export_rows(template),
        WIDTHS,
    )


def sample_response():
    """An import sheet with the header row and a few example rows."""
    rows = [
        ["B.1", "安全管理检查评分表", "安全管理", YES, "B.1-1", "安全生产责任制"]
        + ["JGJ 59-2011 B.1", "打分", 10, YES]
        + ["扣10分|未建立安全生产责任制\n每处扣2分|责任制未经责任人签字确认"]
        + [YES, "一般", ""],
        ["B.1", "", "", "", "B.1-7", "分包单位安全管理", "JGJ 59-2011 B.1", "打分", 10, NO]
        + ["扣5~10分|分包单位资质、资格、分包手续不全或失效", YES, "一般", ""],
        ["1", "安全管理", "", "", "1-1", "危大工程专项施工方案已编制、审批", "", "符合性", ""]
        + ["", "", YES, "重大", "MH2024-4-4"],
    ]
    return xlsx_response("检查表导入模板.xlsx", "检查表", HEADERS, rows, WIDTHS)


# --- import ----------------------------------------------------------------------------------


class CellError(ValueError):
    """A cell could not be read; the message says why (Chinese through the catalogue)."""


def _text(raw) -> str:
    if raw is None:
        return ""
    if isinstance(raw, float) and raw.is_integer():
        raw = int(raw)
    return str(raw).strip()


def _bool(raw, default):
    text = _text(raw).lower()
    if not text:
        return default
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise CellError(_("Write 是 or 否."))


def _choice(raw, mapping, labels):
    text = _text(raw)
    if not text:
        return None
    value = mapping.get(text) or mapping.get(text.lower())
    if value is None:
        raise CellError(_("Unknown value; use one of: %(labels)s") % {"labels": labels})
    return value


def _category(raw) -> str:
    text = _text(raw)
    if not text:
        return ""
    for code, label in JGJ59_CATEGORY_LABELS.items():
        if text.upper() == code or text == label:
            return code
    raise CellError(
        _("Unknown value; use one of: %(labels)s")
        % {"labels": "、".join(JGJ59_CATEGORY_LABELS.values())}
    )


def _points(raw):
    text = _text(raw)
    if not text:
        return None
    try:
        value = Decimal(text)
    except InvalidOperation:
        raise CellError(_("Not a number.")) from None
    if not value.is_finite() or value < 0:
        raise CellError(_("Not a number."))
    return value


def parse_deductions(raw) -> list[dict]:
    """Read the 扣分标准 cell back into deduction lines (numbers are checked by the service)."""
    lines = []
    for number, text in enumerate(_text(raw).replace("\r", "\n").split("\n"), start=1):
        text = text.strip()
        if not text:
            continue
        rule, sep, description = text.replace("｜", "|").partition("|")
        rule = rule.strip().replace(" ", "")
        if not sep:
            raise CellError(
                _(
                    "Line %(line)d: write each deduction as 扣10分|text, 扣5~10分|text or 每处扣2分|text."
                )
                % {"line": number}
            )
        line = {"text": description.strip(), "min": None, "max": None, "per": None}
        if match := _FIXED_RE.match(rule):
            line.update(kind=DeductionKind.FIXED, min=match[1], max=match[1])
        elif match := _RANGE_RE.match(rule):
            line.update(kind=DeductionKind.RANGE, min=match[1], max=match[2])
        elif match := _PER_RE.match(rule):
            line.update(kind=DeductionKind.PER_OCCURRENCE, per=match[1], max=match[2])
        else:
            raise CellError(
                _(
                    "Line %(line)d: write each deduction as 扣10分|text, 扣5~10分|text or 每处扣2分|text."
                )
                % {"line": number}
            )
        lines.append(line)
    return lines


_PARSERS = {
    "section_code": _text,
    "section_title": _text,
    "category": _category,
    "has_guarantee_split": lambda raw: _bool(raw, None),
    "code": _text,
    "text": _text,
    "clause": _text,
    "kind": lambda raw: _choice(raw, _KINDS, "打分、符合性"),
    "points": _points,
    "is_guarantee": lambda raw: _bool(raw, False),
    "deduction_lines": parse_deductions,
    "photo_required": lambda raw: _bool(raw, True),
    "default_grade": lambda raw: _choice(raw, _GRADES, "一般、重大") or HazardGrade.GENERAL,
    "major_clause": _text,
}


def read_sheet(fileobj) -> tuple[list[ImportRow], list[tuple[int | None, str, str]]]:
    """Read an uploaded sheet into rows (with each cell's format problems); the second value
    lists problems with the file itself (unreadable, header row incomplete)."""
    try:
        header, data = read_rows(fileobj)
    except ExcelReadError:
        return [], [(None, "", _("The file is not a readable Excel (.xlsx) workbook."))]
    missing = [h for h in REQUIRED_HEADERS if h not in header]
    if missing:
        return [], [(1, "、".join(missing), _("Required columns are missing from the header row."))]
    positions = {name: index for index, name in enumerate(header)}
    rows = []
    for number, values in data:
        row = ImportRow(number=number)
        for key, column, _width in COLUMNS:
            index = positions.get(column)
            raw = values[index] if index is not None and index < len(values) else None
            try:
                value = _PARSERS[key](raw)
            except CellError as error:
                row.errors.append((key, str(error)))
                continue
            if value is not None:
                setattr(row, key, value)
        rows.append(row)
    return rows, []


def _report(errors) -> list[tuple[int | None, str, str]]:
    """Problems with field names turned into the sheet's column headers."""
    report = []
    for row, name, message in errors:
        headers = FIELD_HEADERS if row is not None else TEMPLATE_FIELD_HEADERS
        report.append((row, headers.get(name, name), message))
    return report


def import_sheet(fileobj, *, by, key, name="", kind="", basis="", description=""):
    """Import an uploaded sheet into a draft of `key`: (template, []) or (None, problems)."""
    rows, problems = read_sheet(fileobj)
    if problems:
        return None, problems
    try:
        template = template_import_rows(
            by=by, rows=rows, key=key, name=name, kind=kind, basis=basis, description=description
        )
    except ImportRejected as rejected:
        return None, _report(rejected.errors)
    return template, []
