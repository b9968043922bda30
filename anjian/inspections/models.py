"""Checklist templates, supervision plans, inspections, answers, photos, findings, signatures."""

import uuid
from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from anjian.accounts.models import Organization
from anjian.core.models import ChangeLoggedModel, TimeStampedModel
from anjian.projects.models import Project

from .choices import (
    GRADE_COLOURS,
    RESULT_COLOURS,
    STATUS_COLOURS,
    VISIT_COLOURS,
    AnswerResult,
    HazardGrade,
    InspectionSource,
    InspectionStatus,
    InspectionType,
    ItemKind,
    PlanStatus,
    SignerRole,
    TemplateKind,
    TemplateStatus,
    VisitStatus,
)

User = settings.AUTH_USER_MODEL


class MajorHazardClause(ChangeLoggedModel):
    """A clause of the 重大事故隐患判定标准 (2024: 53 clauses); 重大 hazards must cite one."""

    code = models.CharField(_("code"), max_length=20, unique=True)
    label = models.CharField(_("article"), max_length=20)
    article = models.PositiveSmallIntegerField(_("article number"))
    item = models.PositiveSmallIntegerField(_("item number"), null=True, blank=True)
    category = models.CharField(_("category"), max_length=40)
    text = models.TextField(_("text"))
    doc = models.CharField(_("source document"), max_length=40, default="MAJOR_HAZARD_2024")
    is_active = models.BooleanField(_("in force"), default=True)

    class Meta:
        verbose_name = _("major-hazard clause")
        verbose_name_plural = _("major-hazard clauses")
        ordering = ["article", "item"]

    def __str__(self):
        return f"{self.label} {self.text[:30]}"


class ChecklistTemplateQuerySet(models.QuerySet):
    def published(self):
        return self.filter(status=TemplateStatus.PUBLISHED)

    def usable_by(self, user):
        """Published templates anyone signed in may inspect with."""
        if not user.is_authenticated:
            return self.none()
        return self.published()


class ChecklistTemplate(ChangeLoggedModel):
    """A versioned checklist: sections of items. Inspections keep the version they used."""

    key = models.SlugField(_("key"), max_length=40, help_text=_("Stable across versions."))
    version = models.PositiveIntegerField(_("version"), default=1)
    name = models.CharField(_("name"), max_length=100)
    kind = models.CharField(_("type"), max_length=20, choices=TemplateKind.choices)
    status = models.CharField(
        _("status"), max_length=20, choices=TemplateStatus.choices, default=TemplateStatus.DRAFT
    )
    description = models.TextField(_("description"), blank=True)
    basis = models.CharField(_("basis (standard)"), max_length=120, blank=True)
    owner = models.ForeignKey(
        Organization,
        verbose_name=_("owner agency"),
        on_delete=models.PROTECT,
        related_name="checklist_templates",
    )
    summary_weights = models.JSONField(
        _("summary weights"),
        default=dict,
        blank=True,
        help_text=_("JGJ59 汇总表: category code → weight."),
    )
    published_at = models.DateTimeField(_("published at"), null=True, blank=True)
    previous = models.ForeignKey(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    objects = ChecklistTemplateQuerySet.as_manager()

    class Meta:
        verbose_name = _("checklist template")
        verbose_name_plural = _("checklist templates")
        ordering = ["key", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["key", "version"], name="template_key_version"),
            models.UniqueConstraint(
                fields=["key"],
                condition=Q(status="published"),
                name="template_one_published_version",
            ),
        ]

    def __str__(self):
        return f"{self.name} v{self.version}"

    def get_absolute_url(self):
        return reverse("inspections:template_detail", args=[self.pk])

    @property
    def is_scored(self) -> bool:
        return self.kind == TemplateKind.SCORED

    @property
    def is_editable(self) -> bool:
        """Only drafts change; a published template is edited through a new version."""
        return self.status == TemplateStatus.DRAFT


class TemplateSection(models.Model):
    """A section of a template (a JGJ59 分项检查评分表, or a group of checklist items)."""

    template = models.ForeignKey(
        ChecklistTemplate, on_delete=models.CASCADE, related_name="sections"
    )
    code = models.CharField(_("code"), max_length=20)
    title = models.CharField(_("title"), max_length=100)
    category = models.CharField(
        _("summary category"),
        max_length=20,
        blank=True,
        help_text=_("JGJ59 汇总表 category (MANAGE, CIVIL, SCAFFOLD, …)."),
    )
    has_guarantee_split = models.BooleanField(_("guarantee/general split"), default=False)
    order = models.PositiveIntegerField(_("order"), default=0)

    class Meta:
        verbose_name = _("template section")
        verbose_name_plural = _("template sections")
        ordering = ["template", "order", "id"]

    def __str__(self):
        return f"{self.code} {self.title}"


class TemplateItem(models.Model):
    """One check item: text, basis, kind, points, 保证项目 flag, deduction lines, defaults."""

    section = models.ForeignKey(TemplateSection, on_delete=models.CASCADE, related_name="items")
    code = models.CharField(_("code"), max_length=30)
    text = models.TextField(_("check item"))
    clause = models.CharField(_("basis clause"), max_length=120, blank=True)
    kind = models.CharField(_("kind"), max_length=20, choices=ItemKind.choices)
    points = models.DecimalField(_("points"), max_digits=5, decimal_places=2, default=Decimal("0"))
    is_guarantee = models.BooleanField(_("guarantee item"), default=False)
    deduction_lines = models.JSONField(
        _("deduction lines"),
        default=list,
        blank=True,
        help_text=_("[{kind: fixed|range|per_occurrence, text, min, max, per}]"),
    )
    photo_required = models.BooleanField(_("photo required when non-compliant"), default=True)
    default_grade = models.CharField(
        _("default hazard grade"),
        max_length=10,
        choices=HazardGrade.choices,
        default=HazardGrade.GENERAL,
    )
    major_clause = models.ForeignKey(
        MajorHazardClause,
        verbose_name=_("major-hazard clause"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    order = models.PositiveIntegerField(_("order"), default=0)

    class Meta:
        verbose_name = _("template item")
        verbose_name_plural = _("template items")
        ordering = ["section", "order", "id"]

    def __str__(self):
        return f"{self.code} {self.text[:40]}"

    @property
    def is_scored(self) -> bool:
        return self.kind == ItemKind.SCORED


class SupervisionPlan(ChangeLoggedModel):
    """An agency's monthly supervision plan (监督计划)."""

    agency = models.ForeignKey(
        Organization, on_delete=models.PROTECT, related_name="supervision_plans"
    )
    month = models.DateField(_("month"), help_text=_("The first day of the month."))
    title = models.CharField(_("title"), max_length=100)
    status = models.CharField(
        _("status"), max_length=20, choices=PlanStatus.choices, default=PlanStatus.DRAFT
    )
    note = models.TextField(_("note"), blank=True)
    created_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = _("supervision plan")
        verbose_name_plural = _("supervision plans")
        ordering = ["-month"]
        constraints = [
            models.UniqueConstraint(fields=["agency", "month"], name="plan_one_per_month")
        ]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return reverse("inspections:plan_detail", args=[self.pk])


class RandomDraw(ChangeLoggedModel):
    """A 双随机 draw: its seed, inputs and result are stored so anyone can reproduce it."""

    agency = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="+")
    plan = models.ForeignKey(
        SupervisionPlan, on_delete=models.SET_NULL, null=True, blank=True, related_name="draws"
    )
    seed = models.CharField(_("seed"), max_length=64)
    inputs = models.JSONField(_("inputs"))
    result = models.JSONField(_("result"))
    algorithm = models.CharField(_("algorithm"), max_length=40, default="python-random-v1")
    drawn_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = _("random draw")
        verbose_name_plural = _("random draws")
        ordering = ["-created_at"]

    def __str__(self):
        return f"双随机 {self.created_at:%Y-%m-%d %H:%M} ({self.seed})"


class PlannedVisit(ChangeLoggedModel):
    """A visit in a plan: project, date, type, at least two inspectors, templates."""

    plan = models.ForeignKey(SupervisionPlan, on_delete=models.CASCADE, related_name="visits")
    project = models.ForeignKey(Project, on_delete=models.PROTECT, related_name="planned_visits")
    date = models.DateField(_("date"), db_index=True)
    inspection_type = models.CharField(
        _("inspection type"),
        max_length=20,
        choices=InspectionType.choices,
        default=InspectionType.ROUTINE,
    )
    inspectors = models.ManyToManyField(User, verbose_name=_("inspectors"), related_name="visits")
    templates = models.ManyToManyField(
        ChecklistTemplate, verbose_name=_("checklists"), blank=True, related_name="+"
    )
    status = models.CharField(
        _("status"), max_length=20, choices=VisitStatus.choices, default=VisitStatus.PLANNED
    )
    draw = models.ForeignKey(
        RandomDraw, on_delete=models.SET_NULL, null=True, blank=True, related_name="visits"
    )
    note = models.CharField(_("note"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("planned visit")
        verbose_name_plural = _("planned visits")
        ordering = ["date", "id"]
        indexes = [models.Index(fields=["project", "date"], name="visit_project_date")]

    def __str__(self):
        return f"{self.date:%m-%d} {self.project}"

    def changelog_parent(self):
        return self.plan

    @property
    def status_colour(self):
        return VISIT_COLOURS.get(self.status, "secondary")


class InspectionQuerySet(models.QuerySet):
    def visible_to(self, user):
        """Inspections of the projects the user may see; drafts only for their inspectors
        and agency staff (a company sees a supervision record once it is finished)."""
        projects = Project.objects.visible_to(user)
        qs = self.filter(project__in=projects)
        if user.is_authenticated and not user.is_agency_staff:
            qs = qs.filter(
                Q(status=InspectionStatus.FINISHED)
                | Q(source=InspectionSource.SELF)
                | Q(inspectors=user)
            ).distinct()
        return qs


class Inspection(ChangeLoggedModel):
    """One inspection of one project with one checklist version; ends as a signed record."""

    project = models.ForeignKey(Project, on_delete=models.PROTECT, related_name="inspections")
    agency = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="+")
    template = models.ForeignKey(
        ChecklistTemplate, on_delete=models.PROTECT, related_name="inspections"
    )
    visit = models.ForeignKey(
        PlannedVisit,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="inspections",
    )
    number = models.CharField(_("record number"), max_length=60, blank=True, db_index=True)
    inspection_type = models.CharField(
        _("inspection type"),
        max_length=20,
        choices=InspectionType.choices,
        default=InspectionType.ROUTINE,
    )
    source = models.CharField(
        _("source"),
        max_length=20,
        choices=InspectionSource.choices,
        default=InspectionSource.SUPERVISION,
        db_index=True,
    )
    status = models.CharField(
        _("status"),
        max_length=20,
        choices=InspectionStatus.choices,
        default=InspectionStatus.IN_PROGRESS,
        db_index=True,
    )
    inspectors = models.ManyToManyField(
        User, verbose_name=_("inspectors"), related_name="inspections"
    )
    created_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    started_at = models.DateTimeField(_("started at"), default=timezone.now)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True, db_index=True)
    latitude = models.DecimalField(max_digits=9, decimal_places=6, null=True, blank=True)
    longitude = models.DecimalField(max_digits=9, decimal_places=6, null=True, blank=True)
    location_accuracy = models.FloatField(null=True, blank=True)
    site_situation = models.TextField(_("site situation"), blank=True)
    conclusion = models.TextField(_("conclusion and requirements"), blank=True)
    score = models.DecimalField(_("score"), max_digits=6, decimal_places=2, null=True, blank=True)
    grade = models.CharField(_("grade"), max_length=20, blank=True)
    score_detail = models.JSONField(_("score detail"), default=dict, blank=True)
    content_hash = models.CharField(_("content hash"), max_length=64, blank=True)
    verify_token = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)

    objects = InspectionQuerySet.as_manager()

    class Meta:
        verbose_name = _("inspection")
        verbose_name_plural = _("inspections")
        ordering = ["-started_at", "-id"]
        indexes = [
            models.Index(fields=["project", "-started_at"], name="inspection_project_recent"),
            models.Index(fields=["agency", "finished_at"], name="inspection_agency_finished"),
        ]

    def __str__(self):
        return self.number or f"{self.template.name}（{self.project}）"

    def get_absolute_url(self):
        return reverse("inspections:detail", args=[self.pk])

    @property
    def is_open(self) -> bool:
        return self.status == InspectionStatus.IN_PROGRESS

    @property
    def status_colour(self):
        return STATUS_COLOURS.get(self.status, "secondary")

    @property
    def grade_label(self) -> str:
        from .scoring import GRADE_LABELS

        return GRADE_LABELS.get(self.grade, "")


class InspectionAnswer(models.Model):
    """The answer to one item: result, deduction (scored items), note."""

    inspection = models.ForeignKey(Inspection, on_delete=models.CASCADE, related_name="answers")
    item = models.ForeignKey(TemplateItem, on_delete=models.PROTECT, related_name="+")
    result = models.CharField(
        _("result"), max_length=20, choices=AnswerResult.choices, blank=True, default=""
    )
    deduction = models.DecimalField(
        _("deduction"), max_digits=5, decimal_places=2, default=Decimal("0")
    )
    deduction_counts = models.JSONField(_("deduction detail"), default=dict, blank=True)
    note = models.TextField(_("note"), blank=True)
    answered_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    answered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("answer")
        verbose_name_plural = _("answers")
        constraints = [
            models.UniqueConstraint(fields=["inspection", "item"], name="answer_one_per_item")
        ]

    def __str__(self):
        return f"{self.item.code}: {self.get_result_display()}"

    @property
    def result_colour(self):
        return RESULT_COLOURS.get(self.result, "light")


def photo_path(instance, filename):
    now = timezone.now()
    return f"evidence/{now:%Y/%m}/{uuid.uuid4().hex}{filename[filename.rfind('.') :]}"


class Finding(TimeStampedModel):
    """A problem found in an inspection; the rectification loop turns it into a hazard."""

    inspection = models.ForeignKey(Inspection, on_delete=models.CASCADE, related_name="findings")
    answer = models.ForeignKey(
        InspectionAnswer,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="findings",
    )
    description = models.TextField(_("description"))
    location = models.CharField(_("place on site"), max_length=120)
    grade = models.CharField(
        _("grade"), max_length=10, choices=HazardGrade.choices, default=HazardGrade.GENERAL
    )
    major_clause = models.ForeignKey(
        MajorHazardClause,
        verbose_name=_("major-hazard clause"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    category = models.CharField(_("category"), max_length=100, blank=True)
    dangerous_work = models.ForeignKey(
        "dangerous_works.DangerousWork",
        verbose_name=_("dangerous work"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="findings",
    )
    deadline_days = models.PositiveSmallIntegerField(
        _("suggested deadline (days)"), null=True, blank=True, help_text=_("0 = immediately")
    )
    created_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = _("finding")
        verbose_name_plural = _("findings")
        ordering = ["inspection", "id"]

    def __str__(self):
        return self.description[:40]

    @property
    def grade_colour(self):
        return GRADE_COLOURS.get(self.grade, "secondary")


class InspectionPhoto(TimeStampedModel):
    """An evidence photo: the original as uploaded (hashed), a stamped copy and a thumbnail."""

    inspection = models.ForeignKey(Inspection, on_delete=models.CASCADE, related_name="photos")
    answer = models.ForeignKey(
        InspectionAnswer, on_delete=models.SET_NULL, null=True, blank=True, related_name="photos"
    )
    finding = models.ForeignKey(
        Finding, on_delete=models.SET_NULL, null=True, blank=True, related_name="photos"
    )
    original = models.FileField(upload_to=photo_path)
    image = models.ImageField(upload_to=photo_path, width_field="width", height_field="height")
    thumbnail = models.ImageField(upload_to=photo_path)
    width = models.PositiveIntegerField(null=True)
    height = models.PositiveIntegerField(null=True)
    sha256 = models.CharField(_("SHA-256 of the original"), max_length=64, db_index=True)
    taken_at = models.DateTimeField(_("taken at (EXIF)"), null=True, blank=True)
    latitude = models.DecimalField(max_digits=9, decimal_places=6, null=True, blank=True)
    longitude = models.DecimalField(max_digits=9, decimal_places=6, null=True, blank=True)
    caption = models.CharField(_("caption"), max_length=200, blank=True)
    uploaded_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = _("inspection photo")
        verbose_name_plural = _("inspection photos")
        ordering = ["created_at", "id"]

    def __str__(self):
        return f"{self.sha256[:12]}…"


def signature_path(instance, filename):
    return f"signatures/{timezone.now():%Y/%m}/{uuid.uuid4().hex}.png"


class Signature(TimeStampedModel):
    """A signature on an inspection record, bound to the SHA-256 of its content at signing."""

    inspection = models.ForeignKey(Inspection, on_delete=models.CASCADE, related_name="signatures")
    role = models.CharField(_("role"), max_length=30, choices=SignerRole.choices)
    signer = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    signer_name = models.CharField(_("signer"), max_length=40)
    image = models.ImageField(upload_to=signature_path)
    signed_at = models.DateTimeField(_("signed at"), default=timezone.now)
    content_hash = models.CharField(_("record hash at signing"), max_length=64)
    on_own_device = models.BooleanField(_("signed on own device"), default=False)
    recorded_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    voided_at = models.DateTimeField(_("voided at"), null=True, blank=True)
    void_reason = models.CharField(_("void reason"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("signature")
        verbose_name_plural = _("signatures")
        ordering = ["signed_at", "id"]

    def __str__(self):
        return f"{self.get_role_display()} {self.signer_name}"

    @property
    def is_valid(self) -> bool:
        return self.voided_at is None


class InspectionEvent(models.Model):
    """The inspection's timeline: started, finished, reopened, signed, signatures voided."""

    class Type(models.TextChoices):
        STARTED = "started", _("Started")
        FINISHED = "finished", _("Finished")
        REOPENED = "reopened", _("Reopened")
        SIGNED = "signed", _("Signed")
        SIGNATURES_VOIDED = "signatures_voided", _("Signatures voided")

    inspection = models.ForeignKey(Inspection, on_delete=models.CASCADE, related_name="events")
    type = models.CharField(max_length=30, choices=Type.choices)
    actor = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    at = models.DateTimeField(default=timezone.now)
    comment = models.TextField(blank=True)
    payload = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["at", "id"]

    def __str__(self):
        return f"{self.get_type_display()} {self.at:%Y-%m-%d %H:%M}"
