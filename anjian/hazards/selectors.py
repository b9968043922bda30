"""Reads for hazards: the ledger's filters and counts, one hazard with its timeline, to-dos."""

import datetime
from dataclasses import dataclass, fields

from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.http import Http404
from django.utils import timezone

from anjian.projects.choices import CONTRACTOR_ROLES, SUPERVISION_ROLES
from anjian.projects.models import Project, ProjectMember, ProjectParticipant

from .choices import AWAITING_CONTRACTOR, HazardStatus, NoticeStatus
from .models import Hazard, HazardEvent, HazardPhoto, RectificationNotice

LEDGER_SORTS = {
    "found": "found_at",
    "deadline": "deadline",
    "project": "project__name",
    "status": "status",
    "grade": "grade",
    "closed": "closed_at",
}
DEFAULT_SORT = "-found"


@dataclass(frozen=True)
class LedgerFilters:
    """The ledger's filters, as the page, the export and the API accept them."""

    q: str = ""
    project: int | None = None
    street: int | None = None
    contractor: int | None = None
    group: int | None = None
    category: str = ""
    grade: str = ""
    status: str = ""
    source: str = ""
    overdue: bool = False
    open: bool = False
    found_from: datetime.date | None = None
    found_to: datetime.date | None = None
    closed_from: datetime.date | None = None
    closed_to: datetime.date | None = None
    sort: str = DEFAULT_SORT

    @classmethod
    def names(cls) -> list[str]:
        return [f.name for f in fields(cls)]


def _day_start(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time()))


def hazards_visible_to(user) -> QuerySet[Hazard]:
    """Every hazard of the projects the user may see."""
    return Hazard.objects.filter(project__in=Project.objects.visible_to(user))


def ledger(user, filters: LedgerFilters, *, now=None) -> QuerySet[Hazard]:
    """The hazard ledger for `user`, filtered and sorted, with what the list shows joined in."""
    now = now or timezone.now()
    qs = hazards_visible_to(user)
    if filters.q.strip():
        text = filters.q.strip()
        qs = qs.filter(
            Q(description__icontains=text)
            | Q(number__icontains=text)
            | Q(location__icontains=text)
            | Q(project__name__icontains=text)
        )
    if filters.project:
        qs = qs.filter(project_id=filters.project)
    if filters.street:
        qs = qs.filter(project__street_id=filters.street)
    if filters.contractor:
        qs = qs.filter(responsible_org_id=filters.contractor)
    if filters.group:
        qs = qs.filter(
            Exists(
                ProjectParticipant.objects.filter(
                    project=OuterRef("project_id"), organization__group_id=filters.group
                )
            )
        )
    if filters.category:
        qs = qs.filter(category=filters.category)
    if filters.grade:
        qs = qs.filter(grade=filters.grade)
    if filters.status:
        qs = qs.filter(status=filters.status)
    if filters.source:
        qs = qs.filter(source=filters.source)
    if filters.open:
        qs = qs.exclude(status__in=[HazardStatus.CLOSED, HazardStatus.WITHDRAWN])
    if filters.overdue:
        qs = qs.filter(status__in=AWAITING_CONTRACTOR, deadline__lt=now)
    if filters.found_from:
        qs = qs.filter(found_at__gte=_day_start(filters.found_from))
    if filters.found_to:
        qs = qs.filter(found_at__lt=_day_start(filters.found_to + datetime.timedelta(days=1)))
    if filters.closed_from:
        qs = qs.filter(closed_at__gte=_day_start(filters.closed_from))
    if filters.closed_to:
        qs = qs.filter(closed_at__lt=_day_start(filters.closed_to + datetime.timedelta(days=1)))
    sort = filters.sort if filters.sort.lstrip("-") in LEDGER_SORTS else DEFAULT_SORT
    field = LEDGER_SORTS[sort.lstrip("-")]
    order = f"-{field}" if sort.startswith("-") else field
    return qs.select_related(
        "project__street", "responsible_org", "major_clause", "notice"
    ).order_by(order, "-id")


def status_counts(qs: QuerySet[Hazard], *, now=None) -> dict:
    """Counts by status of a (filtered) ledger, plus overdue and total: one query."""
    now = now or timezone.now()
    rows = qs.order_by().values("status").annotate(n=Count("id"))
    counts = {row["status"]: row["n"] for row in rows}
    overdue = qs.order_by().filter(status__in=AWAITING_CONTRACTOR, deadline__lt=now).count()
    return {
        "by_status": [
            {"value": s.value, "label": s.label, "count": counts.get(s.value, 0)}
            for s in HazardStatus
        ],
        "total": sum(counts.values()),
        "overdue": overdue,
    }


def hazard_for_user(user, pk) -> Hazard:
    """One hazard the user may see (404 otherwise)."""
    hazard = (
        hazards_visible_to(user)
        .select_related(
            "project__street",
            "agency",
            "responsible_org__group",
            "major_clause",
            "notice",
            "inspection",
            "created_by",
            "reviewed_by",
        )
        .filter(pk=pk)
        .first()
    )
    if hazard is None:
        raise Http404
    return hazard


def timeline(hazard: Hazard) -> list[HazardEvent]:
    """Events oldest first, each with its photos and reply (3 queries)."""
    events = list(hazard.events.select_related("actor", "reply").order_by("at", "id"))
    photos: dict[int | None, list] = {}
    for photo in HazardPhoto.objects.filter(hazard=hazard).order_by("id"):
        photos.setdefault(photo.event_id, []).append(photo)
    for event in events:
        event.photo_list = photos.get(event.pk, [])
    return events


def before_after(hazard: Hazard) -> tuple[list[HazardPhoto], list[HazardPhoto]]:
    photos = list(HazardPhoto.objects.filter(hazard=hazard).order_by("id"))
    return [p for p in photos if p.kind == "before"], [p for p in photos if p.kind == "after"]


def notices_visible_to(user) -> QuerySet[RectificationNotice]:
    return RectificationNotice.objects.filter(project__in=Project.objects.visible_to(user))


def notice_for_user(user, pk) -> RectificationNotice:
    notice = (
        notices_visible_to(user)
        .select_related("project", "agency", "issued_by", "inspection", "resumes")
        .filter(pk=pk)
        .first()
    )
    if notice is None:
        raise Http404
    return notice


def photo_for_user(user, pk) -> HazardPhoto:
    photo = HazardPhoto.objects.select_related("hazard").filter(pk=pk).first()
    if photo is None or not hazards_visible_to(user).filter(pk=photo.hazard_id).exists():
        raise Http404
    return photo


def _member_projects(user, roles):
    return ProjectMember.objects.filter(user=user, role__in=list(roles), is_active=True).values(
        "project_id"
    )


def notices_to_receive(user) -> QuerySet[RectificationNotice]:
    """Notices of the user's projects (site team) that they have not signed for yet."""
    return (
        RectificationNotice.objects.filter(
            project_id__in=_member_projects(user, CONTRACTOR_ROLES),
            status__in=[NoticeStatus.ISSUED, NoticeStatus.RECEIVED],
        )
        .exclude(signatures__kind="receipt", signatures__user=user)
        .exclude(kind="resume")
        .select_related("project")
    )


def hazards_to_rectify(user) -> QuerySet[Hazard]:
    return Hazard.objects.filter(
        project_id__in=_member_projects(user, CONTRACTOR_ROLES), status__in=AWAITING_CONTRACTOR
    ).select_related("project")


def hazards_to_confirm(user) -> QuerySet[Hazard]:
    return Hazard.objects.filter(
        project_id__in=_member_projects(user, SUPERVISION_ROLES),
        status=HazardStatus.REPLIED,
        project__engineer_confirms_rectification=True,
    ).select_related("project")


def hazards_to_review(user) -> QuerySet[Hazard]:
    """Replies waiting for this supervisor (issued by them or on projects they lead)."""
    if not user.is_agency_staff:
        return Hazard.objects.none()
    ready = Q(status=HazardStatus.CONFIRMED) | Q(
        status=HazardStatus.REPLIED, project__engineer_confirms_rectification=False
    )
    return (
        Hazard.objects.filter(ready)
        .filter(Q(created_by=user) | Q(project__lead_supervisor=user))
        .select_related("project")
    )


def disputes_to_resolve(user) -> QuerySet[Hazard]:
    if user.agency_role != "chief":
        return Hazard.objects.none()
    return Hazard.objects.filter(
        agency_id=user.organization_id, status=HazardStatus.DISPUTED
    ).select_related("project")
