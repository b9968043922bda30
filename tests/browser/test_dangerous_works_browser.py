"""危大工程 in real browsers.

A 5.5 m excavation (超过一定规模) is registered on a phone by the project manager of the first demo
project and taken through scheme, internal review, the 总监's review, expert argumentation,
briefing, construction with a monitoring reading, acceptance and completion; the 总监 signs on his
own phone. A supervisor then uses the district view on a desktop: counts, warning pills, the map.
"""

import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from anjian.dangerous_works import workflow
from anjian.projects.models import Project

from .conftest import log_in

pytestmark = [
    pytest.mark.browser,
    pytest.mark.usefixtures("demo_data"),
]

FIRST_PROJECT = "通州区台湖镇B-03地块住宅项目（一期）"
WORK_NAME = "3#楼基坑开挖、支护及降水工程"
SUPER = "超过一定规模"
REASON = "开挖深度≥5m"
CJK = re.compile(r"[\u4e00-\u9fff]")
EXPERTS = [
    ("王振华", "教授级高级工程师", "北京市勘察设计研究院有限公司"),
    ("李明远", "教授", "北京工业大学建筑工程学院"),
    ("陈思齐", "高级工程师", "中国建筑科学研究院有限公司"),
    ("刘海波", "教授级高级工程师", "北京市建筑设计研究院有限公司"),
    ("赵雅琴", "高级工程师", "中冶京诚工程技术有限公司"),
]
TIMELINE = [
    "registered",
    "draft",
    "submit",
    "approve_internal",
    "approve_review",
    "argue_pass",
    "disclose",
    "start",
    "request_acceptance",
    "accept",
    "complete",
]
WARNINGS = [
    "started_before_approval",
    "argument_missing",
    "acceptance_overdue",
    "monitoring_alarm",
    "monitoring_missing",
    "patrol_missed",
]


def pdf(path, title: str):
    """A small, valid one-page PDF (with a correct cross-reference table)."""
    stream = f"BT /F1 18 Tf 72 760 Td ({title}) Tj ET".encode()
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n%s\nendstream" % (len(stream), stream),
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        xref,
    )
    path.write_bytes(bytes(out))
    return path


def watch(page, errors, who):
    page.on("console", lambda m: m.type == "error" and errors.append((who, m.text)))
    page.on("pageerror", lambda exc: errors.append((who, str(exc))))
    return page


def draw(page, canvas):
    """Sign on one canvas with a few mouse strokes, as a finger would."""
    canvas.scroll_into_view_if_needed()
    box = canvas.bounding_box()
    assert box and box["width"] > 100 and box["height"] > 100, box
    x0, y0 = box["x"] + 30, box["y"] + box["height"] * 0.6
    for stroke in range(2):
        page.mouse.move(x0 + stroke * 90, y0)
        page.mouse.down()
        for step in range(1, 7):
            page.mouse.move(x0 + stroke * 90 + step * 12, y0 - 35 * ((step % 3) - 1))
        page.mouse.up()


def open_step(page, action):
    """Open a step's form (a Bootstrap collapse) and return it once it has opened: while the
    collapse animates, the lower part of the form is clipped and strokes there would be lost."""
    page.get_by_test_id(f"action-{action}").click()
    expect(page.locator(f"#step-body-{action}")).to_have_class("collapse show")
    return page.get_by_test_id(f"step-form-{action}")


def sign_all(page, form, names=None):
    """Each signer of the form: keep the prefilled name (or type one) and draw."""
    names = names or {}
    signers = form.locator("[data-signer]")
    for index in range(signers.count()):
        signer = signers.nth(index)
        role = signer.locator("input[name=sig_role]").input_value()
        name = signer.locator("input[name=sig_name]")
        if role in names:
            name.fill(names[role])
        assert name.input_value().strip(), f"no name for {role}"
        draw(page, signer.get_by_test_id("signature-canvas"))


def send(page, form, action, status):
    """Send a step form; the page comes back with the success message and the new status."""
    with page.expect_navigation():
        form.get_by_test_id(f"do-{action}").click()
    expect(page.locator(".alert-success")).to_contain_text(workflow.ACTION_LABELS[action])
    expect(page.get_by_test_id("work-status")).to_have_text(status)
    assert page.get_by_test_id("step-error").count() == 0


def attach(form, path):
    form.locator("input[type=file][name=document]").set_input_files(path)


def test_over_threshold_excavation_from_registration_to_completion(phone, new_context, tmp_path):
    project = Project.objects.get(name=FIRST_PROJECT)
    errors = []
    pm = watch(phone, errors, "pm")
    log_in(pm, "pm")

    # The project's 危大工程 tab → register.
    pm.goto(f"/projects/{project.pk}/")
    pm.locator(f"a.nav-link[href='/projects/{project.pk}/dangerous-works/']").click()
    pm.wait_for_url(re.compile(rf"/projects/{project.pk}/dangerous-works/$"))
    pm.get_by_test_id("register-work").click()
    pm.wait_for_url(re.compile(r"/dangerous-works/new/$"))

    form = pm.get_by_test_id("work-form")
    form.locator("#id_name").fill(WORK_NAME)
    form.get_by_test_id("subtype").select_option("PIT:excavation")
    form.locator("#id_location").fill("3#楼基坑（东侧临近市政道路）")
    depth = form.locator("#id_param_excavation_depth")
    expect(depth).to_be_visible()  # shown for the chosen sub-type (Alpine)
    depth.fill("5.5")
    form.locator("#id_scheme_author").fill("孙浩")
    form.locator("#id_tech_lead").fill("刘洋")
    form.locator("#id_safety_officer").fill("李娜")
    form.locator("#id_site_manager").fill("马强")
    form.locator("#id_supervising_engineer").fill("周强")
    # The live classification box (htmx) shows the level and the rule before saving.
    level = pm.get_by_test_id("classify-level")
    expect(level).to_have_attribute("data-level", "super")
    expect(level).to_contain_text(SUPER)
    expect(pm.get_by_test_id("classify-reasons")).to_contain_text(REASON)
    expect(pm.get_by_test_id("classify-expert")).to_be_visible()
    pm.screenshot(path=str(tmp_path / "register-phone.png"), full_page=True)

    with pm.expect_navigation():
        form.get_by_test_id("save-work").click()
    assert re.search(r"/dangerous-works/\d+/$", pm.url), pm.url
    work_url = pm.url
    expect(pm.get_by_test_id("work-title")).to_have_text(WORK_NAME)
    expect(pm.get_by_test_id("work-level")).to_contain_text(SUPER)
    expect(pm.get_by_test_id("level-reasons")).to_contain_text(REASON)
    expect(pm.get_by_test_id("work-status")).to_have_text("已列入清单")

    # The scheme: drafted, submitted with its PDF, approved by the contractor's technical chief.
    send(pm, open_step(pm, "draft"), "draft", "方案编制中")
    step = open_step(pm, "submit")
    attach(step, pdf(tmp_path / "scheme.pdf", "Excavation scheme v1"))
    step.locator("textarea[name=comment]").fill("专项施工方案第1版，含支护与降水设计及监测方案")
    send(pm, step, "submit", "施工单位审核中")
    step = open_step(pm, "approve_internal")
    sign_all(pm, step, {"tech_chief": "高建平"})
    send(pm, step, "approve_internal", "监理审查中")

    # The 总监 on his own phone: an empty pad is refused in the page; signed, the 5.5 m pit goes to
    # expert argumentation instead of being approved (the gate).
    engineer = watch(new_context("phone").new_page(), errors, "engineer")
    log_in(engineer, "engineer")
    engineer.goto(work_url)
    expect(engineer.get_by_test_id("work-status")).to_have_text("监理审查中")
    step = open_step(engineer, "approve_review")
    step.locator("textarea[name=comment]").fill(
        "方案符合规范要求，同意；超过一定规模，须组织专家论证"
    )
    step.get_by_test_id("do-approve_review").click()
    warning = step.locator("[data-sig-warning]")
    expect(warning).to_be_visible()
    expect(warning).to_have_text(step.get_attribute("data-empty-message"))
    assert CJK.search(warning.inner_text()), warning.inner_text()
    expect(step.locator("[data-sigpad].border-danger")).to_have_count(1)
    assert engineer.url == work_url
    expect(engineer.get_by_test_id("work-status")).to_have_text("监理审查中")
    sign_all(engineer, step)  # the name is the 总监's own, prefilled
    expect(step.locator("[data-sigpad].border-danger")).to_have_count(0)
    send(engineer, step, "approve_review", "待专家论证")

    # The argumentation: meeting date, opinion, report, five outside experts who all sign.
    pm.reload()
    expect(pm.get_by_test_id("work-status")).to_have_text("待专家论证")
    step = open_step(pm, "argue_pass")
    step.locator("input[name=held_on]").fill(timezone.localdate().isoformat())
    step.locator("textarea[name=comment]").fill(
        "方案内容完整、可行，支护结构计算书符合规范要求，同意按此方案实施。"
    )
    attach(step, pdf(tmp_path / "expert-report.pdf", "Expert argumentation report"))
    experts = step.locator("fieldset[data-role=expert] [data-signer]")
    expect(experts).to_have_count(5)
    for index, (name, title, employer) in enumerate(EXPERTS):
        row = experts.nth(index)
        row.locator("input[name=sig_name]").fill(name)
        row.locator("input[name=sig_title]").fill(title)
        row.locator("input[name=sig_employer]").fill(employer)
        draw(pm, row.get_by_test_id("signature-canvas"))
    pm.screenshot(path=str(tmp_path / "argumentation-phone.png"), full_page=True)
    send(pm, step, "argue_pass", "方案已批准")
    argumentation = pm.get_by_test_id("argumentation")
    expect(argumentation).to_have_count(1)
    for name, _title, employer in EXPERTS:
        expect(argumentation).to_contain_text(f"{name}")
        expect(argumentation).to_contain_text(employer)

    # 交底 and 公告: three signatures, the announcement confirmed, the briefing record.
    step = open_step(pm, "disclose")
    step.locator("input[name=posted]").check()
    attach(step, pdf(tmp_path / "briefing.pdf", "Safety briefing record"))
    sign_all(pm, step)
    send(pm, step, "disclose", "已交底")

    send(pm, open_step(pm, "start"), "start", "施工中")

    # A monitoring reading under its alarm value: recorded, no alarm.
    pm.get_by_test_id("open-reading").click()
    reading = pm.locator("#panel-reading form")
    expect(reading).to_be_visible()
    reading.locator("#id_point").fill("ZQS-1")
    reading.locator("#id_quantity").fill("桩顶水平位移")
    reading.locator("#id_value").fill("12.5")
    reading.locator("#id_alarm_value").fill("30")
    reading.locator("#id_unit").fill("mm")
    with pm.expect_navigation():
        pm.get_by_test_id("add-reading").click()
    readings = pm.get_by_test_id("readings").locator("tbody tr")
    expect(readings).to_have_count(1)
    expect(readings.first).to_contain_text("ZQS-1")
    expect(readings.first).to_contain_text("12.5mm")
    expect(pm.get_by_test_id("open-alarm")).to_have_count(0)
    expect(pm.get_by_test_id("work-status")).to_have_text("施工中")

    # Acceptance: requested, passed with both signatures and the record; then completed.
    send(pm, open_step(pm, "request_acceptance"), "request_acceptance", "验收中")
    step = open_step(pm, "accept")
    attach(step, pdf(tmp_path / "acceptance.pdf", "Acceptance record"))
    sign_all(pm, step)
    send(pm, step, "accept", "施工中")
    send(pm, open_step(pm, "complete"), "complete", "已完成")
    expect(pm.get_by_test_id("no-actions")).to_be_visible()

    # The timeline lists every step in order, with the signatures of each signed step.
    timeline = pm.get_by_test_id("timeline")
    steps = timeline.locator("[data-step]").evaluate_all("els => els.map(e => e.dataset.step)")
    assert steps == TIMELINE, steps
    signatures = timeline.locator("[data-testid=signatures] img")
    expect(signatures).to_have_count(1 + 1 + 5 + 3 + 2)
    pm.screenshot(path=str(tmp_path / "detail-phone.png"), full_page=True)
    width = pm.evaluate("document.documentElement.scrollWidth")
    assert width <= 375, f"the page scrolls sideways on a phone ({width}px)"
    assert not errors, errors


def test_supervisor_district_view_counts_warnings_and_map(desktop, login):
    page = desktop
    login(page, "supervisor")
    page.locator("#mainnav a.nav-link[href='/dangerous-works/']").click()
    page.wait_for_url(re.compile(r"/dangerous-works/$"))

    rows = page.get_by_test_id("work-row")
    expect(rows.first).to_be_visible()
    total = int(page.get_by_test_id("count-total").inner_text())
    assert total >= 20, total
    # The demo has every kind of warning.
    counts = {
        key: int(page.get_by_test_id(f"count-warning-{key}").inner_text()) for key in WARNINGS
    }
    assert all(counts.values()), counts

    # A warning pill narrows the list to the works with that warning.
    key = "monitoring_alarm"
    pill = page.locator(f"a:has([data-testid=count-warning-{key}])")
    pill.click()
    expect(page).to_have_url(re.compile(rf"warning={key}"))
    expect(pill).to_have_attribute("aria-current", "true")
    expect(rows).to_have_count(counts[key])
    for index in range(counts[key]):
        expect(rows.nth(index).locator(f"[data-warning={key}]")).to_have_count(1)
    expect(page.get_by_test_id("result-count")).to_contain_text(str(counts[key]))

    # The map: markers (circle markers, drawn as SVG paths) for the works on site.
    page.get_by_test_id("map-tab").click()
    markers = page.locator("#dwork-map path.leaflet-interactive")
    expect(markers.first).to_be_visible()
    expect(page.get_by_test_id("map-status")).to_contain_text(str(markers.count()))
    page.locator("#tab-list").click()

    # A work's page opens from the list.
    name = rows.first.get_by_test_id("work-name")
    title = name.inner_text()
    name.click()
    page.wait_for_url(re.compile(r"/dangerous-works/\d+/$"))
    expect(page.get_by_test_id("work-title")).to_have_text(title)
    expect(page.get_by_test_id("warnings").locator(f"[data-warning={key}]")).to_be_visible()
    assert not page.console_errors, page.console_errors
