"""Hazards, their timeline and photos; rectification notices, receipts, replies, resumption,
supervision letters."""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from anjian.accounts.models import Organization
from anjian.core.models import TimeStampedModel
from anjian.inspections.choices import GRADE_COLOURS, HazardGrade
from anjian.inspections.models import (
    Finding,
    Inspection,
    InspectionPhoto,
    MajorHazardClause,
    TemplateItem,
)
from anjian.projects.models import Project

from .choices import (
    AWAITING_CONTRACTOR,
    NOTICE_STATUS_COLOURS,
    OPEN_STATUSES,
    STATUS_COLOURS,
    HazardSource,
    HazardStatus,
    NoticeKind,
    NoticeStatus,
    PhotoKind,
    ResumptionStatus,
    ReviewMode,
)

User = settings.AUTH_USER_MODEL


class RectificationNotice(TimeStampedModel):
    """An enforcement document (执法文书): 整改通知书, 局部/全面停工整改通知书, 复工通知书."""

    agency = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="+")
    project = models.ForeignKey(Project, on_delete=models.PROTECT, related_name="notices")
    inspection = models.ForeignKey(
        Inspection, on_delete=models.PROTECT, null=True, blank=True, related_name="notices"
    )
    kind = models.CharField(_("type"), max_length=20, choices=NoticeKind.choices)
    number = models.CharField(_("number"), max_length=60, db_index=True)
    status = models.CharField(
        _("status"), max_length=20, choices=NoticeStatus.choices, default=NoticeStatus.ISSUED
    )
    issued_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    issued_at = models.DateTimeField(_("issued at"), default=timezone.now)
    deadline = models.DateTimeField(_("deadline"), null=True, blank=True)
    requirements = models.TextField(_("requirements"), blank=True)
    stop_scope = models.CharField(_("scope of the stop"), max_length=200, blank=True)
    resumes = models.ForeignKey(
        "self",
        verbose_name=_("resumes the stop notice"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="resumptions",
    )
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    verify_token = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)

    class Meta:
        verbose_name = _("rectification notice")
        verbose_name_plural = _("rectification notices")
        ordering = ["-issued_at", "-id"]
        indexes = [
            models.Index(fields=["project", "kind", "status"], name="notice_project_kind"),
            # Rankings count an agency's stop notices of a period (bench/RESULTS.md).
            models.Index(fields=["agency", "issued_at"], name="notice_agency_issued"),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} {self.number}"

    def get_absolute_url(self):
        return reverse("hazards:notice_detail", args=[self.pk])

    @property
    def is_stop(self) -> bool:
        return self.kind in (NoticeKind.PARTIAL_STOP, NoticeKind.FULL_STOP)

    @property
    def status_colour(self):
        return NOTICE_STATUS_COLOURS.get(self.status, "secondary")


class HazardQuerySet(models.QuerySet):
    def visible_to(self, user):
        """Hazards of the projects the user may see."""
        return self.filter(project__in=Project.objects.visible_to(user))

    def open(self):
        return self.filter(status__in=OPEN_STATUSES)

    def overdue(self, now=None):
        """Still owed by the contractor and past the deadline."""
        return self.filter(status__in=AWAITING_CONTRACTOR, deadline__lt=now or timezone.now())


class Hazard(TimeStampedModel):
    """A hazard found on a project, tracked until it is closed (销号) or withdrawn."""

    project = models.ForeignKey(Project, on_delete=models.PROTECT, related_name="hazards")
    agency = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="+")
    number = models.CharField(_("hazard number"), max_length=40, blank=True, db_index=True)
    source = models.CharField(
        _("source"), max_length=20, choices=HazardSource.choices, db_index=True
    )
    inspection = models.ForeignKey(
        Inspection, on_delete=models.SET_NULL, null=True, blank=True, related_name="hazards"
    )
    finding = models.OneToOneField(
        Finding, on_delete=models.SET_NULL, null=True, blank=True, related_name="hazard"
    )
    item = models.ForeignKey(
        TemplateItem, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    notice = models.ForeignKey(
        RectificationNotice,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="hazards",
    )
    description = models.TextField(_("description"))
    location = models.CharField(_("place on site"), max_length=120)
    category = models.CharField(_("category"), max_length=100, blank=True, db_index=True)
    dangerous_work = models.ForeignKey(
        "dangerous_works.DangerousWork",
        verbose_name=_("dangerous work"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="hazards",
    )
    grade = models.CharField(
        _("grade"),
        max_length=10,
        choices=HazardGrade.choices,
        default=HazardGrade.GENERAL,
        db_index=True,
    )
    major_clause = models.ForeignKey(
        MajorHazardClause,
        verbose_name=_("major-hazard clause"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="hazards",
    )
    responsible_org = models.ForeignKey(
        Organization,
        verbose_name=_("responsible unit"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="responsible_hazards",
    )
    responsible_person = models.CharField(_("responsible person"), max_length=40, blank=True)
    status = models.CharField(
        _("status"),
        max_length=20,
        choices=HazardStatus.choices,
        default=HazardStatus.ISSUED,
        db_index=True,
    )
    deadline = models.DateTimeField(_("deadline"), null=True, blank=True, db_index=True)
    found_at = models.DateTimeField(_("found at"), default=timezone.now, db_index=True)
    issued_at = models.DateTimeField(_("issued at"), null=True, blank=True)
    replied_at = models.DateTimeField(_("replied at"), null=True, blank=True)
    confirmed_at = models.DateTimeField(_("confirmed at"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True, db_index=True)
    withdrawn_at = models.DateTimeField(_("withdrawn at"), null=True, blank=True)
    reviewed_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    rejections = models.PositiveSmallIntegerField(_("times rejected"), default=0)
    # Overdue escalation (STYLE.md point 4): the rung reached and when the next one is due.
    escalation_level = models.PositiveSmallIntegerField(_("escalation level"), default=0)
    next_escalation_at = models.DateTimeField(null=True, blank=True, db_index=True)
    created_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    objects = HazardQuerySet.as_manager()

    class Meta:
        verbose_name = _("hazard")
        verbose_name_plural = _("hazards")
        ordering = ["-found_at", "-id"]
        indexes = [
            # Per project: open and overdue counts (project tabs, risk facts, the dashboards)
            # read the index alone. Measured at 1,000,000 hazards in bench/RESULTS.md.
            models.Index(fields=["project", "status", "deadline"], name="hazard_project_due"),
            models.Index(fields=["status", "deadline"], name="hazard_status_deadline"),
            # Open 重大 hazards (dashboards): grade and status together, not all 重大 ever found.
            models.Index(fields=["grade", "status"], name="hazard_grade_status"),
            # Rankings and the monthly statistics read an agency's hazards of a period; with
            # one agency per district, `agency` alone selects every row.
            models.Index(fields=["agency", "found_at"], name="hazard_agency_found"),
            models.Index(fields=["agency", "deadline"], name="hazard_agency_deadline"),
            models.Index(fields=["-found_at", "-id"], name="hazard_recent"),
            # The statistics' incremental refresh reads the hazards changed since its last run.
            models.Index(fields=["updated_at"], name="hazard_updated"),
            models.Index(
                fields=["next_escalation_at"],
                name="hazard_escalation_due",
                condition=Q(next_escalation_at__isnull=False),
            ),
        ]

    def __str__(self):
        return self.number or self.description[:30]

    def get_absolute_url(self):
        return reverse("hazards:detail", args=[self.pk])

    @property
    def status_colour(self):
        return STATUS_COLOURS.get(self.status, "secondary")

    @property
    def grade_colour(self):
        return GRADE_COLOURS.get(self.grade, "secondary")

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    def is_overdue(self, now=None) -> bool:
        return bool(
            self.status in AWAITING_CONTRACTOR
            and self.deadline
            and self.deadline < (now or timezone.now())
        )


class HazardEvent(models.Model):
    """One step on a hazard's timeline: type, from and to status, actor, time, comment."""

    class Type(models.TextChoices):
        CREATED = "created", _("Found")
        NOTICE_ISSUED = "notice_issued", _("Notice issued")
        NOTICE_RECEIVED = "notice_received", _("Notice received")
        REPLIED = "replied", _("Rectification reply")
        CONFIRMED = "confirmed", _("Confirmed by the supervising engineer")
        RETURNED = "returned", _("Returned by the supervising engineer")
        ACCEPTED = "accepted", _("Accepted and closed")
        REJECTED = "rejected", _("Rejected")
        WITHDRAWN = "withdrawn", _("Withdrawn")
        DISPUTED = "disputed", _("Disputed")
        UPHELD = "upheld", _("Dispute resolved: upheld")
        CANCELLED = "cancelled", _("Dispute resolved: withdrawn")
        REMINDED = "reminded", _("Deadline reminder")
        WARNED = "warned", _("Overdue warning")
        ESCALATED = "escalated", _("Escalated")
        LETTER = "letter", _("Supervision letter issued")
        RESUMED = "resumed", _("Work resumed")

    hazard = models.ForeignKey(Hazard, on_delete=models.CASCADE, related_name="events")
    type = models.CharField(max_length=30, choices=Type.choices)
    from_status = models.CharField(max_length=20, blank=True)
    to_status = models.CharField(max_length=20, blank=True)
    actor = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    at = models.DateTimeField(default=timezone.now, db_index=True)
    comment = models.TextField(blank=True)
    payload = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["at", "id"]
        indexes = [models.Index(fields=["hazard", "at"], name="hazard_event_timeline")]

    def __str__(self):
        return f"{self.get_type_display()} {self.at:%Y-%m-%d %H:%M}"


def hazard_photo_path(instance, filename):
    return f"hazards/{timezone.now():%Y/%m}/{uuid.uuid4().hex}{filename[filename.rfind('.') :]}"


class HazardPhoto(TimeStampedModel):
    """A before photo (from the inspection) or an after photo (from a reply)."""

    hazard = models.ForeignKey(Hazard, on_delete=models.CASCADE, related_name="photos")
    event = models.ForeignKey(
        HazardEvent, on_delete=models.SET_NULL, null=True, blank=True, related_name="photos"
    )
    kind = models.CharField(max_length=10, choices=PhotoKind.choices)
    inspection_photo = models.ForeignKey(
        InspectionPhoto, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    original = models.FileField(upload_to=hazard_photo_path, max_length=200)
    image = models.FileField(upload_to=hazard_photo_path, max_length=200)
    thumbnail = models.FileField(upload_to=hazard_photo_path, max_length=200)
    sha256 = models.CharField(max_length=64)
    taken_at = models.DateTimeField(null=True, blank=True)
    uploaded_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self):
        return f"{self.get_kind_display()} {self.sha256[:12]}"


class HazardReply(TimeStampedModel):
    """The contractor's rectification of one hazard: measures, person, completion date."""

    hazard = models.ForeignKey(Hazard, on_delete=models.CASCADE, related_name="replies")
    event = models.OneToOneField(HazardEvent, on_delete=models.PROTECT, related_name="reply")
    measures = models.TextField(_("measures taken"))
    responsible_person = models.CharField(_("person responsible"), max_length=40)
    completed_on = models.DateField(_("completion date"))
    replied_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self):
        return f"{self.hazard} 回复 {self.completed_on}"


def signature_path(instance, filename):
    return f"notice-signatures/{timezone.now():%Y/%m}/{uuid.uuid4().hex}.png"


class NoticeSignature(TimeStampedModel):
    """A receipt (送达回执) or a signature on the reply sheet (整改回复单) of a notice."""

    class Kind(models.TextChoices):
        RECEIPT = "receipt", _("Receipt")
        REPLY_PM = "reply_pm", _("Reply signed by the project manager")
        REPLY_ENGINEER = "reply_engineer", _("Reply signed by the chief supervising engineer")

    notice = models.ForeignKey(
        RectificationNotice, on_delete=models.CASCADE, related_name="signatures"
    )
    kind = models.CharField(max_length=20, choices=Kind.choices)
    user = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    name = models.CharField(max_length=40)
    role = models.CharField(max_length=40, blank=True)
    image = models.FileField(upload_to=signature_path, blank=True)
    signed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["signed_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["notice", "kind", "user"], name="notice_signature_once")
        ]

    def __str__(self):
        return f"{self.get_kind_display()} {self.name}"


class ResumptionApplication(TimeStampedModel):
    """The project's application to resume work after a stop notice (复工申请)."""

    notice = models.ForeignKey(
        RectificationNotice, on_delete=models.PROTECT, related_name="applications"
    )
    statement = models.TextField(_("rectification statement"))
    applied_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    status = models.CharField(
        max_length=20, choices=ResumptionStatus.choices, default=ResumptionStatus.SUBMITTED
    )
    review_mode = models.CharField(max_length=10, choices=ReviewMode.choices, blank=True)
    reviewed_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    reviewed_at = models.DateTimeField(null=True, blank=True)
    comment = models.TextField(blank=True)
    resume_notice = models.OneToOneField(
        RectificationNotice,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="application",
    )

    class Meta:
        ordering = ["-created_at"]

    def __str__(self):
        return f"复工申请 {self.notice.number}"


class SupervisionLetter(TimeStampedModel):
    """督办函: issued by the escalation ladder when a rectification stays overdue."""

    agency = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="+")
    project = models.ForeignKey(Project, on_delete=models.PROTECT, related_name="letters")
    hazard = models.ForeignKey(Hazard, on_delete=models.PROTECT, related_name="letters")
    number = models.CharField(max_length=60)
    addressed_to = models.ForeignKey(
        Organization, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    body = models.TextField()
    issued_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-issued_at"]
        constraints = [models.UniqueConstraint(fields=["hazard", "number"], name="letter_unique")]

    def __str__(self):
        return f"督办函 {self.number}"
