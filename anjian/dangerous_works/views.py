"""危大工程 pages (placeholder; the real views follow)."""

from django.http import HttpResponse


def work_list(request):
    return HttpResponse("")


def work_detail(request, pk):
    return HttpResponse("")


def document(request, pk):
    return HttpResponse("")


def project_tab(request, pk):
    return HttpResponse("")
