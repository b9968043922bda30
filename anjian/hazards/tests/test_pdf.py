"""The hazard loop's official documents as PDF: notices, the reply sheet, the supervision letter.

Text is read back with poppler's pdftotext; page 1 is rasterised with pdftoppm and must not be
blank. The PNGs stay in pytest's tmp_path (run with --basetemp to keep them somewhere known).
"""

import datetime
import shutil
import subprocess
import time

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation
from PIL import Image, ImageStat

from anjian.hazards import pdf as hazard_pdf
from anjian.hazards import services as svc
from anjian.hazards.escalation import escalate_overdue
from anjian.hazards.models import SupervisionLetter
from anjian.inspections.testing import jpeg, signature_data_url
from anjian.projects.models import Project

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(
        not (shutil.which("pdftotext") and shutil.which("pdftoppm")), reason="needs poppler-utils"
    ),
]

PROJECT = "台湖镇B-03地块住宅项目"
CONTRACTOR = "京通建工集团第一建筑工程有限公司"
VERIFY = "https://anjian.example.cn/notices/1/"
RENDER_TIMES: dict[str, float] = {}


def pdf_text(pdf: bytes, tmp_path, name: str) -> str:
    """The PDF's text without white space, in reading order and then in layout order.

    pdftotext breaks lines inside table cells; one of the two orders keeps each phrase whole.
    """
    path = tmp_path / f"{name}.pdf"
    path.write_bytes(pdf)
    texts = []
    for mode in ([], ["-layout"]):
        out = subprocess.run(
            ["pdftotext", *mode, str(path), "-"], capture_output=True, check=True, text=True
        ).stdout
        texts.append("".join(out.split()))
    return "\n".join(texts)


def page_one(pdf: bytes, tmp_path, name: str, *, red_heading: bool = True):
    """Rasterise page 1 at 40 dpi; return the PNG path after checking it is not blank."""
    path = tmp_path / f"{name}.pdf"
    path.write_bytes(pdf)
    subprocess.run(
        ["pdftoppm", "-r", "40", "-png", "-f", "1", "-l", "1", str(path), str(tmp_path / name)],
        check=True,
        capture_output=True,
    )
    png = next(tmp_path.glob(f"{name}-*1.png"))
    image = Image.open(png).convert("L")
    assert image.size[0] > 100 and image.size[1] > 150
    stat = ImageStat.Stat(image)
    assert stat.extrema[0][0] < 100, "page 1 has no dark ink"
    assert stat.stddev[0] > 10, "page 1 is blank"
    if red_heading:  # the agency's red masthead
        rgb = Image.open(png).convert("RGB")
        assert any(r > 150 and g < 90 and b < 90 for r, g, b in rgb.getdata())
    return png


def image_count(pdf: bytes, tmp_path, name: str) -> int:
    path = tmp_path / f"{name}-img.pdf"
    path.write_bytes(pdf)
    out = subprocess.run(
        ["pdfimages", "-list", str(path)], capture_output=True, check=True, text=True
    ).stdout
    return max(len(out.strip().splitlines()) - 2, 0)


def timed(label: str, render, *args, **kwargs) -> bytes:
    start = time.perf_counter()
    pdf = render(*args, **kwargs)
    RENDER_TIMES[label] = time.perf_counter() - start
    assert pdf.startswith(b"%PDF-")
    return pdf


def reply(hazard, user):
    return svc.hazard_reply(
        hazard=hazard,
        by=user,
        measures="已补设连墙件并复查，安全员每日巡查",
        responsible_person="张伟",
        completed_on=timezone.localdate(),
        photos=[jpeg()],
    )


# --- 整改通知书 ----------------------------------------------------------------------------------


def test_rectification_notice(world, issue, tmp_path):
    notice = issue(grades=("general", "major"))
    svc.notice_receive(notice=notice, by=world.users["pm"], image_data=signature_data_url())
    pdf = timed("rectify", hazard_pdf.render_notice_pdf, notice, verify_url=VERIFY)
    text = pdf_text(pdf, tmp_path, "notice-rectify")
    for expected in (
        "整改通知书",
        notice.number,
        PROJECT,
        f"{CONTRACTOR}：",
        "问题1",
        "问题2",
        "部位1",
        "第8条第4项",  # the major-hazard clause under the grade
        "重大",
        "一般",
        "第四十三条",
        "第六十五条",
        "请于期限内完成整改",  # the default requirements
        "（印章）",
        "通州区住建委",
        "抄送：北京潞悦置业有限公司（建设单位），北京正衡建设工程监理有限公司（监理单位）",
        "送达回执",
        "pm",  # the receipt's signer
        "项目经理",
    ):
        assert expected in text, expected
    assert "停工" not in text
    assert image_count(pdf, tmp_path, "notice-rectify") >= 3  # 2 before-photos, 1 signature
    page_one(pdf, tmp_path, "notice-rectify")


def test_partial_stop_notice_without_receipt(world, issue, tmp_path):
    notice = issue(kind="partial_stop")
    pdf = timed("partial_stop", hazard_pdf.render_notice_pdf, notice, verify_url=VERIFY)
    text = pdf_text(pdf, tmp_path, "notice-stop")
    for expected in (
        "局部停工整改通知书",
        notice.number,
        PROJECT,
        "问题1",
        "撤出作业人员",
        "暂时停止1#塔吊的施工",
        "停工范围：1#塔吊",
        "复工申请",
        "签收人：＿",
        "签收时间：＿",
    ):
        assert expected in text, expected
    page_one(pdf, tmp_path, "notice-stop")


def test_full_stop_notice_wording(world, issue, tmp_path):
    notice = issue(kind="full_stop")
    text = pdf_text(
        hazard_pdf.render_notice_pdf(notice, verify_url=VERIFY), tmp_path, "notice-full"
    )
    assert "全面停工整改通知书" in text and "暂时停止该工程的全部施工" in text


def test_resumption_notice(world, issue, tmp_path):
    Project.objects.filter(pk=world.projects["P"].pk).update(engineer_confirms_rectification=False)
    stop = issue(kind="partial_stop")
    svc.notice_receive(notice=stop, by=world.users["pm"], image_data=signature_data_url())
    hazard = stop.hazards.get()
    reply(hazard, world.users["pm"])
    application = svc.resumption_apply(notice=stop, by=world.users["pm"], statement="已整改完毕")
    svc.hazard_act(
        hazard=hazard, by=world.users["supervisor"], action="accept", review_mode="onsite"
    )
    svc.resumption_review(
        application=application, by=world.users["chief"], approve=True, comment="现场复查合格"
    )
    application.refresh_from_db()
    resume = application.resume_notice
    pdf = timed("resume", hazard_pdf.render_notice_pdf, resume, verify_url=VERIFY)
    text = pdf_text(pdf, tmp_path, "notice-resume")
    for expected in (
        "复工通知书",
        resume.number,
        stop.number,  # the stop notice it lifts
        "《局部停工整改通知书》",
        PROJECT,
        "问题1",  # the stop notice's hazards, now closed
        "复查通过",
        "经复查，你单位已按要求完成整改，同意自即日起恢复施工",
        "现场复查",
        "现场复查合格",
        "（印章）",
    ):
        assert expected in text, expected
    page_one(pdf, tmp_path, "notice-resume")


def test_documents_are_chinese_whatever_the_interface_language(world, issue, tmp_path):
    notice = issue()
    with translation.override("en"):  # the receipt's role is stored in the signer's language
        svc.notice_receive(notice=notice, by=world.users["pm"], image_data=signature_data_url())
        pdf = hazard_pdf.render_notice_pdf(notice, verify_url=VERIFY)
    text = pdf_text(pdf, tmp_path, "notice-en")
    assert "整改通知书" in text and "项目经理" in text and "送达回执" in text
    assert "Projectmanager" not in text


def test_notice_queries_do_not_grow_with_the_hazards(world, issue):
    def count(notice):
        with CaptureQueriesContext(connection) as queries:
            hazard_pdf.notice_context(notice, verify_url=VERIFY)
        return len(queries)

    one = issue(grades=("general",))
    three = issue(grades=("general", "major", "general"))
    svc.notice_receive(notice=three, by=world.users["pm"], image_data=signature_data_url())
    svc.notice_receive(notice=three, by=world.users["safety"])
    assert count(one) == count(three) <= 7


# --- 整改回复单 ----------------------------------------------------------------------------------


def test_reply_sheet(world, issue, tmp_path):
    notice = issue(grades=("general", "major"))
    svc.notice_receive(notice=notice, by=world.users["pm"], image_data=signature_data_url())
    first, second = notice.hazards.order_by("number")
    for hazard in (first, second):
        reply(hazard, world.users["pm"])
    svc.notice_reply_sign(notice=notice, by=world.users["pm"], image_data=signature_data_url())
    svc.notice_reply_sign(
        notice=notice, by=world.users["engineer"], image_data=signature_data_url()
    )
    svc.hazard_act(hazard=first, by=world.users["engineer"], action="confirm", comment="已核实")
    svc.hazard_act(
        hazard=first,
        by=world.users["supervisor"],
        action="accept",
        comment="整改到位，同意销号",
        review_mode="onsite",
    )
    with CaptureQueriesContext(connection) as queries:
        hazard_pdf.reply_context(notice)
    assert len(queries) <= 7
    pdf = timed("reply", hazard_pdf.render_reply_pdf, notice)
    text = pdf_text(pdf, tmp_path, "reply")
    for expected in (
        "整改回复单",
        notice.number,
        PROJECT,
        CONTRACTOR,
        "问题1",
        "问题2",
        "已补设连墙件并复查",
        "张伟",
        timezone.localdate().strftime("%Y年%-m月%-d日"),
        "整改前",
        "整改后",
        "复查通过，已销号",  # the first hazard's status
        "已回复，待复查",  # the second's
        "施工单位项目负责人",
        "总监理工程师",
        "（签字）",
        "确认整改完成",
        "已核实",
        "engineer",
        "复查意见",
        "现场复查",
        "整改到位，同意销号",
        "supervisor",
    ):
        assert expected in text, expected
    # 2 before + 2 after thumbnails and the 2 signatures.
    assert image_count(pdf, tmp_path, "reply") >= 6
    page_one(pdf, tmp_path, "reply", red_heading=False)


def test_reply_sheet_without_engineer_confirmation_leaves_the_engineer_out(world, issue, tmp_path):
    Project.objects.filter(pk=world.projects["P"].pk).update(engineer_confirms_rectification=False)
    notice = issue()
    text = pdf_text(hazard_pdf.render_reply_pdf(notice), tmp_path, "reply-empty")
    assert "整改回复单" in text and "问题1" in text and "尚未回复" in text
    assert "总监理工程师" not in text


# --- 督办函 -----------------------------------------------------------------------------------------


def test_supervision_letter(world, issue, tmp_path):
    hazard = issue(deadline_days=(3,)).hazards.get()
    escalate_overdue(now=hazard.deadline + datetime.timedelta(hours=200))
    letter = SupervisionLetter.objects.get(hazard=hazard)
    with CaptureQueriesContext(connection) as queries:
        hazard_pdf.letter_context(letter)
    assert len(queries) <= 2
    pdf = timed("letter", hazard_pdf.render_letter_pdf, letter)
    text = pdf_text(pdf, tmp_path, "letter")
    for expected in (
        "督办函",
        letter.number,
        "京通建工集团有限公司：",  # addressed to the group HQ
        PROJECT,
        CONTRACTOR,
        hazard.number,
        "问题1",
        "逾期8天",
        "（印章）",
    ):
        assert expected in text, expected
    page_one(pdf, tmp_path, "letter")


# --- through the views ------------------------------------------------------------------------


def test_views_serve_the_pdfs_only_to_those_who_see_the_project(world, issue, client_as):
    notice = issue(deadline_days=(3,))
    hazard = notice.hazards.get()
    escalate_overdue(now=hazard.deadline + datetime.timedelta(hours=200))
    letter = SupervisionLetter.objects.get(hazard=hazard)
    urls = [
        reverse("hazards:notice_pdf", args=[notice.pk]),
        reverse("hazards:reply_pdf", args=[notice.pk]),
        reverse("hazards:letter_pdf", args=[letter.pk]),
    ]
    pm, pm2 = client_as("pm"), client_as("pm2")
    for url in urls:
        response = pm.get(url)
        assert response.status_code == 200, url
        assert response["Content-Type"] == "application/pdf"
        assert response.content.startswith(b"%PDF-")
        assert pm2.get(url).status_code == 404, url


def test_render_times_are_reasonable():
    """Runs last in this module: each document rendered in a few seconds at most."""
    for label, seconds in RENDER_TIMES.items():
        print(f"render {label}: {seconds * 1000:.0f} ms")
        assert seconds < 10, label
