"""The document page on the sender's side: text, audience, timeline, actions; the tracking table
with its states, filters and fixed query count; the export; the official PDF; attachments."""

import datetime
import io
import re
import shutil
import subprocess

import pytest
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from anjian.accounts.choices import OrgKind
from anjian.core.testing.personas import make_org, make_project, make_user
from anjian.documents import services as svc
from anjian.documents.models import Attachment, Document, Recipient
from anjian.documents.testing import PDF_BYTES, document_objects, docx_bytes, draft, sent
from anjian.documents.views.tracking import content_disposition, describe_audience
from anjian.projects.choices import ParticipantRole
from anjian.projects.models import ProjectParticipant

pytestmark = pytest.mark.django_db

PAGE_QUERIES = 11
EXPORT_QUERIES = 7
HTMX = {"HTTP_HX_REQUEST": "true", "HTTP_HX_TARGET": "tracking"}


def detail_url(document, **query):
    url = reverse("documents:detail", args=[document.pk])
    if query:
        url += "?" + "&".join(f"{k}={v}" for k, v in query.items())
    return url


def row_ids(html: str) -> list[int]:
    return [int(pk) for pk in re.findall(r'data-recipient="(\d+)"', html)]


def more_projects(world, count: int, *, start: int = 10) -> list:
    """`count` more active projects in street A1, each with its own contractor and a user."""
    projects = []
    for i in range(start, start + count):
        org = make_org(f"第{i}建筑工程有限公司", OrgKind.CONTRACTOR)
        project = make_project(
            f"台湖镇{i}号地块项目", world.streets["A1"], world.orgs["agency"], seq=i
        )
        ProjectParticipant.objects.create(
            project=project, organization=org, role=ParticipantRole.CONTRACTOR
        )
        make_user(f"user{i}", org)
        projects.append(project)
    return projects


def user_of(recipient):
    return recipient.organization.users.filter(is_active=True).order_by("pk").first()


@pytest.fixture
def three(world):
    """A sent 通知 to three project teams of street A1: P's read, signed and replied; X's only
    read; Y's untouched."""
    more_projects(world, 2)
    document = sent(world)
    rows = {r.project.name: r for r in document.recipients.select_related("project")}
    p = rows[world.projects["P"].name]
    x = rows["台湖镇10号地块项目"]
    y = rows["台湖镇11号地块项目"]
    svc.recipient_reply(
        recipient=p,
        by=world.users["pm"],
        body="已完成自查。",
        files=[("自查报告.docx", docx_bytes())],
    )
    svc.recipient_open(recipient=x, by=user_of(x))
    return {"document": document, "P": p, "X": x, "Y": y}


# --- the document page --------------------------------------------------------------------------


def test_detail_shows_the_body_as_html_with_script_stripped(world, client_as):
    document = sent(
        world,
        body="各施工单位：\n\n请完成**冬季施工**自查。<script>alert('x')</script>"
        '<a href="javascript:alert(1)">点我</a>',
    )
    response = client_as("supervisor").get(detail_url(document))
    assert response.status_code == 200
    html = response.content.decode()
    body = html.split('data-testid="body">', 1)[1].split("</div>", 1)[0]
    assert "<strong>冬季施工</strong>" in body
    assert "<script" not in body
    assert "alert(" not in body
    assert "javascript:" not in body


def test_detail_shows_number_deadlines_audience_attachments_people_and_timeline(world, client_as):
    document = sent(world)
    html = client_as("chief").get(detail_url(document)).content.decode()
    assert document.number and document.number in html
    assert "关于开展冬季施工安全专项检查的通知" in html
    assert timezone.localtime(document.sign_deadline).strftime("%Y-%m-%d %H:%M") in html
    assert timezone.localtime(document.reply_deadline).strftime("%Y-%m-%d %H:%M") in html
    audience = html.split('data-testid="audience">', 1)[1].split("</dd>", 1)[0]
    assert "台湖镇" in audience
    assert "施工单位项目部" in audience
    attachment = document.attachments.get()
    assert reverse("documents:attachment", args=[attachment.pk]) in html
    assert "通知.pdf" in html
    sent_by = html.split('data-testid="sent-by">', 1)[1].split("</dd>", 1)[0]
    assert str(world.users["chief"]) in sent_by
    timeline = html.split('data-testid="timeline"', 1)[1].split("</ol>", 1)[0]
    assert 'data-event="created"' in timeline
    assert 'data-event="submitted"' in timeline
    assert 'data-event="sent"' in timeline
    assert re.search(r'data-testid="event-recipients">\s*1\b', timeline)
    assert reverse("documents:pdf", args=[document.pk]) in html


def test_describe_audience_names_every_part_in_words(world):
    lines = dict(
        describe_audience(
            {
                "all_projects": True,
                "streets": [world.streets["A1"].pk, world.streets["A2"].pk],
                "projects": [world.projects["Q"].pk],
                "units": ["contractor", "supervision"],
                "org_kinds": [OrgKind.MONITORING],
                "organizations": [world.orgs["builder"].pk],
                "all_groups": True,
            }
        )
    )
    values = " ".join(str(v) for v in lines.values())
    for text in ("台湖镇、梨园镇", "梨园镇安置房项目", "施工单位项目部、监理单位项目部"):
        assert text in values
    assert "北京潞悦置业有限公司" in values
    assert len(lines) == 7


def test_company_users_and_other_agencies_do_not_see_the_document_page(world, client_as):
    document = sent(world)
    for name in ("pm2", "grouphq", "outsider"):
        assert client_as(name).get(detail_url(document)).status_code == 404, name
    # A recipient never sees the sender's page: they land on their own inbox copy.
    response = client_as("pm").get(detail_url(document))
    assert response.status_code == 302 and response["Location"].startswith("/inbox/")
    response = client_as("anonymous").get(detail_url(document))
    assert response.status_code == 302


def test_a_draft_is_shown_to_its_drafter_and_the_chief_only(world, client_as):
    document = draft(world)
    drafter = client_as("supervisor").get(detail_url(document))
    assert drafter.status_code == 200
    html = drafter.content.decode()
    assert 'data-testid="edit"' in html
    assert 'data-testid="do-submit"' in html
    assert 'id="tracking"' not in html
    assert 'data-testid="pdf-link"' not in html
    chief = client_as("chief").get(detail_url(document)).content.decode()
    # The chief's submit sends at once: it says so and asks first.
    submit = reverse("documents:act", args=[document.pk, "submit"])
    tag = chief.split(f'action="{submit}"', 1)[1].split(">", 1)[0]
    assert "data-confirm" in tag
    assert client_as("admin").get(detail_url(document)).status_code == 404


def test_actions_post_to_the_act_view_with_a_reason_where_one_is_needed(world, client_as):
    document = draft(world)
    svc.document_submit(document=document, by=world.users["supervisor"])
    html = client_as("chief").get(detail_url(document)).content.decode()
    act = reverse("documents:act", args=[document.pk, "return"])
    form = html.split(f'action="{act}"', 1)[1].split("</form>", 1)[0]
    assert 'name="comment"' in form and "required" in form
    assert reverse("documents:act", args=[document.pk, "approve"]) in html
    withdraw = reverse("documents:act", args=[document.pk, "withdraw"])
    tag = html.split(f'action="{withdraw}"', 1)[1].split(">", 1)[0]
    assert "data-confirm" in tag
    # The drafter can no longer approve or return, only withdraw.
    mine = client_as("supervisor").get(detail_url(document)).content.decode()
    assert 'data-testid="do-approve"' not in mine
    assert 'data-testid="do-withdraw"' in mine


def test_a_supervision_letter_links_to_the_letter_pdf_and_the_hazard(world, client_as):
    from anjian.hazards.testing import hazard_objects

    letter = hazard_objects(world)["letter"]
    document = Document.objects.get(supervision_letter=letter)
    html = client_as("supervisor").get(detail_url(document)).content.decode()
    assert reverse("hazards:letter_pdf", args=[letter.pk]) in html
    assert reverse("hazards:detail", args=[letter.hazard_id]) in html
    assert document.number in html


# --- the tracking table -------------------------------------------------------------------------


def test_tracking_shows_who_read_signed_and_replied_with_the_replies(world, client_as, three):
    document = three["document"]
    html = client_as("supervisor").get(detail_url(document)).content.decode()
    tracking = html.split('id="tracking"', 1)[1]
    assert sorted(row_ids(tracking)) == sorted(r.pk for r in (three["P"], three["X"], three["Y"]))
    p_row = tracking.split(f'data-recipient="{three["P"].pk}"', 1)[1].split("</tr>", 1)[0]
    assert "台湖镇B-03地块住宅项目" in p_row
    assert str(world.users["pm"]) in p_row
    assert "已完成自查。" in p_row
    reply_file = three["P"].replies.get().attachments.get()
    assert reverse("documents:attachment", args=[reply_file.pk]) in p_row
    y_row = tracking.split(f'data-recipient="{three["Y"].pk}"', 1)[1].split("</tr>", 1)[0]
    assert "sign-overdue" not in y_row
    assert re.search(r'data-testid="sum-total">\s*3<', tracking)
    assert re.search(r'data-testid="sum-read-done">\s*2<', tracking)
    assert re.search(r'data-testid="sum-signed-done">\s*1<', tracking)
    assert re.search(r'data-testid="sum-replied-done">\s*1<', tracking)
    remind = tracking.split('data-testid="remind"', 1)[1].split("</button>", 1)[0]
    assert "disabled" not in remind.split(">", 1)[0]
    assert re.search(r'data-testid="remind-count">\s*2<', remind)
    assert reverse("documents:act", args=[document.pk, "remind"]) in tracking
    assert reverse("documents:tracking_export", args=[document.pk]) in tracking


@pytest.mark.parametrize(
    ("state", "expected"),
    [
        ("", {"P", "X", "Y"}),
        ("unread", {"Y"}),
        ("unsigned", {"X", "Y"}),
        ("unreplied", {"X", "Y"}),
        ("done", {"P"}),
        ("overdue", set()),
    ],
)
def test_tracking_filters_by_state(world, client_as, three, state, expected):
    response = client_as("supervisor").get(detail_url(three["document"], state=state))
    ids = set(row_ids(response.content.decode()))
    assert ids == {three[k].pk for k in expected}


def test_tracking_filter_by_htmx_returns_only_the_table(world, client_as, three):
    response = client_as("supervisor").get(detail_url(three["document"], state="unread"), **HTMX)
    html = response.content.decode()
    assert response.status_code == 200
    assert html.lstrip().startswith('<section class="card mb-3" id="tracking"')
    assert "<html" not in html
    assert row_ids(html) == [three["Y"].pk]
    assert "HX-Request" in response["Vary"]


def test_other_htmx_requests_get_the_whole_page(world, client_as, three):
    client = client_as("supervisor")
    response = client.get(detail_url(three["document"]), HTTP_HX_REQUEST="true")
    assert "<html" in response.content.decode()
    a_draft = draft(world)
    response = client.get(detail_url(a_draft), **HTMX)
    assert response.status_code == 200
    assert 'id="tracking"' not in response.content.decode()
    assert "<html" in response.content.decode()


def test_overdue_rows_are_flagged_and_filtered(world, client_as, three):
    document = three["document"]
    past = timezone.now() - datetime.timedelta(hours=1)
    # Arranged directly: the deadlines passed (the services refuse deadlines in the past).
    Document.objects.filter(pk=document.pk).update(sign_deadline=past, reply_deadline=past)
    html = client_as("supervisor").get(detail_url(document)).content.decode()
    y_row = html.split(f'data-recipient="{three["Y"].pk}"', 1)[1].split("</tr>", 1)[0]
    assert 'data-testid="sign-overdue"' in y_row
    assert 'data-testid="reply-overdue"' in y_row
    p_row = html.split(f'data-recipient="{three["P"].pk}"', 1)[1].split("</tr>", 1)[0]
    assert "overdue" not in p_row
    assert re.search(r'data-testid="sum-signed-overdue">[^<0-9]*2[^0-9]', html)
    overdue = client_as("supervisor").get(detail_url(document, state="overdue"))
    assert set(row_ids(overdue.content.decode())) == {three["X"].pk, three["Y"].pk}


def test_reminders_sent_show_per_row_and_the_button_is_disabled_when_nobody_is_missing(
    world, client_as
):
    document = sent(world)
    row = document.recipients.get()
    svc.document_remind(document=document, by=world.users["supervisor"])
    html = client_as("supervisor").get(detail_url(document)).content.decode()
    cell = html.split(f'data-recipient="{row.pk}"', 1)[1].split("</tr>", 1)[0]
    assert re.search(r'data-testid="reminder-count">\s*1<', cell)
    assert 'data-event="reminded"' in html
    svc.recipient_reply(recipient=row, by=world.users["pm"], body="已落实。")
    html = client_as("supervisor").get(detail_url(document)).content.decode()
    button = html.split('data-testid="remind"', 1)[1].split(">", 1)[0]
    assert "disabled" in button


def test_company_users_cannot_filter_or_export_the_tracking(world, client_as, three):
    document = three["document"]
    for name in ("pm", "outsider"):
        client = client_as(name)
        response = client.get(detail_url(document, state="unread"), **HTMX)
        assert response.status_code in (302, 404) and b"tracking" not in response.content
        url = reverse("documents:tracking_export", args=[document.pk])
        assert client.get(url).status_code == 404


def _reply_to_all(document):
    for row in document.recipients.all():
        svc.recipient_reply(
            recipient=row, by=user_of(row), body="收到。", files=[("回复.pdf", PDF_BYTES)]
        )


def test_tracking_queries_do_not_grow_with_the_recipients(
    world, client_as, django_assert_max_num_queries
):
    more_projects(world, 1)
    small = sent(world)
    more_projects(world, 12, start=20)
    large = sent(world)
    assert large.recipients.count() == 14 > small.recipients.count() == 2
    # pm is a member of project P: his project-team row is his.
    _reply_to_all(small)
    _reply_to_all(large)
    client = client_as("supervisor")
    client.get(detail_url(small))  # warm the session and caches
    # session, user, organisation; document, attachments, events, street names; recipients,
    # replies, reply attachments; unread notifications (the menu).
    with django_assert_max_num_queries(PAGE_QUERIES):
        assert client.get(detail_url(small)).status_code == 200
    with django_assert_max_num_queries(PAGE_QUERIES):
        response = client.get(detail_url(large))
    assert len(row_ids(response.content.decode())) == 14
    assert response.content.decode().count('data-testid="reply-body"') == 14
    with django_assert_max_num_queries(PAGE_QUERIES):
        client.get(detail_url(large, state="done"), **HTMX)
    with django_assert_max_num_queries(EXPORT_QUERIES):
        export = client.get(reverse("documents:tracking_export", args=[large.pk]))
        b"".join(export.streaming_content)


# --- the export ---------------------------------------------------------------------------------


def test_export_has_a_title_row_and_one_row_per_recipient(world, client_as, three):
    document = three["document"]
    Recipient.objects.filter(pk=three["X"].pk).update(reminders=2, reminded_at=timezone.now())
    svc.recipient_reply(recipient=three["P"], by=world.users["pm"], body="=1+1 第二次回复")
    response = client_as("supervisor").get(reverse("documents:tracking_export", args=[document.pk]))
    assert response.status_code == 200
    assert "filename*=UTF-8''" in response["Content-Disposition"]
    sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    rows = list(sheet.iter_rows(values_only=True))
    assert document.number in rows[0][0] and document.title in rows[0][0]
    header = rows[1]
    assert header[:4] == ("序号", "收件单位", "工程名称", "单位")
    data = {row[2]: dict(zip(header, row, strict=True)) for row in rows[2:]}
    assert len(data) == 3
    p = data["台湖镇B-03地块住宅项目"]
    assert p["单位"] == "京通建工集团第一建筑工程有限公司"
    assert p["签收人"] == str(world.users["pm"]) and p["回复人"] == str(world.users["pm"])
    local_signed = timezone.localtime(Recipient.objects.get(pk=three["P"].pk).signed_at)
    # Local (Beijing) time, not UTC; Excel keeps milliseconds at most.
    assert abs(p["签收时间"] - local_signed.replace(tzinfo=None)) < datetime.timedelta(seconds=1)
    assert "已完成自查。" in p["回复内容"] and "=1+1 第二次回复" in p["回复内容"]
    assert p["回复附件"] == "自查报告.docx"
    x = data["台湖镇10号地块项目"]
    assert x["阅读时间"] is not None and x["签收时间"] is None
    assert x["提醒次数"] == 2
    y = data["台湖镇11号地块项目"]
    assert y["阅读时间"] is None and y["回复内容"] is None
    # A reply that looks like a formula stays text.
    cell = next(c for c in sheet.iter_rows(min_row=3) for c in c if c.value == p["回复内容"])
    assert cell.data_type == "s"


def test_export_of_a_state_lists_only_those_rows(world, client_as, three):
    url = reverse("documents:tracking_export", args=[three["document"].pk]) + "?state=unread"
    response = client_as("chief").get(url)
    rows = list(
        load_workbook(io.BytesIO(b"".join(response.streaming_content))).active.iter_rows(
            values_only=True
        )
    )
    assert [row[2] for row in rows[2:]] == ["台湖镇11号地块项目"]


# --- the official PDF ---------------------------------------------------------------------------


def pdf_text(data: bytes, tmp_path) -> str:
    path = tmp_path / "document.pdf"
    path.write_bytes(data)
    out = subprocess.run(
        ["pdftotext", "-layout", str(path), "-"], capture_output=True, check=True, text=True
    )
    return re.sub(r"\s+", "", out.stdout)


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="needs poppler-utils")
def test_pdf_is_a_red_headed_document_with_number_title_body_and_attachments(
    world, client_as, tmp_path
):
    document = sent(world, body="各施工单位：\n\n请于本周内完成**冬季施工**安全自查。")
    response = client_as("supervisor").get(reverse("documents:pdf", args=[document.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("inline;")
    assert response.content.startswith(b"%PDF")
    text = pdf_text(response.content, tmp_path)
    assert "通州区住建委" in text
    assert document.number.replace(" ", "") in text
    assert "关于开展冬季施工安全专项检查的通知" in text
    assert "冬季施工安全自查" in text
    assert "附件：通知.pdf" in text
    assert "前在平台签收" in text


def test_pdf_is_readable_by_the_inbox_users_of_the_document_only(world, client_as):
    objects = document_objects(world)
    url = reverse("documents:pdf", args=[objects["sent"].pk])
    assert client_as("pm").get(url).status_code == 200
    assert client_as("safety").get(url).status_code == 200
    assert client_as("chief").get(url).status_code == 200
    for name in ("pm2", "outsider", "engineer"):
        assert client_as(name).get(url).status_code == 404, name
    assert client_as("anonymous").get(url).status_code == 302


def test_pdf_of_a_draft_or_pending_document_is_not_found(world, client_as):
    objects = document_objects(world)
    for key in ("draft", "pending"):
        url = reverse("documents:pdf", args=[objects[key].pk])
        assert client_as("chief").get(url).status_code == 404


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="needs poppler-utils")
def test_pdf_of_a_withdrawn_document_is_marked_withdrawn(world, client_as, tmp_path):
    document = sent(world)
    svc.document_withdraw(document=document, by=world.users["chief"], comment="内容有误")
    response = client_as("supervisor").get(reverse("documents:pdf", args=[document.pk]))
    assert response.status_code == 200
    assert "撤回，不再执行" in pdf_text(response.content, tmp_path)


# --- attachments --------------------------------------------------------------------------------


def test_pm_downloads_the_attachment_of_a_document_sent_to_him(world, client_as):
    objects = document_objects(world)
    url = reverse("documents:attachment", args=[objects["document_attachment"].pk])
    response = client_as("pm").get(url)
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PDF_BYTES
    assert response["Content-Type"] == "application/pdf"
    assert response["X-Content-Type-Options"] == "nosniff"
    disposition = response["Content-Disposition"]
    assert disposition.startswith("inline;")
    assert "filename*=UTF-8''%E9%80%9A%E7%9F%A5.pdf" in disposition  # 通知.pdf
    assert 'filename="file.pdf"' in disposition


def test_attachment_of_a_document_is_hidden_from_those_it_was_not_sent_to(world, client_as):
    objects = document_objects(world)
    for key in ("document_attachment", "reply_attachment"):
        url = reverse("documents:attachment", args=[objects[key].pk])
        for name in ("pm2", "outsider", "grouphq"):
            assert client_as(name).get(url).status_code == 404, (key, name)
        assert client_as("anonymous").get(url).status_code == 302


def test_a_reply_attachment_is_downloaded_by_the_sender_as_a_file(world, client_as):
    objects = document_objects(world)
    url = reverse("documents:attachment", args=[objects["reply_attachment"].pk])
    response = client_as("supervisor").get(url)
    assert response.status_code == 200
    assert response["Content-Type"].startswith(
        "application/vnd.openxmlformats-officedocument.wordprocessingml"
    )
    disposition = response["Content-Disposition"]
    assert disposition.startswith("attachment;")
    assert "filename*=UTF-8''%E8%87%AA%E6%9F%A5%E6%8A%A5%E5%91%8A.docx" in disposition


def test_content_disposition_keeps_an_ascii_fallback_and_escapes_quotes():
    header = content_disposition('report "final" 2025.pdf', inline=False)
    assert header.startswith('attachment; filename="report final 2025.pdf"')
    assert "filename*=UTF-8''report%20%22final%22%202025.pdf" in header
    assert 'filename="file.docx"' in content_disposition("整改报告.docx", inline=False)


def test_a_missing_file_is_not_found(world, client_as):
    objects = document_objects(world)
    attachment = objects["document_attachment"]
    attachment.file.delete(save=False)
    url = reverse("documents:attachment", args=[attachment.pk])
    assert client_as("supervisor").get(url).status_code == 404


def test_the_drafter_removes_an_attachment_of_a_draft(world, client_as):
    document = draft(world)
    attachment = document.attachments.get()
    url = reverse("documents:attachment_delete", args=[attachment.pk])
    client = client_as("supervisor")
    assert client.get(url).status_code == 405
    response = client.post(url)
    assert response.status_code == 302
    assert response["Location"] == reverse("documents:edit", args=[document.pk])
    assert not Attachment.objects.filter(pk=attachment.pk).exists()


def test_htmx_removal_answers_empty_so_only_the_file_row_goes(world, client_as):
    document = draft(world)
    attachment = document.attachments.get()
    url = reverse("documents:attachment_delete", args=[attachment.pk])
    response = client_as("supervisor").post(url, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    assert response.content == b""
    assert not Attachment.objects.filter(pk=attachment.pk).exists()


def test_removal_goes_back_to_a_safe_next_only(world, client_as):
    document = draft(world, title="两个附件")
    svc.document_save(
        by=world.users["supervisor"],
        document=document,
        fields={
            "kind": "notice",
            "title": document.title,
            "body": document.body,
            "audience": document.audience,
            "sign_required": True,
            "reply_required": False,
        },
        files=[("补充.pdf", PDF_BYTES)],
    )
    first, second = document.attachments.order_by("id")
    edit = reverse("documents:edit", args=[document.pk])
    client = client_as("supervisor")
    response = client.post(
        reverse("documents:attachment_delete", args=[first.pk]), {"next": edit + "?x=1"}
    )
    assert response["Location"] == edit + "?x=1"
    response = client.post(
        reverse("documents:attachment_delete", args=[second.pk]),
        {"next": "https://evil.example/"},
    )
    assert response["Location"] == edit


def test_others_cannot_remove_an_attachment(world, client_as):
    document = draft(world)
    attachment = document.attachments.get()
    url = reverse("documents:attachment_delete", args=[attachment.pk])
    for name in ("admin", "pm", "outsider"):
        assert client_as(name).post(url).status_code == 404, name
    assert Attachment.objects.filter(pk=attachment.pk).exists()


def test_the_chief_may_remove_but_a_reader_of_a_sent_document_may_not(world, client_as):
    objects = document_objects(world)
    # pm may read the sent document's attachment but not remove it.
    url = reverse("documents:attachment_delete", args=[objects["document_attachment"].pk])
    assert client_as("pm").post(url).status_code == 403
    reply_url = reverse("documents:attachment_delete", args=[objects["reply_attachment"].pk])
    assert client_as("pm").post(reply_url).status_code == 404
    assert Attachment.objects.filter(pk=objects["document_attachment"].pk).exists()


def test_removing_from_a_document_already_sent_says_why(world, client_as):
    document = sent(world)
    attachment = document.attachments.get()
    url = reverse("documents:attachment_delete", args=[attachment.pk])
    response = client_as("supervisor").post(url, follow=False)
    assert response.status_code == 302
    assert response["Location"] == document.get_absolute_url()
    assert Attachment.objects.filter(pk=attachment.pk).exists()
    page = client_as("supervisor")
    page.post(url)
    messages = [str(m) for m in page.get(document.get_absolute_url()).context["messages"]]
    assert messages
    htmx = client_as("supervisor").post(url, HTTP_HX_REQUEST="true")
    assert htmx["HX-Redirect"] == document.get_absolute_url()


def test_a_recipient_opening_the_document_page_lands_on_their_inbox_copy(world, client_as):
    from anjian.documents.testing import document_objects

    objects = document_objects(world)
    document, row = objects["sent"], objects["recipient"]
    response = client_as("pm").get(detail_url(document))
    assert response.status_code == 302 and response["Location"] == row.get_absolute_url()
    assert client_as("pm2").get(detail_url(document)).status_code == 404
