from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EvaluationsConfig(AppConfig):
    """安全生产标准化考评: monthly self-evaluations, the commission's 评定, the final 考评 at
    completion, accidents, and company rankings (考核排名)."""

    name = "anjian.evaluations"
    label = "evaluations"
    verbose_name = _("Evaluations and rankings")

    def ready(self):
        from . import registry  # noqa: F401 - nav, tabs, to-dos, demo data
