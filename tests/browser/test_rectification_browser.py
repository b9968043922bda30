"""The rectification loop in real browsers, one per person: notice → reply → confirm → reject →
reply → confirm → accept, and the closed hazard in the ledger with its whole timeline."""

import base64
import datetime
import io
import re

import pytest
from django.utils import timezone
from PIL import Image, ImageDraw
from playwright.sync_api import expect

from anjian.accounts.models import User
from anjian.core.context import acting_as
from anjian.inspections.choices import AnswerResult, HazardGrade, SignerRole
from anjian.inspections.models import ChecklistTemplate, TemplateItem
from anjian.inspections.services import records as svc
from anjian.projects.models import Project

from .conftest import log_in

pytestmark = [
    pytest.mark.browser,
    pytest.mark.usefixtures("demo_data"),
]

FIRST_PROJECT = "通州区台湖镇B-03地块住宅项目（一期）"
FINDING = "二级配电箱门未关闭，电缆沿地面拖地敷设"
LOCATION = "2#楼北侧二级配电箱"
TIMELINE = [
    "created",
    "notice_issued",
    "notice_received",
    "replied",
    "confirmed",
    "rejected",
    "replied",
    "confirmed",
    "accepted",
]


def jpeg(colour=(150, 180, 210)) -> bytes:
    image = Image.new("RGB", (800, 600), colour)
    draw = ImageDraw.Draw(image)
    draw.rectangle([0, 400, 800, 600], fill=(110, 110, 105))
    draw.rectangle([300, 150, 500, 380], outline=(40, 40, 40), width=10)
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=85)
    return buffer.getvalue()


def scribble() -> str:
    image = Image.new("RGB", (360, 140), "white")
    ImageDraw.Draw(image).line(
        [(20, 90), (60, 40), (100, 110), (150, 50), (200, 100), (260, 60), (330, 90)],
        fill=(20, 20, 20),
        width=4,
    )
    buffer = io.BytesIO()
    image.save(buffer, "PNG")
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode()


def finished_inspection_with_a_finding():
    """The supervisor's finished 日常安全巡查 on the first demo project, with one finding
    (built through the services, as the inspection browser test does through the pages)."""
    supervisor = User.objects.get(username="supervisor")
    partner = User.objects.get(username="supervisor2")
    project = Project.objects.get(name=FIRST_PROJECT)
    assert project.engineer_confirms_rectification
    template = ChecklistTemplate.objects.published().get(key="daily-patrol")
    item = TemplateItem.objects.get(section__template=template, code="DP-7-2")
    with acting_as(supervisor):
        inspection = svc.inspection_start(
            project=project, template=template, by=supervisor, inspectors=[partner]
        )
        answer = svc.inspection_answer(
            inspection=inspection, item=item, by=supervisor, result=AnswerResult.NONCOMPLIANT
        )
        svc.inspection_photo_add(inspection=inspection, by=supervisor, data=jpeg(), answer=answer)
        svc.finding_save(
            inspection=inspection,
            by=supervisor,
            answer=answer,
            description=FINDING,
            location=LOCATION,
            grade=HazardGrade.GENERAL,
            deadline_days=7,
        )
        for section in template.sections.all():
            svc.inspection_mark_section(
                inspection=inspection, section=section, by=supervisor, result="compliant"
            )
        for inspector in (supervisor, partner):
            svc.inspection_sign(
                inspection=inspection,
                by=supervisor,
                role=SignerRole.INSPECTOR,
                image_data=scribble(),
                signer=inspector,
            )
        svc.inspection_finish(inspection=inspection, by=supervisor, notice_kind="rectify")
    notice = inspection.notices.get()
    return notice, notice.hazards.get()


def draw_signature(page):
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


def open_todo(page, text):
    """Open the to-do list and follow the item that mentions `text`."""
    link = page.get_by_test_id("todos-link")
    if not link.is_visible():  # behind the menu toggler on a phone
        page.locator(".navbar-toggler").click()
        expect(link).to_be_visible()
    link.click()
    page.wait_for_url(re.compile(r"/todos/$"))
    page.get_by_test_id("todo").filter(has_text=text).first.click()
    page.wait_for_url(re.compile(r"/hazards/\d+/$"))


def reply(page, tmp_path, measures, name, after_photos):
    photo = tmp_path / name
    photo.write_bytes(jpeg((160, 190, 215)))
    form = page.locator("#reply")
    form.locator("textarea[name=measures]").fill(measures)
    form.locator("input[type=file]").set_input_files(photo)
    form.get_by_test_id("submit-reply").click()
    page.wait_for_url(re.compile(r"/hazards/\d+/$"))
    expect(page.locator("#reply")).to_have_count(0)
    expect(page.get_by_test_id("timeline")).to_contain_text(measures)
    after = page.get_by_test_id("before-after").locator("img[alt='整改后']")
    expect(after).to_have_count(after_photos)


def act(page, action, comment="", deadline=None):
    page.get_by_test_id(f"action-{action}").click()
    form = page.locator(f"#act-{action}")
    if comment:
        form.locator("textarea[name=comment]").fill(comment)
    if deadline:
        form.locator("input[name=new_deadline]").fill(deadline.isoformat())
    form.get_by_test_id(f"do-{action}").click()
    page.wait_for_url(re.compile(r"/hazards/\d+/$"))
    expect(page.locator(".alert-success")).to_be_visible()
    expect(page.get_by_test_id(f"action-{action}")).to_have_count(0)


def events(page):
    return (
        page.get_by_test_id("timeline")
        .locator("[data-event]")
        .evaluate_all("els => els.map(e => e.dataset.event)")
    )


def test_rectification_loop_across_roles(new_context, tmp_path):
    notice, hazard = finished_inspection_with_a_finding()
    hazard_url = f"/hazards/{hazard.pk}/"

    errors = []
    pages = {}
    for username, size in (("pm", "phone"), ("engineer", "phone"), ("supervisor", "desktop")):
        page = pages[username] = new_context(size).new_page()
        page.on("console", lambda m, u=username: m.type == "error" and errors.append((u, m.text)))
        page.on("pageerror", lambda exc, u=username: errors.append((u, str(exc))))
        log_in(page, username)
    pm, engineer, supervisor = pages["pm"], pages["engineer"], pages["supervisor"]

    # The project manager sees the new notice on the home page and signs for it.
    panel = pm.get_by_test_id("home-hazards")
    expect(panel.locator(f"a[href='{hazard_url}']")).to_contain_text(hazard.number)
    panel.locator(f"a[href='/notices/{notice.pk}/']").click()
    pm.wait_for_url(re.compile(rf"/notices/{notice.pk}/$"))
    expect(pm.get_by_test_id("notice-number")).to_have_text(notice.number)
    draw_signature(pm)
    pm.get_by_test_id("save-signature").click()
    pm.wait_for_url(re.compile(rf"/notices/{notice.pk}/$"))
    expect(pm.get_by_test_id("receipts")).to_contain_text("张伟")
    expect(pm.get_by_test_id("signature-canvas")).to_have_count(0)

    # … opens the hazard and replies with the measures and an after-photo.
    pm.get_by_test_id("notice-hazard").filter(has_text=hazard.number).click()
    pm.wait_for_url(re.compile(rf"{hazard_url}$"))
    reply(pm, tmp_path, "已关闭配电箱门并加锁，电缆改为架空敷设", "after-1.jpg", 1)

    # The supervising engineer confirms; the supervisor rejects with a new deadline.
    open_todo(engineer, hazard.number)
    act(engineer, "confirm", "已现场核实")
    open_todo(supervisor, hazard.number)
    new_deadline = timezone.localdate() + datetime.timedelta(days=5)
    act(supervisor, "reject", "照片未反映电缆架空全段，请补充", new_deadline)
    expect(supervisor.get_by_test_id("deadline")).to_contain_text(new_deadline.isoformat())

    # The project manager replies again; confirmed again; the supervisor accepts.
    open_todo(pm, hazard.number)
    reply(pm, tmp_path, "电缆全段架空敷设并补充全段照片", "after-2.jpg", 2)
    open_todo(engineer, hazard.number)
    act(engineer, "confirm")
    open_todo(supervisor, hazard.number)
    act(supervisor, "accept")

    # The ledger shows the hazard closed (已销号); its timeline lists every step in order.
    supervisor.goto("/hazards/")
    with supervisor.expect_response(lambda r: "q=" in r.url and r.status == 200):
        supervisor.locator("#id_q").fill(hazard.number)
    rows = supervisor.get_by_test_id("hazard-row")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text(hazard.number)
    expect(rows.first).to_contain_text("已销号")
    rows.first.get_by_role("link", name=hazard.number).click()
    supervisor.wait_for_url(re.compile(rf"{hazard_url}$"))
    assert events(supervisor) == TIMELINE
    hazard.refresh_from_db()
    assert hazard.status == "closed" and hazard.rejections == 1
    assert not errors, errors
