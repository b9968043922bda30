"""Reads for evaluations and rankings: visibility, lists, to-dos, company history."""

from django.db.models import Q, QuerySet
from django.http import Http404

from anjian.accounts.choices import AgencyRole, OrgKind
from anjian.projects.choices import SUPERVISION_ROLES, ProjectRole
from anjian.projects.models import Project, ProjectMember

from .models import Evaluation, FinalEvaluation, RankingEntry, RankingSnapshot


def evaluations_visible_to(user) -> QuerySet[Evaluation]:
    return Evaluation.objects.filter(project__in=Project.objects.visible_to(user))


def evaluation_for_user(user, pk) -> Evaluation:
    evaluation = (
        evaluations_visible_to(user).select_related("project", "template").filter(pk=pk).first()
    )
    if evaluation is None:
        raise Http404
    return evaluation


def finals_visible_to(user) -> QuerySet[FinalEvaluation]:
    return FinalEvaluation.objects.filter(project__in=Project.objects.visible_to(user))


def final_for_user(user, pk) -> FinalEvaluation:
    final = finals_visible_to(user).select_related("project", "agency").filter(pk=pk).first()
    if final is None:
        raise Http404
    return final


def evaluations_to_review(user) -> QuerySet[Evaluation]:
    """Submitted self-evaluations of projects where the user is 建设 lead or 监理, not yet
    reviewed by the user's unit."""
    if not user.is_authenticated:
        return Evaluation.objects.none()
    memberships = ProjectMember.objects.filter(user=user, is_active=True)
    builder = memberships.filter(role=ProjectRole.OWNER_LEAD).values("project_id")
    supervision = memberships.filter(role__in=list(SUPERVISION_ROLES)).values("project_id")
    return (
        Evaluation.objects.filter(kind=Evaluation.Kind.SELF, status=Evaluation.Status.SUBMITTED)
        .filter(
            (Q(project__in=builder) & ~Q(signatures__role="builder"))
            | (Q(project__in=supervision) & ~Q(signatures__role="supervision"))
        )
        .select_related("project")
        .distinct()
    )


def objections_to_review(user) -> QuerySet[FinalEvaluation]:
    if not (user.is_authenticated and user.agency_role == AgencyRole.CHIEF):
        return FinalEvaluation.objects.none()
    return FinalEvaluation.objects.filter(
        agency_id=user.organization_id, status=FinalEvaluation.Status.OBJECTED
    ).select_related("project")


def snapshots_visible_to(user) -> QuerySet[RankingSnapshot]:
    """Published rankings are public to every signed-in user of the platform (通报)."""
    if not user.is_authenticated:
        return RankingSnapshot.objects.none()
    return RankingSnapshot.objects.all()


def may_see_company(user, org) -> bool:
    """Agency staff see every company; a company its own page; a group HQ its own and its
    subsidiaries'."""
    if not user.is_authenticated:
        return False
    if user.is_agency_staff:
        return True
    mine = user.organization
    if mine is None:
        return False
    if org.pk == mine.pk:
        return True
    return mine.kind == OrgKind.GROUP and org.group_id == mine.pk


def company_history(org) -> list[RankingEntry]:
    """Every published entry of `org`, oldest first (for the trend)."""
    return list(
        RankingEntry.objects.filter(organization=org)
        .select_related("snapshot")
        .order_by("snapshot__period_start", "snapshot__period_type")
    )


def previous_entry(entry: RankingEntry) -> RankingEntry | None:
    """The same unit's entry in the previous published ranking of the same kind."""
    snapshot = entry.snapshot
    return (
        RankingEntry.objects.filter(
            organization_id=entry.organization_id,
            snapshot__agency_id=snapshot.agency_id,
            snapshot__unit=snapshot.unit,
            snapshot__period_type=snapshot.period_type,
            snapshot__period_start__lt=snapshot.period_start,
        )
        .order_by("-snapshot__period_start")
        .select_related("snapshot")
        .first()
    )
