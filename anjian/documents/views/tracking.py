"""The document page on the sender's side: the document, its timeline and actions, the tracking
table of its recipients (read, signed, replied, overdue, reminded), the tracking export, the
official PDF, and the attachments (download, and removal from a draft).

Every page reads through the selectors (a document the user may not see is a 404) and every
change goes through the services; a fixed number of queries whatever the number of recipients.
"""

from urllib.parse import quote

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from django.views.decorators.http import require_GET, require_POST
from django_htmx.http import HttpResponseClientRedirect

from anjian.accounts.choices import OrgKind
from anjian.accounts.models import Organization
from anjian.core.errors import DomainError
from anjian.core.http import render_page
from anjian.core.models import Street
from anjian.projects.models import Project

from .. import services as svc
from ..models import UNIT_CHOICES, Document, DocumentStatus, Recipient
from ..selectors import (
    attachment_for_user,
    document_for_user,
    documents_visible_to,
    filter_tracking,
    tracking_rows,
    tracking_summary,
)

# Documents that went out: they have recipients to track and may be printed.
ISSUED = (DocumentStatus.SENT, DocumentStatus.CLOSED, DocumentStatus.WITHDRAWN)
TRACKING_STATES = ("", "unread", "unsigned", "unreplied", "overdue", "done")
# Actions that need a written reason, and those the browser asks to confirm.
NEEDS_COMMENT = ("return", "withdraw")
OPTIONAL_COMMENT = ("approve", "close")
CONFIRM = ("withdraw", "close")
# Attachments a browser may show in place; anything else is downloaded.
INLINE_TYPES = ("application/pdf", "image/jpeg", "image/png", "image/gif", "image/webp")


def action_labels() -> dict[str, str]:
    return {
        "edit": _("Edit"),
        "submit": _("Submit for approval"),
        "approve": _("Approve and send"),
        "return": _("Return for changes"),
        "withdraw": _("Withdraw"),
        "close": _("Close the document"),
        "remind": _("Remind"),
    }


def tracking_state_labels() -> dict[str, str]:
    return {
        "": _("All"),
        "unread": _("Unread"),
        "unsigned": _("Not signed for"),
        "unreplied": _("Not replied"),
        "overdue": _("Overdue"),
        "done": pgettext("tracking", "Done"),
    }


# --- the audience in words ----------------------------------------------------------------------


def describe_audience(audience: dict) -> list[tuple[str, str]]:
    """The audience as (what, which) lines a person reads, e.g. ("Streets", "台湖镇、梨园镇").

    At most three queries (street, project and organisation names), whatever its size."""
    audience = svc.clean_audience(audience)
    lines: list[tuple[str, str]] = []
    sep = "、"

    def names(model, ids, field="name"):
        found = dict(model.objects.filter(pk__in=ids).values_list("pk", field))
        return sep.join(found[i] for i in ids if i in found) or "—"

    if audience["all_projects"]:
        lines.append((_("Projects"), _("All active projects")))
    if audience["streets"]:
        lines.append((_("Streets"), names(Street, audience["streets"])))
    if audience["projects"]:
        lines.append((_("Named projects"), names(Project, audience["projects"])))
    if audience["all_projects"] or audience["streets"] or audience["projects"]:
        units = dict(UNIT_CHOICES)
        lines.append((_("Project units"), sep.join(str(units[u]) for u in audience["units"])))
    if audience["org_kinds"]:
        kinds = dict(OrgKind.choices)
        lines.append(
            (
                _("Company types"),
                sep.join(str(kinds.get(k, k)) for k in audience["org_kinds"]),
            )
        )
    if audience["organizations"]:
        lines.append((_("Named organisations"), names(Organization, audience["organizations"])))
    if audience["all_groups"]:
        lines.append((_("Group headquarters"), _("All group headquarters")))
    return lines


# --- the tracking table -------------------------------------------------------------------------


def _percent(part: int, whole: int) -> int:
    return round(100 * part / whole) if whole else 0


def tracking_context(document: Document, state: str, *, may_remind: bool) -> dict:
    """The tracking table's rows (narrowed by `state`), summary and reminder count (4 queries:
    recipients, replies, their attachments — and none per row)."""
    rows = tracking_rows(document)
    now = timezone.now()
    units = dict(UNIT_CHOICES)
    for row in rows:
        row.unit_label = units.get(row.unit, "") if row.project_id else ""
        row.sign_late = row.sign_overdue(now)
        row.reply_late = row.reply_overdue(now)
    summary = tracking_summary(document, rows)
    total = summary["total"]
    summary["read_pct"] = _percent(summary["read"], total)
    summary["signed_pct"] = _percent(summary["signed"], total)
    summary["replied_pct"] = _percent(summary["replied"], total)
    labels = tracking_state_labels()
    pills = []
    for value in TRACKING_STATES:
        if value == "unsigned" and not document.sign_required:
            continue
        if value == "unreplied" and not document.reply_required:
            continue
        pills.append(
            {
                "value": value,
                "label": labels[value],
                "count": len(filter_tracking(document, rows, value)) if value else total,
            }
        )
    if state not in TRACKING_STATES:
        state = ""
    remind_count = len(svc.missing(document, rows)) if may_remind else 0
    return {
        "rows": filter_tracking(document, rows, state),
        "summary": summary,
        "pills": pills,
        "state": state,
        "may_remind": may_remind,
        "remind_count": remind_count,
    }


# --- the document page --------------------------------------------------------------------------


def _detail_context(request, document: Document) -> dict:
    user = request.user
    allowed = svc.allowed_actions(user, document)
    labels = action_labels()
    actions = [
        {
            "name": name,
            "label": labels[name],
            "needs_comment": name in NEEDS_COMMENT,
            "comment": name in NEEDS_COMMENT or name in OPTIONAL_COMMENT,
            "confirm": name in CONFIRM,
        }
        for name in allowed
        if name not in ("edit", "remind")
    ]
    if svc.may_approve(user, document):
        # A chief's or leader's own draft is sent at once when submitted.
        for action in actions:
            if action["name"] == "submit":
                action.update(label=labels["approve"], confirm=True)
    context = {
        "document": document,
        "attachments": list(document.attachments.order_by("id")),
        "events": list(document.events.select_related("actor").order_by("at", "id")),
        "audience_lines": describe_audience(document.audience),
        "actions": actions,
        "may_edit": "edit" in allowed,
        "issued": document.status in ISSUED,
        "letter": document.supervision_letter,
        "now": timezone.now(),
    }
    if context["issued"]:
        context.update(
            tracking_context(document, request.GET.get("state", ""), may_remind="remind" in allowed)
        )
    return context


@login_required
@require_GET
def document_detail(request, pk):
    """A document as its agency's staff see it: text, audience, timeline, actions, tracking.
    A recipient (e.g. scanning the PDF's QR code) is sent to their own inbox copy instead."""
    try:
        document = document_for_user(request.user, pk)
    except Http404:
        row = Recipient.objects.for_user(request.user).filter(document_id=pk).first()
        if row is None:
            raise
        return redirect(row)
    context = _detail_context(request, document)
    # The state pills swap the tracking section alone (hx-target="#tracking").
    htmx = getattr(request, "htmx", None)
    partial = "tracking" if context["issued"] and htmx and htmx.target == "tracking" else None
    return render_page(request, "documents/detail.html", context, partial=partial)


@login_required
@require_GET
def tracking_export(request, pk):
    """The tracking table as .xlsx: one row per recipient, with the replies' text."""
    from ..excel import tracking_workbook_response

    document = document_for_user(request.user, pk)
    if document.status not in ISSUED:
        raise Http404
    rows = tracking_rows(document)
    state = request.GET.get("state", "")
    if state in TRACKING_STATES:
        rows = filter_tracking(document, rows, state)
    return tracking_workbook_response(document, rows)


# --- the official PDF ---------------------------------------------------------------------------


def _printable_document(user, pk) -> Document:
    """The document if the user may read it: its agency's staff who may see it, or the users of
    one of its inboxes; only once it went out."""
    document = documents_visible_to(user).filter(pk=pk).first()
    if document is None and Recipient.objects.for_user(user).filter(document_id=pk).exists():
        document = Document.objects.filter(pk=pk).first()
    if document is None or document.status not in ISSUED:
        raise Http404
    return document


@login_required
@require_GET
def document_pdf(request, pk):
    """The document as an official PDF (红头), with a QR code to its page."""
    from ..pdf import render_document_pdf

    document = _printable_document(request.user, pk)
    verify_url = request.build_absolute_uri(reverse("documents:detail", args=[document.pk]))
    pdf = render_document_pdf(document, verify_url=verify_url)
    response = HttpResponse(pdf, content_type="application/pdf")
    filename = f"{document.number or document.pk} {document.title}.pdf".replace("/", "-")
    response["Content-Disposition"] = content_disposition(filename, inline=True)
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-cache"
    return response


# --- attachments --------------------------------------------------------------------------------


def content_disposition(filename: str, *, inline: bool) -> str:
    """The header with an ASCII fallback name and the real (e.g. Chinese) one per RFC 5987."""
    kind = "inline" if inline else "attachment"
    ext = filename.rsplit(".", 1)[-1] if "." in filename else ""
    fallback = "".join(c for c in filename if c.isascii() and c.isprintable() and c not in '"\\')
    stem = fallback.rsplit(".", 1)[0].strip(" .-_")
    if not stem:
        fallback = f"file.{ext}" if ext.isascii() and ext.isalnum() else "file"
    return f"{kind}; filename=\"{fallback}\"; filename*=UTF-8''{quote(filename, safe='')}"


@login_required
@require_GET
def attachment_download(request, pk):
    """An attachment of a document, a reply or a submission the user may read, under its
    original name; PDFs and pictures open in the browser, other files are downloaded."""
    attachment = attachment_for_user(request.user, pk)
    try:
        handle = attachment.file.open("rb")
    except (FileNotFoundError, ValueError):
        raise Http404 from None
    content_type = attachment.content_type or "application/octet-stream"
    response = FileResponse(handle, content_type=content_type)
    response["Content-Disposition"] = content_disposition(
        attachment.filename, inline=content_type in INLINE_TYPES
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, max-age=3600"
    return response


def _edit_url(request, document) -> str:
    """Back to the draft's form: the posted `next` when it is a safe local address."""
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return reverse("documents:edit", args=[document.pk])


@login_required
@require_POST
def attachment_delete(request, pk):
    """Remove an attachment from a draft, then back to the draft's form. To htmx (the form's
    remove button, hx-swap="delete") a success is an empty 200, so only that file's row goes
    and the unsaved form stays as it is."""
    attachment = attachment_for_user(request.user, pk)
    document = attachment.document
    if document is None:
        raise Http404
    htmx = bool(getattr(request, "htmx", False))
    try:
        svc.attachment_remove(attachment=attachment, by=request.user)
    except DomainError as error:
        stale = (
            document.status != DocumentStatus.DRAFT
            and documents_visible_to(request.user).filter(pk=document.pk).exists()
        )
        if error.status_code == 403 and not stale:
            raise PermissionDenied from None
        # A stale form: the draft was submitted or sent meanwhile; show the document.
        messages.error(request, str(error.message))
        target = document.get_absolute_url() if stale else _edit_url(request, document)
        return HttpResponseClientRedirect(target) if htmx else redirect(target)
    if htmx:
        return HttpResponse("")
    messages.success(
        request, _('The attachment "%(name)s" was removed.') % {"name": attachment.filename}
    )
    return redirect(_edit_url(request, document))
