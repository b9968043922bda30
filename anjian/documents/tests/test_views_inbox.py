"""The inbox pages as the site team sees them: the list with its state pills, one document opened
(read), signed for (签收) and replied to, and what a withdrawn or closed document still shows."""

import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from anjian.documents import selectors
from anjian.documents import services as svc
from anjian.documents.models import Recipient, Reply
from anjian.documents.selectors import InboxFilters
from anjian.documents.testing import PDF_BYTES, docx_bytes, sent

pytestmark = pytest.mark.django_db

INBOX = reverse("documents:inbox")


def pm_row(world, document) -> Recipient:
    return Recipient.objects.get(document=document, project=world.projects["P"])


def detail_url(row) -> str:
    return reverse("documents:inbox_detail", args=[row.pk])


# --- the list ----------------------------------------------------------------------------------


def test_pm_inbox_lists_the_document_and_pm2s_does_not(world, client_as):
    document = sent(world)
    response = client_as("pm").get(INBOX)
    body = response.content.decode()
    assert response.status_code == 200
    assert document.title in body and document.number in body
    assert 'data-testid="badge-unread"' in body
    assert world.projects["P"].name in body  # the inbox the document came to
    assert reverse("documents:submission_new") in body
    assert reverse("documents:submissions") in body
    other = client_as("pm2").get(INBOX).content.decode()
    assert document.title not in other and 'data-testid="inbox-empty"' in other


def test_agency_staff_are_sent_to_the_sender_list(world, client_as):
    response = client_as("supervisor").get(INBOX)
    assert response.status_code == 302 and response.url == reverse("documents:list")


def test_the_state_pills_count_what_each_state_filter_lists(world, client_as):
    first = sent(world, title="关于开展冬季施工安全专项检查的通知")
    second = sent(world, title="关于做好节前安全检查的通知", reply_required=False)
    sent(world, title="关于报送安全生产月活动总结的通知")
    svc.recipient_sign(recipient=pm_row(world, first), by=world.users["pm"])
    svc.recipient_reply(recipient=pm_row(world, second), by=world.users["pm"], body="已落实。")
    response = client_as("pm").get(INBOX)
    counts = {key: n for key, _label, n in response.context["pills"]}
    user = world.users["pm"]
    for state in ("unread", "unsigned", "unreplied", "overdue", "done"):
        expected = selectors.inbox_for(user, InboxFilters(state=state)).count()
        assert counts[state] == expected, state
    assert counts[""] == 3
    assert counts["done"] == 1 and counts["unsigned"] == 1 and counts["unreplied"] == 2


def test_the_state_filter_narrows_the_list(world, client_as):
    first = sent(world, title="关于开展冬季施工安全专项检查的通知")
    sent(world, title="关于做好节前安全检查的通知")
    svc.recipient_sign(recipient=pm_row(world, first), by=world.users["pm"])
    body = client_as("pm").get(INBOX, {"state": "unsigned"}).content.decode()
    assert "关于做好节前安全检查的通知" in body
    assert "关于开展冬季施工安全专项检查的通知" not in body
    assert 'name="state" value="unsigned"' in body  # kept in the filter form


def test_an_overdue_document_is_flagged_in_the_list(world, client_as):
    document = sent(world)
    past = timezone.now() - datetime.timedelta(hours=1)
    type(document).objects.filter(pk=document.pk).update(sign_deadline=past)
    response = client_as("pm").get(INBOX, {"state": "overdue"})
    body = response.content.decode()
    assert document.title in body and 'data-testid="badge-overdue"' in body


def test_an_htmx_search_returns_only_the_results(world, client_as):
    sent(world, title="关于开展冬季施工安全专项检查的通知")
    sent(world, title="关于做好节前安全检查的通知", body="请做好节前检查。")
    response = client_as("pm").get(
        INBOX, {"q": "冬季"}, headers={"HX-Request": "true", "HX-Target": "results"}
    )
    body = response.content.decode()
    assert response.status_code == 200 and body.lstrip().startswith('<div id="results">')
    assert "冬季施工" in body and "节前" not in body


def test_inbox_list_queries_do_not_grow_with_rows(world, client_as, django_assert_max_num_queries):
    document = sent(world)
    svc.recipient_sign(recipient=pm_row(world, document), by=world.users["pm"])
    client = client_as("pm")
    client.get(INBOX)  # warm the session and caches
    with django_assert_max_num_queries(14) as one:
        client.get(INBOX)
    for i in range(6):
        svc.recipient_reply(
            recipient=pm_row(world, sent(world, title=f"通知{i}")),
            by=world.users["pm"],
            body="已阅。",
        )
    with django_assert_max_num_queries(14) as many:
        response = client.get(INBOX)
    assert len(response.context["page"]) == 7
    assert len(many.captured_queries) == len(one.captured_queries)


# --- one document ------------------------------------------------------------------------------


def test_opening_marks_it_read_once(world, client_as):
    document = sent(world)
    row = pm_row(world, document)
    response = client_as("pm").get(detail_url(row))
    assert response.status_code == 200
    body = response.content.decode()
    assert document.title in body and "<strong>冬季施工</strong>" in body  # Markdown body
    assert reverse("documents:attachment", args=[document.attachments.get().pk]) in body
    assert reverse("documents:pdf", args=[document.pk]) in body
    row.refresh_from_db()
    assert row.read_by == world.users["pm"]
    first_read = row.read_at
    client_as("safety").get(detail_url(row))
    row.refresh_from_db()
    assert row.read_by == world.users["pm"] and row.read_at == first_read


def test_others_cannot_open_the_inbox_row(world, client_as):
    row = pm_row(world, sent(world))
    for persona in ("pm2", "engineer", "supervisor"):
        assert client_as(persona).get(detail_url(row)).status_code == 404, persona
    row.refresh_from_db()
    assert row.read_at is None


def test_signing_records_the_signer(world, client_as):
    row = pm_row(world, sent(world))
    client = client_as("pm")
    assert 'data-testid="sign"' in client.get(detail_url(row)).content.decode()
    response = client.post(reverse("documents:inbox_sign", args=[row.pk]))
    assert response.status_code == 302 and response.url == detail_url(row)
    row.refresh_from_db()
    assert row.signed_by == world.users["pm"] and row.signed_at is not None
    body = client.get(detail_url(row)).content.decode()
    stamp = timezone.localtime(row.signed_at).strftime("%Y-%m-%d %H:%M")
    assert 'data-testid="sign"' not in body
    state = body.split('data-testid="state-signed"')[1].split("</li>")[0]
    assert "pm" in state and stamp in state


def test_signing_twice_says_who_signed_and_changes_nothing(world, client_as):
    row = pm_row(world, sent(world))
    svc.recipient_sign(recipient=row, by=world.users["pm"])
    response = client_as("safety").post(reverse("documents:inbox_sign", args=[row.pk]), follow=True)
    row.refresh_from_db()
    assert row.signed_by == world.users["pm"]
    assert any("pm" in str(m) for m in response.context["messages"])


def test_reply_with_a_file(world, client_as):
    row = pm_row(world, sent(world))
    response = client_as("pm").post(
        reverse("documents:inbox_reply", args=[row.pk]),
        {
            "body": "已组织自查，整改情况见附件。",
            "files": [SimpleUploadedFile("自查报告.docx", docx_bytes())],
        },
    )
    assert response.status_code == 302 and response.url.endswith("#replies")
    reply = Reply.objects.get(recipient=row)
    assert reply.body == "已组织自查，整改情况见附件。" and reply.by == world.users["pm"]
    assert [a.filename for a in reply.attachments.all()] == ["自查报告.docx"]
    row.refresh_from_db()
    assert row.replied_by == world.users["pm"] and row.signed_by == world.users["pm"]
    body = client_as("safety").get(detail_url(row)).content.decode()
    assert "已组织自查" in body
    assert reverse("documents:attachment", args=[reply.attachments.get().pk]) in body


def test_a_refused_file_keeps_the_typed_text_and_says_why_at_the_files(world, client_as):
    row = pm_row(world, sent(world))
    response = client_as("pm").post(
        reverse("documents:inbox_reply", args=[row.pk]),
        {
            "body": "已组织自查，整改情况见附件。",
            "files": [SimpleUploadedFile("报告.pdf", b"not a pdf at all")],
        },
    )
    assert response.status_code == 400
    body = response.content.decode()
    assert "已组织自查，整改情况见附件。" in body  # the typed text is kept
    assert "报告.pdf" in body and "invalid-feedback" in body
    assert 'data-testid="files-again"' in body
    assert not Reply.objects.exists()
    row.refresh_from_db()
    assert row.replied_at is None and row.signed_at is None


def test_an_empty_reply_is_refused_at_the_text(world, client_as):
    row = pm_row(world, sent(world))
    response = client_as("pm").post(reverse("documents:inbox_reply", args=[row.pk]), {"body": " "})
    assert response.status_code == 400
    form = response.context["reply_form"]
    assert form.errors["body"] and not Reply.objects.exists()


def test_a_withdrawn_document_shows_the_banner_with_the_reason_and_no_actions(world, client_as):
    document = sent(world)
    row = pm_row(world, document)
    svc.document_withdraw(
        document=document, by=world.users["chief"], comment="通知内容有误，重新发文"
    )
    client = client_as("pm")
    body = client.get(detail_url(row)).content.decode()
    assert 'data-testid="withdrawn-banner"' in body and "通知内容有误，重新发文" in body
    assert 'data-testid="sign"' not in body and 'data-testid="reply-form"' not in body
    response = client.post(reverse("documents:inbox_sign", args=[row.pk]))
    assert response.status_code == 302
    row.refresh_from_db()
    assert row.signed_at is None
    response = client.post(reverse("documents:inbox_reply", args=[row.pk]), {"body": "收到"})
    assert response.status_code == 302 and not Reply.objects.exists()


def test_a_closed_document_is_read_only(world, client_as):
    document = sent(world, reply_required=False)
    row = pm_row(world, document)
    svc.document_close(document=document, by=world.users["chief"])
    body = client_as("pm").get(detail_url(row)).content.decode()
    assert 'data-testid="closed-banner"' in body
    assert 'data-testid="sign"' not in body and 'data-testid="reply-form"' not in body
    assert PDF_BYTES  # the attachment is still listed
    assert 'data-testid="attachment"' in body


def test_an_optional_reply_is_offered_while_the_document_is_live(world, client_as):
    row = pm_row(world, sent(world, reply_required=False))
    body = client_as("pm").get(detail_url(row)).content.decode()
    assert 'data-testid="reply-form"' in body and 'data-testid="state-replied"' not in body


def test_a_group_hq_reads_its_organisation_inbox(world, client_as):
    document = sent(
        world, title="关于集团总部落实安全生产主体责任的通知", audience={"all_groups": True}
    )
    row = Recipient.objects.get(document=document)
    assert row.organization == world.orgs["group"] and row.project is None
    assert document.title in client_as("grouphq").get(INBOX).content.decode()
    assert document.title not in client_as("pm").get(INBOX).content.decode()
    assert client_as("grouphq").get(detail_url(row)).status_code == 200


def test_the_reply_form_takes_several_documents(world, client_as):
    from anjian.core.files import ACCEPT_ATTRIBUTE

    row = pm_row(world, sent(world))
    body = client_as("pm").get(detail_url(row)).content.decode()
    form = body.split('data-testid="reply-form"')[1].split("</form>")[0]
    assert 'enctype="multipart/form-data"' in body
    assert 'type="file"' in form and "multiple" in form and f'accept="{ACCEPT_ATTRIBUTE}"' in form
