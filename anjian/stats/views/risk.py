"""Placeholder: replaced by the views of this area."""

from django.http import HttpResponse


def risk_list(request, *args, **kwargs):
    return HttpResponse("todo")


def risk_formula(request, *args, **kwargs):
    return HttpResponse("todo")


def project_risk(request, *args, **kwargs):
    return HttpResponse("todo")
