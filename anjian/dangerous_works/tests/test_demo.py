"""The demo data of 危大工程 (`seed_demo`): every status and warning, real steps and files, the
demo accounts' view, --scale bulk works, and a second run that adds nothing."""

import datetime

import pytest
from django.core.management import call_command
from django.utils import timezone

from anjian.accounts.models import User
from anjian.dangerous_works import selectors, thresholds, workflow
from anjian.dangerous_works import warnings as warn
from anjian.dangerous_works.demo import BULK_PER_PROJECT, BULK_PREFIX
from anjian.dangerous_works.models import (
    Argumentation,
    DangerousWork,
    MonitoringReading,
    Patrol,
    WorkDocument,
    WorkSignature,
    WorkStep,
)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def _counts():
    return tuple(
        model.objects.count()
        for model in (
            DangerousWork,
            WorkStep,
            WorkDocument,
            WorkSignature,
            Argumentation,
            MonitoringReading,
            Patrol,
        )
    )


def test_demo_has_every_status_and_warning_for_the_demo_accounts_and_is_idempotent():
    call_command("seed_demo", quiet=True, scale=2)
    demo = DangerousWork.objects.exclude(number__startswith=BULK_PREFIX)
    assert 20 <= demo.count() <= 40

    # Every status (the pseudo status "previous" is not one), every category, both levels.
    statuses = set(demo.values_list("status", flat=True))
    assert statuses == set(workflow.STATUS_LABELS) - {workflow.PREVIOUS}
    assert set(demo.values_list("category", flat=True)) == set(thresholds.CATEGORIES)
    assert set(demo.values_list("level", flat=True)) == {thresholds.DANGER, thresholds.SUPER}
    # Revising after 修改后通过 and after 不通过.
    last_verdicts = {
        work.argumentations.order_by("-round").first().verdict
        for work in demo.filter(status=workflow.REVISING)
    }
    assert last_verdicts == {"revise", "failed"}

    # Every warning kind of the district view.
    counts = selectors.counts(warn.annotate(demo))
    assert {key: n for key, _label, _colour, n in counts["warnings"]} == {
        key: 1 for key in warn.LABELS
    }

    # The demo accounts: pm / safety / engineer on the first project, pm2 on the second.
    first = demo.filter(project__code="TZ-DEMO-00001")
    second = demo.filter(project__code="TZ-DEMO-00002")
    pm, pm2 = User.objects.get(username="pm"), User.objects.get(username="pm2")
    assert set(DangerousWork.objects.visible_to(pm)) == set(first)
    assert set(DangerousWork.objects.visible_to(pm2)) == set(second)
    assert first.count() >= 4 and second.count() >= 2
    engineer = User.objects.get(username="engineer")
    assert set(first) < set(DangerousWork.objects.visible_to(engineer))
    assert selectors.works_waiting_for(engineer).filter(status="supervisor_review").exists()
    assert selectors.open_alarms_for(pm).count() == 1
    supervisor = User.objects.get(username="supervisor")
    assert DangerousWork.objects.visible_to(supervisor).count() == DangerousWork.objects.count()

    # Real steps, signatures and files, backdated into weeks of history.
    now = timezone.now()
    pit = first.get(category="PIT")
    steps = list(pit.steps.order_by("at", "id"))
    assert steps[0].action == "registered"
    assert steps[0].at < now - datetime.timedelta(days=60)
    assert all(step.at <= now for step in steps)
    assert pit.argumentations.count() == 1 and pit.argued
    assert pit.approved_at < pit.disclosed_at
    assert timezone.localdate(pit.disclosed_at) <= pit.actual_start
    for work in demo.filter(status__in=[workflow.IN_PROGRESS, workflow.COMPLETED]):
        assert work.approved_at and timezone.localdate(work.approved_at) <= work.actual_start
    for argumentation in Argumentation.objects.select_related("work__project"):
        assert len(argumentation.experts) >= 5
        units = set(
            argumentation.work.project.participants.values_list("organization__name", flat=True)
        )
        assert not {e["employer"] for e in argumentation.experts} & units
        assert argumentation.step.signatures.filter(role="expert").count() >= 5
    assert WorkSignature.objects.filter(role="sub_tech_chief").exists()
    for doc in WorkDocument.objects.all():
        with doc.file.open("rb") as handle:
            data = handle.read()
        assert (
            data.startswith(b"%PDF-1.4") and b"/Title <FEFF" in data and data.endswith(b"%%EOF\n")
        )
    assert set(WorkDocument.objects.values_list("kind", flat=True)) >= {
        "scheme",
        "expert_report",
        "briefing",
        "acceptance",
        "monitoring_plan",
        "monitoring_report",
    }

    # Monitoring in the last two weeks with one alarm dealt with and one open; both parties
    # patrol; the work reported as started before approval.
    readings = MonitoringReading.objects.filter(work__in=demo)
    assert readings.filter(measured_at__gte=now - datetime.timedelta(days=15)).count() > 100
    assert readings.filter(is_alarm=True, handled_at__isnull=True).count() == 1
    assert readings.filter(is_alarm=True, handled_at__isnull=False).exists()
    parties = set(Patrol.objects.filter(work__in=demo).values_list("party", flat=True))
    assert parties == {Patrol.Party.CONTRACTOR, Patrol.Party.SUPERVISION}
    started = demo.get(site_started_reported_at__isnull=False)
    assert started.status in workflow.BEFORE_APPROVAL
    assert started.steps.filter(action="site_started", actor=supervisor).exists()

    # --scale: bulk works on the added projects only.
    bulk = DangerousWork.objects.filter(number__startswith=BULK_PREFIX)
    assert bulk.count() == 40 * BULK_PER_PROJECT
    assert not bulk.filter(project__code__lte="TZ-DEMO-00040").exists()

    before = _counts()
    call_command("seed_demo", quiet=True, scale=2)
    assert _counts() == before
