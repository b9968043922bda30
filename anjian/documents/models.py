"""公文收发: outgoing documents with their recipients, receipts and replies; incoming submissions.

A `Document` is drafted by commission staff, approved by the section chief (or leader) and sent:
sending fixes its number and turns its audience (all active projects, streets, named projects,
company types, named organisations, group HQs) into `Recipient` rows, one per inbox. An inbox is
an organisation, or an organisation's team on one project (项目部). A recipient's state is read →
signed (签收) → replied; who did each and when is recorded. `Submission` is the other direction:
a company sends a document to the commission, routed to the responsible supervisor (收文).
"""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from anjian.accounts.models import Organization
from anjian.core.models import ChangeLoggedModel, TimeStampedModel
from anjian.projects.models import Project

User = settings.AUTH_USER_MODEL


class DocumentKind(models.TextChoices):
    NOTICE = "notice", "通知"
    BULLETIN = "bulletin", "通报"
    FILE = "file", "文件"
    LETTER = "letter", "函"
    SUPERVISION_LETTER = "supervision_letter", "督办函"


# Kinds a person may draft; 督办函 are issued by the escalation ladder.
DRAFTABLE_KINDS = [
    (value, label)
    for value, label in DocumentKind.choices
    if value != DocumentKind.SUPERVISION_LETTER
]


class DocumentStatus(models.TextChoices):
    DRAFT = "draft", "草稿"
    PENDING = "pending", "待审批"
    SENT = "sent", "已发送"
    CLOSED = "closed", "已办结"
    WITHDRAWN = "withdrawn", "已撤回"


STATUS_COLOURS = {
    DocumentStatus.DRAFT: "secondary",
    DocumentStatus.PENDING: "warning",
    DocumentStatus.SENT: "primary",
    DocumentStatus.CLOSED: "success",
    DocumentStatus.WITHDRAWN: "dark",
}

# The project units a project-addressed document reaches (项目部 of each).
UNIT_CHOICES = [
    ("contractor", "施工单位项目部"),
    ("supervision", "监理单位项目部"),
    ("builder", "建设单位"),
]


class Document(ChangeLoggedModel):
    """An outgoing official document (发文) of an agency."""

    agency = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(_("type"), max_length=20, choices=DocumentKind.choices)
    number = models.CharField(_("document number"), max_length=60, blank=True, db_index=True)
    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(_("text"), blank=True, help_text=_("Markdown"))
    status = models.CharField(
        _("status"),
        max_length=12,
        choices=DocumentStatus.choices,
        default=DocumentStatus.DRAFT,
        db_index=True,
    )
    # Who receives it: see services.resolve_audience for the keys.
    audience = models.JSONField(_("recipients"), default=dict, blank=True)
    sign_required = models.BooleanField(_("receipt (签收) required"), default=True)
    sign_deadline = models.DateTimeField(_("sign by"), null=True, blank=True)
    reply_required = models.BooleanField(_("reply required"), default=False)
    reply_deadline = models.DateTimeField(_("reply by"), null=True, blank=True)
    project = models.ForeignKey(
        Project,
        verbose_name=_("project"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="documents",
        help_text=_("The project the document is about, if one."),
    )
    supervision_letter = models.OneToOneField(
        "hazards.SupervisionLetter",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="document",
    )
    created_by = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    submitted_at = models.DateTimeField(null=True, blank=True)
    approved_by = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True, db_index=True)
    year = models.PositiveSmallIntegerField(_("year"), null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    withdrawn_at = models.DateTimeField(null=True, blank=True)
    recipient_count = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("official document")
        verbose_name_plural = _("official documents")
        ordering = [models.F("sent_at").desc(nulls_last=True), "-created_at", "-id"]
        indexes = [
            models.Index(fields=["agency", "status", "year"], name="document_agency_status"),
        ]

    def __str__(self):
        return f"{self.number} {self.title}" if self.number else self.title

    def get_absolute_url(self):
        return reverse("documents:detail", args=[self.pk])

    @property
    def status_colour(self) -> str:
        return STATUS_COLOURS.get(self.status, "secondary")

    @property
    def is_live(self) -> bool:
        """Sent and not closed or withdrawn: recipients may sign and reply."""
        return self.status == DocumentStatus.SENT


class DocumentEvent(models.Model):
    """One step in a document's life: drafted, submitted, returned, sent, reminded, closed…"""

    class Action(models.TextChoices):
        CREATED = "created", "起草"
        EDITED = "edited", "修改"
        SUBMITTED = "submitted", "提交审批"
        RETURNED = "returned", "退回修改"
        SENT = "sent", "签发"
        REMINDED = "reminded", "催办"
        AUTO_REMINDED = "auto_reminded", "自动提醒"
        OVERDUE = "overdue", "逾期"
        WITHDRAWN = "withdrawn", "撤回"
        CLOSED = "closed", "办结"

    document = models.ForeignKey(Document, on_delete=models.CASCADE, related_name="events")
    action = models.CharField(max_length=20, choices=Action.choices)
    actor = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    at = models.DateTimeField(default=timezone.now)
    comment = models.TextField(blank=True)
    payload = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["at", "id"]

    def __str__(self):
        return f"{self.get_action_display()} {self.at:%Y-%m-%d %H:%M}"


class RecipientQuerySet(models.QuerySet):
    def for_user(self, user):
        """The inbox rows `user` may act on: their organisation's; of its project teams only
        those of projects they are a member of. Company staff on no project (the office) see
        every row of their organisation — they act for project teams without accounts."""
        if not user.is_authenticated or not user.is_active or user.is_agency_staff:
            return self.none()
        if not user.organization_id:
            return self.none()
        qs = self.filter(organization_id=user.organization_id)
        member_of = getattr(user, "_document_member_of", None)
        if member_of is None:
            member_of = list(
                user.project_memberships.filter(is_active=True).values_list("project_id", flat=True)
            )
            user._document_member_of = member_of
        if member_of:
            qs = qs.filter(Q(project__isnull=True) | Q(project_id__in=member_of))
        return qs.exclude(document__status__in=[DocumentStatus.DRAFT, DocumentStatus.PENDING])


class Recipient(models.Model):
    """One inbox a document was sent to, with its read, receipt and reply state."""

    document = models.ForeignKey(Document, on_delete=models.CASCADE, related_name="recipients")
    organization = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="+")
    project = models.ForeignKey(
        Project, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    unit = models.CharField(max_length=20, blank=True)
    read_at = models.DateTimeField(null=True, blank=True)
    read_by = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    signed_at = models.DateTimeField(null=True, blank=True)
    signed_by = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    replied_at = models.DateTimeField(null=True, blank=True)
    replied_by = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    reminded_at = models.DateTimeField(null=True, blank=True)
    reminders = models.PositiveSmallIntegerField(default=0)

    objects = RecipientQuerySet.as_manager()

    class Meta:
        ordering = ["document", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["document", "organization"],
                condition=Q(project__isnull=True),
                name="recipient_unique_org",
            ),
            models.UniqueConstraint(
                fields=["document", "organization", "project"],
                condition=Q(project__isnull=False),
                name="recipient_unique_project",
            ),
        ]
        indexes = [models.Index(fields=["organization", "project"], name="recipient_inbox")]

    def __str__(self):
        return f"{self.label} ← {self.document}"

    def get_absolute_url(self):
        return reverse("documents:inbox_detail", args=[self.pk])

    @property
    def label(self) -> str:
        if self.project_id:
            return f"{self.project.name}（{self.organization.short_name or self.organization}）"
        return str(self.organization)

    def sign_overdue(self, now=None) -> bool:
        doc = self.document
        now = now or timezone.now()
        return bool(
            doc.status == DocumentStatus.SENT
            and doc.sign_required
            and doc.sign_deadline
            and not self.signed_at
            and doc.sign_deadline < now
        )

    def reply_overdue(self, now=None) -> bool:
        doc = self.document
        now = now or timezone.now()
        return bool(
            doc.status == DocumentStatus.SENT
            and doc.reply_required
            and doc.reply_deadline
            and not self.replied_at
            and doc.reply_deadline < now
        )


class Reply(models.Model):
    """A recipient's written reply (回复), with attachments."""

    recipient = models.ForeignKey(Recipient, on_delete=models.CASCADE, related_name="replies")
    body = models.TextField(_("reply"))
    by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["at", "id"]

    def __str__(self):
        return f"{self.recipient} {self.at:%Y-%m-%d}"


class SubmissionKind(models.TextChoices):
    SCHEME_FILING = "scheme_filing", "危大工程专项方案备案"
    REPORT = "report", "情况报告"
    APPLICATION = "application", "申请"
    REPLY_LETTER = "reply_letter", "复函"
    OTHER = "other", "其他"


class SubmissionStatus(models.TextChoices):
    SUBMITTED = "submitted", "待受理"
    ACKNOWLEDGED = "acknowledged", "已受理"
    RETURNED = "returned", "已退回"


class Submission(ChangeLoggedModel):
    """A document a company or project team sends to the commission (收文)."""

    agency = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(_("type"), max_length=20, choices=SubmissionKind.choices)
    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(_("text"), blank=True)
    organization = models.ForeignKey(
        Organization, verbose_name=_("from"), on_delete=models.PROTECT, related_name="+"
    )
    project = models.ForeignKey(
        Project,
        verbose_name=_("project"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="submissions",
    )
    dangerous_work = models.ForeignKey(
        "dangerous_works.DangerousWork",
        verbose_name=_("dangerous work"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="filings",
    )
    status = models.CharField(
        _("status"),
        max_length=12,
        choices=SubmissionStatus.choices,
        default=SubmissionStatus.SUBMITTED,
        db_index=True,
    )
    number = models.CharField(_("receipt number"), max_length=60, blank=True, db_index=True)
    submitted_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    submitted_at = models.DateTimeField(_("submitted at"), default=timezone.now, db_index=True)
    routed_to = models.ForeignKey(
        User,
        verbose_name=_("handled by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    handled_by = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    handled_at = models.DateTimeField(null=True, blank=True)
    comment = models.TextField(_("opinion"), blank=True)

    class Meta:
        verbose_name = _("submission")
        verbose_name_plural = _("submissions")
        ordering = ["-submitted_at", "-id"]

    def __str__(self):
        return f"{self.get_kind_display()} {self.title}"

    def get_absolute_url(self):
        return reverse("documents:submission_detail", args=[self.pk])


def attachment_path(instance, filename):
    ext = filename.rsplit(".", 1)[-1].lower() if "." in filename else "bin"
    return f"documents/{timezone.now():%Y/%m}/{uuid.uuid4().hex}.{ext}"


class Attachment(TimeStampedModel):
    """A file of a document, a reply or a submission (exactly one of them)."""

    document = models.ForeignKey(
        Document, on_delete=models.CASCADE, null=True, blank=True, related_name="attachments"
    )
    reply = models.ForeignKey(
        Reply, on_delete=models.CASCADE, null=True, blank=True, related_name="attachments"
    )
    submission = models.ForeignKey(
        Submission, on_delete=models.CASCADE, null=True, blank=True, related_name="attachments"
    )
    file = models.FileField(upload_to=attachment_path, max_length=200)
    filename = models.CharField(max_length=200)
    content_type = models.CharField(max_length=100, blank=True)
    size = models.PositiveIntegerField(default=0)
    sha256 = models.CharField(max_length=64)
    uploaded_by = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(document__isnull=False, reply__isnull=True, submission__isnull=True)
                    | Q(document__isnull=True, reply__isnull=False, submission__isnull=True)
                    | Q(document__isnull=True, reply__isnull=True, submission__isnull=False)
                ),
                name="attachment_has_one_owner",
            )
        ]

    def __str__(self):
        return self.filename

    def get_absolute_url(self):
        return reverse("documents:attachment", args=[self.pk])


__all__ = [
    "Attachment",
    "Document",
    "DocumentEvent",
    "DocumentKind",
    "DocumentStatus",
    "Recipient",
    "Reply",
    "Submission",
    "SubmissionKind",
    "SubmissionStatus",
]
