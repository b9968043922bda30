"""The demo data of 考评 and 排名 (`seed_demo`): published rankings of earlier months with last
month left for `leader` to publish, every evaluation status, a final 考评 of each result with an
objection waiting, the demo accounts' to-dos, and a second run that adds nothing."""

import datetime

import pytest
from django.core.management import call_command
from django.utils import timezone

from anjian.accounts.models import Organization, User
from anjian.evaluations import selectors
from anjian.evaluations import services as svc
from anjian.evaluations.models import (
    Accident,
    Evaluation,
    EvaluationSignature,
    FinalEvaluation,
    RankingEntry,
    RankingSnapshot,
)
from anjian.inspections.models import Inspection
from anjian.notifications.models import Notification
from anjian.projects.models import ProjectMember

pytestmark = pytest.mark.django_db

AGENCY = "北京市通州区住房和城乡建设委员会"


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture(autouse=True)
def without_dangerous_works(monkeypatch):
    """The 危大工程 demo (a third of seed_demo's time) plays no part here: leave it out."""
    from anjian.core import seeding

    monkeypatch.setattr(
        seeding,
        "DEMO_SEEDERS",
        [entry for entry in seeding.DEMO_SEEDERS if entry[1] != "dangerous_works"],
    )


def _counts():
    return tuple(
        model.objects.count()
        for model in (
            Evaluation,
            EvaluationSignature,
            Accident,
            FinalEvaluation,
            RankingSnapshot,
            RankingEntry,
            Inspection,
            Notification,
            User,
        )
    )


def _month(day, back):
    month = day.replace(day=1)
    for _ in range(back):
        month = (month - datetime.timedelta(days=1)).replace(day=1)
    return month


def test_demo_rankings_evaluations_final_evaluations_and_a_second_run_adds_nothing():
    call_command("seed_demo", quiet=True)
    agency = Organization.objects.get(name=AGENCY)
    users = {u.username: u for u in User.objects.all()}
    now = timezone.now()
    today = timezone.localdate(now)
    last_month = _month(today, 1)

    # Contractor and group rankings published by the leader for the months before last month,
    # backdated to early the following month; last month is not published.
    snapshots = RankingSnapshot.objects.filter(agency=agency, period_type="month")
    published = {(s.period_start, s.unit) for s in snapshots}
    for back in (2, 3, 4):
        for unit in ("contractor", "group"):
            assert (_month(today, back), unit) in published
    assert not snapshots.filter(period_start=last_month).exists()
    for snapshot in snapshots:
        assert snapshot.published_by == users["leader"]
        assert snapshot.period_end < timezone.localdate(snapshot.published_at) < today
        assert snapshot.entries.filter(ranked=True).count() >= 2
    group = users["grouphq"].organization
    history = selectors.company_history(group)
    assert len(history) >= 3 and all(entry.rank for entry in history)
    assert selectors.previous_entry(history[-1]) == history[-2]  # a trend

    # Last month can be ranked: grouphq's group with its projects' contributions, and pm's
    # company, with the default formula (at least two inspections).
    assert svc.formula_for(agency).min_inspections == 2
    *_bounds, entries = svc.ranking_preview(
        agency=agency, unit="group", period_type="month", day=last_month
    )
    mine = next(entry for entry in entries if entry.unit_id == group.pk)
    assert mine.ranked and mine.rank and len(mine.projects) >= 2
    assert sum(entry.ranked for entry in entries) >= 3
    *_bounds, entries = svc.ranking_preview(
        agency=agency, unit="contractor", period_type="month", day=last_month
    )
    pm_company = next(e for e in entries if e.unit_id == users["pm"].organization_id)
    assert pm_company.ranked and len(pm_company.projects) == 1

    # Every status of a self-evaluation, and the commission's 评定.
    evaluations = Evaluation.objects.filter(project__code__startswith="TZ-DEMO-")
    assert set(evaluations.filter(kind="self").values_list("status", flat=True)) == set(
        Evaluation.Status.values
    )
    assert evaluations.filter(kind="agency", status="confirmed").exists()
    first = evaluations.filter(project__code="TZ-DEMO-00001", kind="self")
    assert first.get(period=today.replace(day=1)).status == "draft"
    waiting = first.get(period=last_month)
    assert waiting.status == "submitted"
    assert waiting in selectors.evaluations_to_review(users["engineer"])
    assert waiting in selectors.evaluations_to_review(users["owner"])
    confirmed = first.filter(status="confirmed")
    assert confirmed.count() >= 3
    for evaluation in confirmed:
        roles = set(evaluation.signatures.values_list("role", flat=True))
        assert roles == {"contractor", "supervision", "builder"}
        assert evaluation.confirmed_at < now - datetime.timedelta(days=20)
    zero = first.get(grade="FAIL")  # a 保证项目 scored 0: its sheet is 0, the month 不合格
    assert zero.score_detail["any_table_zero"] and zero.score >= 70
    returned = evaluations.get(status="returned")
    assert returned.project.code == "TZ-DEMO-00002"
    assert returned.signatures.get(agrees=False).opinion
    signature = EvaluationSignature.objects.filter(evaluation__in=confirmed).first()
    assert signature.image.read(8) == b"\x89PNG\r\n\x1a\n"
    owner = users["owner"]
    assert ProjectMember.objects.filter(
        project__code="TZ-DEMO-00001", role="owner_lead", user=owner
    ).exists()

    # Accidents, and a final 考评 of each result: 不合格 for a liability accident, one
    # objection waiting for the chief.
    assert Accident.objects.count() >= 2
    assert Accident.objects.filter(level="general", is_liability=True).exists()
    finals = FinalEvaluation.objects.all()
    assert set(finals.values_list("result", flat=True)) == set(FinalEvaluation.Result.values)
    fail = finals.get(result="fail")
    assert [t["key"] for t in fail.triggers] == ["accident"]
    assert fail.responsible_org is not None
    for final in finals.exclude(result="fail"):
        assert final.triggers == []
    objection = list(selectors.objections_to_review(users["chief"]))
    assert len(objection) == 1 and objection[0].objection
    due, cap, given = svc.excellent_quota(agency, finals.get(result="excellent").year)
    assert 1 <= given <= cap

    counts = _counts()
    call_command("seed_demo", quiet=True)
    assert _counts() == counts

    # What the browser test does next: leader publishes last month's group ranking.
    snapshot = svc.ranking_publish(
        agency=agency, by=users["leader"], unit="group", period_type="month", day=last_month
    )
    entry = snapshot.entries.get(organization=group)
    assert entry.rank and len(entry.inputs["projects"]) >= 2
    assert selectors.previous_entry(entry).snapshot.period_start == _month(today, 2)
