from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    """Base models, change log, scoping, htmx helpers and validators."""

    name = "anjian.core"
    label = "core"
    verbose_name = _("Core")

    def ready(self):
        from . import changelog  # noqa: F401 - connects the change-log signal handlers
