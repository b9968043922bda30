"""Small template helpers: badges, field rendering, history values."""

from django import template
from django.utils.html import format_html

register = template.Library()


@register.simple_tag
def badge(label, colour="secondary"):
    """A Bootstrap badge; light colours get dark text."""
    text_class = " text-dark" if colour in {"light", "warning", "info"} else ""
    return format_html('<span class="badge text-bg-{}{}">{}</span>', colour, text_class, label)


@register.filter
def dash(value):
    """Show an em dash for empty values."""
    if value is None or value == "":
        return "—"
    return value


@register.filter
def add_class(bound_field, css):
    """Render a form field's widget with extra CSS classes."""
    existing = bound_field.field.widget.attrs.get("class", "")
    return bound_field.as_widget(attrs={"class": f"{existing} {css}".strip()})


@register.filter
def widget_type(bound_field):
    return bound_field.field.widget.__class__.__name__


@register.filter
def markdown(text):
    """Markdown rendered to cleaned HTML (see anjian.core.markdown)."""
    from anjian.core.markdown import render_markdown

    return render_markdown(text)
