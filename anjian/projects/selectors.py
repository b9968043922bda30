"""Reads for the project registry: the filtered, searched and sorted project list."""

from dataclasses import dataclass

from django.db.models import Exists, OuterRef, Prefetch, Q, QuerySet

from anjian.accounts.models import Organization

from .choices import ACTIVE_STATUSES, ParticipantRole
from .models import Project, ProjectParticipant

SORTS = {
    "name": "name",
    "permit": "permit_number",
    "street": "street__name",
    "status": "status",
    "start": "contract_start",
    "created": "created_at",
}
DEFAULT_SORT = "-created"


@dataclass(frozen=True)
class ProjectFilters:
    """The filters of the project list, as the page and the API accept them."""

    q: str = ""
    status: str = ""
    active: bool = False  # supervised now (ACTIVE_STATUSES): the dashboard's project counts
    street: int | None = None
    category: str = ""
    contractor: int | None = None
    group: int | None = None
    supervisor: int | None = None
    sort: str = DEFAULT_SORT


def contractors_prefetch() -> Prefetch:
    """Prefetch each project's general contractor(s) with their group, to `contractors`."""
    return Prefetch(
        "participants",
        queryset=ProjectParticipant.objects.filter(role=ParticipantRole.CONTRACTOR).select_related(
            "organization__group"
        ),
        to_attr="contractors",
    )


def projects_filtered(user, filters: ProjectFilters) -> QuerySet[Project]:
    """The projects `user` may see, narrowed by `filters` and sorted; related rows prefetched."""
    qs = Project.objects.visible_to(user)
    text = filters.q.strip()
    if text:
        # Organisations are few: find the matching ones first, then the projects they are in.
        org_ids = list(
            Organization.objects.filter(name__icontains=text).values_list("pk", flat=True)[:500]
        )
        company_match = ProjectParticipant.objects.filter(
            project=OuterRef("pk"), organization_id__in=org_ids
        )
        qs = qs.filter(
            Q(name__icontains=text)
            | Q(permit_number__icontains=text)
            | Q(address__icontains=text)
            | Q(code__icontains=text)
            | Exists(company_match)
        )
    if filters.status:
        qs = qs.filter(status=filters.status)
    if filters.active:
        qs = qs.filter(status__in=ACTIVE_STATUSES)
    if filters.street:
        qs = qs.filter(street_id=filters.street)
    if filters.category:
        qs = qs.filter(category=filters.category)
    if filters.contractor:
        qs = qs.filter(
            Exists(
                ProjectParticipant.objects.filter(
                    project=OuterRef("pk"),
                    organization_id=filters.contractor,
                    role__in=[ParticipantRole.CONTRACTOR, ParticipantRole.SUBCONTRACTOR],
                )
            )
        )
    if filters.group:
        qs = qs.filter(
            Exists(
                ProjectParticipant.objects.filter(
                    project=OuterRef("pk"), organization__group_id=filters.group
                )
            )
        )
    if filters.supervisor:
        qs = qs.filter(lead_supervisor_id=filters.supervisor)
    sort = filters.sort if filters.sort.lstrip("-") in SORTS else DEFAULT_SORT
    field = SORTS[sort.lstrip("-")]
    order = f"-{field}" if sort.startswith("-") else field
    return (
        qs.select_related("street", "lead_supervisor")
        .prefetch_related(contractors_prefetch())
        .order_by(order, "-id")
    )


def project_for_user(user, pk: int, *, write: bool = False) -> Project:
    """The project with `pk` if the user may see (or, with write, edit) it; else Http404."""
    from django.http import Http404

    base = Project.objects.editable_by(user) if write else Project.objects.visible_to(user)
    project = base.select_related("street", "agency", "lead_supervisor").filter(pk=pk).first()
    if project is None:
        if write and Project.objects.visible_to(user).filter(pk=pk).exists():
            from django.core.exceptions import PermissionDenied

            raise PermissionDenied
        raise Http404
    return project
