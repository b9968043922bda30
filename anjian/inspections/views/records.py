"""Inspection record pages: start, fill in (phone-first, saved as you go), sign, finish, PDF."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from anjian.accounts.models import User
from anjian.core.errors import DomainError
from anjian.core.http import paginate, render_page
from anjian.projects.selectors import project_for_user

from ..choices import AnswerResult, HazardGrade, InspectionStatus, SignerRole
from ..forms import FindingForm, StartForm, finding_form_for
from ..models import (
    Finding,
    Inspection,
    InspectionAnswer,
    InspectionPhoto,
    PlannedVisit,
    Signature,
    TemplateSection,
)
from ..selectors.records import (
    answer_with_extras,
    fill_page_data,
    inspection_for_user,
    inspections_filtered,
    signatures_with_validity,
)
from ..services import records as svc


def _error_response(request, error: DomainError, status=400):
    """An htmx-friendly error: a Chinese message the page shows in place."""
    if request.htmx:
        return HttpResponse(
            f'<div class="alert alert-danger py-1 px-2 small mb-2" role="alert">{error.message}</div>',
            status=status,
            headers={"HX-Retarget": "#flash", "HX-Reswap": "innerHTML"},
        )
    messages.error(request, str(error.message))
    return None


@login_required
@require_GET
def inspection_list(request):
    """All inspections the user may see, filterable."""
    status = request.GET.get("status", "")
    q = request.GET.get("q", "").strip()
    # From the dashboard: ?month=YYYY-MM&street=<id>&by=commission (ignored when malformed).
    month = _month(request.GET.get("month", ""))
    street = request.GET.get("street", "")
    street = int(street) if street.isdigit() and len(street) < 12 else None
    commission = request.GET.get("by") == "commission"
    qs = inspections_filtered(
        request.user, status=status, q=q, month=month, street=street, commission=commission
    )
    page = paginate(request, qs)
    return render_page(
        request,
        "inspections/records/inspection_list.html",
        {
            "page": page,
            "status": status,
            "q": q,
            "statuses": InspectionStatus.choices,
            "month": month,
            "street": street,
            "commission": commission,
        },
        partial="results",
    )


def _month(raw: str):
    """The first day of a YYYY-MM month, or None."""
    import datetime

    try:
        return datetime.datetime.strptime(raw.strip(), "%Y-%m").date()
    except ValueError:
        return None


@login_required
@require_GET
def project_tab(request, pk):
    """The project's 'inspections' tab: history with scores and grades."""
    from anjian.projects.views import PROJECT_TABS, _tab_context

    project = project_for_user(request.user, pk)
    context = _tab_context(request, project, "inspections:project_tab")
    context["tabs"] = PROJECT_TABS
    context["inspections"] = inspections_filtered(request.user, project=project.pk)[:100]
    context["can_inspect"] = request.user.is_agency_staff and request.user.agency_role in (
        "supervisor",
        "chief",
    )
    return render(request, "inspections/records/project_tab.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def inspection_start(request):
    """Start an inspection, from a planned visit or ad hoc; the browser sends its location."""
    if not (request.user.is_agency_staff and request.user.agency_role in svc.INSPECTING_ROLES):
        raise PermissionDenied
    visit = None
    visit_id = request.GET.get("visit") or request.POST.get("visit")
    if visit_id:
        visit = get_object_or_404(
            PlannedVisit.objects.filter(plan__agency=request.user.organization), pk=visit_id
        )
    initial = {}
    if visit is not None:
        initial = {
            "project": visit.project_id,
            "inspection_type": visit.inspection_type,
            "inspectors": list(visit.inspectors.values_list("pk", flat=True)),
            "template": current_version(visit.templates.first()),
        }
    elif request.GET.get("project"):
        initial["project"] = request.GET.get("project")
    form = StartForm(request.POST or None, user=request.user, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            inspection = svc.inspection_start(
                project=data["project"],
                template=data["template"],
                by=request.user,
                inspectors=list(data["inspectors"]),
                visit=visit,
                inspection_type=data["inspection_type"],
                latitude=data.get("latitude"),
                longitude=data.get("longitude"),
                accuracy=data.get("accuracy"),
            )
        except DomainError as error:
            form.add_error(None, str(error.message))
        else:
            return redirect(inspection)
    return render(request, "inspections/records/start.html", {"form": form, "visit": visit})


def _detail_context(request, inspection):
    editable = inspection.is_open and svc.can_edit(inspection, request.user)
    sections = fill_page_data(inspection)
    if editable:
        for section in sections:
            for answer in section["answers"]:
                if answer.result == AnswerResult.NONCOMPLIANT and not answer.finding_list:
                    answer.new_finding_form = finding_form_for(answer, inspection)
    total = sum(len(s["answers"]) for s in sections)
    answered = sum(s["answered"] for s in sections)
    current_hash = (
        inspection.content_hash
        if inspection.status == InspectionStatus.FINISHED
        else svc.content_hash(inspection)
    )
    signatures = signatures_with_validity(inspection, current_hash)
    return {
        "inspection": inspection,
        "project": inspection.project,
        "sections": sections,
        "editable": editable,
        "progress_info": {
            "total": total,
            "done": answered,
            "pct": int(answered * 100 / total) if total else 100,
        },
        "findings": inspection.findings.select_related(
            "answer__item", "major_clause", "dangerous_work"
        ),
        "signatures": signatures,
        "valid_signatures": [s for s in signatures if s.is_valid],
        "problems": svc.finish_problems(inspection) if editable else [],
        "score": svc.inspection_score(inspection) if inspection.template.is_scored else None,
        "finding_form": FindingForm(inspection=inspection),
        "grades": HazardGrade.choices,
        "results": AnswerResult,
        "events": inspection.events.select_related("actor"),
        "can_reopen": inspection.status == InspectionStatus.FINISHED
        and svc.can_edit(inspection, request.user),
        "can_sign_as_site": _can_sign_as_site(request.user, inspection, signatures),
        "notice_kinds": NOTICE_KINDS,
        "suggested_notice": "partial_stop"
        if any(f.grade == HazardGrade.MAJOR for f in inspection.findings.all())
        else "rectify",
        "notices": list(inspection.notices.all()) if not inspection.is_open else [],
    }


def current_version(template):
    """The published version of a template's key (a visit may name a superseded version)."""
    if template is None:
        return None
    from ..models import ChecklistTemplate

    return (
        ChecklistTemplate.objects.published().filter(key=template.key).values_list("pk", flat=True)
    ).first()


def _notice_kinds():
    from anjian.hazards.choices import NoticeKind

    return [(k.value, k.label) for k in NoticeKind if k != NoticeKind.RESUME]


NOTICE_KINDS = _notice_kinds()


def _can_sign_as_site(user, inspection, signatures) -> bool:
    if inspection.status != InspectionStatus.FINISHED:
        return False
    if any(s.is_valid and s.role != SignerRole.INSPECTOR for s in signatures):
        return False
    return svc.representative_members(inspection).filter(user=user).exists()


@login_required
@require_GET
def inspection_detail(request, pk):
    """The record: a phone-first form while open, the official record once finished."""
    inspection = inspection_for_user(request.user, pk)
    return render(request, "inspections/records/detail.html", _detail_context(request, inspection))


def _item_response(request, inspection, answer):
    answer = answer_with_extras(
        InspectionAnswer.objects.select_related("item__section", "item__major_clause").get(
            pk=answer.pk
        )
    )
    answer.new_finding_form = finding_form_for(answer, inspection)
    return render(
        request,
        "inspections/records/_item.html",
        {
            "answer": answer,
            "inspection": inspection,
            "editable": True,
            "results": AnswerResult,
            "finding_form": FindingForm(inspection=inspection),
            "oob_progress": True,
            "progress": _progress(inspection),
        },
    )


def _progress(inspection):
    total = inspection.answers.count()
    done = inspection.answers.exclude(result="").count()
    return {"total": total, "done": done, "pct": int(done * 100 / total) if total else 100}


@login_required
@require_POST
def answer(request, pk, item_pk):
    """Save one item's answer (result, deduction counts, note); returns the item partial."""
    inspection = inspection_for_user(request.user, pk, write=True)
    answer = get_object_or_404(InspectionAnswer, inspection=inspection, item_id=item_pk)
    counts = None
    if any(key.startswith("count-") for key in request.POST):
        counts = {
            key.removeprefix("count-"): value
            for key, value in request.POST.items()
            if key.startswith("count-")
        }
    try:
        svc.inspection_answer(
            inspection=inspection,
            item=answer.item,
            by=request.user,
            result=request.POST.get("result") if "result" in request.POST else None,
            counts=counts,
            note=request.POST.get("note") if "note" in request.POST else None,
        )
    except DomainError as error:
        response = _error_response(request, error)
        if response is not None:
            return response
    if request.htmx:
        return _item_response(request, inspection, answer)
    return redirect(f"{inspection.get_absolute_url()}#item-{answer.item_id}")


@login_required
@require_POST
def section_mark(request, pk, section_pk):
    """Mark the unanswered items of a section compliant, or the whole section not applicable."""
    inspection = inspection_for_user(request.user, pk, write=True)
    section = get_object_or_404(TemplateSection, pk=section_pk, template=inspection.template)
    try:
        count = svc.inspection_mark_section(
            inspection=inspection,
            section=section,
            by=request.user,
            result=request.POST.get("result", ""),
        )
    except DomainError as error:
        messages.error(request, str(error.message))
    else:
        messages.success(request, _("%(n)d items updated.") % {"n": count})
    return redirect(f"{inspection.get_absolute_url()}#section-{section.pk}")


@login_required
@require_POST
def notes(request, pk):
    """Save the site situation and the conclusion."""
    inspection = inspection_for_user(request.user, pk, write=True)
    try:
        svc.inspection_update_notes(
            inspection=inspection,
            by=request.user,
            site_situation=request.POST.get("site_situation"),
            conclusion=request.POST.get("conclusion"),
        )
    except DomainError as error:
        response = _error_response(request, error)
        if response is not None:
            return response
        return redirect(inspection)
    if request.htmx:
        return HttpResponse(f'<span class="text-success small">{_("Saved")}</span>')
    return redirect(inspection)


@login_required
@require_POST
def photo_upload(request, pk):
    """Attach photos to an item (or to a finding); returns the item partial for htmx."""
    inspection = inspection_for_user(request.user, pk, write=True)
    answer = None
    if request.POST.get("item"):
        answer = get_object_or_404(
            InspectionAnswer, inspection=inspection, item_id=request.POST["item"]
        )
    finding = None
    if request.POST.get("finding"):
        finding = get_object_or_404(Finding, inspection=inspection, pk=request.POST["finding"])
    files = request.FILES.getlist("photo")
    if not files:
        error = DomainError(_("Choose or take a photo first."))
        response = _error_response(request, error)
        return response or redirect(inspection)
    try:
        for upload in files[:10]:
            svc.inspection_photo_add(
                inspection=inspection,
                by=request.user,
                data=upload.read(),
                filename=upload.name,
                answer=answer or (finding.answer if finding else None),
                finding=finding,
                caption=request.POST.get("caption", ""),
            )
    except DomainError as error:
        response = _error_response(request, error)
        if response is not None:
            return response
    if request.htmx and answer is not None:
        return _item_response(request, inspection, answer)
    return redirect(inspection)


@login_required
@require_POST
def finding_create(request, pk):
    """Record a finding (from a non-compliant item or free)."""
    inspection = inspection_for_user(request.user, pk, write=True)
    answer = None
    if request.POST.get("item"):
        answer = get_object_or_404(
            InspectionAnswer, inspection=inspection, item_id=request.POST["item"]
        )
    form = FindingForm(request.POST, inspection=inspection)
    if form.is_valid():
        try:
            svc.finding_save(
                inspection=inspection, by=request.user, answer=answer, **form.cleaned_data
            )
        except DomainError as error:
            form.add_error(error.field if error.field in form.fields else None, str(error.message))
    if form.errors:
        if request.htmx:
            response = render(
                request,
                "inspections/records/_finding_form.html",
                {"inspection": inspection, "answer": answer, "finding_form": form},
                status=422,
            )
            response["HX-Retarget"] = "this"
            response["HX-Reswap"] = "outerHTML"
            return response
        messages.error(request, "；".join(str(e) for errs in form.errors.values() for e in errs))
        return redirect(inspection)
    if request.htmx and answer is not None:
        return _item_response(request, inspection, answer)
    messages.success(request, _("The finding has been recorded."))
    return redirect(f"{inspection.get_absolute_url()}#findings")


@login_required
@require_http_methods(["GET", "POST"])
def finding_edit(request, pk, finding_pk):
    """Edit a finding."""
    inspection = inspection_for_user(request.user, pk, write=True)
    finding = get_object_or_404(Finding, inspection=inspection, pk=finding_pk)
    form = FindingForm(request.POST or None, instance=finding, inspection=inspection)
    if request.method == "POST" and form.is_valid():
        try:
            svc.finding_save(
                inspection=inspection, by=request.user, finding=finding, **form.cleaned_data
            )
        except DomainError as error:
            form.add_error(error.field if error.field in form.fields else None, str(error.message))
        else:
            messages.success(request, _("The finding has been saved."))
            return redirect(f"{inspection.get_absolute_url()}#findings")
    return render(
        request,
        "inspections/records/finding_edit.html",
        {
            "inspection": inspection,
            "finding": finding,
            "form": form,
            # the dangerous-work select is rendered on its own, with its clause suggestion
            "fields": [f for f in form.visible_fields() if f.name != "dangerous_work"],
        },
    )


@login_required
@require_POST
def finding_delete(request, pk, finding_pk):
    """Remove a finding."""
    inspection = inspection_for_user(request.user, pk, write=True)
    finding = get_object_or_404(Finding, inspection=inspection, pk=finding_pk)
    try:
        svc.finding_delete(finding=finding, by=request.user)
    except DomainError as error:
        messages.error(request, str(error.message))
    return redirect(f"{inspection.get_absolute_url()}#findings")


@login_required
@require_http_methods(["GET", "POST"])
def sign(request, pk):
    """Sign on a canvas: inspectors and the site representative on this device, or the site
    representative later on their own phone."""
    inspection = inspection_for_user(request.user, pk)
    editor = svc.can_edit(inspection, request.user)
    members = svc.representative_members(inspection)
    own_member = members.filter(user=request.user).first()
    if not editor and own_member is None:
        raise PermissionDenied
    error = None
    if request.method == "POST":
        role = request.POST.get("role", "")
        signer = None
        if request.POST.get("signer"):
            signer = User.objects.filter(pk=request.POST["signer"]).first()
        try:
            svc.inspection_sign(
                inspection=inspection,
                by=request.user,
                role=role,
                image_data=request.POST.get("image", ""),
                signer=signer,
                signer_name=request.POST.get("signer_name", ""),
            )
        except DomainError as exc:
            error = str(exc.message)
        else:
            messages.success(request, _("The signature has been saved."))
            return redirect(f"{inspection.get_absolute_url()}#signatures")
    signed = set(
        inspection.signatures.filter(voided_at__isnull=True).values_list("role", "signer_id")
    )
    pending_inspectors = [
        u for u in inspection.inspectors.all() if (SignerRole.INSPECTOR, u.pk) not in signed
    ]
    return render(
        request,
        "inspections/records/sign.html",
        {
            "inspection": inspection,
            "editor": editor and inspection.is_open,
            "own_member": own_member,
            "members": members,
            "pending_inspectors": pending_inspectors,
            "error": error,
            "posted": request.POST if request.method == "POST" else {},
            "site_signed": any(role != SignerRole.INSPECTOR for role, _s in signed),
        },
        status=400 if error else 200,
    )


@login_required
@require_POST
def finish(request, pk):
    """Finish the record, or show what still stops it."""
    inspection = inspection_for_user(request.user, pk, write=True)
    try:
        svc.inspection_finish(
            inspection=inspection,
            by=request.user,
            notice_kind=request.POST.get("notice_kind") or "rectify",
            requirements=request.POST.get("requirements", ""),
            stop_scope=request.POST.get("stop_scope", ""),
        )
    except DomainError as error:
        messages.error(request, str(error.message))
    else:
        messages.success(request, _("The inspection record has been finished."))
        notice = inspection.notices.order_by("-pk").first()
        if notice is not None:
            messages.info(
                request,
                _("%(kind)s %(number)s has been issued to the project.")
                % {"kind": notice.get_kind_display(), "number": notice.number},
            )
    return redirect(inspection)


@login_required
@require_POST
def reopen(request, pk):
    """Reopen a finished record for correction; its signatures are voided."""
    inspection = inspection_for_user(request.user, pk, write=True)
    try:
        svc.inspection_reopen(
            inspection=inspection, by=request.user, reason=request.POST.get("reason", "")
        )
    except DomainError as error:
        messages.error(request, str(error.message))
    else:
        messages.warning(request, _("The record has been reopened; its signatures are void."))
    return redirect(inspection)


@login_required
@require_GET
def record_pdf(request, pk):
    """The official 监督检查记录 as a PDF."""
    from ..pdf import render_inspection_pdf

    inspection = inspection_for_user(request.user, pk)
    verify_url = request.build_absolute_uri(
        reverse("inspections:verify", args=[inspection.verify_token])
    )
    pdf = render_inspection_pdf(inspection, verify_url=verify_url)
    filename = f"监督检查记录-{inspection.number or inspection.pk}.pdf"
    response = HttpResponse(pdf, content_type="application/pdf")
    from urllib.parse import quote

    response["Content-Disposition"] = f"inline; filename*=UTF-8''{quote(filename)}"
    return response


@require_GET
def verify(request, token):
    """Public verification page (the PDF's QR code): does the record match its signatures?"""
    inspection = (
        Inspection.objects.select_related("project", "agency", "template")
        .filter(verify_token=token)
        .first()
    )
    if inspection is None:
        raise Http404
    current = svc.content_hash(inspection)
    signatures = signatures_with_validity(inspection, current)
    return render(
        request,
        "inspections/records/verify.html",
        {
            "inspection": inspection,
            "current_hash": current,
            "record_matches": inspection.content_hash == current,
            "signatures": signatures,
        },
    )


@login_required
@require_GET
def photo_file(request, pk, photo_pk, variant):
    """An evidence photo, served only to those who may see the inspection."""
    inspection = inspection_for_user(request.user, pk)
    photo = get_object_or_404(InspectionPhoto, inspection=inspection, pk=photo_pk)
    field = {"image": photo.image, "thumb": photo.thumbnail, "original": photo.original}.get(
        variant
    )
    if field is None or not field:
        raise Http404
    response = FileResponse(field.open("rb"))
    response["Cache-Control"] = "private, max-age=86400"
    return response


@login_required
@require_GET
def signature_file(request, pk, signature_pk):
    """A signature image, for those who may see the inspection."""
    inspection = inspection_for_user(request.user, pk)
    signature = get_object_or_404(Signature, inspection=inspection, pk=signature_pk)
    return FileResponse(signature.image.open("rb"), content_type="image/png")
