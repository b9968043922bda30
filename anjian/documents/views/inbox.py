"""Placeholder: replaced by the views of this area."""

from django.http import HttpResponse


def inbox_list(request, *args, **kwargs):
    return HttpResponse("todo")


def inbox_detail(request, *args, **kwargs):
    return HttpResponse("todo")


def inbox_sign(request, *args, **kwargs):
    return HttpResponse("todo")


def inbox_reply(request, *args, **kwargs):
    return HttpResponse("todo")
