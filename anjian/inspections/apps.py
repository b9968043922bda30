from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class InspectionsConfig(AppConfig):
    """Checklist templates, supervision plans, on-site inspections and signatures."""

    name = "anjian.inspections"
    label = "inspections"
    verbose_name = _("Inspections")

    def ready(self):
        from . import (
            demo,  # noqa: F401 - registers the demo seeder
            registry,  # noqa: F401 - adds the project tab and navigation
        )
