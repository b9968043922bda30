"""考评 and 排名 use cases: evaluations (create, score, submit, review and sign), accidents,
the final 考评 with its triggers, cap, objection and review, and rankings (facts from the
database, preview, publish a snapshot).

Errors are DomainError (400) with a message for the user, or NotAllowed (403).
"""

import datetime
import hashlib
from decimal import Decimal, InvalidOperation

from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from anjian.accounts.choices import AgencyRole
from anjian.accounts.models import User
from anjian.core.errors import DomainError
from anjian.core.errors import PermissionDenied as NotAllowed
from anjian.core.numbering import next_number
from anjian.inspections.models import ChecklistTemplate, Inspection, TemplateItem
from anjian.projects.choices import (
    CONTRACTOR_ROLES,
    SUPERVISION_ROLES,
    ParticipantRole,
    ProjectRole,
)
from anjian.projects.models import Project, ProjectMember

from . import ranking, triggers
from .models import (
    Accident,
    Evaluation,
    EvaluationSignature,
    FinalEvaluation,
    RankingConfig,
    RankingEntry,
    RankingSnapshot,
)

JGJ59_KEY = "jgj59-2011"
PUBLISHERS = (AgencyRole.LEADER, AgencyRole.CHIEF)
DECIDERS = (AgencyRole.SUPERVISOR, AgencyRole.CHIEF)


# --- who is who ----------------------------------------------------------------------------------


def _member_roles(project, user) -> set[str]:
    if not user.is_authenticated:
        return set()
    return set(
        ProjectMember.objects.filter(project=project, user=user, is_active=True).values_list(
            "role", flat=True
        )
    )


def is_agency_of(project, user, roles=DECIDERS) -> bool:
    """`user` is staff of the project's agency with one of `roles` (superusers always)."""
    if not user.is_authenticated or not user.is_active:
        return False
    if user.is_superuser:
        return True
    return (
        user.is_agency_staff
        and user.organization_id == project.agency_id
        and user.agency_role in roles
    )


def is_contractor(project, user) -> bool:
    return bool(_member_roles(project, user) & set(CONTRACTOR_ROLES))


def review_role(project, user) -> str | None:
    """builder (建设单位项目负责人) or supervision (监理) when `user` reviews self-evaluations."""
    roles = _member_roles(project, user)
    if ProjectRole.OWNER_LEAD in roles:
        return EvaluationSignature.Role.BUILDER
    if roles & set(SUPERVISION_ROLES):
        return EvaluationSignature.Role.SUPERVISION
    return None


def required_reviews(project) -> set[str]:
    """The 监理 always reviews; the 建设单位 too when it has a project lead with an account."""
    required = {EvaluationSignature.Role.SUPERVISION}
    if ProjectMember.objects.filter(
        project=project, role=ProjectRole.OWNER_LEAD, is_active=True, user__isnull=False
    ).exists():
        required.add(EvaluationSignature.Role.BUILDER)
    return required


def _users(project, roles) -> list[User]:
    return list(
        User.objects.filter(
            project_memberships__project=project,
            project_memberships__role__in=list(roles),
            project_memberships__is_active=True,
            is_active=True,
        ).distinct()
    )


def _notify(**kwargs):
    from anjian.notifications.services import notify_on_commit

    notify_on_commit(**kwargs)


def _decode_png(image_data: str) -> bytes:
    from anjian.inspections.services.records import _decode_signature

    return _decode_signature(image_data)


def today() -> datetime.date:
    """The local date (one place for tests to move the clock)."""
    return timezone.localdate()


def first_of_month(day: datetime.date) -> datetime.date:
    return day.replace(day=1)


# --- evaluations -------------------------------------------------------------------------------


def jgj59_template() -> ChecklistTemplate:
    template = (
        ChecklistTemplate.objects.filter(key=JGJ59_KEY, status="published")
        .order_by("-version")
        .first()
    )
    if template is None:
        raise DomainError(_("The JGJ 59 checklist is not published."))
    return template


def template_items(template) -> list[TemplateItem]:
    return list(
        TemplateItem.objects.filter(section__template=template)
        .select_related("section")
        .order_by("section__order", "order", "id")
    )


def score(evaluation: Evaluation, items=None) -> dict | None:
    """JGJ59 scoring of the evaluation's answers (every item counts; blank = no deduction)."""
    from anjian.inspections.services.records import score_rows

    items = items if items is not None else template_items(evaluation.template)
    answers = evaluation.answers or {}
    rows = []
    for item in items:
        answer = answers.get(str(item.pk)) or {}
        rows.append((item, Decimal(str(answer.get("d") or 0)), not answer.get("na")))
    return score_rows(evaluation.template, rows)


def can_edit(evaluation: Evaluation, user) -> bool:
    if evaluation.status not in (Evaluation.Status.DRAFT, Evaluation.Status.RETURNED):
        return False
    if evaluation.kind == Evaluation.Kind.SELF:
        return is_contractor(evaluation.project, user)
    return is_agency_of(evaluation.project, user)


@transaction.atomic
def evaluation_create(*, project, by, kind: str, period: datetime.date) -> Evaluation:
    """Start a month's self-evaluation (contractor) or the commission's 评定 (supervisors)."""
    if kind == Evaluation.Kind.SELF:
        if not is_contractor(project, by):
            raise NotAllowed(_("Only the contractor's site team writes the self-evaluation."))
    elif kind == Evaluation.Kind.AGENCY:
        if not is_agency_of(project, by):
            raise NotAllowed(_("Only the project's supervisors make the evaluation."))
    else:
        raise DomainError(_("Choose the kind of evaluation."), field="kind")
    if period is None:
        raise DomainError(_("Choose the month."), field="period")
    period = first_of_month(period)
    if period > first_of_month(timezone.localdate()):
        raise DomainError(_("A month in the future cannot be evaluated."), field="period")
    if Evaluation.objects.filter(project=project, kind=kind, period=period).exists():
        raise DomainError(_("This month has already been evaluated."), field="period")
    evaluation = Evaluation(
        project=project, kind=kind, period=period, template=jgj59_template(), created_by=by
    )
    result = score(evaluation)
    _store_score(evaluation, result)
    try:
        with transaction.atomic():
            evaluation.save()
    except IntegrityError:
        raise DomainError(_("This month has already been evaluated."), field="period") from None
    return evaluation


def _store_score(evaluation, result):
    evaluation.score_detail = result or {}
    evaluation.score = Decimal(result["total"]) if result else None
    evaluation.grade = result["grade"] if result else ""


def clean_answers(evaluation, raw: dict, items=None) -> dict:
    """{item id: {"d": deduction, "na": bool}} checked against each item's points."""
    items = items if items is not None else template_items(evaluation.template)
    by_id = {str(i.pk): i for i in items}
    answers = {}
    for key, value in (raw or {}).items():
        item = by_id.get(str(key))
        if item is None:
            continue
        value = value or {}
        na = bool(value.get("na"))
        text = str(value.get("d") or "").strip()
        if na:
            answers[str(item.pk)] = {"d": "0", "na": True}
            continue
        if not text:
            continue
        try:
            deduction = Decimal(text)
        except InvalidOperation:
            raise DomainError(
                _("%(code)s: the deduction must be a number.") % {"code": item.code},
                field=f"d_{item.pk}",
            ) from None
        if not deduction.is_finite() or deduction < 0 or deduction > item.points:
            raise DomainError(
                _("%(code)s: the deduction must be between 0 and %(points)s.")
                % {"code": item.code, "points": f"{item.points.normalize():f}"},
                field=f"d_{item.pk}",
            )
        if deduction:
            answers[str(item.pk)] = {"d": f"{deduction.normalize():f}", "na": False}
    return answers


@transaction.atomic
def evaluation_save(*, evaluation: Evaluation, by, answers: dict, remarks: str = "") -> Evaluation:
    """Save the deductions (all or nothing) and the score they give."""
    evaluation = Evaluation.objects.select_for_update().get(pk=evaluation.pk)
    if not can_edit(evaluation, by):
        if evaluation.status in (Evaluation.Status.DRAFT, Evaluation.Status.RETURNED):
            raise NotAllowed(_("You cannot edit this evaluation."))
        raise DomainError(_("The evaluation has been submitted and can no longer change."))
    items = template_items(evaluation.template)
    evaluation.answers = clean_answers(evaluation, answers, items)
    evaluation.remarks = (remarks or "").strip()[:2000]
    _store_score(evaluation, score(evaluation, items))
    evaluation.save()
    return evaluation


def _signature(evaluation, by, role, image_data, opinion="", agrees=True):
    png = _decode_png(image_data)
    signature = EvaluationSignature(
        evaluation=evaluation,
        role=role,
        user=by,
        name=by.name or by.username,
        opinion=(opinion or "").strip()[:2000],
        agrees=agrees,
    )
    signature.image.save(
        f"{hashlib.sha256(png).hexdigest()[:16]}.png", ContentFile(png), save=False
    )
    signature.save()
    return signature


@transaction.atomic
def evaluation_submit(*, evaluation: Evaluation, by, image_data: str) -> Evaluation:
    """The contractor signs and submits the self-evaluation to the 建设 and 监理 for review; the
    commission signs its 评定, which is then final."""
    evaluation = Evaluation.objects.select_for_update().get(pk=evaluation.pk)
    if not can_edit(evaluation, by):
        raise NotAllowed(_("You cannot submit this evaluation."))
    if evaluation.score is None:
        raise DomainError(_("No table can be scored: record the deductions first."))
    now = timezone.now()
    if evaluation.kind == Evaluation.Kind.SELF:
        _signature(evaluation, by, EvaluationSignature.Role.CONTRACTOR, image_data)
        evaluation.status = Evaluation.Status.SUBMITTED
        evaluation.submitted_at = now
        evaluation.signatures.filter(
            role__in=[EvaluationSignature.Role.BUILDER, EvaluationSignature.Role.SUPERVISION]
        ).delete()
        _notify(
            users=_users(evaluation.project, [ProjectRole.OWNER_LEAD, *SUPERVISION_ROLES]),
            title=_("Review the self-evaluation of %(project)s for %(month)s")
            % {"project": evaluation.project.name, "month": f"{evaluation.period:%Y-%m}"},
            body=_("Score %(score)s.") % {"score": evaluation.score},
            url=evaluation.get_absolute_url(),
            obj=evaluation,
            kind="evaluation.submitted",
            key=f"evaluation-submitted-{evaluation.pk}-{now.timestamp()}",
        )
    else:
        _signature(evaluation, by, EvaluationSignature.Role.AGENCY, image_data)
        evaluation.status = Evaluation.Status.CONFIRMED
        evaluation.submitted_at = evaluation.confirmed_at = now
        _notify(
            users=_users(evaluation.project, CONTRACTOR_ROLES),
            title=_("Evaluation of %(project)s for %(month)s: %(score)s")
            % {
                "project": evaluation.project.name,
                "month": f"{evaluation.period:%Y-%m}",
                "score": evaluation.score,
            },
            url=evaluation.get_absolute_url(),
            obj=evaluation,
            kind="evaluation.confirmed",
            key=f"evaluation-confirmed-{evaluation.pk}",
        )
    evaluation.save()
    return evaluation


@transaction.atomic
def evaluation_review(
    *, evaluation: Evaluation, by, agrees: bool, opinion: str, image_data: str
) -> Evaluation:
    """The 建设 or 监理 user reviews a submitted self-evaluation: agree and sign, or return it
    with an opinion. Once every required party agreed it is confirmed."""
    evaluation = (
        Evaluation.objects.select_for_update().select_related("project").get(pk=evaluation.pk)
    )
    role = review_role(evaluation.project, by)
    if role is None:
        raise NotAllowed(_("Only the owner's project lead or the supervising engineers review."))
    if evaluation.kind != Evaluation.Kind.SELF or evaluation.status != Evaluation.Status.SUBMITTED:
        raise DomainError(_("Only a submitted self-evaluation can be reviewed."))
    if evaluation.signatures.filter(role=role).exists():
        raise DomainError(_("Your unit has already reviewed this self-evaluation."))
    opinion = (opinion or "").strip()
    if not opinion:
        raise DomainError(_("Write your review opinion."), field="opinion")
    _signature(evaluation, by, role, image_data, opinion=opinion, agrees=agrees)
    if not agrees:
        evaluation.status = Evaluation.Status.RETURNED
        _notify(
            users=_users(evaluation.project, CONTRACTOR_ROLES),
            title=_("Self-evaluation for %(month)s returned")
            % {"month": f"{evaluation.period:%Y-%m}"},
            body=opinion[:200],
            url=evaluation.get_absolute_url(),
            obj=evaluation,
            kind="evaluation.returned",
            key=f"evaluation-returned-{evaluation.pk}-{timezone.now().timestamp()}",
        )
    else:
        signed = set(evaluation.signatures.filter(agrees=True).values_list("role", flat=True))
        if required_reviews(evaluation.project) <= signed:
            evaluation.status = Evaluation.Status.CONFIRMED
            evaluation.confirmed_at = timezone.now()
    evaluation.save()
    return evaluation


# --- accidents -----------------------------------------------------------------------------------


@transaction.atomic
def accident_record(*, project, by, data: dict) -> Accident:
    """The project's supervisors record an accident."""
    if not is_agency_of(project, by):
        raise NotAllowed(_("Only the project's supervisors record accidents."))
    occurred_on = data.get("occurred_on")
    if occurred_on is None:
        raise DomainError(_("Give the date of the accident."), field="occurred_on")
    if occurred_on > timezone.localdate():
        raise DomainError(_("The date cannot be in the future."), field="occurred_on")
    level = data.get("level") or ""
    if level not in Accident.Level.values:
        raise DomainError(_("Choose the level of the accident."), field="level")
    description = (data.get("description") or "").strip()
    if not description:
        raise DomainError(_("Describe the accident."), field="description")
    numbers = {}
    for name in ("deaths", "injuries"):
        try:
            numbers[name] = int(data.get(name) or 0)
        except (TypeError, ValueError):
            raise DomainError(_("Give a whole number."), field=name) from None
        if not 0 <= numbers[name] <= 1000:
            raise DomainError(_("Give a whole number."), field=name)
    accident = Accident.objects.create(
        project=project,
        occurred_on=occurred_on,
        level=level,
        is_liability=bool(data.get("is_liability", True)),
        description=description[:5000],
        recorded_by=by,
        **numbers,
    )
    _notify(
        users=list(
            User.objects.filter(
                organization_id=project.agency_id,
                agency_role__in=[AgencyRole.CHIEF, AgencyRole.LEADER],
                is_active=True,
            )
        ),
        title=_("Accident recorded at %(project)s") % {"project": project.name},
        body=f"{occurred_on:%Y-%m-%d} {accident.get_level_display()}：{description[:150]}",
        url=f"/projects/{project.pk}/evaluations/",
        obj=accident,
        kind="accident.recorded",
        key=f"accident-{accident.pk}",
    )
    return accident


# --- the final 考评 ---------------------------------------------------------------------------


def final_facts(project, *, until: datetime.date | None = None) -> dict:
    """What the final 考评 looks at: construction months and self-evaluations, accidents,
    stop-work notices, the means of the self-evaluations and of supervision inspections."""
    from anjian.hazards.models import RectificationNotice

    # A project still under construction is judged on the months that are over.
    until = (
        until
        or project.actual_end
        or (first_of_month(timezone.localdate()) - datetime.timedelta(days=1))
    )
    start = project.actual_start or project.contract_start
    months = triggers.months_between(start, until) if start else []
    confirmed = Evaluation.objects.filter(
        project=project, kind=Evaluation.Kind.SELF, status=Evaluation.Status.CONFIRMED
    )
    accidents = list(
        Accident.objects.filter(project=project, is_liability=True).values_list(
            "occurred_on", "level"
        )
    )
    labels = dict(Accident.Level.choices)
    stops = [
        timezone.localdate(at)
        for at in RectificationNotice.objects.filter(
            project=project, kind__in=["partial_stop", "full_stop"]
        )
        .exclude(status="withdrawn")
        .values_list("issued_at", flat=True)
    ]
    self_scores = [e.score for e in confirmed if e.score is not None]
    supervision_scores = list(
        Inspection.objects.filter(
            project=project,
            status="finished",
            score__isnull=False,
            source__in=["supervision", "remote"],
        ).values_list("score", flat=True)
    )

    def mean(values):
        return (sum(values, Decimal(0)) / len(values)).quantize(Decimal("0.01")) if values else None

    found = triggers.fail_triggers(
        construction_months=months,
        self_evaluated_months={e.period for e in confirmed},
        liability_accidents=[(day, labels.get(level, level)) for day, level in accidents],
        stop_notice_dates=stops,
    )
    return {
        "months": months,
        "self_evaluated": sorted({e.period for e in confirmed}),
        "triggers": found,
        "self_mean": mean(self_scores),
        "supervision_mean": mean(supervision_scores),
        "stops": sorted(stops),
        "accidents": accidents,
    }


def excellent_quota(agency, year: int) -> tuple[int, int, int]:
    """(projects of the agency due to finish in `year`, the cap on 优良, 优良 already given)."""
    due = (
        Project.objects.filter(agency=agency)
        .filter(Q(contract_end__year=year) | Q(actual_end__year=year))
        .count()
    )
    given = FinalEvaluation.objects.filter(
        agency=agency, year=year, result=FinalEvaluation.Result.EXCELLENT
    ).count()
    return due, triggers.excellent_cap(due), given


def _check_result(project, agency, year, result, reasons, found, exclude_pk=None):
    if result not in FinalEvaluation.Result.values:
        raise DomainError(_("Choose 优良, 合格 or 不合格."), field="result")
    if found and result != FinalEvaluation.Result.FAIL:
        raise DomainError(
            _("The project must be graded 不合格: %(reasons)s")
            % {"reasons": "；".join(t.text for t in found)},
            field="result",
        )
    if result == FinalEvaluation.Result.EXCELLENT:
        due, cap, given = excellent_quota(agency, year)
        if exclude_pk:
            given = (
                FinalEvaluation.objects.filter(
                    agency=agency, year=year, result=FinalEvaluation.Result.EXCELLENT
                )
                .exclude(pk=exclude_pk)
                .count()
            )
        if given + 1 > cap:
            raise DomainError(
                _(
                    "No more 优良 this year: at most 10%% of the %(due)d projects due to finish "
                    "in %(year)d may be 优良 (%(cap)d), and %(given)d already are."
                )
                % {"due": due, "year": year, "cap": cap, "given": given},
                field="result",
            )
    if result != FinalEvaluation.Result.PASS and not reasons and not found:
        raise DomainError(_("Give the reasons for the result."), field="reasons")


@transaction.atomic
def final_evaluate(*, project, by, result: str, reasons: str = "", now=None) -> FinalEvaluation:
    """The commission's 考评 at completion and its 考评结果告知书."""
    project = Project.objects.select_for_update().get(pk=project.pk)
    if not is_agency_of(project, by):
        raise NotAllowed(_("Only the project's supervisors make the final evaluation."))
    if FinalEvaluation.objects.filter(project=project).exists():
        raise DomainError(_("The project already has its final evaluation."))
    now = now or timezone.now()
    year = timezone.localdate(now).year
    facts = final_facts(project)
    found = facts["triggers"]
    reasons = (reasons or "").strip()
    _check_result(project, project.agency, year, result, reasons, found)
    text = "；".join([t.text for t in found] + ([reasons] if reasons else []))
    final = FinalEvaluation.objects.create(
        project=project,
        agency=project.agency,
        year=year,
        result=result,
        reasons=text[:5000],
        triggers=[{"key": t.key, "text": t.text} for t in found],
        responsible_org=project.participant(ParticipantRole.CONTRACTOR)
        if result == FinalEvaluation.Result.FAIL
        else None,
        self_evaluation_mean=facts["self_mean"],
        supervision_mean=facts["supervision_mean"],
        number=next_number(agency=project.agency, kind="evaluation_notice", year=year),
        decided_by=by,
        decided_at=now,
    )
    _notify(
        users=_users(project, [*CONTRACTOR_ROLES, ProjectRole.OWNER_LEAD]),
        title=_("Final evaluation of %(project)s: %(result)s")
        % {"project": project.name, "result": final.get_result_display()},
        body=text[:200],
        url=final.get_absolute_url(),
        obj=final,
        kind="evaluation.final",
        key=f"final-evaluation-{final.pk}",
    )
    return final


@transaction.atomic
def final_object(*, final: FinalEvaluation, by, objection: str) -> FinalEvaluation:
    """The contractor objects (异议) to the result; the section chief reviews it."""
    final = FinalEvaluation.objects.select_for_update().select_related("project").get(pk=final.pk)
    if not is_contractor(final.project, by):
        raise NotAllowed(_("Only the contractor's site team may object."))
    if final.status != FinalEvaluation.Status.NOTIFIED:
        raise DomainError(_("An objection can only be raised once, before the result is final."))
    objection = (objection or "").strip()
    if not objection:
        raise DomainError(_("Explain the objection."), field="objection")
    final.objection, final.objected_by, final.objected_at = objection[:5000], by, timezone.now()
    final.status = FinalEvaluation.Status.OBJECTED
    final.save()
    _notify(
        users=list(
            User.objects.filter(
                organization_id=final.agency_id, agency_role=AgencyRole.CHIEF, is_active=True
            )
        ),
        title=_("Objection to the final evaluation of %(project)s")
        % {"project": final.project.name},
        body=objection[:200],
        url=final.get_absolute_url(),
        obj=final,
        kind="evaluation.objected",
        key=f"final-objected-{final.pk}",
    )
    return final


@transaction.atomic
def final_review(*, final: FinalEvaluation, by, result: str, comment: str) -> FinalEvaluation:
    """The section chief reviews an objection (复核): keeps or changes the result."""
    final = FinalEvaluation.objects.select_for_update().select_related("project").get(pk=final.pk)
    if not is_agency_of(final.project, by, roles=(AgencyRole.CHIEF,)):
        raise NotAllowed(_("Only the section chief reviews objections."))
    if final.status != FinalEvaluation.Status.OBJECTED:
        raise DomainError(_("There is no objection to review."))
    comment = (comment or "").strip()
    if not comment:
        raise DomainError(_("Write the review conclusion."), field="comment")
    found = [triggers.Trigger(t["key"], t["text"]) for t in final.triggers]
    _check_result(final.project, final.agency, final.year, result, comment, found, final.pk)
    final.original_result = final.result
    final.result = result
    if result != FinalEvaluation.Result.FAIL:
        final.responsible_org = None
    elif final.responsible_org_id is None:
        final.responsible_org = final.project.participant(ParticipantRole.CONTRACTOR)
    final.review_comment, final.reviewed_by, final.reviewed_at = comment[:5000], by, timezone.now()
    final.status = FinalEvaluation.Status.FINAL
    final.save()
    _notify(
        users=_users(final.project, CONTRACTOR_ROLES),
        title=_("Objection reviewed: %(project)s is %(result)s")
        % {"project": final.project.name, "result": final.get_result_display()},
        body=comment[:200],
        url=final.get_absolute_url(),
        obj=final,
        kind="evaluation.reviewed",
        key=f"final-reviewed-{final.pk}",
    )
    return final


# --- rankings --------------------------------------------------------------------------------


def period_bounds(period_type: str, day: datetime.date) -> tuple[datetime.date, datetime.date, str]:
    """The period of `period_type` containing `day`: (first day, last day, label)."""
    if period_type == RankingSnapshot.Period.MONTH:
        start = day.replace(day=1)
        end = (start + datetime.timedelta(days=32)).replace(day=1) - datetime.timedelta(days=1)
        return start, end, f"{start.year}年{start.month}月"
    if period_type == RankingSnapshot.Period.QUARTER:
        quarter = (day.month - 1) // 3
        start = datetime.date(day.year, quarter * 3 + 1, 1)
        end = (start + datetime.timedelta(days=93)).replace(day=1) - datetime.timedelta(days=1)
        return start, end, f"{start.year}年第{quarter + 1}季度"
    if period_type == RankingSnapshot.Period.YEAR:
        return datetime.date(day.year, 1, 1), datetime.date(day.year, 12, 31), f"{day.year}年"
    raise DomainError(_("Choose month, quarter or year."), field="period_type")


def formula_for(agency) -> ranking.Formula:
    config = RankingConfig.objects.filter(agency=agency).first()
    if config is None:
        return ranking.Formula()
    return ranking.Formula(
        min_inspections=config.min_inspections,
        major_penalty=config.major_penalty,
        stop_penalty=config.stop_penalty,
        overdue_penalty=config.overdue_penalty,
    )


def _aware_bounds(start, end):
    tz = timezone.get_current_timezone()
    low = timezone.make_aware(datetime.datetime.combine(start, datetime.time()), tz)
    high = timezone.make_aware(
        datetime.datetime.combine(end + datetime.timedelta(days=1), datetime.time()), tz
    )
    return low, high


def ranking_facts(agency, unit: str, start: datetime.date, end: datetime.date):
    """ProjectFacts for every project of the agency with a contractor (or its group) for the
    period: supervision inspections' scores, 重大 hazards found, stop notices, overdue
    rectifications (deadline in the period, replied to after it or still owed past it)."""
    from anjian.hazards.models import Hazard, RectificationNotice
    from anjian.projects.models import ProjectParticipant

    low, high = _aware_bounds(start, end)
    now = timezone.now()
    contractors: dict[int, dict] = {}
    for row in (
        ProjectParticipant.objects.filter(project__agency=agency, role=ParticipantRole.CONTRACTOR)
        .order_by("project_id", "id")
        .values(
            "project_id",
            "project__name",
            "organization_id",
            "organization__name",
            "organization__group_id",
            "organization__group__name",
        )
    ):
        contractors.setdefault(row["project_id"], row)  # the general contractor listed first
    scores: dict[int, list[Decimal]] = {}
    for project_id, value in Inspection.objects.filter(
        project__agency=agency,
        status="finished",
        score__isnull=False,
        source__in=["supervision", "remote"],
        finished_at__gte=low,
        finished_at__lt=high,
    ).values_list("project_id", "score"):
        scores.setdefault(project_id, []).append(value)
    hazards = Hazard.objects.filter(agency=agency).exclude(status="withdrawn")
    major = _count(hazards.filter(grade="major", found_at__gte=low, found_at__lt=high))
    stops = _count(
        RectificationNotice.objects.filter(
            agency=agency,
            kind__in=["partial_stop", "full_stop"],
            status__in=["issued", "received", "closed"],
            issued_at__gte=low,
            issued_at__lt=high,
        )
    )
    cut = min(now, high)
    overdue = _count(
        hazards.filter(deadline__gte=low, deadline__lt=cut).filter(
            Q(replied_at__gt=F("deadline"))
            | Q(closed_at__gt=F("deadline"), replied_at__isnull=True)
            | Q(status__in=["issued", "rectifying"])
        )
    )
    facts = []
    for project_id, row in contractors.items():
        if unit == RankingSnapshot.Unit.GROUP:
            if not row["organization__group_id"]:
                continue
            unit_id, unit_name = row["organization__group_id"], row["organization__group__name"]
        else:
            unit_id, unit_name = row["organization_id"], row["organization__name"]
        project_scores = tuple(scores.get(project_id, ()))
        counts = (major.get(project_id, 0), stops.get(project_id, 0), overdue.get(project_id, 0))
        if not project_scores and not any(counts):
            continue
        facts.append(
            ranking.ProjectFacts(
                project_id=project_id,
                project_name=row["project__name"],
                unit_id=unit_id,
                unit_name=unit_name,
                scores=project_scores,
                major_hazards=counts[0],
                stop_notices=counts[1],
                overdue=counts[2],
            )
        )
    return facts


def _count(qs) -> dict[int, int]:
    from django.db.models import Count

    return dict(qs.order_by().values_list("project_id").annotate(n=Count("id")))


def can_publish(user) -> bool:
    return bool(
        user.is_authenticated
        and (user.is_superuser or (user.is_agency_staff and user.agency_role in PUBLISHERS))
    )


def ranking_preview(*, agency, unit: str, period_type: str, day: datetime.date):
    """(start, end, label, formula, entries) computed now from the database."""
    if unit not in RankingSnapshot.Unit.values:
        raise DomainError(_("Rank contractors or group headquarters."), field="unit")
    start, end, label = period_bounds(period_type, day)
    formula = formula_for(agency)
    entries = ranking.compute(ranking_facts(agency, unit, start, end), formula)
    return start, end, label, formula, entries


@transaction.atomic
def ranking_publish(*, agency, by, unit: str, period_type: str, day: datetime.date):
    """Store the ranking as a snapshot (formula and every entry's inputs) and tell the units."""
    if not can_publish(by) or (not by.is_superuser and by.organization_id != agency.pk):
        raise NotAllowed(_("Only the leader or the section chief publishes rankings."))
    start, end, label, formula, entries = ranking_preview(
        agency=agency, unit=unit, period_type=period_type, day=day
    )
    if RankingSnapshot.objects.filter(
        agency=agency, unit=unit, period_type=period_type, period_start=start
    ).exists():
        raise DomainError(_("This ranking has already been published."))
    if end >= today():
        raise DomainError(
            _("The period is not over yet: a ranking is published after its last day.")
        )
    if not entries:
        raise DomainError(_("Nothing to rank in this period."))
    snapshot = RankingSnapshot.objects.create(
        agency=agency,
        unit=unit,
        period_type=period_type,
        period_start=start,
        period_end=end,
        label=label,
        formula=formula.as_dict(),
        published_by=by,
    )
    RankingEntry.objects.bulk_create(
        RankingEntry(
            snapshot=snapshot,
            organization_id=entry.unit_id,
            name=entry.unit_name,
            rank=entry.rank,
            score=entry.score,
            ranked=entry.ranked,
            inputs=entry.inputs(),
        )
        for entry in entries
    )
    org_ids = [entry.unit_id for entry in entries]
    users = User.objects.filter(organization_id__in=org_ids, is_active=True)
    _notify(
        users=list(users),
        title=_("%(label)s ranking of %(unit)s published")
        % {"label": label, "unit": snapshot.get_unit_display()},
        url=snapshot.get_absolute_url(),
        obj=snapshot,
        kind="ranking.published",
        key=f"ranking-published-{snapshot.pk}",
    )
    return snapshot


@transaction.atomic
def ranking_config_save(*, agency, by, data: dict) -> RankingConfig:
    if not (by.is_superuser or (by.is_admin and by.organization_id == agency.pk)):
        raise NotAllowed(_("Only administrators change the ranking formula."))
    config = RankingConfig.objects.filter(agency=agency).first() or RankingConfig(agency=agency)
    try:
        config.min_inspections = int(data.get("min_inspections"))
    except (TypeError, ValueError):
        raise DomainError(_("Give a whole number."), field="min_inspections") from None
    if not 1 <= config.min_inspections <= 100:
        raise DomainError(_("Give a whole number between 1 and 100."), field="min_inspections")
    for name in ("major_penalty", "stop_penalty", "overdue_penalty"):
        try:
            value = Decimal(str(data.get(name)).strip())
        except (InvalidOperation, AttributeError):
            raise DomainError(_("Give a number of points."), field=name) from None
        if not value.is_finite() or not Decimal(0) <= value <= Decimal(100):
            raise DomainError(_("Give a number of points between 0 and 100."), field=name)
        setattr(config, name, value.quantize(Decimal("0.01")))
    config.save()
    return config
