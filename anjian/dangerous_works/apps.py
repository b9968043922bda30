from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DangerousWorksConfig(AppConfig):
    """危大工程: register, threshold table, lifecycle, monitoring, patrols, district view."""

    name = "anjian.dangerous_works"
    label = "dangerous_works"
    verbose_name = _("Dangerous works")

    def ready(self):
        from . import registry  # noqa: F401 - nav, tabs, home panel, to-dos, jobs, demo data
