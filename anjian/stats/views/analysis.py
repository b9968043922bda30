"""Analysis pages: hazard categories with their trend and season, recurrence, self-inspection
against supervision, the contractors' figures; and one company's profile.

Everyone signed in opens the analysis of the projects they may see (analysis.py scopes each
figure); a company profile is 404 unless the user may see that company. Every number links to
the ledger filtered to the hazards behind it; the charts (static/js/stats-analysis.js) read
the same rows from the page's JSON.
"""

from django import forms
from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from anjian.accounts.choices import OrgKind
from anjian.core.http import render_page
from anjian.core.models import Street
from anjian.evaluations.selectors import may_see_company
from anjian.projects.models import Project

from .. import analysis as ana
from ..selectors import uses_summary

DAY_CHOICES = (7, 14, 30, 60, 90)
DEFAULT_DAYS = 30
CHART_TOP = 12


class AnalysisFilterForm(forms.Form):
    """The period (from and to month, as on the dashboard), the street and the recurrence
    window. A wrong value falls back to its default rather than failing the page."""

    start = forms.DateField(required=False, input_formats=["%Y-%m"])
    end = forms.DateField(required=False, input_formats=["%Y-%m"])
    street = forms.ModelChoiceField(required=False, queryset=Street.objects.none())
    days = forms.TypedChoiceField(
        required=False, coerce=int, choices=[(n, str(n)) for n in DAY_CHOICES]
    )
    sort = forms.ChoiceField(
        required=False,
        choices=[(f"{sign}{key}", key) for key in ana.RANKING_SORTS for sign in ("", "-")],
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        # The streets of the scope (selectors.scope_projects): staff their agency's jurisdiction.
        if user.is_superuser:
            streets = Street.objects.all()
        elif user.is_agency_staff and user.organization_id:
            streets = user.organization.jurisdiction.all()
        else:
            streets = Street.objects.filter(
                pk__in=Project.objects.visible_to(user).values("street_id")
            )
        self.fields["street"].queryset = streets.order_by("name")

    def values(self) -> dict:
        self.is_valid()
        data = dict.fromkeys(self.fields) | self.cleaned_data
        today = timezone.localdate()
        end = data["end"] if data["end"] and data["end"] <= today else None
        return {
            "start": data["start"],
            "end": end,
            "street": data["street"],
            "days": data["days"] or DEFAULT_DAYS,
            "sort": data["sort"] or "",
        }


def _filters(request):
    form = AnalysisFilterForm(request.GET, user=request.user)
    values = form.values()
    street = values["street"]
    filters = ana.period_filters(
        start=values["start"], end=values["end"], street=street.pk if street else None
    )
    context = {
        "form": form,
        "filters": filters,
        "values": values,
        "street_name": street.name if street else "",
        "start_value": f"{filters.start:%Y-%m}",
        "end_value": f"{filters.end:%Y-%m}",
        "this_month": f"{timezone.localdate():%Y-%m}",
        "sort": values["sort"] or "-found",
        "day_choices": DAY_CHOICES,
    }
    return filters, values, context


def _charts(categories, sources, labels) -> dict:
    """The rows the charts draw (the top ones), each value with its ledger URL."""
    top = categories[:CHART_TOP]
    return {
        "categories": [
            {
                "name": c["category"],
                "value": c["count"],
                "mom": c["mom"],
                "trend": c["trend"],
                "url": c["url"],
            }
            for c in top
        ],
        "seasons": {
            "quarters": ana.quarter_labels(),
            "rows": [
                {"name": c["category"], "values": c["quarters"], "url": c["url"]} for c in top
            ],
        },
        "months": {
            "labels": labels,
            "rows": [
                {"name": c["category"], "values": c["series"], "urls": c["month_urls"]}
                for c in categories[:6]
            ],
        },
        "sources": [
            {
                "name": r["category"] or _("Uncategorised"),
                "self": [r["self"], r["self_url"]],
                "supervision": [r["supervision"], r["supervision_url"]],
                "remote": [r["remote"], r["remote_url"]],
                "worker": [r["worker"], r["worker_url"]],
            }
            for r in sources[:CHART_TOP]
        ],
    }


def _recurrence_chart(recurrence) -> dict:
    return {
        "projects": [
            {"name": p["name"], "value": p["repeats"], "url": p["url"]}
            for p in recurrence["projects"]
        ],
        "categories": [
            {"name": c["category"], "value": c["repeats"], "url": c["url"]}
            for c in recurrence["categories"]
        ],
    }


@login_required
@require_GET
def analysis(request):
    """Categories with their trend and season, and self-inspection against supervision; the
    recurrence and the contractors' figures, which read the live hazards of the whole scope,
    load into the page after it (`?part=recurrence`, `?part=companies`: only that section)."""
    filters, values, context = _filters(request)
    user = request.user
    part = request.GET.get("part")
    if part == "recurrence":
        recurrence = ana.recurrence(user, filters, days=values["days"])
        context.update(recurrence=recurrence, recurrence_chart=_recurrence_chart(recurrence))
        return _fragment(request, "stats/_ana_recurrence.html", context)
    if part == "companies":
        rows = ana.company_ranking(user, filters)
        context.update(companies=ana.sort_ranking(rows, context["sort"]), title=_("Contractors"))
        return _fragment(request, "stats/_ana_companies.html", context)
    categories = ana.category_ranking(user, filters)
    sources = ana.self_vs_supervision(user, filters)
    labels = [f"{m:%Y-%m}" for m in filters.months()]
    context.update(
        {
            "from_summary": uses_summary(user),
            "categories": categories,
            "quarters": ana.quarter_labels(),
            "sources": sources,
            "source_totals": ana.source_totals(sources),
            "charts": _charts(categories, sources, labels),
        }
    )
    return render_page(request, "stats/analysis.html", context, partial="results")


def _fragment(request, template, context):
    response = render(request, template, context)
    patch_vary_headers(response, ["HX-Request"])
    return response


@login_required
@require_GET
def company(request, pk):
    """A contractor's (or a group HQ's) profile: 404 unless the user may see that company."""
    org = ana.company_for_user(request.user, pk)
    filters, values, context = _filters(request)
    profile = ana.company_profile(request.user, org, filters)
    subsidiaries = []
    if org.kind == OrgKind.GROUP:
        subsidiaries = ana.sort_ranking(
            ana.company_ranking(request.user, filters, within=org), context["sort"]
        )
    series = profile["months"]
    chart = {
        "months": [m["month"] for m in series],
        "commission": [[m["found_commission"], m["found_url"]] for m in series],
        "self": [[m["found_self"], m["found_url"]] for m in series],
        "worker": [[m["found_worker"], m["found_url"]] for m in series],
        "inspections": [m["inspections"] for m in series],
        "score": [m["mean_score"] for m in series],
        "on_time": [[m["on_time_rate"], m["closed_url"]] for m in series],
        "median": [m["median_days"] for m in series],
        "categories": [
            {"name": c["category"], "value": c["count"], "url": c["url"]}
            for c in profile["categories"]
        ],
    }
    context.update(
        {
            "org": org,
            "profile": profile,
            "subsidiaries": subsidiaries,
            "chart": chart,
            "rankings_url": reverse("evaluations:company", args=[org.pk]),
            "group_visible": bool(org.group_id) and may_see_company(request.user, org.group),
        }
    )
    return render_page(request, "stats/company.html", context, partial="results")
