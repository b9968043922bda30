"""Placeholder: replaced by the real views."""

from django.http import Http404


def register(request, pk):
    raise Http404


def detail(request, pk):
    raise Http404


def edit(request, pk):
    raise Http404


def act(request, pk, action):
    raise Http404


def document_upload(request, pk):
    raise Http404


def reading_add(request, pk):
    raise Http404


def patrol_add(request, pk):
    raise Http404


def site_started(request, pk):
    raise Http404


def document(request, pk):
    raise Http404


def signature_image(request, pk):
    raise Http404


def alarm_handle(request, pk):
    raise Http404
