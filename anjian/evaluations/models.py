"""Project evaluations (月度自评 and the commission's 评定), the final 考评 at completion with
its result notice, objection and review, accidents, and published ranking snapshots."""

import uuid

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from anjian.accounts.models import Organization
from anjian.core.models import ChangeLoggedModel, TimeStampedModel
from anjian.inspections.models import ChecklistTemplate
from anjian.projects.models import Project

User = settings.AUTH_USER_MODEL


class Accident(ChangeLoggedModel):
    """A 生产安全事故 on a project (an input to the final 考评 and to the risk score)."""

    class Level(models.TextChoices):
        GENERAL = "general", "一般事故"
        LARGER = "larger", "较大事故"
        MAJOR = "major", "重大事故"
        EXTRAORDINARY = "extraordinary", "特别重大事故"

    project = models.ForeignKey(Project, on_delete=models.PROTECT, related_name="accidents")
    occurred_on = models.DateField(_("date"))
    level = models.CharField(_("level"), max_length=20, choices=Level.choices)
    is_liability = models.BooleanField(_("liability accident"), default=True)
    deaths = models.PositiveSmallIntegerField(_("deaths"), default=0)
    injuries = models.PositiveSmallIntegerField(_("serious injuries"), default=0)
    description = models.TextField(_("description"))
    recorded_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = _("accident")
        verbose_name_plural = _("accidents")
        ordering = ["-occurred_on", "-id"]

    def __str__(self):
        return f"{self.occurred_on} {self.get_level_display()}"


class Evaluation(ChangeLoggedModel):
    """A JGJ59 evaluation of a project: the contractor's monthly self-evaluation (reviewed and
    signed by the 建设 and 监理 users) or the commission's 评定."""

    class Kind(models.TextChoices):
        SELF = "self", "月度自评"
        AGENCY = "agency", "监督机构评定"

    class Status(models.TextChoices):
        DRAFT = "draft", "草稿"
        SUBMITTED = "submitted", "待建设、监理审核"
        CONFIRMED = "confirmed", "已确认"
        RETURNED = "returned", "已退回"

    project = models.ForeignKey(Project, on_delete=models.PROTECT, related_name="evaluations")
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    period = models.DateField(_("month"))  # the first day of the month evaluated
    template = models.ForeignKey(ChecklistTemplate, on_delete=models.PROTECT, related_name="+")
    answers = models.JSONField(default=dict, blank=True)  # {item id: {"d": "5", "na": false}}
    score = models.DecimalField(_("score"), max_digits=6, decimal_places=2, null=True, blank=True)
    grade = models.CharField(_("grade"), max_length=20, blank=True)
    score_detail = models.JSONField(default=dict, blank=True)
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.DRAFT, db_index=True
    )
    remarks = models.TextField(_("remarks"), blank=True)
    created_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    submitted_at = models.DateTimeField(null=True, blank=True)
    confirmed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("evaluation")
        verbose_name_plural = _("evaluations")
        ordering = ["-period", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["project", "kind", "period"], name="evaluation_once_a_month"
            )
        ]

    def __str__(self):
        return f"{self.project} {self.period:%Y-%m} {self.get_kind_display()}"

    def get_absolute_url(self):
        return reverse("evaluations:detail", args=[self.pk])


def signature_path(instance, filename):
    return f"evaluation-signatures/{timezone.now():%Y/%m}/{uuid.uuid4().hex}.png"


class EvaluationSignature(TimeStampedModel):
    """The 建设 or 监理 user's review (opinion and drawn signature) of a self-evaluation, or the
    contractor's signature when submitting it."""

    class Role(models.TextChoices):
        CONTRACTOR = "contractor", "施工单位"
        BUILDER = "builder", "建设单位"
        SUPERVISION = "supervision", "监理单位"
        AGENCY = "agency", "监督机构"

    evaluation = models.ForeignKey(Evaluation, on_delete=models.CASCADE, related_name="signatures")
    role = models.CharField(max_length=20, choices=Role.choices)
    user = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    name = models.CharField(max_length=40)
    opinion = models.TextField(blank=True)
    agrees = models.BooleanField(default=True)
    image = models.FileField(upload_to=signature_path)
    signed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["signed_at", "id"]

    def __str__(self):
        return f"{self.get_role_display()} {self.name}"


class FinalEvaluation(ChangeLoggedModel):
    """The 考评 of a project at completion: 优良 / 合格 / 不合格 with reasons, the result notice
    (考评结果告知书), the contractor's objection (异议) and the chief's review (复核)."""

    class Result(models.TextChoices):
        EXCELLENT = "excellent", "优良"
        PASS = "pass", "合格"
        FAIL = "fail", "不合格"

    class Status(models.TextChoices):
        NOTIFIED = "notified", "已告知"
        OBJECTED = "objected", "异议复核中"
        FINAL = "final", "已确定"

    project = models.OneToOneField(
        Project, on_delete=models.PROTECT, related_name="final_evaluation"
    )
    agency = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="+")
    year = models.PositiveSmallIntegerField(_("year"))
    result = models.CharField(_("result"), max_length=10, choices=Result.choices)
    reasons = models.TextField(_("reasons"))
    triggers = models.JSONField(default=list, blank=True)
    responsible_org = models.ForeignKey(
        Organization, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    self_evaluation_mean = models.DecimalField(max_digits=6, decimal_places=2, null=True)
    supervision_mean = models.DecimalField(max_digits=6, decimal_places=2, null=True)
    number = models.CharField(_("notice number"), max_length=60)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.NOTIFIED)
    decided_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    decided_at = models.DateTimeField(default=timezone.now)
    objection = models.TextField(_("objection"), blank=True)
    objected_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    objected_at = models.DateTimeField(null=True, blank=True)
    review_comment = models.TextField(_("review comment"), blank=True)
    reviewed_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    reviewed_at = models.DateTimeField(null=True, blank=True)
    original_result = models.CharField(max_length=10, blank=True)

    class Meta:
        verbose_name = _("final evaluation")
        verbose_name_plural = _("final evaluations")
        ordering = ["-decided_at"]

    def __str__(self):
        return f"{self.project} {self.get_result_display()}"

    def get_absolute_url(self):
        return reverse("evaluations:final_detail", args=[self.pk])


class RankingConfig(ChangeLoggedModel):
    """An agency's ranking formula (DOMAIN.md §7: a product decision, so configurable)."""

    agency = models.OneToOneField(Organization, on_delete=models.CASCADE, related_name="+")
    min_inspections = models.PositiveSmallIntegerField(_("minimum inspections"), default=2)
    major_penalty = models.DecimalField(
        _("points per major hazard"), max_digits=5, decimal_places=2, default=2
    )
    stop_penalty = models.DecimalField(
        _("points per stop-work notice"), max_digits=5, decimal_places=2, default=5
    )
    overdue_penalty = models.DecimalField(
        _("points per overdue rectification"), max_digits=5, decimal_places=2, default=1
    )

    class Meta:
        verbose_name = _("ranking formula")

    def __str__(self):
        return f"{self.agency} 排名公式"


class RankingSnapshot(TimeStampedModel):
    """A published ranking: stored with the formula and every entry's inputs; never recomputed."""

    class Unit(models.TextChoices):
        CONTRACTOR = "contractor", "施工单位"
        GROUP = "group", "集团总公司"

    class Period(models.TextChoices):
        MONTH = "month", "月度"
        QUARTER = "quarter", "季度"
        YEAR = "year", "年度"

    agency = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="+")
    unit = models.CharField(_("ranked units"), max_length=20, choices=Unit.choices)
    period_type = models.CharField(_("period"), max_length=10, choices=Period.choices)
    period_start = models.DateField()
    period_end = models.DateField()
    label = models.CharField(max_length=40)  # 2026年10月, 2026年第3季度, 2026年
    formula = models.JSONField(default=dict)
    published_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    published_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-period_start", "unit"]
        constraints = [
            models.UniqueConstraint(
                fields=["agency", "unit", "period_type", "period_start"],
                name="ranking_published_once",
            )
        ]

    def __str__(self):
        return f"{self.label}{self.get_unit_display()}排名"

    def get_absolute_url(self):
        return reverse("evaluations:ranking_detail", args=[self.pk])

    def save(self, *args, **kwargs):
        if self.pk is not None and not kwargs.pop("_allow_update", False):
            raise ValidationError("已发布的排名不可修改。")
        super().save(*args, **kwargs)


class RankingEntry(models.Model):
    """One unit's line in a published ranking, with the inputs behind its score."""

    snapshot = models.ForeignKey(RankingSnapshot, on_delete=models.CASCADE, related_name="entries")
    organization = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="+")
    name = models.CharField(max_length=200)
    rank = models.PositiveIntegerField(null=True)
    score = models.DecimalField(max_digits=6, decimal_places=2, null=True)
    ranked = models.BooleanField(default=True)
    inputs = models.JSONField(default=dict)

    class Meta:
        ordering = ["snapshot", "rank", "name"]
        constraints = [
            models.UniqueConstraint(fields=["snapshot", "organization"], name="ranking_entry_once")
        ]

    def __str__(self):
        return f"{self.rank} {self.name} {self.score}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise ValidationError("已发布的排名不可修改。")
        super().save(*args, **kwargs)
