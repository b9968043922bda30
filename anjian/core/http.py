"""Helpers for views: htmx-aware rendering, pagination, POST-only guards."""

from django.conf import settings
from django.core.paginator import Paginator
from django.shortcuts import render


def render_page(request, template: str, context: dict, partial: str | None = None, **kwargs):
    """Render the whole page, or only `template#partial` for an htmx request targeting it."""
    if partial and getattr(request, "htmx", False) and not request.htmx.boosted:
        return render(request, f"{template}#{partial}", context, **kwargs)
    return render(request, template, context, **kwargs)


def paginate(request, queryset, per_page: int | None = None):
    """The requested page of `queryset` (out-of-range numbers give the last page)."""
    paginator = Paginator(queryset, per_page or settings.ANJIAN_PAGE_SIZE)
    return paginator.get_page(request.GET.get("page"))
