"""Placeholder: replaced by the views of this area."""

from django.http import HttpResponse


def dashboard(request, *args, **kwargs):
    return HttpResponse("todo")


def map_json(request, *args, **kwargs):
    return HttpResponse("todo")
