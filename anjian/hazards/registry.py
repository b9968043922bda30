"""Plug the hazards module into navigation, project tabs, home page, to-dos, jobs and demo."""

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from anjian.core.context_processors import NAV_ITEMS
from anjian.core.jobs import register
from anjian.core.views import HOME_PANELS
from anjian.projects.views import PROJECT_TABS

NAV_ITEMS.insert(2, ("hazards:ledger", _("Hazard ledger"), "exclamation-triangle", lambda u: True))
PROJECT_TABS.insert(2, ("hazards:project_tab", _("Hazards")))


@register("escalate_overdue", every_seconds=60)
def escalate_job():
    """Every minute: reminders, warnings, escalations and letters that are due."""
    from .escalation import escalate_overdue

    return dict(escalate_overdue())


def home_panel(request):
    """Contractors see their open hazards with countdowns; supervisors what waits for them."""
    from .selectors import hazards_to_rectify, hazards_to_review, notices_to_receive

    user = request.user
    if user.is_agency_staff:
        review = list(hazards_to_review(user)[:8])
        if not review:
            return None
        return "hazards/_home_panel.html", {"review": review, "now": timezone.now()}
    rectify = list(hazards_to_rectify(user).order_by("deadline")[:10])
    notices = list(notices_to_receive(user)[:5])
    if not rectify and not notices:
        return None
    return "hazards/_home_panel.html", {
        "rectify": rectify,
        "notices": notices,
        "now": timezone.now(),
    }


HOME_PANELS.insert(0, home_panel)


def todo_items(user):
    """To-dos: notices to sign for, hazards to rectify, replies to confirm or review, disputes."""
    from anjian.notifications.todos import TodoItem

    from .selectors import (
        disputes_to_resolve,
        hazards_to_confirm,
        hazards_to_rectify,
        hazards_to_review,
        notices_to_receive,
    )

    now = timezone.now()
    items = []
    for notice in notices_to_receive(user)[:50]:
        items.append(
            TodoItem(
                kind_label=str(_("Sign for a notice")),
                title=f"{notice.get_kind_display()} {notice.number}",
                url=notice.get_absolute_url(),
                due=notice.deadline,
                overdue=bool(notice.deadline and notice.deadline < now),
                detail=notice.project.name,
                icon="envelope-exclamation",
            )
        )
    for hazard in hazards_to_rectify(user)[:100]:
        items.append(
            TodoItem(
                kind_label=str(_("Rectify")),
                title=hazard.description[:60],
                url=hazard.get_absolute_url(),
                due=hazard.deadline,
                overdue=hazard.is_overdue(now),
                detail=f"{hazard.project.name} · {hazard.number}",
                icon="tools",
            )
        )
    if user.agency_role == "chief":
        from .models import ResumptionApplication

        waiting = ResumptionApplication.objects.filter(
            status="submitted", notice__agency_id=user.organization_id
        ).select_related("notice__project")
        for application in waiting[:50]:
            items.append(
                TodoItem(
                    kind_label=str(_("Approve resumption")),
                    title=f"{application.notice.get_kind_display()} {application.notice.number}",
                    url=application.notice.get_absolute_url(),
                    due=None,
                    overdue=False,
                    detail=application.notice.project.name,
                    icon="sign-stop",
                )
            )
    for label, qs, icon in (
        (_("Confirm a rectification"), hazards_to_confirm(user), "clipboard-check"),
        (_("Review a rectification"), hazards_to_review(user), "search"),
        (_("Resolve a dispute"), disputes_to_resolve(user), "chat-square-text"),
    ):
        for hazard in qs[:100]:
            items.append(
                TodoItem(
                    kind_label=str(label),
                    title=hazard.description[:60],
                    url=hazard.get_absolute_url(),
                    due=None,
                    overdue=False,
                    detail=f"{hazard.project.name} · {hazard.number}",
                    icon=icon,
                )
            )
    return items


def _register_todos():
    try:
        from anjian.notifications.todos import TODO_PROVIDERS
    except ImportError:
        return
    if todo_items not in TODO_PROVIDERS:
        TODO_PROVIDERS.append(todo_items)


_register_todos()


from . import demo  # noqa: E402,F401 - registers the demo seeder
