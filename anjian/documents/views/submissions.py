"""收文: the documents companies and project teams submit to the commission (报送), the
commission's incoming list with the rectification loop's own incoming records beside it, one
submission, and its handling (受理 or 退回).

Every POST calls one service; a DomainError shows its message at the field it names with what was
typed kept, a refusal (NotAllowed) is a 403.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from anjian.core.errors import DomainError
from anjian.core.forms import read_uploads
from anjian.core.http import paginate, render_page
from anjian.dangerous_works.models import WorkDocument

from .. import selectors
from .. import services as svc
from ..inbox_forms import HandleForm, SubmissionFilterForm, SubmissionForm
from ..models import SubmissionStatus

DETAIL = "documents/submission_detail.html"
FORM = "documents/submission_form.html"
STATUS_COLOURS = {
    SubmissionStatus.SUBMITTED: "warning",
    SubmissionStatus.ACKNOWLEDGED: "success",
    SubmissionStatus.RETURNED: "danger",
}
# The refresh of the dangerous-work choices when the project changes (htmx target).
WORK_FIELD_TARGET = "dangerous-work-field"


def _refuse_or_message(error: DomainError) -> str:
    """A NotAllowed becomes a 403; any other domain error its message."""
    if error.status_code == 403:
        raise PermissionDenied from None
    return str(error.message)


def _colour(submission):
    submission.status_colour = STATUS_COLOURS.get(submission.status, "secondary")
    return submission


def _may_submit(user) -> bool:
    """Who the service lets submit: company users with an organisation."""
    return bool(user.is_authenticated and not user.is_agency_staff and user.organization_id)


# --- the list ----------------------------------------------------------------------------------


@login_required
@require_GET
def submission_list(request):
    """Agency staff: the agency's incoming documents (收文) and the rectification loop's pending
    reports and applications. Companies: what their organisation has submitted."""
    user = request.user
    form = SubmissionFilterForm(request.GET)
    filters = form.filters()
    staff = user.is_agency_staff
    if not staff:
        filters["mine"] = False
    page = paginate(request, selectors.submissions_filtered(user, **filters))
    for submission in page:
        _colour(submission)
    context = {
        "form": form,
        "filters": filters,
        "page": page,
        "staff": staff,
        "may_submit": _may_submit(user),
        "filtered": any(filters.values()),
    }
    htmx = getattr(request, "htmx", False)
    if staff and not (htmx and not htmx.boosted):
        # The panel sits above the filters: an htmx search redraws only the results.
        context["inflow"] = selectors.rectification_inflow(user)
    return render_page(request, "documents/submissions.html", context, partial="results")


# --- a new submission --------------------------------------------------------------------------


def _initial(request) -> dict:
    """Choices carried in the link (e.g. from a dangerous work: ?kind=scheme_filing&project=…)."""
    return {
        key: request.GET[key] for key in ("kind", "project", "dangerous_work") if key in request.GET
    }


def _form_context(request, form, **extra) -> dict:
    if "project" in form.fields:
        form.fields["project"].widget.attrs.update(
            {
                "hx-get": reverse("documents:submission_new"),
                "hx-trigger": "change",
                "hx-target": f"#{WORK_FIELD_TARGET}",
                "hx-swap": "outerHTML",
                "hx-include": "this",
            }
        )
    context = {
        "form": form,
        "notices": list(selectors.open_notices_for(request.user)[:20]),
        "work_field_target": WORK_FIELD_TARGET,
    }
    context.update(extra)
    return context


@login_required
@require_http_methods(["GET", "POST"])
def submission_new(request):
    """报送: a company sends a document to the commission; routed to the project's lead
    supervisor (or the section chief)."""
    user = request.user
    if not _may_submit(user):
        raise PermissionDenied
    if request.method == "GET":
        initial = _initial(request)
        if getattr(request, "htmx", False) and request.htmx.target == WORK_FIELD_TARGET:
            # The project changed: only the dangerous-work choices are redrawn.
            form = SubmissionForm(initial=initial, user=user)
            return render(request, f"{FORM}#dangerous_work_field", _form_context(request, form))
        form = SubmissionForm(initial=initial, user=user)
        if "project" in form.fields and "project" not in initial:
            projects = list(form.fields["project"].queryset[:2])
            if len(projects) == 1:
                form = SubmissionForm(initial={**initial, "project": projects[0].pk}, user=user)
        return render(request, FORM, _form_context(request, form))
    form = SubmissionForm(request.POST, request.FILES, user=user)
    if form.is_valid():
        try:
            submission = svc.submission_create(
                by=user,
                fields=form.service_fields(),
                files=read_uploads(form.cleaned_data["files"]),
            )
        except DomainError as error:
            message = _refuse_or_message(error)
            form.add_error(error.field if error.field in form.fields else None, message)
        else:
            if submission.routed_to_id:
                messages.success(
                    request,
                    _("Submitted: routed to %(name)s.") % {"name": submission.routed_to},
                )
            else:
                messages.success(request, _("Submitted to the commission."))
            return redirect(submission)
    context = _form_context(request, form, files_again=bool(request.FILES.getlist("files")))
    return render(request, FORM, context, status=400)


# --- one submission ----------------------------------------------------------------------------


def _detail_context(request, submission, **extra) -> dict:
    work = submission.dangerous_work
    scheme = None
    if work is not None:
        scheme = (
            work.documents.filter(kind=WorkDocument.Kind.SCHEME)
            .order_by("-version", "-created_at", "-id")
            .first()
        )
    context = {
        "submission": _colour(submission),
        "attachments": list(submission.attachments.all()),
        "work": work,
        "scheme": scheme,
        "can_handle": submission.status == SubmissionStatus.SUBMITTED
        and svc.may_handle(request.user, submission),
        "handle_form": HandleForm(),
    }
    context.update(extra)
    return context


@login_required
@require_GET
def submission_detail(request, pk):
    """One submission: its text and files, the linked dangerous work, status and handling."""
    submission = selectors.submission_for_user(request.user, pk)
    return render(request, DETAIL, _detail_context(request, submission))


@login_required
@require_POST
def submission_handle(request, pk):
    """受理 (a receipt number) or 退回 (with the reason)."""
    submission = selectors.submission_for_user(request.user, pk)
    form = HandleForm(request.POST)
    if form.is_valid():
        action = form.cleaned_data["action"]
        comment = form.cleaned_data["comment"]
        try:
            if action == "acknowledge":
                done = svc.submission_acknowledge(
                    submission=submission, by=request.user, comment=comment
                )
            else:
                done = svc.submission_return(
                    submission=submission, by=request.user, comment=comment
                )
        except DomainError as error:
            message = _refuse_or_message(error)
            if error.field not in form.fields:
                # e.g. already handled by someone else meanwhile.
                messages.error(request, message)
                return redirect(submission)
            form.add_error(error.field, message)
        else:
            if action == "acknowledge":
                messages.success(
                    request, _("Acknowledged: receipt number %(number)s.") % {"number": done.number}
                )
            else:
                messages.success(request, _("Returned to the submitter."))
            return redirect(submission)
    elif not svc.may_handle(request.user, submission):
        raise PermissionDenied
    context = _detail_context(request, submission, handle_form=form)
    return render(request, DETAIL, context, status=400)
