"""Reads for checklist templates: who sees which version, the builder's and preview's data."""

from decimal import Decimal

from django.core.exceptions import PermissionDenied
from django.db.models import Count, Prefetch, Q
from django.http import Http404

from ..choices import DeductionKind, ItemKind, TemplateStatus
from ..models import ChecklistTemplate, MajorHazardClause, TemplateItem, TemplateSection
from ..scoring import JGJ59_CATEGORY_LABELS


def templates_visible_to(user):
    """Published templates for everyone signed in; agency staff also see superseded versions
    and their own agency's drafts; superusers see everything."""
    qs = ChecklistTemplate.objects.all()
    if not user.is_authenticated or not user.is_active:
        return qs.none()
    if user.is_superuser:
        return qs
    if user.is_agency_staff:
        return qs.filter(
            Q(status__in=[TemplateStatus.PUBLISHED, TemplateStatus.ARCHIVED])
            | Q(owner_id=user.organization_id)
        )
    return qs.filter(status=TemplateStatus.PUBLISHED)


def template_for_user(user, pk, *, write: bool = False) -> ChecklistTemplate:
    """The template if the user may see it (404 otherwise); with write, if they may change it
    (403 otherwise)."""
    from ..services.checklists import can_manage

    template = templates_visible_to(user).select_related("owner").filter(pk=pk).first()
    if template is None:
        raise Http404
    if write and not can_manage(user, template):
        raise PermissionDenied
    return template


def templates_filtered(user, *, include_all: bool = False, key: str = ""):
    """Templates for the API: the published ones, or (agency staff asking for all) every
    version they may see."""
    qs = templates_visible_to(user).select_related("owner")
    if not (include_all and (user.is_agency_staff or user.is_superuser)):
        qs = qs.filter(status=TemplateStatus.PUBLISHED)
    if key:
        qs = qs.filter(key=key)
    return qs.order_by("key", "-version")


def template_groups(user) -> list[dict]:
    """Templates grouped by key, each with its current (published) version, its draft and its
    older versions, with section and item counts (one query)."""
    qs = (
        templates_visible_to(user)
        .select_related("owner")
        .annotate(
            section_count=Count("sections", distinct=True),
            item_count=Count("sections__items"),
        )
        .order_by("key", "-version")
    )
    groups: dict[str, dict] = {}
    for template in qs:
        group = groups.setdefault(
            template.key,
            {"key": template.key, "current": None, "draft": None, "versions": []},
        )
        group["versions"].append(template)
        if template.status == TemplateStatus.PUBLISHED:
            group["current"] = template
        elif template.status == TemplateStatus.DRAFT:
            group["draft"] = template
    for group in groups.values():
        group["head"] = group["current"] or group["draft"] or group["versions"][0]
    return sorted(groups.values(), key=lambda g: (g["head"].name, g["key"]))


def template_versions(template: ChecklistTemplate, user) -> list[ChecklistTemplate]:
    """Every version of the template's key the user may see, newest first."""
    return list(
        templates_visible_to(user)
        .filter(key=template.key)
        .only("pk", "key", "version", "name", "status", "published_at", "updated_at")
        .order_by("-version")
    )


def deduction_label(line: dict) -> str:
    """A deduction line's rule as the standard writes it: 扣10分, 扣5~10分, 每处扣2分."""

    def fmt(value):
        text = f"{Decimal(str(value)):f}"
        return text.rstrip("0").rstrip(".") if "." in text else text

    kind = line.get("kind")
    low, high, per = line.get("min"), line.get("max"), line.get("per")
    if kind == DeductionKind.FIXED:
        amount = high if high is not None else low
        return f"扣{fmt(amount)}分" if amount is not None else "扣分"
    if kind == DeductionKind.RANGE and low is not None and high is not None:
        return f"扣{fmt(low)}~{fmt(high)}分"
    if kind == DeductionKind.PER_OCCURRENCE and per is not None:
        label = f"每处扣{fmt(per)}分"
        if high is not None:
            label += f"，最多扣{fmt(high)}分"
        return label
    return ""


def _decorate(sections: list[TemplateSection]) -> list[TemplateSection]:
    """Attach what the pages show: item lists, deduction labels, totals, category label."""
    for section in sections:
        section.item_list = list(section.items.all())
        section.category_label = JGJ59_CATEGORY_LABELS.get(section.category, section.category)
        total = guarantee = Decimal(0)
        for item in section.item_list:
            item.lines = [
                {**line, "label": deduction_label(line)} for line in item.deduction_lines or []
            ]
            if item.kind == ItemKind.SCORED:
                total += item.points
                if item.is_guarantee:
                    guarantee += item.points
        section.points_total = total
        section.guarantee_total = guarantee
    return sections


def sections_with_items(template: ChecklistTemplate) -> list[TemplateSection]:
    """The template's sections in order with their items and clauses (two queries)."""
    items = TemplateItem.objects.select_related("major_clause").order_by("order", "pk")
    sections = list(
        TemplateSection.objects.filter(template=template)
        .prefetch_related(Prefetch("items", queryset=items))
        .order_by("order", "pk")
    )
    for section in sections:
        section.template = template
    return _decorate(sections)


def section_with_items(template: ChecklistTemplate, pk) -> TemplateSection:
    """One section of the template with its items (404 if it is not the template's)."""
    items = TemplateItem.objects.select_related("major_clause").order_by("order", "pk")
    section = (
        TemplateSection.objects.filter(template=template, pk=pk)
        .prefetch_related(Prefetch("items", queryset=items))
        .first()
    )
    if section is None:
        raise Http404
    section.template = template
    return _decorate([section])[0]


def major_clauses(*, active_only: bool = True):
    """The clauses of the major-hazard standard, in article order."""
    qs = MajorHazardClause.objects.all()
    if active_only:
        qs = qs.filter(is_active=True)
    return qs.order_by("article", "item")
