"""Placeholder: replaced by the views of this area."""

from django.http import HttpResponse


def document_detail(request, *args, **kwargs):
    return HttpResponse("todo")


def tracking_export(request, *args, **kwargs):
    return HttpResponse("todo")


def document_pdf(request, *args, **kwargs):
    return HttpResponse("todo")


def attachment_download(request, *args, **kwargs):
    return HttpResponse("todo")


def attachment_delete(request, *args, **kwargs):
    return HttpResponse("todo")
