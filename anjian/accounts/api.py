"""API: organisations and the current user."""

from django.shortcuts import get_object_or_404
from ninja import Field, Router, Schema
from ninja.pagination import PageNumberPagination, paginate

from .models import Organization

router = Router(tags=["organisations"])


class OrganizationOut(Schema):
    id: int
    name: str
    kind: str
    kind_label: str = Field(..., alias="get_kind_display")
    credit_code: str
    address: str
    contact_name: str
    contact_phone: str
    group_id: int | None
    is_active: bool


class MeOut(Schema):
    id: int
    username: str
    name: str
    organization_id: int | None
    agency_role: str
    role_label: str


@router.get("/me", response=MeOut, tags=["accounts"], summary="The authenticated user")
def me(request):
    return request.auth


@router.get("/organizations", response=list[OrganizationOut], summary="List organisations")
@paginate(PageNumberPagination)
def organization_list(request, kind: str = "", q: str = ""):
    orgs = Organization.objects.visible_to(request.auth).order_by("kind", "name")
    if kind:
        orgs = orgs.filter(kind=kind)
    if q:
        orgs = orgs.filter(name__icontains=q)
    return orgs


@router.get("/organizations/{org_id}", response=OrganizationOut, summary="One organisation")
def organization_detail(request, org_id: int):
    return get_object_or_404(Organization.objects.visible_to(request.auth), pk=org_id)
