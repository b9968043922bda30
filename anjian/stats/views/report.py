"""Placeholder: replaced by the views of this area."""

from django.http import HttpResponse


def report(request, *args, **kwargs):
    return HttpResponse("todo")


def report_xlsx(request, *args, **kwargs):
    return HttpResponse("todo")


def report_pdf(request, *args, **kwargs):
    return HttpResponse("todo")
