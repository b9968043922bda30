"""The to-do list: what a user has to act on, gathered from every module's providers.

A provider is a function `(user) -> list[TodoItem]`; a module appends its own to
`TODO_PROVIDERS` when it loads (inspections from its registry.py, hazards from theirs).
Providers must cost a fixed number of queries, however many items they return.
"""

import datetime
from collections.abc import Callable
from dataclasses import dataclass

from django.utils import timezone


@dataclass
class TodoItem:
    """One thing the user has to do, with where to do it and by when."""

    kind_label: str
    title: str
    url: str
    due: datetime.datetime | None
    overdue: bool
    detail: str = ""
    icon: str = "check2-square"


TODO_PROVIDERS: list[Callable[..., list[TodoItem]]] = []

_FAR_FUTURE = datetime.datetime.max.replace(tzinfo=datetime.UTC)


def todos_for(user) -> list[TodoItem]:
    """Every provider's to-dos for `user`: overdue first, then by due time (none last)."""
    if user is None or not user.is_authenticated:
        return []
    items: list[TodoItem] = []
    for provider in TODO_PROVIDERS:
        items.extend(provider(user) or [])
    return sorted(
        items,
        key=lambda item: (not item.overdue, item.due is None, item.due or _FAR_FUTURE),
    )


def grouped(items: list[TodoItem]) -> list[tuple[str, list[TodoItem]]]:
    """The items grouped by kind, groups in the order of their first (most urgent) item."""
    groups: dict[str, list[TodoItem]] = {}
    for item in items:
        groups.setdefault(str(item.kind_label), []).append(item)
    return list(groups.items())


def countdown(item: TodoItem, now: datetime.datetime | None = None) -> tuple[int, str] | None:
    """Whole calendar days until the item is due (negative when overdue) and a colour."""
    if item.due is None:
        return None
    now = now or timezone.now()
    days = (timezone.localtime(item.due).date() - timezone.localtime(now).date()).days
    if item.overdue or item.due < now:
        return min(days, 0), "danger"
    if days <= 1:
        return days, "warning"
    if days <= 3:
        return days, "info"
    return days, "secondary"
