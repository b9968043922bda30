"""Inspection API: checklist templates (read only) and the major-hazard clauses."""

import datetime
from decimal import Decimal

from django.http import Http404
from ninja import Field, Query, Router, Schema

from ..choices import TemplateStatus
from ..selectors.checklists import (
    major_clauses,
    sections_with_items,
    template_for_user,
    templates_filtered,
)

router = Router(tags=["checklists"])


class DeductionLineOut(Schema):
    kind: str
    text: str
    min: float | None = None
    max: float | None = None
    per: float | None = None


class ItemOut(Schema):
    id: int
    code: str
    text: str
    clause: str
    kind: str
    points: Decimal
    is_guarantee: bool
    deduction_lines: list[DeductionLineOut]
    photo_required: bool
    default_grade: str
    major_clause_id: int | None
    major_clause_code: str | None = None
    order: int

    @staticmethod
    def resolve_major_clause_code(obj):
        return obj.major_clause.code if obj.major_clause_id else None


class SectionOut(Schema):
    id: int
    code: str
    title: str
    category: str
    has_guarantee_split: bool
    order: int
    items: list[ItemOut] = Field(..., alias="item_list")


class TemplateListOut(Schema):
    id: int
    key: str
    version: int
    name: str
    kind: str
    kind_label: str = Field(..., alias="get_kind_display")
    status: str
    status_label: str = Field(..., alias="get_status_display")
    description: str
    basis: str
    owner_id: int
    owner_name: str = Field(..., alias="owner.name")
    published_at: datetime.datetime | None
    previous_id: int | None
    updated_at: datetime.datetime


class TemplateOut(TemplateListOut):
    summary_weights: dict[str, float]
    sections: list[SectionOut]

    @staticmethod
    def resolve_sections(obj):
        return sections_with_items(obj)


class TemplateFilterIn(Schema):
    all: bool = Field(
        False, description="Agency staff: every version they may see, not only published."
    )
    key: str = ""


class MajorClauseOut(Schema):
    id: int
    code: str
    label: str
    article: int
    item: int | None
    category: str
    text: str
    doc: str
    is_active: bool


@router.get("/templates", response=list[TemplateListOut], summary="Checklist templates (published)")
def template_list(request, filters: Query[TemplateFilterIn]):
    return list(templates_filtered(request.auth, include_all=filters.all, key=filters.key))


@router.get(
    "/templates/{template_id}",
    response=TemplateOut,
    summary="One checklist template with its sections and items",
)
def template_detail(request, template_id: int):
    template = template_for_user(request.auth, template_id)
    if not (request.auth.is_agency_staff or template.status == TemplateStatus.PUBLISHED):
        raise Http404
    return template


@router.get(
    "/major-clauses",
    response=list[MajorClauseOut],
    summary="Clauses of the major-hazard standard (2024)",
)
def major_clause_list(request):
    return list(major_clauses())
