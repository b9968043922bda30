"""Placeholder: replaced by the views of this area."""

from django.http import HttpResponse


def submission_list(request, *args, **kwargs):
    return HttpResponse("todo")


def submission_new(request, *args, **kwargs):
    return HttpResponse("todo")


def submission_detail(request, *args, **kwargs):
    return HttpResponse("todo")


def submission_handle(request, *args, **kwargs):
    return HttpResponse("todo")
