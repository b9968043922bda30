"""Reads for 公文收发: the sender's list and tracking table, inboxes, archive, submissions.

Visibility: a document is read on the sender's side by its agency's staff — a draft only by its
drafter and the agency's section chiefs and leaders; companies read documents only through
their inbox rows (`Recipient.objects.for_user`). A submission is read by the receiving agency's
staff and by the submitting organisation's users.
"""

from dataclasses import dataclass

from django.db.models import Count, F, Prefetch, Q, QuerySet
from django.http import Http404
from django.utils import timezone

from .models import (
    Attachment,
    Document,
    DocumentStatus,
    Recipient,
    Reply,
    Submission,
    SubmissionStatus,
)
from .services import APPROVERS

SEARCH_FIELDS = ("number", "title", "body")


@dataclass(frozen=True)
class DocumentFilters:
    q: str = ""
    kind: str = ""
    status: str = ""
    year: int | None = None


@dataclass(frozen=True)
class InboxFilters:
    q: str = ""
    state: str = ""  # unread, unsigned, unreplied, overdue, done
    kind: str = ""
    year: int | None = None


def _search(qs, text: str, prefix: str = ""):
    text = (text or "").strip()
    if not text:
        return qs
    q = Q()
    for word in text.split()[:5]:
        part = Q()
        for field in SEARCH_FIELDS:
            part |= Q(**{f"{prefix}{field}__icontains": word})
        q &= part
    return qs.filter(q)


# --- the sender's side --------------------------------------------------------------------------


def documents_visible_to(user) -> QuerySet[Document]:
    if not user.is_authenticated or not user.is_active or not user.is_agency_staff:
        return Document.objects.none()
    qs = Document.objects.all()
    if not user.is_superuser:
        qs = qs.filter(agency_id=user.organization_id)
        if user.agency_role not in APPROVERS:
            qs = qs.exclude(
                Q(status__in=[DocumentStatus.DRAFT, DocumentStatus.PENDING]) & ~Q(created_by=user)
            )
    return qs


def documents_filtered(user, filters: DocumentFilters) -> QuerySet[Document]:
    qs = _search(documents_visible_to(user), filters.q)
    if filters.kind:
        qs = qs.filter(kind=filters.kind)
    if filters.status:
        qs = qs.filter(status=filters.status)
    if filters.year:
        qs = qs.filter(year=filters.year)
    # Sent first, newest first; unsent drafts after them (PostgreSQL puts NULLs first otherwise).
    return qs.select_related("created_by", "project").order_by(
        F("sent_at").desc(nulls_last=True), "-created_at", "-id"
    )


def document_for_user(user, pk: int) -> Document:
    document = (
        documents_visible_to(user)
        .select_related("agency", "created_by", "approved_by", "project", "supervision_letter")
        .filter(pk=pk)
        .first()
    )
    if document is None:
        raise Http404
    return document


def status_counts(user, filters: DocumentFilters) -> dict[str, int]:
    base = documents_filtered(
        user, DocumentFilters(q=filters.q, kind=filters.kind, year=filters.year)
    )
    rows = base.order_by().values("status").annotate(n=Count("pk"))
    return {row["status"]: row["n"] for row in rows}


def archive_years(user) -> list[tuple[int, int]]:
    """(year, number of documents sent that year), newest first."""
    rows = (
        documents_visible_to(user)
        .filter(year__isnull=False)
        .order_by()
        .values("year")
        .annotate(n=Count("pk"))
        .order_by("-year")
    )
    return [(row["year"], row["n"]) for row in rows]


def pending_approval(user) -> QuerySet[Document]:
    if not user.is_authenticated or not (user.is_superuser or user.agency_role in APPROVERS):
        return Document.objects.none()
    return documents_visible_to(user).filter(status=DocumentStatus.PENDING).order_by("submitted_at")


def attachments_prefetch() -> Prefetch:
    return Prefetch("attachments", queryset=Attachment.objects.order_by("id"))


def tracking_rows(document) -> list[Recipient]:
    """Every recipient with who read, signed and replied, and their replies (fixed queries)."""
    return list(
        document.recipients.select_related(
            "organization", "project", "read_by", "signed_by", "replied_by"
        )
        .prefetch_related(
            Prefetch(
                "replies",
                queryset=Reply.objects.select_related("by").prefetch_related(
                    attachments_prefetch()
                ),
            )
        )
        .order_by("project__name", "organization__name", "id")
    )


def tracking_summary(document, rows) -> dict:
    now = timezone.now()
    return {
        "total": len(rows),
        "read": sum(1 for r in rows if r.read_at),
        "signed": sum(1 for r in rows if r.signed_at),
        "replied": sum(1 for r in rows if r.replied_at),
        "sign_overdue": sum(1 for r in rows if _sign_overdue(document, r, now)),
        "reply_overdue": sum(1 for r in rows if _reply_overdue(document, r, now)),
    }


def _sign_overdue(document, r, now) -> bool:
    return bool(
        document.status == DocumentStatus.SENT
        and document.sign_required
        and document.sign_deadline
        and not r.signed_at
        and document.sign_deadline < now
    )


def _reply_overdue(document, r, now) -> bool:
    return bool(
        document.status == DocumentStatus.SENT
        and document.reply_required
        and document.reply_deadline
        and not r.replied_at
        and document.reply_deadline < now
    )


def filter_tracking(document, rows, state: str) -> list[Recipient]:
    """The tracking table narrowed: unsigned, unreplied, overdue, done (or all)."""
    now = timezone.now()
    if state == "unread":
        return [r for r in rows if not r.read_at]
    if state == "unsigned":
        return [r for r in rows if document.sign_required and not r.signed_at]
    if state == "unreplied":
        return [r for r in rows if document.reply_required and not r.replied_at]
    if state == "overdue":
        return [
            r for r in rows if _sign_overdue(document, r, now) or _reply_overdue(document, r, now)
        ]
    if state == "done":
        return [
            r
            for r in rows
            if (not document.sign_required or r.signed_at)
            and (not document.reply_required or r.replied_at)
        ]
    return rows


# --- the recipient's side -----------------------------------------------------------------------


def inbox_for(user, filters: InboxFilters = InboxFilters()) -> QuerySet[Recipient]:
    qs = Recipient.objects.for_user(user).select_related(
        "document", "project", "organization", "signed_by"
    )
    qs = _search(qs, filters.q, prefix="document__")
    now = timezone.now()
    live = Q(document__status=DocumentStatus.SENT)
    if filters.state == "unread":
        qs = qs.filter(read_at__isnull=True)
    elif filters.state == "unsigned":
        qs = qs.filter(live, document__sign_required=True, signed_at__isnull=True)
    elif filters.state == "unreplied":
        qs = qs.filter(live, document__reply_required=True, replied_at__isnull=True)
    elif filters.state == "overdue":
        qs = qs.filter(live).filter(
            Q(
                document__sign_required=True,
                signed_at__isnull=True,
                document__sign_deadline__lt=now,
            )
            | Q(
                document__reply_required=True,
                replied_at__isnull=True,
                document__reply_deadline__lt=now,
            )
        )
    elif filters.state == "done":
        qs = qs.filter(
            Q(document__sign_required=False) | Q(signed_at__isnull=False),
            Q(document__reply_required=False) | Q(replied_at__isnull=False),
        )
    if filters.kind:
        qs = qs.filter(document__kind=filters.kind)
    if filters.year:
        qs = qs.filter(document__year=filters.year)
    return qs.order_by("-document__sent_at", "-id")


def inbox_waiting(user) -> QuerySet[Recipient]:
    """Inbox rows still owing a receipt or a reply on a live document (to-dos, badges)."""
    return (
        Recipient.objects.for_user(user)
        .filter(document__status=DocumentStatus.SENT)
        .filter(
            Q(document__sign_required=True, signed_at__isnull=True)
            | Q(document__reply_required=True, replied_at__isnull=True)
        )
        .select_related("document", "project", "organization")
        .order_by("document__sign_deadline", "document__reply_deadline", "id")
    )


def recipient_for_user(user, pk: int) -> Recipient:
    row = (
        Recipient.objects.for_user(user)
        .select_related(
            "document__agency",
            "document__project",
            "organization",
            "project",
            "read_by",
            "signed_by",
            "replied_by",
        )
        .filter(pk=pk)
        .first()
    )
    if row is None:
        raise Http404
    return row


def inbox_years(user) -> list[int]:
    return list(
        Recipient.objects.for_user(user)
        .filter(document__year__isnull=False)
        .order_by("-document__year")
        .values_list("document__year", flat=True)
        .distinct()
    )


# --- attachments --------------------------------------------------------------------------------


def attachment_for_user(user, pk: int) -> Attachment:
    """An attachment the user may download: of a document they may read (sender's side or
    inbox), of a reply to such a document, or of a submission they may read."""
    attachment = (
        Attachment.objects.select_related("document", "reply__recipient", "submission")
        .filter(pk=pk)
        .first()
    )
    if attachment is None:
        raise Http404
    if attachment.document_id:
        doc = attachment.document
        if documents_visible_to(user).filter(pk=doc.pk).exists():
            return attachment
        if Recipient.objects.for_user(user).filter(document=doc).exists():
            return attachment
    elif attachment.reply_id:
        recipient = attachment.reply.recipient
        if documents_visible_to(user).filter(pk=recipient.document_id).exists():
            return attachment
        if Recipient.objects.for_user(user).filter(pk=recipient.pk).exists():
            return attachment
    elif attachment.submission_id:
        if submissions_visible_to(user).filter(pk=attachment.submission_id).exists():
            return attachment
    raise Http404


# --- submissions (收文) --------------------------------------------------------------------------


def submissions_visible_to(user) -> QuerySet[Submission]:
    if not user.is_authenticated or not user.is_active:
        return Submission.objects.none()
    if user.is_superuser:
        return Submission.objects.all()
    if not user.organization_id:
        return Submission.objects.none()
    if user.is_agency_staff:
        return Submission.objects.filter(agency_id=user.organization_id)
    return Submission.objects.filter(organization_id=user.organization_id)


def submissions_filtered(user, *, q: str = "", status: str = "", kind: str = "", mine=False):
    qs = submissions_visible_to(user).select_related(
        "organization", "project", "routed_to", "submitted_by"
    )
    text = (q or "").strip()
    if text:
        qs = qs.filter(
            Q(title__icontains=text)
            | Q(number__icontains=text)
            | Q(body__icontains=text)
            | Q(organization__name__icontains=text)
            | Q(project__name__icontains=text)
        )
    if status:
        qs = qs.filter(status=status)
    if kind:
        qs = qs.filter(kind=kind)
    if mine:
        qs = qs.filter(routed_to=user, status=SubmissionStatus.SUBMITTED)
    return qs.order_by("-submitted_at", "-id")


def submission_for_user(user, pk: int) -> Submission:
    submission = (
        submissions_visible_to(user)
        .select_related(
            "agency",
            "organization",
            "project",
            "dangerous_work",
            "routed_to",
            "submitted_by",
            "handled_by",
        )
        .filter(pk=pk)
        .first()
    )
    if submission is None:
        raise Http404
    return submission


def submissions_to_handle(user) -> QuerySet[Submission]:
    if not user.is_authenticated or not user.is_agency_staff:
        return Submission.objects.none()
    return (
        submissions_visible_to(user)
        .filter(routed_to=user, status=SubmissionStatus.SUBMITTED)
        .select_related("organization", "project")
    )


def rectification_inflow(user) -> dict:
    """The incoming rectification reports (整改回复) and resumption applications (复工申请)
    waiting for the commission: they are the rectification loop's own records, counted here so
    the 收文 page shows everything that came in."""
    from anjian.hazards.choices import HazardStatus, ResumptionStatus
    from anjian.hazards.models import Hazard, ResumptionApplication

    if not user.is_authenticated or not user.is_agency_staff:
        return {"replies": 0, "confirmed": 0, "resumptions": []}
    counts = dict(
        Hazard.objects.visible_to(user)
        .filter(status__in=[HazardStatus.REPLIED, HazardStatus.CONFIRMED])
        .order_by()
        .values_list("status")
        .annotate(n=Count("pk"))
    )
    resumptions = list(
        ResumptionApplication.objects.filter(
            status=ResumptionStatus.SUBMITTED,
            notice__project__in=_projects_of(user),
        )
        .select_related("notice__project")
        .order_by("created_at")[:20]
    )
    return {
        "replies": counts.get(HazardStatus.REPLIED, 0),
        "confirmed": counts.get(HazardStatus.CONFIRMED, 0),
        "resumptions": resumptions,
    }


def _projects_of(user):
    from anjian.projects.models import Project

    return Project.objects.visible_to(user).values("pk")


def inbox_has_unread(user) -> bool:
    return Recipient.objects.for_user(user).filter(read_at__isnull=True).exists()


def open_notices_for(user):
    """The contractor's notices still open: where a 整改报告 (reply) or a 复工申请 is made."""
    from anjian.hazards.choices import NoticeStatus
    from anjian.hazards.models import RectificationNotice

    if not user.is_authenticated or user.is_agency_staff:
        return RectificationNotice.objects.none()
    return (
        RectificationNotice.objects.filter(project__in=_projects_of(user))
        .filter(status__in=[NoticeStatus.ISSUED, NoticeStatus.RECEIVED])
        .select_related("project")
        .order_by("-issued_at")
    )
