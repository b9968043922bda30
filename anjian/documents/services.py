"""公文收发: every change to a document, a recipient or a submission goes through here.

Who may do what:
- commission supervisors, section chiefs and leaders draft documents; the drafter edits their
  draft; the section chief or a leader of the same agency approves (签发) — their own drafts at
  once — or returns it with an opinion; the drafter or an approver withdraws; an approver or the
  drafter closes (办结) a sent document; agency staff send a manual reminder;
- a recipient row is acted on by the users of its inbox (`Recipient.objects.for_user`): they
  open (read), sign for (签收) and reply; a reply signs for it too when nobody has yet;
- companies submit documents to the commission (收文); the supervisor they are routed to, or a
  section chief or leader, acknowledges (受理) or returns them with an opinion.

Deadlines are at 18:00 local time of the chosen day (“下班前”). Reminders go at the agency's
configured hours before a deadline to the inboxes still missing, once per inbox and rung (the
notification key keeps it idempotent however often the job runs); when a deadline passes the
missing inboxes are told once and the sender gets one summary.
"""

import datetime
from collections import defaultdict

from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import Exists, F, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from anjian.accounts.choices import AgencyRole, OrgKind
from anjian.accounts.models import AgencySettings, Organization, User
from anjian.core.errors import DomainError
from anjian.core.errors import PermissionDenied as NotAllowed
from anjian.core.files import check_upload
from anjian.core.numbering import next_number
from anjian.notifications.services import notify_many_on_commit, notify_on_commit
from anjian.projects.choices import ACTIVE_STATUSES, ParticipantRole, SupervisionStatus
from anjian.projects.models import Project, ProjectMember, ProjectParticipant

from .models import (
    DRAFTABLE_KINDS,
    Attachment,
    Document,
    DocumentEvent,
    DocumentKind,
    DocumentStatus,
    Recipient,
    Reply,
    Submission,
    SubmissionKind,
    SubmissionStatus,
)

DEADLINE_TIME = datetime.time(18, 0)
MAX_ATTACHMENTS = 10
REMIND_AGAIN_AFTER = datetime.timedelta(hours=1)
MAX_TITLE = 200
MAX_BODY = 50_000
DRAFTERS = (AgencyRole.SUPERVISOR, AgencyRole.CHIEF, AgencyRole.LEADER)
APPROVERS = (AgencyRole.CHIEF, AgencyRole.LEADER)
UNIT_ROLES = {
    "contractor": ParticipantRole.CONTRACTOR,
    "supervision": ParticipantRole.SUPERVISION,
    "builder": ParticipantRole.BUILDER,
}
AUDIENCE_KEYS = (
    "all_projects",
    "streets",
    "projects",
    "units",
    "org_kinds",
    "organizations",
    "all_groups",
)
ORG_KINDS = [
    OrgKind.CONTRACTOR,
    OrgKind.SUPERVISION,
    OrgKind.BUILDER,
    OrgKind.MONITORING,
    OrgKind.SURVEY,
    OrgKind.DESIGN,
    OrgKind.GROUP,
]


# --- who may ------------------------------------------------------------------------------------


def _staff_of(user, agency_id) -> bool:
    return bool(
        user.is_authenticated
        and user.is_active
        and user.is_agency_staff
        and (user.is_superuser or user.organization_id == agency_id)
    )


def may_draft(user) -> bool:
    return bool(
        user.is_authenticated
        and user.is_active
        and user.is_agency_staff
        and user.organization_id
        and (user.is_superuser or user.agency_role in DRAFTERS)
    )


def may_approve(user, document: Document) -> bool:
    return _staff_of(user, document.agency_id) and (
        user.is_superuser or user.agency_role in APPROVERS
    )


def may_edit(user, document: Document) -> bool:
    return (
        document.status == DocumentStatus.DRAFT
        and _staff_of(user, document.agency_id)
        and (document.created_by_id == user.pk or may_approve(user, document))
    )


def allowed_actions(user, document: Document) -> list[str]:
    """What `user` may do to the document now: edit, submit, approve, return, withdraw, close,
    remind."""
    actions = []
    status = document.status
    drafter = document.created_by_id == user.pk and _staff_of(user, document.agency_id)
    approver = may_approve(user, document)
    if status == DocumentStatus.DRAFT and (drafter or approver):
        actions += ["edit", "submit"]
    if status == DocumentStatus.PENDING and approver:
        actions += ["approve", "return"]
    if status in (DocumentStatus.PENDING, DocumentStatus.SENT) and (drafter or approver):
        actions.append("withdraw")
    if status == DocumentStatus.SENT and (drafter or approver):
        actions.append("close")
    if status == DocumentStatus.SENT and _staff_of(user, document.agency_id):
        actions.append("remind")
    return actions


def _role_may(user, document, action) -> bool:
    """Whether the user's role could ever take `action` on this document (whatever its status)."""
    if not _staff_of(user, document.agency_id):
        return False
    approver = may_approve(user, document)
    if action in ("approve", "return"):
        return approver
    if action == "remind":
        return True
    return approver or document.created_by_id == user.pk


def _require(user, document, action):
    """403 when the role may never do it; 400 when the status does not allow it now."""
    if action in allowed_actions(user, document):
        return
    if not _role_may(user, document, action):
        raise NotAllowed(_("You may not do this to this document."))
    raise DomainError(
        _("This cannot be done while the document is “%(status)s”.")
        % {"status": document.get_status_display()}
    )


def _lock(document) -> Document:
    return Document.objects.select_for_update().get(pk=document.pk)


def _event(document, action, by=None, comment="", **payload) -> DocumentEvent:
    return DocumentEvent.objects.create(
        document=document,
        action=action,
        actor=by if by is not None and getattr(by, "pk", None) else None,
        comment=comment,
        payload=payload,
    )


# --- deadlines ----------------------------------------------------------------------------------


def deadline_on(day: datetime.date) -> datetime.datetime:
    """18:00 local time of `day`."""
    return timezone.make_aware(
        datetime.datetime.combine(day, DEADLINE_TIME), timezone.get_current_timezone()
    )


def add_working_days(day: datetime.date, days: int) -> datetime.date:
    """`days` working days (Monday–Friday) after `day`."""
    while days > 0:
        day += datetime.timedelta(days=1)
        if day.weekday() < 5:
            days -= 1
    return day


def default_sign_day(agency, today=None) -> datetime.date:
    today = today or timezone.localdate()
    return add_working_days(today, AgencySettings.for_agency(agency).document_sign_days)


# --- the audience -------------------------------------------------------------------------------


def clean_audience(raw: dict | None) -> dict:
    """The audience with only known keys and well-formed values."""
    raw = raw or {}

    def ids(key):
        out = []
        for value in raw.get(key) or []:
            try:
                number = int(value)
            except (TypeError, ValueError):
                raise DomainError(_("The recipients are not valid."), field="audience") from None
            if 0 < number < 2**63 and number not in out:
                out.append(number)
        return out

    units = [u for u in (raw.get("units") or []) if u in UNIT_ROLES]
    kinds = [k for k in (raw.get("org_kinds") or []) if k in ORG_KINDS]
    return {
        "all_projects": bool(raw.get("all_projects")),
        "streets": ids("streets"),
        "projects": ids("projects"),
        "units": units or ["contractor"],
        "org_kinds": kinds,
        "organizations": ids("organizations"),
        "all_groups": bool(raw.get("all_groups")),
    }


def active_projects(agency):
    """The agency's projects under construction and under supervision."""
    return Project.objects.filter(
        agency=agency,
        status__in=ACTIVE_STATUSES,
        supervision_status=SupervisionStatus.ACTIVE,
    )


def resolve_audience(agency, audience: dict) -> list[tuple[int, int | None, str]]:
    """The inboxes an audience reaches: (organisation id, project id or None, unit), deduplicated
    and in a stable order. Project inboxes are the chosen units' teams on each project."""
    audience = clean_audience(audience)
    project_ids: set[int] = set()
    active = active_projects(agency)
    if audience["all_projects"]:
        project_ids |= set(active.values_list("pk", flat=True))
    if audience["streets"]:
        project_ids |= set(
            active.filter(street_id__in=audience["streets"]).values_list("pk", flat=True)
        )
    if audience["projects"]:
        # Named projects: any of the agency's projects, active or not.
        project_ids |= set(
            Project.objects.filter(agency=agency, pk__in=audience["projects"]).values_list(
                "pk", flat=True
            )
        )
    inboxes: dict[tuple[int, int | None], str] = {}
    if project_ids:
        roles = {UNIT_ROLES[u]: u for u in audience["units"]}
        rows = (
            ProjectParticipant.objects.filter(project_id__in=project_ids, role__in=list(roles))
            .order_by("project_id", "role", "id")
            .values_list("organization_id", "project_id", "role")
        )
        for org_id, project_id, role in rows:
            inboxes.setdefault((org_id, project_id), roles[role])
    org_ids: list[int] = []
    if audience["org_kinds"]:
        taking_part = ProjectParticipant.objects.filter(project__in=active)
        kinds = set(audience["org_kinds"])
        if OrgKind.GROUP in kinds:
            org_ids += list(
                taking_part.filter(organization__group__isnull=False)
                .values_list("organization__group_id", flat=True)
                .distinct()
            )
        org_ids += list(
            taking_part.filter(organization__kind__in=kinds - {OrgKind.GROUP})
            .values_list("organization_id", flat=True)
            .distinct()
        )
    if audience["all_groups"]:
        org_ids += list(
            ProjectParticipant.objects.filter(project__in=active, organization__group__isnull=False)
            .values_list("organization__group_id", flat=True)
            .distinct()
        )
    if audience["organizations"]:
        org_ids += list(
            Organization.objects.filter(pk__in=audience["organizations"], is_active=True)
            .exclude(kind=OrgKind.AGENCY)
            .values_list("pk", flat=True)
        )
    for org_id in sorted(set(org_ids)):
        inboxes.setdefault((org_id, None), "")
    return [(org, project, unit) for (org, project), unit in inboxes.items()]


def audience_summary(agency, audience: dict) -> dict:
    """How many inboxes, projects and organisations an audience reaches (the form's preview)."""
    inboxes = resolve_audience(agency, audience)
    return {
        "inboxes": len(inboxes),
        "projects": len({p for _, p, _ in inboxes if p}),
        "organizations": len({o for o, _, _ in inboxes}),
    }


# --- inbox users --------------------------------------------------------------------------------


def inbox_users(recipients) -> dict[int, set[int]]:
    """Recipient id → ids of the active users who may act on it (2 queries).

    A project inbox: the organisation's users who are active members of that project; when none
    has an account, the organisation's office staff (users on no project). An organisation
    inbox: its users. The same rule as `Recipient.objects.for_user`."""
    recipients = list(recipients)
    org_ids = {r.organization_id for r in recipients}
    project_ids = {r.project_id for r in recipients if r.project_id}
    org_users: dict[int, set[int]] = defaultdict(set)
    office: dict[int, set[int]] = defaultdict(set)
    on_projects = ProjectMember.objects.filter(is_active=True, user_id=OuterRef("pk"))
    for pk, org_id, on_project in (
        User.objects.filter(organization_id__in=org_ids, is_active=True, agency_role="")
        .annotate(on_project=Exists(on_projects))
        .values_list("pk", "organization_id", "on_project")
    ):
        org_users[org_id].add(pk)
        if not on_project:
            office[org_id].add(pk)
    members: dict[tuple[int, int], set[int]] = defaultdict(set)
    if project_ids:
        for project_id, user_id, org_id in ProjectMember.objects.filter(
            project_id__in=project_ids,
            is_active=True,
            user__isnull=False,
            user__is_active=True,
            user__organization_id__in=org_ids,
        ).values_list("project_id", "user_id", "user__organization_id"):
            members[(project_id, org_id)].add(user_id)
    out = {}
    for r in recipients:
        if r.project_id:
            out[r.pk] = members.get((r.project_id, r.organization_id)) or office.get(
                r.organization_id, set()
            )
        else:
            out[r.pk] = org_users.get(r.organization_id, set())
    return out


def _notify_inboxes(recipients, *, title, body, kind, key_prefix=""):
    """One notification per inbox user, linking to their inbox row (one batch, after commit)."""
    users = inbox_users(recipients)
    notify_many_on_commit(
        {
            "users": users.get(r.pk),
            "title": title,
            "body": body,
            "url": r.get_absolute_url(),
            "obj": r.document,
            "kind": kind,
            "key": f"{key_prefix}:{r.pk}" if key_prefix else "",
        }
        for r in recipients
    )


def _senders(document) -> set[int]:
    """Who hears of replies and overdue inboxes: the drafter and the approver; for a 督办函 (sent
    by the escalation ladder) the hazard's supervisor and the project's lead supervisor."""
    ids = {pk for pk in (document.created_by_id, document.approved_by_id) if pk}
    if not ids and document.supervision_letter_id:
        letter = document.supervision_letter
        ids = {pk for pk in (letter.hazard.created_by_id, letter.project.lead_supervisor_id) if pk}
    return ids


# --- drafting -----------------------------------------------------------------------------------


def _store_attachment(*, data: bytes, filename: str, by, **owner) -> Attachment:
    checked = check_upload(filename, data)
    attachment = Attachment(
        filename=checked.filename,
        content_type=checked.content_type,
        size=checked.size,
        sha256=checked.sha256,
        uploaded_by=by if getattr(by, "pk", None) else None,
        **owner,
    )
    attachment.file.save(checked.filename[-60:], ContentFile(data), save=False)
    attachment.save()
    return attachment


def _check_files(files, existing: int = 0):
    """Every file checked before anything is saved (nothing half-saved)."""
    files = list(files or [])
    if existing + len(files) > MAX_ATTACHMENTS:
        raise DomainError(_("At most %(n)d attachments.") % {"n": MAX_ATTACHMENTS}, field="files")
    for name, data in files:
        check_upload(name, data)
    return files


def _clean_fields(fields: dict, *, now) -> dict:
    title = (fields.get("title") or "").strip()
    if not title:
        raise DomainError(_("Enter the title."), field="title")
    if len(title) > MAX_TITLE:
        raise DomainError(_("The title is at most 200 characters."), field="title")
    body = (fields.get("body") or "").strip()
    if len(body) > MAX_BODY:
        raise DomainError(_("The text is too long."), field="body")
    kind = fields.get("kind") or ""
    if kind not in dict(DRAFTABLE_KINDS):
        raise DomainError(_("Choose the type of document."), field="kind")
    reply_required = bool(fields.get("reply_required"))
    # A reply means signing for it too.
    sign_required = bool(fields.get("sign_required")) or reply_required
    sign_deadline = fields.get("sign_deadline")
    reply_deadline = fields.get("reply_deadline")
    if sign_required and sign_deadline and sign_deadline <= now:
        raise DomainError(_("The deadline to sign must be in the future."), field="sign_deadline")
    if reply_required:
        if not reply_deadline:
            raise DomainError(_("Set the deadline for the reply."), field="reply_deadline")
        if reply_deadline <= now:
            raise DomainError(
                _("The deadline for the reply must be in the future."), field="reply_deadline"
            )
        if sign_required and sign_deadline and sign_deadline > reply_deadline:
            raise DomainError(
                _("The deadline to sign cannot be after the deadline for the reply."),
                field="sign_deadline",
            )
    project = fields.get("project")
    return {
        "title": title,
        "body": body,
        "kind": kind,
        "sign_required": sign_required,
        "sign_deadline": sign_deadline if sign_required else None,
        "reply_required": reply_required,
        "reply_deadline": reply_deadline if reply_required else None,
        "project": project,
        "audience": clean_audience(fields.get("audience")),
    }


@transaction.atomic
def document_save(*, by, fields: dict, document: Document | None = None, files=()) -> Document:
    """Create or edit a draft. `fields`: kind, title, body, audience, sign_required,
    sign_deadline, reply_required, reply_deadline, project; `files`: (name, bytes) pairs."""
    now = timezone.now()
    if document is None:
        if not may_draft(by):
            raise NotAllowed(_("Only commission staff draft official documents."))
        document = Document(agency_id=by.organization_id, created_by=by)
        creating = True
    else:
        document = _lock(document)
        if not may_edit(by, document):
            if not _role_may(by, document, "edit"):
                raise NotAllowed(_("You may not do this to this document."))
            raise DomainError(_("Only a draft can be edited."))
        creating = False
    clean = _clean_fields(fields, now=now)
    project = clean.pop("project")
    if project is not None and project.agency_id != document.agency_id:
        raise DomainError(_("The project is not supervised by this agency."), field="project")
    files = _check_files(files, 0 if creating else document.attachments.count())
    for key, value in clean.items():
        setattr(document, key, value)
    document.project = project
    document.save()
    _event(document, DocumentEvent.Action.CREATED if creating else DocumentEvent.Action.EDITED, by)
    for name, data in files:
        _store_attachment(data=data, filename=name, by=by, document=document)
    return document


@transaction.atomic
def attachment_remove(*, attachment: Attachment, by) -> None:
    document = attachment.document
    if document is None or not may_edit(by, document):
        raise NotAllowed(_("Only attachments of a draft you may edit can be removed."))
    name, storage = attachment.file.name, attachment.file.storage
    attachment.delete()
    # The file goes only once the row is gone for good (a rollback keeps both).
    transaction.on_commit(lambda: storage.delete(name))


def _check_ready(document, now):
    if document.reply_required and (not document.reply_deadline or document.reply_deadline <= now):
        raise DomainError(
            _("The deadline for the reply must be in the future."), field="reply_deadline"
        )
    if document.sign_required and document.sign_deadline and document.sign_deadline <= now:
        raise DomainError(_("The deadline to sign must be in the future."), field="sign_deadline")
    inboxes = resolve_audience(document.agency, document.audience)
    if not inboxes:
        raise DomainError(
            _("Choose who receives the document: nobody is selected."), field="audience"
        )
    return inboxes


@transaction.atomic
def document_submit(*, document: Document, by) -> Document:
    """Draft → awaiting approval; a section chief's or leader's own draft is sent at once."""
    document = _lock(document)
    _require(by, document, "submit")
    now = timezone.now()
    _check_ready(document, now)
    document.submitted_at = now
    if may_approve(by, document):
        return _send(document, by, now)
    document.status = DocumentStatus.PENDING
    document.save()
    _event(document, DocumentEvent.Action.SUBMITTED, by)
    approvers = User.objects.filter(
        organization_id=document.agency_id, agency_role__in=APPROVERS, is_active=True
    )
    notify_on_commit(
        users=approvers,
        title=_("Document to approve: %(title)s") % {"title": document.title},
        url=document.get_absolute_url(),
        obj=document,
        kind="document_approve",
    )
    return document


@transaction.atomic
def document_approve(*, document: Document, by, comment: str = "") -> Document:
    """签发: number, recipients, notifications."""
    document = _lock(document)
    _require(by, document, "approve")
    return _send(document, by, timezone.now(), comment=comment)


def _send(document, by, now, comment="") -> Document:
    inboxes = _check_ready(document, now)
    year = timezone.localtime(now).year
    document.number = next_number(
        agency=document.agency, kind=f"document_{document.kind}", year=year
    )
    if document.sign_required and not document.sign_deadline:
        document.sign_deadline = deadline_on(default_sign_day(document.agency))
        if document.reply_deadline and document.sign_deadline > document.reply_deadline:
            document.sign_deadline = document.reply_deadline
    document.status = DocumentStatus.SENT
    document.approved_by = by
    document.sent_at = now
    document.year = year
    document.recipient_count = len(inboxes)
    document.save()
    recipients = Recipient.objects.bulk_create(
        Recipient(document=document, organization_id=org, project_id=project, unit=unit)
        for org, project, unit in inboxes
    )
    if not all(r.pk for r in recipients):
        recipients = list(document.recipients.all())
    _event(
        document,
        DocumentEvent.Action.SENT,
        by,
        comment=(comment or "").strip(),
        recipients=len(recipients),
        number=document.number,
    )
    _notify_inboxes(
        recipients,
        title=f"{document.get_kind_display()}：{document.title}",
        body=_deadline_text(document),
        kind="document",
    )
    if document.created_by_id and document.created_by_id != getattr(by, "pk", None):
        notify_on_commit(
            users=[document.created_by_id],
            title=_("Sent: %(title)s") % {"title": document.title},
            url=document.get_absolute_url(),
            obj=document,
            kind="document",
        )
    return document


def _deadline_text(document) -> str:
    parts = []
    if document.sign_required and document.sign_deadline:
        parts.append(
            _("Sign for it by %(at)s.")
            % {"at": timezone.localtime(document.sign_deadline).strftime("%Y-%m-%d %H:%M")}
        )
    if document.reply_required and document.reply_deadline:
        parts.append(
            _("Reply by %(at)s.")
            % {"at": timezone.localtime(document.reply_deadline).strftime("%Y-%m-%d %H:%M")}
        )
    return " ".join(parts)


@transaction.atomic
def document_return(*, document: Document, by, comment: str) -> Document:
    document = _lock(document)
    _require(by, document, "return")
    comment = (comment or "").strip()
    if not comment:
        raise DomainError(_("Say what needs to change."), field="comment")
    document.status = DocumentStatus.DRAFT
    document.save()
    _event(document, DocumentEvent.Action.RETURNED, by, comment=comment)
    if document.created_by_id:
        notify_on_commit(
            users=[document.created_by_id],
            title=_("Returned for changes: %(title)s") % {"title": document.title},
            body=comment,
            url=document.get_absolute_url(),
            obj=document,
            kind="document",
        )
    return document


@transaction.atomic
def document_withdraw(*, document: Document, by, comment: str) -> Document:
    document = _lock(document)
    _require(by, document, "withdraw")
    comment = (comment or "").strip()
    if not comment:
        raise DomainError(_("Give the reason for withdrawing it."), field="comment")
    was_sent = document.status == DocumentStatus.SENT
    document.status = DocumentStatus.WITHDRAWN
    document.withdrawn_at = timezone.now()
    document.save()
    _event(document, DocumentEvent.Action.WITHDRAWN, by, comment=comment)
    if was_sent:
        _notify_inboxes(
            list(document.recipients.all()),
            title=_("Withdrawn: %(title)s") % {"title": document.title},
            body=comment,
            kind="document",
        )
    return document


@transaction.atomic
def document_close(*, document: Document, by, comment: str = "") -> Document:
    document = _lock(document)
    _require(by, document, "close")
    document.status = DocumentStatus.CLOSED
    document.closed_at = timezone.now()
    document.save()
    _event(document, DocumentEvent.Action.CLOSED, by, comment=(comment or "").strip())
    return document


def missing(document, recipients=None) -> list[Recipient]:
    """The recipients still owing something: not signed (when required) or not replied (when
    required)."""
    qs = recipients if recipients is not None else document.recipients.all()
    out = []
    for r in qs:
        if (document.sign_required and not r.signed_at) or (
            document.reply_required and not r.replied_at
        ):
            out.append(r)
    return out


@transaction.atomic
def document_remind(*, document: Document, by) -> int:
    """A manual reminder to every inbox still missing a receipt or reply; returns how many."""
    document = _lock(document)
    _require(by, document, "remind")
    now = timezone.now()
    owing = missing(document, document.recipients.select_related("document"))
    if not owing:
        raise DomainError(_("Every recipient has already signed and replied."))
    # A second click right after the first must not notify the same inboxes again.
    since = now - REMIND_AGAIN_AFTER
    targets = [r for r in owing if r.reminded_at is None or r.reminded_at <= since]
    if not targets:
        last = max(r.reminded_at for r in owing)
        raise DomainError(
            _("They were reminded at %(time)s; remind them again in an hour at the earliest.")
            % {"time": timezone.localtime(last).strftime("%H:%M")}
        )
    _remind(document, targets, now, manual=True)
    _event(document, DocumentEvent.Action.REMINDED, by, recipients=len(targets))
    return len(targets)


def _remind(document, targets, now, *, manual=False, key_prefix=""):
    title = (_("Reminder: %(title)s") if manual else _("Due soon: %(title)s")) % {
        "title": document.title
    }
    _notify_inboxes(
        targets,
        title=title,
        body=_deadline_text(document),
        kind="document_reminder",
        key_prefix=key_prefix,
    )
    Recipient.objects.filter(pk__in=[r.pk for r in targets]).update(
        reminded_at=now, reminders=F("reminders") + 1
    )


# --- the recipient's side -----------------------------------------------------------------------


def _inbox_row(recipient, by) -> Recipient:
    row = (
        Recipient.objects.for_user(by)
        .select_for_update(of=("self",))
        .select_related("document")
        .filter(pk=recipient.pk)
        .first()
    )
    if row is None:
        raise NotAllowed(_("This document was not sent to you."))
    return row


@transaction.atomic
def recipient_open(*, recipient: Recipient, by) -> Recipient:
    """Mark read the first time an inbox user opens it (later opens change nothing)."""
    if recipient.read_at:
        return recipient
    row = _inbox_row(recipient, by)
    if row.read_at is None:
        row.read_at = timezone.now()
        row.read_by = by
        row.save(update_fields=["read_at", "read_by"])
    return row


def _check_live(row):
    doc = row.document
    if doc.status == DocumentStatus.WITHDRAWN:
        raise DomainError(_("The document has been withdrawn."))
    if doc.status != DocumentStatus.SENT:
        raise DomainError(_("The document is closed."))


@transaction.atomic
def recipient_sign(*, recipient: Recipient, by) -> Recipient:
    """签收 for the inbox; recorded with who signed and when."""
    row = _inbox_row(recipient, by)
    _check_live(row)
    if row.signed_at:
        raise DomainError(_("Already signed for by %(name)s.") % {"name": row.signed_by})
    now = timezone.now()
    row.signed_at = now
    row.signed_by = by
    if row.read_at is None:
        row.read_at, row.read_by = now, by
    row.save()
    return row


@transaction.atomic
def recipient_reply(*, recipient: Recipient, by, body: str, files=()) -> Reply:
    """A reply with attachments; signs for the inbox too when nobody has yet."""
    row = _inbox_row(recipient, by)
    _check_live(row)
    body = (body or "").strip()
    if not body:
        raise DomainError(_("Write the reply."), field="body")
    if len(body) > MAX_BODY:
        raise DomainError(_("The text is too long."), field="body")
    files = _check_files(files)
    now = timezone.now()
    if row.read_at is None:
        row.read_at, row.read_by = now, by
    if row.signed_at is None:
        row.signed_at, row.signed_by = now, by
    if row.replied_at is None:
        row.replied_at, row.replied_by = now, by
    row.save()
    reply = Reply.objects.create(recipient=row, body=body, by=by, at=now)
    for name, data in files:
        _store_attachment(data=data, filename=name, by=by, reply=reply)
    document = row.document
    notify_on_commit(
        users=_senders(document),
        title=_("Reply from %(who)s: %(title)s") % {"who": row.label, "title": document.title},
        body=body[:200],
        url=document.get_absolute_url() + "#tracking",
        obj=document,
        kind="document_reply",
    )
    return reply


# --- reminders and overdue (the job) ------------------------------------------------------------


def send_reminders(now=None) -> dict:
    """Remind inboxes before a deadline and flag overdue ones; safe to run any number of times.

    For each sent document with a deadline ahead, each configured rung (hours before) that has
    come — and came after the document was sent — reminds every inbox still missing, once. When
    a deadline has passed, each missing inbox is told once and the sender gets one summary."""
    now = now or timezone.now()
    counts = {"reminded": 0, "overdue": 0}
    documents = (
        Document.objects.filter(status=DocumentStatus.SENT)
        .filter(
            Q(sign_required=True, sign_deadline__isnull=False)
            | Q(reply_required=True, reply_deadline__isnull=False)
        )
        .select_related("agency")
    )
    hours_by_agency: dict[int, list[int]] = {}
    for document in documents:
        if document.agency_id not in hours_by_agency:
            hours_by_agency[document.agency_id] = list(
                AgencySettings.for_agency_id(document.agency_id).document_reminder_hours or []
            )
        rungs = hours_by_agency[document.agency_id]
        recipients = list(document.recipients.all())
        for kind, deadline, done in (
            ("sign", document.sign_deadline if document.sign_required else None, "signed_at"),
            ("reply", document.reply_deadline if document.reply_required else None, "replied_at"),
        ):
            if deadline is None:
                continue
            owing = [r for r in recipients if getattr(r, done) is None]
            if not owing:
                continue
            if deadline <= now:
                counts["overdue"] += _flag_overdue(document, kind, owing, now)
                continue
            due = [
                h
                for h in rungs
                if deadline - datetime.timedelta(hours=h) <= now
                and deadline - datetime.timedelta(hours=h) > (document.sent_at or now)
            ]
            if not due:
                continue
            rung = min(due)
            with transaction.atomic():
                done_before = DocumentEvent.objects.filter(
                    document=document,
                    action=DocumentEvent.Action.AUTO_REMINDED,
                    payload__kind=kind,
                    payload__hours=rung,
                ).exists()
                if done_before:
                    continue
                _event(
                    document,
                    DocumentEvent.Action.AUTO_REMINDED,
                    None,
                    kind=kind,
                    hours=rung,
                    recipients=len(owing),
                )
                _remind(document, owing, now, key_prefix=f"documents:{kind}:{rung}:{document.pk}")
            counts["reminded"] += len(owing)
    return counts


def _flag_overdue(document, kind, owing, now) -> int:
    key = f"documents:overdue:{kind}:{document.pk}"
    with transaction.atomic():
        already = DocumentEvent.objects.filter(
            document=document, action=DocumentEvent.Action.OVERDUE, payload__kind=kind
        ).exists()
        if already:
            return 0
        _event(document, DocumentEvent.Action.OVERDUE, None, kind=kind, recipients=len(owing))
        label = _("not signed for") if kind == "sign" else _("not replied")
        _notify_inboxes(
            owing,
            title=_("Overdue: %(title)s") % {"title": document.title},
            body=str(label),
            kind="document_overdue",
            key_prefix=key,
        )
        notify_on_commit(
            users=_senders(document),
            title=_("%(n)d recipients overdue (%(what)s): %(title)s")
            % {"n": len(owing), "what": label, "title": document.title},
            url=document.get_absolute_url() + "#tracking",
            obj=document,
            kind="document_overdue",
            key=key,
        )
    return len(owing)


# --- 督办函 from the escalation ladder ------------------------------------------------------------


def document_from_letter(letter) -> Document:
    """The 督办函 the escalation ladder issued, sent as a document to the addressee with a
    required receipt and a written reply within the agency's working days."""
    now = letter.issued_at or timezone.now()
    settings_row = AgencySettings.for_agency_id(letter.agency_id)
    reply_day = add_working_days(timezone.localtime(now).date(), settings_row.letter_reply_days)
    document = Document.objects.create(
        agency_id=letter.agency_id,
        kind=DocumentKind.SUPERVISION_LETTER,
        number=letter.number,
        # The official title is Chinese whatever the interface language (as on the PDF).
        title=f"关于{letter.project.name}隐患整改逾期的督办函",
        body=letter.body,
        status=DocumentStatus.SENT,
        sign_required=True,
        sign_deadline=deadline_on(add_working_days(timezone.localtime(now).date(), 1)),
        reply_required=True,
        reply_deadline=deadline_on(reply_day),
        project=letter.project,
        supervision_letter=letter,
        sent_at=now,
        year=timezone.localtime(now).year,
        recipient_count=0,
    )
    recipients = []
    if letter.addressed_to_id:
        takes_part = ProjectParticipant.objects.filter(
            project_id=letter.project_id, organization_id=letter.addressed_to_id
        ).exists()
        recipients.append(
            Recipient.objects.create(
                document=document,
                organization_id=letter.addressed_to_id,
                project_id=letter.project_id if takes_part else None,
                unit="contractor" if takes_part else "",
            )
        )
    document.recipient_count = len(recipients)
    document.save(update_fields=["recipient_count"])
    _event(
        document,
        DocumentEvent.Action.SENT,
        None,
        recipients=len(recipients),
        number=document.number,
        letter=letter.pk,
    )
    _notify_inboxes(
        recipients,
        title=document.title,
        body=_deadline_text(document),
        kind="document",
        key_prefix=f"documents:letter:{letter.pk}",
    )
    return document


# --- incoming submissions (收文) -----------------------------------------------------------------


def submission_agencies(user) -> list[Organization]:
    """The agencies supervising the projects `user` may see (where they can submit)."""
    if not user.is_authenticated or user.is_agency_staff or not user.organization_id:
        return []
    ids = Project.objects.visible_to(user).values("agency_id").distinct()
    return list(Organization.objects.filter(pk__in=ids, kind=OrgKind.AGENCY))


def _route(agency, project):
    if project is not None and project.lead_supervisor_id:
        lead = project.lead_supervisor
        if lead.is_active:
            return lead
    return (
        User.objects.filter(organization=agency, agency_role=AgencyRole.CHIEF, is_active=True)
        .order_by("pk")
        .first()
    )


@transaction.atomic
def submission_create(*, by, fields: dict, files=()) -> Submission:
    """A company's submission to the commission. `fields`: kind, title, body, project,
    dangerous_work, agency (only when the submitter has no project)."""
    if not by.is_authenticated or by.is_agency_staff or not by.organization_id:
        raise NotAllowed(_("Only companies and project teams submit documents to the commission."))
    kind = fields.get("kind") or ""
    if kind not in SubmissionKind.values:
        raise DomainError(_("Choose the type of document."), field="kind")
    title = (fields.get("title") or "").strip()
    if not title:
        raise DomainError(_("Enter the title."), field="title")
    if len(title) > MAX_TITLE:
        raise DomainError(_("The title is at most 200 characters."), field="title")
    body = (fields.get("body") or "").strip()
    if len(body) > MAX_BODY:
        raise DomainError(_("The text is too long."), field="body")
    project = fields.get("project")
    if project is not None and not Project.objects.visible_to(by).filter(pk=project.pk).exists():
        raise DomainError(_("Choose one of your projects."), field="project")
    work = fields.get("dangerous_work")
    if kind == SubmissionKind.SCHEME_FILING:
        if work is None:
            raise DomainError(
                _("Choose the dangerous work whose scheme you file."), field="dangerous_work"
            )
        if project is None:
            project = work.project
        if (
            work.project_id != project.pk
            or not Project.objects.visible_to(by).filter(pk=project.pk).exists()
        ):
            raise DomainError(
                _("Choose one of your projects' dangerous works."), field="dangerous_work"
            )
    elif work is not None:
        if project is None or work.project_id != project.pk:
            raise DomainError(
                _("Choose one of your projects' dangerous works."), field="dangerous_work"
            )
    if project is not None:
        agency = project.agency
    else:
        agencies = submission_agencies(by)
        chosen = fields.get("agency")
        if chosen is not None:
            agencies = [a for a in agencies if a.pk == chosen.pk]
        if len(agencies) != 1:
            raise DomainError(_("Choose the project the document is about."), field="project")
        agency = agencies[0]
    files = _check_files(files)
    has_scheme = work is not None and work.documents.filter(kind="scheme").exists()
    if not files and not body and not has_scheme:
        raise DomainError(_("Attach the document or write its text."), field="files")
    submission = Submission.objects.create(
        agency=agency,
        kind=kind,
        title=title,
        body=body,
        organization_id=by.organization_id,
        project=project,
        dangerous_work=work,
        submitted_by=by,
        routed_to=_route(agency, project),
    )
    for name, data in files:
        _store_attachment(data=data, filename=name, by=by, submission=submission)
    if submission.routed_to_id:
        notify_on_commit(
            users=[submission.routed_to_id],
            title=_("Submission to handle: %(title)s") % {"title": title},
            body=str(project or by.organization),
            url=submission.get_absolute_url(),
            obj=submission,
            kind="submission",
        )
    return submission


def may_handle(user, submission: Submission) -> bool:
    return _staff_of(user, submission.agency_id) and (
        user.is_superuser or user.pk == submission.routed_to_id or user.agency_role in APPROVERS
    )


def _lock_submission(submission, by) -> Submission:
    submission = Submission.objects.select_for_update().get(pk=submission.pk)
    if not may_handle(by, submission):
        raise NotAllowed(_("Only the supervisor it was routed to or a section chief handles it."))
    if submission.status != SubmissionStatus.SUBMITTED:
        raise DomainError(_("The submission has already been handled."))
    return submission


@transaction.atomic
def submission_acknowledge(*, submission: Submission, by, comment: str = "") -> Submission:
    """受理: a receipt number, and the submitter is told."""
    submission = _lock_submission(submission, by)
    now = timezone.now()
    submission.status = SubmissionStatus.ACKNOWLEDGED
    submission.number = next_number(
        agency=submission.agency, kind="submission", year=timezone.localtime(now).year
    )
    submission.handled_by = by
    submission.handled_at = now
    submission.comment = (comment or "").strip()
    submission.save()
    notify_on_commit(
        users=[submission.submitted_by_id],
        title=_("Received (%(number)s): %(title)s")
        % {"number": submission.number, "title": submission.title},
        body=submission.comment,
        url=submission.get_absolute_url(),
        obj=submission,
        kind="submission",
    )
    return submission


@transaction.atomic
def submission_return(*, submission: Submission, by, comment: str) -> Submission:
    """退回 with the reason (e.g. incomplete); the submitter may submit again."""
    comment = (comment or "").strip()
    if not comment:
        raise DomainError(_("Give the reason for returning it."), field="comment")
    submission = _lock_submission(submission, by)
    submission.status = SubmissionStatus.RETURNED
    submission.handled_by = by
    submission.handled_at = timezone.now()
    submission.comment = comment
    submission.save()
    notify_on_commit(
        users=[submission.submitted_by_id],
        title=_("Returned: %(title)s") % {"title": submission.title},
        body=comment,
        url=submission.get_absolute_url(),
        obj=submission,
        kind="submission",
    )
    return submission
