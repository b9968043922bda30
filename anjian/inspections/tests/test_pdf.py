"""The official inspection record (监督检查记录) as a PDF: content, pages, queries and the view."""

import io
import re
import shutil
import subprocess

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from PIL import Image

from anjian.inspections.choices import AnswerResult, HazardGrade, InspectionSource, SignerRole
from anjian.inspections.pdf import render_inspection_pdf
from anjian.inspections.services import records as svc
from anjian.inspections.tests.conftest import jpeg_bytes

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(
        not (shutil.which("pdftotext") and shutil.which("pdftoppm")), reason="needs poppler-utils"
    ),
]
VERIFY_URL = "https://anjian.example.gov.cn/verify/0b5f1f2e-9c1d-4f6a-8e2b-123456789abc/"


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def pdf_text(pdf: bytes, tmp_path) -> str:
    """The PDF's text with all whitespace removed (letter-spacing and wrapping insert spaces)."""
    path = tmp_path / "record.pdf"
    path.write_bytes(pdf)
    out = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, check=True)
    return re.sub(r"\s+", "", out.stdout.decode())


def first_page_png(pdf: bytes, tmp_path) -> Image.Image:
    path = tmp_path / "record.pdf"
    path.write_bytes(pdf)
    subprocess.run(
        ["pdftoppm", "-r", "50", "-png", "-f", "1", "-l", "1", str(path), str(tmp_path / "page")],
        check=True,
    )
    (png,) = tmp_path.glob("page*.png")
    return Image.open(io.BytesIO(png.read_bytes())).convert("RGB")


def item(template, code):
    return template.sections.get(items__code=code).items.get(code=code)


def sign_inspectors(inspection, signature):
    for inspector in inspection.inspectors.all():
        svc.inspection_sign(
            inspection=inspection,
            by=inspection.created_by,
            role=SignerRole.INSPECTOR,
            image_data=signature,
            signer=inspector,
        )


@pytest.fixture
def patrol_record(world, patrol, supervisor2, clause, signature):
    """A finished compliance record: compliant, not applicable, and a major finding with a photo."""
    by = world.users["supervisor"]
    inspection = svc.inspection_start(
        project=world.projects["P"], template=patrol, by=by, inspectors=[supervisor2]
    )
    svc.inspection_answer(
        inspection=inspection, item=item(patrol, "S1-1"), by=by, result="compliant"
    )
    svc.inspection_answer(
        inspection=inspection, item=item(patrol, "S1-2"), by=by, result="na", note="本阶段无交底"
    )
    answer = svc.inspection_answer(
        inspection=inspection, item=item(patrol, "S2-1"), by=by, result="noncompliant"
    )
    svc.inspection_photo_add(inspection=inspection, by=by, data=jpeg_bytes(), answer=answer)
    svc.finding_save(
        inspection=inspection,
        by=by,
        answer=answer,
        description="3号楼外架第十二层连墙件整层缺失",
        location="3号楼东侧",
        grade=HazardGrade.MAJOR,
        major_clause=clause,
    )
    svc.inspection_update_notes(
        inspection=inspection, by=by, site_situation="主体施工至十二层。", conclusion="立即整改。"
    )
    sign_inspectors(inspection, signature)
    return svc.inspection_finish(inspection=inspection, by=by)


def test_finished_record_pdf_shows_the_record(world, patrol_record, tmp_path):
    inspection = patrol_record
    pdf = render_inspection_pdf(inspection, verify_url=VERIFY_URL)
    assert pdf.startswith(b"%PDF")
    text = pdf_text(pdf, tmp_path)
    for expected in (
        world.orgs["agency"].name,
        "监督检查记录",
        inspection.number,
        world.projects["P"].name,
        world.projects["P"].permit_number,
        world.orgs["builder"].name,
        world.orgs["contractor_a"].name,
        world.orgs["firm"].name,
        "日常巡查（第1版）",
        "符合",
        "不符合",
        "不适用",
        "本阶段无交底",
        "3号楼外架第十二层连墙件整层缺失",
        "重大",
        "第7条第2项",
        "立即整改",  # the agency's default deadline for a major hazard
        "主体施工至十二层。",
        "supervisor2",
        "未签",  # the site has not signed yet
        inspection.content_hash,
        "扫描二维码核验本记录是否被修改",
        VERIFY_URL,
    ):
        assert expected in text, expected
    assert "草稿" not in text


def test_pdf_first_page_is_not_blank_and_has_the_red_heading(patrol_record, tmp_path):
    page = first_page_png(render_inspection_pdf(patrol_record, verify_url=VERIFY_URL), tmp_path)
    pixels = list(page.getdata())
    dark = sum(1 for r, g, b in pixels if r + g + b < 200)
    red = sum(1 for r, g, b in pixels if r > 150 and g < 90 and b < 90)
    assert page.width > 350 and page.height > 500  # A4 at 50 dpi is 413 × 585
    assert dark > 2000
    assert red > 100


def test_scored_record_pdf_shows_table_scores_summary_and_grade(
    world, scored, supervisor2, signature, tmp_path
):
    by = world.users["supervisor"]
    inspection = svc.inspection_start(
        project=world.projects["P"], template=scored, by=by, inspectors=[supervisor2]
    )
    for answer in inspection.answers.select_related("item"):
        svc.inspection_answer(inspection=inspection, item=answer.item, by=by, result="compliant")
    target = item(scored, "B.1-7")
    answer = svc.inspection_answer(inspection=inspection, item=target, by=by, counts={"1": "3"})
    svc.inspection_photo_add(inspection=inspection, by=by, data=jpeg_bytes(), answer=answer)
    svc.finding_save(
        inspection=inspection,
        by=by,
        answer=answer,
        description="分包安全协议缺三份",
        location="项目部",
    )
    sign_inspectors(inspection, signature)
    inspection = svc.inspection_finish(inspection=inspection, by=by)
    assert inspection.grade == "EXCELLENT"

    text = pdf_text(render_inspection_pdf(inspection, verify_url=VERIFY_URL), tmp_path)
    assert "B.1安全管理检查评分表" in text
    assert "每处扣2分（3处）" in text  # the deduction line applied, in words
    assert "本表得分C=94.00分" in text
    assert "汇总得分97.60分" in text
    assert "评定等级：优良" in text
    assert "分包安全协议缺三份" in text
    assert "7日内" in text  # the agency's default deadline for a general hazard


def test_draft_pdf_is_marked_and_shows_the_live_hash_and_score(
    world, scored, supervisor2, tmp_path
):
    by = world.users["supervisor"]
    inspection = svc.inspection_start(
        project=world.projects["P"], template=scored, by=by, inspectors=[supervisor2]
    )
    # A 保证项目 scoring 0 makes its table 0 and the record 不合格 (JGJ 59 zero rule).
    svc.inspection_answer(inspection=inspection, item=item(scored, "B.1-1"), by=by, counts={"0": 1})

    text = pdf_text(render_inspection_pdf(inspection, verify_url=VERIFY_URL), tmp_path)
    assert "草稿/未完成" in text
    assert "（未编号）" in text
    assert svc.content_hash(inspection) in text
    assert "保证项目中有一项未得分，本表按零分计" in text
    assert "评定等级：不合格" in text
    assert "未检查" in text  # the items not answered yet


def test_pdf_queries_do_not_grow_with_photos_and_findings(world, patrol, supervisor2):
    by = world.users["supervisor"]
    inspection = svc.inspection_start(
        project=world.projects["P"], template=patrol, by=by, inspectors=[supervisor2]
    )
    answer = svc.inspection_answer(
        inspection=inspection, item=item(patrol, "S2-1"), by=by, result=AnswerResult.NONCOMPLIANT
    )
    svc.inspection_photo_add(inspection=inspection, by=by, data=jpeg_bytes(), answer=answer)
    svc.finding_save(
        inspection=inspection, by=by, answer=answer, description="问题", location="现场"
    )
    with CaptureQueriesContext(connection) as few:
        render_inspection_pdf(inspection, verify_url=VERIFY_URL)
    for n in range(4):
        other = svc.inspection_answer(
            inspection=inspection, item=item(patrol, "S1-1"), by=by, result="noncompliant"
        )
        svc.inspection_photo_add(
            inspection=inspection, by=by, data=jpeg_bytes((n * 40, 90, 90)), answer=other
        )
        svc.finding_save(
            inspection=inspection, by=by, answer=other, description=f"问题{n}", location="现场"
        )
    with CaptureQueriesContext(connection) as many:
        render_inspection_pdf(inspection, verify_url=VERIFY_URL)
    assert len(many) == len(few)
    assert len(few) <= 20


def test_pdf_view_serves_the_record_to_an_agency_supervisor(patrol_record, client_as, tmp_path):
    response = client_as("supervisor").get(reverse("inspections:pdf", args=[patrol_record.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    text = pdf_text(response.content, tmp_path)
    assert reverse("inspections:verify", args=[patrol_record.verify_token]) in text


def test_pdf_view_hides_the_record_from_another_projects_contractor(patrol_record, client_as):
    response = client_as("pm2").get(reverse("inspections:pdf", args=[patrol_record.pk]))
    assert response.status_code == 404


def test_company_self_check_pdf_does_not_carry_the_agency_heading(world, patrol, tmp_path):
    inspection = svc.inspection_start(
        project=world.projects["P"],
        template=patrol,
        by=world.users["pm"],
        source=InspectionSource.SELF,
    )
    text = pdf_text(render_inspection_pdf(inspection, verify_url=VERIFY_URL), tmp_path)
    assert "安全自查记录" in text
    assert world.orgs["contractor_a"].name in text
    assert world.orgs["agency"].name not in text
