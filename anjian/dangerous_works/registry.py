"""Plug the 危大工程 module into navigation, project tabs, the home page, to-dos, the periodic
jobs, the frequent-visit rules of supervision plans and the demo seeder."""

from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from anjian.core.context_processors import NAV_ITEMS
from anjian.core.jobs import register
from anjian.core.views import HOME_PANELS
from anjian.inspections.selectors.plans import FREQUENT_VISIT_RULES
from anjian.notifications.todos import TODO_PROVIDERS, TodoItem
from anjian.projects.views import PROJECT_TABS

from . import workflow

NAV_ITEMS.insert(3, ("dangerous_works:list", _("Dangerous works"), "cone-striped", lambda u: True))
PROJECT_TABS.insert(3, ("dangerous_works:project_tab", _("Dangerous works")))


@register("check_patrols", every_seconds=900)
def patrol_job():
    """Every 15 minutes: notify missed patrols of dangerous works under construction."""
    from .services import check_patrols

    return check_patrols()


def home_panel(request):
    """Supervisors: works with warnings; site teams and engineers: works waiting for them."""
    from .selectors import agency_warnings, open_alarms_for, works_waiting_for

    user = request.user
    if user.is_agency_staff:
        flagged = agency_warnings(user)
        if not flagged:
            return None
        return "dangerous_works/_home_panel.html", {"flagged": flagged}
    waiting = list(works_waiting_for(user)[:8])
    alarms = list(open_alarms_for(user)[:5])
    if not waiting and not alarms:
        return None
    return "dangerous_works/_home_panel.html", {"waiting": waiting, "alarms": alarms}


HOME_PANELS.append(home_panel)


def todo_items(user):
    from .selectors import open_alarms_for, works_waiting_for

    items = []
    for work in works_waiting_for(user)[:100]:
        items.append(
            TodoItem(
                kind_label=str(_("Dangerous work")),
                title=f"{work.name}：{workflow.STATUS_LABELS[work.status]}",
                url=work.get_absolute_url(),
                due=None,
                overdue=False,
                detail=f"{work.project.name} · {work.number}",
                icon="cone-striped",
            )
        )
    for reading in open_alarms_for(user)[:50]:
        items.append(
            TodoItem(
                kind_label=str(_("Monitoring alarm")),
                title=f"{reading.work.name}：{reading.point} {reading.quantity}",
                url=reading.work.get_absolute_url(),
                due=reading.measured_at,
                overdue=True,
                detail=reading.work.project.name,
                icon="activity",
            )
        )
    return items


TODO_PROVIDERS.append(todo_items)


def _dangerous_works_on_site(projects: QuerySet) -> dict[int, str]:
    """规程第五条: projects with an over-threshold dangerous work not yet completed are visited
    more often."""
    from . import thresholds
    from .models import DangerousWork

    rows = (
        DangerousWork.objects.filter(project__in=projects, level=thresholds.SUPER)
        .exclude(status__in=workflow.CLOSED)
        .values_list("project_id", "name")
        .order_by("project_id", "id")
    )
    names: dict[int, list[str]] = {}
    for project_id, name in rows:
        names.setdefault(project_id, []).append(name)
    return {
        pk: _("Over-threshold dangerous works: %(names)s") % {"names": "、".join(items[:3])}
        for pk, items in names.items()
    }


FREQUENT_VISIT_RULES.append(_dangerous_works_on_site)


def _now():
    return timezone.now()


from . import demo  # noqa: E402,F401 - registers the demo seeder
