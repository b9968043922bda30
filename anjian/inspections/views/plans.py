"""Supervision plans: monthly plans, visits, calendar, coverage and 双随机 draws."""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import render

from ..models import SupervisionPlan


@login_required
def plan_list(request):
    """The agency's monthly plans."""
    if not request.user.is_agency_staff:
        raise PermissionDenied
    plans = SupervisionPlan.objects.filter(agency=request.user.organization)
    return render(request, "inspections/plans/plan_list.html", {"plans": plans})
