"""Test helpers: hazards of project P in a few states (used by the access matrix)."""

from anjian.accounts.models import User
from anjian.inspections.models import InspectionAnswer
from anjian.inspections.services import records as rec
from anjian.inspections.testing import jpeg, record_objects, signature_data_url
from anjian.projects.models import Project


def _finished_notice(world, kind):
    objects = record_objects(world)
    supervisor = world.users["supervisor"]
    second = User.objects.get(username="supervisor_b2")
    inspection = rec.inspection_start(
        project=world.projects["P"],
        template=objects["template"],
        by=supervisor,
        inspectors=[second],
    )
    rec.inspection_answer(
        inspection=inspection, item=objects["item"], by=supervisor, result="noncompliant"
    )
    answer = InspectionAnswer.objects.get(inspection=inspection, item=objects["item"])
    rec.inspection_photo_add(inspection=inspection, by=supervisor, data=jpeg(), answer=answer)
    rec.finding_save(
        inspection=inspection,
        by=supervisor,
        answer=answer,
        description="临边防护缺失",
        location="5#楼8层",
    )
    for inspector in (supervisor, second):
        rec.inspection_sign(
            inspection=inspection,
            by=supervisor,
            role="inspector",
            image_data=signature_data_url(),
            signer=inspector,
        )
    rec.inspection_finish(inspection=inspection, by=supervisor, notice_kind=kind, stop_scope="5#楼")
    return inspection.notices.get()


def hazard_objects(world) -> dict:
    """Create (once per world) a rectify notice with an issued hazard, and a stop notice whose
    hazard is replied with a resumption application waiting for the chief; plus a letter."""
    cached = getattr(world, "_hazards", None)
    if cached:
        return cached
    from . import services as svc
    from .escalation import escalate_overdue

    notice = _finished_notice(world, "rectify")
    hazard = notice.hazards.get()
    stop = _finished_notice(world, "full_stop")
    stopped = stop.hazards.get()
    Project.objects.filter(pk=world.projects["P"].pk).update(engineer_confirms_rectification=False)
    from django.utils import timezone

    svc.hazard_reply(
        hazard=stopped,
        by=world.users["pm"],
        measures="已整改",
        responsible_person="张伟",
        completed_on=timezone.localdate(),
        photos=[jpeg()],
    )
    application = svc.resumption_apply(notice=stop, by=world.users["pm"], statement="已整改完毕")
    escalate_overdue(now=hazard.deadline + timezone.timedelta(days=30))
    world._hazards = {
        "notice": notice,
        "hazard": hazard,
        "photo": hazard.photos.first(),
        "stop": stop,
        "application": application,
        "letter": hazard.letters.first(),
    }
    return world._hazards
