"""公文收发 in real browsers: a notice to one street, 签收 and reply on a phone, tracking, reminder.

`chief` drafts a 通知 on a desktop to every project of the street of pm's project, with a
written reply required; the form's live count shows how many inboxes it reaches, and 签发 sends
it at once. The document page shows its number and one not-signed row per project team. `pm`
then finds it in the inbox on a phone, opens it (read), signs for it and replies with text and a
PDF. Back on the desktop the tracking table shows pm's inbox read, signed and replied by 张伟
with the attachment and every other inbox still owing; 未回复 lists exactly those; the Excel
export has a row per inbox; and the reminder reaches only the users of the inboxes still owing.
"""

import datetime
import io
import re
from pathlib import Path

import pytest
from django.contrib.contenttypes.models import ContentType
from django.utils import timezone, translation
from openpyxl import load_workbook
from playwright.sync_api import expect

from anjian.accounts.models import User
from anjian.documents import services as svc
from anjian.documents.models import Document, DocumentKind, DocumentStatus, Recipient
from anjian.notifications.models import Notification
from anjian.projects.choices import ParticipantRole
from anjian.projects.models import ProjectMember, ProjectParticipant

from .conftest import log_in

pytestmark = [
    pytest.mark.browser,
    pytest.mark.usefixtures("demo_data"),
]

TITLE = "关于开展汛期前深基坑及高支模专项安全检查的通知"
BODY = (
    "各项目部：\n\n"
    "为做好汛期前安全生产工作，请各项目部**立即**开展深基坑、高支模专项自查，"
    "并于回复期限前上报自查情况及整改报告。\n\n"
    "- 深基坑支护及降排水\n"
    "- 高支模搭设验收记录\n"
)
REPLY = "已完成深基坑及高支模专项自查，发现问题3项，均已整改完毕，整改报告见附件。"
PDF_NAME = "整改报告.pdf"
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
DOCUMENT_URL = re.compile(r"/documents/(\d+)/$")
HEADER_ROW = 2  # the export: a title row, then the header row, then one row per inbox


def zh(message: str) -> str:
    """A message as the Chinese UI shows it (the same catalogue the live server uses)."""
    with translation.override("zh-hans"):
        return translation.gettext(message)


def preview_request(response) -> bool:
    return "/documents/audience-preview/" in response.url and response.status == 200


def tracking_request(response) -> bool:
    return DOCUMENT_URL.search(response.url.split("?")[0]) is not None and response.ok


def accept_dialogs(page, messages):
    def accept(dialog):
        messages.append(dialog.message)
        dialog.accept()

    page.on("dialog", accept)


def download_rows(page) -> list[dict]:
    """Click the tracking export and read the workbook: one dict per inbox, by header."""
    with page.expect_download() as info:
        page.get_by_test_id("tracking-export").click()
    download = info.value
    name = download.suggested_filename
    assert name.endswith("签收回复情况.xlsx"), name
    sheet = load_workbook(io.BytesIO(Path(download.path()).read_bytes())).worksheets[0]
    rows = list(sheet.iter_rows(values_only=True))
    header = rows[HEADER_ROW - 1]
    assert header[:4] == ("序号", "收件单位", "工程名称", "单位"), header
    return [dict(zip(header, row, strict=True)) for row in rows[HEADER_ROW:]]


def assert_no_sideways_scroll(page, what):
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 375, f"{what} scrolls sideways on a phone ({width}px)"


def test_notice_to_a_street_signed_and_replied_on_a_phone_then_tracked_and_reminded(desktop, phone):
    chief_user = User.objects.get(username="chief")
    pm_user = User.objects.get(username="pm")
    safety_user = User.objects.get(username="safety")
    agency = chief_user.organization
    pm_project = (
        ProjectMember.objects.filter(user=pm_user, is_active=True, project__street__isnull=False)
        .select_related("project__street")
        .order_by("project_id")
        .first()
        .project
    )
    street = pm_project.street
    projects = svc.active_projects(agency).filter(street=street)
    assert projects.filter(pk=pm_project.pk).exists(), "pm's demo project is under construction"
    # Every project team of the street's active projects: the contractor's (the form's default).
    expected = set(
        ProjectParticipant.objects.filter(
            project__in=projects, role=ParticipantRole.CONTRACTOR
        ).values_list("organization_id", "project_id")
    )
    assert (pm_user.organization_id, pm_project.pk) in expected
    assert len(expected) >= 3, "the demo street has several projects to tell apart"
    n = len(expected)
    reply_day = svc.default_sign_day(agency) + datetime.timedelta(days=3)
    dialogs = []

    # --- chief, desktop: 公文 → 新建 → a 通知 to one street, reply required → 签发 -----------------
    chief = desktop
    accept_dialogs(chief, dialogs)
    log_in(chief, "chief")
    chief.locator("#mainnav a.nav-link[href='/documents/']").click()
    chief.wait_for_url(re.compile(r"/documents/$"))
    chief.get_by_test_id("new-document").click()
    chief.wait_for_url(re.compile(r"/documents/new/$"))
    expect(chief.get_by_test_id("audience-nobody")).to_be_visible()

    chief.locator("#id_kind").select_option(label=DocumentKind.NOTICE.label)
    chief.locator("#id_title").fill(TITLE)
    chief.locator("#id_body").fill(BODY)
    recipients = chief.get_by_test_id("recipients")
    expect(recipients.locator("input[name=units][value=contractor]")).to_be_checked()
    with chief.expect_response(preview_request):
        recipients.locator(f"input[name=streets][value='{street.pk}']").check()
    expect(chief.get_by_test_id("audience-inboxes")).to_have_text(str(n))
    expect(chief.get_by_test_id("audience-projects")).to_have_text(str(len(expected)))
    expect(chief.get_by_test_id("audience-nobody")).to_have_count(0)

    deadlines = chief.get_by_test_id("deadlines")
    expect(deadlines.locator("#id_sign_required")).to_be_checked()
    expect(deadlines.locator("#id_reply_deadline")).to_be_hidden()
    deadlines.locator("#id_reply_required").check()
    expect(deadlines.locator("#id_reply_deadline")).to_be_visible()
    deadlines.locator("#id_reply_deadline").fill(reply_day.isoformat())

    chief.get_by_test_id("submit-document").click()
    chief.wait_for_url(DOCUMENT_URL)
    assert len(dialogs) == 1, dialogs  # 签发 asks first
    document = Document.objects.get(pk=int(DOCUMENT_URL.search(chief.url).group(1)))
    assert document.status == DocumentStatus.SENT and document.number
    assert document.title == TITLE and document.kind == DocumentKind.NOTICE
    assert document.reply_required and document.sign_required
    assert timezone.localtime(document.reply_deadline).date() == reply_day
    assert document.recipient_count == n
    recipients = list(document.recipients.all())
    assert {(r.organization_id, r.project_id) for r in recipients} == expected
    mine = next(r for r in recipients if r.project_id == pm_project.pk)
    others = [r for r in recipients if r.pk != mine.pk]

    expect(chief.locator(".alert-success")).to_contain_text(document.number)
    crumb = chief.locator(".breadcrumb a[href='/documents/']")
    expect(crumb).to_have_text(zh("Official documents"))  # as the menu names it
    expect(chief.get_by_test_id("number")).to_have_text(document.number)
    expect(chief.get_by_test_id("document-title")).to_have_text(TITLE)
    expect(chief.get_by_test_id("reply-deadline")).to_contain_text(reply_day.isoformat())
    expect(chief.get_by_test_id("audience")).to_contain_text(street.name)
    tracking = chief.locator("#tracking")
    expect(tracking.get_by_test_id("sum-total")).to_have_text(str(n))
    expect(tracking.get_by_test_id("recipient-row")).to_have_count(n)
    for r in recipients:
        row = tracking.locator(f"tr[data-recipient='{r.pk}']")
        expect(row.get_by_test_id("cell-read")).to_have_text(zh("Unread"))
        expect(row.get_by_test_id("cell-signed")).to_have_text(zh("Not signed for"))
    expect(tracking.get_by_test_id("remind-count")).to_have_text(str(n))

    # --- pm, phone: 菜单 → 公文 inbox → open (read) → 签收 → reply with a PDF ------------------
    pm = phone
    log_in(pm, "pm")
    pm.locator(".navbar-toggler").click()
    inbox_link = pm.locator("#mainnav a.nav-link[href='/inbox/']")
    expect(inbox_link).to_be_visible()
    inbox_link.click()
    pm.wait_for_url(re.compile(r"/inbox/$"))
    entry = pm.get_by_test_id("inbox-row").filter(has_text=TITLE)
    expect(entry).to_have_count(1)
    expect(entry.get_by_test_id("doc-number")).to_have_text(document.number)
    expect(entry.get_by_test_id("badge-unread")).to_be_visible()
    expect(entry.get_by_test_id("badge-to-sign")).to_be_visible()
    assert_no_sideways_scroll(pm, "the inbox")
    entry.click()
    pm.wait_for_url(re.compile(rf"/inbox/{mine.pk}/$"))
    expect(pm.get_by_test_id("doc-title")).to_have_text(TITLE)
    expect(pm.get_by_test_id("doc-number")).to_have_text(document.number)
    expect(pm.get_by_test_id("state-read")).to_contain_text(pm_user.name)
    expect(pm.get_by_test_id("doc-body").locator("strong")).to_have_text("立即")
    assert_no_sideways_scroll(pm, "the document")

    sign = pm.get_by_test_id("sign")
    sign.scroll_into_view_if_needed()
    assert sign.bounding_box()["height"] >= 44, "the 签收 button is a comfortable tap target"
    with pm.expect_navigation(url=re.compile(rf"/inbox/{mine.pk}/$")):
        sign.click()
    expect(pm.get_by_test_id("sign")).to_have_count(0)
    expect(pm.get_by_test_id("state-signed")).to_contain_text(pm_user.name)

    form = pm.get_by_test_id("reply-form")
    form.locator("textarea[name=body]").fill(REPLY)
    form.locator("input[type=file][name=files]").set_input_files(
        {"name": PDF_NAME, "mimeType": "application/pdf", "buffer": PDF}
    )
    with pm.expect_navigation(url=re.compile(rf"/inbox/{mine.pk}/#replies$")):
        form.get_by_test_id("send-reply").click()
    reply = pm.get_by_test_id("reply")
    expect(reply).to_have_count(1)
    expect(reply).to_contain_text(REPLY)
    expect(reply.get_by_test_id("reply-attachment")).to_contain_text(PDF_NAME)
    expect(pm.get_by_test_id("state-replied")).to_contain_text(pm_user.name)
    assert_no_sideways_scroll(pm, "the replied document")
    mine.refresh_from_db()
    assert mine.read_by == mine.signed_by == mine.replied_by == pm_user
    assert mine.read_at <= mine.signed_at <= mine.replied_at

    # --- chief, desktop: the tracking table, 未回复, the Excel export -------------------------
    chief.reload()
    tracking = chief.locator("#tracking")
    expect(tracking.get_by_test_id("recipient-row")).to_have_count(n)
    row = tracking.locator(f"tr[data-recipient='{mine.pk}']")
    for cell in ("cell-read", "cell-signed", "cell-replied"):
        expect(row.get_by_test_id(cell)).to_contain_text(pm_user.name)
    replies = row.get_by_test_id("replies")
    replies.locator("summary").click()  # the reply folds open in the row
    expect(replies.get_by_test_id("reply-body")).to_have_text(REPLY)
    expect(replies.get_by_role("link", name=PDF_NAME)).to_be_visible()
    for r in others:
        row = tracking.locator(f"tr[data-recipient='{r.pk}']")
        expect(row.get_by_test_id("cell-signed")).to_have_text(zh("Not signed for"))
        expect(row.get_by_test_id("cell-replied")).to_have_text(zh("Not replied"))
    expect(tracking.get_by_test_id("sum-read-done")).to_have_text("1")
    expect(tracking.get_by_test_id("sum-signed-done")).to_have_text("1")
    expect(tracking.get_by_test_id("sum-replied-done")).to_have_text("1")
    expect(tracking.get_by_test_id("remind-count")).to_have_text(str(n - 1))

    with chief.expect_response(tracking_request):
        tracking.get_by_test_id("pill-unreplied").click()
    expect(chief.get_by_test_id("pill-unreplied")).to_have_attribute("aria-current", "true")
    rows = chief.locator("#tracking").get_by_test_id("recipient-row")
    expect(rows).to_have_count(n - 1)
    shown = rows.evaluate_all("rows => rows.map(r => Number(r.dataset.recipient))")
    assert sorted(shown) == sorted(r.pk for r in others)
    assert "state=unreplied" in chief.url

    exported = download_rows(chief)  # the filtered view exports the filtered rows
    assert sorted(row["工程名称"] for row in exported) == sorted(r.project.name for r in others)

    with chief.expect_response(tracking_request):
        chief.get_by_test_id("pill-all").click()
    expect(chief.locator("#tracking").get_by_test_id("recipient-row")).to_have_count(n)
    exported = download_rows(chief)
    assert len(exported) == n
    assert sorted(row["工程名称"] for row in exported) == sorted(r.project.name for r in recipients)
    pm_row = next(row for row in exported if row["工程名称"] == pm_project.name)
    assert pm_row["签收人"] == pm_row["回复人"] == pm_user.name, pm_row
    assert REPLY in pm_row["回复内容"] and pm_row["回复附件"] == PDF_NAME, pm_row
    assert all(row["签收人"] is None and row["回复人"] is None for row in exported if row != pm_row)

    # --- the reminder reaches only the inboxes still owing -----------------------------------
    ct = ContentType.objects.get_for_model(Document)
    for_document = Notification.objects.filter(content_type=ct, object_id=document.pk)
    delivered = {}  # inbox address → who was told of the document when it was sent
    for url, user_id in for_document.filter(kind="document").values_list("url", "user_id"):
        delivered.setdefault(url, set()).add(user_id)
    assert {pm_user.pk, safety_user.pk} <= delivered[mine.get_absolute_url()]
    assert not for_document.filter(kind="document_reminder").exists()

    dialogs.clear()
    remind = chief.locator("#tracking").get_by_test_id("remind")
    expect(remind).to_be_enabled()
    with chief.expect_navigation(url=DOCUMENT_URL):
        remind.click()
    expect(chief.locator(".alert-success")).to_be_visible()
    assert len(dialogs) == 1 and str(n - 1) in dialogs[0], dialogs

    reminded = {}
    for url, user_id in for_document.filter(kind="document_reminder").values_list("url", "user_id"):
        reminded.setdefault(url, set()).add(user_id)
    assert reminded == {r.get_absolute_url(): delivered[r.get_absolute_url()] for r in others}
    told = set().union(*reminded.values())
    assert told and pm_user.pk not in told and safety_user.pk not in told
    assert dict(document.recipients.values_list("pk", "reminders")) == {
        **{r.pk: 1 for r in others},
        mine.pk: 0,
    }
    tracking = chief.locator("#tracking")
    expect(tracking.get_by_test_id("reminder-count")).to_have_count(n - 1)
    expect(
        tracking.locator(f"tr[data-recipient='{mine.pk}']").get_by_test_id("reminder-count")
    ).to_have_count(0)

    assert Recipient.objects.filter(document=document, replied_at__isnull=False).count() == 1
    assert not desktop.console_errors, desktop.console_errors
    assert not phone.console_errors, phone.console_errors
