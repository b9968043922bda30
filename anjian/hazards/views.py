"""Hazard pages: the ledger, one hazard with its timeline and actions, notices, letters."""

from dataclasses import replace
from urllib.parse import quote

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from anjian.core.errors import DomainError
from anjian.core.excel import xlsx_response
from anjian.core.http import paginate, render_page
from anjian.projects.selectors import project_for_user

from . import services as svc
from . import workflow
from .choices import ResumptionStatus
from .excel import LEDGER_HEADERS, LEDGER_WIDTHS, ledger_rows
from .filters import LedgerFilterForm
from .forms import ActForm, ReplyForm, ResumptionForm, ResumptionReviewForm, default_new_deadline
from .models import NoticeSignature, ResumptionApplication, SupervisionLetter
from .selectors import (
    before_after,
    hazard_for_user,
    ledger,
    notice_for_user,
    notices_visible_to,
    photo_for_user,
    status_counts,
    timeline,
)


@login_required
@require_GET
def ledger_page(request):
    """隐患台账: every hazard the user may see, filtered, sorted, counted and exportable."""
    form = LedgerFilterForm(request.GET, user=request.user)
    filters = form.filters()
    qs = ledger(request.user, filters)
    page = paginate(request, qs)
    # The pills count every status under the other filters, so each stays clickable.
    counts = status_counts(ledger(request.user, replace(filters, status="", overdue=False)))
    return render_page(
        request,
        "hazards/ledger.html",
        {
            "form": form,
            "filters": filters,
            "page": page,
            "counts": counts,
            "now": timezone.now(),
            "query": request.GET.urlencode(),
        },
        partial="results",
    )


@login_required
@require_GET
def ledger_export(request):
    """The filtered ledger as an Excel workbook, written row by row in constant memory."""
    form = LedgerFilterForm(request.GET, user=request.user)
    qs = ledger(request.user, form.filters())
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    base = request.build_absolute_uri("/")[:-1]
    return xlsx_response(
        f"隐患台账-{stamp}.xlsx",
        "隐患台账",
        LEDGER_HEADERS,
        ledger_rows(qs, base_url=base),
        widths=LEDGER_WIDTHS,
    )


@login_required
@require_GET
def project_tab(request, pk):
    """The project's 'hazards' tab."""
    from anjian.projects.views import _tab_context

    project = project_for_user(request.user, pk)
    context = _tab_context(request, project, "hazards:project_tab")
    qs = ledger(request.user, _filters_for_project(project.pk))
    context["hazards"] = qs[:200]
    context["counts"] = status_counts(qs)
    context["notices"] = notices_visible_to(request.user).filter(project=project)[:50]
    context["now"] = timezone.now()
    return render(request, "hazards/project_tab.html", context)


def _filters_for_project(project_id):
    from .selectors import LedgerFilters

    return LedgerFilters(project=project_id)


def _detail_context(request, hazard, reply_form=None, act_form=None):
    before, after = before_after(hazard)
    actions = svc.allowed_actions(hazard, request.user)
    return {
        "hazard": hazard,
        "project": hazard.project,
        "events": timeline(hazard),
        "before": before,
        "after": after,
        "actions": [(a, workflow.ACTION_LABELS[a]) for a in actions if a != workflow.REPLY],
        "can_reply": workflow.REPLY in actions,
        "reply_form": reply_form
        or ReplyForm(initial={"responsible_person": hazard.responsible_person}),
        "act_form": act_form or ActForm(initial={"new_deadline": default_new_deadline()}),
        "needs_comment": sorted(workflow.COMMENT_REQUIRED),
        "needs_deadline": sorted(workflow.NEW_DEADLINE),
        "overdue": hazard.is_overdue(),
        "now": timezone.now(),
        "replies": hazard.replies.select_related("replied_by"),
    }


@login_required
@require_GET
def hazard_detail(request, pk):
    """One hazard: details, before/after photos side by side, the timeline, the actions."""
    hazard = hazard_for_user(request.user, pk)
    return render(request, "hazards/detail.html", _detail_context(request, hazard))


@login_required
@require_POST
def hazard_reply(request, pk):
    """The contractor replies with measures and after-photos."""
    hazard = hazard_for_user(request.user, pk)
    if not (workflow.roles_for_action(workflow.REPLY) & svc.roles_for(hazard, request.user)):
        raise PermissionDenied
    form = ReplyForm(request.POST, request.FILES)
    if form.is_valid():
        data = form.cleaned_data
        try:
            svc.hazard_reply(
                hazard=hazard,
                by=request.user,
                measures=data["measures"],
                responsible_person=data["responsible_person"],
                completed_on=data["completed_on"],
                photos=[f.read() for f in data["photos"]],
            )
        except DomainError as error:
            if error.status_code == 403:
                raise PermissionDenied from None
            form.add_error(error.field if error.field in form.fields else None, str(error.message))
        else:
            messages.success(request, _("Your reply has been submitted for review."))
            return redirect(hazard)
    context = _detail_context(request, hazard, reply_form=form)
    return render(request, "hazards/detail.html", context, status=400)


@login_required
@require_POST
def hazard_action(request, pk, action):
    """Confirm, return, accept, reject, withdraw, dispute, uphold or cancel."""
    hazard = hazard_for_user(request.user, pk)
    if action not in workflow.ACTION_LABELS or action == workflow.REPLY:
        raise Http404
    if not (workflow.roles_for_action(action) & svc.roles_for(hazard, request.user)):
        raise PermissionDenied
    form = ActForm(request.POST)
    if form.is_valid():
        try:
            svc.hazard_act(
                hazard=hazard,
                by=request.user,
                action=action,
                comment=form.cleaned_data.get("comment", ""),
                new_deadline=form.deadline(),
                review_mode=form.cleaned_data.get("review_mode") or "online",
            )
        except DomainError as error:
            if error.status_code == 403:
                raise PermissionDenied from None
            form.add_error(error.field if error.field in form.fields else None, str(error.message))
        else:
            messages.success(
                request, _("Done: %(action)s.") % {"action": workflow.ACTION_LABELS[action]}
            )
            return redirect(hazard)
    context = _detail_context(request, hazard, act_form=form)
    context["failed_action"] = action
    return render(request, "hazards/detail.html", context, status=400)


@login_required
@require_GET
def hazard_photo(request, photo_pk, variant):
    """A hazard photo (before or after), only for those who may see the hazard."""
    photo = photo_for_user(request.user, photo_pk)
    field = {"image": photo.image, "thumb": photo.thumbnail, "original": photo.original}.get(
        variant
    )
    if not field:
        raise Http404
    response = FileResponse(field.open("rb"))
    response["Cache-Control"] = "private, max-age=86400"
    return response


# --- notices -----------------------------------------------------------------------------------


def _notice_context(request, notice, **extra):
    user = request.user
    signatures = list(notice.signatures.select_related("user"))
    receipts = [s for s in signatures if s.kind == NoticeSignature.Kind.RECEIPT]
    site_member = svc.ProjectMember.objects.filter(
        project=notice.project, user=user, is_active=True
    ).first()
    hazards = list(notice.hazards.select_related("major_clause").order_by("number"))
    application = notice.applications.order_by("-created_at").first()
    context = {
        "notice": notice,
        "project": notice.project,
        "hazards": hazards,
        "receipts": receipts,
        "reply_signatures": [s for s in signatures if s.kind != NoticeSignature.Kind.RECEIPT],
        "can_receive": site_member is not None
        and site_member.role in svc.CONTRACTOR_ROLES
        and not any(s.user_id == user.pk for s in receipts)
        and notice.kind != "resume",
        "can_sign_reply": site_member is not None
        and site_member.role in ("pm", "chief_engineer")
        and any(h.status not in ("issued", "rectifying") for h in hazards),
        "application": application,
        "can_apply": notice.is_stop
        and site_member is not None
        and site_member.role in svc.CONTRACTOR_ROLES
        and notice.status not in ("closed", "withdrawn")
        and not (application and application.status == ResumptionStatus.SUBMITTED),
        "can_review": notice.is_stop
        and application is not None
        and application.status == ResumptionStatus.SUBMITTED
        and user.agency_role == "chief"
        and user.organization_id == notice.agency_id,
        "resumption_form": ResumptionForm(),
        "review_form": ResumptionReviewForm(),
        "notice_receive_url": reverse("hazards:notice_receive", args=[notice.pk]),
        "now": timezone.now(),
    }
    context.update(extra)
    return context


@login_required
@require_GET
def notice_detail(request, pk):
    """A notice: its hazards, receipts, reply sheet, stop-work and resumption."""
    notice = notice_for_user(request.user, pk)
    return render(request, "hazards/notice_detail.html", _notice_context(request, notice))


@login_required
@require_POST
def notice_receive(request, pk):
    """Sign for a notice (送达回执), optionally with a drawn signature."""
    notice = notice_for_user(request.user, pk)
    try:
        svc.notice_receive(notice=notice, by=request.user, image_data=request.POST.get("image", ""))
    except DomainError as error:
        if error.status_code == 403:
            raise PermissionDenied from None
        messages.error(request, str(error.message))
    else:
        messages.success(request, _("You have signed for the notice."))
    return redirect(notice)


@login_required
@require_http_methods(["GET", "POST"])
def notice_reply_sign(request, pk):
    """Sign the 整改回复单 on a canvas (project manager, chief supervising engineer)."""
    notice = notice_for_user(request.user, pk)
    error = None
    if request.method == "POST":
        try:
            svc.notice_reply_sign(
                notice=notice, by=request.user, image_data=request.POST.get("image", "")
            )
        except DomainError as exc:
            if exc.status_code == 403:
                raise PermissionDenied from None
            error = str(exc.message)
        else:
            messages.success(request, _("The reply sheet has been signed."))
            return redirect(notice)
    elif not svc.ProjectMember.objects.filter(
        project=notice.project, user=request.user, role__in=["pm", "chief_engineer"], is_active=True
    ).exists():
        raise PermissionDenied
    return render(
        request,
        "hazards/reply_sign.html",
        {"notice": notice, "error": error},
        status=400 if error else 200,
    )


@login_required
@require_POST
def resumption_apply(request, pk):
    notice = notice_for_user(request.user, pk)
    form = ResumptionForm(request.POST)
    if form.is_valid():
        try:
            svc.resumption_apply(
                notice=notice, by=request.user, statement=form.cleaned_data["statement"]
            )
        except DomainError as error:
            if error.status_code == 403:
                raise PermissionDenied from None
            form.add_error(None, str(error.message))
        else:
            messages.success(request, _("The resumption application has been submitted."))
            return redirect(notice)
    return render(
        request,
        "hazards/notice_detail.html",
        _notice_context(request, notice, resumption_form=form),
        status=400,
    )


@login_required
@require_POST
def resumption_review(request, pk, application_pk):
    notice = notice_for_user(request.user, pk)
    application = get_object_or_404(ResumptionApplication, pk=application_pk, notice=notice)
    form = ResumptionReviewForm(request.POST)
    if form.is_valid():
        try:
            svc.resumption_review(
                application=application,
                by=request.user,
                approve=form.cleaned_data["decision"] == "approve",
                comment=form.cleaned_data["comment"],
                review_mode=form.cleaned_data["review_mode"],
            )
        except DomainError as error:
            if error.status_code == 403:
                raise PermissionDenied from None
            form.add_error(None, str(error.message))
        else:
            messages.success(request, _("The application has been reviewed."))
            return redirect(notice)
    return render(
        request,
        "hazards/notice_detail.html",
        _notice_context(request, notice, review_form=form),
        status=400,
    )


def _pdf_response(pdf: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f"inline; filename*=UTF-8''{quote(filename)}"
    return response


@login_required
@require_GET
def notice_pdf(request, pk):
    """The notice as an official PDF."""
    from .pdf import render_notice_pdf

    notice = notice_for_user(request.user, pk)
    verify_url = request.build_absolute_uri(reverse("hazards:notice_detail", args=[notice.pk]))
    return _pdf_response(render_notice_pdf(notice, verify_url=verify_url), f"{notice.number}.pdf")


@login_required
@require_GET
def reply_pdf(request, pk):
    """The notice's 整改回复单 as a PDF."""
    from .pdf import render_reply_pdf

    notice = notice_for_user(request.user, pk)
    return _pdf_response(render_reply_pdf(notice), f"整改回复单-{notice.number}.pdf")


@login_required
@require_GET
def letter_pdf(request, pk):
    """A supervision letter (督办函) as a PDF."""
    from .pdf import render_letter_pdf

    letter = get_object_or_404(SupervisionLetter.objects.select_related("project", "hazard"), pk=pk)
    hazard_for_user(request.user, letter.hazard_id)
    return _pdf_response(render_letter_pdf(letter), f"督办函-{letter.number}.pdf")
