"""Excel import and export of the project registry.

The import validates every row first and saves nothing unless all rows are valid; the report
lists each problem with its row number, column and a Chinese message.
"""

import datetime
import decimal
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from anjian.accounts.choices import OrgKind
from anjian.accounts.models import Organization
from anjian.core.excel import ExcelReadError, read_rows
from anjian.core.models import Street
from anjian.core.validators import normalize_credit_code

from .choices import (
    ConstructionNature,
    ParticipantRole,
    ProjectCategory,
    ProjectRole,
    ProjectStatus,
    StructureType,
)
from .models import Project


@dataclass(frozen=True)
class Column:
    header: str
    key: str
    required: bool = False
    kind: str = "text"  # text | date | decimal | int | choice
    choices: type | None = None
    example: object = ""


COLUMNS = [
    Column("项目名称", "name", True, example="通州区示例地块住宅项目"),
    Column("施工许可证编号", "permit_number", True, example="110112202611200301"),
    Column("项目编号", "code", example="BJ-TZ-2026-001"),
    Column("发证机关", "permit_authority", example="北京市通州区住房和城乡建设委员会"),
    Column("发证日期", "permit_date", kind="date", example=datetime.date(2026, 3, 15)),
    Column("工程类别", "category", True, "choice", ProjectCategory, "房屋建筑"),
    Column("建设性质", "nature", False, "choice", ConstructionNature, "新建"),
    Column("结构类型", "structure_type", False, "choice", StructureType, "剪力墙"),
    Column("工程用途", "usage", example="住宅"),
    Column("街道", "street", True, example="台湖镇"),
    Column("详细地址", "address", True, example="北京市通州区台湖镇示例路1号"),
    Column("经度", "longitude", kind="decimal", example=116.62),
    Column("纬度", "latitude", kind="decimal", example=39.83),
    Column("建筑面积(m²)", "floor_area", kind="decimal", example=52000),
    Column("地上层数", "floors_above", kind="int", example=18),
    Column("地下层数", "floors_below", kind="int", example=2),
    Column("建筑高度(m)", "height", kind="decimal", example=54.6),
    Column("基坑深度(m)", "pit_depth", kind="decimal", example=9.5),
    Column("合同价(万元)", "cost", kind="decimal", example=32000),
    Column("合同开工日期", "contract_start", kind="date", example=datetime.date(2026, 4, 1)),
    Column("合同竣工日期", "contract_end", kind="date", example=datetime.date(2028, 6, 30)),
    Column("状态", "status", False, "choice", ProjectStatus, "在施"),
    Column("建设单位", "builder_name", example=""),
    Column("建设单位信用代码", "builder_code", example=""),
    Column("施工总承包单位", "contractor_name", example=""),
    Column("施工单位信用代码", "contractor_code", example=""),
    Column("监理单位", "supervision_name", example=""),
    Column("监理单位信用代码", "supervision_code", example=""),
    Column("项目经理", "pm_name", example="张伟"),
    Column("项目经理电话", "pm_phone", example="13800138000"),
    Column("总监理工程师", "chief_name", example="李强"),
    Column("总监电话", "chief_phone", example="13900139000"),
]
HEADERS = [c.header for c in COLUMNS]
UNITS = [
    ("builder", ParticipantRole.BUILDER, OrgKind.BUILDER),
    ("contractor", ParticipantRole.CONTRACTOR, OrgKind.CONTRACTOR),
    ("supervision", ParticipantRole.SUPERVISION, OrgKind.SUPERVISION),
]
PROJECT_FIELDS = [
    c.key
    for c in COLUMNS
    if not c.key.endswith(("_name", "_code", "_phone")) and c.key not in {"street"}
]


@dataclass
class ImportRow:
    number: int
    project: Project
    units: list = field(default_factory=list)  # (role, Organization)
    people: list = field(default_factory=list)  # (role, name, phone)


@dataclass
class ImportResult:
    rows: list[ImportRow] = field(default_factory=list)
    errors: list[tuple[int | None, str, str]] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors


def template_rows():
    """One example row for the downloadable import template."""
    return [[c.example for c in COLUMNS]]


def _label_to_value(choices, text):
    """The choice value whose value or label (Chinese or English, with or without a trailing
    工程) matches `text`."""
    from django.utils import translation

    text = str(text).strip()
    for language in ("zh-hans", "en"):
        with translation.override(language):
            for value, label in choices.choices:
                label = str(label)
                if text in (label, value, label.removesuffix("工程")):
                    return value
    return None


def _parse(column: Column, raw):
    if raw is None or (isinstance(raw, str) and raw.strip() == ""):
        if column.required:
            raise ValidationError(_("This column is required."))
        return None
    if column.kind == "date":
        if isinstance(raw, datetime.datetime):
            return raw.date()
        if isinstance(raw, datetime.date):
            return raw
        try:
            return datetime.date.fromisoformat(str(raw).strip().replace("/", "-"))
        except ValueError:
            raise ValidationError(_("Not a date (use YYYY-MM-DD).")) from None
    if column.kind in {"decimal", "int"}:
        try:
            number = decimal.Decimal(str(raw).strip())
        except decimal.InvalidOperation:
            raise ValidationError(_("Not a number.")) from None
        if column.kind == "int":
            if number != number.to_integral_value() or number < 0:
                raise ValidationError(_("Not a whole number."))
            return int(number)
        return number
    if column.kind == "choice":
        value = _label_to_value(column.choices, raw)
        if value is None:
            labels = "、".join(str(label) for _v, label in column.choices.choices)
            raise ValidationError(_("Unknown value; use one of: %(labels)s") % {"labels": labels})
        return value
    return str(raw).strip()


def _message(error: ValidationError) -> str:
    return "；".join(str(m) for m in error.messages)


def parse_import(fileobj, *, by) -> ImportResult:
    """Read and validate an uploaded sheet; nothing is saved."""
    result = ImportResult()
    try:
        header, data = read_rows(fileobj)
    except ExcelReadError:
        result.errors.append((None, "", _("The file is not a readable Excel (.xlsx) workbook.")))
        return result
    missing = [c.header for c in COLUMNS if c.required and c.header not in header]
    if missing:
        result.errors.append(
            (1, "、".join(missing), _("Required columns are missing from the header row."))
        )
        return result
    if not data:
        result.errors.append((None, "", _("The sheet has no data rows.")))
        return result
    positions = {name: i for i, name in enumerate(header)}
    streets = (
        {s.name: s for s in by.organization.jurisdiction.all()}
        if not by.is_admin
        else {s.name: s for s in Street.objects.all()}
    )
    agency = by.organization if by.organization and by.organization.kind == OrgKind.AGENCY else None
    seen_permits: dict[str, int] = {}
    existing_orgs = {o.credit_code: o for o in Organization.objects.all()}
    existing_by_name = {o.name: o for o in existing_orgs.values()}
    new_orgs: dict[str, Organization] = {}
    for number, values in data:
        row_errors = []
        parsed = {}
        for column in COLUMNS:
            raw = values[positions[column.header]] if column.header in positions else None
            if column.header in positions and positions[column.header] >= len(values):
                raw = None
            try:
                parsed[column.key] = _parse(column, raw)
            except ValidationError as error:
                row_errors.append((number, column.header, _message(error)))
        street = streets.get(parsed.get("street") or "")
        if parsed.get("street") and street is None:
            row_errors.append((number, "街道", _("Unknown street, or outside your jurisdiction.")))
        project = Project(
            street=street,
            agency=agency or (street.agencies.first() if street else None),
            **{k: parsed.get(k) for k in PROJECT_FIELDS if parsed.get(k) is not None},
        )
        permit = parsed.get("permit_number") or ""
        if permit:
            if permit in seen_permits:
                row_errors.append(
                    (
                        number,
                        "施工许可证编号",
                        _("Same permit number as row %(row)d.") % {"row": seen_permits[permit]},
                    )
                )
            seen_permits[permit] = number
        try:
            project.full_clean(exclude=["street", "agency"] if street is None else ["agency"])
        except ValidationError as error:
            headers = {c.key: c.header for c in COLUMNS}
            already = {column for _n, column, _m in row_errors}
            for key, messages in error.message_dict.items():
                if headers.get(key, key) not in already:
                    row_errors.append((number, headers.get(key, key), "；".join(messages)))
        if project.agency is None and street is not None:
            row_errors.append((number, "街道", _("No supervision agency covers this street.")))
        row = ImportRow(number=number, project=project)
        for prefix, role, kind in UNITS:
            name = parsed.get(f"{prefix}_name")
            code = parsed.get(f"{prefix}_code")
            header = next(c.header for c in COLUMNS if c.key == f"{prefix}_name")
            if not name and not code:
                continue
            org = existing_orgs.get(normalize_credit_code(code)) if code else None
            if org is None and name and not code:
                org = existing_by_name.get(name)
            if org is None and code:
                org = new_orgs.get(normalize_credit_code(code))
            if org is None:
                if not (name and code):
                    row_errors.append(
                        (number, header, _("Unknown unit: give its name and credit code."))
                    )
                    continue
                org = Organization(name=name, credit_code=normalize_credit_code(code), kind=kind)
                try:
                    org.full_clean(validate_unique=False)
                except ValidationError as error:
                    row_errors.append((number, header, _message(error)))
                    continue
                if name in existing_by_name:
                    row_errors.append(
                        (number, header, _("A unit with this name has another credit code."))
                    )
                    continue
                new_orgs[org.credit_code] = org
            if org.kind != kind:
                row_errors.append(
                    (
                        number,
                        header,
                        _("%(name)s is a %(kind)s.")
                        % {"name": org.name, "kind": org.get_kind_display()},
                    )
                )
                continue
            row.units.append((role, org))
        for prefix, role in (("pm", ProjectRole.PM), ("chief", ProjectRole.CHIEF_ENGINEER)):
            name = parsed.get(f"{prefix}_name")
            if name:
                row.people.append((role, name, parsed.get(f"{prefix}_phone") or ""))
        result.errors.extend(row_errors)
        result.rows.append(row)
    return result


def export_rows(projects):
    """Rows for the export of a filtered project list (same columns as the import)."""
    for p in projects:
        units = {}
        for part in p.all_participants:
            units.setdefault(part.role, part.organization)
        people = {}
        for m in p.all_members:
            people.setdefault(m.role, m)
        builder = units.get(ParticipantRole.BUILDER)
        contractor = units.get(ParticipantRole.CONTRACTOR)
        supervision = units.get(ParticipantRole.SUPERVISION)
        pm = people.get(ProjectRole.PM)
        chief = people.get(ProjectRole.CHIEF_ENGINEER)
        yield [
            p.name,
            p.permit_number,
            p.code,
            p.permit_authority,
            p.permit_date,
            p.get_category_display(),
            p.get_nature_display(),
            p.get_structure_type_display() if p.structure_type else "",
            p.usage,
            p.street.name,
            p.address,
            p.longitude,
            p.latitude,
            p.floor_area,
            p.floors_above,
            p.floors_below,
            p.height,
            p.pit_depth,
            p.cost,
            p.contract_start,
            p.contract_end,
            p.get_status_display(),
            builder.name if builder else "",
            builder.credit_code if builder else "",
            contractor.name if contractor else "",
            contractor.credit_code if contractor else "",
            supervision.name if supervision else "",
            supervision.credit_code if supervision else "",
            pm.name if pm else "",
            pm.phone if pm else "",
            chief.name if chief else "",
            chief.phone if chief else "",
        ]
