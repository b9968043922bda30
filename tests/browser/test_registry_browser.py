"""The project registry in a real browser: search on a phone, deny by default, Excel import."""

import re

import openpyxl
import pytest
from playwright.sync_api import expect

from anjian.projects.models import Project

pytestmark = [
    pytest.mark.browser,
    pytest.mark.usefixtures("demo_data"),
]

FIRST_PROJECT = "通州区台湖镇B-03地块住宅项目（一期）"
PERMIT_FRAGMENT = "2026031501"


def assert_styled(page):
    """Bootstrap and the Anjian stylesheet were served and applied (not a bare HTML page)."""
    sheets = page.evaluate(
        """() => [...document.styleSheets].map(s => {
             let rules = 0; try { rules = s.cssRules.length } catch (e) {}
             return [s.href || "", rules];
           })"""
    )
    loaded = {href.rsplit("/", 1)[-1]: rules for href, rules in sheets}
    assert loaded.get("bootstrap.min.css", 0) > 100, sheets
    assert loaded.get("anjian.css", 0) > 0, sheets
    # Bootstrap's .btn-primary paints the login button; an unstyled button is light grey.
    colour = page.locator("button[type=submit]").first.evaluate(
        "el => getComputedStyle(el).backgroundColor"
    )
    assert colour not in ("rgba(0, 0, 0, 0)", "rgb(239, 239, 239)", "rgb(240, 240, 240)"), colour


def open_menu_item(page, href):
    """Follow a main-navigation link; on a phone the menu is behind the toggler first."""
    link = page.locator(f"#mainnav a.nav-link[href='{href}']")
    if not link.is_visible():
        page.locator(".navbar-toggler").click()
        expect(link).to_be_visible()
    link.click()


def test_supervisor_finds_project_by_permit_fragment_and_pm2_gets_404(phone, new_context, login):
    page = phone
    page.goto("/accounts/login/")
    assert_styled(page)
    login(page, "supervisor")

    open_menu_item(page, "/projects/")
    page.wait_for_url(re.compile(r"/projects/$"))
    expect(page.get_by_test_id("result-count")).to_be_visible()

    # Typing in the search box asks htmx for the results only; the page itself stays.
    search = page.locator("#id_q")
    with page.expect_response(
        lambda r: f"q={PERMIT_FRAGMENT}" in r.url and r.request.headers.get("hx-request") == "true"
    ) as response:
        search.press_sequentially(PERMIT_FRAGMENT, delay=20)
    assert response.value.status == 200
    results = page.locator("#results")
    expect(results).to_have_count(1)  # the fragment replaces the old results, not nested in them
    project_link = results.get_by_role("link", name=FIRST_PROJECT)
    expect(project_link).to_be_visible()
    expect(page).to_have_url(re.compile(f"q={PERMIT_FRAGMENT}"))
    expect(search).to_have_value(PERMIT_FRAGMENT)
    permits = results.locator("tbody code").all_inner_texts()
    assert permits and all(PERMIT_FRAGMENT in p for p in permits), permits

    project_link.click()
    page.wait_for_url(re.compile(r"/projects/\d+/$"))
    expect(page.get_by_test_id("project-name")).to_have_text(FIRST_PROJECT)
    expect(page.locator("body")).to_contain_text("110112202603150101")
    project_url = page.url
    assert not page.console_errors, page.console_errors

    # pm2 works for another contractor: the project does not exist for them.
    other = new_context("phone").new_page()
    login(other, "pm2")
    response = other.goto(project_url)
    assert response.status == 404
    expect(other.get_by_test_id("error-404")).to_be_visible()
    expect(other.locator("body")).not_to_contain_text(FIRST_PROJECT)
    expect(other.locator("body")).not_to_contain_text("110112202603150101")


def test_admin_import_with_a_bad_row_shows_every_error_and_saves_nothing(desktop, tmp_path, login):
    page = desktop
    login(page, "admin")
    before = Project.objects.count()

    page.goto("/projects/")
    page.locator("a[href='/projects/import/']").click()
    page.wait_for_url(re.compile(r"/projects/import/$"))

    with page.expect_download() as download:
        page.locator("a[href='/projects/import/template.xlsx']").click()
    template = tmp_path / "template.xlsx"
    download.value.save_as(template)

    book = openpyxl.load_workbook(template)
    sheet = book.active
    header = [cell.value for cell in sheet[1]]
    assert "施工许可证编号" in header and "街道" in header, header
    sheet.delete_rows(2, sheet.max_row)

    def row(**values):
        # Choice columns take their stored value, which is accepted whatever the UI language.
        return [values.get(name, "") for name in header]

    common = {"工程类别": "building", "详细地址": "北京市通州区台湖镇浏览器路1号"}
    # Row 2 is valid on its own; row 3 has month 13 in its permit number and an unknown street.
    sheet.append(
        row(
            项目名称="浏览器测试导入的正确项目",
            施工许可证编号="110112202604209901",
            街道="台湖镇",
            **common,
        )
    )
    sheet.append(
        row(
            项目名称="浏览器测试导入的错误项目",
            施工许可证编号="110112202613450101",
            街道="不存在街道",
            **common,
        )
    )
    upload = tmp_path / "projects.xlsx"
    book.save(upload)

    page.locator("input[type=file]").set_input_files(upload)
    page.locator("form[enctype='multipart/form-data'] button[type=submit]").click()

    report = page.get_by_test_id("import-errors")
    expect(report).to_be_visible()
    rows = report.locator("tbody tr")
    texts = rows.all_inner_texts()
    assert len(texts) == 2, texts
    assert all(t.split("\t", 1)[0].strip() == "3" for t in texts), texts
    expect(rows.filter(has_text="施工许可证编号")).to_have_count(1)
    expect(rows.filter(has_text="街道")).to_have_count(1)

    # Nothing was saved, not even the valid row.
    assert Project.objects.count() == before
    page.goto("/projects/?q=浏览器测试导入")
    expect(page.get_by_test_id("result-count")).to_be_visible()
    expect(page.locator("#results tbody a")).to_have_count(0)
    assert not page.console_errors, page.console_errors


def test_back_after_an_htmx_search_shows_the_whole_list_page(desktop, login):
    page = desktop
    login(page, "supervisor")
    page.goto("/projects/")
    with page.expect_response(lambda r: r.request.headers.get("hx-request") == "true"):
        page.locator("#id_q").fill("台湖")
    expect(page).to_have_url(re.compile(r"q="))
    page.locator("#results tbody a").first.click()
    page.wait_for_url(re.compile(r"/projects/\d+/$"))
    page.go_back()
    expect(page).to_have_url(re.compile(r"q="))
    expect(page.locator("#id_q")).to_have_value("台湖", timeout=3000)
    expect(page.locator("nav.navbar")).to_be_visible(timeout=1000)
