"""`seed_demo --scale N --hazards-per-project M`: bulk visits, hazards with their timelines and
notices on the added projects, the statistics rebuilt over them, and a second run that adds
nothing (the volume data of bench/bench_scale.py, here at its smallest)."""

import datetime

import pytest
from django.core.management import CommandError, call_command
from django.db.models import Count, F
from django.utils import timezone

from anjian.hazards.models import Hazard, HazardEvent, RectificationNotice
from anjian.inspections.models import Inspection, PlannedVisit
from anjian.projects.models import Project, ProjectParticipant
from anjian.stats.models import HazardMonthStat, ProjectRisk

pytestmark = pytest.mark.django_db

SCALED = {"project__code__gt": "TZ-DEMO-00040"}


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def _counts():
    return tuple(
        model.objects.count()
        for model in (Hazard, HazardEvent, RectificationNotice, Inspection, PlannedVisit)
    )


def test_scale_with_hazards_per_project_gives_the_added_projects_their_volume():
    call_command("seed_demo", quiet=True, scale=2, hazards_per_project=5)
    now = timezone.now()

    assert Project.objects.count() == 80
    bulk = Hazard.objects.filter(**SCALED)
    # The total is exact; the spread follows the visits (projects not started get none).
    assert bulk.count() == 40 * 5
    assert bulk.values("project").distinct().count() > 20

    # Visits: finished supervision or remote inspections on the added projects, most scored,
    # most of the supervision ones on a monthly plan.
    visits = Inspection.objects.filter(**SCALED)
    assert visits.exists()
    assert set(visits.values_list("status", flat=True)) == {"finished"}
    assert set(visits.values_list("source", flat=True)) <= {"supervision", "remote"}
    assert visits.filter(score__isnull=False).exists()
    assert not visits.filter(finished_at__gte=now).exists()
    assert PlannedVisit.objects.filter(**SCALED, inspections__isnull=False).exists()

    # Hazards: over the last two years, from visits and self-inspections, the responsible unit
    # is the project's contractor, found before closed.
    assert not bulk.filter(found_at__gt=now).exists()
    assert not bulk.filter(found_at__lt=now - datetime.timedelta(days=800)).exists()
    assert set(bulk.values_list("grade", flat=True)) <= {"general", "major"}
    sources = set(bulk.values_list("source", flat=True))
    assert {"supervision", "self"} <= sources
    contractors = dict(
        ProjectParticipant.objects.filter(role="contractor").values_list(
            "project_id", "organization_id"
        )
    )
    for project_id, org_id in bulk.values_list("project_id", "responsible_org_id"):
        assert org_id == contractors[project_id]
    closed = bulk.filter(status="closed")
    assert closed.count() > bulk.count() // 2
    assert not closed.filter(closed_at__lte=F("found_at")).exists()
    assert not bulk.filter(status="closed", closed_at__isnull=True).exists()
    from_visits = bulk.filter(inspection__isnull=False)
    assert from_visits.filter(notice__isnull=False).count() == from_visits.count()
    assert not bulk.filter(inspection__isnull=True, source="supervision").exists()

    # Timelines: every hazard was found (and, from a visit, had its notice issued); every
    # closed one has its acceptance at the time it was closed.
    assert HazardEvent.objects.filter(hazard__in=bulk, type="created").count() == bulk.count()
    assert (
        HazardEvent.objects.filter(hazard__in=from_visits, type="notice_issued").count()
        == from_visits.count()
    )
    accepted = HazardEvent.objects.filter(hazard__in=closed, type="accepted")
    assert accepted.count() == closed.count()
    assert not accepted.exclude(at=F("hazard__closed_at")).exists()
    per_hazard = bulk.annotate(n=Count("events")).values_list("n", flat=True)
    assert min(per_hazard) >= 1

    # One notice per visit that found something, numbered like the service's.
    notices = RectificationNotice.objects.filter(**SCALED)
    assert notices.count() == from_visits.values("inspection").distinct().count()
    assert all("安监" in number for number in notices.values_list("number", flat=True))

    # The statistics seeder rebuilt the summary over every hazard and scored the projects.
    found = sum(HazardMonthStat.objects.values_list("found", flat=True))
    assert found == Hazard.objects.filter(project__street__isnull=False).count()
    assert ProjectRisk.objects.filter(**SCALED).exists()

    before = _counts()
    call_command("seed_demo", quiet=True, scale=2, hazards_per_project=5)
    assert _counts() == before


def test_hazards_per_project_needs_scaled_projects():
    with pytest.raises(CommandError):
        call_command("seed_demo", quiet=True, hazards_per_project=5)
