"""Template helpers for the hazard ledger: the deadline's countdown or days overdue."""

from django import template
from django.utils import timezone

from anjian.hazards.choices import AWAITING_CONTRACTOR

register = template.Library()


@register.simple_tag
def deadline_state(hazard, now):
    """{"overdue": bool, "days": calendar days overdue (at least 1), "running": counting down}."""
    if not hazard.deadline:
        return {"overdue": False, "days": 0, "running": False}
    if hazard.is_overdue(now):
        days = max(1, (timezone.localdate(now) - timezone.localdate(hazard.deadline)).days)
        return {"overdue": True, "days": days, "running": False}
    return {"overdue": False, "days": 0, "running": hazard.status in AWAITING_CONTRACTOR}


@register.filter
def hazard_status_label(value):
    """The label of a hazard status code (timeline events store codes)."""
    from anjian.hazards.choices import HazardStatus

    try:
        return HazardStatus(value).label
    except ValueError:
        return value
