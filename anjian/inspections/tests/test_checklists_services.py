"""Checklist template services: versions, publishing, the builder's edits and their rules."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from anjian.accounts.choices import AgencyRole
from anjian.core.errors import DomainError, PermissionDenied
from anjian.core.models import ChangeLogEntry
from anjian.core.testing.personas import make_draft_template, make_template, make_user
from anjian.inspections.choices import HazardGrade, ItemKind, TemplateKind, TemplateStatus
from anjian.inspections.models import (
    ChecklistTemplate,
    MajorHazardClause,
    TemplateItem,
    TemplateSection,
)
from anjian.inspections.seeding import KEY_JGJ59, seed_clauses_and_templates
from anjian.inspections.services import checklists as svc
from anjian.inspections.services.records import inspection_start

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin(world):
    return world.users["admin"]


@pytest.fixture
def draft(world):
    return make_draft_template(world)


@pytest.fixture
def clause(db):
    return MajorHazardClause.objects.create(
        code="MH2024-7-2",
        label="第7条第2项",
        article=7,
        item=2,
        category="脚手架工程",
        text="未设置连墙件或连墙件整层缺失",
    )


def new_item(section, **fields):
    values = {
        "code": "B.1-9",
        "text": "新增检查项目",
        "kind": ItemKind.SCORED,
        "points": Decimal(10),
        "deduction_lines": [],
    }
    values.update(fields)
    return TemplateItem(section=section, **values)


# --- create, version, publish ------------------------------------------------------------------


def test_admin_creates_a_draft_owned_by_their_agency(world, admin):
    template = svc.template_create(
        by=admin, key="night-check", name="夜间施工检查", kind=TemplateKind.COMPLIANCE
    )
    assert template.status == TemplateStatus.DRAFT and template.version == 1
    assert template.owner == world.orgs["agency"]
    assert ChangeLogEntry.objects.filter(object_id=template.pk, action="create").exists()


def test_scored_template_starts_with_the_jgj59_summary_weights(admin):
    template = svc.template_create(by=admin, key="scores", name="评分", kind=TemplateKind.SCORED)
    assert template.summary_weights["CIVIL"] == 15 and sum(template.summary_weights.values()) == 100


def test_create_refuses_a_key_already_used(world, admin):
    make_template(world)
    with pytest.raises(DomainError) as error:
        svc.template_create(by=admin, key="test-checklist", name="x", kind=TemplateKind.SCORED)
    assert error.value.field == "key"


@pytest.mark.parametrize("persona", ["supervisor", "chief", "leader", "pm", "grouphq"])
def test_only_administrators_create_templates(world, persona):
    with pytest.raises(PermissionDenied):
        svc.template_create(
            by=world.users[persona], key="x", name="x", kind=TemplateKind.COMPLIANCE
        )


def test_new_version_copies_sections_and_items_into_a_draft(world, admin):
    published = make_template(world)
    draft = svc.template_new_version(template=published, by=admin)
    assert (draft.key, draft.version, draft.status) == (published.key, 2, TemplateStatus.DRAFT)
    assert draft.previous == published and draft.owner == published.owner
    old = list(TemplateItem.objects.filter(section__template=published).order_by("order"))
    new = list(TemplateItem.objects.filter(section__template=draft).order_by("order"))
    assert [(i.code, i.points, i.deduction_lines) for i in new] == [
        (i.code, i.points, i.deduction_lines) for i in old
    ]
    assert {i.pk for i in new}.isdisjoint({i.pk for i in old})
    assert draft.sections.get().category == "MANAGE"


def test_new_version_is_refused_while_a_draft_exists(world, admin, draft):
    with pytest.raises(DomainError, match="2"):
        svc.template_new_version(template=make_template(world), by=admin)


def test_publish_supersedes_the_old_version_and_inspections_keep_theirs(world, admin, draft):
    v1 = make_template(world)
    inspection = inspection_start(
        project=world.projects["P"], template=v1, by=world.users["supervisor"]
    )
    item = TemplateItem.objects.get(section__template=draft, code="B.1-1")
    item.text = "安全生产责任制（修订）"
    svc.item_save(item=item, by=admin)
    svc.template_publish(template=draft, by=admin)
    v1.refresh_from_db()
    draft.refresh_from_db()
    assert v1.status == TemplateStatus.ARCHIVED
    assert draft.status == TemplateStatus.PUBLISHED and draft.published_at is not None
    inspection.refresh_from_db()
    assert inspection.template == v1
    assert inspection.answers.first().item.text == "安全生产责任制"
    assert ChangeLogEntry.objects.filter(object_id=draft.pk, action="update").exists()


def test_publishing_twice_is_refused(world, admin, draft):
    svc.template_publish(template=draft, by=admin)
    with pytest.raises(DomainError):
        svc.template_publish(template=draft, by=admin)


def test_publish_refuses_a_checklist_without_items(admin):
    template = svc.template_create(by=admin, key="empty", name="空表", kind=TemplateKind.COMPLIANCE)
    with pytest.raises(DomainError):
        svc.template_publish(template=template, by=admin)


def test_a_published_template_cannot_be_changed(world, admin):
    template = make_template(world)
    item = TemplateItem.objects.filter(section__template=template).first()
    item.text = "改动"
    with pytest.raises(DomainError):
        svc.item_save(item=item, by=admin)
    with pytest.raises(DomainError):
        svc.section_delete(section=item.section, by=admin)
    with pytest.raises(DomainError):
        svc.template_delete(template=template, by=admin)


def test_administrators_of_another_agency_cannot_change_the_template(world, draft):
    other_admin = make_user("admin_b", world.orgs["agency_b"], AgencyRole.ADMIN)
    item = TemplateItem.objects.filter(section__template=draft).first()
    with pytest.raises(PermissionDenied):
        svc.item_save(item=item, by=other_admin)
    with pytest.raises(PermissionDenied):
        svc.template_publish(template=draft, by=other_admin)
    with pytest.raises(PermissionDenied):
        svc.template_new_version(template=make_template(world), by=other_admin)


@pytest.mark.parametrize("persona", ["supervisor", "chief", "pm", "outsider"])
def test_staff_and_companies_cannot_edit_a_draft(world, draft, persona):
    section = draft.sections.first()
    with pytest.raises(PermissionDenied):
        svc.section_save(section=section, by=world.users[persona])


def test_delete_discards_a_draft(admin, draft):
    svc.template_delete(template=draft, by=admin)
    assert not ChecklistTemplate.objects.filter(pk=draft.pk).exists()
    assert not TemplateSection.objects.filter(template_id=draft.pk).exists()


def test_update_changes_the_settings_of_a_draft(admin, draft):
    svc.template_update(
        template=draft,
        by=admin,
        name="新名称",
        kind=TemplateKind.SCORED,
        basis="JGJ 59-2011",
        summary_weights={"MANAGE": Decimal("100")},
    )
    draft.refresh_from_db()
    assert draft.name == "新名称" and draft.summary_weights == {"MANAGE": 100}


def test_a_draft_with_scored_items_cannot_become_a_compliance_checklist(admin, draft):
    with pytest.raises(DomainError) as error:
        svc.template_update(template=draft, by=admin, name="x", kind=TemplateKind.COMPLIANCE)
    assert error.value.field == "kind"


# --- sections --------------------------------------------------------------------------------


def test_a_new_section_goes_to_the_end(admin, draft):
    section = svc.section_save(
        section=TemplateSection(template=draft, code="B.2", title="文明施工", category="CIVIL"),
        by=admin,
    )
    assert list(draft.sections.order_by("order").values_list("code", flat=True)) == ["B.1", "B.2"]
    assert section.order == 1


def test_section_codes_are_unique_in_a_template(admin, draft):
    with pytest.raises(ValidationError) as error:
        svc.section_save(section=TemplateSection(template=draft, code="B.1", title="x"), by=admin)
    assert "code" in error.value.message_dict


def test_sections_move_up_and_down(admin, draft):
    for code in ("B.2", "B.3"):
        svc.section_save(section=TemplateSection(template=draft, code=code, title=code), by=admin)
    b3 = draft.sections.get(code="B.3")
    svc.section_move(section=b3, by=admin, direction="up")
    assert list(draft.sections.order_by("order").values_list("code", flat=True)) == [
        "B.1",
        "B.3",
        "B.2",
    ]
    first = draft.sections.get(code="B.1")
    svc.section_move(section=first, by=admin, direction="up")
    assert draft.sections.order_by("order").first().code == "B.1"
    with pytest.raises(DomainError):
        svc.section_move(section=first, by=admin, direction="sideways")


def test_deleting_a_section_removes_its_items_and_renumbers(admin, draft):
    svc.section_save(section=TemplateSection(template=draft, code="B.2", title="x"), by=admin)
    svc.section_delete(section=draft.sections.get(code="B.1"), by=admin)
    assert not TemplateItem.objects.filter(section__template=draft).exists()
    assert list(draft.sections.values_list("code", "order")) == [("B.2", 0)]


def test_turning_the_split_off_clears_the_guarantee_flags(admin, draft):
    section = draft.sections.get()
    section.has_guarantee_split = False
    svc.section_save(section=section, by=admin)
    assert not section.items.filter(is_guarantee=True).exists()


def test_compliance_sections_have_no_category_or_split(admin):
    template = svc.template_create(by=admin, key="c", name="c", kind=TemplateKind.COMPLIANCE)
    section = svc.section_save(
        section=TemplateSection(
            template=template, code="1", title="x", category="MANAGE", has_guarantee_split=True
        ),
        by=admin,
    )
    assert section.category == "" and not section.has_guarantee_split


# --- items -----------------------------------------------------------------------------------


def test_a_new_item_goes_to_the_end_of_its_section(admin, draft):
    item = svc.item_save(item=new_item(draft.sections.get()), by=admin)
    assert item.order == 2


def test_items_move_inside_their_section(admin, draft):
    second = TemplateItem.objects.get(section__template=draft, code="B.1-2")
    svc.item_move(item=second, by=admin, direction="up")
    codes = list(draft.sections.get().items.order_by("order").values_list("code", flat=True))
    assert codes == ["B.1-2", "B.1-1"]


def test_deleting_an_item_renumbers_the_rest(admin, draft):
    svc.item_delete(item=TemplateItem.objects.get(section__template=draft, code="B.1-1"), by=admin)
    assert list(draft.sections.get().items.values_list("code", "order")) == [("B.1-2", 0)]


def test_scored_items_need_points(admin, draft):
    with pytest.raises(ValidationError) as error:
        svc.item_save(item=new_item(draft.sections.get(), points=Decimal(0)), by=admin)
    assert "points" in error.value.message_dict


def test_a_deduction_cannot_exceed_the_items_points(admin, draft):
    lines = [{"kind": "range", "text": "方案不全", "min": 5, "max": 15}]
    with pytest.raises(ValidationError) as error:
        svc.item_save(item=new_item(draft.sections.get(), deduction_lines=lines), by=admin)
    [message] = error.value.message_dict["deduction_lines"]
    assert "15" in message and "10" in message


def test_deduction_lines_are_normalised(admin, draft):
    lines = [
        {"kind": "fixed", "text": " 未建立责任制 ", "min": "", "max": "10", "per": ""},
        {"kind": "range", "text": "制度不全", "min": "2", "max": "5.5"},
        {"kind": "per_occurrence", "text": "未签字", "per": 2, "max": ""},
        {"kind": "fixed", "text": "", "min": None, "max": None, "per": None},
    ]
    item = svc.item_save(item=new_item(draft.sections.get(), deduction_lines=lines), by=admin)
    assert item.deduction_lines == [
        {"kind": "fixed", "text": "未建立责任制", "min": 10, "max": 10, "per": None},
        {"kind": "range", "text": "制度不全", "min": 2, "max": 5.5, "per": None},
        {"kind": "per_occurrence", "text": "未签字", "min": None, "max": None, "per": 2},
    ]


@pytest.mark.parametrize(
    "line",
    [
        {"kind": "range", "text": "x", "min": 5, "max": 5},
        {"kind": "range", "text": "x", "min": None, "max": 5},
        {"kind": "per_occurrence", "text": "x", "per": None},
        {"kind": "per_occurrence", "text": "x", "per": 3, "max": 2},
        {"kind": "fixed", "text": "", "max": 5},
        {"kind": "fixed", "text": "x", "max": "五"},
        {"kind": "bonus", "text": "x", "max": 5},
    ],
)
def test_bad_deduction_lines_are_refused_with_a_message(admin, draft, line):
    with pytest.raises(ValidationError) as error:
        svc.item_save(item=new_item(draft.sections.get(), deduction_lines=[line]), by=admin)
    assert error.value.message_dict["deduction_lines"]


def test_a_major_grade_needs_a_clause(admin, draft, clause):
    item = new_item(draft.sections.get(), default_grade=HazardGrade.MAJOR)
    with pytest.raises(ValidationError) as error:
        svc.item_save(item=item, by=admin)
    assert "major_clause" in error.value.message_dict
    item.major_clause = clause
    assert svc.item_save(item=item, by=admin).pk


def test_guarantee_items_belong_to_a_split_section(admin, draft):
    section = svc.section_save(
        section=TemplateSection(template=draft, code="B.13", title="高处作业"), by=admin
    )
    with pytest.raises(ValidationError) as error:
        svc.item_save(item=new_item(section, is_guarantee=True), by=admin)
    assert "is_guarantee" in error.value.message_dict


def test_item_codes_are_unique_in_a_template(admin, draft):
    with pytest.raises(ValidationError) as error:
        svc.item_save(item=new_item(draft.sections.get(), code="B.1-1"), by=admin)
    assert "code" in error.value.message_dict


def test_a_compliance_checklist_refuses_scored_items(admin):
    template = svc.template_create(by=admin, key="c", name="c", kind=TemplateKind.COMPLIANCE)
    section = svc.section_save(
        section=TemplateSection(template=template, code="1", title="x"), by=admin
    )
    with pytest.raises(ValidationError) as error:
        svc.item_save(item=new_item(section), by=admin)
    assert "kind" in error.value.message_dict


def test_compliance_items_drop_points_and_deductions(admin, draft):
    item = new_item(
        draft.sections.get(),
        kind=ItemKind.COMPLIANCE,
        is_guarantee=True,
        deduction_lines=[{"kind": "fixed", "text": "x", "max": 5}],
    )
    item = svc.item_save(item=item, by=admin)
    assert (item.points, item.is_guarantee, item.deduction_lines) == (0, False, [])


# --- warnings --------------------------------------------------------------------------------


def test_totals_other_than_60_and_100_are_warnings_not_errors(admin, draft):
    svc.item_save(item=new_item(draft.sections.get(), is_guarantee=True), by=admin)
    warnings = svc.template_warnings(draft)
    assert any("B.1" in w and "70" in w and "60" in w for w in warnings)
    assert any("B.1" in w and "110" in w and "100" in w for w in warnings)
    svc.template_publish(template=draft, by=admin)  # warnings do not stop publishing


def test_the_test_checklist_has_no_warnings(world):
    assert svc.template_warnings(make_template(world)) == []


def test_empty_sections_and_missing_categories_are_warned(admin, draft):
    svc.section_save(section=TemplateSection(template=draft, code="B.2", title="空"), by=admin)
    warnings = svc.template_warnings(draft)
    assert any("B.2" in w for w in warnings)


def test_the_seeded_jgj59_template_has_no_warnings(world):
    seed_clauses_and_templates(owner=world.orgs["agency"])
    template = ChecklistTemplate.objects.get(key=KEY_JGJ59)
    assert svc.template_warnings(template) == []
    assert svc.template_errors(template) == []


# --- import ----------------------------------------------------------------------------------


def rows(*specs):
    return [svc.ImportRow(number=n + 2, **spec) for n, spec in enumerate(specs)]


GOOD = {
    "section_code": "A",
    "section_title": "安全管理",
    "code": "A-1",
    "text": "安全员在岗",
    "kind": ItemKind.COMPLIANCE,
}


def test_import_rows_create_a_new_checklist(admin):
    template = svc.template_import_rows(
        by=admin,
        rows=rows(GOOD, {**GOOD, "section_title": "", "code": "A-2", "text": "交底记录"}),
        key="imported",
        name="导入的检查表",
        kind=TemplateKind.COMPLIANCE,
    )
    assert template.status == TemplateStatus.DRAFT and template.version == 1
    assert list(template.sections.get().items.values_list("code", flat=True)) == ["A-1", "A-2"]


def test_import_rows_save_nothing_when_one_row_is_bad(admin):
    bad = {**GOOD, "code": "A-1", "text": ""}
    with pytest.raises(svc.ImportRejected) as rejected:
        svc.template_import_rows(
            by=admin, rows=rows(GOOD, bad), key="imported", name="x", kind=TemplateKind.COMPLIANCE
        )
    assert any(row == 3 and field == "text" for row, field, _m in rejected.value.errors)
    assert any(row == 3 and field == "code" for row, field, _m in rejected.value.errors)
    assert not ChecklistTemplate.objects.filter(key="imported").exists()


def test_import_into_an_existing_key_makes_a_new_version(world, admin):
    v1 = make_template(world)
    template = svc.template_import_rows(
        by=admin,
        rows=rows({**GOOD, "kind": ItemKind.SCORED, "points": Decimal(100)}),
        key=v1.key,
    )
    assert (template.version, template.status, template.previous) == (
        2,
        TemplateStatus.DRAFT,
        v1,
    )
    assert template.name == v1.name and template.kind == v1.kind


def test_import_into_a_key_with_a_draft_refills_that_draft(world, admin, draft):
    template = svc.template_import_rows(by=admin, rows=rows(GOOD), key=draft.key)
    assert template.pk == draft.pk
    assert list(
        TemplateItem.objects.filter(section__template=draft).values_list("code", flat=True)
    ) == ["A-1"]


def test_import_into_another_agencys_key_is_refused(world):
    other_admin = make_user("admin_b", world.orgs["agency_b"], AgencyRole.ADMIN)
    with pytest.raises(PermissionDenied):
        svc.template_import_rows(by=other_admin, rows=rows(GOOD), key=make_template(world).key)
