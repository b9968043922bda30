from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class HazardsConfig(AppConfig):
    """Hazards, rectification notices, replies, reviews, escalation and the hazard ledger."""

    name = "anjian.hazards"
    label = "hazards"
    verbose_name = _("Hazards")

    def ready(self):
        from . import registry  # noqa: F401 - nav, tabs, home panel, to-dos, jobs, demo data
