from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DocumentsConfig(AppConfig):
    """公文收发: official documents sent by the commission with receipts (签收), replies and
    reminders, the 督办函 of the escalation ladder, and submissions from companies (收文)."""

    name = "anjian.documents"
    label = "documents"
    verbose_name = _("Official documents")

    def ready(self):
        from . import registry  # noqa: F401 - nav, to-dos, reminder job, demo data
