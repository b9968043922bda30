"""Placeholder: replaced by the views of this area."""

from django.http import HttpResponse


def analysis(request, *args, **kwargs):
    return HttpResponse("todo")


def company(request, *args, **kwargs):
    return HttpResponse("todo")
