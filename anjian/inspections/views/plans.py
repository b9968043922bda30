"""Supervision plans: monthly plans, visits, calendar and list, coverage and 双随机 draws."""

import datetime

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from anjian.core.errors import DomainError
from anjian.core.http import paginate, render_page

from ..choices import PlanStatus, VisitStatus
from ..plan_forms import CoverageForm, DrawForm, PlanForm, VisitFilterForm, VisitForm
from ..selectors.plans import (
    coverage,
    draw_details,
    draw_for_user,
    draws_visible_to,
    month_calendar,
    neighbour_months,
    plan_for_user,
    plan_of_month,
    plans_visible_to,
    plans_with_counts,
    revisit_days,
    visit_for_user,
    visits_filtered,
    with_frequent_flags,
)
from ..services import plans as svc

VIEWS = ("calendar", "list")
# Panels other apps add to a plan's page, above its visits (as PROJECT_TABS for a project's
# page): f(request, plan) -> {"template": name, **its context} or None. One query each at most.
PLAN_PANELS = []


def _form_error(form, error):
    if isinstance(error, DomainError):
        form.add_error(error.field if error.field in form.fields else None, str(error.message))
    else:
        form.add_error(None, error)


def _require_agency_staff(user):
    if not user.is_agency_staff:
        raise PermissionDenied


def _own_agency(user):
    """The user's supervision agency (pages about 'my agency' need one)."""
    _require_agency_staff(user)
    agency = user.organization
    if agency is None:
        raise PermissionDenied
    return agency


def _plan_url(plan, view=""):
    url = reverse("inspections:plan_detail", args=[plan.pk])
    return f"{url}?view={view}" if view in VIEWS else url


@login_required
@require_GET
def plan_list(request):
    """The agency's monthly plans, with links to this month, coverage and draws."""
    _require_agency_staff(request.user)
    today = timezone.localdate()
    return render(
        request,
        "inspections/plans/plan_list.html",
        {
            "plans": plans_with_counts(request.user),
            "current": plan_of_month(request.user, today),
            "today": today,
            "can_plan": svc.can_plan(request.user, request.user.organization),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def plan_create(request):
    """Start the agency's plan for a month (supervisors, section chiefs, administrators)."""
    agency = _own_agency(request.user)
    if not svc.can_plan(request.user, agency):
        raise PermissionDenied
    initial = {"month": svc.first_of_month(timezone.localdate())}
    if request.GET.get("month"):
        initial["month"] = request.GET["month"]
    form = PlanForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            plan = svc.plan_create(by=request.user, agency=agency, **form.cleaned_data)
        except DomainError as error:
            _form_error(form, error)
        else:
            messages.success(request, _("The plan has been created; now add its visits."))
            return redirect(plan)
    return render(request, "inspections/plans/plan_form.html", {"form": form})


@login_required
@require_GET
def plan_detail(request, pk):
    """A month's plan as a calendar or a list, filterable by inspector, status and type."""
    plan = plan_for_user(request.user, pk)
    view = request.GET.get("view") if request.GET.get("view") in VIEWS else "calendar"
    form = VisitFilterForm(request.GET, agency=plan.agency, user=request.user)
    visits = with_frequent_flags(visits_filtered(request.user, form.filters(plan)))
    previous, following = neighbour_months(plan)
    neighbours = {
        p.month: p
        for p in plans_visible_to(request.user).filter(
            agency=plan.agency, month__in=[previous, following]
        )
    }
    counts = {status: 0 for status in VisitStatus.values}
    for visit in visits:
        counts[visit.status] += 1
    today = timezone.localdate()
    context = {
        "plan": plan,
        "view": view,
        "form": form,
        "visits": visits,
        "weeks": month_calendar(plan.month, visits, today) if view == "calendar" else None,
        "counts": counts,
        "today": today,
        "previous": (previous, neighbours.get(previous)),
        "following": (following, neighbours.get(following)),
        "can_edit": svc.can_plan(request.user, plan.agency),
        "can_publish": svc.can_publish(request.user, plan.agency)
        and plan.status == PlanStatus.DRAFT,
        "statuses": VisitStatus,
        "panels": [p for p in (panel(request, plan) for panel in PLAN_PANELS) if p],
    }
    return render_page(request, "inspections/plans/plan_detail.html", context, partial="results")


@login_required
@require_POST
def plan_publish(request, pk):
    """Publish (approve) a draft plan: the section chief or an administrator."""
    plan = plan_for_user(request.user, pk, write=True)
    if not svc.can_publish(request.user, plan.agency):
        raise PermissionDenied
    try:
        svc.plan_publish(plan=plan, by=request.user)
    except DomainError as error:
        messages.error(request, str(error.message))
    else:
        messages.success(request, _("The plan has been published."))
    return redirect(plan)


def _visit_initial(request, plan):
    today = timezone.localdate()
    day = today if svc.first_of_month(today) == plan.month else plan.month
    try:
        asked = datetime.date.fromisoformat(request.GET.get("date", ""))
    except ValueError:
        asked = None
    if asked and svc.first_of_month(asked) == plan.month:
        day = asked
    initial = {"date": day}
    if request.GET.get("project", "").isdigit():
        initial["project"] = int(request.GET["project"])
    if request.user.agency_role in svc.INSPECTOR_ROLES:
        initial["inspectors"] = [request.user.pk]
    return initial


@login_required
@require_http_methods(["GET", "POST"])
def visit_create(request, pk):
    """Add a visit to a plan: project, date, type, at least two inspectors, checklists."""
    plan = plan_for_user(request.user, pk, write=True)
    form = VisitForm(
        request.POST or None, plan=plan, user=request.user, initial=_visit_initial(request, plan)
    )
    if request.method == "POST" and form.is_valid():
        try:
            visit = svc.visit_add(plan=plan, by=request.user, **form.cleaned_data)
        except (DomainError, ValidationError) as error:
            _form_error(form, error)
        else:
            messages.success(
                request,
                _("The visit to %(project)s on %(date)s has been planned.")
                % {"project": visit.project, "date": visit.date.isoformat()},
            )
            return redirect(_plan_url(plan, request.GET.get("view", "")))
    return render(
        request, "inspections/plans/visit_form.html", {"form": form, "plan": plan, "visit": None}
    )


@login_required
@require_http_methods(["GET", "POST"])
def visit_edit(request, pk):
    """Change a planned visit, or cancel it."""
    visit = visit_for_user(request.user, pk, write=True)
    plan = visit.plan
    initial = {
        "project": visit.project_id,
        "date": visit.date,
        "inspection_type": visit.inspection_type,
        "inspectors": list(visit.inspectors.values_list("pk", flat=True)),
        "templates": list(visit.templates.values_list("pk", flat=True)),
        "note": visit.note,
    }
    form = VisitForm(request.POST or None, plan=plan, user=request.user, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            svc.visit_update(visit=visit, by=request.user, **form.cleaned_data)
        except (DomainError, ValidationError) as error:
            _form_error(form, error)
        else:
            messages.success(request, _("The visit has been changed."))
            return redirect(_plan_url(plan, "list"))
    return render(
        request, "inspections/plans/visit_form.html", {"form": form, "plan": plan, "visit": visit}
    )


@login_required
@require_POST
def visit_cancel(request, pk):
    """Cancel a planned visit, with a reason."""
    visit = visit_for_user(request.user, pk, write=True)
    try:
        svc.visit_cancel(visit=visit, by=request.user, reason=request.POST.get("reason", ""))
    except DomainError as error:
        messages.error(request, str(error.message))
    else:
        messages.success(request, _("The visit has been cancelled."))
    return redirect(_plan_url(visit.plan, "list"))


@login_required
@require_GET
def coverage_report(request):
    """Active projects nobody has visited or planned to visit within N days."""
    agency = _own_agency(request.user)
    default_days = revisit_days(agency)
    form = CoverageForm(request.GET, agency=agency)
    values = form.values()
    report = coverage(
        request.user,
        agency,
        days=values["days"] or default_days,
        show_all=values["show"] == "all",
        sort=values["sort"] or "last",
        street=values["street"].pk if values["street"] else None,
    )
    page = paginate(request, report.projects)
    today = timezone.localdate()
    return render_page(
        request,
        "inspections/plans/coverage.html",
        {
            "form": form,
            "report": report,
            "page": page,
            "default_days": default_days,
            "current": plan_of_month(request.user, today),
            "can_plan": svc.can_plan(request.user, agency),
        },
        partial="results",
    )


@login_required
@require_GET
def draw_list(request):
    """The agency's 双随机 draws, newest first."""
    _require_agency_staff(request.user)
    draws = draws_visible_to(request.user).select_related("drawn_by", "plan")
    return render(
        request,
        "inspections/plans/draw_list.html",
        {
            "page": paginate(request, draws),
            "can_plan": svc.can_plan(request.user, request.user.organization),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def draw_create(request):
    """Run a 双随机 draw: K projects from a filter, paired with inspectors at random."""
    agency = _own_agency(request.user)
    if not svc.can_plan(request.user, agency):
        raise PermissionDenied
    plans = plans_visible_to(request.user).filter(agency=agency)
    current = plan_of_month(request.user, timezone.localdate())
    initial = {"plan": current.pk if current else None}
    if request.GET.get("seed"):
        initial["seed"] = request.GET["seed"][:64]
    form = DrawForm(request.POST or None, agency=agency, plans=plans, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            draw = svc.random_draw_run(
                by=request.user,
                agency=agency,
                k=data["k"],
                street=data["street"],
                category=data["category"],
                status=data["status"],
                inspectors=list(data["inspectors"]) or None,
                seed=data["seed"],
                plan=data["plan"],
                date=data["date"],
                templates=data["templates"],
            )
        except DomainError as error:
            _form_error(form, error)
        else:
            messages.success(request, _("The draw has been made and recorded."))
            return redirect("inspections:draw_detail", pk=draw.pk)
    return render(request, "inspections/plans/draw_form.html", {"form": form})


@login_required
@require_GET
def draw_detail(request, pk):
    """A draw with its seed, inputs and result, and how to reproduce it."""
    draw = draw_for_user(request.user, pk)
    context = {
        "draw": draw,
        "can_plan": svc.can_plan(request.user, draw.agency),
        **draw_details(draw),
    }
    return render(request, "inspections/plans/draw_detail.html", context)
