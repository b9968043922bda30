"""An inspection on a phone: start, answer, photo, finding, three signatures, finish, PDF."""

import re
import subprocess

import pytest
from PIL import Image, ImageDraw
from playwright.sync_api import expect

pytestmark = [
    pytest.mark.browser,
    pytest.mark.usefixtures("demo_data"),
]

FIRST_PROJECT = "通州区台湖镇B-03地块住宅项目（一期）"
ITEM = "DP-1-4"  # 班前安全技术交底已进行并有签字记录 (日常安全巡查, no major-hazard clause)
FINDING = "班前安全技术交底记录缺少钢筋班组作业人员签字"
LOCATION = "3#楼项目部资料室"


def site_photo(path):
    """A small JPEG that looks like a photo: sky, ground and a red mark."""
    image = Image.new("RGB", (800, 600), (150, 180, 210))
    draw = ImageDraw.Draw(image)
    draw.rectangle([0, 400, 800, 600], fill=(120, 100, 80))
    for x in range(150, 650, 60):
        draw.line([(x, 100), (x, 400)], fill=(80, 80, 80), width=6)
    draw.ellipse([330, 180, 470, 320], outline=(220, 30, 30), width=8)
    image.save(path, "JPEG", quality=85)
    return path


def draw_signature(page):
    """Sign on the canvas with a few mouse strokes, as a finger would."""
    canvas = page.get_by_test_id("signature-canvas")
    canvas.scroll_into_view_if_needed()
    box = canvas.bounding_box()
    x0, y0 = box["x"] + 30, box["y"] + box["height"] * 0.6
    for stroke in range(3):
        page.mouse.move(x0 + stroke * 80, y0)
        page.mouse.down()
        for step in range(1, 9):
            page.mouse.move(x0 + stroke * 80 + step * 9, y0 - 40 * ((step % 3) - 1), steps=2)
        page.mouse.up()


def sign(page, *, inspector=None, representative=None):
    """Open the sign page from the record, sign for one person, and come back to the record."""
    page.get_by_test_id("sign-link").click()
    page.wait_for_url(re.compile(r"/sign/$"))
    if inspector:
        page.select_option("#role", "inspector")
        page.select_option("#signer-inspector", label=inspector)
    else:
        page.select_option("#role", "representative")
        page.fill("#signer_name", representative)
    draw_signature(page)
    page.get_by_test_id("save-signature").click()
    page.wait_for_url(re.compile(r"/inspections/\d+/(#signatures)?$"))
    expect(page.locator("#signatures")).to_contain_text(inspector or representative)


def test_supervisor_inspects_on_a_phone_and_gets_a_signed_pdf(phone, login, tmp_path):
    page = phone
    login(page, "supervisor")

    # 检查 → Start an inspection (the menu is behind the toggler on a phone).
    link = page.locator("#mainnav a.nav-link[href='/inspections/']")
    if not link.is_visible():
        page.locator(".navbar-toggler").click()
    link.click()
    page.wait_for_url(re.compile(r"/inspections/$"))
    page.get_by_test_id("start-inspection").click()
    page.wait_for_url(re.compile(r"/inspections/start/$"))
    page.select_option("#id_project", label=FIRST_PROJECT)
    template = page.locator("#id_template option", has_text="日常安全巡查")
    page.select_option("#id_template", template.first.get_attribute("value"))
    page.get_by_label("刘思远").check()
    page.get_by_test_id("start").click()
    page.wait_for_url(re.compile(r"/inspections/\d+/$"))
    record_url = page.url
    expect(page.get_by_test_id("inspection-title")).to_contain_text("日常安全巡查")

    # One item is non-compliant: its photo and its finding are recorded in place (htmx).
    item = page.locator(".aj-item", has=page.get_by_test_id(f"noncompliant-{ITEM}"))
    page.get_by_test_id(f"noncompliant-{ITEM}").click()
    expect(item).to_have_attribute("data-result", "noncompliant")
    item.get_by_test_id(f"photo-{ITEM}").set_input_files(site_photo(tmp_path / "site.jpg"))
    expect(item.locator("img[src*='/thumb/']")).to_have_count(1)
    item.locator("textarea[name=description]").fill(FINDING)
    item.locator("input[name=location]").fill(LOCATION)
    item.locator("select[name=deadline_days]").select_option("7")
    item.get_by_test_id("save-finding").click()
    expect(item.locator(".alert-warning")).to_contain_text(FINDING)

    # Every section: open it and mark the remaining items compliant (a plain form post).
    sections = page.locator("details[id^=section-]")
    count = sections.count()
    assert count > 5, count
    for index in range(count):
        section = page.locator("details[id^=section-]").nth(index)
        if section.get_attribute("open") is None:
            section.locator("summary").click()
        section.get_by_role("button", name="其余检查项全部标记为符合").click()
        page.wait_for_load_state()
        expect(page.locator(".alert-success")).to_be_visible()
    total = page.get_by_test_id("progress").inner_text().split("/")[-1]
    expect(page.get_by_test_id("progress")).to_have_text(f"{total}/{total}")

    # Both inspectors sign on this phone, then the project manager signs on it too.
    sign(page, inspector="王建国")
    sign(page, inspector="刘思远")
    sign(page, representative="张伟")
    expect(page.get_by_test_id("finish-problems")).to_have_count(0)

    page.on("dialog", lambda dialog: dialog.accept())
    page.get_by_test_id("finish").click()
    expect(page.get_by_test_id("record-number")).to_be_visible()
    assert page.url.split("#")[0] == record_url
    number = page.get_by_test_id("record-number").inner_text().strip()
    assert number, number
    expect(page.get_by_test_id("issued-notice")).to_have_count(1)

    # The official PDF: the project, the title, the number and the finding are in its text.
    href = page.get_by_test_id("pdf-link").get_attribute("href")
    response = page.request.get(href)
    assert response.ok, response.status
    assert response.headers["content-type"] == "application/pdf"
    pdf = tmp_path / "record.pdf"
    pdf.write_bytes(response.body())
    text = subprocess.run(
        ["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True
    ).stdout
    flat = re.sub(r"\s+", "", text)
    for expected in (FIRST_PROJECT, "监督检查记录", number, FINDING):
        assert re.sub(r"\s+", "", expected) in flat, (expected, text[:2000])

    subprocess.run(
        ["pdftoppm", "-r", "40", "-png", "-f", "1", "-l", "1", str(pdf), str(tmp_path / "page")],
        check=True,
    )
    pngs = sorted(tmp_path.glob("page*.png"))
    assert pngs, list(tmp_path.iterdir())
    with Image.open(pngs[0]) as rendered:
        grey = rendered.convert("L")
        assert grey.width > 100 and grey.height > 100, grey.size
        dark = sum(grey.histogram()[:200])
        assert dark > grey.width * grey.height * 0.005, dark  # more than a blank page
    assert not page.console_errors, page.console_errors
