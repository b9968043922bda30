import pytest
from django.contrib.contenttypes.models import ContentType
from django.core import mail
from django.db import IntegrityError, transaction

from anjian.core.errors import PermissionDenied
from anjian.notifications import services
from anjian.notifications.models import Notification
from anjian.notifications.services import (
    notification_mark_read,
    notification_send_emails,
    notifications_mark_all_read,
    notify,
)


@pytest.fixture
def pm(world):
    user = world.users["pm"]
    user.email = "pm@example.com"
    user.save()
    return user


def test_notify_creates_one_notification_per_user(world):
    users = [world.users["pm"], world.users["safety"]]
    created = notify(users=users, title="整改通知书已下发", body="请签收", url="/x/", email=False)
    assert created == 2
    rows = Notification.objects.order_by("user__username")
    assert [n.user.username for n in rows] == ["pm", "safety"]
    assert {(n.title, n.body, n.url, n.kind, n.read_at) for n in rows} == {
        ("整改通知书已下发", "请签收", "/x/", "info", None)
    }


def test_notify_ignores_duplicates_and_missing_users(world):
    pm = world.users["pm"]
    assert notify(users=[pm, pm, None], title="t", email=False) == 1
    assert notify(users=[], title="t") == 0


def test_notify_with_a_key_never_creates_the_same_notification_twice(world):
    pm, safety = world.users["pm"], world.users["safety"]
    assert notify(users=[pm], title="逾期提醒", key="hazard-7-1", email=False) == 1
    assert notify(users=[pm, safety], title="逾期提醒", key="hazard-7-1", email=False) == 1
    assert notify(users=[pm, safety], title="逾期提醒", key="hazard-7-1", email=False) == 0
    assert Notification.objects.filter(key="hazard-7-1").count() == 2


def test_notifications_without_a_key_may_repeat(world):
    pm = world.users["pm"]
    notify(users=[pm], title="t", email=False)
    notify(users=[pm], title="t", email=False)
    assert Notification.objects.filter(user=pm).count() == 2


def test_the_database_refuses_a_second_row_with_the_same_user_and_key(world):
    pm = world.users["pm"]
    Notification.objects.create(user=pm, title="a", key="k")
    # What a concurrent runner's insert meets: dropped with ignore_conflicts, refused otherwise.
    Notification.objects.bulk_create(
        [Notification(user=pm, title="b", key="k")], ignore_conflicts=True
    )
    assert Notification.objects.filter(user=pm, key="k").count() == 1
    with pytest.raises(IntegrityError), transaction.atomic():
        Notification.objects.create(user=pm, title="c", key="k")


def test_notify_skips_inactive_users(world):
    safety = world.users["safety"]
    safety.is_active = False
    safety.save()
    assert notify(users=[world.users["pm"], safety], title="t", email=False) == 1
    assert not Notification.objects.filter(user=safety).exists()


def test_notify_links_the_object(world):
    project = world.projects["P"]
    notify(users=[world.users["pm"]], title="t", obj=project, kind="project.updated", email=False)
    n = Notification.objects.get()
    assert n.content_type == ContentType.objects.get_for_model(project)
    assert n.object_id == project.pk and n.obj == project and n.kind == "project.updated"


def test_email_is_sent_only_after_commit(world, pm, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        notify(
            users=[pm, world.users["safety"]],  # safety has no e-mail address
            title="整改通知书已下发",
            body="请及时签收并整改。",
            url="/hazards/1/",
        )
        assert mail.outbox == []
        assert Notification.objects.filter(emailed_at__isnull=False).count() == 0
    assert len(callbacks) == 1
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["pm@example.com"]
    assert "整改通知书已下发" in message.subject
    assert "请及时签收并整改。" in message.body and "/hazards/1/" in message.body
    assert Notification.objects.get(user=pm).emailed_at is not None
    assert Notification.objects.get(user=world.users["safety"]).emailed_at is None


def test_no_email_when_the_transaction_rolls_back(world, pm, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        with pytest.raises(RuntimeError), transaction.atomic():
            notify(users=[pm], title="t")
            raise RuntimeError
    assert callbacks == [] and mail.outbox == []
    assert not Notification.objects.exists()


def test_no_email_when_asked_not_to(world, pm, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        notify(users=[pm], title="t", email=False)
    assert callbacks == [] and mail.outbox == []


def test_each_notification_is_emailed_once(world, pm, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        notify(users=[pm], title="t")
    pks = list(Notification.objects.values_list("pk", flat=True))
    assert notification_send_emails(pks=pks) == 0
    assert len(mail.outbox) == 1


def test_failed_sending_leaves_the_notification_for_a_later_attempt(
    world, pm, monkeypatch, django_capture_on_commit_callbacks
):
    class Broken:
        def send_messages(self, messages):
            raise OSError("SMTP server unreachable")

    monkeypatch.setattr(services, "get_connection", lambda: Broken())
    with django_capture_on_commit_callbacks(execute=True):
        created = notify(users=[pm], title="t")
    assert created == 1  # the in-app notification stays
    assert Notification.objects.get(user=pm).emailed_at is None
    monkeypatch.undo()
    assert notification_send_emails(pks=Notification.objects.values_list("pk", flat=True)) == 1


def test_recipient_marks_a_notification_read(world):
    pm = world.users["pm"]
    notify(users=[pm], title="t", email=False)
    n = Notification.objects.get()
    notification_mark_read(notification=n, by=pm)
    n.refresh_from_db()
    first = n.read_at
    assert first is not None
    notification_mark_read(notification=n, by=pm)
    n.refresh_from_db()
    assert n.read_at == first  # reading again changes nothing


def test_nobody_else_marks_a_notification_read(world):
    notify(users=[world.users["pm"]], title="t", email=False)
    n = Notification.objects.get()
    with pytest.raises(PermissionDenied):
        notification_mark_read(notification=n, by=world.users["admin"])
    n.refresh_from_db()
    assert n.read_at is None


def test_mark_all_read_touches_only_the_users_unread_notifications(world):
    pm, safety = world.users["pm"], world.users["safety"]
    notify(users=[pm, safety], title="a", email=False)
    notify(users=[pm], title="b", email=False)
    assert notifications_mark_all_read(user=pm) == 2
    assert notifications_mark_all_read(user=pm) == 0
    assert Notification.objects.filter(user=safety, read_at__isnull=True).count() == 1
