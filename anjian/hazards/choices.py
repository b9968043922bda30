"""Hazard and notice enums (DOMAIN.md §3.1, §4.2, §4.3) with Chinese labels and colours."""

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from anjian.inspections.choices import HazardGrade  # noqa: F401 - one grade enum for both


class HazardSource(models.TextChoices):
    SUPERVISION = "supervision", _("Supervision inspection")
    SELF = "self", _("Self-inspection")
    WORKER = "worker", _("Worker report")
    REMOTE = "remote", _("Remote inspection")


class HazardStatus(models.TextChoices):
    ISSUED = "issued", _("To rectify")
    RECTIFYING = "rectifying", _("Rectifying again")
    REPLIED = "replied", _("Replied, to review")
    CONFIRMED = "confirmed", _("Confirmed by the supervising engineer")
    DISPUTED = "disputed", _("Disputed")
    CLOSED = "closed", _("Closed")
    WITHDRAWN = "withdrawn", _("Withdrawn")


STATUS_COLOURS = {
    HazardStatus.ISSUED: "danger",
    HazardStatus.RECTIFYING: "danger",
    HazardStatus.REPLIED: "primary",
    HazardStatus.CONFIRMED: "info",
    HazardStatus.DISPUTED: "warning",
    HazardStatus.CLOSED: "success",
    HazardStatus.WITHDRAWN: "secondary",
}
# Statuses in which the contractor still owes a rectification (deadline and escalation run).
AWAITING_CONTRACTOR = (HazardStatus.ISSUED, HazardStatus.RECTIFYING)
OPEN_STATUSES = (
    HazardStatus.ISSUED,
    HazardStatus.RECTIFYING,
    HazardStatus.REPLIED,
    HazardStatus.CONFIRMED,
    HazardStatus.DISPUTED,
)


class NoticeKind(models.TextChoices):
    """执法文书 (DOMAIN.md §4.2)."""

    RECTIFY = "rectify", _("Rectification notice")
    PARTIAL_STOP = "partial_stop", _("Partial stop-work rectification notice")
    FULL_STOP = "full_stop", _("Full stop-work rectification notice")
    RESUME = "resume", _("Resumption notice")


STOP_KINDS = (NoticeKind.PARTIAL_STOP, NoticeKind.FULL_STOP)


class NoticeStatus(models.TextChoices):
    ISSUED = "issued", _("Issued")
    RECEIVED = "received", _("Received")
    CLOSED = "closed", _("Closed")
    WITHDRAWN = "withdrawn", _("Withdrawn")


NOTICE_STATUS_COLOURS = {
    NoticeStatus.ISSUED: "warning",
    NoticeStatus.RECEIVED: "primary",
    NoticeStatus.CLOSED: "success",
    NoticeStatus.WITHDRAWN: "secondary",
}


class ResumptionStatus(models.TextChoices):
    SUBMITTED = "submitted", _("Submitted")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")


class ReviewMode(models.TextChoices):
    ONLINE = "online", _("Online review")
    ONSITE = "onsite", _("Site re-check")


class PhotoKind(models.TextChoices):
    BEFORE = "before", pgettext_lazy("rectification", "Before")
    AFTER = "after", pgettext_lazy("rectification", "After")
