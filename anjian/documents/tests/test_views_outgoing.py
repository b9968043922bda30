"""The sender's pages of 公文收发 as each role sees them: the list (search, filters, progress,
pinned queries), the draft form (create, edit, refusals keep what was typed, preview, submit and
send), the audience count, the workflow actions and the archive."""

import datetime
import html
import re

import pytest
from django.contrib.messages import get_messages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext

from anjian.documents import services as svc
from anjian.documents.models import Document, DocumentEvent, DocumentStatus, Recipient
from anjian.documents.testing import PDF_BYTES, docx_bytes, draft, sent

pytestmark = pytest.mark.django_db

LIST = reverse("documents:list")
NEW = reverse("documents:new")
ARCHIVE = reverse("documents:archive")
PREVIEW = reverse("documents:audience_preview")


def zh(message: str) -> str:
    """The message as the (Chinese) pages show it, escaped as in HTML."""
    with translation.override("zh-hans"):
        return gettext(message)


def day(days: int) -> datetime.date:
    return timezone.localdate() + datetime.timedelta(days=days)


def form_data(world, **extra) -> dict:
    data = {
        "kind": "notice",
        "title": "关于开展汛期施工安全检查的通知",
        "body": "各施工单位：\n\n请于本周内完成**汛期**安全自查。",
        "project": str(world.projects["P"].pk),
        "streets": [str(world.streets["A1"].pk)],
        "units": ["contractor", "supervision"],
        "sign_required": "on",
        "sign_deadline": day(3).isoformat(),
        "reply_required": "on",
        "reply_deadline": day(7).isoformat(),
        "then": "save",
    }
    data.update(extra)
    return {key: value for key, value in data.items() if value is not None}


def pdf(name="通知.pdf"):
    return SimpleUploadedFile(name, PDF_BYTES, content_type="application/pdf")


def act(document, action):
    return reverse("documents:act", args=[document.pk, action])


def edit(document):
    return reverse("documents:edit", args=[document.pk])


def messages_of(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


def rows(response) -> list[int]:
    return [
        int(pk) for pk in re.findall(r'data-testid="document-row" data-pk="(\d+)"', _html(response))
    ]


def _html(response) -> str:
    return response.content.decode()


# --- who may see the pages -------------------------------------------------------------------------


def test_anonymous_is_sent_to_the_login_page(client_as):
    for url in (LIST, NEW, ARCHIVE, PREVIEW):
        response = client_as("anonymous").get(url)
        assert response.status_code == 302
        assert "/login" in response["Location"]


@pytest.mark.parametrize("persona", ["pm", "engineer", "grouphq", "pm2"])
def test_company_users_are_sent_from_the_list_to_their_inbox(client_as, persona):
    response = client_as(persona).get(LIST)
    assert response.status_code == 302
    assert response["Location"] == reverse("documents:inbox")


@pytest.mark.parametrize("persona", ["pm", "grouphq"])
def test_company_users_may_not_draft_count_audiences_or_see_the_archive(world, client_as, persona):
    client = client_as(persona)
    assert client.get(NEW).status_code == 403
    assert client.post(NEW, form_data(world)).status_code == 403
    assert client.get(PREVIEW, {"all_projects": "on"}).status_code == 403
    assert client.get(ARCHIVE).status_code == 403
    assert not Document.objects.exists()


def test_company_users_cannot_act_on_or_edit_a_document(world, client_as):
    document = draft(world)
    client = client_as("pm")
    assert client.get(edit(document)).status_code == 404
    assert client.post(act(document, "submit")).status_code == 404
    document.refresh_from_db()
    assert document.status == DocumentStatus.DRAFT


def test_an_administrator_reads_the_list_but_does_not_draft(world, client_as):
    sent(world)
    client = client_as("admin")
    response = client.get(LIST)
    assert response.status_code == 200
    assert 'data-testid="new-document"' not in _html(response)
    assert client.get(NEW).status_code == 403


def test_another_agency_never_sees_agency_a_documents(world, client_as):
    document = sent(world)
    mine = draft(world)
    client = client_as("outsider")
    response = client.get(LIST)
    assert response.status_code == 200
    assert rows(response) == []
    assert document.title not in _html(response)
    assert client.get(edit(mine)).status_code == 404
    assert client.post(act(document, "close"), {"comment": "x"}).status_code == 404
    assert client.post(act(mine, "submit")).status_code == 404
    assert client.get(PREVIEW, {"document": mine.pk}).status_code == 404
    assert client.get(LIST, {"q": document.number}).status_code == 200
    assert client.get(ARCHIVE).content.decode().count('data-testid="archive-year-') == 0


def test_a_supervisor_does_not_see_the_chiefs_draft_but_the_chief_sees_theirs(world, client_as):
    theirs = draft(world, by="chief", title="科长的草稿")
    mine = draft(world, title="我的草稿")
    assert rows(client_as("supervisor").get(LIST)) == [mine.pk]
    assert set(rows(client_as("chief").get(LIST))) == {theirs.pk, mine.pk}
    assert client_as("supervisor").get(edit(theirs)).status_code == 404


# --- the list --------------------------------------------------------------------------------------


def test_the_list_shows_number_type_status_recipients_and_progress(world, client_as):
    document = sent(world)
    row = Recipient.objects.get(document=document)
    svc.recipient_sign(recipient=row, by=world.users["pm"])
    waiting = draft(world, title="待提交的草稿")
    response = client_as("supervisor").get(LIST)
    page = _html(response)
    assert response.status_code == 200
    assert rows(response)[0] == document.pk  # sent first, then drafts
    assert waiting.pk in rows(response)
    assert document.number in page
    assert "通知" in page and "已发送" in page and "草稿" in page
    assert f'href="{document.get_absolute_url()}"' in page
    progress = re.findall(r'data-testid="progress">(.*?)</td>', page, re.S)[0]
    assert "1/1" in progress  # signed 1 of 1
    assert "0/1" in progress  # replied 0 of 1
    assert f'href="{edit(waiting)}"' in page
    assert f'href="{edit(document)}"' not in page


def test_the_list_links_to_new_incoming_and_archive(world, client_as):
    page = _html(client_as("supervisor").get(LIST))
    assert f'href="{NEW}"' in page
    assert f'href="{reverse("documents:submissions")}"' in page
    assert f'href="{ARCHIVE}"' in page
    assert 'data-testid="nav-approve"' not in page  # supervisors approve nothing


def test_the_chief_sees_how_many_documents_wait_for_approval(world, client_as):
    document = draft(world)
    svc.document_submit(document=document, by=world.users["supervisor"])
    page = _html(client_as("chief").get(LIST))
    assert re.search(r'data-testid="nav-approve-count">1<', page)
    response = client_as("chief").get(LIST, {"status": "pending"})
    assert rows(response) == [document.pk]
    assert re.search(
        r'class="nav-link active" aria-current="page" href="[^"]*status=pending"', _html(response)
    )


def test_search_finds_by_number_title_and_text(world, client_as):
    first = sent(world, title="关于加强深基坑工程监测的通知", body="基坑监测每日一次。")
    second = sent(world, title="关于冬季施工的通知", body="注意防火与防冻。")
    client = client_as("supervisor")
    assert rows(client.get(LIST, {"q": second.number})) == [second.pk]
    assert rows(client.get(LIST, {"q": "深基坑"})) == [first.pk]
    assert rows(client.get(LIST, {"q": "防冻"})) == [second.pk]
    assert rows(client.get(LIST, {"q": "没有这样的公文"})) == []


def test_filters_by_type_status_and_year_with_counts_in_the_pills(world, client_as):
    notice = sent(world)
    letter = sent(world, kind="letter", title="关于某项目的函")
    old = sent(world, title="去年的通知")
    Document.objects.filter(pk=old.pk).update(
        year=2023, sent_at=svc.deadline_on(datetime.date(2023, 6, 1))
    )
    waiting = draft(world)
    client = client_as("supervisor")
    assert rows(client.get(LIST, {"kind": "letter"})) == [letter.pk]
    assert set(rows(client.get(LIST, {"status": "draft"}))) == {waiting.pk}
    assert set(rows(client.get(LIST, {"year": "2023"}))) == {old.pk}
    this_year = rows(client.get(LIST, {"year": timezone.localdate().year}))
    # The year is the year of sending (the archive's): an unsent draft has none.
    assert set(this_year) == {notice.pk, letter.pk}
    page = _html(client.get(LIST, {"kind": "notice"}))
    assert re.search(r'data-testid="count-sent">2<', page)
    assert re.search(r'data-testid="count-draft">1<', page)
    assert re.search(r'data-testid="count-all">3<', page)
    # A bad value is ignored, not an error.
    assert client.get(LIST, {"year": "abc", "status": "nope"}).status_code == 200


def test_htmx_filtering_answers_with_the_results_only(world, client_as):
    sent(world)
    response = client_as("supervisor").get(LIST, {"q": "冬季"}, headers={"HX-Request": "true"})
    page = _html(response)
    assert page.lstrip().startswith('<div id="results">')
    assert "<form" not in page


def test_the_list_queries_do_not_grow_with_rows(world, client_as, django_assert_max_num_queries):
    sent(world)
    draft(world)
    client = client_as("chief")
    client.get(LIST)  # warm the session and the content types

    def queries():
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(LIST).status_code == 200
        return len(ctx.captured_queries)

    few = queries()
    for n in range(6):
        document = sent(world, title=f"第{n}号通知")
        if n % 2:
            row = document.recipients.first()
            svc.recipient_sign(recipient=row, by=world.users["pm"])
        draft(world, title=f"第{n}号草稿")
    assert queries() == few
    with django_assert_max_num_queries(11):
        client.get(LIST, {"q": "通知", "kind": "notice", "year": timezone.localdate().year})


# --- the draft form --------------------------------------------------------------------------------


def test_the_form_offers_the_agency_default_sign_day_and_the_draftable_types(world, client_as):
    page = _html(client_as("supervisor").get(NEW))
    sign_day = svc.default_sign_day(world.orgs["agency"])
    assert f'name="sign_deadline" value="{sign_day.isoformat()}"' in page
    assert 'value="notice"' in page and 'value="supervision_letter"' not in page
    assert "18:00" in page
    assert 'name="files"' in page and "multiple" in page and 'accept=".doc' in page
    assert world.projects["R"].name not in page  # agency B's project
    assert 'data-testid="submit-document"' in page


def test_a_supervisor_creates_a_draft_through_the_form(world, client_as):
    data = form_data(world, files=[pdf(), SimpleUploadedFile("附件.docx", docx_bytes())])
    response = client_as("supervisor").post(NEW, data)
    document = Document.objects.get()
    assert response.status_code == 302
    assert response["Location"] == document.get_absolute_url()
    assert document.status == DocumentStatus.DRAFT
    assert document.created_by == world.users["supervisor"]
    assert document.agency == world.orgs["agency"]
    assert document.kind == "notice"
    assert document.title == "关于开展汛期施工安全检查的通知"
    assert "**汛期**" in document.body
    assert document.project == world.projects["P"]
    assert document.audience["streets"] == [world.streets["A1"].pk]
    assert document.audience["units"] == ["contractor", "supervision"]
    assert document.sign_deadline == svc.deadline_on(day(3))
    assert timezone.localtime(document.reply_deadline).hour == 18
    assert document.reply_deadline == svc.deadline_on(day(7))
    assert {a.filename for a in document.attachments.all()} == {"附件.docx", "通知.pdf"}
    assert document.events.filter(action=DocumentEvent.Action.CREATED).count() == 1
    assert zh("The draft has been saved.") in messages_of(response)


def test_a_refused_draft_keeps_everything_typed_and_asks_for_the_files_again(world, client_as):
    data = form_data(world, title="   ", files=[pdf()], organizations=[str(world.orgs["group"].pk)])
    response = client_as("supervisor").post(NEW, data)
    page = _html(response)
    assert response.status_code == 400
    assert not Document.objects.exists()
    assert html.escape(zh("Enter the title.")) in page
    assert re.search(r'name="title"[^>]*is-invalid', page)
    assert "请于本周内完成**汛期**安全自查。" in page
    assert re.search(rf'name="streets" value="{world.streets["A1"].pk}"[^>]*checked', page)
    assert re.search(rf'name="organizations" value="{world.orgs["group"].pk}"[^>]*checked', page)
    assert re.search(r'name="units" value="supervision"[^>]*checked', page)
    assert f'value="{day(7).isoformat()}"' in page
    assert 'data-testid="files-lost"' in page


def test_a_reply_deadline_in_the_past_is_shown_at_its_field(world, client_as):
    data = form_data(world, reply_deadline=day(-1).isoformat(), sign_deadline=None)
    response = client_as("supervisor").post(NEW, data)
    page = _html(response)
    assert response.status_code == 400
    message = html.escape(zh("The deadline for the reply must be in the future."))
    field = re.search(
        r'name="reply_deadline"[^>]*is-invalid[^>]*>\s*<div class="invalid-feedback d-block">(.*?)<',
        page,
    )
    assert field and field.group(1) == message
    assert 'data-testid="files-lost"' not in page  # no file was chosen
    assert not Document.objects.exists()


def test_a_disguised_file_is_refused_at_the_attachments_and_nothing_is_saved(world, client_as):
    fake = SimpleUploadedFile("通知.pdf", b"MZ not really a pdf")
    response = client_as("supervisor").post(NEW, form_data(world, files=[fake]))
    page = _html(response)
    assert response.status_code == 400
    assert not Document.objects.exists()
    assert re.search(r'name="files".*?invalid-feedback d-block">[^<]*通知\.pdf', page, re.S)
    assert 'data-testid="files-lost"' in page


def test_submit_from_the_form_sends_a_supervisors_draft_for_approval(world, client_as):
    response = client_as("supervisor").post(NEW, form_data(world, then="submit"))
    document = Document.objects.get()
    assert response.status_code == 302
    assert document.status == DocumentStatus.PENDING
    assert document.number == ""
    assert not document.recipients.exists()
    assert zh("Submitted for approval.") in messages_of(response)


def test_the_chiefs_submit_sends_at_once_with_a_number(world, client_as):
    page = _html(client_as("chief").get(NEW))
    assert "data-question=" in page  # asks before sending
    response = client_as("chief").post(NEW, form_data(world, then="submit", files=[pdf()]))
    document = Document.objects.get()
    assert response.status_code == 302
    assert response["Location"] == document.get_absolute_url()
    assert document.status == DocumentStatus.SENT
    assert document.number
    assert document.approved_by == world.users["chief"]
    # street A1 = project P: its contractor's and supervising firm's project teams
    assert document.recipient_count == 2
    assert set(document.recipients.values_list("organization_id", flat=True)) == {
        world.orgs["contractor_a"].pk,
        world.orgs["firm"].pk,
    }
    assert any(document.number in m for m in messages_of(response))


def test_submitting_without_recipients_keeps_the_saved_draft_and_says_why(world, client_as):
    data = form_data(world, then="submit", streets=None, files=[pdf()])
    response = client_as("supervisor").post(NEW, data)
    page = _html(response)
    document = Document.objects.get()
    assert response.status_code == 400
    assert document.status == DocumentStatus.DRAFT
    assert document.attachments.count() == 1
    assert 'data-testid="saved-not-submitted"' in page
    assert html.escape(zh("Choose who receives the document: nobody is selected.")) in page
    assert f'action="{edit(document)}"' in page  # the form now edits the saved draft
    assert 'data-testid="files-lost"' not in page
    assert "通知.pdf" in page


def test_the_drafter_edits_the_draft_with_its_values_filled_in(world, client_as):
    document = draft(world)
    client = client_as("supervisor")
    page = _html(client.get(edit(document)))
    assert f'value="{document.title}"' in page
    assert re.search(rf'name="streets" value="{world.streets["A1"].pk}"[^>]*checked', page)
    sign_day = timezone.localtime(document.sign_deadline).date().isoformat()
    assert f'name="sign_deadline" value="{sign_day}"' in page
    assert "通知.pdf" in page
    assert reverse("documents:attachment_delete", args=[document.attachments.get().pk]) in page
    assert f'hx-vals=\'{{"document": "{document.pk}"}}\'' in page
    data = form_data(world, title="改过的标题", streets=[str(world.streets["A2"].pk)])
    response = client.post(edit(document), data)
    assert response.status_code == 302
    document.refresh_from_db()
    assert document.title == "改过的标题"
    assert document.audience["streets"] == [world.streets["A2"].pk]
    assert document.attachments.count() == 1
    assert document.events.filter(action=DocumentEvent.Action.EDITED).exists()


def test_a_sent_document_cannot_be_edited(world, client_as):
    document = sent(world)
    response = client_as("supervisor").get(edit(document))
    assert response.status_code == 302
    assert response["Location"] == document.get_absolute_url()
    assert zh("Only a draft can be edited.") in messages_of(response)
    client_as("supervisor").post(edit(document), form_data(world, title="改"))
    document.refresh_from_db()
    assert document.title != "改"


def test_the_preview_renders_the_markdown_on_the_server_without_scripts(world, client_as):
    body = "# 标题\n\n**加粗** <script>alert(1)</script> [链接](javascript:alert(1))"
    response = client_as("supervisor").post(
        NEW, {"preview": "1", "body": body}, headers={"HX-Request": "true"}
    )
    page = _html(response)
    assert response.status_code == 200
    assert 'data-testid="body-preview"' in page
    assert "<h1>标题</h1>" in page and "<strong>加粗</strong>" in page
    assert "<script" not in page and "javascript:" not in page
    assert "<form" not in page
    assert not Document.objects.exists()
    document = draft(world)
    assert (
        client_as("supervisor").post(edit(document), {"preview": "1", "body": "x"}).status_code
        == 200
    )
    assert client_as("pm").post(NEW, {"preview": "1", "body": "x"}).status_code == 403


# --- the audience count ----------------------------------------------------------------------------


def summary(response) -> dict:
    page = _html(response)
    return {
        key: int(re.search(rf'data-testid="audience-{key}">(\d+)<', page).group(1))
        for key in ("inboxes", "projects", "organizations")
    }


def test_the_audience_preview_counts_inboxes_projects_and_organisations(world, client_as):
    client = client_as("supervisor")
    a1, a2 = world.streets["A1"].pk, world.streets["A2"].pk
    assert summary(client.get(PREVIEW, {"streets": a1})) == {
        "inboxes": 1,
        "projects": 1,
        "organizations": 1,
    }
    every_unit = {"streets": [a1, a2], "units": ["contractor", "supervision", "builder"]}
    assert summary(client.get(PREVIEW, every_unit)) == {
        "inboxes": 4,
        "projects": 2,
        "organizations": 4,
    }
    assert summary(client.post(PREVIEW, {"all_projects": "on"})) == {
        "inboxes": 2,
        "projects": 2,
        "organizations": 2,
    }
    groups = summary(client.get(PREVIEW, {"all_groups": "on"}))
    assert groups == {"inboxes": 1, "projects": 0, "organizations": 1}
    nobody = client.get(PREVIEW)
    assert summary(nobody)["inboxes"] == 0
    assert 'data-testid="audience-nobody"' in _html(nobody)
    bad = client.get(PREVIEW, {"organizations": "abc"})
    assert bad.status_code == 200
    assert html.escape(zh("The recipients are not valid.")) in _html(bad)


def test_another_agency_counts_only_its_own_projects(world, client_as):
    response = client_as("outsider").get(PREVIEW, {"streets": world.streets["A1"].pk})
    assert summary(response)["inboxes"] == 0
    response = client_as("outsider").get(PREVIEW, {"all_projects": "on"})
    assert summary(response) == {"inboxes": 1, "projects": 1, "organizations": 1}  # project R


def test_the_form_shows_the_count_of_the_typed_audience_when_refused(world, client_as):
    response = client_as("supervisor").post(NEW, form_data(world, title=""))
    assert summary(response) == {"inboxes": 2, "projects": 1, "organizations": 2}


# --- workflow actions ------------------------------------------------------------------------------


def test_the_drafter_submits_and_the_chief_approves_with_a_number(world, client_as):
    document = draft(world)
    response = client_as("supervisor").post(act(document, "submit"))
    assert response.status_code == 302
    assert response["Location"] == document.get_absolute_url()
    document.refresh_from_db()
    assert document.status == DocumentStatus.PENDING
    response = client_as("chief").post(act(document, "approve"), {"comment": "同意"})
    document.refresh_from_db()
    assert document.status == DocumentStatus.SENT
    assert document.number
    assert document.events.get(action=DocumentEvent.Action.SENT).comment == "同意"
    assert any(document.number in m for m in messages_of(response))


def test_returning_needs_a_comment(world, client_as):
    document = draft(world)
    svc.document_submit(document=document, by=world.users["supervisor"])
    client = client_as("chief")
    response = client.post(act(document, "return"), {"comment": "  "})
    assert response.status_code == 302
    assert response["Location"] == document.get_absolute_url()
    assert zh("Say what needs to change.") in messages_of(response)
    document.refresh_from_db()
    assert document.status == DocumentStatus.PENDING
    response = client.post(act(document, "return"), {"comment": "请补充附件"})
    document.refresh_from_db()
    assert document.status == DocumentStatus.DRAFT
    assert document.events.get(action=DocumentEvent.Action.RETURNED).comment == "请补充附件"


def test_withdrawing_needs_a_reason_and_a_refusal_goes_back_to_next(world, client_as):
    document = sent(world)
    client = client_as("supervisor")
    response = client.post(act(document, "withdraw"), {"comment": "", "next": LIST})
    assert response["Location"] == LIST
    assert zh("Give the reason for withdrawing it.") in messages_of(response)
    response = client.post(act(document, "withdraw"), {"next": "https://evil.example/"})
    assert response["Location"] == document.get_absolute_url()
    response = client.post(act(document, "withdraw"), {"comment": "内容有误"})
    document.refresh_from_db()
    assert document.status == DocumentStatus.WITHDRAWN


def test_a_supervisor_may_never_approve(world, client_as):
    document = draft(world)
    svc.document_submit(document=document, by=world.users["supervisor"])
    assert client_as("supervisor").post(act(document, "approve")).status_code == 403
    document.refresh_from_db()
    assert document.status == DocumentStatus.PENDING
    other = sent(world)
    assert client_as("admin").post(act(other, "withdraw"), {"comment": "x"}).status_code == 403
    other.refresh_from_db()
    assert other.status == DocumentStatus.SENT


def test_an_action_the_status_does_not_allow_is_a_message_on_the_page(world, client_as):
    document = draft(world)
    response = client_as("chief").post(act(document, "approve"))
    assert response.status_code == 302
    assert response["Location"] == document.get_absolute_url()
    assert len(messages_of(response)) == 1
    document.refresh_from_db()
    assert document.status == DocumentStatus.DRAFT


def test_remind_and_close_a_sent_document(world, client_as):
    document = sent(world)
    client = client_as("supervisor")
    response = client.post(act(document, "remind"))
    assert response.status_code == 302
    assert document.events.filter(action=DocumentEvent.Action.REMINDED).exists()
    assert Recipient.objects.get(document=document).reminders == 1
    client.post(act(document, "close"), {"comment": "已全部落实"})
    document.refresh_from_db()
    assert document.status == DocumentStatus.CLOSED


def test_an_unknown_action_is_404_and_actions_are_post_only(world, client_as):
    document = draft(world)
    client = client_as("supervisor")
    assert client.post(act(document, "delete")).status_code == 404
    assert client.post(act(document, "edit")).status_code == 404
    assert client.get(act(document, "submit")).status_code == 405


def test_a_long_comment_is_refused_with_a_message(world, client_as):
    document = sent(world)
    response = client_as("supervisor").post(act(document, "withdraw"), {"comment": "长" * 2001})
    assert response.status_code == 302
    document.refresh_from_db()
    assert document.status == DocumentStatus.SENT


# --- the archive -----------------------------------------------------------------------------------


def test_the_archive_lists_years_with_counts_and_opens_the_list_of_a_year(world, client_as):
    this_year = sent(world)
    old = sent(world, kind="letter", title="旧函")
    Document.objects.filter(pk=old.pk).update(year=2023)
    draft(world)  # not sent: not in the archive
    client = client_as("supervisor")
    page = _html(client.get(ARCHIVE))
    year = timezone.localdate().year
    assert f'href="{LIST}?year={year}"' in page
    assert f'href="{LIST}?year=2023"' in page
    assert page.index(f"archive-year-{year}") < page.index("archive-year-2023")
    assert f'href="{LIST}?year=2023&amp;kind=letter"' in page
    assert rows(client.get(LIST, {"year": 2023})) == [old.pk]
    assert this_year.pk in rows(client.get(LIST, {"year": year}))
    assert 'class="nav-link active" aria-current="page" href="/documents/archive/"' in page
