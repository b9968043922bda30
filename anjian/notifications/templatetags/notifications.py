"""Template helpers for to-dos: the due countdown badge ('还剩2天', '已逾期3天')."""

from django import template
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from ..todos import countdown

register = template.Library()


def countdown_text(days: int, colour: str) -> str:
    """The countdown in words: days left, due today, or days overdue."""
    if colour == "danger":
        if days == 0:
            return _("Overdue")
        return ngettext("Overdue by %(n)d day", "Overdue by %(n)d days", -days) % {"n": -days}
    if days == 0:
        return _("Due today")
    return ngettext("%(n)d day left", "%(n)d days left", days) % {"n": days}


@register.simple_tag
def todo_due(item):
    """A coloured badge with the item's countdown; nothing when it has no due time."""
    result = countdown(item)
    if result is None:
        return ""
    days, colour = result
    text_class = " text-dark" if colour in {"warning", "info"} else ""
    return format_html(
        '<span class="badge text-bg-{}{} text-nowrap" data-testid="todo-due">{}</span>',
        colour,
        text_class,
        countdown_text(days, colour),
    )
