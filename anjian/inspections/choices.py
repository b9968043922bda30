"""Inspection enums with Chinese labels (via i18n) and badge colours."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class TemplateKind(models.TextChoices):
    """How a checklist is answered: scored by deduction (JGJ59) or compliant/non-compliant."""

    SCORED = "scored", _("Scored by deduction (JGJ59)")
    COMPLIANCE = "compliance", _("Compliant / non-compliant")


class TemplateStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    PUBLISHED = "published", _("Published")
    ARCHIVED = "archived", _("Superseded")


class ItemKind(models.TextChoices):
    COMPLIANCE = "compliance", _("Compliant / non-compliant / not applicable")
    SCORED = "scored", _("Scored by deduction")


class DeductionKind(models.TextChoices):
    FIXED = "fixed", _("Fixed deduction")
    RANGE = "range", _("Deduction within a range")
    PER_OCCURRENCE = "per_occurrence", _("Per occurrence")


class HazardGrade(models.TextChoices):
    """一般 / 重大 (DOMAIN.md §3.1): 重大 only with a clause of the 2024 standard."""

    GENERAL = "general", _("General hazard")
    MAJOR = "major", _("Major hazard")


GRADE_COLOURS = {HazardGrade.GENERAL: "warning", HazardGrade.MAJOR: "danger"}


class AnswerResult(models.TextChoices):
    UNANSWERED = "", _("Not answered")
    COMPLIANT = "compliant", _("Compliant")
    NONCOMPLIANT = "noncompliant", _("Non-compliant")
    NOT_APPLICABLE = "na", _("Not applicable")


RESULT_COLOURS = {
    AnswerResult.COMPLIANT: "success",
    AnswerResult.NONCOMPLIANT: "danger",
    AnswerResult.NOT_APPLICABLE: "secondary",
    AnswerResult.UNANSWERED: "light",
}


class InspectionType(models.TextChoices):
    ROUTINE = "routine", _("Routine supervision inspection")
    SPECIAL = "special", _("Special inspection")
    RANDOM = "random", _("Random inspection (double random)")
    EPIDEMIC = "epidemic", _("Epidemic-prevention inspection")
    RECHECK = "recheck", _("Re-inspection")
    EVALUATION = "evaluation", _("Standardisation evaluation")


class InspectionSource(models.TextChoices):
    """Who inspected: the commission on site or remotely, or the company itself."""

    SUPERVISION = "supervision", _("Supervision")
    REMOTE = "remote", _("Remote inspection")
    SELF = "self", _("Self-inspection")


class InspectionStatus(models.TextChoices):
    IN_PROGRESS = "in_progress", _("In progress")
    FINISHED = "finished", _("Finished")


STATUS_COLOURS = {InspectionStatus.IN_PROGRESS: "primary", InspectionStatus.FINISHED: "success"}


class SignerRole(models.TextChoices):
    INSPECTOR = "inspector", _("Inspector")
    REPRESENTATIVE = "representative", _("Project representative")
    SUPERVISING_ENGINEER = "supervising_engineer", _("Supervising engineer")


class VisitStatus(models.TextChoices):
    PLANNED = "planned", _("Planned")
    DONE = "done", _("Done")
    CANCELLED = "cancelled", _("Cancelled")


VISIT_COLOURS = {
    VisitStatus.PLANNED: "primary",
    VisitStatus.DONE: "success",
    VisitStatus.CANCELLED: "secondary",
}


class PlanStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    PUBLISHED = "published", _("Published")
