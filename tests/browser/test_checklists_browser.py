"""The checklist builder in a real browser: new version, inline item with deduction lines, publish."""

import re

import pytest
from playwright.sync_api import expect

from anjian.inspections.choices import TemplateStatus
from anjian.inspections.models import ChecklistTemplate, TemplateItem

pytestmark = [
    pytest.mark.browser,
    pytest.mark.usefixtures("demo_data"),
]


def test_admin_edits_a_new_version_of_jgj59_on_a_phone_and_publishes_it(phone, login):
    page = phone
    page.on("dialog", lambda dialog: dialog.accept())
    login(page, "admin")
    original = ChecklistTemplate.objects.get(key="jgj59-2011", status=TemplateStatus.PUBLISHED)

    page.goto(original.get_absolute_url())
    page.get_by_test_id("new-version").click()
    page.wait_for_url(re.compile(r"/checklists/\d+/$"))
    draft = ChecklistTemplate.objects.get(key="jgj59-2011", status=TemplateStatus.DRAFT)
    assert page.url.endswith(draft.get_absolute_url())

    # Add an item to B.1 inline; a deduction above the item's points is refused, typed input kept.
    section = page.get_by_test_id("section").first
    section.get_by_test_id("add-item").click()
    form = section.get_by_test_id("item-form")
    expect(form).to_be_visible()
    form.locator("input[name=code]").fill("B.1-11")
    form.locator("textarea[name=text]").fill("消防安全管理")
    form.locator("input[name=points]").fill("10")
    form.get_by_test_id("add-line").click()
    form.locator("select[id^=dl-kind-]").select_option("range")
    form.locator("input[id^=dl-text-]").fill("未建立消防责任制")
    form.locator("input[id^=dl-min-]").fill("2")
    form.locator("input[id^=dl-max-]").fill("20")
    form.get_by_test_id("save-item").click()
    form = section.get_by_test_id("item-form")
    expect(form.locator(".invalid-feedback")).to_contain_text("20")
    expect(form.locator("input[id^=dl-text-]")).to_have_value("未建立消防责任制")
    form.locator("input[id^=dl-max-]").fill("5")
    form.get_by_test_id("save-item").click()
    expect(section.get_by_test_id("item-form")).to_have_count(0)
    new_item = section.get_by_test_id("item").filter(has_text="消防安全管理")
    expect(new_item).to_contain_text("扣2~5分")
    expect(page.get_by_test_id("warnings")).to_contain_text("110")

    # Move it up, then delete it: the warnings go away.
    new_item.get_by_test_id("item-up").click()
    expect(section.get_by_test_id("item").nth(9)).to_contain_text("消防安全管理")
    section.get_by_test_id("item").nth(9).get_by_test_id("delete-item").click()
    expect(section.get_by_test_id("item").filter(has_text="消防安全管理")).to_have_count(0)
    expect(page.get_by_test_id("warnings")).to_have_count(0)
    assert not TemplateItem.objects.filter(section__template=draft, code="B.1-11").exists()

    # The preview shows the checklist as the inspector will, answers disabled.
    page.get_by_test_id("preview").click()
    expect(page.get_by_test_id("preview-item").first).to_contain_text("安全生产责任制")
    expect(page.get_by_test_id("preview-item").first.locator("button").first).to_be_disabled()
    page.go_back()

    page.get_by_test_id("publish").click()
    expect(page.locator(".alert-success")).to_be_visible()
    draft.refresh_from_db()
    original.refresh_from_db()
    assert draft.status == TemplateStatus.PUBLISHED
    assert original.status == TemplateStatus.ARCHIVED
    assert page.console_errors == []
