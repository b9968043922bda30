"""Summary tables for statistics, kept up to date incrementally by the job runner.

`HazardMonthStat` holds, per agency, street, month, grade, category and source, how many hazards
were found and closed that month, how many of those closed were closed on time, and a histogram
of the days they took to close (so the median can be read without the million rows).
`ProjectRisk` holds each project's current risk score and its breakdown.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _

from anjian.accounts.models import Organization
from anjian.core.models import Street
from anjian.projects.models import Project


class HazardMonthStat(models.Model):
    agency = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    street = models.ForeignKey(Street, on_delete=models.CASCADE, related_name="+")
    month = models.DateField()  # the first day of the month
    grade = models.CharField(max_length=20)
    category = models.CharField(max_length=100, blank=True)
    source = models.CharField(max_length=20)
    found = models.PositiveIntegerField(default=0)
    closed = models.PositiveIntegerField(default=0)
    closed_on_time = models.PositiveIntegerField(default=0)
    # {"days to close": count} of the hazards closed this month (days capped at 366).
    close_days = models.JSONField(default=dict, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["agency", "street", "month", "grade", "category", "source"],
                name="hazard_month_stat_unique",
            )
        ]
        indexes = [models.Index(fields=["agency", "month"], name="hazard_month_stat_month")]

    def __str__(self):
        return f"{self.month:%Y-%m} {self.street_id} {self.grade} {self.category}"


class StatsWatermark(models.Model):
    """How far the incremental refresh has read (one row per summary)."""

    name = models.CharField(max_length=40, unique=True)
    value = models.DateTimeField(null=True, blank=True)

    def __str__(self):
        return f"{self.name} {self.value}"


class ProjectRisk(models.Model):
    project = models.OneToOneField(Project, on_delete=models.CASCADE, related_name="risk")
    agency = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    score = models.DecimalField(_("risk score"), max_digits=7, decimal_places=1, default=0)
    band = models.CharField(max_length=10, default="low")
    breakdown = models.JSONField(default=list, blank=True)
    facts = models.JSONField(default=dict, blank=True)
    computed_at = models.DateTimeField()

    class Meta:
        indexes = [models.Index(fields=["agency", "-score"], name="project_risk_rank")]

    def __str__(self):
        return f"{self.project_id}: {self.score}"
