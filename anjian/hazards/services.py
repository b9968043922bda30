"""Writes for the rectification loop: hazards from findings, notices, receipts, replies,
reviews, withdrawals, disputes, stop-work and resumption.

Every transition locks the hazard row, asks workflow.py for the next status, saves with
update_fields, writes a HazardEvent in the same transaction and sends notifications after commit.
"""

import datetime

from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from anjian.accounts.choices import AgencyRole
from anjian.accounts.models import AgencySettings, User
from anjian.core.errors import DomainError
from anjian.core.errors import PermissionDenied as NotAllowed
from anjian.core.numbering import next_number
from anjian.core.photos import PhotoError, store_evidence
from anjian.inspections.choices import HazardGrade, InspectionSource
from anjian.projects.choices import (
    CONTRACTOR_ROLES,
    SUPERVISION_ROLES,
    ParticipantRole,
    ProjectRole,
    ProjectStatus,
)
from anjian.projects.models import Project, ProjectMember

from . import workflow
from .choices import (
    AWAITING_CONTRACTOR,
    STOP_KINDS,
    HazardSource,
    HazardStatus,
    NoticeKind,
    NoticeStatus,
    PhotoKind,
    ResumptionStatus,
    ReviewMode,
)
from .models import (
    Hazard,
    HazardEvent,
    HazardPhoto,
    HazardReply,
    NoticeSignature,
    RectificationNotice,
    ResumptionApplication,
)

EVENT_FOR_ACTION = {
    workflow.REPLY: HazardEvent.Type.REPLIED,
    workflow.CONFIRM: HazardEvent.Type.CONFIRMED,
    workflow.RETURN: HazardEvent.Type.RETURNED,
    workflow.ACCEPT: HazardEvent.Type.ACCEPTED,
    workflow.REJECT: HazardEvent.Type.REJECTED,
    workflow.WITHDRAW: HazardEvent.Type.WITHDRAWN,
    workflow.DISPUTE: HazardEvent.Type.DISPUTED,
    workflow.UPHOLD: HazardEvent.Type.UPHELD,
    workflow.CANCEL: HazardEvent.Type.CANCELLED,
}
NOTICE_NUMBER_KIND = {
    NoticeKind.RECTIFY: "rectify",
    NoticeKind.PARTIAL_STOP: "partial_stop",
    NoticeKind.FULL_STOP: "full_stop",
    NoticeKind.RESUME: "resume",
}


# --- who is who --------------------------------------------------------------------------------


def project_users(project, roles) -> list[User]:
    """Active accounts holding one of `roles` on the project."""
    return list(
        User.objects.filter(
            project_memberships__project=project,
            project_memberships__role__in=list(roles),
            project_memberships__is_active=True,
            is_active=True,
        ).distinct()
    )


def agency_users(agency, roles) -> list[User]:
    return list(
        User.objects.filter(organization=agency, agency_role__in=list(roles), is_active=True)
    )


def roles_for(hazard: Hazard, user) -> frozenset[str]:
    """The workflow roles `user` holds for this hazard."""
    roles = set()
    if not user.is_authenticated or not user.is_active:
        return frozenset()
    if user.is_agency_staff and (user.organization_id == hazard.agency_id or user.is_superuser):
        if user.agency_role in (AgencyRole.SUPERVISOR, AgencyRole.CHIEF) or user.is_superuser:
            roles.add(workflow.ISSUER)
        if user.agency_role == AgencyRole.CHIEF or user.is_superuser:
            roles.add(workflow.CHIEF)
    member_roles = set(
        ProjectMember.objects.filter(
            project_id=hazard.project_id, user=user, is_active=True
        ).values_list("role", flat=True)
    )
    if member_roles & set(CONTRACTOR_ROLES):
        roles.add(workflow.CONTRACTOR)
    if member_roles & set(SUPERVISION_ROLES):
        roles.add(workflow.ENGINEER)
    return frozenset(roles)


def workflow_context(hazard: Hazard, user) -> workflow.Context:
    return workflow.Context(
        status=hazard.status,
        roles=roles_for(hazard, user),
        engineer_confirms=hazard.project.engineer_confirms_rectification,
    )


def allowed_actions(hazard: Hazard, user) -> list[str]:
    """What `user` may do to `hazard` now (for buttons; the services check again)."""
    return workflow.allowed_actions(workflow_context(hazard, user))


# --- helpers -------------------------------------------------------------------------------------


def deadline_for(days: int | None, *, now=None) -> datetime.datetime:
    """The end of the local day `days` days from now (0 = today: 立即整改)."""
    now = timezone.localtime(now or timezone.now())
    day = now.date() + datetime.timedelta(days=max(days or 0, 0))
    end = datetime.datetime.combine(day, datetime.time(23, 59, 59))
    return timezone.make_aware(end, timezone.get_current_timezone())


def first_escalation_at(agency, deadline):
    """When the first rung of the agency's ladder is due for a hazard with this deadline."""
    if deadline is None:
        return None
    ladder = AgencySettings.for_agency(agency).escalation_ladder or []
    if not ladder:
        return None
    return deadline + datetime.timedelta(hours=ladder[0]["hours"])


def _event(hazard, type_, by, *, from_status="", to_status="", comment="", **payload):
    return HazardEvent.objects.create(
        hazard=hazard,
        type=type_,
        from_status=from_status,
        to_status=to_status,
        actor=by if by is not None and getattr(by, "pk", None) else None,
        comment=comment,
        payload=payload,
    )


def _notify_after_commit(**kwargs):
    from anjian.notifications.services import notify_on_commit

    notify_on_commit(**kwargs)


def _add_photo(hazard, by, data: bytes, kind, event=None, operator_label="整改人"):
    photo = HazardPhoto(hazard=hazard, event=event, kind=kind, uploaded_by=by)
    try:
        store_evidence(
            photo,
            data,
            project_name=hazard.project.name,
            operator=by,
            operator_label=operator_label,
        )
    except PhotoError as error:
        raise DomainError(str(error), field="photos") from None
    photo.save()
    return photo


# --- from an inspection ---------------------------------------------------------------------------


@transaction.atomic
def hazards_from_inspection(
    *,
    inspection,
    by,
    notice_kind: str = NoticeKind.RECTIFY,
    requirements: str = "",
    stop_scope: str = "",
    now=None,
) -> RectificationNotice | None:
    """Turn a finished inspection's findings into hazards and issue one notice grouping them."""
    findings = list(
        inspection.findings.select_related("answer__item", "major_clause").order_by("id")
    )
    if not findings:
        return None
    if notice_kind not in (NoticeKind.RECTIFY, *STOP_KINDS):
        raise DomainError(_("Choose a rectification or stop-work notice."), field="notice_kind")
    if notice_kind == NoticeKind.PARTIAL_STOP and not stop_scope.strip():
        raise DomainError(_("Say which area or process is stopped."), field="stop_scope")
    now = now or timezone.now()
    project = inspection.project
    defaults = AgencySettings.for_agency(inspection.agency).deadline_days or {}
    contractor = project.participant(ParticipantRole.CONTRACTOR)
    pm = ProjectMember.objects.filter(project=project, role=ProjectRole.PM, is_active=True).first()
    source = (
        HazardSource.REMOTE
        if inspection.source == InspectionSource.REMOTE
        else HazardSource.SELF
        if inspection.source == InspectionSource.SELF
        else HazardSource.SUPERVISION
    )
    year = timezone.localtime(now).year
    notice = RectificationNotice.objects.create(
        agency=inspection.agency,
        project=project,
        inspection=inspection,
        kind=notice_kind,
        number=next_number(
            agency=inspection.agency, kind=NOTICE_NUMBER_KIND[notice_kind], year=year
        ),
        issued_by=by,
        issued_at=now,
        requirements=requirements.strip(),
        stop_scope=stop_scope.strip(),
    )
    deadlines = []
    for index, finding in enumerate(findings, start=1):
        days = finding.deadline_days
        if days is None:
            days = defaults.get(finding.grade, 7)
        deadline = deadline_for(days, now=now)
        deadlines.append(deadline)
        hazard = Hazard.objects.create(
            project=project,
            agency=inspection.agency,
            number=f"{notice.number}-{index:02d}",
            source=source,
            inspection=inspection,
            finding=finding,
            item=finding.answer.item if finding.answer_id else None,
            notice=notice,
            description=finding.description,
            location=finding.location,
            category=finding.category,
            dangerous_work_id=finding.dangerous_work_id,
            grade=finding.grade,
            major_clause=finding.major_clause,
            responsible_org=contractor,
            responsible_person=pm.name if pm else "",
            status=HazardStatus.ISSUED,
            deadline=deadline,
            found_at=inspection.started_at,
            issued_at=now,
            next_escalation_at=first_escalation_at(inspection.agency, deadline),
            created_by=by,
        )
        _event(
            hazard,
            HazardEvent.Type.CREATED,
            by,
            to_status=HazardStatus.ISSUED,
            comment=finding.description,
            inspection=inspection.pk,
        )
        _event(
            hazard,
            HazardEvent.Type.NOTICE_ISSUED,
            by,
            notice=notice.number,
            deadline=deadline.isoformat(),
        )
        photos = list(finding.photos.all()) or (
            list(finding.answer.photos.all()) if finding.answer_id else []
        )
        HazardPhoto.objects.bulk_create(
            HazardPhoto(
                hazard=hazard,
                kind=PhotoKind.BEFORE,
                inspection_photo=p,
                original=p.original.name,
                image=p.image.name,
                thumbnail=p.thumbnail.name,
                sha256=p.sha256,
                taken_at=p.taken_at,
                uploaded_by=p.uploaded_by,
            )
            for p in photos
        )
    notice.deadline = min(deadlines)
    notice.save(update_fields=["deadline", "updated_at"])
    if notice_kind in STOP_KINDS:
        Project.objects.filter(pk=project.pk).update(
            status=ProjectStatus.FULL_STOP
            if notice_kind == NoticeKind.FULL_STOP
            else ProjectStatus.PARTIAL_STOP
        )
    recipients = project_users(project, [ProjectRole.PM, ProjectRole.SAFETY_OFFICER])
    _notify_after_commit(
        users=recipients,
        title=_("%(kind)s %(number)s: sign for it and rectify")
        % {"kind": notice.get_kind_display(), "number": notice.number},
        body=_("%(n)d hazards at %(project)s, first deadline %(deadline)s.")
        % {
            "n": len(findings),
            "project": project.name,
            "deadline": timezone.localtime(notice.deadline).strftime("%Y-%m-%d"),
        },
        url=notice.get_absolute_url(),
        obj=notice,
        kind="notice.issued",
        key=f"notice-issued-{notice.pk}",
    )
    return notice


# --- notices: receipt, reply sheet, resumption ---------------------------------------------------


def _decode_png(image_data: str) -> bytes:
    from anjian.inspections.services.records import _decode_signature

    return _decode_signature(image_data)


@transaction.atomic
def notice_receive(*, notice: RectificationNotice, by, image_data: str = "") -> NoticeSignature:
    """The project manager or safety officer signs for a notice (送达回执)."""
    notice = RectificationNotice.objects.select_for_update().get(pk=notice.pk)
    member = ProjectMember.objects.filter(
        project=notice.project, user=by, role__in=list(CONTRACTOR_ROLES), is_active=True
    ).first()
    if member is None:
        raise NotAllowed(_("Only the project's site team signs for a notice."))
    if NoticeSignature.objects.filter(notice=notice, kind="receipt", user=by).exists():
        raise DomainError(_("You have already signed for this notice."))
    signature = NoticeSignature(
        notice=notice,
        kind=NoticeSignature.Kind.RECEIPT,
        user=by,
        name=member.name,
        role=member.get_role_display(),
    )
    if image_data:
        signature.image.save("receipt.png", ContentFile(_decode_png(image_data)), save=False)
    signature.save()
    if notice.status == NoticeStatus.ISSUED:
        notice.status = NoticeStatus.RECEIVED
        notice.save(update_fields=["status", "updated_at"])
    for hazard in notice.hazards.all():
        _event(
            hazard, HazardEvent.Type.NOTICE_RECEIVED, by, comment=member.name, notice=notice.number
        )
    return signature


@transaction.atomic
def notice_reply_sign(*, notice: RectificationNotice, by, image_data: str) -> NoticeSignature:
    """The project manager (and the chief supervising engineer) sign the 整改回复单."""
    member = ProjectMember.objects.filter(project=notice.project, user=by, is_active=True).first()
    if member is None or member.role not in (ProjectRole.PM, ProjectRole.CHIEF_ENGINEER):
        raise NotAllowed(
            _("The reply sheet is signed by the project manager or the chief supervising engineer.")
        )
    if not notice.hazards.exclude(status__in=AWAITING_CONTRACTOR).exists():
        raise DomainError(_("Reply to the hazards before signing the reply sheet."))
    kind = (
        NoticeSignature.Kind.REPLY_PM
        if member.role == ProjectRole.PM
        else NoticeSignature.Kind.REPLY_ENGINEER
    )
    NoticeSignature.objects.filter(notice=notice, kind=kind, user=by).delete()
    signature = NoticeSignature(
        notice=notice, kind=kind, user=by, name=member.name, role=member.get_role_display()
    )
    signature.image.save("reply.png", ContentFile(_decode_png(image_data)), save=False)
    signature.save()
    return signature


def _maybe_close_notice(notice: RectificationNotice, now):
    if notice is None or notice.status in (NoticeStatus.CLOSED, NoticeStatus.WITHDRAWN):
        return
    if notice.hazards.filter(
        status__in=[
            s for s in HazardStatus.values if s not in (HazardStatus.CLOSED, HazardStatus.WITHDRAWN)
        ]
    ).exists():
        return
    if notice.is_stop and not notice.resumptions.exists():
        return  # a stop notice closes with the resumption notice
    all_withdrawn = not notice.hazards.exclude(status=HazardStatus.WITHDRAWN).exists()
    notice.status = NoticeStatus.WITHDRAWN if all_withdrawn else NoticeStatus.CLOSED
    notice.closed_at = now
    notice.save(update_fields=["status", "closed_at", "updated_at"])


@transaction.atomic
def resumption_apply(*, notice: RectificationNotice, by, statement: str) -> ResumptionApplication:
    """The project applies to resume work after a stop notice, once every hazard is replied."""
    if not ProjectMember.objects.filter(
        project=notice.project, user=by, role__in=list(CONTRACTOR_ROLES), is_active=True
    ).exists():
        raise NotAllowed(_("Only the project's site team applies to resume work."))
    if not notice.is_stop:
        raise DomainError(_("Only a stop-work notice needs a resumption application."))
    if notice.status in (NoticeStatus.CLOSED, NoticeStatus.WITHDRAWN):
        raise DomainError(_("This notice is already closed."))
    if notice.applications.filter(status=ResumptionStatus.SUBMITTED).exists():
        raise DomainError(_("An application is already waiting for review."))
    if notice.hazards.filter(status__in=AWAITING_CONTRACTOR).exists():
        raise DomainError(_("Reply to every hazard of the notice before applying to resume."))
    statement = (statement or "").strip()
    if not statement:
        raise DomainError(_("Describe the rectification done."), field="statement")
    application = ResumptionApplication.objects.create(
        notice=notice, statement=statement[:5000], applied_by=by
    )
    _notify_after_commit(
        users=agency_users(notice.agency, [AgencyRole.CHIEF]) + [notice.issued_by],
        title=_("Resumption application: %(project)s") % {"project": notice.project.name},
        body=statement[:200],
        url=notice.get_absolute_url(),
        obj=notice,
        kind="resumption.applied",
        key=f"resumption-applied-{application.pk}",
    )
    return application


@transaction.atomic
def resumption_review(
    *,
    application: ResumptionApplication,
    by,
    approve: bool,
    comment: str = "",
    review_mode: str = ReviewMode.ONSITE,
) -> ResumptionApplication:
    """The section chief approves (issuing a 复工通知书) or rejects a resumption application.

    A stop notice needs a site re-check before resumption (DOMAIN.md §4.3)."""
    application = ResumptionApplication.objects.select_for_update().get(pk=application.pk)
    notice = application.notice
    if not (by.agency_role == AgencyRole.CHIEF and by.organization_id == notice.agency_id):
        raise NotAllowed(_("Only the section chief approves resumption."))
    if application.status != ResumptionStatus.SUBMITTED:
        raise DomainError(_("This application has already been reviewed."))
    comment = (comment or "").strip()
    now = timezone.now()
    application.reviewed_by, application.reviewed_at = by, now
    application.review_mode, application.comment = review_mode, comment
    if not approve:
        if not comment:
            raise DomainError(_("Give the reason for rejecting."), field="comment")
        application.status = ResumptionStatus.REJECTED
        application.save()
        _notify_after_commit(
            users=project_users(notice.project, CONTRACTOR_ROLES),
            title=_("Resumption refused: %(project)s") % {"project": notice.project.name},
            body=comment,
            url=notice.get_absolute_url(),
            obj=notice,
            kind="resumption.rejected",
            key=f"resumption-rejected-{application.pk}",
        )
        return application
    if review_mode != ReviewMode.ONSITE:
        raise DomainError(_("A stop-work notice needs a site re-check before resumption."))
    if notice.hazards.exclude(status__in=[HazardStatus.CLOSED, HazardStatus.WITHDRAWN]).exists():
        raise DomainError(_("Every hazard of the notice must be closed before resumption."))
    year = timezone.localtime(now).year
    resume = RectificationNotice.objects.create(
        agency=notice.agency,
        project=notice.project,
        inspection=notice.inspection,
        kind=NoticeKind.RESUME,
        number=next_number(agency=notice.agency, kind="resume", year=year),
        issued_by=by,
        issued_at=now,
        requirements=comment or _("The rectification has passed review; work may resume."),
        resumes=notice,
        status=NoticeStatus.CLOSED,
        closed_at=now,
    )
    application.status = ResumptionStatus.APPROVED
    application.resume_notice = resume
    application.save()
    Project.objects.filter(pk=notice.project_id).update(status=ProjectStatus.UNDER_CONSTRUCTION)
    for hazard in notice.hazards.all():
        _event(hazard, HazardEvent.Type.RESUMED, by, comment=resume.number, notice=resume.number)
    _maybe_close_notice(notice, now)
    _notify_after_commit(
        users=project_users(notice.project, CONTRACTOR_ROLES),
        title=_("%(kind)s %(number)s: work may resume")
        % {"kind": resume.get_kind_display(), "number": resume.number},
        url=resume.get_absolute_url(),
        obj=resume,
        kind="resumption.approved",
        key=f"resumption-approved-{application.pk}",
    )
    return application


# --- hazard transitions ------------------------------------------------------------------------


def _lock(hazard) -> Hazard:
    return (
        Hazard.objects.select_for_update(of=("self",))
        .select_related("project", "notice")
        .get(pk=hazard.pk)
    )


def _transition(hazard, by, action, comment=""):
    ctx = workflow_context(hazard, by)
    if not (workflow.roles_for_action(action) & ctx.roles):
        raise NotAllowed(_("Your role cannot do this to a hazard."))
    try:
        target = workflow.next_status(ctx, action)
    except workflow.TransitionNotAllowed:
        raise DomainError(
            _("“%(action)s” is not possible now (status: %(status)s).")
            % {
                "action": workflow.ACTION_LABELS.get(action, action),
                "status": hazard.get_status_display(),
            }
        ) from None
    if action in workflow.COMMENT_REQUIRED and not (comment or "").strip():
        raise DomainError(_("A comment is required."), field="comment")
    return target


@transaction.atomic
def hazard_reply(
    *,
    hazard: Hazard,
    by,
    measures: str,
    responsible_person: str,
    completed_on: datetime.date,
    photos: list[bytes],
) -> HazardReply:
    """The contractor replies with the measures taken and after-photos (required)."""
    hazard = _lock(hazard)
    target = _transition(hazard, by, workflow.REPLY)
    measures, responsible_person = (measures or "").strip(), (responsible_person or "").strip()
    if not measures:
        raise DomainError(_("Describe the measures taken."), field="measures")
    if not responsible_person:
        raise DomainError(_("Name the person responsible."), field="responsible_person")
    if completed_on is None:
        raise DomainError(_("Give the completion date."), field="completed_on")
    if completed_on > timezone.localdate():
        raise DomainError(_("The completion date cannot be in the future."), field="completed_on")
    if not photos:
        raise DomainError(_("Add at least one photo after rectification."), field="photos")
    now = timezone.now()
    previous = hazard.status
    event = _event(
        hazard,
        HazardEvent.Type.REPLIED,
        by,
        from_status=previous,
        to_status=target,
        comment=measures,
    )
    for data in photos[:10]:
        _add_photo(hazard, by, data, PhotoKind.AFTER, event=event)
    reply = HazardReply.objects.create(
        hazard=hazard,
        event=event,
        measures=measures[:5000],
        responsible_person=responsible_person[:40],
        completed_on=completed_on,
        replied_by=by,
    )
    hazard.status, hazard.replied_at = target, now
    hazard.next_escalation_at = None  # nothing is owed while the reply is reviewed
    hazard.save(update_fields=["status", "replied_at", "next_escalation_at", "updated_at"])
    if hazard.project.engineer_confirms_rectification:
        reviewers = project_users(hazard.project, SUPERVISION_ROLES)
        title = _("Confirm the rectification of %(number)s") % {"number": hazard.number}
    else:
        reviewers = [u for u in {hazard.created_by, hazard.project.lead_supervisor} if u]
        title = _("Review the rectification of %(number)s") % {"number": hazard.number}
    _notify_after_commit(
        users=reviewers,
        title=title,
        body=measures[:200],
        url=hazard.get_absolute_url(),
        obj=hazard,
        kind="hazard.replied",
        key=f"hazard-replied-{event.pk}",
    )
    return reply


@transaction.atomic
def hazard_act(
    *,
    hazard: Hazard,
    by,
    action: str,
    comment: str = "",
    new_deadline: datetime.datetime | None = None,
    review_mode: str = ReviewMode.ONLINE,
    now=None,
) -> Hazard:
    """Confirm, return, accept, reject, withdraw, dispute, uphold or cancel a hazard."""
    if action == workflow.REPLY:
        raise DomainError(_("Use the reply form to reply."))
    hazard = _lock(hazard)
    target = _transition(hazard, by, action, comment)
    now = now or timezone.now()
    if action in workflow.NEW_DEADLINE:
        if new_deadline is None:
            raise DomainError(_("Set a new deadline."), field="new_deadline")
        if new_deadline <= now:
            raise DomainError(_("The new deadline must be in the future."), field="new_deadline")
    if action == workflow.ACCEPT and review_mode not in ReviewMode.values:
        raise DomainError(_("Say whether the review was online or on site."), field="review_mode")
    previous = hazard.status
    fields = ["status", "updated_at"]
    hazard.status = target
    if action == workflow.CONFIRM:
        hazard.confirmed_at = now
        fields.append("confirmed_at")
    elif action == workflow.ACCEPT:
        hazard.closed_at, hazard.reviewed_by = now, by
        hazard.next_escalation_at = None
        fields += ["closed_at", "reviewed_by", "next_escalation_at"]
    elif action in (workflow.WITHDRAW, workflow.CANCEL):
        hazard.withdrawn_at = now
        hazard.next_escalation_at = None
        fields += ["withdrawn_at", "next_escalation_at"]
    elif action == workflow.DISPUTE:
        hazard.next_escalation_at = None  # the clock stops while the chief decides
        fields.append("next_escalation_at")
    if action in workflow.NEW_DEADLINE:
        hazard.deadline = new_deadline
        hazard.escalation_level = 0
        hazard.next_escalation_at = first_escalation_at(hazard.agency, new_deadline)
        fields += ["deadline", "escalation_level", "next_escalation_at"]
        if action == workflow.REJECT:
            hazard.rejections += 1
            hazard.reviewed_by = by
            fields += ["rejections", "reviewed_by"]
    hazard.save(update_fields=list(dict.fromkeys(fields)))
    payload = {}
    if new_deadline is not None and action in workflow.NEW_DEADLINE:
        payload["deadline"] = new_deadline.isoformat()
    if action == workflow.ACCEPT:
        payload["review_mode"] = review_mode
    event = _event(
        hazard,
        EVENT_FOR_ACTION[action],
        by,
        from_status=previous,
        to_status=target,
        comment=(comment or "").strip(),
        **payload,
    )
    _maybe_close_notice(hazard.notice, now)
    _notify_transition(hazard, action, event)
    return hazard


def _notify_transition(hazard, action, event):
    project = hazard.project
    if action in (
        workflow.REJECT,
        workflow.RETURN,
        workflow.UPHOLD,
        workflow.ACCEPT,
        workflow.WITHDRAW,
        workflow.CANCEL,
    ):
        users = project_users(project, CONTRACTOR_ROLES)
    elif action == workflow.CONFIRM:
        users = [u for u in {hazard.created_by, project.lead_supervisor} if u]
    elif action == workflow.DISPUTE:
        users = agency_users(hazard.agency, [AgencyRole.CHIEF])
    else:
        users = []
    if not users:
        return
    _notify_after_commit(
        users=users,
        title=f"{hazard.number}：{workflow.ACTION_LABELS.get(action, action)}",
        body=event.comment[:200],
        url=hazard.get_absolute_url(),
        obj=hazard,
        kind=f"hazard.{action}",
        key=f"hazard-{action}-{event.pk}",
    )


__all__ = [
    "HazardGrade",
    "allowed_actions",
    "deadline_for",
    "hazard_act",
    "hazard_reply",
    "hazards_from_inspection",
    "notice_receive",
    "notice_reply_sign",
    "resumption_apply",
    "resumption_review",
    "roles_for",
]
