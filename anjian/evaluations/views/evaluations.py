"""考评 pages: the evaluation list, the project's tab, the JGJ59 score sheet with its reviews and
signatures, accidents, and the final 考评 with its notice, objection and review."""

from urllib.parse import quote

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from anjian.accounts.choices import AgencyRole
from anjian.core.errors import DomainError
from anjian.core.http import paginate, render_page
from anjian.projects.selectors import project_for_user

from .. import services as svc
from ..forms import (
    AccidentForm,
    EvaluationFilterForm,
    EvaluationNewForm,
    FinalForm,
    FinalReviewForm,
    ObjectionForm,
    ReviewForm,
)
from ..models import Accident, Evaluation, EvaluationSignature, FinalEvaluation
from ..selectors import (
    evaluation_for_user,
    evaluations_visible_to,
    final_for_user,
    finals_visible_to,
)

GRADE_LABELS = {"EXCELLENT": "优良", "PASS": "合格", "FAIL": "不合格"}
GRADE_COLOURS = {"EXCELLENT": "success", "PASS": "primary", "FAIL": "danger"}
STATUS_COLOURS = {
    Evaluation.Status.DRAFT: "secondary",
    Evaluation.Status.SUBMITTED: "warning",
    Evaluation.Status.CONFIRMED: "success",
    Evaluation.Status.RETURNED: "danger",
}
RESULT_COLOURS = {
    FinalEvaluation.Result.EXCELLENT: "success",
    FinalEvaluation.Result.PASS: "primary",
    FinalEvaluation.Result.FAIL: "danger",
}
FINAL_STATUS_COLOURS = {
    FinalEvaluation.Status.NOTIFIED: "info",
    FinalEvaluation.Status.OBJECTED: "warning",
    FinalEvaluation.Status.FINAL: "success",
}


def _refuse_or_message(error: DomainError) -> str:
    """A NotAllowed becomes a 403; any other domain error its message."""
    if error.status_code == 403:
        raise PermissionDenied from None
    return str(error.message)


def _form_error(form, error: DomainError, aliases=None):
    message = _refuse_or_message(error)
    field = (aliases or {}).get(error.field, error.field)
    form.add_error(field if field in form.fields else None, message)


def _refused_elsewhere(request, form, error: DomainError, obj):
    """A refusal not about one of the form's fields (e.g. the status moved on meanwhile): the
    form may no longer be on the page, so say it in a message and go back to the page."""
    message = _refuse_or_message(error)
    if error.field in form.fields:
        form.add_error(error.field, message)
        return None
    messages.error(request, message)
    return redirect(obj)


def _decorate(evaluation):
    """Labels and colours the templates show for an evaluation."""
    evaluation.grade_label = GRADE_LABELS.get(evaluation.grade, "")
    evaluation.grade_colour = GRADE_COLOURS.get(evaluation.grade, "secondary")
    evaluation.status_colour = STATUS_COLOURS.get(evaluation.status, "secondary")
    return evaluation


def _decorate_final(final):
    final.result_colour = RESULT_COLOURS.get(final.result, "secondary")
    final.status_colour = FINAL_STATUS_COLOURS.get(final.status, "secondary")
    return final


def _creatable_kinds(project, user) -> list[str]:
    kinds = []
    if svc.is_contractor(project, user):
        kinds.append(Evaluation.Kind.SELF)
    if svc.is_agency_of(project, user):
        kinds.append(Evaluation.Kind.AGENCY)
    return kinds


# --- list --------------------------------------------------------------------------------------


@login_required
@require_GET
def evaluation_list(request):
    """Evaluations of the projects the user sees; agency staff also the final 考评."""
    form = EvaluationFilterForm(request.GET or None)
    filters = form.filters()
    show_finals = request.user.is_agency_staff
    tab = "finals" if show_finals and request.GET.get("tab") == "finals" else "evaluations"
    q = filters.get("q", "")
    if tab == "finals":
        qs = finals_visible_to(request.user).select_related("project")
        if q:
            qs = qs.filter(Q(project__name__icontains=q) | Q(number__icontains=q))
        page = paginate(request, qs.order_by("-decided_at", "-id"))
        for final in page:
            _decorate_final(final)
    else:
        qs = evaluations_visible_to(request.user).select_related("project")
        if q:
            qs = qs.filter(project__name__icontains=q)
        for name in ("kind", "status"):
            if filters.get(name):
                qs = qs.filter(**{name: filters[name]})
        if filters.get("month"):
            qs = qs.filter(period=filters["month"])
        page = paginate(request, qs.order_by("-period", "project__name", "kind", "-id"))
        for evaluation in page:
            _decorate(evaluation)
    return render_page(
        request,
        "evaluations/list.html",
        {"form": form, "page": page, "tab": tab, "show_finals": show_finals},
        partial="results",
    )


# --- the project's tab ------------------------------------------------------------------------


def _tab(request, project, accident_form=None, status=200):
    from anjian.projects.views import _tab_context

    user = request.user
    context = _tab_context(request, project, "evaluations:project_tab")
    evaluations = [
        _decorate(e)
        for e in Evaluation.objects.filter(project=project)
        .prefetch_related("signatures")
        .order_by("-period", "kind", "-id")
    ]
    for evaluation in evaluations:
        evaluation.reviews = [
            s for s in evaluation.signatures.all() if s.role != EvaluationSignature.Role.CONTRACTOR
        ]
    chart = _chart_data(evaluations)
    decider = svc.is_agency_of(project, user)
    final = FinalEvaluation.objects.filter(project=project).first()
    context.update(
        {
            "self_evaluations": [e for e in evaluations if e.kind == Evaluation.Kind.SELF],
            "agency_evaluations": [e for e in evaluations if e.kind == Evaluation.Kind.AGENCY],
            "kinds": _creatable_kinds(project, user),
            "accidents": list(Accident.objects.filter(project=project)),
            "can_record_accident": decider,
            "accident_form": accident_form or (AccidentForm() if decider else None),
            "final": _decorate_final(final) if final else None,
            "can_final": decider and final is None,
            "chart": chart,
        }
    )
    return render(request, "evaluations/project_tab.html", context, status=status)


def _chart_data(evaluations) -> dict | None:
    """Scores by month of the self-evaluations and of the agency's evaluations."""
    scored = [e for e in evaluations if e.score is not None]
    if not scored:
        return None
    months = sorted({e.period for e in scored})
    series = {}
    for kind in (Evaluation.Kind.SELF, Evaluation.Kind.AGENCY):
        by_month = {e.period: float(e.score) for e in scored if e.kind == kind}
        series[kind] = [by_month.get(m) for m in months]
    return {
        "months": [f"{m:%Y-%m}" for m in months],
        "self": series[Evaluation.Kind.SELF],
        "agency": series[Evaluation.Kind.AGENCY],
        "self_label": str(Evaluation.Kind.SELF.label),
        "agency_label": str(Evaluation.Kind.AGENCY.label),
    }


@login_required
@require_GET
def project_tab(request, pk):
    """The project's '考评' tab: monthly evaluations, accidents, the final 考评."""
    return _tab(request, project_for_user(request.user, pk))


@login_required
@require_POST
def accident_add(request, pk):
    """The project's supervisors record an accident."""
    project = project_for_user(request.user, pk)
    if not svc.is_agency_of(project, request.user):
        raise PermissionDenied
    form = AccidentForm(request.POST)
    if form.is_valid():
        try:
            svc.accident_record(project=project, by=request.user, data=form.cleaned_data)
        except DomainError as error:
            _form_error(form, error)
        else:
            messages.success(request, _("The accident has been recorded."))
            return redirect("evaluations:project_tab", pk=project.pk)
    return _tab(request, project, accident_form=form, status=400)


# --- a new evaluation ------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def evaluation_new(request, pk):
    """Start a month's self-evaluation (contractor) or 评定 (the project's supervisors)."""
    project = project_for_user(request.user, pk)
    kinds = _creatable_kinds(project, request.user)
    if not kinds:
        raise PermissionDenied
    existing = None
    if request.method == "POST":
        form = EvaluationNewForm(request.POST, kinds=kinds)
        if form.is_valid():
            kind, month = form.cleaned_data["kind"], form.cleaned_data["month"]
            try:
                evaluation = svc.evaluation_create(
                    project=project, by=request.user, kind=kind, period=month
                )
            except DomainError as error:
                _form_error(form, error, aliases={"period": "month"})
                existing = Evaluation.objects.filter(
                    project=project, kind=kind, period=month
                ).first()
            else:
                messages.success(request, _("The evaluation has been created."))
                return redirect(evaluation)
    else:
        kind = request.GET.get("kind")
        form = EvaluationNewForm(kinds=kinds, initial={"kind": kind} if kind in kinds else None)
    return render(
        request,
        "evaluations/evaluation_new.html",
        {"project": project, "form": form, "existing": existing},
        status=400 if request.method == "POST" else 200,
    )


# --- the score sheet -------------------------------------------------------------------------


def _values_from_answers(answers: dict) -> dict:
    values = {}
    for key, answer in (answers or {}).items():
        if answer.get("na"):
            values[f"na_{key}"] = True
        elif answer.get("d"):
            values[f"d_{key}"] = answer["d"]
    return values


def _values_from_post(post) -> dict:
    values = {}
    for key in post:
        if key.startswith("d_"):
            values[key] = post.get(key, "")[:20]
        elif key.startswith("na_"):
            values[key] = True
    return values


def _answers_from_post(post) -> dict:
    raw: dict[str, dict] = {}
    for key in post:
        if key.startswith("d_"):
            raw.setdefault(key[2:], {})["d"] = post.get(key, "")[:20]
        elif key.startswith("na_"):
            raw.setdefault(key[3:], {})["na"] = True
    return raw


def _sheet(evaluation, values: dict, error_field: str | None, error: str | None):
    """The score sheet: each table with its items, the typed values and the table's score."""
    items = svc.template_items(evaluation.template)
    tables = {t["code"]: t for t in (evaluation.score_detail or {}).get("tables", [])}
    sections, by_pk = [], {}
    for item in items:
        section = item.section
        if section.pk not in by_pk:
            by_pk[section.pk] = {"section": section, "rows": [], "table": tables.get(section.code)}
            sections.append(by_pk[section.pk])
        d_name, na_name = f"d_{item.pk}", f"na_{item.pk}"
        by_pk[section.pk]["rows"].append(
            {
                "item": item,
                "d_name": d_name,
                "na_name": na_name,
                "d": values.get(d_name, ""),
                "na": bool(values.get(na_name)),
                "error": error if error_field in (d_name, na_name) else "",
            }
        )
    for data in sections:
        data["has_error"] = any(row["error"] for row in data["rows"])
        data["deducted"] = sum(1 for row in data["rows"] if row["d"] and not row["na"])
    return sections


def _summary(evaluation):
    """The 汇总表 rows in the template's order, from the stored score detail."""
    detail = evaluation.score_detail or {}
    categories = detail.get("categories", {})
    return [{"code": code, **data} for code, data in categories.items()]


def _detail_context(
    request,
    evaluation,
    *,
    values=None,
    error_field=None,
    error=None,
    review_form=None,
    submit_error=None,
):
    user = request.user
    project = evaluation.project
    _decorate(evaluation)
    signatures = list(evaluation.signatures.all())
    editable = svc.can_edit(evaluation, user)
    is_self = evaluation.kind == Evaluation.Kind.SELF
    role = None
    required = set()
    if is_self:
        role = svc.review_role(project, user)
        required = svc.required_reviews(project)
    signed_roles = {s.role for s in signatures if s.role != EvaluationSignature.Role.CONTRACTOR}
    can_review = (
        is_self
        and role is not None
        and evaluation.status == Evaluation.Status.SUBMITTED
        and role not in signed_roles
    )
    role_labels = dict(EvaluationSignature.Role.choices)
    awaiting = (
        [role_labels[r] for r in sorted(required - signed_roles)]
        if is_self and evaluation.status == Evaluation.Status.SUBMITTED
        else []
    )
    if values is None:
        values = _values_from_answers(evaluation.answers)
    return {
        "evaluation": evaluation,
        "project": project,
        "score": evaluation.score_detail or None,
        "summary": _summary(evaluation),
        "sections": _sheet(evaluation, values, error_field, error),
        "error": error,
        "error_field": error_field,
        "editable": editable,
        "signatures": signatures,
        "can_review": can_review,
        "review_role_label": role_labels.get(role, ""),
        "review_form": review_form or ReviewForm(),
        "awaiting": awaiting,
        "submit_error": submit_error,
        "remarks": values.get("remarks", evaluation.remarks),
    }


@login_required
@require_GET
def evaluation_detail(request, pk):
    """One evaluation: the JGJ59 score sheet, the 汇总表, signatures, submit and review."""
    evaluation = evaluation_for_user(request.user, pk)
    return render(
        request, "evaluations/evaluation_detail.html", _detail_context(request, evaluation)
    )


@login_required
@require_POST
def evaluation_score(request, pk):
    """Save the deductions (htmx on every change, or the save button) and answer with the
    updated scores; a refused value leaves the typed values alone and says why, near the field."""
    evaluation = evaluation_for_user(request.user, pk)
    remarks = request.POST.get("remarks", "")
    try:
        evaluation = svc.evaluation_save(
            evaluation=evaluation,
            by=request.user,
            answers=_answers_from_post(request.POST),
            remarks=remarks,
        )
    except DomainError as error:
        message = _refuse_or_message(error)
        if request.htmx:
            return _score_response(
                request, evaluation, error=message, field=error.field, status=400
            )
        values = _values_from_post(request.POST)
        values["remarks"] = remarks
        context = _detail_context(
            request, evaluation, values=values, error_field=error.field, error=message
        )
        return render(request, "evaluations/evaluation_detail.html", context, status=400)
    if request.htmx:
        return _score_response(request, evaluation)
    messages.success(request, _("The deductions have been saved."))
    return redirect(evaluation)


def _score_response(request, evaluation, *, error=None, field=None, status=200):
    _decorate(evaluation)
    tables = []
    if not error:
        items = svc.template_items(evaluation.template)
        sections = {}
        for item in items:
            sections.setdefault(item.section.code, item.section)
        detail = {t["code"]: t for t in (evaluation.score_detail or {}).get("tables", [])}
        tables = [(section, detail.get(code)) for code, section in sections.items()]
    return render(
        request,
        "evaluations/_eval_score_response.html",
        {
            "evaluation": evaluation,
            "score": evaluation.score_detail or None,
            "summary": _summary(evaluation),
            "tables": tables,
            "error": error,
            "error_field": field if field and field.startswith("d_") else None,
            "saved_at": None if error else timezone.localtime(),
        },
        status=status,
    )


@login_required
@require_POST
def evaluation_submit(request, pk):
    """Sign and submit: the contractor its self-evaluation, the agency its 评定."""
    evaluation = evaluation_for_user(request.user, pk)
    if not svc.can_edit(evaluation, request.user):
        raise PermissionDenied
    try:
        evaluation = svc.evaluation_submit(
            evaluation=evaluation, by=request.user, image_data=request.POST.get("image", "")
        )
    except DomainError as error:
        message = _refuse_or_message(error)
        context = _detail_context(request, evaluation, submit_error=message)
        return render(request, "evaluations/evaluation_detail.html", context, status=400)
    if evaluation.status == Evaluation.Status.CONFIRMED:
        messages.success(request, _("The evaluation has been signed and is confirmed."))
    else:
        messages.success(request, _("The self-evaluation has been submitted for review."))
    return redirect(evaluation)


@login_required
@require_POST
def evaluation_review(request, pk):
    """The 建设 project lead or the 监理 agrees (and signs) or returns the self-evaluation."""
    evaluation = evaluation_for_user(request.user, pk)
    if svc.review_role(evaluation.project, request.user) is None:
        raise PermissionDenied
    form = ReviewForm(request.POST)
    if form.is_valid():
        agrees = form.cleaned_data["decision"] == "agree"
        try:
            evaluation = svc.evaluation_review(
                evaluation=evaluation,
                by=request.user,
                agrees=agrees,
                opinion=form.cleaned_data["opinion"],
                image_data=form.cleaned_data["image"],
            )
        except DomainError as error:
            if response := _refused_elsewhere(request, form, error, evaluation):
                return response
        else:
            if not agrees:
                messages.success(request, _("The self-evaluation has been returned."))
            elif evaluation.status == Evaluation.Status.CONFIRMED:
                messages.success(request, _("You agreed; the self-evaluation is confirmed."))
            else:
                messages.success(request, _("You agreed; waiting for the other reviewers."))
            return redirect(evaluation)
    context = _detail_context(request, evaluation, review_form=form)
    return render(request, "evaluations/evaluation_detail.html", context, status=400)


@login_required
@require_GET
def signature_image(request, pk):
    """A drawn signature, for those who may see its evaluation."""
    signature = get_object_or_404(EvaluationSignature, pk=pk)
    if not evaluations_visible_to(request.user).filter(pk=signature.evaluation_id).exists():
        raise Http404
    try:
        handle = signature.image.open("rb")
    except (OSError, ValueError):
        raise Http404 from None
    response = FileResponse(handle, content_type="image/png")
    response["Cache-Control"] = "private, max-age=86400"
    return response


# --- the final 考评 ----------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def final_new(request, pk):
    """The commission's 考评 at completion: the facts, the triggers, the 优良 quota, the form."""
    project = project_for_user(request.user, pk)
    if not svc.is_agency_of(project, request.user):
        raise PermissionDenied
    final = FinalEvaluation.objects.filter(project=project).first()
    if final is not None:
        return redirect(final)
    form = FinalForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            final = svc.final_evaluate(
                project=project,
                by=request.user,
                result=form.cleaned_data["result"],
                reasons=form.cleaned_data["reasons"],
            )
        except DomainError as error:
            _form_error(form, error)
        else:
            messages.success(request, _("The final evaluation has been made and notified."))
            return redirect(final)
    facts = svc.final_facts(project)
    done = set(facts["self_evaluated"])
    year = timezone.localdate().year
    due, cap, given = svc.excellent_quota(project.agency, year)
    labels = dict(Accident.Level.choices)
    context = {
        "project": project,
        "form": form,
        "facts": facts,
        "months": [{"month": m, "done": m in done} for m in facts["months"]],
        "missing": sum(1 for m in facts["months"] if m not in done),
        "accidents": [(day, labels.get(level, level)) for day, level in facts["accidents"]],
        "quota": {"year": year, "due": due, "cap": cap, "given": given},
        "must_fail": bool(facts["triggers"]),
    }
    return render(
        request,
        "evaluations/final_new.html",
        context,
        status=400 if request.method == "POST" else 200,
    )


def _final_context(request, final, objection_form=None, review_form=None):
    user = request.user
    project = final.project
    _decorate_final(final)
    can_object = final.status == FinalEvaluation.Status.NOTIFIED and svc.is_contractor(
        project, user
    )
    can_review = final.status == FinalEvaluation.Status.OBJECTED and svc.is_agency_of(
        project, user, roles=(AgencyRole.CHIEF,)
    )
    return {
        "final": final,
        "project": project,
        "original_label": dict(FinalEvaluation.Result.choices).get(final.original_result, ""),
        "can_object": can_object,
        "can_review": can_review,
        "objection_form": objection_form or ObjectionForm(),
        "review_form": review_form or FinalReviewForm(initial={"result": final.result}),
    }


def _final_queryset_related(final):
    return (
        FinalEvaluation.objects.select_related(
            "project", "agency", "responsible_org", "decided_by", "objected_by", "reviewed_by"
        )
        .filter(pk=final.pk)
        .get()
    )


@login_required
@require_GET
def final_detail(request, pk):
    """The final 考评: result, reasons, triggers, notice, objection and review."""
    final = _final_queryset_related(final_for_user(request.user, pk))
    return render(request, "evaluations/final_detail.html", _final_context(request, final))


@login_required
@require_POST
def final_object(request, pk):
    """The contractor objects (异议) to the result while it is notified."""
    final = final_for_user(request.user, pk)
    if not svc.is_contractor(final.project, request.user):
        raise PermissionDenied
    form = ObjectionForm(request.POST)
    if form.is_valid():
        try:
            svc.final_object(final=final, by=request.user, objection=form.cleaned_data["objection"])
        except DomainError as error:
            if response := _refused_elsewhere(request, form, error, final):
                return response
        else:
            messages.success(request, _("Your objection has been sent to the section chief."))
            return redirect(final)
    final = _final_queryset_related(final)
    return render(
        request,
        "evaluations/final_detail.html",
        _final_context(request, final, objection_form=form),
        status=400,
    )


@login_required
@require_POST
def final_review(request, pk):
    """The section chief reviews the objection (复核): keeps or changes the result."""
    final = final_for_user(request.user, pk)
    if not svc.is_agency_of(final.project, request.user, roles=(AgencyRole.CHIEF,)):
        raise PermissionDenied
    form = FinalReviewForm(request.POST)
    if form.is_valid():
        try:
            svc.final_review(
                final=final,
                by=request.user,
                result=form.cleaned_data["result"],
                comment=form.cleaned_data["comment"],
            )
        except DomainError as error:
            if response := _refused_elsewhere(request, form, error, final):
                return response
        else:
            messages.success(request, _("The objection has been reviewed."))
            return redirect(final)
    final = _final_queryset_related(final)
    return render(
        request,
        "evaluations/final_detail.html",
        _final_context(request, final, review_form=form),
        status=400,
    )


@login_required
@require_GET
def final_pdf(request, pk):
    """The 项目安全生产标准化考评结果告知书 as an official PDF."""
    from ..pdf import render_final_pdf

    final = final_for_user(request.user, pk)
    verify_url = request.build_absolute_uri(reverse("evaluations:final_detail", args=[final.pk]))
    pdf = render_final_pdf(final, verify_url=verify_url)
    response = HttpResponse(pdf, content_type="application/pdf")
    filename = f"考评结果告知书-{final.number}.pdf"
    response["Content-Disposition"] = f"inline; filename*=UTF-8''{quote(filename)}"
    return response
