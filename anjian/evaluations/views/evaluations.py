"""Placeholder: replaced by the real views."""

from django.http import Http404


def evaluation_list(request):
    raise Http404


def project_tab(request, pk):
    raise Http404


def evaluation_new(request, pk):
    raise Http404


def accident_add(request, pk):
    raise Http404


def final_new(request, pk):
    raise Http404


def evaluation_detail(request, pk):
    raise Http404


def evaluation_score(request, pk):
    raise Http404


def evaluation_submit(request, pk):
    raise Http404


def evaluation_review(request, pk):
    raise Http404


def signature_image(request, pk):
    raise Http404


def final_detail(request, pk):
    raise Http404


def final_pdf(request, pk):
    raise Http404


def final_object(request, pk):
    raise Http404


def final_review(request, pk):
    raise Http404
