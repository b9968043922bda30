"""Placeholder: replaced by the real views."""

from django.http import Http404


def work_list(request):
    raise Http404


def map_data(request):
    raise Http404


def export(request):
    raise Http404


def classify_preview(request):
    raise Http404


def thresholds(request):
    raise Http404


def threshold_edit(request, rule_pk):
    raise Http404


def category_edit(request, category):
    raise Http404


def project_tab(request, pk):
    raise Http404
