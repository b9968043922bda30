import datetime
import re

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from anjian.notifications.models import Notification
from anjian.notifications.services import notify


def unread_badge(html: str) -> str:
    match = re.search(r'<span class="([^"]*)" data-testid="unread-count">([^<]*)</span>', html)
    assert match, "no unread badge in the navigation"
    return "" if "d-none" in match.group(1) else match.group(2)


def notification_queries(captured) -> int:
    return sum("notifications_notification" in q["sql"] for q in captured.captured_queries)


def test_unread_count_is_shown_in_the_navigation(world, client_as):
    pm = world.users["pm"]
    client = client_as("pm")
    assert unread_badge(client.get(reverse("projects:list")).content.decode()) == ""
    notify(users=[pm], title="a", email=False)
    notify(users=[pm], title="b", email=False)
    notify(users=[world.users["safety"]], title="c", email=False)
    assert unread_badge(client.get(reverse("projects:list")).content.decode()) == "2"


def test_unread_count_costs_one_query_per_page(world, client_as):
    notify(users=[world.users["pm"]], title="a", email=False)
    client = client_as("pm")
    with CaptureQueriesContext(connection) as captured:
        assert client.get(reverse("projects:list")).status_code == 200
    assert notification_queries(captured) == 1


def test_anonymous_pages_do_not_count_notifications(client, db):
    with CaptureQueriesContext(connection) as captured:
        assert client.get(reverse("accounts:login")).status_code == 200
    assert notification_queries(captured) == 0


def test_inbox_lists_unread_first_and_in_bold(world, client_as):
    pm = world.users["pm"]
    notify(users=[pm], title="新的未读通知", email=False)
    notify(users=[pm], title="已读的通知", email=False)
    Notification.objects.filter(title="已读的通知").update(read_at=timezone.now())
    notify(users=[pm], title="较早的未读通知", email=False)
    Notification.objects.filter(title="较早的未读通知").update(
        created_at=timezone.now() - datetime.timedelta(days=2)
    )
    html = client_as("pm").get(reverse("notifications:inbox")).content.decode()
    order = [html.index(t) for t in ("新的未读通知", "较早的未读通知", "已读的通知")]
    assert order == sorted(order)
    assert html.count('data-unread="1"') == 2 and html.count('data-unread="0"') == 1
    assert html.count("fw-bold") == 2


def test_inbox_filters_unread_and_answers_htmx_with_the_results_only(world, client_as):
    pm = world.users["pm"]
    notify(users=[pm], title="未读", email=False)
    notify(users=[pm], title="已读", email=False)
    Notification.objects.filter(title="已读").update(read_at=timezone.now())
    response = client_as("pm").get(
        reverse("notifications:inbox") + "?unread=1", headers={"HX-Request": "true"}
    )
    html = response.content.decode()
    assert "未读" in html and "已读" not in html
    assert "<html" not in html and 'id="results"' in html


def test_inbox_shows_only_the_users_own_notifications(world, client_as):
    notify(users=[world.users["safety"]], title="给安全员的通知", email=False)
    html = client_as("pm").get(reverse("notifications:inbox")).content.decode()
    assert "给安全员的通知" not in html and 'data-testid="no-notifications"' in html


def test_inbox_query_count_does_not_grow_with_rows(world, client_as):
    client = client_as("pm")
    notify(users=[world.users["pm"]], title="t", email=False)
    with CaptureQueriesContext(connection) as few:
        client.get(reverse("notifications:inbox"))
    for i in range(20):
        notify(users=[world.users["pm"]], title=f"t{i}", url="/projects/", email=False)
    with CaptureQueriesContext(connection) as many:
        client.get(reverse("notifications:inbox"))
    assert len(many.captured_queries) == len(few.captured_queries)


def test_opening_a_notification_marks_it_read_and_redirects(world, client_as):
    project = world.projects["P"]
    url = reverse("projects:detail", args=[project.pk])
    notify(users=[world.users["pm"]], title="项目信息已更新", url=url, email=False)
    n = Notification.objects.get()
    response = client_as("pm").get(reverse("notifications:open", args=[n.pk]))
    assert response.status_code == 302 and response["Location"] == url
    n.refresh_from_db()
    assert n.read_at is not None


def test_opening_a_notification_never_redirects_off_site(world, client_as):
    notify(users=[world.users["pm"]], title="t", url="https://evil.example/", email=False)
    n = Notification.objects.get()
    response = client_as("pm").get(reverse("notifications:open", args=[n.pk]))
    assert response["Location"] == reverse("notifications:inbox")


def test_another_users_notification_is_404(world, client_as):
    notify(users=[world.users["pm"]], title="t", url="/", email=False)
    n = Notification.objects.get()
    for persona in ("safety", "admin", "pm2"):
        assert client_as(persona).get(reverse("notifications:open", args=[n.pk])).status_code == 404
    n.refresh_from_db()
    assert n.read_at is None


def test_mark_all_read(world, client_as):
    pm = world.users["pm"]
    notify(users=[pm], title="a", email=False)
    notify(users=[pm, world.users["safety"]], title="b", email=False)
    response = client_as("pm").post(reverse("notifications:read_all"), follow=True)
    assert response.redirect_chain[-1][0] == reverse("notifications:inbox")
    assert not Notification.objects.filter(user=pm, read_at__isnull=True).exists()
    assert Notification.objects.filter(user=world.users["safety"], read_at__isnull=True).exists()
    assert unread_badge(response.content.decode()) == ""


def test_todo_page_lists_a_record_awaiting_the_pms_signature(world, client_as, finished_record):
    html = client_as("pm").get(reverse("notifications:todos")).content.decode()
    assert finished_record.number in html
    assert reverse("inspections:sign", args=[finished_record.pk]) in html
    # The project manager of another project has nothing to sign.
    html = client_as("pm2").get(reverse("notifications:todos")).content.decode()
    assert 'data-testid="todos-empty"' in html


def test_todo_page_lists_the_inspectors_unfinished_records(world, client_as):
    from anjian.inspections.testing import record_objects

    inspection = record_objects(world)["inspection"]
    html = client_as("supervisor").get(reverse("notifications:todos")).content.decode()
    assert reverse("inspections:detail", args=[inspection.pk]) in html
    assert (
        'data-testid="todos-empty"'
        in client_as("chief").get(reverse("notifications:todos")).content.decode()
    )


def test_home_page_shows_the_first_todos(world, client_as, finished_record):
    html = client_as("pm").get(reverse("core:home")).content.decode()
    assert 'data-testid="todo-panel"' in html and finished_record.number in html
    assert (
        'data-testid="todo-panel"'
        not in client_as("pm2").get(reverse("core:home")).content.decode()
    )


def test_finishing_a_record_notifies_the_site(world, client_as, django_capture_on_commit_callbacks):
    """The hazards module notifies the project's people when the record's notice is issued."""
    from anjian.accounts.models import User
    from anjian.inspections.services import records as svc
    from anjian.inspections.testing import record_objects, signature_data_url

    inspection = record_objects(world)["inspection"]
    supervisor = world.users["supervisor"]
    with django_capture_on_commit_callbacks(execute=True):
        svc.inspection_sign(
            inspection=inspection,
            by=supervisor,
            role="inspector",
            image_data=signature_data_url(),
            signer=User.objects.get(username="supervisor_b2"),
        )
        svc.inspection_finish(inspection=inspection, by=supervisor)
    assert Notification.objects.filter(user=world.users["pm"]).exists()
    assert unread_badge(client_as("pm").get(reverse("core:home")).content.decode()) != ""
