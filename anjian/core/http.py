"""Helpers for views: htmx-aware rendering, pagination, POST-only guards."""

from django.conf import settings
from django.core.paginator import Paginator
from django.shortcuts import render
from django.utils.cache import patch_vary_headers


def render_page(request, template: str, context: dict, partial: str | None = None, **kwargs):
    """Render the whole page, or only `template#partial` for an htmx request targeting it."""
    if partial and getattr(request, "htmx", False) and not request.htmx.boosted:
        response = render(request, f"{template}#{partial}", context, **kwargs)
    else:
        response = render(request, template, context, **kwargs)
    # The page and its fragment share a URL: keep the browser from serving one for the other
    # (e.g. on Back after an htmx search).
    patch_vary_headers(response, ["HX-Request"])
    return response


def paginate(request, queryset, per_page: int | None = None):
    """The requested page of `queryset` (out-of-range numbers give the last page)."""
    paginator = Paginator(queryset, per_page or settings.ANJIAN_PAGE_SIZE)
    return paginator.get_page(request.GET.get("page"))
