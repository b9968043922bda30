"""Checklist pages: list, builder (htmx), preview, versions, publishing, query counts."""

import json

import pytest
from django.urls import reverse

from anjian.core.testing.personas import make_draft_template, make_template
from anjian.inspections.choices import TemplateStatus
from anjian.inspections.models import ChecklistTemplate, TemplateItem, TemplateSection
from anjian.inspections.seeding import KEY_JGJ59, seed_clauses_and_templates

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def draft(world):
    return make_draft_template(world)


@pytest.fixture
def jgj59(world):
    seed_clauses_and_templates(owner=world.orgs["agency"])
    return ChecklistTemplate.objects.get(key=KEY_JGJ59)


def section_of(template):
    return template.sections.get()


def item_url(name, template, item):
    return reverse(f"inspections:{name}", args=[template.pk, item.pk])


# --- list and detail -------------------------------------------------------------------------


def test_the_list_groups_versions_by_key(world, client_as, draft):
    response = client_as("supervisor").get(reverse("inspections:template_list"))
    content = response.content.decode()
    assert response.status_code == 200
    assert content.count('data-testid="template-group"') == 1
    assert "测试检查表" in content and "v1" in content and "v2" in content


def test_other_agencies_do_not_see_drafts(world, client_as, draft):
    content = client_as("outsider").get(reverse("inspections:template_list")).content.decode()
    assert "v2" not in content
    assert client_as("outsider").get(draft.get_absolute_url()).status_code == 404


def test_company_users_may_not_open_the_pages(world, client_as):
    template = make_template(world)
    for name in ("pm", "grouphq"):
        client = client_as(name)
        assert client.get(reverse("inspections:template_list")).status_code == 403
        assert client.get(template.get_absolute_url()).status_code == 403


def test_a_published_version_shows_the_new_version_button_to_its_administrator(world, client_as):
    template = make_template(world)
    content = client_as("admin").get(template.get_absolute_url()).content.decode()
    assert 'data-testid="new-version"' in content and 'data-testid="add-item"' not in content
    content = client_as("supervisor").get(template.get_absolute_url()).content.decode()
    assert 'data-testid="new-version"' not in content


def test_a_draft_opens_in_the_builder_for_its_administrator(world, client_as, draft):
    content = client_as("admin").get(draft.get_absolute_url()).content.decode()
    assert 'data-testid="add-item"' in content and 'data-testid="publish"' in content
    assert 'data-testid="versions"' in content
    content = client_as("supervisor").get(draft.get_absolute_url()).content.decode()
    assert 'data-testid="add-item"' not in content and 'data-testid="publish"' not in content


def test_a_draft_shows_its_warnings(world, client_as, draft):
    item = TemplateItem.objects.get(section__template=draft, code="B.1-1")
    item.points = 50
    item.save()
    content = client_as("admin").get(draft.get_absolute_url()).content.decode()
    assert 'data-testid="warnings"' in content and "B.1" in content and "50" in content


def test_the_builder_of_jgj59_runs_a_fixed_number_of_queries(
    world, client_as, jgj59, django_assert_max_num_queries
):
    client = client_as("admin")
    draft = ChecklistTemplate.objects.create(
        key="jgj-copy", name="x", kind=jgj59.kind, owner=jgj59.owner, status=TemplateStatus.DRAFT
    )
    from anjian.inspections.services.checklists import _copy_content

    _copy_content(jgj59, draft)
    assert TemplateItem.objects.filter(section__template=draft).count() > 150
    with django_assert_max_num_queries(10):
        response = client.get(draft.get_absolute_url())
    assert response.content.decode().count('data-testid="item"') > 150
    with django_assert_max_num_queries(10):
        assert client.get(jgj59.get_absolute_url()).status_code == 200


def test_the_preview_of_jgj59_runs_a_fixed_number_of_queries(
    world, client_as, jgj59, django_assert_max_num_queries
):
    client = client_as("supervisor")
    with django_assert_max_num_queries(8):
        response = client.get(reverse("inspections:template_preview", args=[jgj59.pk]))
    assert response.content.decode().count('data-testid="preview-item"') > 150


def test_the_preview_shows_points_guarantee_badges_and_deductions_with_disabled_answers(
    world, client_as
):
    template = make_template(world)
    response = client_as("supervisor").get(
        reverse("inspections:template_preview", args=[template.pk])
    )
    content = response.content.decode()
    assert "扣10分" in content and "未落实安全生产责任制" in content
    assert "60" in content and "保证项目" in content
    assert "disabled" in content and "<form" not in content.split('data-testid="preview"')[1]


def test_the_preview_of_a_compliance_template_shows_the_three_answers(world, client_as, jgj59):
    patrol = ChecklistTemplate.objects.get(key="daily-patrol")
    content = (
        client_as("chief")
        .get(reverse("inspections:template_preview", args=[patrol.pk]))
        .content.decode()
    )
    assert "符合" in content and "不符合" in content and "不适用" in content
    assert "第7条第2项" in content


# --- creating and settings -------------------------------------------------------------------


def test_an_administrator_creates_a_checklist(world, client_as):
    response = client_as("admin").post(
        reverse("inspections:template_create"),
        {"key": "night", "name": "夜间检查", "kind": "compliance", "basis": "", "description": ""},
    )
    template = ChecklistTemplate.objects.get(key="night")
    assert response.status_code == 302 and response["Location"] == template.get_absolute_url()
    assert template.status == TemplateStatus.DRAFT


def test_a_used_key_is_shown_on_the_form(world, client_as):
    make_template(world)
    response = client_as("admin").post(
        reverse("inspections:template_create"),
        {"key": "test-checklist", "name": "x", "kind": "scored"},
    )
    assert response.status_code == 200 and "test-checklist" in response.content.decode()


def test_the_settings_page_edits_the_summary_weights(world, client_as, draft):
    url = reverse("inspections:template_edit", args=[draft.pk])
    response = client_as("admin").post(
        url,
        {"name": "改名", "kind": "scored", "basis": "", "description": "", "weight_MANAGE": "100"},
    )
    assert response.status_code == 302
    draft.refresh_from_db()
    assert draft.name == "改名" and draft.summary_weights == {"MANAGE": 100}


def test_the_settings_of_a_published_version_redirect_with_a_message(world, client_as):
    template = make_template(world)
    response = client_as("admin").get(reverse("inspections:template_edit", args=[template.pk]))
    assert response.status_code == 302


# --- versions and publishing -----------------------------------------------------------------


def test_new_version_opens_the_draft(world, client_as):
    template = make_template(world)
    response = client_as("admin").post(
        reverse("inspections:template_new_version", args=[template.pk])
    )
    draft = ChecklistTemplate.objects.get(key=template.key, version=2)
    assert response["Location"] == draft.get_absolute_url()


def test_publish_from_the_page(world, client_as, draft):
    response = client_as("admin").post(reverse("inspections:template_publish", args=[draft.pk]))
    assert response.status_code == 302
    draft.refresh_from_db()
    assert draft.status == TemplateStatus.PUBLISHED
    assert ChecklistTemplate.objects.get(key=draft.key, version=1).status == TemplateStatus.ARCHIVED


def test_delete_a_draft_goes_back_to_the_version_it_came_from(world, client_as, draft):
    response = client_as("admin").post(reverse("inspections:template_delete", args=[draft.pk]))
    assert response["Location"] == make_template(world).get_absolute_url()
    assert not ChecklistTemplate.objects.filter(pk=draft.pk).exists()


# --- the builder with htmx -------------------------------------------------------------------


def test_the_add_item_form_comes_inline(world, client_as, draft):
    url = reverse("inspections:item_create", args=[draft.pk, section_of(draft).pk])
    response = client_as("admin").get(url, **HTMX)
    content = response.content.decode()
    assert response.status_code == 200 and "<html" not in content
    assert 'data-testid="item-form"' in content and 'data-testid="deduction-editor"' in content
    assert response["HX-Retarget"] == f"#section-{section_of(draft).pk}-new-item"


def test_without_htmx_the_form_is_a_page_of_its_own(world, client_as, draft):
    url = reverse("inspections:item_create", args=[draft.pk, section_of(draft).pk])
    content = client_as("admin").get(url).content.decode()
    assert "<html" in content and 'data-testid="item-form"' in content


def test_adding_an_item_answers_with_the_section_and_the_warnings(world, client_as, draft):
    section = section_of(draft)
    lines = [{"kind": "per_occurrence", "text": "未设置警示标志", "per": "2", "max": ""}]
    response = client_as("admin").post(
        reverse("inspections:item_create", args=[draft.pk, section.pk]),
        {
            "code": "B.1-3",
            "text": "警示标志",
            "clause": "",
            "kind": "scored",
            "points": "10",
            "is_guarantee": "on",
            "deduction_lines": json.dumps(lines),
            "photo_required": "on",
            "default_grade": "general",
        },
        **HTMX,
    )
    content = response.content.decode()
    assert response.status_code == 200
    assert f'id="section-{section.pk}"' in content and "每处扣2分" in content
    assert 'hx-swap-oob="true"' in content and "70" in content  # guarantee total now 70
    item = TemplateItem.objects.get(section=section, code="B.1-3")
    assert item.is_guarantee and item.deduction_lines[0]["per"] == 2


def test_an_invalid_item_keeps_what_was_typed_and_says_why(world, client_as, draft):
    item = TemplateItem.objects.get(section__template=draft, code="B.1-2")
    lines = [{"kind": "range", "text": "我刚输入的扣分标准", "min": "5", "max": "50"}]
    response = client_as("admin").post(
        item_url("item_edit", draft, item),
        {
            "code": "B.1-2",
            "text": "安全标志（改）",
            "kind": "scored",
            "points": "40",
            "deduction_lines": json.dumps(lines, ensure_ascii=False),
            "default_grade": "major",
        },
        **HTMX,
    )
    content = response.content.decode()
    assert response.status_code == 200
    assert response["HX-Retarget"] == f"#item-{item.pk}-form"
    assert "我刚输入的扣分标准" in content and "安全标志（改）" in content
    assert "invalid-feedback" in content
    item.refresh_from_db()
    assert item.text == "安全标志"


def test_moving_an_item_answers_with_the_reordered_section(world, client_as, draft):
    item = TemplateItem.objects.get(section__template=draft, code="B.1-2")
    response = client_as("admin").post(
        item_url("item_move", draft, item), {"direction": "up"}, **HTMX
    )
    content = response.content.decode()
    assert content.index("B.1-2") < content.index("B.1-1")


def test_deleting_an_item_answers_with_the_section(world, client_as, draft):
    item = TemplateItem.objects.get(section__template=draft, code="B.1-2")
    response = client_as("admin").post(item_url("item_delete", draft, item), **HTMX)
    assert "B.1-2" not in response.content.decode()
    assert not TemplateItem.objects.filter(pk=item.pk).exists()


def test_adding_a_section_answers_with_every_section(world, client_as, draft):
    response = client_as("admin").post(
        reverse("inspections:section_create", args=[draft.pk]),
        {"code": "B.2", "title": "文明施工检查评分表", "category": "CIVIL"},
        **HTMX,
    )
    content = response.content.decode()
    assert 'id="sections"' in content and "B.2" in content and "B.1" in content
    assert draft.sections.get(code="B.2").category == "CIVIL"


def test_moving_a_section_without_htmx_redirects_to_the_builder(world, client_as, draft):
    TemplateSection.objects.create(template=draft, code="B.2", title="x", order=1)
    section = draft.sections.get(code="B.2")
    response = client_as("admin").post(
        reverse("inspections:section_move", args=[draft.pk, section.pk]), {"direction": "up"}
    )
    assert response.status_code == 302
    assert draft.sections.order_by("order").first().code == "B.2"


def test_changing_a_published_version_is_refused_in_place(world, client_as):
    template = make_template(world)
    item = TemplateItem.objects.filter(section__template=template).first()
    response = client_as("admin").post(item_url("item_delete", template, item), **HTMX)
    assert response.status_code == 200 and response["HX-Retarget"] == "#builder-flash"
    assert TemplateItem.objects.filter(pk=item.pk).exists()


def test_other_staff_cannot_use_the_builder(world, client_as, draft):
    item = TemplateItem.objects.filter(section__template=draft).first()
    assert client_as("supervisor").post(item_url("item_delete", draft, item)).status_code == 403
    assert client_as("outsider").post(item_url("item_delete", draft, item)).status_code == 404
