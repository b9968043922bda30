"""Plug statistics into navigation, the project tabs and the periodic jobs."""

from django.utils.translation import gettext_lazy as _

from anjian.core.context_processors import NAV_ITEMS
from anjian.core.jobs import register
from anjian.inspections.views.plans import PLAN_PANELS
from anjian.projects.views import PROJECT_TABS

_AFTER = next(i for i, item in enumerate(NAV_ITEMS) if item[0] == "core:home") + 1
NAV_ITEMS.insert(_AFTER, ("stats:dashboard", _("Statistics"), "bar-chart-line", lambda u: True))
PROJECT_TABS.insert(1, ("stats:project_risk", _("Risk")))


def _risk_suggestions(request, plan):
    """The plan page's panel: high-risk projects with no visit in the plan yet."""
    from .views.risk import plan_suggestions

    return plan_suggestions(request, plan)


PLAN_PANELS.append(_risk_suggestions)


@register("refresh_hazard_stats", every_seconds=300)
def stats_job():
    """Every 5 minutes: the hazard summary cells changed since the last run."""
    from .summary import refresh

    return refresh()


@register("refresh_project_risk", every_seconds=900)
def risk_job():
    """Every 15 minutes: every active project's risk score."""
    from .services import refresh_risk

    return refresh_risk()


@register("rebuild_hazard_stats", every_seconds=24 * 3600)
def rebuild_job():
    """Once a day: the whole summary (catches projects moved to another street)."""
    from .summary import rebuild

    return rebuild()


from . import demo  # noqa: E402,F401 - registers the demo seeder
