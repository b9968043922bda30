"""Plug 公文收发 into navigation, to-dos, the periodic jobs and the demo seeder."""

from django.utils.translation import gettext_lazy as _

from anjian.core.context_processors import NAV_ITEMS
from anjian.core.jobs import register
from anjian.notifications.todos import TODO_PROVIDERS, TodoItem

_AFTER = next(i for i, item in enumerate(NAV_ITEMS) if item[0] == "evaluations:rankings") + 1
NAV_ITEMS.insert(
    _AFTER,
    ("documents:list", _("Official documents"), "envelope-paper", lambda u: u.is_agency_staff),
)
NAV_ITEMS.insert(
    _AFTER + 1,
    (
        "documents:inbox",
        _("Official documents"),
        "envelope-paper",
        lambda u: not u.is_agency_staff and bool(u.organization_id),
    ),
)


@register("document_reminders", every_seconds=900)
def reminder_job():
    """Every 15 minutes: remind inboxes before a deadline, flag overdue ones to the sender."""
    from .services import send_reminders

    return send_reminders()


def todo_items(user):
    """Inboxes: documents to sign for or reply to. Chiefs: documents to approve. Supervisors:
    submissions routed to them."""
    from django.utils import timezone

    from .selectors import inbox_waiting, pending_approval, submissions_to_handle

    now = timezone.now()
    items = []
    if not user.is_agency_staff:
        for row in inbox_waiting(user)[:50]:
            doc = row.document
            if doc.sign_required and not row.signed_at:
                label, due = _("Sign for a document"), doc.sign_deadline
            else:
                label, due = _("Reply to a document"), doc.reply_deadline
            items.append(
                TodoItem(
                    kind_label=str(label),
                    title=f"{doc.get_kind_display()} {doc.title}",
                    url=row.get_absolute_url(),
                    due=due,
                    overdue=bool(due and due < now),
                    detail=doc.number,
                    icon="envelope-paper",
                )
            )
        return items
    for doc in pending_approval(user)[:50]:
        items.append(
            TodoItem(
                kind_label=str(_("Approve a document")),
                title=f"{doc.get_kind_display()} {doc.title}",
                url=doc.get_absolute_url(),
                due=None,
                overdue=False,
                detail=str(doc.created_by or ""),
                icon="envelope-check",
            )
        )
    for submission in submissions_to_handle(user)[:50]:
        items.append(
            TodoItem(
                kind_label=str(_("Handle a submission")),
                title=submission.title,
                url=submission.get_absolute_url(),
                due=None,
                overdue=False,
                detail=str(submission.project or submission.organization),
                icon="inbox",
            )
        )
    return items


TODO_PROVIDERS.append(todo_items)

from . import demo  # noqa: E402,F401 - registers the demo seeder
