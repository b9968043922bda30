"""Notification inbox, opening a notification, marking all read, and the to-do page."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_POST

from anjian.core.http import paginate, render_page

from .selectors import notification_for_user, notifications_for
from .services import notification_mark_read, notifications_mark_all_read
from .todos import grouped, todos_for


@login_required
@require_GET
def inbox(request):
    """The user's notifications, unread first; `?unread=1` shows only the unread ones."""
    unread_only = request.GET.get("unread") == "1"
    page = paginate(request, notifications_for(request.user, unread_only=unread_only))
    return render_page(
        request,
        "notifications/inbox.html",
        {"page": page, "unread_only": unread_only},
        partial="results",
    )


@login_required
@require_GET
def open_notification(request, pk: int):
    """Mark the notification read and go to what it is about."""
    notification = notification_for_user(request.user, pk)
    notification_mark_read(notification=notification, by=request.user)
    url = notification.url
    if url and url_has_allowed_host_and_scheme(
        url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return redirect(url)
    return redirect("notifications:inbox")


@login_required
@require_POST
def read_all(request):
    """Mark every notification of the user read."""
    n = notifications_mark_all_read(user=request.user)
    if n:
        messages.success(
            request,
            ngettext("%(n)d notification marked as read.", "%(n)d notifications marked as read.", n)
            % {"n": n},
        )
    return redirect("notifications:inbox")


@login_required
@require_GET
def todo_list(request):
    """Everything the user has to act on, grouped by kind, most urgent first."""
    items = todos_for(request.user)
    return render(
        request, "notifications/todos.html", {"groups": grouped(items), "total": len(items)}
    )
