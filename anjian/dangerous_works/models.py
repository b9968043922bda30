"""危大工程: the editable threshold table, per-category requirements, the register of dangerous
works with their lifecycle steps, signatures, documents, expert argumentations, monitoring
readings and patrols."""

import uuid

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from anjian.accounts.models import Organization
from anjian.core.models import ChangeLoggedModel, TimeStampedModel
from anjian.projects.models import Project

from . import thresholds, workflow

User = settings.AUTH_USER_MODEL

CATEGORY_CHOICES = list(thresholds.CATEGORIES.items())
SUBTYPE_CHOICES = [(f"{c}:{s}", label) for (c, s), label in thresholds.SUBTYPES.items()]
LEVEL_CHOICES = [(thresholds.DANGER, "危大工程"), (thresholds.SUPER, "超过一定规模")]
STATUS_CHOICES = [(k, v) for k, v in workflow.STATUS_LABELS.items() if k != workflow.PREVIOUS]


class ThresholdRule(ChangeLoggedModel):
    """One threshold of the scope table (DOMAIN.md §2.1), editable by administrators."""

    class Op(models.TextChoices):
        GE = ">=", "≥"
        GT = ">", ">"
        TRUE = "true", _("is the case")

    category = models.CharField(_("category"), max_length=20, choices=CATEGORY_CHOICES)
    subtype = models.CharField(_("sub-type"), max_length=40)
    level = models.CharField(_("level"), max_length=10, choices=LEVEL_CHOICES)
    param = models.CharField(_("parameter"), max_length=40)
    op = models.CharField(_("comparison"), max_length=5, choices=Op.choices)
    threshold = models.DecimalField(_("threshold"), max_digits=10, decimal_places=2, default=0)
    unit = models.CharField(_("unit"), max_length=10, blank=True)
    is_active = models.BooleanField(_("in use"), default=True)
    order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        verbose_name = _("threshold rule")
        verbose_name_plural = _("threshold rules")
        ordering = ["order", "id"]

    def __str__(self):
        return self.as_rule().text

    def as_rule(self) -> thresholds.Rule:
        return thresholds.Rule(
            self.category,
            self.subtype,
            self.level,
            self.param,
            self.op,
            float(self.threshold),
            self.unit,
        )

    @property
    def subtype_label(self):
        return thresholds.SUBTYPES.get((self.category, self.subtype), self.subtype)


class CategorySetting(ChangeLoggedModel):
    """Which categories need acceptance (验收) and third-party monitoring (监测), and how often
    the contractor and the supervising engineers must patrol; set by local rules (DOMAIN.md
    §2.2 [U]), so editable."""

    class Monitoring(models.TextChoices):
        NEVER = "", _("Not required")
        DANGER = "danger", _("Every dangerous work")
        SUPER = "super", _("Over-threshold works only")

    category = models.CharField(_("category"), max_length=20, choices=CATEGORY_CHOICES, unique=True)
    needs_acceptance = models.BooleanField(_("acceptance required"), default=False)
    monitoring = models.CharField(
        _("third-party monitoring"), max_length=10, choices=Monitoring.choices, blank=True
    )
    patrol_hours = models.PositiveSmallIntegerField(_("patrol at least every (hours)"), default=24)

    class Meta:
        verbose_name = _("category requirement")
        verbose_name_plural = _("category requirements")
        ordering = ["id"]

    def __str__(self):
        return self.get_category_display()


class DangerousWorkQuerySet(models.QuerySet):
    def visible_to(self, user):
        return self.filter(project__in=Project.objects.visible_to(user))

    def on_site(self):
        return self.filter(status__in=workflow.ON_SITE)


class DangerousWork(ChangeLoggedModel):
    """One dangerous sub-project (危大工程) of a project, from the list to completion."""

    project = models.ForeignKey(Project, on_delete=models.PROTECT, related_name="dangerous_works")
    number = models.CharField(_("number"), max_length=40, db_index=True)
    name = models.CharField(_("name"), max_length=120)
    category = models.CharField(_("category"), max_length=20, choices=CATEGORY_CHOICES)
    subtype = models.CharField(_("sub-type"), max_length=40)
    params = models.JSONField(_("parameters"), default=dict, blank=True)
    level = models.CharField(_("level"), max_length=10, choices=LEVEL_CHOICES, db_index=True)
    level_reasons = models.JSONField(default=list, blank=True)
    location = models.CharField(_("place on site"), max_length=120)
    planned_start = models.DateField(_("planned start"), null=True, blank=True)
    planned_end = models.DateField(_("planned end"), null=True, blank=True)
    actual_start = models.DateField(_("actual start"), null=True, blank=True)
    status = models.CharField(
        _("status"),
        max_length=20,
        choices=STATUS_CHOICES,
        default=workflow.IDENTIFIED,
        db_index=True,
    )
    resume_to = models.CharField(max_length=20, blank=True)
    subcontractor = models.ForeignKey(
        Organization,
        verbose_name=_("subcontractor who wrote the scheme"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    scheme_author = models.CharField(_("scheme written by"), max_length=40, blank=True)
    tech_lead = models.CharField(_("project technical lead"), max_length=40, blank=True)
    safety_officer = models.CharField(_("full-time safety officer"), max_length=40, blank=True)
    site_manager = models.CharField(_("site manager"), max_length=40, blank=True)
    supervising_engineer = models.CharField(_("supervising engineer"), max_length=40, blank=True)
    needs_acceptance = models.BooleanField(_("acceptance required"), default=False)
    needs_monitoring = models.BooleanField(_("third-party monitoring required"), default=False)
    argued = models.BooleanField(_("argumentation passed and still valid"), default=False)
    scheme_version = models.PositiveSmallIntegerField(default=0)
    approved_at = models.DateTimeField(_("approved at"), null=True, blank=True)
    disclosed_at = models.DateTimeField(_("briefed at"), null=True, blank=True)
    accepted_at = models.DateTimeField(_("accepted at"), null=True, blank=True)
    completed_at = models.DateTimeField(_("completed at"), null=True, blank=True)
    site_started_reported_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    objects = DangerousWorkQuerySet.as_manager()

    class Meta:
        verbose_name = _("dangerous work")
        verbose_name_plural = _("dangerous works")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["project", "status"], name="dwork_project_status"),
            models.Index(fields=["status", "category", "level"], name="dwork_status_cat"),
        ]

    def __str__(self):
        return f"{self.number} {self.name}"

    def get_absolute_url(self):
        return reverse("dangerous_works:detail", args=[self.pk])

    @property
    def subtype_label(self):
        return thresholds.SUBTYPES.get((self.category, self.subtype), self.subtype)

    @property
    def is_over_threshold(self) -> bool:
        return self.level == thresholds.SUPER

    @property
    def status_label(self):
        return workflow.STATUS_LABELS.get(self.status, self.status)

    @property
    def status_colour(self):
        return workflow.STATUS_COLOURS.get(self.status, "secondary")

    @property
    def level_colour(self):
        return "danger" if self.is_over_threshold else "warning"

    def param_rows(self):
        """(label, value with unit) for each parameter given."""
        rows = []
        for key, value in (self.params or {}).items():
            label, unit = thresholds.PARAMETERS.get(key, (key, ""))
            if value in (None, "", False):
                continue
            rows.append((label, "是" if value is True else f"{value}{unit}"))
        return rows


class WorkStep(models.Model):
    """One step of a work's life: a transition, or an event such as a document or an alarm."""

    work = models.ForeignKey(DangerousWork, on_delete=models.CASCADE, related_name="steps")
    action = models.CharField(max_length=30)
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
        indexes = [models.Index(fields=["work", "at"], name="dwork_step_timeline")]

    def __str__(self):
        return f"{self.label} {self.at:%Y-%m-%d %H:%M}"

    EVENT_LABELS = {
        "registered": "登记",
        "edited": "修改参数",
        "document": "上传文件",
        "reading": "监测数据",
        "alarm": "监测报警",
        "alarm_handled": "报警处置",
        "patrol": "巡视",
        "patrol_missed": "巡视缺失",
        "site_started": "发现现场已施工",
        "inspected": "监督检查",
    }

    @property
    def label(self):
        return workflow.ACTION_LABELS.get(self.action) or self.EVENT_LABELS.get(
            self.action, self.action
        )


def work_file_path(instance, filename):
    ext = filename[filename.rfind(".") :].lower() if "." in filename else ""
    return f"dangerous-works/{timezone.now():%Y/%m}/{uuid.uuid4().hex}{ext[:8]}"


class WorkDocument(TimeStampedModel):
    """A document of the work: the scheme (versioned), the expert report, the briefing record,
    monitoring plans and reports, the acceptance record."""

    class Kind(models.TextChoices):
        SCHEME = "scheme", "专项施工方案"
        REVIEW = "review", "审核/审查意见"
        EXPERT_REPORT = "expert_report", "专家论证报告"
        BRIEFING = "briefing", "交底记录"
        MONITORING_PLAN = "monitoring_plan", "监测方案"
        MONITORING_REPORT = "monitoring_report", "监测报告"
        ACCEPTANCE = "acceptance", "验收记录"
        PATROL = "patrol", "巡视记录"
        OTHER = "other", "其他"

    work = models.ForeignKey(DangerousWork, on_delete=models.CASCADE, related_name="documents")
    step = models.ForeignKey(
        WorkStep, on_delete=models.SET_NULL, null=True, blank=True, related_name="documents"
    )
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    title = models.CharField(_("title"), max_length=120)
    file = models.FileField(upload_to=work_file_path, max_length=200)
    filename = models.CharField(max_length=200)
    content_type = models.CharField(max_length=100, blank=True)
    size = models.PositiveIntegerField(default=0)
    sha256 = models.CharField(max_length=64)
    version = models.PositiveSmallIntegerField(default=1)
    uploaded_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return f"{self.get_kind_display()} {self.title}"

    def get_absolute_url(self):
        return reverse("dangerous_works:document", args=[self.pk])


def signature_path(instance, filename):
    return f"dangerous-works/signatures/{timezone.now():%Y/%m}/{uuid.uuid4().hex}.png"


class WorkSignature(TimeStampedModel):
    """A signature drawn for a step (技术负责人, 总监, experts, the parties to 交底, acceptance)."""

    step = models.ForeignKey(WorkStep, on_delete=models.CASCADE, related_name="signatures")
    role = models.CharField(max_length=30)
    role_label = models.CharField(max_length=40)
    name = models.CharField(max_length=40)
    detail = models.CharField(max_length=120, blank=True)  # an expert's title and employer
    user = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    image = models.FileField(upload_to=signature_path)
    sha256 = models.CharField(max_length=64)

    class Meta:
        ordering = ["id"]

    def __str__(self):
        return f"{self.role_label} {self.name}"


class Argumentation(TimeStampedModel):
    """One expert argumentation meeting (专家论证) with its verdict and report."""

    class Verdict(models.TextChoices):
        PASSED = "passed", "通过"
        REVISE = "revise", "修改后通过"
        FAILED = "failed", "不通过"

    work = models.ForeignKey(DangerousWork, on_delete=models.CASCADE, related_name="argumentations")
    step = models.OneToOneField(WorkStep, on_delete=models.PROTECT, related_name="argumentation")
    round = models.PositiveSmallIntegerField()
    held_on = models.DateField(_("held on"))
    verdict = models.CharField(_("verdict"), max_length=10, choices=Verdict.choices)
    opinion = models.TextField(_("experts' opinion"))
    experts = models.JSONField(default=list)
    report = models.ForeignKey(WorkDocument, on_delete=models.PROTECT, related_name="+")
    scheme_version = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["round"]
        constraints = [
            models.UniqueConstraint(fields=["work", "round"], name="argumentation_round_once")
        ]

    def __str__(self):
        return f"第{self.round}次论证 {self.get_verdict_display()}"


class MonitoringReading(TimeStampedModel):
    """A monitoring value at a point; at or over its alarm value it raises an alarm."""

    class Source(models.TextChoices):
        THIRD_PARTY = "third_party", "第三方监测"
        CONTRACTOR = "contractor", "施工单位监测"

    work = models.ForeignKey(DangerousWork, on_delete=models.CASCADE, related_name="readings")
    point = models.CharField(_("monitoring point"), max_length=40)
    quantity = models.CharField(_("monitored item"), max_length=60)
    value = models.DecimalField(_("value"), max_digits=12, decimal_places=3)
    unit = models.CharField(_("unit"), max_length=10, blank=True)
    alarm_value = models.DecimalField(_("alarm value"), max_digits=12, decimal_places=3)
    is_alarm = models.BooleanField(default=False, db_index=True)
    measured_at = models.DateTimeField(_("measured at"), db_index=True)
    source = models.CharField(_("source"), max_length=20, choices=Source.choices)
    document = models.ForeignKey(
        WorkDocument, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    recorded_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    handled_at = models.DateTimeField(null=True, blank=True)
    handled_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    handling = models.TextField(blank=True)

    class Meta:
        ordering = ["-measured_at", "-id"]
        indexes = [models.Index(fields=["work", "-measured_at"], name="dwork_reading_recent")]

    def __str__(self):
        return f"{self.point} {self.quantity} {self.value}{self.unit}"

    @property
    def open_alarm(self) -> bool:
        return self.is_alarm and self.handled_at is None


class Patrol(TimeStampedModel):
    """A patrol of the work by the contractor (自查巡视) or the supervising engineers (专项巡视)."""

    class Party(models.TextChoices):
        CONTRACTOR = "contractor", "施工单位"
        SUPERVISION = "supervision", "监理单位"

    class Result(models.TextChoices):
        NORMAL = "normal", "正常"
        ABNORMAL = "abnormal", "发现问题"

    work = models.ForeignKey(DangerousWork, on_delete=models.CASCADE, related_name="patrols")
    party = models.CharField(_("party"), max_length=20, choices=Party.choices)
    patrolled_at = models.DateTimeField(_("patrolled at"), db_index=True)
    result = models.CharField(_("result"), max_length=10, choices=Result.choices)
    notes = models.TextField(_("notes"), blank=True)
    patrolled_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["-patrolled_at", "-id"]
        indexes = [models.Index(fields=["work", "party", "-patrolled_at"], name="dwork_patrol")]

    def __str__(self):
        return f"{self.get_party_display()} {self.patrolled_at:%Y-%m-%d %H:%M}"
