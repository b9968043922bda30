"""One dangerous work: register and edit, its page (steps, documents, argumentations,
monitoring, patrols, linked hazards), the step and record POSTs, file and signature downloads.

Every POST calls one service; a DomainError re-renders the page (or form) with the message at
its field and what was typed kept, a refusal (NotAllowed) is a 403. The role checks here only
decide which forms to show and refuse early; the services decide.
"""

from dataclasses import dataclass, field

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from anjian.core.errors import DomainError
from anjian.inspections.models import Inspection
from anjian.projects.choices import ProjectRole
from anjian.projects.models import ProjectMember
from anjian.projects.selectors import project_for_user

from .. import selectors, thresholds, workflow
from .. import services as svc
from .. import warnings as warn
from ..forms import (
    AlarmHandleForm,
    DocumentForm,
    PatrolForm,
    ReadingForm,
    SiteStartedForm,
    StepForm,
    WorkForm,
    signatures_from,
)
from ..models import DangerousWork, Patrol, WorkSignature

DETAIL = "dangerous_works/detail.html"
FORM = "dangerous_works/form.html"

# The fields of a step form an error can point at; anything else shows above the form.
STEP_FIELDS = ("comment", "document", "held_on", "started_on", "posted", "signatures")
# Signature errors from the image decoder name the field "image".
STEP_FIELD_ALIASES = {"image": "signatures"}
POSITIVE = {
    workflow.APPROVE_INTERNAL,
    workflow.APPROVE_REVIEW,
    workflow.ARGUE_PASS,
    workflow.ACCEPT,
    workflow.COMPLETE,
    workflow.RESUME,
}
NEGATIVE = {
    workflow.RETURN_INTERNAL,
    workflow.RETURN_REVIEW,
    workflow.ARGUE_FAIL,
    workflow.REJECT_ACCEPTANCE,
    workflow.SUSPEND,
    workflow.REPORT_EMERGENCY,
    workflow.CANCEL,
}
ALARMING_STEPS = {"alarm", "site_started", "patrol_missed", *NEGATIVE}
# Where a signer's name is prefilled from: the acting user when they hold the project role,
# else the first register field that names someone, else the project's key person.
SIGNER_SOURCES = {
    "chief_engineer": (ProjectRole.CHIEF_ENGINEER, ()),
    "safety_officer": (ProjectRole.SAFETY_OFFICER, ("safety_officer",)),
    "tech_lead": (ProjectRole.TECH_LEAD, ("tech_lead",)),
    "discloser": (ProjectRole.TECH_LEAD, ("scheme_author", "tech_lead")),
    "recipient": (None, ("site_manager",)),
}


# --- what the page shows -------------------------------------------------------------------------


@dataclass
class Abilities:
    """Which forms the page shows this user (the services check again on POST)."""

    site: bool = False  # the contractor's site team or the supervising engineers
    edit: bool = False
    upload: bool = False
    monitor: bool = False
    patrol_parties: tuple[str, ...] = ()
    report_started: bool = False


def _abilities(work: DangerousWork, roles: frozenset[str]) -> Abilities:
    site = bool(roles & {workflow.CONTRACTOR, workflow.ENGINEER})
    on_site = work.status in workflow.ON_SITE
    parties = []
    if on_site and workflow.CONTRACTOR in roles:
        parties.append(Patrol.Party.CONTRACTOR.value)
    if on_site and workflow.ENGINEER in roles:
        parties.append(Patrol.Party.SUPERVISION.value)
    return Abilities(
        site=site,
        edit=workflow.CONTRACTOR in roles and work.status in workflow.EDITABLE,
        upload=site and work.status not in workflow.CLOSED,
        monitor=site and on_site,
        patrol_parties=tuple(parties),
        report_started=bool(roles & {workflow.ISSUER, workflow.ENGINEER})
        and work.status in warn.EARLY,
    )


@dataclass
class SignerGroup:
    """One signer role of a step: its label, how many must sign, the rows shown."""

    role: str
    label: str
    minimum: int
    rows: list[dict]

    @property
    def is_expert(self) -> bool:
        return self.role == "expert"


@dataclass
class StepPanel:
    """One action the user may take now, with what its form must carry."""

    action: str
    label: str
    comment_required: bool
    document_label: str
    signers: list[SignerGroup]
    values: dict = field(default_factory=dict)
    errors: dict = field(default_factory=dict)
    failed: bool = False

    @property
    def is_argumentation(self) -> bool:
        return self.action in workflow.ARGUE_ACTIONS

    @property
    def is_start(self) -> bool:
        return self.action == workflow.START

    @property
    def is_disclose(self) -> bool:
        return self.action == workflow.DISCLOSE

    @property
    def style(self) -> str:
        if self.action in POSITIVE:
            return "success"
        if self.action in NEGATIVE:
            return "outline-danger"
        return "primary"

    @property
    def comment_label(self) -> str:
        return _("Experts' opinion") if self.is_argumentation else _("Comment")


@dataclass
class FailedStep:
    action: str
    values: dict
    errors: dict
    rows: list[dict]


def _signer_defaults(work, user, members) -> dict[str, str]:
    """The name to prefill for each signer role (see SIGNER_SOURCES); always editable."""
    key_people: dict[str, str] = {}
    for role, name, _user_id in members:
        key_people.setdefault(role, name)
    own_roles = {role for role, _name, user_id in members if user_id == user.pk}
    defaults = {}
    for signer, (member_role, fields) in SIGNER_SOURCES.items():
        named = [getattr(work, name) for name in fields if getattr(work, name)]
        if member_role and member_role in own_roles:
            defaults[signer] = user.name
        elif named:
            defaults[signer] = named[0]
        else:
            defaults[signer] = key_people.get(member_role, "")
    return defaults


def _required_signers(work, action):
    required = list(workflow.SIGNERS.get(action, ()))
    if action == workflow.APPROVE_INTERNAL and work.subcontractor_id:
        required.append(workflow.SUBCONTRACTOR_SIGNER)
    return required


def _signer_groups(work, action, defaults, posted_rows=None) -> list[SignerGroup]:
    groups = []
    for role, label, minimum in _required_signers(work, action):
        typed = [row for row in posted_rows or [] if row.get("role") == role]
        if typed:
            rows = typed
        else:
            name = "" if role == "expert" else defaults.get(role, "")
            rows = [{"role": role, "name": name} for _i in range(minimum)]
        while len(rows) < minimum:
            rows.append({"role": role, "name": ""})
        groups.append(SignerGroup(role=role, label=label, minimum=minimum, rows=rows))
    return groups


def _panels(work, user, actions, failed: FailedStep | None) -> list[StepPanel]:
    defaults = {}
    if any(_required_signers(work, action) for action in actions):
        members = ProjectMember.objects.filter(project_id=work.project_id, is_active=True)
        defaults = _signer_defaults(work, user, list(members.values_list("role", "name", "user")))
    today = timezone.localdate().isoformat()
    panels = []
    for action in actions:
        mine = failed if failed is not None and failed.action == action else None
        kind = workflow.DOCUMENTS.get(action, "")
        panels.append(
            StepPanel(
                action=action,
                label=workflow.ACTION_LABELS[action],
                comment_required=action in workflow.COMMENT_REQUIRED
                or action in workflow.ARGUE_ACTIONS,
                document_label=workflow.DOCUMENT_LABELS.get(kind, ""),
                signers=_signer_groups(work, action, defaults, mine.rows if mine else None),
                values=mine.values if mine else {"held_on": today, "started_on": today},
                errors=mine.errors if mine else {},
                failed=mine is not None,
            )
        )
    return panels


def _timeline(work, user) -> list:
    steps = selectors.timeline(work)
    # A supervision inspection's finding shows only to those who may see the inspection (a
    # company sees a supervision record once it is finished).
    inspected = {s.payload.get("inspection") for s in steps if s.action == "inspected"}
    if inspected:
        visible = set(
            Inspection.objects.visible_to(user)
            .filter(pk__in=inspected)
            .values_list("pk", flat=True)
        )
        steps = [
            s for s in steps if s.action != "inspected" or s.payload.get("inspection") in visible
        ]
    for step in steps:
        if step.action in ALARMING_STEPS:
            step.colour = "danger"
        elif step.action in POSITIVE:
            step.colour = "success"
        elif step.to_status:
            step.colour = "primary"
        else:
            step.colour = "secondary"
        step.from_label = workflow.STATUS_LABELS.get(step.from_status, "")
        step.to_label = workflow.STATUS_LABELS.get(step.to_status, "")
        if step.action in ("registered", "edited") and step.payload.get("level"):
            step.level_label = thresholds.LEVEL_LABELS.get(step.payload["level"], "")
        party = step.payload.get("party")
        if party in Patrol.Party.values:
            step.party_label = Patrol.Party(party).label
        result = step.payload.get("result")
        if result in Patrol.Result.values:
            step.result_label = Patrol.Result(result).label
    return steps


def _warnings(work) -> list:
    """The work's warnings from one annotated query (not four)."""
    row = (
        warn.annotate(DangerousWork.objects.filter(pk=work.pk))
        .values(
            "has_open_alarm",
            "has_recent_monitoring",
            "last_contractor_patrol",
            "last_supervision_patrol",
        )
        .first()
    )
    for key, value in (row or {}).items():
        setattr(work, key, value)
    return warn.warnings_for(work)


def _detail_context(request, work, *, failed: FailedStep | None = None, **forms) -> dict:
    user = request.user
    roles = svc.roles_for(work, user)
    actions = workflow.allowed_actions(svc.workflow_context(work, roles=roles))
    can = _abilities(work, roles)
    readings = list(work.readings.select_related("recorded_by", "handled_by", "document")[:200])
    alarm_failed = forms.pop("alarm_form", None)
    open_panel = forms.pop("open_panel", "")
    for reading in readings:
        reading.value_text = _number(reading.value)
        reading.alarm_text = _number(reading.alarm_value)
        if alarm_failed is not None and alarm_failed.reading_pk == reading.pk:
            reading.handle_form = alarm_failed
            reading.panel_open = True
        else:
            reading.handle_form = AlarmHandleForm(prefix=f"r{reading.pk}")
    now = timezone.localtime().replace(second=0, microsecond=0)
    context = {
        "work": work,
        "project": work.project,
        "category_label": thresholds.CATEGORIES.get(work.category, work.category),
        "warnings": _warnings(work),
        "can": can,
        "panels": _panels(work, user, actions, failed),
        "steps": _timeline(work, user),
        "documents": list(selectors.documents(work)),
        "argumentations": list(work.argumentations.select_related("report")),
        "readings": readings,
        "patrols": list(work.patrols.select_related("patrolled_by")[:200]),
        "hazards": list(work.hazards.order_by("-found_at", "-id")),
        "findings": list(
            work.findings.filter(
                inspection__in=Inspection.objects.visible_to(user), hazard__isnull=True
            )
            .select_related("inspection")
            .order_by("-id")
        ),
        "open_panel": open_panel,
        "document_form": DocumentForm(),
        "reading_form": ReadingForm(initial={"measured_at": now}),
        "patrol_form": PatrolForm(parties=can.patrol_parties, initial={"patrolled_at": now}),
        "site_form": SiteStartedForm(initial={"started_on": timezone.localdate()}),
    }
    context.update(forms)
    return context


def _number(value) -> str:
    """A Decimal without trailing zeros or exponent: 30.000 → 30, 2.50 → 2.5."""
    return format(value.normalize(), "f")


def _detail(request, work, status=200, **extra):
    return render(request, DETAIL, _detail_context(request, work, **extra), status=status)


def _refuse_if_forbidden(error: DomainError):
    if error.status_code == 403:
        raise PermissionDenied(str(error.message)) from None


def _form_error(form, error: DomainError, aliases=None):
    """Put a service's message on the form field it names (or above the form)."""
    name = (aliases or {}).get(error.field, error.field)
    form.add_error(name if name in form.fields else None, str(error.message))


# --- register and edit ---------------------------------------------------------------------------


def _work_form_page(request, form, project, work=None, status=200):
    return render(
        request,
        FORM,
        {"form": form, "project": project, "work": work},
        status=status,
    )


def _save_work(form, save):
    """Run `save(data)`; on a domain error put the message on its field and return None."""
    if not form.is_valid():
        return None
    try:
        return save(form.data_for_service())
    except DomainError as error:
        _refuse_if_forbidden(error)
        if error.field == "params":
            form.params_error = str(error.message)
            form.add_error(None, str(error.message))
        else:
            _form_error(form, error)
    return None


@login_required
@require_http_methods(["GET", "POST"])
def register(request, pk):
    """Put a dangerous work on the project's list, with its level shown live as it is typed."""
    project = project_for_user(request.user, pk)
    if not svc.can_register(project, request.user):
        raise PermissionDenied
    if request.method != "POST":
        return _work_form_page(request, WorkForm(project=project), project)
    form = WorkForm(request.POST, project=project)
    work = _save_work(
        form,
        lambda data: svc.work_register(project=project, by=request.user, data=data),
    )
    if work is not None:
        messages.success(
            request,
            _("Registered %(number)s: %(level)s.")
            % {"number": work.number, "level": thresholds.LEVEL_LABELS[work.level]},
        )
        return redirect(work)
    return _work_form_page(request, form, project, status=400)


@login_required
@require_http_methods(["GET", "POST"])
def edit(request, pk):
    """Change the register entry (and so the level) while the scheme is written or revised."""
    work = selectors.work_for_user(request.user, pk)
    if workflow.CONTRACTOR not in svc.roles_for(work, request.user):
        raise PermissionDenied
    if work.status not in workflow.EDITABLE:
        messages.error(
            request,
            _("The parameters can only change while the scheme is written or revised.")
            + f"（{work.status_label}）",
        )
        return redirect(work)
    project = work.project
    if request.method != "POST":
        form = WorkForm(initial=WorkForm.initial_for(work), project=project, editing=True)
        return _work_form_page(request, form, project, work)
    form = WorkForm(request.POST, project=project, editing=True)
    saved = _save_work(form, lambda data: svc.work_update(work=work, by=request.user, data=data))
    if saved is not None:
        messages.success(request, _("The register entry has been saved."))
        return redirect(saved)
    return _work_form_page(request, form, project, work, status=400)


# --- the page and its lifecycle steps ------------------------------------------------------------


@login_required
@require_GET
def detail(request, pk):
    """One dangerous work: level and reasons, warnings, the steps the user may take, the
    timeline with signatures and documents, argumentations, monitoring, patrols, hazards."""
    work = selectors.work_for_user(request.user, pk)
    return _detail(request, work)


@login_required
@require_POST
def act(request, pk, action):
    """Take one lifecycle step with its comment, document, dates and signatures."""
    work = selectors.work_for_user(request.user, pk)
    if action not in workflow.ACTION_LABELS:
        raise Http404
    if not workflow.roles_for_action(action) & svc.roles_for(work, request.user):
        raise PermissionDenied
    form = StepForm(request.POST, request.FILES)
    rows = signatures_from(request.POST)
    errors: dict[str, str] = {}
    if form.is_valid():
        data = form.cleaned_data
        try:
            svc.work_act(
                work=work,
                by=request.user,
                action=action,
                comment=data["comment"],
                signatures=rows,
                document=form.document_tuple(),
                document_title=data["document_title"],
                held_on=data["held_on"],
                started_on=data["started_on"],
                posted=data["posted"],
            )
        except DomainError as error:
            _refuse_if_forbidden(error)
            name = STEP_FIELD_ALIASES.get(error.field, error.field)
            errors[name if name in STEP_FIELDS else "form"] = str(error.message)
        else:
            messages.success(
                request, _("Done: %(action)s.") % {"action": workflow.ACTION_LABELS[action]}
            )
            return redirect(work)
    else:
        for name, messages_ in form.errors.items():
            errors[name if name in STEP_FIELDS else "form"] = " ".join(messages_)
    values = {
        "comment": request.POST.get("comment", ""),
        "document_title": request.POST.get("document_title", ""),
        "held_on": request.POST.get("held_on", ""),
        "started_on": request.POST.get("started_on", ""),
        "posted": bool(request.POST.get("posted")),
    }
    if action not in svc.allowed_actions(work, request.user):
        # The step is no longer offered (someone else moved the work on): say why on top.
        messages.error(request, " ".join(errors.values()))
    failed = FailedStep(action=action, values=values, errors=errors, rows=rows)
    return _detail(request, work, status=400, failed=failed)


# --- documents, monitoring, patrols, 未批先干 ------------------------------------------------------


def _file(upload):
    if not upload:
        return None
    return upload.name, upload.read(svc.MAX_DOCUMENT_BYTES + 1)


def _record(request, work, form, call, done, *, panel, form_key, aliases=None):
    """Run a record service from a valid form and go back to the page; on an error re-render
    the page with this form open, its message at the field and the typed values kept."""
    if form.is_valid():
        try:
            call(form.cleaned_data)
        except DomainError as error:
            _refuse_if_forbidden(error)
            _form_error(form, error, aliases)
        else:
            messages.success(request, done)
            return redirect(work)
    return _detail(request, work, status=400, open_panel=panel, **{form_key: form})


@login_required
@require_POST
def document_upload(request, pk):
    """Attach a monitoring plan or report, a patrol record or another document."""
    work = selectors.work_for_user(request.user, pk)
    if not _abilities(work, svc.roles_for(work, request.user)).site:
        raise PermissionDenied
    form = DocumentForm(request.POST, request.FILES)

    def call(data):
        filename, content = _file(data["file"])
        svc.document_upload(
            work=work,
            by=request.user,
            kind=data["kind"],
            title=data["title"],
            filename=filename,
            data=content,
        )

    return _record(
        request,
        work,
        form,
        call,
        _("The document has been uploaded."),
        panel="upload",
        form_key="document_form",
        aliases={"document": "file"},
    )


@login_required
@require_POST
def reading_add(request, pk):
    """Record a monitoring value; at or over its alarm value it raises an alarm."""
    work = selectors.work_for_user(request.user, pk)
    if not _abilities(work, svc.roles_for(work, request.user)).site:
        raise PermissionDenied
    form = ReadingForm(request.POST, request.FILES)

    def call(data):
        reading = svc.reading_add(
            work=work,
            by=request.user,
            point=data["point"],
            quantity=data["quantity"],
            value=data["value"],
            alarm_value=data["alarm_value"],
            unit=data["unit"],
            measured_at=data["measured_at"],
            source=data["source"],
            document=_file(data["report"]),
        )
        if reading.is_alarm:
            messages.warning(
                request,
                _(
                    "Alarm: %(point)s reached its alarm value; the project and the supervisor "
                    "have been notified."
                )
                % {"point": f"{reading.point} {reading.quantity}"},
            )

    return _record(
        request,
        work,
        form,
        call,
        _("The reading has been recorded."),
        panel="reading",
        form_key="reading_form",
        aliases={"document": "report"},
    )


@login_required
@require_POST
def alarm_handle(request, pk):
    """Record how a monitoring alarm was dealt with."""
    reading = selectors.reading_for_user(request.user, pk)
    work = selectors.work_for_user(request.user, reading.work_id)
    if not _abilities(work, svc.roles_for(work, request.user)).site:
        raise PermissionDenied
    form = AlarmHandleForm(request.POST, prefix=f"r{reading.pk}")
    form.reading_pk = reading.pk
    return _record(
        request,
        work,
        form,
        lambda data: svc.alarm_handle(reading=reading, by=request.user, handling=data["handling"]),
        _("The alarm has been dealt with."),
        panel=f"alarm-{reading.pk}",
        form_key="alarm_form",
    )


@login_required
@require_POST
def patrol_add(request, pk):
    """A patrol by the contractor (自查) or the supervising engineers (专项巡视)."""
    work = selectors.work_for_user(request.user, pk)
    can = _abilities(work, svc.roles_for(work, request.user))
    if not can.site:
        raise PermissionDenied
    form = PatrolForm(request.POST, parties=can.patrol_parties)
    return _record(
        request,
        work,
        form,
        lambda data: svc.patrol_add(
            work=work,
            by=request.user,
            party=data["party"],
            result=data["result"],
            notes=data["notes"],
            patrolled_at=data["patrolled_at"],
        ),
        _("The patrol has been recorded."),
        panel="patrol",
        form_key="patrol_form",
    )


@login_required
@require_POST
def site_started(request, pk):
    """A supervisor or supervising engineer reports work on site before approval (未批先干)."""
    work = selectors.work_for_user(request.user, pk)
    if not svc.roles_for(work, request.user) & {workflow.ISSUER, workflow.ENGINEER}:
        raise PermissionDenied
    form = SiteStartedForm(request.POST)
    return _record(
        request,
        work,
        form,
        lambda data: svc.report_site_started(
            work=work, by=request.user, started_on=data["started_on"], comment=data["comment"]
        ),
        _("Recorded: work started on site before approval."),
        panel="site-started",
        form_key="site_form",
    )


# --- files -----------------------------------------------------------------------------------------


@login_required
@require_GET
def document(request, pk):
    """A document of a work the user may see, with its original file name."""
    doc = selectors.document_for_user(request.user, pk)
    try:
        handle = doc.file.open("rb")
    except FileNotFoundError:
        raise Http404 from None
    response = FileResponse(
        handle,
        as_attachment=True,
        filename=doc.filename,
        content_type=doc.content_type or None,
    )
    response["Cache-Control"] = "private, max-age=3600"
    return response


@login_required
@require_GET
def signature_image(request, pk):
    """A drawn signature (PNG) of a step of a work the user may see."""
    signature = get_object_or_404(
        WorkSignature.objects.filter(step__work__in=selectors.works_visible_to(request.user)),
        pk=pk,
    )
    try:
        handle = signature.image.open("rb")
    except FileNotFoundError:
        raise Http404 from None
    response = FileResponse(handle, content_type="image/png")
    response["Cache-Control"] = "private, max-age=86400"
    return response
