import datetime

import pytest
from django.utils import timezone

from anjian.notifications import todos
from anjian.notifications.templatetags.notifications import countdown_text
from anjian.notifications.todos import TodoItem, countdown, grouped, todos_for


def item(title, due=None, overdue=False, kind="整改"):
    return TodoItem(kind_label=kind, title=title, url="/", due=due, overdue=overdue)


@pytest.fixture
def providers(monkeypatch):
    registry: list = []
    monkeypatch.setattr(todos, "TODO_PROVIDERS", registry)
    return registry


def test_todos_come_overdue_first_then_by_due_time(world, providers):
    now = timezone.now()
    providers.append(
        lambda user: [
            item("no due"),
            item("in 3 days", now + datetime.timedelta(days=3)),
            item("overdue", now - datetime.timedelta(days=1), overdue=True),
            item("tomorrow", now + datetime.timedelta(days=1)),
        ]
    )
    providers.append(lambda user: [item("very overdue", now - datetime.timedelta(days=5), True)])
    titles = [i.title for i in todos_for(world.users["pm"])]
    assert titles == ["very overdue", "overdue", "tomorrow", "in 3 days", "no due"]


def test_anonymous_users_have_no_todos(providers):
    from django.contrib.auth.models import AnonymousUser

    providers.append(lambda user: [item("x")])
    assert todos_for(AnonymousUser()) == []


def test_groups_keep_the_order_of_their_most_urgent_item():
    items = [item("a", kind="逾期"), item("b", kind="签收"), item("c", kind="逾期")]
    assert [(label, [i.title for i in group]) for label, group in grouped(items)] == [
        ("逾期", ["a", "c"]),
        ("签收", ["b"]),
    ]


def test_countdown_counts_calendar_days_and_colours_them():
    now = timezone.make_aware(datetime.datetime(2026, 5, 10, 9, 0))
    at = lambda days, hour=18: now.replace(hour=hour) + datetime.timedelta(days=days)  # noqa: E731
    assert countdown(item("x"), now) is None
    assert countdown(item("x", at(0)), now) == (0, "warning")
    assert countdown(item("x", at(2)), now) == (2, "info")
    assert countdown(item("x", at(6)), now) == (6, "secondary")
    assert countdown(item("x", at(-3), overdue=True), now) == (-3, "danger")
    assert countdown(item("x", at(0, hour=8)), now) == (0, "danger")  # earlier today


def test_countdown_words():
    assert countdown_text(2, "info") == "还剩2天"
    assert countdown_text(0, "warning") == "今天到期"
    assert countdown_text(-3, "danger") == "已逾期3天"
    assert countdown_text(0, "danger") == "已逾期"
