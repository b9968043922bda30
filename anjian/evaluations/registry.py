"""Plug 考评 and 排名 into navigation, project tabs, to-dos and the demo seeder."""

from django.utils.translation import gettext_lazy as _

from anjian.core.context_processors import NAV_ITEMS
from anjian.notifications.todos import TODO_PROVIDERS, TodoItem
from anjian.projects.views import PROJECT_TABS

NAV_ITEMS.insert(4, ("evaluations:list", _("Evaluations"), "clipboard-data", lambda u: True))
NAV_ITEMS.insert(5, ("evaluations:rankings", _("Rankings"), "trophy", lambda u: True))
PROJECT_TABS.insert(4, ("evaluations:project_tab", _("Evaluations")))


def todo_items(user):
    """Self-evaluations to review (建设/监理) and objections to review (section chief)."""
    from .selectors import evaluations_to_review, objections_to_review

    items = []
    for evaluation in evaluations_to_review(user)[:50]:
        items.append(
            TodoItem(
                kind_label=str(_("Review a self-evaluation")),
                title=f"{evaluation.project.name} {evaluation.period:%Y-%m}",
                url=evaluation.get_absolute_url(),
                due=None,
                overdue=False,
                detail=f"{evaluation.score}",
                icon="clipboard-data",
            )
        )
    for final in objections_to_review(user)[:50]:
        items.append(
            TodoItem(
                kind_label=str(_("Review an objection")),
                title=final.project.name,
                url=final.get_absolute_url(),
                due=None,
                overdue=False,
                detail=final.get_result_display(),
                icon="chat-square-text",
            )
        )
    return items


TODO_PROVIDERS.append(todo_items)


def _recent_accident(projects):
    """规程第五条: a project with an accident in the past year is visited more often."""
    import datetime

    from django.utils import timezone

    from .models import Accident

    since = timezone.localdate() - datetime.timedelta(days=365)
    rows = Accident.objects.filter(project__in=projects, occurred_on__gte=since).values_list(
        "project_id", "occurred_on"
    )
    return {pk: _("Accident on %(day)s") % {"day": f"{day:%Y-%m-%d}"} for pk, day in rows}


def _register_frequent_visit_rule():
    from anjian.inspections.selectors.plans import FREQUENT_VISIT_RULES

    FREQUENT_VISIT_RULES.append(_recent_accident)


_register_frequent_visit_rule()

from . import demo  # noqa: E402,F401 - registers the demo seeder
