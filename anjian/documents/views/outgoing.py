"""The sender's side of 公文收发: the list of documents (search, filters, progress of the sent
ones), the draft form (new and edit, with its Markdown preview and the live count of whom it
reaches), the workflow actions (submit, approve, return, withdraw, close, remind) and the
archive by year.

Every write calls one service. A DomainError re-renders the form with the message at its field
and everything typed kept (chosen files must be chosen again: the page says so), or, for an
action, becomes a message on the document's page; a refusal (NotAllowed) is a 403. These pages
are the commission's: company users are sent to their inbox, others refused, and a document of
another agency is a 404 (selectors.documents_visible_to).
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Q
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from anjian.core.errors import DomainError
from anjian.core.http import paginate, render_page
from anjian.core.markdown import render_markdown

from .. import selectors
from .. import services as svc
from ..forms import DocumentFilterForm, DocumentForm, audience_from_data
from ..models import STATUS_COLOURS, Document, DocumentKind, DocumentStatus, Recipient

LIST = "documents/list.html"
FORM = "documents/form.html"
ARCHIVE = "documents/archive.html"
AUDIENCE_PREVIEW = "documents/_audience_preview.html"
MAX_COMMENT = 2000
# Sent at some point: these have recipients and a progress to show.
DELIVERED = (DocumentStatus.SENT, DocumentStatus.CLOSED, DocumentStatus.WITHDRAWN)


def _refuse_if_forbidden(error: DomainError):
    if error.status_code == 403:
        raise PermissionDenied(str(error.message)) from None


def _require_staff(user):
    if not user.is_agency_staff:
        raise PermissionDenied


def _is_approver(user) -> bool:
    return user.is_superuser or user.agency_role in svc.APPROVERS


# --- the list ------------------------------------------------------------------------------------


def _with_progress(documents: list[Document]) -> list[Document]:
    """Each sent document's signed and replied counts, from one aggregate query for the page."""
    ids = [d.pk for d in documents if d.status in DELIVERED]
    counts = {}
    if ids:
        rows = (
            Recipient.objects.filter(document_id__in=ids)
            .order_by()
            .values("document_id")
            .annotate(
                total=Count("pk"),
                signed=Count("pk", filter=Q(signed_at__isnull=False)),
                replied=Count("pk", filter=Q(replied_at__isnull=False)),
            )
        )
        counts = {row["document_id"]: row for row in rows}
    for document in documents:
        row = counts.get(document.pk)
        document.progress = (
            {"total": row["total"], "signed": row["signed"], "replied": row["replied"]}
            if row
            else None
        )
    return documents


def _years(user) -> list[int]:
    years = [year for year, _n in selectors.archive_years(user)]
    this_year = timezone.localdate().year
    if this_year not in years:
        years.insert(0, this_year)
    return years


@login_required
@require_GET
def document_list(request):
    """The agency's documents: search (number, title, text), type, status and year, with each
    sent document's receipts and replies."""
    user = request.user
    if not user.is_agency_staff:
        if user.organization_id:
            return redirect("documents:inbox")
        raise PermissionDenied
    form = DocumentFilterForm(request.GET, years=_years(user))
    filters = form.filters()
    page = paginate(request, selectors.documents_filtered(user, filters))
    page.object_list = _with_progress(list(page.object_list))
    for document in page.object_list:
        document.can_edit = svc.may_edit(user, document)
    counts = selectors.status_counts(user, filters)
    pills = [
        {
            "value": value,
            "label": label,
            "colour": STATUS_COLOURS.get(value, "secondary"),
            "count": counts.get(value, 0),
        }
        for value, label in DocumentStatus.choices
    ]
    approving = filters.status == DocumentStatus.PENDING and _is_approver(user)
    return render_page(
        request,
        LIST,
        {
            "form": form,
            "filters": filters,
            "page": page,
            "pills": pills,
            "total": sum(counts.values()),
            "can_draft": svc.may_draft(user),
            "nav_active": "approve" if approving else "outgoing",
            "filtered": bool(filters.q or filters.kind or filters.status or filters.year),
        },
        partial="results",
    )


# --- the draft form ------------------------------------------------------------------------------


def _audience_context(agency, raw: dict) -> dict:
    try:
        return {"summary": svc.audience_summary(agency, raw)}
    except DomainError as error:
        return {"error": str(error.message)}


def _form_error(form, error: DomainError):
    """The service's message at the field it names (the audience's at the recipients, anything
    else above the form)."""
    message = str(error.message)
    if error.field in form.fields:
        form.add_error(error.field, message)
    elif error.field == "audience":
        form.audience_errors.append(message)
    else:
        form.add_error(None, message)


def _form_page(request, form, *, agency, document=None, status=200, **extra):
    user = request.user
    approves = svc.may_approve(user, document or Document(agency=agency))
    if document is None:
        can_submit = svc.may_draft(user)
    else:
        can_submit = "submit" in svc.allowed_actions(user, document)
    if form.is_bound:
        raw = audience_from_data(form.data)
    else:
        raw = {key: form.initial.get(key) for key in svc.AUDIENCE_KEYS}
    context = {
        "form": form,
        "document": document,
        "agency": agency,
        "attachments": list(document.attachments.order_by("id")) if document else [],
        "can_submit": can_submit,
        "sends_at_once": approves,
        "form_url": reverse("documents:edit", args=[document.pk])
        if document
        else reverse("documents:new"),
        "max_attachments": svc.MAX_ATTACHMENTS,
        **_audience_context(agency, raw),
        **extra,
    }
    return render(request, FORM, context, status=status)


def _body_preview(request):
    """The text as it will read (the same Markdown rendering as the document's page)."""
    body = request.POST.get("body", "")[: svc.MAX_BODY]
    return render(request, f"{FORM}#body_preview", {"html": render_markdown(body) if body else ""})


def _draft(request, *, agency, document=None):
    """GET shows the form; POST saves the draft (and with `then=submit` submits or, for a section
    chief or leader, sends it); POST with `preview` answers with the rendered text."""
    user = request.user
    if request.method == "POST" and request.POST.get("preview"):
        return _body_preview(request)
    if request.method != "POST":
        initial = (
            DocumentForm.initial_for(document) if document else DocumentForm.initial_new(agency)
        )
        form = DocumentForm(initial=initial, agency=agency, document=document)
        return _form_page(request, form, agency=agency, document=document)
    form = DocumentForm(request.POST, request.FILES, agency=agency, document=document)
    if not form.is_valid():
        return _form_page(
            request,
            form,
            agency=agency,
            document=document,
            status=400,
            files_lost=form.chose_files(),
        )
    try:
        saved = svc.document_save(
            by=user, fields=form.service_fields(), document=document, files=form.read_files()
        )
    except DomainError as error:
        _refuse_if_forbidden(error)
        _form_error(form, error)
        return _form_page(
            request,
            form,
            agency=agency,
            document=document,
            status=400,
            files_lost=form.chose_files(),
        )
    if request.POST.get("then") != "submit":
        messages.success(request, _("The draft has been saved."))
        return redirect(saved)
    try:
        sent = svc.document_submit(document=saved, by=user)
    except DomainError as error:
        _refuse_if_forbidden(error)
        # The draft (and its files) is saved: show it as the saved draft's form, with the reason.
        form = DocumentForm(request.POST, agency=agency, document=saved)
        form.is_valid()
        _form_error(form, error)
        return _form_page(request, form, agency=agency, document=saved, status=400, saved=True)
    messages.success(request, _sent_message(sent))
    return redirect(sent)


def _sent_message(document) -> str:
    if document.status == DocumentStatus.SENT:
        return ngettext(
            "Sent as %(number)s to %(n)d recipient.",
            "Sent as %(number)s to %(n)d recipients.",
            document.recipient_count,
        ) % {"number": document.number, "n": document.recipient_count}
    return _("Submitted for approval.")


@login_required
@require_http_methods(["GET", "POST"])
def document_new(request):
    """Draft a new document (supervisors, section chiefs and leaders)."""
    if not svc.may_draft(request.user):
        raise PermissionDenied
    return _draft(request, agency=request.user.organization)


@login_required
@require_http_methods(["GET", "POST"])
def document_edit(request, pk):
    """Edit a draft: its drafter, or a section chief or leader of the agency."""
    document = selectors.document_for_user(request.user, pk)
    if not svc.may_edit(request.user, document):
        if document.status != DocumentStatus.DRAFT:
            messages.error(request, _("Only a draft can be edited."))
            return redirect(document)
        raise PermissionDenied
    return _draft(request, agency=document.agency, document=document)


@login_required
@require_http_methods(["GET", "POST"])
def audience_preview(request):
    """How many inboxes, projects and organisations the chosen audience reaches (the form's
    live count). The form's audience fields, by GET or POST; `document` names the draft being
    edited (its agency's projects count)."""
    user = request.user
    _require_staff(user)
    data = request.POST if request.method == "POST" else request.GET
    agency = user.organization if user.organization_id else None
    if data.get("document"):
        try:
            pk = int(data["document"])
        except ValueError:
            raise Http404 from None
        agency = selectors.document_for_user(user, pk).agency
    if agency is None:
        raise Http404
    return render(request, AUDIENCE_PREVIEW, _audience_context(agency, audience_from_data(data)))


# --- workflow actions ------------------------------------------------------------------------------


def _run(action, document, user, comment):
    if action == "submit":
        sent = svc.document_submit(document=document, by=user)
        return _sent_message(sent)
    if action == "approve":
        sent = svc.document_approve(document=document, by=user, comment=comment)
        return _sent_message(sent)
    if action == "return":
        svc.document_return(document=document, by=user, comment=comment)
        return _("Returned to the drafter for changes.")
    if action == "withdraw":
        svc.document_withdraw(document=document, by=user, comment=comment)
        return _("The document has been withdrawn.")
    if action == "close":
        svc.document_close(document=document, by=user, comment=comment)
        return _("The document has been closed.")
    n = svc.document_remind(document=document, by=user)
    return ngettext(
        "A reminder has been sent to %(n)d recipient.",
        "A reminder has been sent to %(n)d recipients.",
        n,
    ) % {"n": n}


ACTIONS = ("submit", "approve", "return", "withdraw", "close", "remind")


def _back(request, document) -> str:
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return document.get_absolute_url()


@login_required
@require_POST
def document_action(request, pk, action):
    """One workflow step with its `comment` (required to return or withdraw)."""
    if action not in ACTIONS:
        raise Http404
    document = selectors.document_for_user(request.user, pk)
    comment = request.POST.get("comment", "")
    if len(comment) > MAX_COMMENT:
        messages.error(request, _("The comment is at most %(n)d characters.") % {"n": MAX_COMMENT})
        return redirect(_back(request, document))
    try:
        done = _run(action, document, request.user, comment)
    except DomainError as error:
        _refuse_if_forbidden(error)
        messages.error(request, str(error.message))
        return redirect(_back(request, document))
    messages.success(request, done)
    return redirect(document)


# --- the archive -----------------------------------------------------------------------------------


@login_required
@require_GET
def archive(request):
    """The documents sent, by year (and type); a year opens the list filtered by it."""
    user = request.user
    _require_staff(user)
    years = selectors.archive_years(user)
    by_kind: dict[int, dict[str, int]] = {}
    rows = (
        selectors.documents_visible_to(user)
        .filter(year__isnull=False)
        .order_by()
        .values("year", "kind")
        .annotate(n=Count("pk"))
    )
    for row in rows:
        by_kind.setdefault(row["year"], {})[row["kind"]] = row["n"]
    labels = dict(DocumentKind.choices)
    entries = [
        {
            "year": year,
            "count": n,
            "kinds": [
                (kind, labels[kind], by_kind.get(year, {}).get(kind, 0))
                for kind in DocumentKind.values
                if by_kind.get(year, {}).get(kind)
            ],
        }
        for year, n in years
    ]
    return render(request, ARCHIVE, {"years": entries})
