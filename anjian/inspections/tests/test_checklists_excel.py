"""Excel export and import of checklist templates: the round trip and row-level errors."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import Workbook, load_workbook

from anjian.core.testing.personas import make_draft_template, make_template
from anjian.inspections import excel_templates as xl
from anjian.inspections.choices import HazardGrade, ItemKind, TemplateKind, TemplateStatus
from anjian.inspections.models import ChecklistTemplate, TemplateItem
from anjian.inspections.seeding import (
    KEY_JGJ59,
    KEY_PATROL,
    seed_clauses,
    seed_clauses_and_templates,
)

pytestmark = pytest.mark.django_db


def sheet(rows):
    """An upload with the standard header and one row per dict (header -> value)."""
    return as_upload(xl.HEADERS, [[r.get(h, "") for h in xl.HEADERS] for r in rows])


def exported(template) -> tuple[list, list[list]]:
    response = xl.export_response(template)
    data = b"".join(response.streaming_content)
    ws = load_workbook(io.BytesIO(data)).active
    values = [[c.value for c in row] for row in ws.iter_rows()]
    return values[0], values[1:]


def as_upload(header, rows):
    wb = Workbook()
    ws = wb.active
    ws.append(header)
    for row in rows:
        ws.append(row)
    buffer = io.BytesIO()
    wb.save(buffer)
    return SimpleUploadedFile("checklist.xlsx", buffer.getvalue())


def row(**values):
    base = {
        "分项编号": "B.1",
        "分项名称": "安全管理检查评分表",
        "汇总分类": "安全管理",
        "保证/一般分项": "是",
        "检查项编号": "B.1-1",
        "检查项目": "安全生产责任制",
        "依据条款": "JGJ 59-2011 B.1",
        "类型": "打分",
        "分值": 60,
        "保证项目": "是",
        "扣分标准": "扣10分|未建立安全生产责任制\n每处扣2分|未签字确认",
        "不符合需拍照": "是",
        "默认隐患等级": "一般",
        "重大隐患条款": "",
    }
    base.update(values)
    return base


def good_rows():
    return [
        row(),
        row(
            **{
                "分项名称": "",
                "汇总分类": "",
                "保证/一般分项": "",
                "检查项编号": "B.1-2",
                "检查项目": "安全标志",
                "分值": 40,
                "保证项目": "否",
                "扣分标准": "扣5~10分|未设置安全标志",
            }
        ),
    ]


def item_facts(template):
    return [
        (
            i.section.code,
            i.code,
            i.text,
            i.clause,
            i.kind,
            i.points,
            i.is_guarantee,
            i.deduction_lines,
            i.photo_required,
            i.default_grade,
            i.major_clause_id,
        )
        for i in TemplateItem.objects.filter(section__template=template)
        .select_related("section")
        .order_by("section__order", "order")
    ]


# --- deduction cell --------------------------------------------------------------------------


def test_deduction_lines_are_written_and_read_back():
    lines = [
        {"kind": "fixed", "text": "未建立安全生产责任制", "min": 10, "max": 10, "per": None},
        {"kind": "range", "text": "制度不全", "min": 5, "max": 10, "per": None},
        {"kind": "per_occurrence", "text": "未签字", "min": None, "max": None, "per": 2},
        {"kind": "per_occurrence", "text": "缺失", "min": None, "max": 6, "per": 1.5},
    ]
    cell = xl.format_deductions(lines)
    assert cell.splitlines() == [
        "扣10分|未建立安全生产责任制",
        "扣5~10分|制度不全",
        "每处扣2分|未签字",
        "每处扣1.5分，最多扣6分|缺失",
    ]
    parsed = xl.parse_deductions(cell)
    assert [(p["kind"], p["text"]) for p in parsed] == [
        (line["kind"], line["text"]) for line in lines
    ]
    assert parsed[1]["min"] == "5" and parsed[3]["max"] == "6" and parsed[3]["per"] == "1.5"


@pytest.mark.parametrize(
    "text,kind",
    [
        ("扣 10 分｜x", "fixed"),
        ("扣5－10分|x", "range"),
        ("扣5～10分|x", "range"),
        ("每次扣2分|x", "per_occurrence"),
    ],
)
def test_deduction_lines_accept_common_spellings(text, kind):
    assert xl.parse_deductions(text)[0]["kind"] == kind


@pytest.mark.parametrize("text", ["未建立责任制", "扣十分|x", "最多10分|x"])
def test_unreadable_deduction_lines_are_refused(text):
    with pytest.raises(xl.CellError):
        xl.parse_deductions(text)


# --- export ----------------------------------------------------------------------------------


def test_export_writes_one_row_per_item(world):
    header, rows = exported(make_template(world))
    assert header == xl.HEADERS
    assert [r[4] for r in rows] == ["B.1-1", "B.1-2"]
    first = dict(zip(header, rows[0], strict=True))
    assert first["汇总分类"] == "安全管理" and first["保证/一般分项"] == "是"
    assert first["类型"] == "打分" and first["分值"] == 60 and first["保证项目"] == "是"
    assert first["扣分标准"] == "扣10分|未落实安全生产责任制"


def test_the_jgj59_template_survives_an_export_and_import(world, client_as):
    seed_clauses_and_templates(owner=world.orgs["agency"])
    original = ChecklistTemplate.objects.get(key=KEY_JGJ59)
    header, rows = exported(original)
    assert len(rows) == TemplateItem.objects.filter(section__template=original).count()
    template, errors = xl.import_sheet(
        as_upload(header, rows), by=world.users["admin"], key=KEY_JGJ59
    )
    assert errors == []
    assert (template.version, template.status, template.previous) == (
        2,
        TemplateStatus.DRAFT,
        original,
    )
    assert item_facts(template) == item_facts(original)
    assert list(
        template.sections.values_list("code", "title", "category", "has_guarantee_split")
    ) == list(original.sections.values_list("code", "title", "category", "has_guarantee_split"))


def test_a_compliance_template_with_major_clauses_survives_the_round_trip(world):
    seed_clauses_and_templates(owner=world.orgs["agency"])
    original = ChecklistTemplate.objects.get(key=KEY_PATROL)
    header, rows = exported(original)
    template, errors = xl.import_sheet(
        as_upload(header, rows), by=world.users["admin"], key=KEY_PATROL
    )
    assert errors == []
    assert item_facts(template) == item_facts(original)
    assert any(fact[-1] for fact in item_facts(template))


def test_an_empty_section_is_exported_and_imported(world):
    from anjian.inspections.models import TemplateSection
    from anjian.inspections.services.checklists import section_save

    draft = make_draft_template(world)
    section_save(
        section=TemplateSection(template=draft, code="B.2", title="文明施工"),
        by=world.users["admin"],
    )
    header, rows = exported(draft)
    assert rows[-1][:2] == ["B.2", "文明施工"] and rows[-1][4] is None
    template, errors = xl.import_sheet(
        as_upload(header, rows), by=world.users["admin"], key=draft.key
    )
    assert errors == [] and template.sections.count() == 2


# --- import ----------------------------------------------------------------------------------


def test_a_new_checklist_is_imported_as_a_draft(world):
    template, errors = xl.import_sheet(
        sheet(good_rows()),
        by=world.users["admin"],
        key="new-scored",
        name="新评分表",
        kind=TemplateKind.SCORED,
    )
    assert errors == []
    item = TemplateItem.objects.get(section__template=template, code="B.1-2")
    assert item.deduction_lines == [
        {"kind": "range", "text": "未设置安全标志", "min": 5, "max": 10, "per": None}
    ]
    assert template.sections.get().category == "MANAGE"
    assert template.status == TemplateStatus.DRAFT


def test_row_errors_give_row_column_and_a_chinese_message(world):
    rows = [
        row(**{"分值": "十"}),
        row(**{"检查项编号": "B.1-2", "扣分标准": "扣20分|超过分值", "分值": 10}),
        row(**{"检查项编号": "B.1-3", "默认隐患等级": "重大", "保证项目": "也许"}),
        row(**{"检查项编号": "B.1-4", "重大隐患条款": "MH2099-1-1"}),
        row(**{"检查项编号": "B.1-4", "分项名称": "别的名称"}),
    ]
    template, errors = xl.import_sheet(
        sheet(rows), by=world.users["admin"], key="bad", name="坏表", kind=TemplateKind.SCORED
    )
    assert template is None
    by_cell = {(r, c): m for r, c, m in errors}
    assert "数字" in by_cell[(2, "分值")]
    assert "20" in by_cell[(3, "扣分标准")] and "10" in by_cell[(3, "扣分标准")]
    assert "重大" in by_cell[(4, "重大隐患条款")] and (4, "保证项目") in by_cell
    assert (5, "重大隐患条款") in by_cell
    assert "5" in by_cell[(6, "检查项编号")] and "2" in by_cell[(6, "分项名称")]
    assert not ChecklistTemplate.objects.filter(key="bad").exists()


def test_a_sheet_without_the_required_columns_is_refused(world):
    template, errors = xl.import_sheet(
        as_upload(["名称"], [["x"]]), by=world.users["admin"], key="x", name="x", kind="scored"
    )
    assert template is None and errors[0][0] == 1 and "检查项编号" in errors[0][1]


def test_a_file_that_is_not_excel_is_refused(world):
    upload = SimpleUploadedFile("x.xlsx", b"not a workbook")
    template, errors = xl.import_sheet(
        upload, by=world.users["admin"], key="x", name="x", kind="scored"
    )
    assert template is None and errors[0][0] is None


def test_the_import_page_imports_and_opens_the_draft(world, client_as):
    response = client_as("admin").post(
        reverse("inspections:template_import"),
        {
            "file": sheet(good_rows()),
            "mode": "new",
            "key": "via-page",
            "name": "页面导入",
            "kind": TemplateKind.SCORED,
        },
    )
    template = ChecklistTemplate.objects.get(key="via-page")
    assert response.status_code == 302 and response["Location"] == template.get_absolute_url()


def test_the_import_page_lists_every_problem(world, client_as):
    make_template(world)
    response = client_as("admin").post(
        reverse("inspections:template_import"),
        {"file": sheet([row(**{"分值": 0})]), "mode": "version", "existing": "test-checklist"},
    )
    assert response.status_code == 200
    content = response.content.decode()
    assert 'data-testid="import-errors"' in content and "分值" in content
    assert ChecklistTemplate.objects.filter(key="test-checklist").count() == 1


def test_the_import_page_offers_only_the_agencys_checklists(world, client_as):
    make_template(world)
    response = client_as("admin").get(
        reverse("inspections:template_import") + "?key=test-checklist"
    )
    assert "测试检查表（test-checklist）" in response.content.decode()


def test_staff_export_and_company_users_cannot(world, client_as):
    url = reverse("inspections:template_export", args=[make_template(world).pk])
    response = client_as("supervisor").get(url)
    assert response.status_code == 200 and "test-checklist" in response["Content-Disposition"]
    assert client_as("pm").get(url).status_code == 403


def test_the_sample_sheet_imports_cleanly(world, client_as):
    seed_clauses()
    response = client_as("admin").get(reverse("inspections:template_import_sample"))
    data = b"".join(response.streaming_content)
    template, errors = xl.import_sheet(
        SimpleUploadedFile("s.xlsx", data),
        by=world.users["admin"],
        key="sample",
        name="样例",
        kind="scored",
    )
    assert errors == []
    major = TemplateItem.objects.get(section__template=template, code="1-1")
    assert major.kind == ItemKind.COMPLIANCE and major.default_grade == HazardGrade.MAJOR
