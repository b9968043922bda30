"""Placeholder: replaced by the views of this area."""

from django.http import HttpResponse


def document_list(request, *args, **kwargs):
    return HttpResponse("todo")


def document_new(request, *args, **kwargs):
    return HttpResponse("todo")


def archive(request, *args, **kwargs):
    return HttpResponse("todo")


def audience_preview(request, *args, **kwargs):
    return HttpResponse("todo")



def document_edit(request, *args, **kwargs):
    return HttpResponse("todo")


def document_action(request, *args, **kwargs):
    return HttpResponse("todo")




