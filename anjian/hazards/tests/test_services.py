"""The rectification loop through its services; every service asserts its timeline event."""

import datetime

import pytest
from django.utils import timezone

from anjian.core.errors import DomainError
from anjian.core.errors import PermissionDenied as NotAllowed
from anjian.hazards import services as svc
from anjian.hazards.choices import HazardStatus, NoticeStatus
from anjian.hazards.models import Hazard, HazardEvent, NoticeSignature
from anjian.inspections.testing import jpeg, signature_data_url
from anjian.projects.models import Project

pytestmark = pytest.mark.django_db


def events(hazard):
    return list(hazard.events.values_list("type", flat=True))


def reply(hazard, user, photos=None):
    return svc.hazard_reply(
        hazard=hazard,
        by=user,
        measures="已补设连墙件并复查",
        responsible_person="张伟",
        completed_on=timezone.localdate(),
        photos=[jpeg()] if photos is None else photos,
    )


def test_finishing_an_inspection_issues_a_notice_with_one_hazard_per_finding(world, issue):
    notice = issue(grades=("general", "major"), deadline_days=(None, None))
    hazards = list(notice.hazards.order_by("number"))
    assert notice.kind == "rectify" and "安监改字" in notice.number
    assert [h.grade for h in hazards] == ["general", "major"]
    today = timezone.localdate()
    # Defaults by grade: general 7 days, major immediately (end of today).
    assert timezone.localtime(hazards[0].deadline).date() == today + datetime.timedelta(days=7)
    assert timezone.localtime(hazards[1].deadline).date() == today
    assert notice.deadline == hazards[1].deadline
    for hazard in hazards:
        assert hazard.status == HazardStatus.ISSUED and hazard.source == "supervision"
        assert events(hazard) == ["created", "notice_issued"]
        assert hazard.photos.filter(kind="before").count() == 1
        assert hazard.responsible_org == world.orgs["contractor_a"]
        assert hazard.next_escalation_at == hazard.deadline - datetime.timedelta(hours=24)


def test_a_stop_notice_stops_the_project(world, issue):
    notice = issue(kind="partial_stop")
    assert notice.kind == "partial_stop" and notice.stop_scope == "1#塔吊"
    assert Project.objects.get(pk=world.projects["P"].pk).status == "partial_stop"


def test_site_team_signs_for_the_notice_once(world, issue):
    notice = issue()
    with pytest.raises(NotAllowed):
        svc.notice_receive(notice=notice, by=world.users["pm2"])
    with pytest.raises(NotAllowed):
        svc.notice_receive(notice=notice, by=world.users["engineer"])
    svc.notice_receive(notice=notice, by=world.users["pm"], image_data=signature_data_url())
    svc.notice_receive(notice=notice, by=world.users["safety"])
    with pytest.raises(DomainError):
        svc.notice_receive(notice=notice, by=world.users["pm"])
    notice.refresh_from_db()
    assert notice.status == NoticeStatus.RECEIVED
    assert NoticeSignature.objects.filter(notice=notice, kind="receipt").count() == 2
    assert events(notice.hazards.get())[-2:] == ["notice_received", "notice_received"]


def test_reply_needs_after_photos_and_only_the_site_team_replies(world, issue):
    hazard = issue().hazards.get()
    with pytest.raises(DomainError):
        reply(hazard, world.users["pm"], photos=[])
    with pytest.raises(NotAllowed):
        reply(hazard, world.users["pm2"])
    with pytest.raises(DomainError):  # the engineer has a role, but not this action
        reply(hazard, world.users["engineer"])
    reply(hazard, world.users["safety"])
    hazard.refresh_from_db()
    assert hazard.status == HazardStatus.REPLIED and hazard.next_escalation_at is None
    assert events(hazard)[-1] == "replied"
    assert hazard.photos.filter(kind="after").count() == 1
    assert hazard.replies.get().responsible_person == "张伟"


def test_engineer_confirms_then_supervisor_accepts_and_the_notice_closes(world, issue):
    notice = issue()
    hazard = notice.hazards.get()
    reply(hazard, world.users["pm"])
    with pytest.raises(DomainError):  # the project needs the 监理's confirmation first
        svc.hazard_act(hazard=hazard, by=world.users["supervisor"], action="accept")
    svc.hazard_act(hazard=hazard, by=world.users["engineer"], action="confirm")
    svc.hazard_act(
        hazard=hazard, by=world.users["supervisor"], action="accept", review_mode="onsite"
    )
    hazard.refresh_from_db()
    notice.refresh_from_db()
    assert hazard.status == HazardStatus.CLOSED and hazard.closed_at is not None
    assert events(hazard)[-2:] == ["confirmed", "accepted"]
    assert hazard.events.last().payload["review_mode"] == "onsite"
    assert notice.status == NoticeStatus.CLOSED


def test_contractor_cannot_accept_its_own_hazard(world, issue):
    Project.objects.filter(pk=world.projects["P"].pk).update(engineer_confirms_rectification=False)
    hazard = issue().hazards.get()
    reply(hazard, world.users["pm"])
    for persona in ("pm", "safety"):
        with pytest.raises(DomainError):
            svc.hazard_act(hazard=hazard, by=world.users[persona], action="accept")
    assert Hazard.objects.get(pk=hazard.pk).status == HazardStatus.REPLIED


def test_reject_needs_a_comment_and_a_new_deadline_and_restarts_the_clock(world, issue):
    Project.objects.filter(pk=world.projects["P"].pk).update(engineer_confirms_rectification=False)
    hazard = issue().hazards.get()
    reply(hazard, world.users["pm"])
    supervisor = world.users["supervisor"]
    new_deadline = svc.deadline_for(5)
    with pytest.raises(DomainError):
        svc.hazard_act(hazard=hazard, by=supervisor, action="reject", new_deadline=new_deadline)
    with pytest.raises(DomainError):
        svc.hazard_act(hazard=hazard, by=supervisor, action="reject", comment="照片不清晰")
    svc.hazard_act(
        hazard=hazard,
        by=supervisor,
        action="reject",
        comment="照片不清晰",
        new_deadline=new_deadline,
    )
    hazard.refresh_from_db()
    assert hazard.status == HazardStatus.RECTIFYING and hazard.rejections == 1
    assert hazard.deadline == new_deadline and hazard.escalation_level == 0
    assert hazard.next_escalation_at == new_deadline - datetime.timedelta(hours=24)
    last = hazard.events.last()
    assert (last.type, last.comment, last.from_status, last.to_status) == (
        "rejected",
        "照片不清晰",
        "replied",
        "rectifying",
    )


def test_dispute_is_resolved_by_the_section_chief(world, issue):
    hazard = issue().hazards.get()
    with pytest.raises(DomainError):
        svc.hazard_act(hazard=hazard, by=world.users["pm"], action="dispute")
    svc.hazard_act(hazard=hazard, by=world.users["pm"], action="dispute", comment="已按图施工")
    with pytest.raises(DomainError):  # a supervisor is not the chief
        svc.hazard_act(
            hazard=hazard,
            by=world.users["supervisor"],
            action="uphold",
            comment="x",
            new_deadline=svc.deadline_for(3),
        )
    svc.hazard_act(
        hazard=hazard,
        by=world.users["chief"],
        action="uphold",
        comment="维持",
        new_deadline=svc.deadline_for(3),
    )
    hazard.refresh_from_db()
    assert hazard.status == HazardStatus.RECTIFYING
    assert events(hazard)[-2:] == ["disputed", "upheld"]


def test_issuer_withdraws_with_a_reason(world, issue):
    notice = issue()
    hazard = notice.hazards.get()
    svc.hazard_act(hazard=hazard, by=world.users["supervisor"], action="withdraw", comment="误判")
    hazard.refresh_from_db()
    notice.refresh_from_db()
    assert hazard.status == HazardStatus.WITHDRAWN and notice.status == NoticeStatus.WITHDRAWN


def test_stop_notice_ends_with_a_resumption_approved_by_the_chief(world, issue):
    Project.objects.filter(pk=world.projects["P"].pk).update(engineer_confirms_rectification=False)
    notice = issue(kind="full_stop")
    hazard = notice.hazards.get()
    with pytest.raises(DomainError):  # not replied yet
        svc.resumption_apply(notice=notice, by=world.users["pm"], statement="已整改")
    reply(hazard, world.users["pm"])
    application = svc.resumption_apply(notice=notice, by=world.users["pm"], statement="已整改完毕")
    with pytest.raises(NotAllowed):
        svc.resumption_review(application=application, by=world.users["supervisor"], approve=True)
    with pytest.raises(DomainError):  # the hazard is not closed yet
        svc.resumption_review(application=application, by=world.users["chief"], approve=True)
    svc.hazard_act(
        hazard=hazard, by=world.users["supervisor"], action="accept", review_mode="onsite"
    )
    application.refresh_from_db()
    with pytest.raises(DomainError):  # a stop notice needs a site re-check
        svc.resumption_review(
            application=application, by=world.users["chief"], approve=True, review_mode="online"
        )
    svc.resumption_review(application=application, by=world.users["chief"], approve=True)
    application.refresh_from_db()
    notice.refresh_from_db()
    resume = application.resume_notice
    assert resume.kind == "resume" and "安监复字" in resume.number and resume.resumes == notice
    assert notice.status == NoticeStatus.CLOSED
    assert Project.objects.get(pk=world.projects["P"].pk).status == "under_construction"
    assert events(hazard)[-1] == HazardEvent.Type.RESUMED
