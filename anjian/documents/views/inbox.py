"""The recipient's side of 公文收发: the inbox of a company or project team, one document with
its 签收 and reply.

Mostly used on a phone by the site team. Every POST calls one service; a DomainError shows its
message at the field it names with what was typed kept, a refusal (NotAllowed) is a 403.
"""

from dataclasses import replace

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Q
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from anjian.core.errors import DomainError
from anjian.core.files import ACCEPT_ATTRIBUTE
from anjian.core.forms import read_uploads
from anjian.core.http import paginate, render_page

from .. import selectors
from .. import services as svc
from ..inbox_forms import INBOX_STATES, InboxFilterForm, ReplyForm
from ..models import DocumentEvent, DocumentStatus

DETAIL = "documents/inbox_detail.html"


def _refuse_or_message(error: DomainError) -> str:
    """A NotAllowed becomes a 403; any other domain error its message."""
    if error.status_code == 403:
        raise PermissionDenied from None
    return str(error.message)


# --- the list ----------------------------------------------------------------------------------


def _state_counts(user, filters) -> dict[str, int]:
    """How many inbox rows each state pill holds under the other filters (one query).

    The conditions are those of `selectors.inbox_for`; a test holds the two together."""
    base = selectors.inbox_for(user, replace(filters, state=""))
    now = timezone.now()
    live = Q(document__status=DocumentStatus.SENT)
    unsigned = Q(document__sign_required=True, signed_at__isnull=True)
    unreplied = Q(document__reply_required=True, replied_at__isnull=True)
    return base.order_by().aggregate(
        total=Count("pk"),
        unread=Count("pk", filter=Q(read_at__isnull=True)),
        unsigned=Count("pk", filter=live & unsigned),
        unreplied=Count("pk", filter=live & unreplied),
        overdue=Count(
            "pk",
            filter=live
            & (
                (unsigned & Q(document__sign_deadline__lt=now))
                | (unreplied & Q(document__reply_deadline__lt=now))
            ),
        ),
        done=Count("pk", filter=~unsigned & ~unreplied),
    )


def _decorate(row, now):
    """What a row shows: the deadline still owed and whether it has passed."""
    document = row.document
    live = document.is_live
    row.sign_late = live and row.sign_overdue(now)
    row.reply_late = live and row.reply_overdue(now)
    row.overdue = row.sign_late or row.reply_late
    owes_sign = live and document.sign_required and not row.signed_at and document.sign_deadline
    owes_reply = live and document.reply_required and not row.replied_at
    row.due, row.due_is_reply = None, False
    if row.sign_late or (owes_sign and not row.reply_late):
        row.due = document.sign_deadline
    elif owes_reply:
        row.due, row.due_is_reply = document.reply_deadline, True
    return row


@login_required
@require_GET
def inbox_list(request):
    """收文箱: the documents sent to the user's organisation and project teams."""
    user = request.user
    if user.is_agency_staff:
        return redirect("documents:list")
    form = InboxFilterForm(request.GET, years=selectors.inbox_years(user))
    filters = form.filters()
    qs = selectors.inbox_for(user, filters).select_related("document__agency", "replied_by")
    page = paginate(request, qs)
    now = timezone.now()
    for row in page:
        _decorate(row, now)
    counts = _state_counts(user, filters)
    pills = [(key, label, counts["total" if not key else key]) for key, label in INBOX_STATES]
    return render_page(
        request,
        "documents/inbox.html",
        {
            "form": form,
            "filters": filters,
            "page": page,
            "pills": pills,
            "filtered": bool(filters.q or filters.kind or filters.year),
        },
        partial="results",
    )


# --- one document ------------------------------------------------------------------------------


def _detail_context(request, row, **extra) -> dict:
    document = row.document
    now = timezone.now()
    withdrawn = None
    if document.status == DocumentStatus.WITHDRAWN:
        withdrawn = (
            document.events.filter(action=DocumentEvent.Action.WITHDRAWN)
            .select_related("actor")
            .order_by("-at", "-id")
            .first()
        )
    replies = row.replies.select_related("by").prefetch_related(selectors.attachments_prefetch())
    context = {
        "row": row,
        "document": document,
        "attachments": list(document.attachments.all()),
        "withdrawn": withdrawn,
        "can_sign": document.is_live and not row.signed_at,
        "can_reply": document.is_live,
        "sign_late": document.is_live and row.sign_overdue(now),
        "reply_late": document.is_live and row.reply_overdue(now),
        "replies": list(replies),
        "reply_form": ReplyForm(),
        "accept": ACCEPT_ATTRIBUTE,
    }
    context.update(extra)
    return context


@login_required
@require_GET
def inbox_detail(request, pk):
    """One document of the inbox; opening it marks it read (the first time)."""
    row = selectors.recipient_for_user(request.user, pk)
    if row.read_at is None:
        try:
            opened = svc.recipient_open(recipient=row, by=request.user)
        except DomainError:
            pass  # shown unread; the page itself is still the user's to read
        else:
            row.read_at, row.read_by = opened.read_at, request.user
    return render(request, DETAIL, _detail_context(request, row))


@login_required
@require_POST
def inbox_sign(request, pk):
    """签收 for the inbox."""
    row = selectors.recipient_for_user(request.user, pk)
    try:
        svc.recipient_sign(recipient=row, by=request.user)
    except DomainError as error:
        messages.error(request, _refuse_or_message(error))
    else:
        messages.success(request, _("Signed for."))
    return redirect(row)


@login_required
@require_POST
def inbox_reply(request, pk):
    """A written reply with attachments; it signs for the inbox too."""
    row = selectors.recipient_for_user(request.user, pk)
    form = ReplyForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            svc.recipient_reply(
                recipient=row,
                by=request.user,
                body=form.cleaned_data["body"],
                files=read_uploads(form.cleaned_data["files"]),
            )
        except DomainError as error:
            message = _refuse_or_message(error)
            if error.field not in form.fields:
                # e.g. withdrawn or closed meanwhile: the form is gone from the page.
                messages.error(request, message)
                return redirect(row)
            form.add_error(error.field, message)
        else:
            messages.success(request, _("Your reply has been sent."))
            return redirect(row.get_absolute_url() + "#replies")
    context = _detail_context(
        request, row, reply_form=form, files_again=bool(request.FILES.getlist("files"))
    )
    return render(request, DETAIL, context, status=400)
