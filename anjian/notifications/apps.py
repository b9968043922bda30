from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NotificationsConfig(AppConfig):
    """In-app notifications (with e-mail) and the aggregated to-do list."""

    name = "anjian.notifications"
    label = "notifications"
    verbose_name = _("Notifications")

    def ready(self):
        from . import (
            demo,  # noqa: F401 - registers the demo seeder
            registry,  # noqa: F401 - adds the home-page to-do panel
        )
