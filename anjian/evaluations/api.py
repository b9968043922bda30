"""考评 and 排名 API: project evaluations (月度自评 and the commission's 评定) with their reviews
and signatures, the accident register, the final 考评 with its triggers, cap, objection and
review, and company rankings (preview, publish, published snapshots, a company's history, the
formula).

Visibility is the pages': an evaluation, accident or final 考评 is visible when its project is
(otherwise 404); published rankings are visible to everyone signed in (通报), but the
per-project breakdown of a ranking entry only lists the projects the caller may see. Who may
do what is decided by the services (403 for a refused role, 400 for a business rule); where the
API reads input before calling a service it checks the caller's role first, so a refused
caller gets 403 rather than a complaint about the input.
"""

import datetime
from decimal import Decimal
from typing import Annotated, Any

from django.db.models import Count, Q, prefetch_related_objects
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status
from ninja.pagination import PageNumberPagination, paginate

from anjian.accounts.choices import AgencyRole, OrgKind
from anjian.accounts.models import Organization
from anjian.core.errors import DomainError
from anjian.core.errors import PermissionDenied as NotAllowed
from anjian.inspections.scoring import GRADE_LABELS
from anjian.projects.models import Project

from . import services as svc
from .models import (
    Accident,
    Evaluation,
    FinalEvaluation,
    RankingEntry,
    RankingSnapshot,
)
from .selectors import (
    company_history,
    evaluation_for_user,
    evaluations_visible_to,
    final_for_user,
    finals_visible_to,
    may_see_company,
    snapshots_visible_to,
)

router = Router(tags=["evaluations"])

FIRST_YEAR, LAST_YEAR = 2000, 2999
# An id the database can hold (larger ones would overflow the query: 422 instead of a 500).
Id = Annotated[int, Field(ge=0, le=2**63 - 1)]
Year = Annotated[int, Field(ge=1, le=9999)]


# --- output -----------------------------------------------------------------------------------


class EvaluationOut(Schema):
    id: int
    project_id: int
    project_name: str = Field(..., alias="project.name")
    kind: str = Field(..., description="self（月度自评）| agency（监督机构评定）")
    kind_label: str = Field(..., alias="get_kind_display")
    period: datetime.date = Field(..., description="The first day of the month evaluated")
    month: str = Field("", description="YYYY-MM")
    template_id: int
    score: Decimal | None = Field(..., description="汇总表 total (JGJ 59)")
    grade: str = Field(..., description="EXCELLENT | PASS | FAIL (JGJ 59 第5章); '' unscored")
    grade_label: str = ""
    status: str = Field(..., description="draft | submitted | confirmed | returned")
    status_label: str = Field(..., alias="get_status_display")
    created_by_id: int
    created_at: datetime.datetime
    submitted_at: datetime.datetime | None
    confirmed_at: datetime.datetime | None

    @staticmethod
    def resolve_month(obj):
        return f"{obj.period:%Y-%m}"

    @staticmethod
    def resolve_grade_label(obj):
        return GRADE_LABELS.get(obj.grade, "")


class EvaluationSignatureOut(Schema):
    id: int
    role: str = Field(..., description="contractor | builder | supervision | agency")
    role_label: str = Field(..., alias="get_role_display")
    name: str
    opinion: str
    agrees: bool
    signed_at: datetime.datetime
    url: str = Field("", description="The drawn signature (PNG), same visibility")

    @staticmethod
    def resolve_url(obj):
        return reverse("evaluations:signature", args=[obj.pk])


class EvaluationAllowedOut(Schema):
    can_edit: bool = Field(..., description="PUT …/answers and POST …/submit")
    can_review: bool = Field(..., description="POST …/review (建设 or 监理, once per unit)")


class EvaluationDetailOut(EvaluationOut):
    remarks: str
    answers: dict[str, Any] = Field(
        ..., description='{item id: {"d": deduction, "na": not applicable}}; blank = no deduction'
    )
    score_detail: dict[str, Any] = Field(
        ...,
        description="Each table's score and zero rule (tables), each category's converted "
        "score (categories), the 汇总表 total and the grade",
    )
    signatures: list[EvaluationSignatureOut] = []
    allowed: EvaluationAllowedOut

    @staticmethod
    def resolve_signatures(obj):
        return list(obj.signatures.all())

    @staticmethod
    def resolve_allowed(obj, context):
        user = context["request"].auth
        return {"can_edit": svc.can_edit(obj, user), "can_review": _can_review(obj, user)}


class AccidentOut(Schema):
    id: int
    project_id: int
    occurred_on: datetime.date
    level: str = Field(..., description="general | larger | major | extraordinary")
    level_label: str = Field(..., alias="get_level_display")
    is_liability: bool = Field(..., description="生产安全责任事故 (a 不合格 trigger)")
    deaths: int
    injuries: int
    description: str
    recorded_by_id: int
    created_at: datetime.datetime


class TriggerOut(Schema):
    key: str = Field(..., description="no_self_evaluation | accident | two_stops")
    text: str


class FinalOut(Schema):
    id: int
    project_id: int
    project_name: str = Field(..., alias="project.name")
    agency_id: int
    year: int
    number: str = Field(..., description="考评结果告知书 number")
    result: str = Field(..., description="excellent（优良）| pass（合格）| fail（不合格）")
    result_label: str = Field(..., alias="get_result_display")
    reasons: str
    triggers: list[TriggerOut] = Field(..., description="The automatic 不合格 triggers found")
    responsible_org_id: int | None
    self_evaluation_mean: Decimal | None
    supervision_mean: Decimal | None
    status: str = Field(..., description="notified | objected | final")
    status_label: str = Field(..., alias="get_status_display")
    decided_by_id: int
    decided_at: datetime.datetime
    objection: str
    objected_at: datetime.datetime | None
    review_comment: str
    reviewed_at: datetime.datetime | None
    original_result: str = Field(..., description="The result before the review changed it")


class FinalAllowedOut(Schema):
    can_object: bool
    can_review: bool


class FinalDetailOut(FinalOut):
    notice_url: str = Field("", description="The 考评结果告知书 (PDF), same visibility")
    allowed: FinalAllowedOut

    @staticmethod
    def resolve_notice_url(obj):
        return reverse("evaluations:final_pdf", args=[obj.pk])

    @staticmethod
    def resolve_allowed(obj, context):
        user = context["request"].auth
        return {
            "can_object": obj.status == FinalEvaluation.Status.NOTIFIED
            and svc.is_contractor(obj.project, user),
            "can_review": obj.status == FinalEvaluation.Status.OBJECTED
            and svc.is_agency_of(obj.project, user, roles=(AgencyRole.CHIEF,)),
        }


class QuotaOut(Schema):
    year: int
    due: int = Field(..., description="Projects of the agency due to finish this year")
    cap: int = Field(..., description="At most 10 % of them may be 优良")
    given: int = Field(..., description="优良 already given this year")


class AccidentFactOut(Schema):
    occurred_on: datetime.date
    level: str
    level_label: str


class FactsOut(Schema):
    project_id: int
    months: list[str] = Field(..., description="Months of construction (YYYY-MM)")
    self_evaluated: list[str] = Field(..., description="Months with a confirmed self-evaluation")
    missing: list[str] = Field(..., description="Months of construction without one")
    triggers: list[TriggerOut]
    self_evaluation_mean: Decimal | None
    supervision_mean: Decimal | None
    stop_notices: list[datetime.date] = Field(..., description="Days stop-work was ordered")
    accidents: list[AccidentFactOut] = Field(..., description="Liability accidents")
    quota: QuotaOut
    results: list[str] = Field(..., description="The results that may be given now")
    final_evaluation_id: int | None


class PreviousOut(Schema):
    snapshot_id: int
    label: str
    rank: int | None
    score: Decimal | None


class EntryOut(Schema):
    organization_id: int
    name: str
    rank: int | None = Field(..., description="Competition rank (1, 2, 2, 4); null = not ranked")
    score: Decimal | None
    ranked: bool = Field(..., description="False below the minimum number of inspections")
    inputs: dict[str, Any] = Field(
        ...,
        description="inspections, mean_score, major_hazards, stop_notices, overdue, penalty and "
        "projects (each project's contribution; only projects the caller may see, the others "
        "counted in hidden_projects)",
    )
    previous: PreviousOut | None = Field(
        None, description="The unit's entry in the previous published ranking of the same kind"
    )
    rank_change: int | None = Field(None, description="Places gained (+) or lost (−)")
    score_change: Decimal | None = None


class SnapshotOut(Schema):
    id: int
    agency_id: int
    agency_name: str = Field(..., alias="agency.name")
    unit: str = Field(..., description="contractor（施工单位）| group（集团总公司）")
    unit_label: str = Field(..., alias="get_unit_display")
    period_type: str = Field(..., description="month | quarter | year")
    period_type_label: str = Field(..., alias="get_period_type_display")
    period_start: datetime.date
    period_end: datetime.date
    label: str
    formula: dict[str, Any]
    published_by_id: int
    published_at: datetime.datetime
    entry_count: int = 0
    ranked_count: int = 0


class SnapshotDetailOut(SnapshotOut):
    entries: list[EntryOut]

    @staticmethod
    def resolve_entries(obj):
        return obj.entries_out


class PreviewOut(Schema):
    unit: str
    period_type: str
    period_start: datetime.date
    period_end: datetime.date
    label: str
    formula: dict[str, Any]
    published_id: int | None = Field(..., description="The published snapshot, if any")
    entries: list[EntryOut]


class HistoryEntryOut(Schema):
    snapshot_id: int
    agency_id: int
    label: str
    unit: str
    period_type: str
    period_start: datetime.date
    period_end: datetime.date
    published_at: datetime.datetime
    rank: int | None
    score: Decimal | None
    ranked: bool
    ranked_count: int = Field(..., description="How many units were ranked")
    inputs: dict[str, Any]
    rank_change: int | None = None
    score_change: Decimal | None = None


class CompanyHistoryOut(Schema):
    organization_id: int
    name: str
    kind: str
    subsidiaries: list[dict[str, Any]] = Field(
        ..., description="A group HQ's companies [{id, name}] (their history is at their URL)"
    )
    entries: list[HistoryEntryOut] = Field(..., description="Oldest first, for the trend")


class FormulaOut(Schema):
    min_inspections: int = Field(..., description="Fewer inspections: listed, not ranked")
    major_penalty: Decimal = Field(..., description="Points per 重大隐患 found")
    stop_penalty: Decimal = Field(..., description="Points per stop-work notice")
    overdue_penalty: Decimal = Field(..., description="Points per overdue rectification")
    text: str


# --- input ------------------------------------------------------------------------------------


class EvaluationQuery(Schema):
    project: Id | None = None
    kind: str = Field("", description="self | agency")
    status: str = Field("", description="draft | submitted | confirmed | returned")
    period_from: str = Field("", description="YYYY-MM (or a date in the month)")
    period_to: str = Field("", description="YYYY-MM (or a date in the month)")


class EvaluationIn(Schema):
    project_id: Id
    kind: str = Field(..., description="self（施工单位月度自评）| agency（监督机构评定）")
    period: str = Field(..., description="The month: YYYY-MM (or a date in the month)")


class AnswerIn(Schema):
    d: Decimal | str | None = Field(None, description="Deduction, 0 … the item's points")
    na: bool = Field(False, description="Not applicable (缺项)")


class AnswersIn(Schema):
    answers: dict[str, AnswerIn] = Field(
        ..., description="{item id: {d, na}} for every item of the JGJ 59 template; replaces all"
    )
    remarks: str = ""


class SubmitIn(Schema):
    signature: str = Field(..., description="The drawn signature: PNG as a data URL or base64")


class ReviewIn(Schema):
    agrees: bool = Field(..., description="true: agree and sign; false: return to the contractor")
    opinion: str = Field(..., description="The review opinion (required)")
    signature: str = Field(..., description="PNG as a data URL or base64")


class AccidentIn(Schema):
    project_id: Id
    occurred_on: datetime.date | None = None
    level: str = Field(..., description="general | larger | major | extraordinary")
    is_liability: bool = Field(True, description="A 生产安全责任事故")
    deaths: int = 0
    injuries: int = Field(0, description="Serious injuries")
    description: str = ""


class FinalQuery(Schema):
    project: Id | None = None
    result: str = Field("", description="excellent | pass | fail")
    status: str = Field("", description="notified | objected | final")
    year: Year | None = None


class FinalIn(Schema):
    project_id: Id
    result: str = Field(..., description="excellent | pass | fail")
    reasons: str = Field("", description="Required unless 合格 (triggers count as reasons)")


class ObjectionIn(Schema):
    objection: str


class FinalReviewIn(Schema):
    result: str = Field(..., description="The result after the review: excellent | pass | fail")
    comment: str = Field(..., description="The review conclusion")


class RankingQuery(Schema):
    unit: str = Field("", description="contractor | group")
    period_type: str = Field("", description="month | quarter | year")
    year: Year | None = Field(None, description="Periods starting in this year")


class PublishIn(Schema):
    unit: str = Field(..., description="contractor | group")
    period_type: str = Field(..., description="month | quarter | year")
    day: str = Field(..., description="Any day of the period (YYYY-MM-DD, or YYYY-MM)")


class FormulaIn(Schema):
    min_inspections: int | str = Field(..., description="1–100")
    major_penalty: Decimal | str = Field(..., description="0–100 points")
    stop_penalty: Decimal | str = Field(..., description="0–100 points")
    overdue_penalty: Decimal | str = Field(..., description="0–100 points")


# --- helpers ----------------------------------------------------------------------------------


def _day(value: str | None, field: str, *, required: bool = True) -> datetime.date | None:
    """A date from YYYY-MM-DD or YYYY-MM (the first of the month); a 400 when unreadable."""
    text = (value or "").strip()
    if not text:
        if required:
            raise DomainError(_("Give a date as YYYY-MM-DD or a month as YYYY-MM."), field=field)
        return None
    for pattern in ("%Y-%m-%d", "%Y-%m"):
        try:
            day = datetime.datetime.strptime(text, pattern).date()
        except ValueError:
            continue
        if not FIRST_YEAR <= day.year <= LAST_YEAR:
            break
        return day
    raise DomainError(_("Give a date as YYYY-MM-DD or a month as YYYY-MM."), field=field)


def _project(request, project_id: int) -> Project:
    """The project if the caller may see it (else 404)."""
    return get_object_or_404(Project.objects.visible_to(request.auth), pk=project_id)


def _can_review(evaluation: Evaluation, user) -> bool:
    if evaluation.kind != Evaluation.Kind.SELF or evaluation.status != Evaluation.Status.SUBMITTED:
        return False
    role = svc.review_role(evaluation.project, user)
    return role is not None and all(s.role != role for s in evaluation.signatures.all())


def _evaluation(request, evaluation_id: int) -> Evaluation:
    evaluation = evaluation_for_user(request.auth, evaluation_id)
    prefetch_related_objects([evaluation], "signatures")
    return evaluation


def _final(request, final_id: int) -> FinalEvaluation:
    return final_for_user(request.auth, final_id)


def _agency(user) -> Organization:
    """The caller's agency (staff only: 403 otherwise)."""
    if not user.is_agency_staff:
        raise NotAllowed(_("Only the commission's staff may do this."))
    org = user.organization
    if org is None or org.kind != OrgKind.AGENCY:
        raise DomainError(_("Your account does not belong to an agency."))
    return org


def _visible_project_ids(user) -> set[int]:
    return set(Project.objects.visible_to(user).values_list("pk", flat=True))


def _redact(inputs: dict, visible: set[int]) -> dict:
    """The entry's inputs with only the visible projects' contributions listed."""
    projects = inputs.get("projects") or []
    shown = [p for p in projects if p.get("project_id") in visible]
    return {**inputs, "projects": shown, "hidden_projects": len(projects) - len(shown)}


def _previous_entries(agency_id, unit, period_type, before, org_ids) -> dict[int, RankingEntry]:
    """Each unit's latest published entry of the same kind before `before` (one query)."""
    found: dict[int, RankingEntry] = {}
    if not org_ids:
        return found
    rows = (
        RankingEntry.objects.filter(
            organization_id__in=list(org_ids),
            snapshot__agency_id=agency_id,
            snapshot__unit=unit,
            snapshot__period_type=period_type,
            snapshot__period_start__lt=before,
        )
        .select_related("snapshot")
        .order_by("organization_id", "-snapshot__period_start")
    )
    for entry in rows:
        found.setdefault(entry.organization_id, entry)
    return found


def _change(entry_rank, entry_score, previous) -> dict:
    if previous is None:
        return {"previous": None, "rank_change": None, "score_change": None}
    return {
        "previous": {
            "snapshot_id": previous.snapshot_id,
            "label": previous.snapshot.label,
            "rank": previous.rank,
            "score": previous.score,
        },
        "rank_change": previous.rank - entry_rank
        if previous.rank is not None and entry_rank is not None
        else None,
        "score_change": entry_score - previous.score
        if previous.score is not None and entry_score is not None
        else None,
    }


def _snapshot_detail(snapshot: RankingSnapshot, user) -> RankingSnapshot:
    """The snapshot with its entries (visible contributions, change against the previous)."""
    entries = list(snapshot.entries.all())
    previous = _previous_entries(
        snapshot.agency_id,
        snapshot.unit,
        snapshot.period_type,
        snapshot.period_start,
        {e.organization_id for e in entries},
    )
    visible = _visible_project_ids(user)
    snapshot.entry_count = len(entries)
    snapshot.ranked_count = sum(1 for e in entries if e.ranked)
    snapshot.entries_out = [
        {
            "organization_id": e.organization_id,
            "name": e.name,
            "rank": e.rank,
            "score": e.score,
            "ranked": e.ranked,
            "inputs": _redact(e.inputs, visible),
            **_change(e.rank, e.score, previous.get(e.organization_id)),
        }
        for e in entries
    ]
    return snapshot


def _formula_text(formula) -> str:
    return _(
        "score = mean JGJ 59 score of the period's supervision inspections − %(major)s × 重大隐患 "
        "− %(stop)s × 停工通知 − %(overdue)s × 逾期整改, within 0–100; at least %(min)d "
        "inspections to be ranked"
    ) % {
        "major": formula.major_penalty,
        "stop": formula.stop_penalty,
        "overdue": formula.overdue_penalty,
        "min": formula.min_inspections,
    }


# --- evaluations ------------------------------------------------------------------------------


@router.get(
    "/evaluations",
    response=list[EvaluationOut],
    summary="考评列表（月度自评与监督机构评定）",
    description="Evaluations of the visible projects, newest month first; filters: project, "
    "kind, status, period_from / period_to (YYYY-MM).",
)
@paginate(PageNumberPagination)
def evaluation_list(request, filters: Query[EvaluationQuery]):
    qs = evaluations_visible_to(request.auth).select_related("project")
    if filters.project:
        qs = qs.filter(project_id=filters.project)
    if filters.kind:
        qs = qs.filter(kind=filters.kind)
    if filters.status:
        qs = qs.filter(status=filters.status)
    start = _day(filters.period_from, "period_from", required=False)
    if start:
        qs = qs.filter(period__gte=start.replace(day=1))
    end = _day(filters.period_to, "period_to", required=False)
    if end:
        qs = qs.filter(period__lte=end.replace(day=1))
    return qs.order_by("-period", "-id")


@router.post(
    "/evaluations",
    response={201: EvaluationDetailOut},
    summary="新建考评（施工单位月度自评 / 监督机构评定）",
    description="Start a month's evaluation on the JGJ 59 sheets: `kind=self` by the "
    "contractor's site team (项目经理、技术负责人、安全员), `kind=agency` by the project's "
    "supervisors or section chief. One per project, kind and month; not a future month. The "
    "items to answer are those of GET /templates/{template_id}.",
)
def evaluation_create(request, payload: EvaluationIn):
    user = request.auth
    project = _project(request, payload.project_id)
    if payload.kind == Evaluation.Kind.SELF:
        allowed = svc.is_contractor(project, user)
    elif payload.kind == Evaluation.Kind.AGENCY:
        allowed = svc.is_agency_of(project, user)
    else:
        allowed = svc.is_contractor(project, user) or svc.is_agency_of(project, user)
    if not allowed:
        raise NotAllowed(_("You cannot evaluate this project."))
    evaluation = svc.evaluation_create(
        project=project, by=user, kind=payload.kind, period=_day(payload.period, "period")
    )
    return Status(201, _evaluation(request, evaluation.pk))


@router.get(
    "/evaluations/{evaluation_id}",
    response=EvaluationDetailOut,
    summary="一份考评（分项表得分、保证项目否决、汇总表总分与等级、签字）",
    description="The evaluation with its answers, each table's score and which zero rule hit "
    "(`score_detail.tables[].zero_rule`), the categories' converted scores, the 汇总表 total, "
    "the grade, the signatures and what the caller may do now.",
)
def evaluation_detail(request, evaluation_id: Id):
    return _evaluation(request, evaluation_id)


@router.put(
    "/evaluations/{evaluation_id}/answers",
    response=EvaluationDetailOut,
    summary="保存扣分（整表替换，重新计分）",
    description="Replace the deductions (all or nothing; each between 0 and the item's points) "
    "and the remarks; the score is computed again. While a draft or returned, by its author "
    "side (the contractor for a self-evaluation, the supervisors for an 评定).",
)
def evaluation_answers(request, evaluation_id: Id, payload: AnswersIn):
    evaluation = _evaluation(request, evaluation_id)
    answers = {
        key: {"d": "" if value.d is None else str(value.d), "na": value.na}
        for key, value in payload.answers.items()
    }
    svc.evaluation_save(
        evaluation=evaluation, by=request.auth, answers=answers, remarks=payload.remarks
    )
    return _evaluation(request, evaluation_id)


@router.post(
    "/evaluations/{evaluation_id}/submit",
    response=EvaluationDetailOut,
    summary="签字提交（自评提交建设、监理审核；评定签字即确定）",
    description="The contractor signs the self-evaluation and submits it to the 建设 and 监理 "
    "for review; the supervisors sign their 评定, which is then confirmed.",
)
def evaluation_submit(request, evaluation_id: Id, payload: SubmitIn):
    evaluation = _evaluation(request, evaluation_id)
    svc.evaluation_submit(evaluation=evaluation, by=request.auth, image_data=payload.signature)
    return _evaluation(request, evaluation_id)


@router.post(
    "/evaluations/{evaluation_id}/review",
    response=EvaluationDetailOut,
    summary="建设、监理审核签字（同意或退回）",
    description="The owner's project lead (建设单位) or a supervising engineer (监理) reviews a "
    "submitted self-evaluation: agree and sign, or return it with the opinion. It is confirmed "
    "once the 监理 (and the 建设单位, when it has a project lead with an account) agreed.",
)
def evaluation_review(request, evaluation_id: Id, payload: ReviewIn):
    evaluation = _evaluation(request, evaluation_id)
    svc.evaluation_review(
        evaluation=evaluation,
        by=request.auth,
        agrees=payload.agrees,
        opinion=payload.opinion,
        image_data=payload.signature,
    )
    return _evaluation(request, evaluation_id)


# --- accidents --------------------------------------------------------------------------------


@router.get(
    "/projects/{project_id}/accidents",
    response=list[AccidentOut],
    summary="项目事故登记",
    description="The project's accidents, latest first.",
)
def accident_list(request, project_id: Id):
    return list(Accident.objects.filter(project=_project(request, project_id)))


@router.post(
    "/accidents",
    response={201: AccidentOut},
    summary="登记事故（监督人员）",
    description="Record an accident on a project (the project's supervisors or section chief). "
    "A liability accident (`is_liability`) makes the final 考评 不合格.",
)
def accident_create(request, payload: AccidentIn):
    project = _project(request, payload.project_id)
    if not svc.is_agency_of(project, request.auth):
        raise NotAllowed(_("Only the project's supervisors record accidents."))
    if payload.occurred_on is not None and payload.occurred_on.year < FIRST_YEAR:
        raise DomainError(_("Give a date after the year 2000."), field="occurred_on")
    accident = svc.accident_record(
        project=project, by=request.auth, data=payload.dict(exclude={"project_id"})
    )
    return Status(201, accident)


# --- the final 考评 ---------------------------------------------------------------------------


@router.get(
    "/final-evaluations",
    response=list[FinalOut],
    summary="竣工考评列表",
    description="Final 考评 of the visible projects, latest first; filters: project, result, "
    "status, year.",
)
@paginate(PageNumberPagination)
def final_list(request, filters: Query[FinalQuery]):
    qs = finals_visible_to(request.auth).select_related("project")
    if filters.project:
        qs = qs.filter(project_id=filters.project)
    if filters.result:
        qs = qs.filter(result=filters.result)
    if filters.status:
        qs = qs.filter(status=filters.status)
    if filters.year:
        qs = qs.filter(year=filters.year)
    return qs.order_by("-decided_at", "-id")


@router.get(
    "/projects/{project_id}/final-evaluation/facts",
    response=FactsOut,
    summary="竣工考评依据（自评月份、不合格情形、均分、优良名额）",
    description="What the final 考评 looks at: the months of construction and those with a "
    "confirmed self-evaluation, the automatic 不合格 triggers (no self-evaluation, a liability "
    "accident, two stop-work notices within a year), the means of the self-evaluations and of "
    "the supervision inspections, and this year's 优良 quota (at most 10 % of the projects due "
    "to finish).",
)
def final_facts(request, project_id: Id):
    project = _project(request, project_id)
    facts = svc.final_facts(project)
    year = timezone.localdate().year
    due, cap, given = svc.excellent_quota(project.agency, year)
    labels = dict(Accident.Level.choices)
    done = set(facts["self_evaluated"])
    if facts["triggers"]:
        results = [FinalEvaluation.Result.FAIL]
    else:
        results = list(FinalEvaluation.Result.values)
        if given >= cap:
            results.remove(FinalEvaluation.Result.EXCELLENT)
    final = FinalEvaluation.objects.filter(project=project).values_list("pk", flat=True).first()
    return {
        "project_id": project.pk,
        "months": [f"{m:%Y-%m}" for m in facts["months"]],
        "self_evaluated": [f"{m:%Y-%m}" for m in facts["self_evaluated"]],
        "missing": [f"{m:%Y-%m}" for m in facts["months"] if m not in done],
        "triggers": [{"key": t.key, "text": t.text} for t in facts["triggers"]],
        "self_evaluation_mean": facts["self_mean"],
        "supervision_mean": facts["supervision_mean"],
        "stop_notices": facts["stops"],
        "accidents": [
            {"occurred_on": day, "level": level, "level_label": labels.get(level, level)}
            for day, level in sorted(facts["accidents"])
        ],
        "quota": {"year": year, "due": due, "cap": cap, "given": given},
        "results": results,
        "final_evaluation_id": final,
    }


@router.post(
    "/final-evaluations",
    response={201: FinalDetailOut},
    summary="竣工考评（优良 / 合格 / 不合格）并发出考评结果告知书",
    description="The project's supervisors or section chief grade the project at completion. "
    "Any automatic 不合格 trigger forces 不合格; 优良 is capped at 10 % of the agency's "
    "projects due to finish this year (a 400 says how many are left); reasons are required "
    "unless 合格. The contractor and the owner are notified.",
)
def final_create(request, payload: FinalIn):
    project = _project(request, payload.project_id)
    final = svc.final_evaluate(
        project=project, by=request.auth, result=payload.result, reasons=payload.reasons
    )
    return Status(201, _final(request, final.pk))


@router.get(
    "/final-evaluations/{final_id}",
    response=FinalDetailOut,
    summary="一份竣工考评",
    description="The result with its reasons and triggers, the notice, the objection and the "
    "review, and what the caller may do now.",
)
def final_detail(request, final_id: Id):
    return _final(request, final_id)


@router.post(
    "/final-evaluations/{final_id}/objection",
    response=FinalDetailOut,
    summary="提出异议（施工单位）",
    description="The contractor's site team objects to the result, once, while it is notified; "
    "the section chief reviews it.",
)
def final_objection(request, final_id: Id, payload: ObjectionIn):
    final = _final(request, final_id)
    svc.final_object(final=final, by=request.auth, objection=payload.objection)
    return _final(request, final_id)


@router.post(
    "/final-evaluations/{final_id}/review",
    response=FinalDetailOut,
    summary="异议复核（科长）",
    description="The section chief keeps or changes the result of an objected 考评 (the "
    "triggers and the 10 % cap still apply); the result is then final.",
)
def final_review(request, final_id: Id, payload: FinalReviewIn):
    final = _final(request, final_id)
    svc.final_review(final=final, by=request.auth, result=payload.result, comment=payload.comment)
    return _final(request, final_id)


# --- rankings ---------------------------------------------------------------------------------


@router.get(
    "/rankings",
    response=list[SnapshotOut],
    summary="已发布的考核排名",
    description="Published rankings (通报), newest period first; filters: unit, period_type, "
    "year. A published ranking is a snapshot and never recomputed.",
)
@paginate(PageNumberPagination)
def ranking_list(request, filters: Query[RankingQuery]):
    qs = snapshots_visible_to(request.auth).select_related("agency")
    if filters.unit:
        qs = qs.filter(unit=filters.unit)
    if filters.period_type:
        qs = qs.filter(period_type=filters.period_type)
    if filters.year:
        qs = qs.filter(period_start__year=filters.year)
    return qs.annotate(
        entry_count=Count("entries"), ranked_count=Count("entries", filter=Q(entries__ranked=True))
    ).order_by("-period_start", "unit", "-id")


@router.get(
    "/rankings/preview",
    response=PreviewOut,
    summary="排名试算（不保存，监督机构）",
    description="The ranking of the caller's agency computed now from the database with the "
    "current formula, not stored: `unit` contractor | group (default contractor), "
    "`period_type` month | quarter | year (default month), `day` any day of the period "
    "(default today). Commission staff only.",
)
def ranking_preview(request, unit: str = "contractor", period_type: str = "month", day: str = ""):
    agency = _agency(request.auth)
    when = _day(day, "day", required=False) or timezone.localdate()
    start, end, label, formula, entries = svc.ranking_preview(
        agency=agency, unit=unit, period_type=period_type, day=when
    )
    published = (
        RankingSnapshot.objects.filter(
            agency=agency, unit=unit, period_type=period_type, period_start=start
        )
        .values_list("pk", flat=True)
        .first()
    )
    previous = _previous_entries(agency.pk, unit, period_type, start, {e.unit_id for e in entries})
    visible = _visible_project_ids(request.auth)
    return {
        "unit": unit,
        "period_type": period_type,
        "period_start": start,
        "period_end": end,
        "label": label,
        "formula": formula.as_dict(),
        "published_id": published,
        "entries": [
            {
                "organization_id": e.unit_id,
                "name": e.unit_name,
                "rank": e.rank,
                "score": e.score,
                "ranked": e.ranked,
                "inputs": _redact(e.inputs(), visible),
                **_change(e.rank, e.score, previous.get(e.unit_id)),
            }
            for e in entries
        ],
    }


@router.post(
    "/rankings",
    response={201: SnapshotDetailOut},
    summary="发布排名（领导、科长）",
    description="Compute the ranking of the caller's agency for the period containing `day` "
    "and store it as a snapshot with the formula and every entry's inputs; the ranked "
    "companies are notified. Once per agency, unit, period type and period.",
)
def ranking_publish(request, payload: PublishIn):
    user = request.auth
    if not svc.can_publish(user):
        raise NotAllowed(_("Only the leader or the section chief publishes rankings."))
    agency = _agency(user)
    snapshot = svc.ranking_publish(
        agency=agency,
        by=user,
        unit=payload.unit,
        period_type=payload.period_type,
        day=_day(payload.day, "day"),
    )
    snapshot = RankingSnapshot.objects.select_related("agency").get(pk=snapshot.pk)
    return Status(201, _snapshot_detail(snapshot, user))


@router.get(
    "/rankings/{snapshot_id}",
    response=SnapshotDetailOut,
    summary="一期排名（名次、得分、计算依据、与上期比较）",
    description="Every entry with its rank, score and the inputs behind it as published "
    "(inspections, mean score, 重大隐患, stop notices, overdue rectifications, penalty, each "
    "visible project's contribution), and its change against the unit's previous published "
    "ranking of the same kind.",
)
def ranking_detail(request, snapshot_id: Id):
    snapshot = get_object_or_404(
        snapshots_visible_to(request.auth).select_related("agency"), pk=snapshot_id
    )
    return _snapshot_detail(snapshot, request.auth)


@router.get(
    "/companies/{org_id}/ranking-history",
    response=CompanyHistoryOut,
    summary="企业排名历史（趋势）",
    description="Every published entry of a contractor or group HQ, oldest first, with its "
    "change against the previous one of the same series. Commission staff see every company; "
    "a company its own; a group HQ its own and its subsidiaries' (otherwise 404).",
)
def company_ranking_history(request, org_id: Id):
    org = get_object_or_404(Organization, pk=org_id)
    if not may_see_company(request.auth, org):
        raise Http404
    entries = company_history(org)
    counts = dict(
        RankingEntry.objects.filter(snapshot_id__in={e.snapshot_id for e in entries}, ranked=True)
        .order_by()
        .values_list("snapshot_id")
        .annotate(n=Count("id"))
    )
    visible = _visible_project_ids(request.auth)
    last: dict[tuple, RankingEntry] = {}
    rows = []
    for entry in entries:
        snapshot = entry.snapshot
        series = (snapshot.agency_id, snapshot.unit, snapshot.period_type)
        change = _change(entry.rank, entry.score, last.get(series))
        last[series] = entry
        rows.append(
            {
                "snapshot_id": snapshot.pk,
                "agency_id": snapshot.agency_id,
                "label": snapshot.label,
                "unit": snapshot.unit,
                "period_type": snapshot.period_type,
                "period_start": snapshot.period_start,
                "period_end": snapshot.period_end,
                "published_at": snapshot.published_at,
                "rank": entry.rank,
                "score": entry.score,
                "ranked": entry.ranked,
                "ranked_count": counts.get(snapshot.pk, 0),
                "inputs": _redact(entry.inputs, visible),
                "rank_change": change["rank_change"],
                "score_change": change["score_change"],
            }
        )
    subsidiaries = []
    if org.kind == OrgKind.GROUP:
        subsidiaries = list(org.subsidiaries.order_by("name").values("id", "name"))
    return {
        "organization_id": org.pk,
        "name": org.name,
        "kind": org.kind,
        "subsidiaries": subsidiaries,
        "entries": rows,
    }


def _formula_out(agency) -> dict:
    formula = svc.formula_for(agency)
    return {
        "min_inspections": formula.min_inspections,
        "major_penalty": formula.major_penalty,
        "stop_penalty": formula.stop_penalty,
        "overdue_penalty": formula.overdue_penalty,
        "text": _formula_text(formula),
    }


@router.get(
    "/ranking-formula",
    response=FormulaOut,
    summary="排名公式（本机构）",
    description="The caller's agency's ranking formula. Commission staff only.",
)
def ranking_formula(request):
    return _formula_out(_agency(request.auth))


@router.put(
    "/ranking-formula",
    response=FormulaOut,
    summary="修改排名公式（管理员）",
    description="Set the minimum number of inspections to be ranked and the points deducted "
    "per 重大隐患, stop-work notice and overdue rectification. Administrators only; applies to "
    "previews and rankings published from now on (published rankings keep their formula).",
)
def ranking_formula_update(request, payload: FormulaIn):
    user = request.auth
    if not user.is_admin:
        raise NotAllowed(_("Only administrators change the ranking formula."))
    agency = _agency(user)
    svc.ranking_config_save(agency=agency, by=user, data=payload.dict())
    return _formula_out(agency)
