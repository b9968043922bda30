"""危大工程 API: the register with the district view's filters and warnings, one work with its
timeline, documents, monitoring readings and patrols, one endpoint for every lifecycle step,
the classifier, and the editable threshold table and category requirements.

Visibility is the pages': a work is visible when its project is (otherwise 404). Who may do
what is decided by the services (403 for a refused role, 400 for a business rule); where the
API has to read or decode input before calling a service it checks the caller's role first,
so that a refused caller always gets 403 rather than a complaint about the input.
"""

import base64
import binascii
import datetime
from decimal import Decimal
from typing import Any

from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, File, Form, Query, Router, Schema, Status, UploadedFile
from ninja.pagination import PageNumberPagination, paginate

from anjian.accounts.models import Organization
from anjian.core.errors import DomainError
from anjian.core.errors import PermissionDenied as NotAllowed
from anjian.projects.models import Project

from . import rules, thresholds, workflow
from . import services as svc
from .models import CategorySetting, DangerousWork, ThresholdRule, WorkDocument
from .selectors import (
    DEFAULT_SORT,
    SORTS,
    WorkFilters,
    documents,
    reading_for_user,
    timeline,
    with_warnings,
    work_for_user,
    works,
)
from .warnings import LABELS as WARNING_LABELS
from .warnings import warnings_for

router = Router(tags=["dangerous-works"])

# A JSON body carries a document as base64 (4 characters for every 3 bytes).
MAX_BASE64_CHARS = (svc.MAX_DOCUMENT_BYTES + 2) // 3 * 4


# --- output -----------------------------------------------------------------------------------


class WarningOut(Schema):
    key: str = Field(..., description=" | ".join(WARNING_LABELS))
    label: str
    detail: str


class WorkOut(Schema):
    id: int
    number: str
    name: str
    project_id: int
    project_name: str = Field(..., alias="project.name")
    category: str
    category_label: str = Field(..., alias="get_category_display")
    subtype: str
    subtype_label: str
    level: str = Field(..., description="danger（危大工程）| super（超过一定规模）")
    level_label: str = Field(..., alias="get_level_display")
    level_reasons: list[str] = Field(..., description="The threshold rules that set the level")
    status: str
    status_label: str
    location: str
    planned_start: datetime.date | None
    planned_end: datetime.date | None
    actual_start: datetime.date | None
    needs_acceptance: bool
    needs_monitoring: bool
    argued: bool = Field(..., description="A passed argumentation that still counts")
    approved_at: datetime.datetime | None
    accepted_at: datetime.datetime | None
    completed_at: datetime.datetime | None
    warnings: list[WarningOut] = []

    @staticmethod
    def resolve_warnings(obj):
        found = getattr(obj, "warnings", None)
        return warnings_for(obj) if found is None else found


class ParamRowOut(Schema):
    label: str
    value: str


class ArgumentationOut(Schema):
    round: int
    held_on: datetime.date
    verdict: str = Field(..., description="passed（通过）| revise（修改后通过）| failed（不通过）")
    verdict_label: str = Field(..., alias="get_verdict_display")
    opinion: str
    experts: list[dict] = Field(..., description="[{name, title, employer}]")
    report_id: int
    scheme_version: int


class WorkDetailOut(WorkOut):
    params: dict[str, Any] = Field(..., description="Parameters by key, e.g. excavation_depth")
    param_rows: list[ParamRowOut] = Field([], description="The parameters, labelled, with units")
    scheme_author: str
    tech_lead: str
    safety_officer: str
    site_manager: str
    supervising_engineer: str
    subcontractor_id: int | None
    subcontractor_name: str | None = None
    scheme_version: int
    disclosed_at: datetime.datetime | None
    site_started_reported_at: datetime.datetime | None
    created_at: datetime.datetime
    allowed_actions: list[str] = Field(
        [], description="The lifecycle steps the caller may take now (POST …/steps/{action})"
    )
    argumentations: list[ArgumentationOut] = []

    @staticmethod
    def resolve_param_rows(obj):
        return [{"label": label, "value": value} for label, value in obj.param_rows()]

    @staticmethod
    def resolve_subcontractor_name(obj):
        return obj.subcontractor.name if obj.subcontractor_id else None

    @staticmethod
    def resolve_allowed_actions(obj, context):
        return svc.allowed_actions(obj, context["request"].auth)

    @staticmethod
    def resolve_argumentations(obj):
        return list(obj.argumentations.all())


class SignatureOut(Schema):
    id: int
    role: str
    role_label: str
    name: str
    detail: str = Field(..., description="An expert's title and employer")
    url: str = ""

    @staticmethod
    def resolve_url(obj):
        return reverse("dangerous_works:signature", args=[obj.pk])


class StepOut(Schema):
    id: int
    action: str
    label: str
    from_status: str
    to_status: str
    actor_id: int | None
    at: datetime.datetime
    comment: str
    payload: dict
    signatures: list[SignatureOut] = []
    document_ids: list[int] = []

    @staticmethod
    def resolve_signatures(obj):
        return list(obj.signatures.all())

    @staticmethod
    def resolve_document_ids(obj):
        return [doc.pk for doc in obj.documents.all()]


class DocumentOut(Schema):
    id: int
    kind: str
    kind_label: str = Field(..., alias="get_kind_display")
    title: str
    filename: str
    size: int
    sha256: str
    version: int
    step_id: int | None
    uploaded_by_id: int
    created_at: datetime.datetime
    url: str = Field("", description="Download (the page URL, same visibility)")

    @staticmethod
    def resolve_url(obj):
        return reverse("dangerous_works:document", args=[obj.pk])


class ReadingOut(Schema):
    id: int
    work_id: int
    point: str
    quantity: str
    value: float
    unit: str
    alarm_value: float
    is_alarm: bool
    open_alarm: bool
    measured_at: datetime.datetime
    source: str
    source_label: str = Field(..., alias="get_source_display")
    document_id: int | None
    recorded_by_id: int
    handled_at: datetime.datetime | None
    handled_by_id: int | None
    handling: str


class PatrolOut(Schema):
    id: int
    work_id: int
    party: str
    party_label: str = Field(..., alias="get_party_display")
    result: str
    result_label: str = Field(..., alias="get_result_display")
    notes: str
    patrolled_at: datetime.datetime
    patrolled_by_id: int


class ClassifyOut(Schema):
    level: str = Field(..., description="danger | super | none")
    level_label: str
    reasons: list[str]
    needs_expert_review: bool
    params: dict[str, Any] = Field(..., description="The parameters as they would be stored")


class ThresholdRuleOut(Schema):
    id: int
    category: str
    category_label: str = Field(..., alias="get_category_display")
    subtype: str
    subtype_label: str
    level: str
    level_label: str = Field(..., alias="get_level_display")
    param: str
    param_label: str = ""
    op: str
    threshold: float
    unit: str
    is_active: bool
    text: str = ""

    @staticmethod
    def resolve_param_label(obj):
        return thresholds.PARAMETERS.get(obj.param, (obj.param, ""))[0]

    @staticmethod
    def resolve_text(obj):
        return obj.as_rule().text


class CategorySettingOut(Schema):
    category: str
    category_label: str = Field(..., alias="get_category_display")
    needs_acceptance: bool
    monitoring: str = Field(..., description="'' (not required) | danger | super")
    monitoring_label: str = Field(..., alias="get_monitoring_display")
    patrol_hours: int


# --- input ------------------------------------------------------------------------------------


class WorkQuery(Schema):
    q: str = Field("", description="Name, number, project or place on site")
    project: int | None = None
    street: int | None = None
    status: str = ""
    category: str = ""
    level: str = Field("", description="danger | super")
    warning: str = Field("", description="any | " + " | ".join(WARNING_LABELS))
    on_site: bool = Field(False, description="在施: briefed, building, acceptance, stopped")
    open: bool = Field(False, description="Not completed or cancelled")
    sort: str = Field(
        DEFAULT_SORT, description="One of " + ", ".join(SORTS) + "; prefix '-' to reverse"
    )


class WorkIn(Schema):
    name: str
    subtype: str = Field(..., description="category:sub-type, e.g. PIT:excavation")
    params: dict[str, Any] = Field(
        {}, description='e.g. {"excavation_depth": 5.5}; see GET /threshold-rules'
    )
    location: str = Field(..., description="Place on site")
    planned_start: datetime.date | None = None
    planned_end: datetime.date | None = None
    scheme_author: str = ""
    tech_lead: str = ""
    safety_officer: str = ""
    site_manager: str = ""
    supervising_engineer: str = ""
    subcontractor_id: int | None = Field(
        None, description="A participating unit that wrote the scheme (it then signs too)"
    )
    needs_acceptance: bool | None = Field(None, description="Default: the category's setting")
    needs_monitoring: bool | None = Field(None, description="Default: the category's setting")


class RegisterIn(WorkIn):
    project_id: int


class SignatureIn(Schema):
    role: str = Field(..., description="See the step's signers")
    name: str
    title: str = ""
    employer: str = Field("", description="Required for experts; not a unit of the project")
    image: str = Field(..., description="PNG as a data URL or base64")


class DocumentIn(Schema):
    filename: str = Field(..., description="With its extension: pdf, doc(x), xls(x), jpg, png…")
    content_base64: str = Field(..., description="The file's bytes in base64 (or a data URL)")


class StepIn(Schema):
    comment: str = ""
    signatures: list[SignatureIn] = []
    document: DocumentIn | None = None
    document_title: str = ""
    held_on: datetime.date | None = Field(None, description="Argumentation meeting date")
    started_on: datetime.date | None = Field(None, description="start: default today")
    posted: bool = Field(False, description="disclose: announced on site with warning signs")


class ReadingIn(Schema):
    point: str
    quantity: str = Field(..., description="The monitored item, e.g. 支护桩顶水平位移")
    value: Decimal
    unit: str = ""
    alarm_value: Decimal = Field(..., description="At or over it (in magnitude) is an alarm")
    measured_at: datetime.datetime | None = Field(None, description="Default: now")
    source: str = Field("third_party", description="third_party | contractor")
    document: DocumentIn | None = Field(None, description="The monitoring report, optional")


class HandleIn(Schema):
    handling: str = Field(..., description="The measures taken")


class PatrolIn(Schema):
    party: str = Field(..., description="contractor | supervision")
    result: str = Field(..., description="normal | abnormal (then notes are required)")
    notes: str = ""
    patrolled_at: datetime.datetime | None = Field(None, description="Default: now")


class SiteStartedIn(Schema):
    started_on: datetime.date | None = Field(None, description="The day work was seen on site")
    comment: str = Field("", description="What was seen (required)")


class ClassifyIn(Schema):
    subtype: str = Field(..., description="category:sub-type, e.g. PIT:excavation")
    params: dict[str, Any] = {}


class ThresholdIn(Schema):
    threshold: Decimal | None = None
    is_active: bool | None = None


class CategoryIn(Schema):
    needs_acceptance: bool
    monitoring: str = Field("", description="'' | danger | super")
    patrol_hours: int = Field(24, description="1–720")


# --- helpers ----------------------------------------------------------------------------------


class WorkPagination(PageNumberPagination):
    """Page numbers, with each page's works given their warnings in one pass."""

    def paginate_queryset(self, queryset, pagination, request, **params):
        page = super().paginate_queryset(queryset, pagination, request, **params)
        page[self.items_attribute] = with_warnings(page[self.items_attribute])
        return page


def _work(request, work_id: int) -> DangerousWork:
    """The work if the caller may see its project (else 404)."""
    return work_for_user(request.auth, work_id)


def _require(work, user, roles: set[str], message: str):
    """Refuse (403) before reading the input when the caller holds none of `roles`."""
    if not svc.roles_for(work, user) & roles:
        raise NotAllowed(message)


def _aware(value: datetime.datetime | None, field: str) -> datetime.datetime | None:
    """A client's time in the local time zone when it has none; absurd years are refused
    (they would overflow when converted for the database)."""
    if value is None:
        return None
    if value.year < 2000 or value.year > 9000:
        raise DomainError(_("Give a date and time after the year 2000."), field=field)
    return timezone.make_aware(value) if timezone.is_naive(value) else value


def _decode(document: DocumentIn) -> tuple[str, bytes]:
    """(filename, bytes) from a base64 document; a bad encoding is a 400 with a message."""
    raw = (document.content_base64 or "").strip()
    if raw.startswith("data:"):
        _header, _sep, raw = raw.partition(",")
    raw = "".join(raw.split())
    if len(raw) > MAX_BASE64_CHARS:
        raise DomainError(_("The file is larger than 20 MB."), field="document")
    try:
        data = base64.b64decode(raw, validate=True)
    except (binascii.Error, ValueError):
        raise DomainError(
            _("The document could not be read: its content is not valid base64."),
            field="document",
        ) from None
    filename = (document.filename or "").replace("\\", "/").rsplit("/", 1)[-1].strip()
    return filename[-200:], data


def _work_data(payload: WorkIn) -> dict:
    data = payload.dict(exclude={"subcontractor_id", "needs_acceptance", "needs_monitoring"})
    data.pop("project_id", None)
    data["subcontractor"] = None
    if payload.subcontractor_id is not None:
        data["subcontractor"] = Organization.objects.filter(pk=payload.subcontractor_id).first()
        if data["subcontractor"] is None:
            raise DomainError(
                _("The subcontractor must be one of the project's participating units."),
                field="subcontractor",
            )
    for flag in ("needs_acceptance", "needs_monitoring"):
        if getattr(payload, flag) is not None:
            data[flag] = getattr(payload, flag)
    return data


def _split_subtype(value: str) -> tuple[str, str]:
    category, _sep, subtype = (value or "").strip().partition(":")
    return category, subtype


def _steps_description() -> str:
    lines = [
        "Take one step of the lifecycle. `action` is one of the actions below; the detail's "
        "`allowed_actions` lists those the caller may take now. Documents travel as base64 "
        "(`document.content_base64`, at most 20 MB); signatures as PNG data URLs.",
        "",
        "| action | step | who | signers | document | comment |",
        "|---|---|---|---|---|---|",
    ]
    seen = set()
    for (_status, action), (_target, _who) in workflow.TRANSITIONS.items():
        if action in seen:
            continue
        seen.add(action)
        who = "、".join(workflow.ROLE_LABELS[r] for r in sorted(workflow.roles_for_action(action)))
        signers = "、".join(
            f"`{key}` {label}" + (f" ≥{n}" if n > 1 else "")
            for key, label, n in workflow.SIGNERS.get(action, ())
        )
        if action == workflow.APPROVE_INTERNAL:
            key, label, _n = workflow.SUBCONTRACTOR_SIGNER
            signers += f"（有分包时另加 `{key}` {label}）"
        document = workflow.DOCUMENTS.get(action, "")
        lines.append(
            f"| `{action}` | {workflow.ACTION_LABELS[action]} | {who} | {signers} | "
            f"{workflow.DOCUMENT_LABELS.get(document, '')} | "
            f"{'必填' if action in workflow.COMMENT_REQUIRED else ''} |"
        )
    lines += [
        "",
        "Argumentation steps (`argue_*`) also need `held_on` and the experts' opinion as "
        "`comment`; `disclose` needs `posted: true`; `start` takes `started_on`. An "
        "over-threshold work approved by the 总监 without a passed argumentation goes to "
        "`expert_review` instead of `approved`.",
    ]
    return "\n".join(lines)


# --- the register -----------------------------------------------------------------------------


@router.get(
    "/dangerous-works",
    response=list[WorkOut],
    summary="危大工程列表（筛选同区级视图）",
    description="The dangerous works of the visible projects, with the district view's filters, "
    "each with its warnings (未批先干, 超规模未论证, 验收逾期, 监测报警, 未开展第三方监测, 巡视缺失).",
)
@paginate(WorkPagination)
def work_list(request, filters: Query[WorkQuery]):
    return works(request.auth, WorkFilters(**filters.dict()))


@router.post(
    "/dangerous-works/classify",
    response=ClassifyOut,
    summary="按阈值表判定级别（不保存）",
    description="The level (危大工程 / 超过一定规模 / none) that these parameters give under the "
    "current threshold table, with the rules that triggered it. No side effects.",
)
def work_classify(request, payload: ClassifyIn):
    category, subtype = _split_subtype(payload.subtype)
    if (category, subtype) not in thresholds.SUBTYPES:
        raise DomainError(_("Choose a category and sub-type from the list."), field="subtype")
    params = svc.clean_params(category, subtype, payload.params)
    result = svc.classify(category, subtype, params)
    return {
        "level": result.level,
        "level_label": result.label,
        "reasons": list(result.reasons),
        "needs_expert_review": result.needs_expert_review,
        "params": params,
    }


@router.post(
    "/dangerous-works",
    response={201: WorkDetailOut},
    summary="登记危大工程（列入清单）",
    description="Put a dangerous work on a project's list; its level is computed from the "
    "parameters by the threshold table. The contractor's site team or the supervisors.",
)
def work_register(request, payload: RegisterIn):
    user = request.auth
    project = get_object_or_404(Project.objects.visible_to(user), pk=payload.project_id)
    if not svc.can_register(project, user):
        raise NotAllowed(_("Only the contractor's site team or the supervisors may do this."))
    work = svc.work_register(project=project, by=user, data=_work_data(payload))
    return Status(201, _work(request, work.pk))


@router.get(
    "/dangerous-works/{work_id}",
    response=WorkDetailOut,
    summary="一项危大工程",
    description="The work with its parameters, responsible people, argumentations, warnings "
    "and the lifecycle steps the caller may take now.",
)
def work_detail(request, work_id: int):
    return _work(request, work_id)


@router.put(
    "/dangerous-works/{work_id}",
    response=WorkDetailOut,
    summary="修改登记信息",
    description="Replace the register entry (every field; the level is computed again) while "
    "the scheme is written or revised. The contractor's site team.",
)
def work_update(request, work_id: int, payload: WorkIn):
    work = _work(request, work_id)
    _require(
        work,
        request.auth,
        {workflow.CONTRACTOR},
        _("Only the contractor's site team may edit the register entry."),
    )
    svc.work_update(work=work, by=request.auth, data=_work_data(payload))
    return _work(request, work_id)


@router.post(
    "/dangerous-works/{work_id}/steps/{action}",
    response=WorkDetailOut,
    summary="办理生命周期步骤（审核、审查、论证、交底、施工、验收…）",
    description=_steps_description(),
)
def work_step(request, work_id: int, action: str, payload: StepIn):
    work = _work(request, work_id)
    if action not in workflow.ACTION_LABELS:
        raise DomainError(
            _("Unknown step “%(action)s”; use one of: %(actions)s.")
            % {"action": action[:40], "actions": ", ".join(workflow.ACTION_LABELS)}
        )
    _require(
        work,
        request.auth,
        set(workflow.roles_for_action(action)),
        _("Your role cannot take this step."),
    )
    svc.work_act(
        work=work,
        by=request.auth,
        action=action,
        comment=payload.comment,
        signatures=[s.dict() for s in payload.signatures],
        document=_decode(payload.document) if payload.document is not None else None,
        document_title=payload.document_title,
        held_on=payload.held_on,
        started_on=payload.started_on,
        posted=payload.posted,
    )
    return _work(request, work_id)


@router.post(
    "/dangerous-works/{work_id}/site-started",
    response=WorkDetailOut,
    summary="报告未批先干（现场已施工）",
    description="A supervisor or supervising engineer records that work is under way on site "
    "before the scheme is approved and briefed; the work gets the 未批先干 warning.",
)
def work_site_started(request, work_id: int, payload: SiteStartedIn):
    work = _work(request, work_id)
    svc.report_site_started(
        work=work, by=request.auth, started_on=payload.started_on, comment=payload.comment
    )
    return _work(request, work_id)


# --- what a work carries ----------------------------------------------------------------------


@router.get(
    "/dangerous-works/{work_id}/timeline",
    response=list[StepOut],
    summary="全过程记录",
    description="Every step and event (documents, alarms, patrols) in order, with the "
    "signatures and documents of each.",
)
def work_timeline(request, work_id: int):
    return timeline(_work(request, work_id))


@router.get(
    "/dangerous-works/{work_id}/documents",
    response=list[DocumentOut],
    summary="文件（方案各版本、论证报告、交底记录、监测报告、验收记录…）",
    description="Newest first; `url` downloads the file.",
)
def work_documents(request, work_id: int):
    return documents(_work(request, work_id))


@router.post(
    "/dangerous-works/{work_id}/documents",
    response={201: DocumentOut},
    summary="上传文件",
    description="Multipart: `kind` (" + " | ".join(WorkDocument.Kind.values) + "), `title`, "
    "`file` (PDF, Word, Excel, image, DWG or ZIP; at most 20 MB). The project's contractor or "
    "supervising engineers.",
)
def work_document_upload(
    request,
    work_id: int,
    file: File[UploadedFile],
    kind: Form[str] = WorkDocument.Kind.OTHER,
    title: Form[str] = "",
):
    work = _work(request, work_id)
    _require(
        work,
        request.auth,
        {workflow.CONTRACTOR, workflow.ENGINEER},
        _("Only the project's contractor or supervising engineers may do this."),
    )
    if file.size and file.size > svc.MAX_DOCUMENT_BYTES:
        raise DomainError(_("The file is larger than 20 MB."), field="document")
    doc = svc.document_upload(
        work=work,
        by=request.auth,
        kind=kind,
        title=title,
        filename=(file.name or "").rsplit("/", 1)[-1],
        data=file.read(),
    )
    return Status(201, doc)


@router.get(
    "/dangerous-works/{work_id}/readings",
    response=list[ReadingOut],
    summary="监测数据",
    description="Newest first; `alarms=true` for alarms only, `open=true` for alarms not yet "
    "dealt with.",
)
@paginate(PageNumberPagination)
def work_readings(request, work_id: int, point: str = "", alarms: bool = False, open: bool = False):
    qs = _work(request, work_id).readings.all()
    if point.strip():
        qs = qs.filter(point=point.strip())
    if alarms or open:
        qs = qs.filter(is_alarm=True)
    if open:
        qs = qs.filter(handled_at__isnull=True)
    return qs.order_by("-measured_at", "-id")


@router.post(
    "/dangerous-works/{work_id}/readings",
    response={201: ReadingOut},
    summary="录入监测数据（达到报警值即报警）",
    description="A monitoring value; at or over the alarm value (in magnitude) it is an alarm "
    "that notifies the project and the supervisor. While the work is on site; the project's "
    "contractor or supervising engineers.",
)
def work_reading_add(request, work_id: int, payload: ReadingIn):
    work = _work(request, work_id)
    _require(
        work,
        request.auth,
        {workflow.CONTRACTOR, workflow.ENGINEER},
        _("Only the project's contractor or supervising engineers may do this."),
    )
    reading = svc.reading_add(
        work=work,
        by=request.auth,
        point=payload.point,
        quantity=payload.quantity,
        value=payload.value,
        alarm_value=payload.alarm_value,
        unit=payload.unit,
        measured_at=_aware(payload.measured_at, "measured_at"),
        source=payload.source,
        document=_decode(payload.document) if payload.document is not None else None,
    )
    return Status(201, reading)


@router.post(
    "/dangerous-works/readings/{reading_id}/handle",
    response=ReadingOut,
    summary="处置监测报警",
    description="Record the measures taken on an alarm; it no longer counts as open.",
)
def reading_handle(request, reading_id: int, payload: HandleIn):
    reading = reading_for_user(request.auth, reading_id)
    return svc.alarm_handle(reading=reading, by=request.auth, handling=payload.handling)


@router.get(
    "/dangerous-works/{work_id}/patrols",
    response=list[PatrolOut],
    summary="巡视记录",
    description="Newest first; `party` = contractor | supervision.",
)
@paginate(PageNumberPagination)
def work_patrols(request, work_id: int, party: str = ""):
    qs = _work(request, work_id).patrols.all()
    if party:
        qs = qs.filter(party=party)
    return qs.order_by("-patrolled_at", "-id")


@router.post(
    "/dangerous-works/{work_id}/patrols",
    response={201: PatrolOut},
    summary="录入巡视记录",
    description="A patrol by the contractor (自查巡视, party=contractor) or the supervising "
    "engineers (专项巡视, party=supervision), each by its own unit, while the work is on site.",
)
def work_patrol_add(request, work_id: int, payload: PatrolIn):
    work = _work(request, work_id)
    _require(
        work,
        request.auth,
        {workflow.CONTRACTOR, workflow.ENGINEER},
        _("You can only record patrols of your own unit."),
    )
    patrol = svc.patrol_add(
        work=work,
        by=request.auth,
        party=payload.party,
        result=payload.result,
        notes=payload.notes,
        patrolled_at=_aware(payload.patrolled_at, "patrolled_at"),
    )
    return Status(201, patrol)


# --- the rules --------------------------------------------------------------------------------


@router.get(
    "/threshold-rules",
    response=list[ThresholdRuleOut],
    summary="危大工程阈值表",
    description="The editable threshold table (建办质〔2018〕31号 附件1/附件2). A work's level is "
    "set when it is registered or edited; inactive rules do not count.",
)
def threshold_rules(request):
    return list(ThresholdRule.objects.all())


@router.put(
    "/threshold-rules/{rule_id}",
    response=ThresholdRuleOut,
    summary="修改阈值（管理员）",
    description="Change a rule's threshold or switch it on or off. Administrators only; "
    "applies to registrations and edits from now on.",
)
def threshold_rule_update(request, rule_id: int, payload: ThresholdIn):
    rule = get_object_or_404(ThresholdRule, pk=rule_id)
    return rules.threshold_update(
        rule=rule, by=request.auth, threshold=payload.threshold, is_active=payload.is_active
    )


@router.get(
    "/dangerous-work-categories",
    response=list[CategorySettingOut],
    summary="各类别的验收、第三方监测与巡视要求",
    description="Per category: whether acceptance is required, when third-party monitoring is "
    "required, and the longest interval between patrols (hours).",
)
def category_settings(request):
    existing = {s.category: s for s in CategorySetting.objects.all()}
    return [existing.get(c) or svc.category_setting(c) for c in thresholds.CATEGORIES]


@router.put(
    "/dangerous-work-categories/{category}",
    response=CategorySettingOut,
    summary="修改类别要求（管理员）",
    description="Administrators only; applies to works registered from now on.",
)
def category_setting_update(request, category: str, payload: CategoryIn):
    return rules.category_update(
        category=category,
        by=request.auth,
        needs_acceptance=payload.needs_acceptance,
        monitoring=payload.monitoring,
        patrol_hours=payload.patrol_hours,
    )
