"""Overdue escalation with a fixed clock: each rung, idempotence, concurrent runners."""

import datetime
import threading

import pytest
from django.core.management import call_command

from anjian.hazards.escalation import escalate_overdue
from anjian.hazards.models import Hazard, SupervisionLetter
from anjian.notifications.models import Notification

H = datetime.timedelta(hours=1)


def rung_counts(counts):
    return {k: v for k, v in counts.items() if v}


@pytest.mark.django_db
def test_each_rung_fires_once_at_its_time(world, issue):
    hazard = issue(deadline_days=(3,)).hazards.get()
    deadline = hazard.deadline
    pm, chief, grouphq = world.users["pm"], world.users["chief"], world.users["grouphq"]

    assert rung_counts(escalate_overdue(now=deadline - 25 * H)) == {}
    assert rung_counts(escalate_overdue(now=deadline - 23 * H)) == {"reminder": 1}
    assert Notification.objects.filter(user=pm, kind="hazard.reminder").count() == 1
    assert not Notification.objects.filter(user=chief, kind="hazard.reminder").exists()

    assert rung_counts(escalate_overdue(now=deadline + H)) == {"warning": 1}
    assert Notification.objects.filter(
        kind="hazard.warning", user=world.users["supervisor"]
    ).exists()

    assert rung_counts(escalate_overdue(now=deadline + 71 * H)) == {}
    assert rung_counts(escalate_overdue(now=deadline + 73 * H)) == {"escalation": 1}
    assert Notification.objects.filter(kind="hazard.escalation", user=chief).exists()
    assert Notification.objects.filter(kind="hazard.escalation", user=grouphq).exists()

    assert rung_counts(escalate_overdue(now=deadline + 169 * H)) == {"letter": 1, "letters": 1}
    letter = SupervisionLetter.objects.get(hazard=hazard)
    assert letter.addressed_to == world.orgs["group"] and "安监督字" in letter.number
    hazard.refresh_from_db()
    assert hazard.escalation_level == 4 and hazard.next_escalation_at is None
    assert [e for e in hazard.events.values_list("type", flat=True)][-4:] == [
        "reminded",
        "warned",
        "escalated",
        "letter",
    ]


@pytest.mark.django_db
def test_running_twice_sends_nothing_twice(world, issue):
    hazard = issue(deadline_days=(3,)).hazards.get()
    late = hazard.deadline + 200 * H  # every rung due at once: caught up in one pass
    first = escalate_overdue(now=late)
    assert rung_counts(first) == {
        "reminder": 1,
        "warning": 1,
        "escalation": 1,
        "letter": 1,
        "letters": 1,
    }
    before = Notification.objects.count()
    assert rung_counts(escalate_overdue(now=late)) == {}
    assert Notification.objects.count() == before
    assert SupervisionLetter.objects.count() == 1


@pytest.mark.django_db
def test_a_replied_hazard_does_not_escalate(world, issue):
    from anjian.hazards.tests.test_services import reply

    hazard = issue(deadline_days=(3,)).hazards.get()
    reply(hazard, world.users["pm"])
    assert rung_counts(escalate_overdue(now=hazard.deadline + 200 * H)) == {}


@pytest.mark.django_db
def test_management_command_prints_the_counts(world, issue, capsys):
    hazard = issue(deadline_days=(3,)).hazards.get()
    moment = (hazard.deadline + H).isoformat()
    call_command("escalate_overdue", "--now", moment)
    out = capsys.readouterr().out
    assert "reminders=1 warnings=1 escalations=0 letters=0" in out


@pytest.mark.django_db(transaction=True)
def test_two_concurrent_runners_never_send_twice(world, issue):
    """Two threads (two database connections) run the same pass at the same moment."""
    notice = issue(grades=("general", "general", "general"), deadline_days=(3, 3, 3))
    late = notice.hazards.first().deadline + 200 * H
    barrier = threading.Barrier(2)
    results = []

    def run():
        from django.db import connection as conn

        barrier.wait()
        try:
            results.append(escalate_overdue(now=late))
        finally:
            conn.close()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    total = sum((r["reminder"] + r["warning"] + r["escalation"] + r["letter"]) for r in results)
    assert total == 3 * 4
    assert SupervisionLetter.objects.count() == 3
    assert set(Hazard.objects.values_list("escalation_level", flat=True)) == {4}
    keys = list(Notification.objects.values_list("user_id", "key"))
    assert len(keys) == len(set(keys))
