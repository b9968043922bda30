"""Warnings on dangerous works: the database filter (`warning_q` on an `annotate`d queryset) and
the Python rule (`warnings_for`) agree on every work, at several moments."""

import datetime

import pytest
from django.utils import timezone

from anjian.dangerous_works import rules
from anjian.dangerous_works import services as svc
from anjian.dangerous_works import workflow as wf
from anjian.dangerous_works.models import (
    CategorySetting,
    DangerousWork,
    MonitoringReading,
    Patrol,
)
from anjian.dangerous_works.testing import register, step, walk
from anjian.dangerous_works.warnings import (
    LABELS,
    MONITORING_GAP_HOURS,
    annotate,
    any_warning_q,
    warning_q,
    warnings_for,
)

H = datetime.timedelta(hours=1)
D = datetime.timedelta(days=1)


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture(autouse=True)
def seeded(db):
    svc.seed_threshold_rules()


@pytest.fixture(params=[(0, 30), (12, 0), (23, 30)], ids=["00:30", "12:00", "23:30"])
def now(request):
    """Today at a local time near midnight or at noon (the local day is not the UTC day)."""
    hour, minute = request.param
    return timezone.localtime().replace(hour=hour, minute=minute, second=0, microsecond=0)


_seq = [0]


def make(world, name, **fields) -> DangerousWork:
    """A work of project P written straight to the database (under construction by default)."""
    _seq[0] += 1
    values = {
        "project": world.projects["P"],
        "number": f"W-{_seq[0]}",
        "name": name,
        "category": "PIT",
        "subtype": "excavation",
        "level": "danger",
        "location": "基坑",
        "status": wf.IN_PROGRESS,
    }
    values.update(fields)
    return DangerousWork.objects.create(**values)


def reading(world, work, at, *, source="third_party", alarm=False, handled=False):
    return MonitoringReading.objects.create(
        work=work,
        point="D1",
        quantity="沉降",
        value=25 if alarm else 5,
        alarm_value=20,
        is_alarm=alarm,
        measured_at=at,
        source=source,
        recorded_by=world.users["pm"],
        handled_at=at if handled else None,
    )


def patrol(world, work, party, at):
    return Patrol.objects.create(
        work=work,
        party=party,
        patrolled_at=at,
        result="normal",
        patrolled_by=world.users["pm" if party == "contractor" else "engineer"],
    )


def flagged(now) -> dict[str, set[str]]:
    """For each warning, the names of the works that have it; and check that the database and
    Python agree on every work (annotated, and fetched again without annotations)."""
    annotated = list(annotate(DangerousWork.objects.all(), now))
    by_key = {}
    for key in LABELS:
        in_db = set(
            annotate(DangerousWork.objects.all(), now)
            .filter(warning_q(key, now))
            .values_list("name", flat=True)
        )
        in_python = {w.name for w in annotated if key in {x.key for x in warnings_for(w, now)}}
        plain = {
            w.name
            for w in DangerousWork.objects.all()
            if key in {x.key for x in warnings_for(w, now)}
        }
        assert in_db == in_python == plain, (key, now, in_db, in_python, plain)
        by_key[key] = in_db
    anything = set(
        annotate(DangerousWork.objects.all(), now)
        .filter(any_warning_q(now))
        .values_list("name", flat=True)
    )
    assert anything == set().union(*by_key.values())
    return by_key


# --- started_before_approval ------------------------------------------------------------------


@pytest.mark.parametrize("offset", [-2 * D, 0 * D, 30 * D])
def test_started_before_approval(world, now, offset):
    reported = now - 3 * H
    for status in wf.STATUS_LABELS:
        if status == wf.PREVIOUS:
            continue
        make(world, f"reported-{status}", status=status, site_started_reported_at=reported)
        make(world, f"quiet-{status}", status=status)
    found = flagged(now + offset)["started_before_approval"]
    early = wf.BEFORE_APPROVAL | {wf.APPROVED, wf.PLAN_CHANGE}
    assert found == {f"reported-{s}" for s in early}


def test_started_before_approval_clears_once_the_work_is_disclosed(world):
    work = walk(register(world, 4), world, wf.SUPERVISOR_REVIEW)
    svc.report_site_started(
        work=work,
        by=world.users["supervisor"],
        started_on=timezone.localdate(),
        comment="已开挖",
    )
    assert flagged(timezone.now())["started_before_approval"] == {work.name}
    work = step(work, world, wf.APPROVE_REVIEW, "engineer")
    assert work.status == wf.APPROVED
    assert flagged(timezone.now())["started_before_approval"] == {work.name}
    work = step(work, world, wf.DISCLOSE)
    assert flagged(timezone.now())["started_before_approval"] == set()
    assert "started_before_approval" not in {w.key for w in warnings_for(work)}


# --- argument_missing -------------------------------------------------------------------------


def test_argument_missing(world, now):
    today = timezone.localdate(now)
    week = today + 7 * D
    make(world, "today", level="super", status=wf.DRAFTING, planned_start=today)
    make(world, "yesterday", level="super", status=wf.EXPERT_REVIEW, planned_start=today - D)
    make(world, "in a week", level="super", status=wf.DRAFTING, planned_start=week)
    make(world, "no date", level="super", status=wf.DRAFTING)
    make(
        world,
        "reported",
        level="super",
        status=wf.DRAFTING,
        planned_start=week,
        site_started_reported_at=now - H,
    )
    make(world, "on site", level="super", status=wf.IN_PROGRESS, planned_start=week)
    make(world, "approved", level="super", status=wf.APPROVED, planned_start=week)
    make(world, "argued", level="super", argued=True, status=wf.REVISING, planned_start=today)
    make(world, "ordinary", level="danger", status=wf.DRAFTING, planned_start=today)
    make(world, "cancelled", level="super", status=wf.CANCELLED, planned_start=today)
    make(world, "completed", level="super", status=wf.COMPLETED, planned_start=today)
    always = {"reported", "on site", "approved", "yesterday"}
    assert flagged(now)["argument_missing"] == always | {"today"}
    assert flagged(now - D)["argument_missing"] == always
    assert flagged(now + 6 * D)["argument_missing"] == always | {"today"}
    assert flagged(now + 7 * D)["argument_missing"] == always | {"today", "in a week"}


def test_argument_missing_from_the_services(world):
    today = timezone.localdate()
    soon = register(world, 5.5, name="today", planned_start=today)
    later = register(world, 5.5, name="in a week", planned_start=today + 7 * D)
    assert flagged(timezone.now())["argument_missing"] == {"today"}
    walk(soon, world, wf.APPROVED)  # through a passed argumentation
    walk(later, world, wf.EXPERT_REVIEW)
    assert flagged(timezone.now())["argument_missing"] == set()
    assert flagged(timezone.now() + 8 * D)["argument_missing"] == {"in a week"}


# --- acceptance_overdue -----------------------------------------------------------------------


def test_acceptance_overdue(world, now):
    today = timezone.localdate(now)
    yesterday = today - D
    make(world, "yesterday", needs_acceptance=True, planned_end=yesterday)
    make(world, "today", needs_acceptance=True, planned_end=today)
    make(world, "no end", needs_acceptance=True)
    make(world, "accepted", needs_acceptance=True, planned_end=yesterday, accepted_at=now)
    make(world, "not needed", needs_acceptance=False, planned_end=yesterday)
    for status in (wf.ACCEPTANCE, wf.SUSPENDED, wf.EMERGENCY, wf.DISCLOSED, wf.COMPLETED):
        make(world, status, status=status, needs_acceptance=True, planned_end=yesterday)
    late = {"yesterday", wf.ACCEPTANCE, wf.SUSPENDED}
    assert flagged(now)["acceptance_overdue"] == late
    assert flagged(now - D)["acceptance_overdue"] == set()
    assert flagged(now + D)["acceptance_overdue"] == late | {"today"}


# --- monitoring_alarm -------------------------------------------------------------------------


def test_monitoring_alarm(world, now):
    reading(world, make(world, "open"), now - H, alarm=True)
    reading(world, make(world, "handled"), now - H, alarm=True, handled=True)
    reading(world, make(world, "quiet"), now - H)
    make(world, "none")
    old = make(world, "old alarm", status=wf.SUSPENDED)
    reading(world, old, now - 30 * D, alarm=True)
    reading(world, old, now - H)
    for at in (now, now + 30 * D):
        assert flagged(at)["monitoring_alarm"] == {"open", "old alarm"}


def test_an_alarm_from_the_services_until_handled(world):
    work = walk(register(world, 4), world, wf.IN_PROGRESS)
    value = svc.reading_add(
        work=work,
        by=world.users["pm"],
        point="D1",
        quantity="沉降",
        value="-31",
        alarm_value="30",
    )
    assert flagged(timezone.now())["monitoring_alarm"] == {work.name}
    svc.alarm_handle(reading=value, by=world.users["engineer"], handling="回填反压")
    assert flagged(timezone.now())["monitoring_alarm"] == set()


# --- monitoring_missing -----------------------------------------------------------------------


def test_monitoring_missing(world, now):
    gap = MONITORING_GAP_HOURS * H
    reading(world, make(world, "71 h", needs_monitoring=True), now - 71 * H)
    reading(world, make(world, "73 h", needs_monitoring=True), now - 73 * H)
    reading(world, make(world, "exactly", needs_monitoring=True), now - gap)
    reading(
        world,
        make(world, "own readings only", needs_monitoring=True),
        now - H,
        source="contractor",
    )
    make(world, "never", needs_monitoring=True)
    make(world, "never, accepting", needs_monitoring=True, status=wf.ACCEPTANCE)
    make(world, "not required", needs_monitoring=False)
    make(world, "briefed only", needs_monitoring=True, status=wf.DISCLOSED)
    make(world, "suspended", needs_monitoring=True, status=wf.SUSPENDED)
    missing = {"73 h", "own readings only", "never", "never, accepting"}
    assert flagged(now)["monitoring_missing"] == missing
    assert flagged(now + 1 * H + datetime.timedelta(seconds=1))["monitoring_missing"] == (
        missing | {"71 h", "exactly"}
    )
    assert flagged(now - 2 * H)["monitoring_missing"] == missing - {"73 h"}


# --- patrol_missed ----------------------------------------------------------------------------


def test_patrol_missed_per_category_interval(world, now):
    CategorySetting.objects.filter(category="FORMWORK").update(patrol_hours=48)
    CategorySetting.objects.filter(category="PIT").update(patrol_hours=24)
    started = timezone.localdate(now) - 5 * D
    formwork = {"category": "FORMWORK", "subtype": "concrete_support", "actual_start": started}
    pit = {"actual_start": started}
    for hours in (10, 30, 50):
        for name, fields in (("pit", pit), ("formwork", formwork)):
            work = make(world, f"{name} {hours} h", **fields)
            patrol(world, work, "contractor", now - hours * H)
            patrol(world, work, "supervision", now - hours * H)
    one_side = make(world, "pit 监理 only", **pit)
    patrol(world, one_side, "supervision", now - H)
    make(world, "pit never", **pit)
    make(world, "pit started today", actual_start=timezone.localdate(now))
    make(world, "pit no start", actual_start=None)
    paused = make(world, "pit suspended", status=wf.SUSPENDED, **pit)
    patrol(world, paused, "contractor", now - 50 * H)
    late = {"pit 30 h", "pit 50 h", "formwork 50 h", "pit 监理 only", "pit never"}
    assert flagged(now)["patrol_missed"] == late
    # six hours earlier the 30 h patrol was exactly 24 h old, the 50 h one 44 h (< 48 h)
    assert flagged(now - 6 * H)["patrol_missed"] == late - {"pit 30 h", "formwork 50 h"}
    assert flagged(now + 20 * H)["patrol_missed"] == late | {"pit 10 h", "formwork 30 h"}
    # the administrator's setting decides
    rules.category_update(
        category="FORMWORK",
        by=world.users["admin"],
        needs_acceptance=True,
        monitoring="",
        patrol_hours=12,
    )
    assert flagged(now)["patrol_missed"] == late | {"formwork 30 h"}
    assert {w.key: w.detail for w in warnings_for(one_side, now)}["patrol_missed"] == "施工单位"


def test_patrol_missed_needs_a_start_before_the_interval(world, now):
    yesterday = timezone.localdate(now) - D
    make(world, "started yesterday", actual_start=yesterday)
    make(world, "started two days ago", actual_start=yesterday - D)
    assert flagged(now)["patrol_missed"] == {"started two days ago"}
    assert flagged(now + D)["patrol_missed"] == {"started yesterday", "started two days ago"}


def test_a_work_without_warnings(world, now):
    work = make(
        world,
        "in order",
        needs_monitoring=True,
        needs_acceptance=True,
        planned_end=timezone.localdate(now) + 30 * D,
        actual_start=timezone.localdate(now) - 3 * D,
        level="super",
        argued=True,
        planned_start=timezone.localdate(now) - 3 * D,
    )
    reading(world, work, now - H)
    patrol(world, work, "contractor", now - H)
    patrol(world, work, "supervision", now - H)
    assert all(found == set() for found in flagged(now).values())
    assert warnings_for(work, now) == []
    later = flagged(now + 4 * D)
    assert later["monitoring_missing"] == later["patrol_missed"] == {"in order"}


def test_every_warning_has_a_label_and_colour(world, now):
    work = make(world, "everything", level="super", status=wf.IN_PROGRESS, needs_monitoring=True)
    work.needs_acceptance, work.planned_end = True, timezone.localdate(now) - D
    work.actual_start = timezone.localdate(now) - 5 * D
    work.save()
    reading(world, work, now - 100 * H, alarm=True)
    found = warnings_for(work, now)
    assert [w.key for w in found] == [
        "argument_missing",
        "acceptance_overdue",
        "monitoring_alarm",
        "monitoring_missing",
        "patrol_missed",
    ]
    for warning in found:
        assert warning.label and warning.colour in {"danger", "warning"}
    assert {k: v for k, v in flagged(now).items() if v} == {w.key: {"everything"} for w in found}
    with pytest.raises(KeyError):
        warning_q("nonsense", now)


def test_patrol_gap_after_start_from_the_services(world):
    work = walk(register(world, 4), world, wf.DISCLOSED)
    work = step(work, world, wf.START, started_on=timezone.localdate() - 3 * D)
    assert flagged(timezone.now())["patrol_missed"] == {work.name}
    svc.patrol_add(work=work, by=world.users["pm"], party="contractor", result="normal")
    assert flagged(timezone.now())["patrol_missed"] == {work.name}
    svc.patrol_add(work=work, by=world.users["engineer"], party="supervision", result="normal")
    assert flagged(timezone.now())["patrol_missed"] == set()
    assert flagged(timezone.now() + 25 * H)["patrol_missed"] == {work.name}
