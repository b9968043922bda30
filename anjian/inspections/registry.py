"""Plug the inspections module into the project page tabs and the navigation."""

from django.utils.translation import gettext_lazy as _

from anjian.core.context_processors import NAV_ITEMS
from anjian.core.views import HOME_PANELS
from anjian.notifications.todos import TODO_PROVIDERS, TodoItem
from anjian.projects.views import PROJECT_TABS

PROJECT_TABS.insert(1, ("inspections:project_tab", _("Inspections")))
NAV_ITEMS.insert(2, ("inspections:list", _("Inspections"), "clipboard-check", lambda u: True))
NAV_ITEMS.insert(
    3, ("inspections:plan_list", _("Supervision plans"), "calendar3", lambda u: u.is_agency_staff)
)
NAV_ITEMS.insert(
    4, ("inspections:template_list", _("Checklists"), "list-check", lambda u: u.is_agency_staff)
)


def home_panel(request):
    """Today's visits and unfinished inspections (inspectors); records to sign (site people)."""
    from django.utils import timezone

    from .selectors.records import unfinished_for

    user = request.user
    context = {"unfinished": [], "to_sign": [], "today": []}
    if user.is_agency_staff:
        context["unfinished"] = list(unfinished_for(user)[:10])
        try:
            from .selectors.plans import todays_visits
        except ImportError:  # the plans module is optional for this panel
            todays_visits = None
        if todays_visits is not None:
            context["today"] = list(todays_visits(user, timezone.localdate()))
    else:
        return None  # site people see their records to sign among their to-dos
    return "inspections/records/_home_panel.html", context


HOME_PANELS.append(home_panel)


def todo_items(user):
    """To-dos: records waiting for the user's site signature; their unfinished inspections."""
    from django.urls import reverse
    from django.utils import timezone

    from .selectors.records import awaiting_site_signature, unfinished_for

    if user.is_agency_staff:
        return [
            TodoItem(
                kind_label=_("Unfinished inspections"),
                title=i.project.name,
                url=reverse("inspections:detail", args=[i.pk]),
                due=None,
                overdue=False,
                detail=f"{i.template.name} · {timezone.localtime(i.started_at):%Y-%m-%d %H:%M}",
                icon="hourglass-split",
            )
            for i in unfinished_for(user)[:50]
        ]
    return [
        TodoItem(
            kind_label=_("Inspection records to sign"),
            title=f"{i.number} · {i.project.name}",
            url=reverse("inspections:sign", args=[i.pk]),
            due=None,
            overdue=False,
            detail=i.template.name,
            icon="pen",
        )
        for i in awaiting_site_signature(user)[:50]
    ]


TODO_PROVIDERS.append(todo_items)
