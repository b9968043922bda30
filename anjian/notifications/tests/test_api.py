from django.utils import timezone

from anjian.notifications.models import Notification
from anjian.notifications.services import notify


def test_list_shows_only_my_notifications_unread_first(world, client_as):
    pm = world.users["pm"]
    notify(users=[pm], title="已读", email=False)
    Notification.objects.filter(title="已读").update(read_at=timezone.now())
    notify(users=[pm], title="未读", url="/x/", obj=world.projects["P"], email=False)
    notify(users=[world.users["safety"]], title="别人的", email=False)
    data = client_as("pm").get("/api/v1/notifications").json()
    assert data["count"] == 2
    assert [i["title"] for i in data["items"]] == ["未读", "已读"]
    first = data["items"][0]
    assert first["unread"] is True and first["url"] == "/x/"
    assert (
        first["object_type"] == "projects.project" and first["object_id"] == world.projects["P"].pk
    )


def test_list_filters_unread(world, client_as):
    pm = world.users["pm"]
    notify(users=[pm], title="a", email=False)
    notify(users=[pm], title="b", email=False)
    Notification.objects.filter(title="a").update(read_at=timezone.now())
    data = client_as("pm").get("/api/v1/notifications?unread=1").json()
    assert [i["title"] for i in data["items"]] == ["b"]


def test_mark_one_read(world, client_as):
    notify(users=[world.users["pm"]], title="a", email=False)
    n = Notification.objects.get()
    response = client_as("pm").post(f"/api/v1/notifications/{n.pk}/read")
    assert response.status_code == 200 and response.json()["unread"] is False
    n.refresh_from_db()
    assert n.read_at is not None


def test_another_users_notification_is_404(world, client_as):
    notify(users=[world.users["pm"]], title="a", email=False)
    n = Notification.objects.get()
    response = client_as("admin").post(f"/api/v1/notifications/{n.pk}/read")
    assert response.status_code == 404
    n.refresh_from_db()
    assert n.read_at is None


def test_mark_all_read(world, client_as):
    pm = world.users["pm"]
    notify(users=[pm], title="a", email=False)
    notify(users=[pm], title="b", email=False)
    response = client_as("pm").post("/api/v1/notifications/read-all")
    assert response.json() == {"updated": 2}
    assert not Notification.objects.filter(read_at__isnull=True).exists()


def test_todos(world, client_as, finished_record):
    data = client_as("pm").get("/api/v1/todos").json()
    sign = f"/inspections/{finished_record.pk}/sign/"
    [item] = [i for i in data if i["url"] == sign]
    assert finished_record.number in item["title"] and item["kind_label"]
    assert item["overdue"] is False and item["due"] is None
    assert client_as("pm2").get("/api/v1/todos").json() == []


def test_anonymous_callers_are_refused(client, db):
    assert client.get("/api/v1/notifications").status_code == 401
    assert client.get("/api/v1/todos").status_code == 401
