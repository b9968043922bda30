"""The demo data of 公文收发 (`seed_demo`), over the seeders it builds on (the 危大工程 of the
scheme filing, the inspections and hazards whose escalation issues the 督办函): what the demo
accounts see, a history that reads in time order, every letter's document, bounded documents
with --scale, and a second run that adds nothing."""

import datetime

import pytest
from django.core.management import call_command
from django.utils import timezone

from anjian.accounts.models import User
from anjian.documents import selectors
from anjian.documents.models import (
    Attachment,
    Document,
    DocumentEvent,
    DocumentKind,
    DocumentStatus,
    Recipient,
    Reply,
    Submission,
    SubmissionKind,
    SubmissionStatus,
)
from anjian.hazards.models import SupervisionLetter
from anjian.projects.models import Project

pytestmark = pytest.mark.django_db

PREREQUISITES = {"dangerous_works", "inspections", "hazards", "documents"}
NAMES = ["supervisor", "chief", "pm", "engineer", "grouphq", "pm2"]


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture(autouse=True)
def only_prerequisites(monkeypatch):
    """Evaluations and the demo notifications play no part here: leave them out."""
    from anjian.core import seeding

    monkeypatch.setattr(
        seeding,
        "DEMO_SEEDERS",
        [entry for entry in seeding.DEMO_SEEDERS if entry[1] in PREREQUISITES],
    )


def _counts():
    return tuple(
        model.objects.count()
        for model in (Document, DocumentEvent, Recipient, Reply, Attachment, Submission, User)
    )


def test_demo_documents_for_the_demo_accounts_with_a_real_history_and_a_second_run_adds_nothing():
    call_command("seed_demo", quiet=True, scale=2)
    users = {u.username: u for u in User.objects.filter(username__in=NAMES)}
    now = timezone.now()
    documents = Document.objects.exclude(kind=DocumentKind.SUPERVISION_LETTER)

    # With --scale the documents stay with the 40 base projects.
    assert Project.objects.count() == 80
    assert not Recipient.objects.filter(project__code__gt="TZ-DEMO-00040").exists()

    # Every status and every kind a person drafts.
    assert set(documents.values_list("status", flat=True)) == set(DocumentStatus.values)
    assert {"notice", "bulletin", "file", "letter"} <= set(documents.values_list("kind", flat=True))

    # pm: the winter notice, sent to every active project, not opened by pm's project: a to-do
    # whose receipt is overdue while the reply is still due; many other projects signed or
    # replied, some are overdue.
    pm = users["pm"]
    waiting = list(selectors.inbox_waiting(pm))
    assert len(waiting) == 1
    row = waiting[0]
    notice = row.document
    assert notice.kind == "notice" and notice.status == "sent" and notice.reply_required
    assert row.project.code == "TZ-DEMO-00001" and row.read_at is None and row.signed_at is None
    assert notice.sign_deadline < now < notice.reply_deadline
    assert notice.created_by == users["chief"] and notice.approved_by == users["chief"]
    others = notice.recipients.exclude(pk=row.pk)
    assert others.filter(replied_at__isnull=False).count() >= 5
    assert others.filter(signed_at__isnull=True).exists()
    assert notice.events.filter(action=DocumentEvent.Action.OVERDUE).exists()
    assert row in selectors.inbox_for(pm, selectors.InboxFilters(state="overdue"))
    # pm's company also signed the quarter's ranking 通报 and replied to an older notice.
    inbox = list(selectors.inbox_for(pm))
    assert any(r.document.kind == "bulletin" and r.signed_by == pm for r in inbox)
    assert any(r.replied_by == pm and r.replies.exists() for r in inbox)
    assert any(r.document.status == "withdrawn" for r in inbox)

    # engineer: the 危大工程 notice to the 监理 of every project, signed, its reply still due.
    (due,) = selectors.inbox_waiting(users["engineer"])
    assert due.unit == "supervision" and due.signed_by == users["engineer"]
    assert due.replied_at is None and due.document.reply_deadline > now

    # grouphq: the documents to every group HQ, signed for.
    group_rows = list(selectors.inbox_for(users["grouphq"]))
    assert {r.document.kind for r in group_rows} >= {"bulletin", "notice"}
    assert all(r.signed_by == users["grouphq"] for r in group_rows)

    # chief approves supervisor's notice; supervisor has a draft; one was withdrawn with a
    # reason; a 函 to one company was replied to with an attachment.
    assert [d.created_by for d in selectors.pending_approval(users["chief"])] == [
        users["supervisor"]
    ]
    assert documents.get(status="draft").created_by == users["supervisor"]
    withdrawn = documents.get(status="withdrawn")
    assert withdrawn.events.get(action="withdrawn").comment
    letter = documents.get(kind="letter")
    assert letter.recipients.get().replies.get().attachments.exists()

    # A history in time order: numbers and years of when they were sent, events after sending,
    # receipts and replies between sending and closing, nothing in the future.
    sent = documents.exclude(sent_at=None).order_by("sent_at")
    assert sent.count() >= 6 and sent.first().sent_at < now - datetime.timedelta(days=60)
    for document in sent:
        assert document.number and document.year == timezone.localtime(document.sent_at).year
        created = document.events.get(action__in=["created"])
        assert created.at <= document.sent_at
        assert not document.events.filter(at__gt=now).exists()
        end = document.closed_at or document.withdrawn_at or now
        for recipient in document.recipients.all():
            for moment in (recipient.read_at, recipient.signed_at, recipient.replied_at):
                assert moment is None or document.sent_at <= moment <= end
    assert Reply.objects.filter(at__gt=now).count() == 0

    # Every 督办函 has its document; a letter without one gets it, dated when it was issued.
    letters = SupervisionLetter.objects.all()
    assert letters.exists()
    assert all(Document.objects.filter(supervision_letter=x).exists() for x in letters)
    lost = letters.first()
    Document.objects.filter(supervision_letter=lost).delete()
    lost.issued_at = now - datetime.timedelta(days=3)
    lost.save(update_fields=["issued_at"])
    call_command("seed_demo", quiet=True, scale=2)
    again = Document.objects.get(supervision_letter=lost)
    assert again.sent_at == lost.issued_at and again.events.get().at == lost.issued_at

    # Submissions in every status: pm's 专项方案备案 of an approved 危大工程 and 情况报告
    # acknowledged with receipt numbers, one returned with the reason, one waiting for the
    # supervisor.
    submissions = Submission.objects.all()
    assert set(submissions.values_list("status", flat=True)) == set(SubmissionStatus.values)
    filing = submissions.get(kind=SubmissionKind.SCHEME_FILING)
    assert filing.submitted_by == pm and filing.dangerous_work.approved_at
    assert filing.dangerous_work.project.code == "TZ-DEMO-00001"
    for done in submissions.filter(status="acknowledged"):
        assert done.number and done.handled_at > done.submitted_at
    assert submissions.get(status="returned").comment
    assert [s.submitted_by for s in selectors.submissions_to_handle(users["supervisor"])] == [pm]

    counts = _counts()
    call_command("seed_demo", quiet=True, scale=2)
    assert _counts() == counts
