"""API: the project registry, with the same filters and visibility as the pages."""

import datetime
from decimal import Decimal

from django.shortcuts import get_object_or_404
from ninja import Field, Query, Router, Schema
from ninja.pagination import PageNumberPagination, paginate

from .models import Project
from .selectors import DEFAULT_SORT, ProjectFilters, projects_filtered

router = Router(tags=["projects"])


class ParticipantOut(Schema):
    role: str
    role_label: str = Field(..., alias="get_role_display")
    organization_id: int
    organization_name: str = Field(..., alias="organization.name")
    credit_code: str = Field(..., alias="organization.credit_code")
    lead_name: str
    lead_phone: str


class MemberOut(Schema):
    role: str
    role_label: str = Field(..., alias="get_role_display")
    name: str
    phone: str
    registration_no: str
    safety_cert_kind: str
    safety_cert_no: str


class ProjectListOut(Schema):
    id: int
    name: str
    code: str
    permit_number: str
    category: str
    street: str = Field(..., alias="street.name")
    address: str
    longitude: Decimal | None
    latitude: Decimal | None
    coordinate_system: str
    status: str
    status_label: str = Field(..., alias="get_status_display")
    supervision_status: str
    contractor: str | None = None
    lead_supervisor_id: int | None
    updated_at: datetime.datetime

    @staticmethod
    def resolve_contractor(obj):
        contractors = getattr(obj, "contractors", None)
        return contractors[0].organization.name if contractors else None


class ProjectOut(ProjectListOut):
    permit_authority: str
    permit_date: datetime.date | None
    supervision_reg_no: str
    subcategory: str
    nature: str
    structure_type: str
    usage: str
    floor_area: Decimal | None
    floors_above: int | None
    floors_below: int | None
    height: Decimal | None
    pit_depth: Decimal | None
    length: Decimal | None
    cost: Decimal | None
    safety_fee: Decimal | None
    contract_start: datetime.date | None
    contract_end: datetime.date | None
    actual_start: datetime.date | None
    actual_end: datetime.date | None
    agency_id: int
    progress: str
    participants: list[ParticipantOut]
    members: list[MemberOut]

    @staticmethod
    def resolve_participants(obj):
        return list(obj.participants.select_related("organization"))

    @staticmethod
    def resolve_members(obj):
        return list(obj.members.filter(is_active=True))


class ProjectFilterIn(Schema):
    q: str = ""
    status: str = ""
    street: int | None = None
    category: str = ""
    contractor: int | None = None
    group: int | None = None
    supervisor: int | None = None
    sort: str = DEFAULT_SORT


@router.get("", response=list[ProjectListOut], summary="List projects (filters as on the page)")
@paginate(PageNumberPagination)
def project_list(request, filters: Query[ProjectFilterIn]):
    return projects_filtered(request.auth, ProjectFilters(**filters.dict()))


@router.get("/{project_id}", response=ProjectOut, summary="One project with units and people")
def project_detail(request, project_id: int):
    qs = Project.objects.visible_to(request.auth).select_related("street")
    return get_object_or_404(qs, pk=project_id)
