"""Placeholder: replaced by the real views."""

from django.http import Http404


def rankings(request):
    raise Http404


def publish(request):
    raise Http404


def formula(request):
    raise Http404


def ranking_detail(request, pk):
    raise Http404


def ranking_export(request, pk):
    raise Http404


def company(request, pk):
    raise Http404
