"""危大工程 use cases: register and classify, the lifecycle steps with their signatures and
documents, monitoring readings and alarms, patrols and missed patrols, site-started reports.

Every write runs in one transaction, locks the work, writes a WorkStep and notifies after
commit. Errors are DomainError (400) with a message for the user, or NotAllowed (403).
"""

import datetime
import hashlib
from decimal import Decimal, InvalidOperation

from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from anjian.accounts.choices import AgencyRole
from anjian.accounts.models import Organization, User
from anjian.core.errors import DomainError
from anjian.core.errors import PermissionDenied as NotAllowed
from anjian.core.numbering import next_number
from anjian.projects.choices import CONTRACTOR_ROLES, SUPERVISION_ROLES, ProjectRole
from anjian.projects.models import ProjectMember

from . import thresholds, workflow
from .models import (
    Argumentation,
    CategorySetting,
    DangerousWork,
    MonitoringReading,
    Patrol,
    ThresholdRule,
    WorkDocument,
    WorkSignature,
    WorkStep,
)

MAX_DOCUMENT_BYTES = 20 * 1024 * 1024
DOCUMENT_EXTENSIONS = {
    "pdf": b"%PDF",
    "jpg": b"\xff\xd8",
    "jpeg": b"\xff\xd8",
    "png": b"\x89PNG",
    "doc": b"\xd0\xcf\x11\xe0",
    "xls": b"\xd0\xcf\x11\xe0",
    "docx": b"PK",
    "xlsx": b"PK",
    "zip": b"PK",
    "dwg": b"AC",
}
DEFAULT_CATEGORY_SETTINGS = {
    # category: (acceptance required, monitoring: "" | "danger" | "super", patrol hours)
    "PIT": (True, "super", 24),
    "FORMWORK": (True, "", 24),
    "LIFTING": (True, "", 24),
    "SCAFFOLD": (True, "", 24),
    "DEMOLITION": (False, "", 24),
    "TUNNEL": (False, "danger", 24),
    "OTHER": (False, "", 24),
}


# --- the threshold table -------------------------------------------------------------------------


def active_rules() -> tuple[thresholds.Rule, ...]:
    return tuple(rule.as_rule() for rule in ThresholdRule.objects.filter(is_active=True))


def seed_threshold_rules() -> int:
    """Fill the editable tables from thresholds.py and the category defaults (once)."""
    created = 0
    if not ThresholdRule.objects.exists():
        ThresholdRule.objects.bulk_create(
            ThresholdRule(
                category=rule.category,
                subtype=rule.subtype,
                level=rule.level,
                param=rule.param,
                op=rule.op,
                threshold=Decimal(str(rule.threshold)),
                unit=rule.unit,
                order=index,
            )
            for index, rule in enumerate(thresholds.THRESHOLD_RULES)
        )
        created += len(thresholds.THRESHOLD_RULES)
    for category, (acceptance, monitoring, hours) in DEFAULT_CATEGORY_SETTINGS.items():
        _obj, made = CategorySetting.objects.get_or_create(
            category=category,
            defaults={
                "needs_acceptance": acceptance,
                "monitoring": monitoring,
                "patrol_hours": hours,
            },
        )
        created += made
    return created


def category_setting(category: str) -> CategorySetting:
    setting = CategorySetting.objects.filter(category=category).first()
    if setting is None:
        acceptance, monitoring, hours = DEFAULT_CATEGORY_SETTINGS.get(category, (False, "", 24))
        setting = CategorySetting(
            category=category,
            needs_acceptance=acceptance,
            monitoring=monitoring,
            patrol_hours=hours,
        )
    return setting


def clean_params(category: str, subtype: str, raw: dict) -> dict:
    """Numbers as numbers, flags as booleans, only parameters the sub-type's rules use."""
    used = {
        r.param
        for r in thresholds.THRESHOLD_RULES
        if (r.category, r.subtype) == (category, subtype)
    }
    used |= {r.param for r in ThresholdRule.objects.filter(category=category, subtype=subtype)}
    params = {}
    for key, value in (raw or {}).items():
        if key not in thresholds.PARAMETERS or key not in used:
            continue
        label, unit = thresholds.PARAMETERS[key]
        if unit == "":  # a yes/no condition
            params[key] = value in (True, "1", "true", "on", "yes", 1)
            continue
        if value in (None, ""):
            continue
        try:
            number = Decimal(str(value).strip())
        except InvalidOperation:
            raise DomainError(
                _("%(label)s must be a number.") % {"label": label}, field=f"param_{key}"
            ) from None
        if not number.is_finite() or number < 0 or number > 100000:
            raise DomainError(
                _("%(label)s must be between 0 and 100000.") % {"label": label},
                field=f"param_{key}",
            )
        params[key] = float(number)
    return params


def classify(category: str, subtype: str, params: dict) -> thresholds.Classification:
    """The level under the agency's current (editable) threshold table."""
    try:
        return thresholds.classify(category, subtype, params, rules=active_rules())
    except ValueError:
        raise DomainError(
            _("Choose a category and sub-type from the list."), field="subtype"
        ) from None


# --- who is who ----------------------------------------------------------------------------------


def _member_roles(work, user) -> set[str]:
    return set(
        ProjectMember.objects.filter(
            project_id=work.project_id, user=user, is_active=True
        ).values_list("role", flat=True)
    )


def roles_for(work: DangerousWork, user) -> frozenset[str]:
    """The workflow roles `user` holds for this work."""
    if not user.is_authenticated or not user.is_active:
        return frozenset()
    roles = set()
    if user.is_agency_staff and (
        user.is_superuser or user.organization_id == work.project.agency_id
    ):
        if user.is_superuser or user.agency_role in (AgencyRole.SUPERVISOR, AgencyRole.CHIEF):
            roles.add(workflow.ISSUER)
    member = _member_roles(work, user)
    if member & set(CONTRACTOR_ROLES):
        roles.add(workflow.CONTRACTOR)
    if member & set(SUPERVISION_ROLES):
        roles.add(workflow.ENGINEER)
    if ProjectRole.CHIEF_ENGINEER in member:
        roles.add(workflow.CHIEF_ENGINEER)
    return frozenset(roles)


def workflow_context(work: DangerousWork, user=None, roles=None) -> workflow.Context:
    return workflow.Context(
        status=work.status,
        roles=roles if roles is not None else roles_for(work, user),
        over_threshold=work.is_over_threshold,
        argued=work.argued,
        needs_acceptance=work.needs_acceptance,
        accepted=work.accepted_at is not None,
        resume_to=work.resume_to or workflow.IN_PROGRESS,
    )


def allowed_actions(work: DangerousWork, user) -> list[str]:
    return workflow.allowed_actions(workflow_context(work, user))


def can_register(project, user) -> bool:
    """Contractor site team and the agency's supervision staff may register dangerous works."""
    if not user.is_authenticated or not user.is_active:
        return False
    if user.is_agency_staff and (user.is_superuser or user.organization_id == project.agency_id):
        return user.is_superuser or user.agency_role in (AgencyRole.SUPERVISOR, AgencyRole.CHIEF)
    return ProjectMember.objects.filter(
        project=project, user=user, is_active=True, role__in=list(CONTRACTOR_ROLES)
    ).exists()


def _project_users(project, roles) -> list[User]:
    return list(
        User.objects.filter(
            project_memberships__project=project,
            project_memberships__role__in=list(roles),
            project_memberships__is_active=True,
            is_active=True,
        ).distinct()
    )


def _supervisors(project, chief=False) -> list[User]:
    users = [project.lead_supervisor] if project.lead_supervisor_id else []
    if chief or not users:
        users += list(
            User.objects.filter(
                organization_id=project.agency_id,
                agency_role=AgencyRole.CHIEF,
                is_active=True,
            )
        )
    return users


def _notify(**kwargs):
    from anjian.notifications.services import notify_on_commit

    notify_on_commit(**kwargs)


def _step(work, action, by, *, from_status="", to_status="", comment="", **payload) -> WorkStep:
    return WorkStep.objects.create(
        work=work,
        action=action,
        from_status=from_status,
        to_status=to_status,
        actor=by if by is not None and getattr(by, "pk", None) else None,
        comment=comment,
        payload=payload,
    )


def _lock(work) -> DangerousWork:
    return (
        DangerousWork.objects.select_for_update(of=("self",))
        .select_related("project")
        .get(pk=work.pk)
    )


# --- register and edit ---------------------------------------------------------------------------

TEXT_FIELDS = (
    ("name", 120),
    ("location", 120),
    ("scheme_author", 40),
    ("tech_lead", 40),
    ("safety_officer", 40),
    ("site_manager", 40),
    ("supervising_engineer", 40),
)


def _apply(work, data: dict):
    """Validate and set the register fields from `data` (a dict of form values)."""
    category = (data.get("category") or "").strip()
    subtype = (data.get("subtype") or "").strip()
    if ":" in subtype:
        category, subtype = subtype.split(":", 1)
    if (category, subtype) not in thresholds.SUBTYPES:
        raise DomainError(_("Choose a category and sub-type from the list."), field="subtype")
    for name, limit in TEXT_FIELDS:
        setattr(work, name, (data.get(name) or "").strip()[:limit])
    if not work.name:
        raise DomainError(_("Give the dangerous work a name."), field="name")
    if not work.location:
        raise DomainError(_("Say where on site the work is."), field="location")
    start, end = data.get("planned_start"), data.get("planned_end")
    if start and end and end < start:
        raise DomainError(_("The planned end is before the planned start."), field="planned_end")
    work.planned_start, work.planned_end = start or None, end or None
    params = clean_params(category, subtype, data.get("params") or {})
    result = classify(category, subtype, params)
    if result.level == thresholds.NONE:
        raise DomainError(
            _(
                "With these parameters this is not a dangerous work (危大工程) under the "
                "threshold table; check the parameters."
            ),
            field="params",
        )
    changed_level = work.pk is not None and (
        work.level != result.level or (work.category, work.subtype) != (category, subtype)
    )
    changed_category = work.pk is not None and work.category != category
    work.category, work.subtype, work.params = category, subtype, params
    work.level, work.level_reasons = result.level, list(result.reasons)
    subcontractor = data.get("subcontractor")
    if subcontractor in ("", None):
        subcontractor = None
    elif not isinstance(subcontractor, Organization):
        found = Organization.objects.filter(pk=subcontractor).first()
        if found is None:
            raise DomainError(_("Unknown organisation."), field="subcontractor")
        subcontractor = found
    if (
        subcontractor is not None
        and not work.project.participants.filter(organization=subcontractor).exists()
    ):
        raise DomainError(
            _("The subcontractor must be one of the project's participating units."),
            field="subcontractor",
        )
    work.subcontractor = subcontractor
    setting = category_setting(category)
    if "needs_acceptance" in data:
        work.needs_acceptance = bool(data["needs_acceptance"])
    elif work.pk is None or changed_category:
        work.needs_acceptance = setting.needs_acceptance
    if "needs_monitoring" in data:
        work.needs_monitoring = bool(data["needs_monitoring"])
    elif work.pk is None or changed_level:
        work.needs_monitoring = setting.monitoring == thresholds.DANGER or (
            setting.monitoring == thresholds.SUPER and result.level == thresholds.SUPER
        )
    return changed_level


@transaction.atomic
def work_register(*, project, by, data: dict) -> DangerousWork:
    """Put a dangerous work on the project's list (清单), classified by the threshold table."""
    if not can_register(project, by):
        raise NotAllowed(_("Only the contractor's site team or the supervisors may do this."))
    work = DangerousWork(project=project, created_by=by, status=workflow.IDENTIFIED)
    _apply(work, data)
    year = timezone.localtime().year
    work.number = next_number(agency=project.agency, kind="dangerous_work", year=year)
    work.save()
    _step(
        work,
        "registered",
        by,
        to_status=work.status,
        level=work.level,
        reasons=work.level_reasons,
    )
    if work.is_over_threshold:
        _notify(
            users=_supervisors(project),
            title=_("Over-threshold dangerous work registered: %(name)s") % {"name": work.name},
            body=f"{project.name} · {'；'.join(work.level_reasons)}",
            url=work.get_absolute_url(),
            obj=work,
            kind="dangerous_work.registered",
            key=f"dwork-registered-{work.pk}",
        )
    return work


@transaction.atomic
def work_update(*, work: DangerousWork, by, data: dict) -> DangerousWork:
    """Edit the register entry while the scheme is still being written or revised."""
    work = _lock(work)
    if workflow.CONTRACTOR not in roles_for(work, by):
        raise NotAllowed(_("Only the contractor's site team may edit the register entry."))
    if work.status not in workflow.EDITABLE:
        raise DomainError(
            _("The parameters can only change while the scheme is written or revised.")
        )
    before = (work.level, dict(work.params))
    changed_level = _apply(work, data)
    if changed_level and work.is_over_threshold:
        work.argued = False
    work.save()
    _step(
        work,
        "edited",
        by,
        level=work.level,
        before_level=before[0],
        params=work.params,
        before_params=before[1],
    )
    return work


# --- documents and signatures ----------------------------------------------------------------


def _check_file(filename: str, data: bytes):
    ext = filename.rsplit(".", 1)[-1].lower() if "." in filename else ""
    magic = DOCUMENT_EXTENSIONS.get(ext)
    if magic is None:
        raise DomainError(_("Upload a PDF, Word, Excel, image, DWG or ZIP file."), field="document")
    if not data:
        raise DomainError(_("The file is empty."), field="document")
    if len(data) > MAX_DOCUMENT_BYTES:
        raise DomainError(_("The file is larger than 20 MB."), field="document")
    if not data.startswith(magic):
        raise DomainError(
            _("The file's content does not match its extension .%(ext)s.") % {"ext": ext},
            field="document",
        )


def _can_upload(work, by) -> frozenset[str]:
    roles = roles_for(work, by)
    if not roles & {workflow.CONTRACTOR, workflow.ENGINEER}:
        raise NotAllowed(_("Only the project's contractor or supervising engineers may do this."))
    return roles


def _store_document(work, by, *, kind, title, filename, data, step=None) -> WorkDocument:
    _check_file(filename, data)
    if kind not in WorkDocument.Kind.values:
        raise DomainError(_("Choose the kind of document."), field="kind")
    version = 1
    if kind == WorkDocument.Kind.SCHEME:
        version = work.documents.filter(kind=kind).count() + 1
    doc = WorkDocument(
        work=work,
        step=step,
        kind=kind,
        title=((title or "").strip() or WorkDocument.Kind(kind).label)[:120],
        filename=filename[-200:],
        size=len(data),
        sha256=hashlib.sha256(data).hexdigest(),
        version=version,
        uploaded_by=by,
    )
    doc.file.save(filename[-60:], ContentFile(data), save=False)
    doc.save()
    return doc


@transaction.atomic
def document_upload(*, work, by, kind, title, filename, data) -> WorkDocument:
    """Attach a document (monitoring plan or report, patrol record, other) outside a step."""
    work = _lock(work)
    _can_upload(work, by)
    if work.status in workflow.CLOSED:
        raise DomainError(_("The work is closed."))
    step = _step(work, "document", by, comment=(title or "").strip()[:200], kind=kind)
    return _store_document(
        work, by, kind=kind, title=title, filename=filename, data=data, step=step
    )


def _decode_png(image_data: str) -> bytes:
    from anjian.inspections.services.records import _decode_signature

    return _decode_signature(image_data)


def _check_signatures(work, action, signatures: list[dict]) -> list[dict]:
    """The signatures a step needs, checked: every required role, names, images decoded."""
    required = list(workflow.SIGNERS.get(action, ()))
    if action == workflow.APPROVE_INTERNAL and work.subcontractor_id:
        required.append(workflow.SUBCONTRACTOR_SIGNER)
    if not required:
        return []
    known = {key for key, _label, _n in required}
    cleaned = []
    for index, raw in enumerate(signatures or []):
        role = (raw.get("role") or "").strip()
        name = (raw.get("name") or "").strip()[:40]
        if role not in known:
            continue
        if not name:
            raise DomainError(
                _("Signature %(n)d: give the signer's name.") % {"n": index + 1},
                field="signatures",
            )
        cleaned.append(
            {
                "role": role,
                "name": name,
                "title": (raw.get("title") or "").strip()[:40],
                "employer": (raw.get("employer") or "").strip()[:80],
                "png": _decode_png(raw.get("image") or ""),
            }
        )
    for key, label, minimum in required:
        count = sum(1 for s in cleaned if s["role"] == key)
        if count < minimum:
            if minimum > 1:
                raise DomainError(
                    _("%(role)s: at least %(n)d must sign (%(have)d signed).")
                    % {"role": label, "n": minimum, "have": count},
                    field="signatures",
                )
            raise DomainError(_("%(role)s must sign.") % {"role": label}, field="signatures")
    if action in workflow.ARGUE_ACTIONS:
        experts = [s for s in cleaned if s["role"] == "expert"]
        names = [s["name"] for s in experts]
        if len(set(names)) != len(names):
            raise DomainError(_("Each expert can sign only once."), field="signatures")
        parties = {
            name.strip()
            for name in work.project.participants.values_list("organization__name", flat=True)
        }
        for expert in experts:
            if not expert["employer"]:
                raise DomainError(
                    _("Give the employer of expert %(name)s.") % {"name": expert["name"]},
                    field="signatures",
                )
            if expert["employer"] in parties:
                raise DomainError(
                    _(
                        "Expert %(name)s works for %(employer)s, a unit of this project: people "
                        "with an interest in the project cannot be experts (37号令 第十二条)."
                    )
                    % expert,
                    field="signatures",
                )
    return cleaned


def _save_signatures(step, cleaned: list[dict], by):
    labels = {key: label for action in workflow.SIGNERS.values() for key, label, _n in action}
    labels[workflow.SUBCONTRACTOR_SIGNER[0]] = workflow.SUBCONTRACTOR_SIGNER[1]
    for sig in cleaned:
        detail = " · ".join(x for x in (sig["title"], sig["employer"]) if x)
        signature = WorkSignature(
            step=step,
            role=sig["role"],
            role_label=labels.get(sig["role"], sig["role"]),
            name=sig["name"],
            detail=detail[:120],
            user=by if sig["name"] == by.name else None,
            sha256=hashlib.sha256(sig["png"]).hexdigest(),
        )
        signature.image.save("signature.png", ContentFile(sig["png"]), save=False)
        signature.save()


# --- the lifecycle -------------------------------------------------------------------------------


@transaction.atomic
def work_act(
    *,
    work: DangerousWork,
    by,
    action: str,
    comment: str = "",
    signatures: list[dict] | None = None,
    document: tuple[str, bytes] | None = None,
    document_title: str = "",
    held_on: datetime.date | None = None,
    started_on: datetime.date | None = None,
    posted: bool = False,
    now=None,
) -> DangerousWork:
    """Take one step of the lifecycle (see workflow.py) with what the step must carry."""
    if action not in workflow.ACTION_LABELS:
        raise DomainError(_("Unknown step."), field="action")
    work = _lock(work)
    ctx = workflow_context(work, by)
    if not (workflow.roles_for_action(action) & ctx.roles):
        raise NotAllowed(_("Your role cannot take this step."))
    try:
        target = workflow.next_status(ctx, action)
    except workflow.TransitionNotAllowed:
        raise DomainError(
            _("“%(action)s” is not possible now (status: %(status)s).")
            % {
                "action": workflow.ACTION_LABELS.get(action, action),
                "status": work.status_label,
            }
        ) from None
    comment = (comment or "").strip()
    if action in workflow.COMMENT_REQUIRED and not comment:
        raise DomainError(_("A comment is required."), field="comment")
    now = now or timezone.now()
    today = timezone.localdate(now)
    cleaned = _check_signatures(work, action, signatures or [])
    kind = workflow.DOCUMENTS.get(action)
    if kind and document is None:
        raise DomainError(
            _("Upload the %(document)s.") % {"document": workflow.DOCUMENT_LABELS[kind]},
            field="document",
        )
    if document is not None:
        _check_file(*document)
    if action in workflow.ARGUE_ACTIONS:
        if held_on is None:
            raise DomainError(_("Give the date of the argumentation meeting."), field="held_on")
        if held_on > today:
            raise DomainError(_("The meeting date cannot be in the future."), field="held_on")
        if not comment:
            raise DomainError(_("Write down the experts' opinion."), field="comment")
    if action == workflow.DISCLOSE and not posted:
        raise DomainError(
            _("Confirm that the work is announced on site with warning signs (第十四条)."),
            field="posted",
        )
    if action == workflow.START:
        started_on = started_on or today
        if started_on > today:
            raise DomainError(_("The start date cannot be in the future."), field="started_on")
    previous = work.status
    payload = {}
    if action in workflow.ARGUE_ACTIONS:
        payload["verdict"] = workflow.VERDICT[action]
    step = _step(
        work,
        action,
        by,
        from_status=previous,
        to_status=target,
        comment=comment[:5000],
        **payload,
    )
    _save_signatures(step, cleaned, by)
    doc = None
    if document is not None:
        doc = _store_document(
            work,
            by,
            kind=kind or WorkDocument.Kind.OTHER,
            title=document_title,
            filename=document[0],
            data=document[1],
            step=step,
        )
    fields = {"status", "updated_at"}
    if action == workflow.SUBMIT:
        work.scheme_version = doc.version
        fields.add("scheme_version")
    elif action == workflow.APPROVE_REVIEW and target == workflow.APPROVED:
        work.approved_at = now
        fields.add("approved_at")
    elif action in workflow.ARGUE_ACTIONS:
        verdict = workflow.VERDICT[action]
        Argumentation.objects.create(
            work=work,
            step=step,
            round=work.argumentations.count() + 1,
            held_on=held_on,
            verdict=verdict,
            opinion=comment[:5000],
            experts=[
                {"name": s["name"], "title": s["title"], "employer": s["employer"]}
                for s in cleaned
                if s["role"] == "expert"
            ],
            report=doc,
            scheme_version=work.scheme_version,
        )
        work.argued = verdict != Argumentation.Verdict.FAILED
        fields.add("argued")
        if action == workflow.ARGUE_PASS:
            work.approved_at = now
            fields.add("approved_at")
    elif action == workflow.DISCLOSE:
        # A 未批先干 report is settled once the work is approved and briefed (its step stays in
        # the timeline); it must not come back with a later plan change.
        work.disclosed_at, work.site_started_reported_at = now, None
        fields |= {"disclosed_at", "site_started_reported_at"}
    elif action == workflow.START:
        work.actual_start = work.actual_start or started_on
        fields.add("actual_start")
    elif action == workflow.ACCEPT:
        work.accepted_at = now
        fields.add("accepted_at")
    elif action == workflow.COMPLETE:
        work.completed_at = now
        fields.add("completed_at")
    elif action == workflow.SUSPEND:
        work.resume_to = previous
        fields.add("resume_to")
    elif action == workflow.REPORT_EMERGENCY and previous != workflow.SUSPENDED:
        work.resume_to = previous
        fields.add("resume_to")
    elif action == workflow.CHANGE_PLAN:
        # 第十六条: a changed plan is reviewed again, and argued again when over threshold.
        work.approved_at = work.disclosed_at = work.accepted_at = None
        fields |= {"approved_at", "disclosed_at", "accepted_at"}
        if work.is_over_threshold:
            work.argued = False
            fields.add("argued")
    work.status = target
    work.save(update_fields=sorted(fields))
    _notify_step(work, action, step)
    return work


def _notify_step(work, action, step):
    project = work.project
    contractor = _project_users(project, CONTRACTOR_ROLES)
    engineers = _project_users(project, SUPERVISION_ROLES)
    chief_engineers = _project_users(project, [ProjectRole.CHIEF_ENGINEER]) or engineers
    if action == workflow.APPROVE_INTERNAL:
        users, title = chief_engineers, _("Review the scheme of %(name)s")
    elif action == workflow.APPROVE_REVIEW and work.status == workflow.EXPERT_REVIEW:
        users, title = contractor, _("Organise the expert argumentation of %(name)s")
    elif action in (
        workflow.RETURN_INTERNAL,
        workflow.RETURN_REVIEW,
        workflow.ARGUE_REVISE,
        workflow.ARGUE_FAIL,
        workflow.REJECT_ACCEPTANCE,
        workflow.RESUME,
    ):
        users, title = contractor, _("%(name)s: %(action)s")
    elif action in (workflow.APPROVE_REVIEW, workflow.ARGUE_PASS):
        users, title = contractor + _supervisors(project), _("Scheme approved: %(name)s")
    elif action in (workflow.START, workflow.CHANGE_PLAN):
        users, title = engineers + _supervisors(project), _("%(name)s: %(action)s")
    elif action == workflow.REQUEST_ACCEPTANCE:
        users, title = engineers, _("Acceptance requested: %(name)s")
    elif action == workflow.SUSPEND:
        users, title = contractor + engineers + _supervisors(project), _("%(name)s: %(action)s")
    elif action == workflow.REPORT_EMERGENCY:
        users = contractor + engineers + _supervisors(project, chief=True)
        title = _("Emergency reported at %(name)s")
    else:
        return
    _notify(
        users=[u for u in users if u.pk != getattr(step.actor, "pk", None)],
        title=title % {"name": work.name, "action": workflow.ACTION_LABELS.get(action, action)},
        body=f"{project.name} · {work.number}"
        + (f"：{step.comment[:150]}" if step.comment else ""),
        url=work.get_absolute_url(),
        obj=work,
        kind=f"dangerous_work.{action}",
        key=f"dwork-step-{step.pk}",
    )


@transaction.atomic
def report_site_started(*, work, by, started_on: datetime.date, comment: str) -> DangerousWork:
    """A supervisor or supervising engineer records that work is under way on site although the
    scheme is not approved and briefed (未批先干): the work gets a warning, everyone is told."""
    work = _lock(work)
    roles = roles_for(work, by)
    if not roles & {workflow.ISSUER, workflow.ENGINEER}:
        raise NotAllowed(_("Only the supervisors or supervising engineers may report this."))
    if work.status not in workflow.BEFORE_APPROVAL | {workflow.APPROVED, workflow.PLAN_CHANGE}:
        raise DomainError(_("The work is already approved and briefed."))
    if started_on is None or started_on > timezone.localdate():
        raise DomainError(
            _("Give the day work was seen on site (not in the future)."), field="started_on"
        )
    comment = (comment or "").strip()
    if not comment:
        raise DomainError(_("Describe what was seen on site."), field="comment")
    work.actual_start = started_on
    work.site_started_reported_at = timezone.now()
    work.save(update_fields=["actual_start", "site_started_reported_at", "updated_at"])
    step = _step(
        work, "site_started", by, comment=comment[:2000], started_on=started_on.isoformat()
    )
    _notify(
        users=_project_users(work.project, CONTRACTOR_ROLES | SUPERVISION_ROLES)
        + _supervisors(work.project, chief=True),
        title=_("Work started before approval: %(name)s") % {"name": work.name},
        body=f"{work.project.name} · {comment[:150]}",
        url=work.get_absolute_url(),
        obj=work,
        kind="dangerous_work.site_started",
        key=f"dwork-step-{step.pk}",
    )
    return work


# --- monitoring and patrols ------------------------------------------------------------------------


def _aware(moment):
    """A time without a zone is local time."""
    if moment is not None and timezone.is_naive(moment):
        return timezone.make_aware(moment)
    return moment


def _decimal(value, field, label):
    try:
        number = Decimal(str(value).strip())
    except (InvalidOperation, AttributeError):
        raise DomainError(
            _("%(label)s must be a number.") % {"label": label}, field=field
        ) from None
    if not number.is_finite() or abs(number) >= Decimal("1e9"):
        raise DomainError(_("%(label)s must be a number.") % {"label": label}, field=field)
    return number


@transaction.atomic
def reading_add(
    *,
    work,
    by,
    point: str,
    quantity: str,
    value,
    alarm_value,
    unit: str = "",
    measured_at: datetime.datetime | None = None,
    source: str = MonitoringReading.Source.THIRD_PARTY,
    document: tuple[str, bytes] | None = None,
) -> MonitoringReading:
    """Record a monitoring value; at or over the alarm value (in magnitude) it is an alarm that
    notifies the project and the supervisor at once."""
    work = _lock(work)
    _can_upload(work, by)
    if work.status not in workflow.ON_SITE:
        raise DomainError(_("Monitoring is recorded while the work is on site."))
    point, quantity = (point or "").strip()[:40], (quantity or "").strip()[:60]
    if not point:
        raise DomainError(_("Give the monitoring point."), field="point")
    if not quantity:
        raise DomainError(_("Give the monitored item."), field="quantity")
    value = _decimal(value, "value", _("The value"))
    alarm_value = _decimal(alarm_value, "alarm_value", _("The alarm value"))
    if alarm_value <= 0:
        raise DomainError(_("The alarm value must be greater than 0."), field="alarm_value")
    if source not in MonitoringReading.Source.values:
        raise DomainError(_("Choose who measured."), field="source")
    now = timezone.now()
    measured_at = _aware(measured_at) or now
    if measured_at > now + datetime.timedelta(minutes=5):
        raise DomainError(_("The measuring time cannot be in the future."), field="measured_at")
    is_alarm = abs(value) >= alarm_value
    doc = None
    if document is not None:
        doc = _store_document(
            work,
            by,
            kind=WorkDocument.Kind.MONITORING_REPORT,
            title=f"{point} {quantity} 监测报告",
            filename=document[0],
            data=document[1],
        )
    reading = MonitoringReading.objects.create(
        work=work,
        point=point,
        quantity=quantity,
        value=value,
        unit=(unit or "").strip()[:10],
        alarm_value=alarm_value,
        is_alarm=is_alarm,
        measured_at=measured_at,
        source=source,
        document=doc,
        recorded_by=by,
    )
    if is_alarm:
        step = _step(
            work,
            "alarm",
            by,
            comment=f"{point} {quantity} {value}{reading.unit}（报警值 {alarm_value}{reading.unit}）",
            reading=reading.pk,
        )
        _notify(
            users=_project_users(work.project, CONTRACTOR_ROLES | SUPERVISION_ROLES)
            + _supervisors(work.project),
            title=_("Monitoring alarm at %(name)s") % {"name": work.name},
            body=f"{work.project.name} · {step.comment}",
            url=work.get_absolute_url(),
            obj=work,
            kind="dangerous_work.alarm",
            key=f"dwork-alarm-{reading.pk}",
        )
    return reading


@transaction.atomic
def alarm_handle(*, reading: MonitoringReading, by, handling: str) -> MonitoringReading:
    """Record how an alarm was dealt with; it no longer counts as open."""
    reading = (
        MonitoringReading.objects.select_for_update()
        .select_related("work__project")
        .get(pk=reading.pk)
    )
    _can_upload(reading.work, by)
    if not reading.is_alarm:
        raise DomainError(_("This reading is not an alarm."))
    if reading.handled_at is not None:
        raise DomainError(_("This alarm has already been dealt with."))
    handling = (handling or "").strip()
    if not handling:
        raise DomainError(_("Describe the measures taken."), field="handling")
    reading.handling, reading.handled_by, reading.handled_at = handling[:2000], by, timezone.now()
    reading.save(update_fields=["handling", "handled_by", "handled_at", "updated_at"])
    _step(reading.work, "alarm_handled", by, comment=handling[:2000], reading=reading.pk)
    return reading


@transaction.atomic
def patrol_add(
    *,
    work,
    by,
    party: str,
    result: str,
    notes: str = "",
    patrolled_at: datetime.datetime | None = None,
) -> Patrol:
    """A patrol by the contractor (自查) or the supervising engineers (专项巡视检查)."""
    work = _lock(work)
    roles = roles_for(work, by)
    needed = {
        Patrol.Party.CONTRACTOR: workflow.CONTRACTOR,
        Patrol.Party.SUPERVISION: workflow.ENGINEER,
    }.get(party)
    if needed is None:
        raise DomainError(_("Choose who patrolled."), field="party")
    if needed not in roles:
        raise NotAllowed(_("You can only record patrols of your own unit."))
    if work.status not in workflow.ON_SITE:
        raise DomainError(_("Patrols are recorded while the work is on site."))
    if result not in Patrol.Result.values:
        raise DomainError(_("Choose the result of the patrol."), field="result")
    notes = (notes or "").strip()
    if result == Patrol.Result.ABNORMAL and not notes:
        raise DomainError(_("Describe the problem found."), field="notes")
    now = timezone.now()
    patrolled_at = _aware(patrolled_at) or now
    if patrolled_at > now + datetime.timedelta(minutes=5):
        raise DomainError(_("The patrol time cannot be in the future."), field="patrolled_at")
    patrol = Patrol.objects.create(
        work=work,
        party=party,
        result=result,
        notes=notes[:2000],
        patrolled_at=patrolled_at,
        patrolled_by=by,
    )
    _step(work, "patrol", by, comment=notes[:500], party=party, result=result)
    if result == Patrol.Result.ABNORMAL:
        users = _project_users(work.project, CONTRACTOR_ROLES | SUPERVISION_ROLES)
        _notify(
            users=[u for u in users if u.pk != by.pk],
            title=_("Patrol found a problem at %(name)s") % {"name": work.name},
            body=notes[:200],
            url=work.get_absolute_url(),
            obj=work,
            kind="dangerous_work.patrol",
            key=f"dwork-patrol-{patrol.pk}",
        )
    return patrol


def check_patrols(now=None) -> dict:
    """Notify the project and the supervisor of works under construction whose contractor or
    supervising engineers have not patrolled within the category's interval (once per gap)."""
    from .warnings import missed_patrols

    now = now or timezone.now()
    sent = 0
    for work, party, last in missed_patrols(now):
        label = Patrol.Party(party).label
        key_time = last.isoformat() if last else "never"
        users = _project_users(
            work.project,
            CONTRACTOR_ROLES if party == Patrol.Party.CONTRACTOR else SUPERVISION_ROLES,
        ) + _supervisors(work.project)
        from anjian.notifications.services import notify

        created = notify(
            users=users,
            title=_("Missed patrol: %(party)s at %(name)s") % {"party": label, "name": work.name},
            body=_("Last patrol: %(last)s.")
            % {"last": timezone.localtime(last).strftime("%Y-%m-%d %H:%M") if last else "—"},
            url=work.get_absolute_url(),
            obj=work,
            kind="dangerous_work.patrol_missed",
            key=f"dwork-patrol-missed-{work.pk}-{party}-{key_time}",
        )
        if created:
            sent += 1
            _step(work, "patrol_missed", None, party=party, last=key_time)
    return {"missed_patrols": sent}


# --- supervisor checks -----------------------------------------------------------------------


def suggested_clauses(work: DangerousWork) -> list[tuple[int, int]]:
    """The 2024 major-hazard clauses (article, item) the work's state suggests for a finding."""
    from .warnings import warnings_for

    keys = {w.key for w in warnings_for(work)}
    clauses = []
    if "argument_missing" in keys or "started_before_approval" in keys:
        clauses.append((4, 4))  # 4④ scheme missing, not reviewed, or not argued
    if "acceptance_overdue" in keys or (
        work.needs_acceptance and work.accepted_at is None and work.status == workflow.IN_PROGRESS
    ):
        clauses.append((4, 5))  # 4⑤ used or next process before acceptance
    if work.category == "PIT" and work.is_over_threshold and "monitoring_missing" in keys:
        clauses.append((5, 3))  # 5③ no third-party monitoring of a deep excavation
    if not clauses:
        clauses.append((4, 4))
    return clauses


__all__ = [
    "alarm_handle",
    "allowed_actions",
    "check_patrols",
    "classify",
    "document_upload",
    "patrol_add",
    "reading_add",
    "report_site_started",
    "roles_for",
    "seed_threshold_rules",
    "suggested_clauses",
    "work_act",
    "work_register",
    "work_update",
]
