from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class StatsConfig(AppConfig):
    """数据统计与汇总分析: the leader dashboard, analysis, the project risk score, the monthly
    report, and the summary tables that keep them fast at city scale."""

    name = "anjian.stats"
    label = "stats"
    verbose_name = _("Statistics and analysis")

    def ready(self):
        from . import registry  # noqa: F401 - nav, jobs, project card
