"""公文收发 API: the sender's documents (drafting, approval, sending, the tracking table, the
archive), the recipient's inbox (read, 签收, replies) and the submissions companies send to the
commission (收文).

Visibility is the pages': a document is read on the sender's side by its agency's staff (a
draft or one awaiting approval only by its drafter and the section chiefs and leaders);
companies read a document only through their inbox rows; a submission by the receiving agency
and the submitting organisation. Anything else is 404. Who may do what is decided by the
services (403 for a refused role, 400 for a business rule); where the API reads or decodes
input before calling a service it checks the caller's role first, so a refused caller gets 403
rather than a complaint about the input. Files travel as base64 in the JSON body
(`attachments: [{filename, content_base64}]`, at most 10 files; the whole request body is
limited to DATA_UPLOAD_MAX_MEMORY_SIZE, 20 MB, so about 15 MB of files per request).
"""

import base64
import binascii
import datetime
from typing import Annotated, Any

from django.db.models import Count, Prefetch, Q, prefetch_related_objects
from django.http import Http404
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status
from ninja.pagination import PageNumberPagination, paginate
from pydantic import AfterValidator

from anjian.accounts.choices import OrgKind
from anjian.accounts.models import Organization
from anjian.core.errors import DomainError
from anjian.core.errors import PermissionDenied as NotAllowed
from anjian.core.files import MAX_UPLOAD_BYTES
from anjian.core.markdown import render_markdown
from anjian.dangerous_works.models import DangerousWork
from anjian.projects.models import Project

from . import services as svc
from .models import (
    UNIT_CHOICES,
    Document,
    DocumentEvent,
    DocumentStatus,
    Recipient,
    Reply,
    Submission,
    SubmissionStatus,
)
from .selectors import (
    DocumentFilters,
    InboxFilters,
    archive_years,
    attachments_prefetch,
    document_for_user,
    documents_filtered,
    filter_tracking,
    inbox_for,
    recipient_for_user,
    submission_for_user,
    submissions_filtered,
    tracking_rows,
    tracking_summary,
)

router = Router(tags=["documents"])

# An id the database can hold (larger ones would overflow the query: 422 instead of a 500).
Id = Annotated[int, Field(ge=0, le=2**63 - 1)]
Year = Annotated[int, Field(ge=1, le=9999)]


def _no_nul(value: str) -> str:
    if "\x00" in value:
        raise ValueError("NUL characters are not allowed")
    return value


# Text the database can store (PostgreSQL refuses NUL characters: 422 instead of a 500).
Text = Annotated[str, AfterValidator(_no_nul)]
# A JSON body carries a file as base64 (4 characters for every 3 bytes).
MAX_BASE64_CHARS = (MAX_UPLOAD_BYTES + 2) // 3 * 4
ACTIONS = ("submit", "approve", "return", "withdraw", "close", "remind")
UNIT_LABELS = dict(UNIT_CHOICES)
# An inbox row's state in one word (see `_inbox_state`).
INBOX_STATES = {
    "unread": "未读",
    "unsigned": "待签收",
    "unreplied": "待回复",
    "done": "已办",
    "closed": "已办结",
    "withdrawn": "已撤回",
}
TRACKING_STATES = "unread | unsigned | unreplied | overdue | done"


def _name(user) -> str | None:
    return str(user) if user is not None else None


# --- output -----------------------------------------------------------------------------------


class AttachmentOut(Schema):
    id: int
    filename: str
    content_type: str
    size: int
    sha256: str
    created_at: datetime.datetime
    url: str = Field("", description="Download (the page URL, same visibility)")

    @staticmethod
    def resolve_url(obj):
        return reverse("documents:attachment", args=[obj.pk])


class ReplyOut(Schema):
    id: int
    recipient_id: int
    body: str
    by_id: int
    by_name: str | None = None
    at: datetime.datetime
    attachments: list[AttachmentOut] = []

    @staticmethod
    def resolve_by_name(obj):
        return _name(obj.by)

    @staticmethod
    def resolve_attachments(obj):
        return list(obj.attachments.all())


class DocumentOut(Schema):
    id: int
    agency_id: int
    number: str = Field(..., description="Given when sent (发文字号); '' before")
    title: str
    kind: str = Field(..., description="notice | bulletin | file | letter | supervision_letter")
    kind_label: str = Field(..., alias="get_kind_display")
    status: str = Field(..., description="draft | pending | sent | closed | withdrawn")
    status_label: str = Field(..., alias="get_status_display")
    project_id: int | None
    project_name: str | None = None
    year: int | None = Field(..., description="The year it was sent")
    created_by_id: int | None
    created_by_name: str | None = None
    created_at: datetime.datetime
    submitted_at: datetime.datetime | None
    sent_at: datetime.datetime | None
    closed_at: datetime.datetime | None
    withdrawn_at: datetime.datetime | None
    sign_required: bool = Field(..., description="签收 required")
    sign_deadline: datetime.datetime | None = Field(..., description="18:00 of the chosen day")
    reply_required: bool
    reply_deadline: datetime.datetime | None
    recipient_count: int = Field(..., description="Inboxes it was sent to")
    read_count: int = 0
    signed_count: int = 0
    replied_count: int = 0
    overdue_count: int = Field(0, description="Inboxes past a deadline without 签收 or reply")

    @staticmethod
    def resolve_project_name(obj):
        return obj.project.name if obj.project_id else None

    @staticmethod
    def resolve_created_by_name(obj):
        return _name(obj.created_by)


class EventOut(Schema):
    id: int
    action: str
    action_label: str = Field(..., alias="get_action_display")
    actor_id: int | None
    actor_name: str | None = None
    at: datetime.datetime
    comment: str
    payload: dict[str, Any]

    @staticmethod
    def resolve_actor_name(obj):
        return _name(obj.actor)


class DocumentDetailOut(DocumentOut):
    agency_name: str = Field(..., alias="agency.name")
    body: str = Field(..., description="Markdown")
    body_html: str = Field("", description="The text as cleaned HTML")
    audience: dict[str, Any] = Field(
        ..., description="Who receives it (see POST /documents); resolved when it is sent"
    )
    approved_by_id: int | None
    approved_by_name: str | None = None
    supervision_letter_id: int | None = Field(..., description="A 督办函 of the escalation")
    attachments: list[AttachmentOut] = []
    events: list[EventOut] = Field([], description="The document's timeline, oldest first")
    allowed_actions: list[str] = Field(
        [],
        description="What the caller may do now: edit (PATCH) and the actions of "
        "POST …/actions/{action}",
    )

    @staticmethod
    def resolve_body_html(obj):
        return str(render_markdown(obj.body))

    @staticmethod
    def resolve_approved_by_name(obj):
        return _name(obj.approved_by)

    @staticmethod
    def resolve_attachments(obj):
        return list(obj.attachments.all())

    @staticmethod
    def resolve_events(obj):
        return list(obj.events.all())

    @staticmethod
    def resolve_allowed_actions(obj, context):
        return svc.allowed_actions(context["request"].auth, obj)


class TrackingRowOut(Schema):
    id: int
    label: str = Field(..., description="The inbox: an organisation, or its team on a project")
    organization_id: int
    organization_name: str = Field(..., alias="organization.name")
    project_id: int | None
    project_name: str | None = None
    unit: str = Field(..., description="contractor | supervision | builder; '' for an org")
    unit_label: str = ""
    read_at: datetime.datetime | None
    read_by_id: int | None
    read_by_name: str | None = None
    signed_at: datetime.datetime | None
    signed_by_id: int | None
    signed_by_name: str | None = None
    replied_at: datetime.datetime | None
    replied_by_id: int | None
    replied_by_name: str | None = None
    sign_overdue: bool = False
    reply_overdue: bool = False
    reminders: int = Field(..., description="Reminders sent to this inbox")
    reminded_at: datetime.datetime | None
    replies: list[ReplyOut] = []

    @staticmethod
    def resolve_project_name(obj):
        return obj.project.name if obj.project_id else None

    @staticmethod
    def resolve_unit_label(obj):
        return UNIT_LABELS.get(obj.unit, "")

    @staticmethod
    def resolve_read_by_name(obj):
        return _name(obj.read_by)

    @staticmethod
    def resolve_signed_by_name(obj):
        return _name(obj.signed_by)

    @staticmethod
    def resolve_replied_by_name(obj):
        return _name(obj.replied_by)

    @staticmethod
    def resolve_sign_overdue(obj):
        return obj.sign_overdue()

    @staticmethod
    def resolve_reply_overdue(obj):
        return obj.reply_overdue()

    @staticmethod
    def resolve_replies(obj):
        return list(obj.replies.all())


class TrackingSummaryOut(Schema):
    total: int
    read: int
    signed: int
    replied: int
    sign_overdue: int
    reply_overdue: int


class TrackingOut(Schema):
    summary: TrackingSummaryOut = Field(..., description="Over every inbox, whatever the filter")
    items: list[TrackingRowOut]


class AudienceSummaryOut(Schema):
    inboxes: int = Field(..., description="Inboxes it would be sent to now")
    projects: int
    organizations: int


class ArchiveYearOut(Schema):
    year: int
    count: int = Field(..., description="Documents sent that year")


class InboxOut(Schema):
    id: int = Field(..., description="The inbox row (use it in /inbox/{recipient_id})")
    document_id: int
    agency_id: int = Field(..., alias="document.agency_id")
    agency_name: str = Field(..., alias="document.agency.name")
    number: str = Field(..., alias="document.number")
    title: str = Field(..., alias="document.title")
    kind: str = Field(..., alias="document.kind")
    kind_label: str = Field(..., alias="document.get_kind_display")
    status: str = Field(..., alias="document.status", description="sent | closed | withdrawn")
    status_label: str = Field(..., alias="document.get_status_display")
    sent_at: datetime.datetime | None = Field(..., alias="document.sent_at")
    sign_required: bool = Field(..., alias="document.sign_required")
    sign_deadline: datetime.datetime | None = Field(..., alias="document.sign_deadline")
    reply_required: bool = Field(..., alias="document.reply_required")
    reply_deadline: datetime.datetime | None = Field(..., alias="document.reply_deadline")
    label: str = Field(..., description="The inbox: your organisation, or its project team")
    organization_id: int
    project_id: int | None
    project_name: str | None = None
    read_at: datetime.datetime | None
    signed_at: datetime.datetime | None
    signed_by_name: str | None = None
    replied_at: datetime.datetime | None
    state: str = Field("", description=" | ".join(INBOX_STATES))
    state_label: str = ""
    sign_overdue: bool = False
    reply_overdue: bool = False

    @staticmethod
    def resolve_project_name(obj):
        return obj.project.name if obj.project_id else None

    @staticmethod
    def resolve_signed_by_name(obj):
        return _name(obj.signed_by)

    @staticmethod
    def resolve_state(obj):
        return _inbox_state(obj)

    @staticmethod
    def resolve_state_label(obj):
        return INBOX_STATES[_inbox_state(obj)]

    @staticmethod
    def resolve_sign_overdue(obj):
        return obj.sign_overdue()

    @staticmethod
    def resolve_reply_overdue(obj):
        return obj.reply_overdue()


class InboxDetailOut(InboxOut):
    body: str = Field(..., alias="document.body", description="Markdown")
    body_html: str = Field("", description="The text as cleaned HTML")
    document_project_id: int | None = Field(
        ..., alias="document.project_id", description="The project the document is about"
    )
    attachments: list[AttachmentOut] = Field([], description="The document's files")
    read_by_name: str | None = None
    replied_by_name: str | None = None
    replies: list[ReplyOut] = Field([], description="This inbox's replies, oldest first")
    can_sign: bool = Field(False, description="POST …/sign")
    can_reply: bool = Field(False, description="POST …/replies")

    @staticmethod
    def resolve_body_html(obj):
        return str(render_markdown(obj.document.body))

    @staticmethod
    def resolve_attachments(obj):
        return list(obj.document.attachments.all())

    @staticmethod
    def resolve_read_by_name(obj):
        return _name(obj.read_by)

    @staticmethod
    def resolve_replied_by_name(obj):
        return _name(obj.replied_by)

    @staticmethod
    def resolve_replies(obj):
        return list(obj.replies.all())

    @staticmethod
    def resolve_can_sign(obj):
        return obj.document.is_live and obj.signed_at is None

    @staticmethod
    def resolve_can_reply(obj):
        return obj.document.is_live


class SubmissionOut(Schema):
    id: int
    number: str = Field(..., description="Receipt number, given when acknowledged")
    kind: str = Field(
        ..., description="scheme_filing | report | application | reply_letter | other"
    )
    kind_label: str = Field(..., alias="get_kind_display")
    title: str
    status: str = Field(..., description="submitted | acknowledged | returned")
    status_label: str = Field(..., alias="get_status_display")
    agency_id: int
    agency_name: str = Field(..., alias="agency.name")
    organization_id: int
    organization_name: str = Field(..., alias="organization.name")
    project_id: int | None
    project_name: str | None = None
    dangerous_work_id: int | None
    submitted_by_id: int
    submitted_by_name: str | None = None
    submitted_at: datetime.datetime
    routed_to_id: int | None = Field(..., description="The supervisor who handles it")
    routed_to_name: str | None = None
    handled_at: datetime.datetime | None
    comment: str = Field(..., description="The opinion given when acknowledged or returned")

    @staticmethod
    def resolve_project_name(obj):
        return obj.project.name if obj.project_id else None

    @staticmethod
    def resolve_submitted_by_name(obj):
        return _name(obj.submitted_by)

    @staticmethod
    def resolve_routed_to_name(obj):
        return _name(obj.routed_to)


class SubmissionDetailOut(SubmissionOut):
    body: str
    dangerous_work_name: str | None = None
    handled_by_id: int | None
    handled_by_name: str | None = None
    attachments: list[AttachmentOut] = []
    can_handle: bool = Field(False, description="POST …/acknowledge and …/return")

    @staticmethod
    def resolve_dangerous_work_name(obj):
        return obj.dangerous_work.name if obj.dangerous_work_id else None

    @staticmethod
    def resolve_handled_by_name(obj):
        return _name(obj.handled_by)

    @staticmethod
    def resolve_attachments(obj):
        return list(obj.attachments.all())

    @staticmethod
    def resolve_can_handle(obj, context):
        return obj.status == SubmissionStatus.SUBMITTED and svc.may_handle(
            context["request"].auth, obj
        )


# --- input ------------------------------------------------------------------------------------


class FileIn(Schema):
    filename: Text = Field(..., description="With its extension: pdf, ofd, doc(x), xls(x), jpg…")
    content_base64: Text = Field(..., description="The file's bytes in base64 (or a data URL)")


class AudienceIn(Schema):
    all_projects: bool = Field(False, description="Every active project of the agency")
    streets: list[Id] = Field([], description="The active projects of these streets")
    projects: list[Id] = Field([], description="These projects (active or not)")
    units: list[Text] = Field(
        ["contractor"],
        description="Which team of each project: contractor | supervision | builder",
    )
    org_kinds: list[Text] = Field(
        [],
        description="Every organisation of these kinds taking part in an active project: "
        + " | ".join(svc.ORG_KINDS),
    )
    organizations: list[Id] = Field([], description="These organisations")
    all_groups: bool = Field(False, description="The group HQs of the active projects' companies")


class DocumentQuery(Schema):
    q: Text = Field("", description="Words in the number, title or text")
    kind: Text = ""
    status: Text = Field("", description="draft | pending | sent | closed | withdrawn")
    year: Year | None = None


class DocumentIn(Schema):
    kind: Text = Field(
        ..., description="notice（通知）| bulletin（通报）| file（文件）| letter（函）"
    )
    title: Text
    body: Text = Field("", description="Markdown")
    audience: AudienceIn = Field(default_factory=AudienceIn)
    sign_required: bool = True
    sign_deadline: datetime.date | None = Field(
        None, description="Sign by 18:00 of this day; default: the agency's working days"
    )
    reply_required: bool = False
    reply_deadline: datetime.date | None = Field(None, description="Required with a reply")
    project_id: Id | None = Field(None, description="The project the document is about")
    attachments: list[FileIn] = []


class DocumentPatch(Schema):
    kind: Text | None = None
    title: Text | None = None
    body: Text | None = None
    audience: AudienceIn | None = Field(None, description="Replaces the whole audience")
    sign_required: bool | None = None
    sign_deadline: datetime.date | None = None
    reply_required: bool | None = None
    reply_deadline: datetime.date | None = None
    project_id: Id | None = None
    attachments: list[FileIn] = Field([], description="Added to the draft's files")


class ActionIn(Schema):
    comment: Text = Field("", description="Required to return and to withdraw")


class InboxQuery(Schema):
    q: Text = Field("", description="Words in the number, title or text")
    state: Text = Field("", description="unread | unsigned | unreplied | overdue | done")
    kind: Text = ""
    year: Year | None = None


class ReplyIn(Schema):
    body: Text
    attachments: list[FileIn] = []


class SubmissionQuery(Schema):
    q: Text = Field("", description="Title, number, text, organisation or project")
    status: Text = Field("", description="submitted | acknowledged | returned")
    kind: Text = ""
    mine: bool = Field(False, description="Routed to me and still to handle")


class SubmissionIn(Schema):
    kind: Text = Field(
        ..., description="scheme_filing | report | application | reply_letter | other"
    )
    title: Text
    body: Text = ""
    project_id: Id | None = Field(None, description="Required for a 危大工程方案备案 (or the work)")
    dangerous_work_id: Id | None = Field(None, description="The work whose scheme is filed")
    agency_id: Id | None = Field(
        None, description="Without a project: the commission, when there is more than one"
    )
    attachments: list[FileIn] = []


class CommentIn(Schema):
    comment: Text = ""


# --- helpers ----------------------------------------------------------------------------------


class Pagination(PageNumberPagination):
    """Page numbers, bounded: an absurd page is a 422, not an overflow in the database."""

    class Input(PageNumberPagination.Input):
        page: int = Field(1, ge=1, le=1_000_000)


def _counts() -> dict:
    """Per document: inboxes read, signed, replied and past a deadline (one join, no N+1)."""
    now = timezone.now()
    overdue = Q(sign_required=True, sign_deadline__lt=now, recipients__signed_at__isnull=True) | Q(
        reply_required=True, reply_deadline__lt=now, recipients__replied_at__isnull=True
    )
    return {
        "read_count": Count("recipients", filter=Q(recipients__read_at__isnull=False)),
        "signed_count": Count("recipients", filter=Q(recipients__signed_at__isnull=False)),
        "replied_count": Count("recipients", filter=Q(recipients__replied_at__isnull=False)),
        "overdue_count": Count("recipients", filter=overdue),
    }


def _document(request, document_id: int) -> Document:
    """The document if the caller may read it on the sender's side (else 404)."""
    return document_for_user(request.auth, document_id)


def _document_detail(request, document_id: int) -> Document:
    document = _document(request, document_id)
    prefetch_related_objects(
        [document],
        attachments_prefetch(),
        Prefetch("events", queryset=DocumentEvent.objects.select_related("actor")),
    )
    for key, value in Document.objects.filter(pk=document.pk).aggregate(**_counts()).items():
        setattr(document, key, value)
    return document


def _may(user, document: Document, action: str) -> bool:
    """Whether the caller's role allows `action` at all (the state is the service's business):
    approving and returning are the approvers'; editing, submitting, withdrawing and closing
    the drafter's or an approver's; reminding any staff of the agency (who can see it)."""
    approver = svc.may_approve(user, document)
    if action in ("approve", "return"):
        return approver
    if action == "remind":
        return True
    return approver or document.created_by_id == user.pk


def _refuse_unless(user, document: Document, action: str):
    if not _may(user, document, action):
        raise NotAllowed(_("You may not do this to this document."))


def _decode(file: FileIn) -> tuple[str, bytes]:
    """(filename, bytes) from a base64 file; a bad encoding is a 400 with a message."""
    raw = (file.content_base64 or "").strip()
    if raw.startswith("data:"):
        _header, _sep, raw = raw.partition(",")
    raw = "".join(raw.split())
    if len(raw) > MAX_BASE64_CHARS:
        raise DomainError(_("The file is larger than 20 MB."), field="attachments")
    try:
        data = base64.b64decode(raw, validate=True)
    except (binascii.Error, ValueError):
        raise DomainError(
            _("The document could not be read: its content is not valid base64."),
            field="attachments",
        ) from None
    return file.filename or "", data


def _files(files: list[FileIn]) -> list[tuple[str, bytes]]:
    if len(files) > svc.MAX_ATTACHMENTS:
        raise DomainError(
            _("At most %(n)d attachments.") % {"n": svc.MAX_ATTACHMENTS}, field="attachments"
        )
    return [_decode(f) for f in files]


def _deadline(day: datetime.date | None) -> datetime.datetime | None:
    return svc.deadline_on(day) if day is not None else None


def _own_project(user, project_id: int | None) -> Project | None:
    """A project of the caller's agency that they may see; a 400 otherwise."""
    if project_id is None:
        return None
    project = Project.objects.visible_to(user).filter(pk=project_id).first()
    if project is None or (not user.is_superuser and project.agency_id != user.organization_id):
        raise DomainError(_("The project is not supervised by this agency."), field="project")
    return project


def _agency(user) -> Organization:
    """The caller's agency (staff only: 403 otherwise)."""
    if not user.is_agency_staff:
        raise NotAllowed(_("Only the commission's staff may do this."))
    org = user.organization
    if org is None or org.kind != OrgKind.AGENCY:
        raise DomainError(_("Your account does not belong to an agency."))
    return org


def _inbox_state(row: Recipient) -> str:
    doc = row.document
    if doc.status == DocumentStatus.WITHDRAWN:
        return "withdrawn"
    if row.read_at is None:
        return "unread"
    owes_sign = doc.sign_required and row.signed_at is None
    owes_reply = doc.reply_required and row.replied_at is None
    if not (owes_sign or owes_reply):
        return "done"
    if doc.status != DocumentStatus.SENT:
        return "closed"
    return "unsigned" if owes_sign else "unreplied"


def _replies_prefetch() -> Prefetch:
    return Prefetch(
        "replies",
        queryset=Reply.objects.select_related("by").prefetch_related(attachments_prefetch()),
    )


def _inbox_row(request, recipient_id: int) -> Recipient:
    """The caller's inbox row with the document's files and the row's replies (else 404)."""
    row = recipient_for_user(request.auth, recipient_id)
    prefetch_related_objects([row.document], attachments_prefetch())
    prefetch_related_objects([row], _replies_prefetch())
    return row


def _submission(request, submission_id: int) -> Submission:
    submission = submission_for_user(request.auth, submission_id)
    prefetch_related_objects([submission], attachments_prefetch())
    return submission


def _actions_description() -> str:
    return "\n".join(
        [
            "Move the document along; the detail's `allowed_actions` lists what the caller may "
            "do now. An unknown action is 404; a refused role 403; the wrong state 400.",
            "",
            "| action | what | who | comment |",
            "|---|---|---|---|",
            "| `submit` | 提交审批 (a section chief's or leader's own draft is sent at once) "
            "| the drafter, a section chief or leader | |",
            "| `approve` | 签发: numbered, resolved into inboxes, sent | section chief, leader "
            "| optional |",
            "| `return` | 退回修改 | section chief, leader | required |",
            "| `withdraw` | 撤回 (awaiting approval or sent) | the drafter, a section chief or "
            "leader | required |",
            "| `close` | 办结 (a sent document) | the drafter, a section chief or leader "
            "| optional |",
            "| `remind` | 催办: remind every inbox still owing a receipt or reply | the "
            "agency's staff | |",
        ]
    )


# --- the sender's side ------------------------------------------------------------------------


@router.get(
    "/documents",
    response=list[DocumentOut],
    summary="发文列表（起草、待审批、已发送、已办结、已撤回）",
    description="The caller's agency's documents, newest first, each with its deadlines and "
    "how many inboxes read, signed, replied and are overdue; filters: q, kind, status, year. "
    "Commission staff only (others get an empty list); a draft or one awaiting approval is "
    "listed for its drafter and the section chiefs and leaders.",
)
@paginate(Pagination)
def document_list(request, filters: Query[DocumentQuery]):
    qs = documents_filtered(
        request.auth,
        DocumentFilters(q=filters.q, kind=filters.kind, status=filters.status, year=filters.year),
    )
    return qs.annotate(**_counts())


@router.post(
    "/documents",
    response={201: DocumentDetailOut},
    summary="起草公文（草稿）",
    description="Draft a document of the caller's agency (supervisors, section chiefs, "
    "leaders): its type, title, Markdown text, audience, whether a receipt (签收) and a reply "
    "are required and by which day (18:00), the project it is about and attachments. Then "
    "POST …/actions/submit.",
)
def document_create(request, payload: DocumentIn):
    user = request.auth
    if not svc.may_draft(user):
        raise NotAllowed(_("Only commission staff draft official documents."))
    fields = {
        "kind": payload.kind,
        "title": payload.title,
        "body": payload.body,
        "audience": payload.audience.dict(),
        "sign_required": payload.sign_required,
        "sign_deadline": _deadline(payload.sign_deadline),
        "reply_required": payload.reply_required,
        "reply_deadline": _deadline(payload.reply_deadline),
        "project": _own_project(user, payload.project_id),
    }
    document = svc.document_save(by=user, fields=fields, files=_files(payload.attachments))
    return Status(201, _document_detail(request, document.pk))


@router.post(
    "/documents/audience-preview",
    response=AudienceSummaryOut,
    summary="预览收文范围（将发送到多少收件单位）",
    description="How many inboxes, projects and organisations an audience reaches today in "
    "the caller's agency, as the form shows before sending. Commission staff only.",
)
def audience_preview(request, payload: AudienceIn):
    return svc.audience_summary(_agency(request.auth), payload.dict())


@router.get(
    "/documents/archive",
    response=list[ArchiveYearOut],
    summary="发文归档（按年份）",
    description="The years documents were sent in, newest first, with how many; list a year "
    "with GET /documents?year=…",
)
def document_archive(request):
    return [{"year": year, "count": n} for year, n in archive_years(request.auth)]


@router.get(
    "/documents/{document_id}",
    response=DocumentDetailOut,
    summary="一份公文（正文、附件、流转记录、可办理操作）",
    description="The document with its text (Markdown and HTML), audience, attachments, "
    "timeline, counts of the inboxes that read, signed and replied, and what the caller may "
    "do now.",
)
def document_detail(request, document_id: Id):
    return _document_detail(request, document_id)


@router.patch(
    "/documents/{document_id}",
    response=DocumentDetailOut,
    summary="修改草稿",
    description="Change the fields given (the others stay); `attachments` are added. Only a "
    "draft (also one returned for changes), by its drafter or a section chief or leader.",
)
def document_update(request, document_id: Id, payload: DocumentPatch):
    user = request.auth
    document = _document(request, document_id)
    _refuse_unless(user, document, "edit")
    given = payload.dict(exclude_unset=True)
    fields = {
        "kind": document.kind,
        "title": document.title,
        "body": document.body,
        "audience": document.audience,
        "sign_required": document.sign_required,
        "sign_deadline": document.sign_deadline,
        "reply_required": document.reply_required,
        "reply_deadline": document.reply_deadline,
        "project": document.project,
    }
    for key in ("kind", "title", "body", "sign_required", "reply_required"):
        if given.get(key) is not None:
            fields[key] = given[key]
    if given.get("audience") is not None:
        fields["audience"] = given["audience"]
    for key in ("sign_deadline", "reply_deadline"):
        if key in given:
            fields[key] = _deadline(given[key])
    if "project_id" in given:
        fields["project"] = _own_project(user, given["project_id"])
    svc.document_save(by=user, document=document, fields=fields, files=_files(payload.attachments))
    return _document_detail(request, document_id)


@router.post(
    "/documents/{document_id}/actions/{action}",
    response=DocumentDetailOut,
    summary="办理：提交、签发、退回、撤回、办结、催办",
    description=_actions_description(),
)
def document_act(request, document_id: Id, action: str, payload: ActionIn):
    user = request.auth
    document = _document(request, document_id)
    if action not in ACTIONS:
        raise Http404
    _refuse_unless(user, document, action)
    comment = payload.comment
    if action == "submit":
        svc.document_submit(document=document, by=user)
    elif action == "approve":
        svc.document_approve(document=document, by=user, comment=comment)
    elif action == "return":
        svc.document_return(document=document, by=user, comment=comment)
    elif action == "withdraw":
        svc.document_withdraw(document=document, by=user, comment=comment)
    elif action == "close":
        svc.document_close(document=document, by=user, comment=comment)
    else:
        svc.document_remind(document=document, by=user)
    return _document_detail(request, document_id)


@router.get(
    "/documents/{document_id}/recipients",
    response=TrackingOut,
    summary="签收回复跟踪表",
    description="Every inbox the document was sent to: who read, signed (签收) and replied and "
    "when, overdue flags, reminders and the replies with their attachments; `state` narrows "
    f"the rows ({TRACKING_STATES}); the summary counts every inbox.",
)
def document_recipients(request, document_id: Id, state: Text = ""):
    document = _document(request, document_id)
    rows = tracking_rows(document)
    return {
        "summary": tracking_summary(document, rows),
        "items": filter_tracking(document, rows, state),
    }


# --- the recipient's side ---------------------------------------------------------------------


@router.get(
    "/inbox",
    response=list[InboxOut],
    summary="收到的公文（收件箱）",
    description="The documents sent to the caller's organisation and to its teams on the "
    "caller's projects, newest first, each with its state; filters: q, state (unread | "
    "unsigned | unreplied | overdue | done), kind, year. Companies only (commission staff "
    "get an empty list).",
)
@paginate(Pagination)
def inbox_list(request, filters: Query[InboxQuery]):
    return inbox_for(
        request.auth,
        InboxFilters(q=filters.q, state=filters.state, kind=filters.kind, year=filters.year),
    ).select_related("document__agency")


@router.get(
    "/inbox/{recipient_id}",
    response=InboxDetailOut,
    summary="阅读一份收到的公文（首次打开即记为已读）",
    description="The document with its text and files, this inbox's state and replies; the "
    "first time someone of the inbox opens it, it is recorded as read by them.",
)
def inbox_detail(request, recipient_id: Id):
    row = recipient_for_user(request.auth, recipient_id)
    svc.recipient_open(recipient=row, by=request.auth)
    return _inbox_row(request, recipient_id)


@router.post(
    "/inbox/{recipient_id}/sign",
    response=InboxDetailOut,
    summary="签收",
    description="Sign for the document on behalf of the inbox, once, while it is sent (not "
    "closed or withdrawn); who signed and when are recorded.",
)
def inbox_sign(request, recipient_id: Id):
    row = recipient_for_user(request.auth, recipient_id)
    svc.recipient_sign(recipient=row, by=request.auth)
    return _inbox_row(request, recipient_id)


@router.post(
    "/inbox/{recipient_id}/replies",
    response={201: ReplyOut},
    summary="回复（可附文件）",
    description="A written reply with attachments while the document is sent; it signs for "
    "the inbox too when nobody has yet. The sender is notified.",
)
def inbox_reply(request, recipient_id: Id, payload: ReplyIn):
    row = recipient_for_user(request.auth, recipient_id)
    reply = svc.recipient_reply(
        recipient=row, by=request.auth, body=payload.body, files=_files(payload.attachments)
    )
    prefetch_related_objects([reply], attachments_prefetch())
    return Status(201, reply)


@router.get(
    "/inbox/{recipient_id}/replies",
    response=list[ReplyOut],
    summary="本单位的回复",
    description="This inbox's replies to the document, oldest first, with their attachments.",
)
def inbox_replies(request, recipient_id: Id):
    return list(_inbox_row(request, recipient_id).replies.all())


# --- submissions (收文) -------------------------------------------------------------------------


@router.get(
    "/submissions",
    response=list[SubmissionOut],
    summary="报送文件（收文）列表",
    description="Commission staff: what companies sent to their agency; companies: what they "
    "sent. Newest first; filters: q, status, kind, mine (routed to me, still to handle).",
)
@paginate(Pagination)
def submission_list(request, filters: Query[SubmissionQuery]):
    return submissions_filtered(
        request.auth, q=filters.q, status=filters.status, kind=filters.kind, mine=filters.mine
    ).select_related("agency")


@router.post(
    "/submissions",
    response={201: SubmissionDetailOut},
    summary="向监督机构报送文件（方案备案、情况报告、申请、复函…）",
    description="A company or project team sends a document to the commission supervising the "
    "project; it is routed to the project's lead supervisor (else the section chief), who is "
    "notified. A 危大工程专项方案备案 names the dangerous work. Attach the file or write the text.",
)
def submission_create(request, payload: SubmissionIn):
    user = request.auth
    if user.is_agency_staff or not user.organization_id:
        raise NotAllowed(_("Only companies and project teams submit documents to the commission."))
    visible = Project.objects.visible_to(user)
    project = work = agency = None
    if payload.project_id is not None:
        project = visible.filter(pk=payload.project_id).first()
        if project is None:
            raise DomainError(_("Choose one of your projects."), field="project")
    if payload.dangerous_work_id is not None:
        work = (
            DangerousWork.objects.filter(pk=payload.dangerous_work_id, project__in=visible)
            .select_related("project")
            .first()
        )
        if work is None:
            raise DomainError(
                _("Choose one of your projects' dangerous works."), field="dangerous_work"
            )
    if payload.agency_id is not None:
        agency = Organization.objects.filter(pk=payload.agency_id, kind=OrgKind.AGENCY).first()
        if agency is None:
            raise DomainError(_("Choose the project the document is about."), field="project")
    submission = svc.submission_create(
        by=user,
        fields={
            "kind": payload.kind,
            "title": payload.title,
            "body": payload.body,
            "project": project,
            "dangerous_work": work,
            "agency": agency,
        },
        files=_files(payload.attachments),
    )
    return Status(201, _submission(request, submission.pk))


@router.get(
    "/submissions/{submission_id}",
    response=SubmissionDetailOut,
    summary="一份报送文件",
    description="The submission with its text, attachments, routing and handling, and whether "
    "the caller may handle it now.",
)
def submission_detail(request, submission_id: Id):
    return _submission(request, submission_id)


@router.post(
    "/submissions/{submission_id}/acknowledge",
    response=SubmissionDetailOut,
    summary="受理（给收文编号）",
    description="The supervisor it was routed to, a section chief or leader acknowledges the "
    "submission: it gets a receipt number and the submitter is told.",
)
def submission_acknowledge(request, submission_id: Id, payload: CommentIn):
    submission = _submission(request, submission_id)
    svc.submission_acknowledge(submission=submission, by=request.auth, comment=payload.comment)
    return _submission(request, submission_id)


@router.post(
    "/submissions/{submission_id}/return",
    response=SubmissionDetailOut,
    summary="退回（说明原因）",
    description="The supervisor it was routed to, a section chief or leader returns the "
    "submission with the reason (required); the submitter may submit again.",
)
def submission_return(request, submission_id: Id, payload: CommentIn):
    submission = _submission(request, submission_id)
    svc.submission_return(submission=submission, by=request.auth, comment=payload.comment)
    return _submission(request, submission_id)
