"""Home page per role, health check and friendly error pages."""

from django.contrib.auth.decorators import login_required
from django.db.models import Count
from django.http import JsonResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET, require_http_methods

from anjian.projects.choices import ProjectStatus
from anjian.projects.models import Project
from anjian.projects.selectors import contractors_prefetch

# Panels other apps add to the home page: callables (request) -> (template, context) or None.
HOME_PANELS: list = []


@login_required
@require_GET
def home(request):
    """The signed-in user's start page: their projects and what needs them."""
    user = request.user
    projects = Project.objects.visible_to(user)
    by_status = {
        row["status"]: row["n"] for row in projects.values("status").annotate(n=Count("id"))
    }
    status_counts = [
        {"value": s.value, "label": s.label, "count": by_status.get(s.value, 0)}
        for s in ProjectStatus
    ]
    mine = projects.filter(lead_supervisor=user) if user.is_agency_staff else projects
    mine_is_lead = user.is_agency_staff and mine.exists()
    if not mine_is_lead:
        mine = projects
    recent = (
        mine.select_related("street")
        .prefetch_related(contractors_prefetch())
        .order_by("-updated_at", "-id")[:8]
    )
    return render(
        request,
        "core/home.html",
        {
            "total_projects": sum(by_status.values()),
            "status_counts": status_counts,
            "recent_projects": recent,
            "mine_is_lead": mine_is_lead,
            "panels": [panel for build in HOME_PANELS if (panel := build(request))],
        },
    )


@require_GET
def healthz(request):
    """Liveness probe for load balancers: answers without touching sessions."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok"})


def error_403(request, exception=None):
    return render(request, "403.html", status=403)


def error_404(request, exception=None):
    return render(request, "404.html", status=404)


def error_500(request):
    from django.http import HttpResponseServerError
    from django.template import loader

    return HttpResponseServerError(loader.get_template("500.html").render())


@login_required
@require_http_methods(["GET", "POST"])
def regions(request):
    """Districts and streets (the units of jurisdiction), managed by administrators."""
    from django.contrib import messages
    from django.core.exceptions import PermissionDenied
    from django.shortcuts import redirect
    from django.utils.translation import gettext as _

    from .forms import DistrictForm, StreetForm
    from .models import District

    if not request.user.is_admin:
        raise PermissionDenied
    district_form = DistrictForm(prefix="district")
    street_form = StreetForm(prefix="street")
    if request.method == "POST":
        if request.POST.get("action") == "district":
            district_form = DistrictForm(request.POST, prefix="district")
            form = district_form
        else:
            street_form = StreetForm(request.POST, prefix="street")
            form = street_form
        if form.is_valid():
            saved = form.save()
            messages.success(request, _("%(name)s has been saved.") % {"name": saved})
            return redirect("core:regions")
    districts = District.objects.prefetch_related("streets", "agencies").order_by("area_code")
    return render(
        request,
        "core/regions.html",
        {"districts": districts, "district_form": district_form, "street_form": street_form},
    )
