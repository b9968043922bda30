"""Risk pages: a project's score factor by factor (project tab), 'where to go next' for the
agency's supervisors, the formula (read by the staff, changed by administrators), and the
suggestions panel on the supervision-plan page."""

import datetime
from decimal import Decimal

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Exists, Min, OuterRef
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from anjian.core.errors import DomainError
from anjian.core.errors import PermissionDenied as NotAllowed
from anjian.core.http import paginate, render_page
from anjian.inspections.choices import VisitStatus
from anjian.inspections.models import PlannedVisit
from anjian.inspections.selectors.plans import plan_of_month
from anjian.inspections.services.plans import can_plan, first_of_month, plannable_projects
from anjian.projects.choices import ACTIVE_STATUSES
from anjian.projects.selectors import project_for_user

from .. import risk, services
from ..models import ProjectRisk
from ..risk_forms import RiskFilterForm, RiskFormulaForm, plain
from ..selectors import where_to_go_next

REASONS = 2  # reasons shown per project in lists
SUGGESTIONS = 5  # projects suggested on the plan page


def _require_agency_staff(user):
    if not user.is_agency_staff:
        raise PermissionDenied


def _bands() -> dict:
    """The band bounds, for the sentences that explain the score."""
    return {"high": plain(risk.HIGH), "medium": plain(risk.MEDIUM)}


def _decorate(row: ProjectRisk) -> ProjectRisk:
    """A stored score with its band's label and colour and its top reasons as text."""
    row.band_label = risk.BAND_LABELS.get(row.band, row.band)
    row.band_colour = risk.BAND_COLOURS.get(row.band, "secondary")
    row.reasons = [
        {
            "label": line["label"],
            "fact": f"{plain(line['value'])} {line['unit']}",
            "points": plain(line["points"]),
        }
        for line in (row.breakdown or [])[:REASONS]
    ]
    days = (row.facts or {}).get("days_since_visit")
    row.never_visited = days is None
    # The facts are as of the last refresh; count the days since then too.
    if days is not None:
        days += (timezone.localdate() - timezone.localdate(row.computed_at)).days
    row.days_since_visit = days
    return row


# --- the project tab ----------------------------------------------------------------------------


def _breakdown(project) -> dict:
    """The score computed live, with every factor of the agency's formula (the ones that add
    nothing and the ones switched off too): services.project_risk, keeping the facts."""
    facts = services.gather_facts([project.pk])[project.pk]
    formula = services.formula_for(project.agency_id)
    result = risk.compute(facts, formula)
    lines = {line.key: line for line in result.lines}
    rows = []
    for factor in formula.factors:
        line = lines.get(factor.key)
        value = facts.value(factor.key)
        note = ""
        if factor.key == "days_since_visit" and facts.days_since_visit is None:
            note = _("Never visited: counted as %(days)s days.") % {"days": risk.NEVER_VISITED_DAYS}
        elif factor.key == "score_gap":
            if facts.last_score is None:
                note = _("No scored supervision inspection yet.")
            else:
                note = _("Last score %(score)s.") % {"score": plain(facts.last_score)}
        rows.append(
            {
                "key": factor.key,
                "label": factor.label,
                "fact": f"{plain(value)} {factor.unit}",
                "unit": factor.unit,
                "weight": plain(factor.weight),
                "cap": plain(factor.cap) if factor.cap > 0 else "",
                "points": line.points if line else Decimal(0),
                "capped": bool(line and line.capped),
                "off": factor.weight <= 0,
                "note": note,
            }
        )
    rows.sort(key=lambda row: (row["off"], -row["points"]))
    return {"result": result, "rows": rows}


@login_required
@require_GET
def project_risk(request, pk):
    """The project's 'Risk' tab: the score computed now, factor by factor, and the stored one
    the lists and the map use."""
    from anjian.projects.views import _tab_context

    project = project_for_user(request.user, pk)
    context = _tab_context(request, project, "stats:project_risk")
    detail = _breakdown(project)
    result = detail["result"]
    stored = (
        ProjectRisk.objects.filter(project=project).only("score", "band", "computed_at").first()
    )
    context.update(
        {
            "result": result,
            "band_label": risk.BAND_LABELS[result.band],
            "band_colour": risk.BAND_COLOURS[result.band],
            "rows": detail["rows"],
            "stored": stored,
            "bands": _bands(),
            "is_staff": request.user.is_agency_staff,
        }
    )
    return render(request, "stats/project_risk.html", context)


# --- where to go next ---------------------------------------------------------------------------


def _planned_this_month(project_ids, today) -> dict[int, datetime.date]:
    """{project id: first date} of the visits planned (or made) this month (one query)."""
    month = first_of_month(today)
    following = (month + datetime.timedelta(days=32)).replace(day=1)
    return dict(
        PlannedVisit.objects.filter(project_id__in=project_ids, date__gte=month, date__lt=following)
        .exclude(status=VisitStatus.CANCELLED)
        .order_by()
        .values_list("project_id")
        .annotate(first=Min("date"))
    )


@login_required
@require_GET
def risk_list(request):
    """下一步去哪: the active projects of the user's agency, highest stored risk first, with the
    top reasons, the days since the last visit and whether a visit is planned this month."""
    user = request.user
    _require_agency_staff(user)
    form = RiskFilterForm(request.GET, user=user)
    values = form.values()
    street = values["street"].pk if values["street"] else None
    # No limit: the list pages through every project (the selector's own slice would keep
    # the band filter from being applied in SQL).
    rows = where_to_go_next(user, limit=None, street=street).filter(
        project__status__in=ACTIVE_STATUSES
    )
    if not user.is_superuser and user.organization_id:
        # visible_to gives an agency's administrators every project; the list is their agency's
        rows = rows.filter(agency_id=user.organization_id)
    if values["band"]:
        rows = rows.filter(band=values["band"])
    page = paginate(request, rows)
    today = timezone.localdate()
    planned = _planned_this_month([row.project_id for row in page], today)
    for row in page:
        _decorate(row)
        row.planned_on = planned.get(row.project_id)
    return render_page(
        request,
        "stats/risk_list.html",
        {
            "form": form,
            "page": page,
            "today": today,
            "current": plan_of_month(user, today),
            "can_plan": can_plan(user, user.organization if user.organization_id else None),
            "bands": _bands(),
        },
        partial="results",
    )


# --- the formula --------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def risk_formula(request):
    """The agency's risk formula: every factor's weight and cap. The staff read it; the
    agency's administrators change it (the scores are recomputed at once)."""
    user = request.user
    _require_agency_staff(user)
    agency = user.organization if user.organization_id else None
    formula = services.formula_for(agency.pk) if agency else risk.Formula.default()
    can_edit = bool(agency and user.is_admin)
    if request.method == "POST" and not can_edit:
        raise PermissionDenied
    form = RiskFormulaForm(request.POST or None, formula=formula)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                services.risk_formula_save(agency=agency, by=user, config=form.config())
            except NotAllowed:
                raise PermissionDenied from None
            except DomainError as error:
                field = f"{error.field}_weight"
                form.add_error(field if field in form.fields else None, str(error.message))
            else:
                messages.success(
                    request, _("The risk formula has been saved; the scores are recomputed.")
                )
                return redirect("stats:risk_formula")
        status = 400
    defaults = risk.Formula.default()
    rows = form.rows()
    for row, factor, default in zip(rows, formula.factors, defaults.factors, strict=True):
        row["current_weight"] = plain(factor.weight)
        row["current_cap"] = plain(factor.cap) if factor.cap > 0 else ""
        row["off"] = factor.weight <= 0
        row["changed"] = (factor.weight, factor.cap) != (default.weight, default.cap)
    return render(
        request,
        "stats/risk_formula.html",
        {
            "form": form,
            "rows": rows,
            "agency": agency,
            "can_edit": can_edit,
            "bands": _bands(),
            "never_visited_days": risk.NEVER_VISITED_DAYS,
            "pass_score": plain(risk.PASS_SCORE),
        },
        status=status,
    )


# --- the plan page's suggestions ----------------------------------------------------------------


def plan_suggestions(request, plan) -> dict | None:
    """The plan page's panel: the projects of the plan's agency with the highest stored risk
    (elevated or high) and no visit in the plan yet (one query). Nothing for past months."""
    if plan.month < first_of_month(timezone.localdate()):
        return None
    in_plan = PlannedVisit.objects.filter(plan=plan, project=OuterRef("project_id")).exclude(
        status=VisitStatus.CANCELLED
    )
    rows = list(
        ProjectRisk.objects.filter(
            project__in=plannable_projects(request.user, plan.agency), score__gte=risk.MEDIUM
        )
        .exclude(Exists(in_plan))
        .select_related("project__street")
        .order_by("-score", "project__name")[:SUGGESTIONS]
    )
    return {
        "template": "stats/_risk_plan_suggestions.html",
        "suggestions": [_decorate(row) for row in rows],
    }
