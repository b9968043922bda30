"""Writes for checklist templates: create, version, publish, edit sections and items, import.

A template is changed only while it is a draft. A published template (which inspections may
already use) is edited by copying it into a new draft version; publishing that draft archives
the version it replaces, so every inspection keeps the exact version it was done with.
Only administrators of the agency that owns a template change it.
"""

import copy
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from anjian.accounts.choices import OrgKind
from anjian.core.errors import DomainError, PermissionDenied

from ..choices import DeductionKind, HazardGrade, ItemKind, TemplateKind, TemplateStatus
from ..models import ChecklistTemplate, MajorHazardClause, TemplateItem, TemplateSection
from ..scoring import JGJ59_WEIGHTS

__all__ = [
    "ImportRejected",
    "ImportRow",
    "can_manage",
    "can_manage_templates",
    "deduction_lines_clean",
    "item_clean",
    "item_delete",
    "item_move",
    "item_save",
    "section_delete",
    "section_move",
    "section_save",
    "template_create",
    "template_delete",
    "template_errors",
    "template_import_rows",
    "template_new_version",
    "template_publish",
    "template_update",
    "template_warnings",
]

# JGJ 59-2011: a table with 保证项目 gives them 60 of its 100 points (DOMAIN §1.2, §1.4).
GUARANTEE_TOTAL = Decimal(60)
SECTION_TOTAL = Decimal(100)
MAX_ITEM_POINTS = Decimal(100)
MAX_DEDUCTION_LINES = 30
MAX_LINE_TEXT = 200


# --- permissions -----------------------------------------------------------------------------


def can_manage_templates(user) -> bool:
    """Administrators of a supervision agency (and platform superusers) build templates."""
    return bool(user.is_authenticated and user.is_active and user.is_admin)


def can_manage(user, template: ChecklistTemplate) -> bool:
    """Only administrators of the agency that owns `template` may change it."""
    if not can_manage_templates(user):
        return False
    return user.is_superuser or template.owner_id == user.organization_id


def _require_manager(template, by):
    if not can_manage(by, template):
        raise PermissionDenied(
            _("Only administrators of the agency that owns this checklist may change it.")
        )


def _lock_draft(template, by) -> ChecklistTemplate:
    """Lock the template row and make sure `by` may still change it (a draft of their agency)."""
    _require_manager(template, by)
    template = ChecklistTemplate.objects.select_for_update().get(pk=template.pk)
    if not template.is_editable:
        raise DomainError(
            _("A published checklist cannot be changed; create a new version to edit it.")
        )
    return template


# --- numbers and deduction lines -------------------------------------------------------------


def _fmt(value) -> str:
    """A number as people write it: 10, 7.5 (no trailing zeros)."""
    text = f"{Decimal(value):f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text


def _number(value) -> Decimal | None:
    """A non-negative number from a form, JSON or a cell; None when empty; ValueError if bad."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, bool):
        raise ValueError
    try:
        number = Decimal(str(value).strip())
    except InvalidOperation:
        raise ValueError from None
    if not number.is_finite() or number < 0:
        raise ValueError
    return number


def _json_number(value: Decimal | None):
    """A Decimal as a JSON number: an int when whole, else a float."""
    if value is None:
        return None
    if value == value.to_integral_value():
        return int(value)
    return float(value)


def deduction_lines_clean(raw, *, points) -> tuple[list[dict], list[str]]:
    """Normalise 扣分标准 lines to [{kind, text, min, max, per}]; return them and the problems.

    'fixed' keeps its deduction in min and max, 'range' min~max, 'per_occurrence' its per-
    occurrence deduction in per and an optional cap in max. No deduction may exceed `points`.
    Rows left completely empty (an added row never filled in) are dropped.
    """
    if raw in (None, ""):
        return [], []
    if not isinstance(raw, list):
        return [], [_("The deduction lines could not be read.")]
    points = Decimal(points or 0)
    lines, problems = [], []

    def problem(index, message):
        problems.append(
            _("Deduction line %(line)d: %(problem)s") % {"line": index, "problem": message}
        )

    for index, line in enumerate(raw, start=1):
        if not isinstance(line, dict):
            problem(index, _("it could not be read."))
            continue
        kind = str(line.get("kind") or "").strip()
        text = str(line.get("text") or "").strip()
        values = {}
        bad = False
        for name in ("min", "max", "per"):
            try:
                values[name] = _number(line.get(name))
            except ValueError:
                problem(index, _("%(value)s is not a number.") % {"value": line.get(name)})
                bad = True
        if bad:
            continue
        if not text and all(v is None for v in values.values()):
            continue
        if kind not in DeductionKind.values:
            problem(index, _("choose how the points are deducted."))
            continue
        if not text:
            problem(index, _("describe what is deducted for."))
        elif len(text) > MAX_LINE_TEXT:
            problem(
                index, _("the text is longer than %(max)d characters.") % {"max": MAX_LINE_TEXT}
            )
        low, high, per = values["min"], values["max"], values["per"]
        if kind == DeductionKind.FIXED:
            amount = high if high is not None else low
            if not amount:
                problem(index, _("enter the points deducted."))
                continue
            low = high = amount
            per = None
            top = amount
        elif kind == DeductionKind.RANGE:
            if not low or not high or low >= high:
                problem(index, _("enter a range from a lower to a higher deduction, e.g. 5~10."))
                continue
            per = None
            top = high
        else:
            if not per:
                problem(index, _("enter the points deducted per occurrence."))
                continue
            low = None
            if high is not None and high < per:
                problem(index, _("the maximum is smaller than the deduction per occurrence."))
                continue
            top = high if high is not None else per
        if points and top > points:
            problem(
                index,
                _("the deduction of %(value)s points exceeds the item's %(points)s points.")
                % {"value": _fmt(top), "points": _fmt(points)},
            )
        lines.append(
            {
                "kind": kind,
                "text": text,
                "min": _json_number(low),
                "max": _json_number(high),
                "per": _json_number(per),
            }
        )
    if len(lines) > MAX_DEDUCTION_LINES:
        problems.append(
            _("An item has at most %(max)d deduction lines.") % {"max": MAX_DEDUCTION_LINES}
        )
    return lines, problems


# --- validation ------------------------------------------------------------------------------


def item_clean(item: TemplateItem, *, template: ChecklistTemplate, section=None) -> dict:
    """Normalise `item` for its template and section; return {field: [problems]} (empty: valid).

    Errors: a scored item needs points above 0; a deduction may not exceed the item's points;
    a 保证项目 belongs to a section with a guarantee/general split; 重大 needs a clause.
    """
    section = section if section is not None else item.section
    errors: dict[str, list[str]] = {}

    def add(name, message):
        errors.setdefault(name, []).append(message)

    item.code = (item.code or "").strip()
    item.text = (item.text or "").strip()
    item.clause = (item.clause or "").strip()
    if not item.code:
        add("code", _("Enter the item's code."))
    if not item.text:
        add("text", _("Enter the check item."))
    if item.kind not in ItemKind.values:
        add("kind", _("Choose the kind of item."))
    elif item.kind == ItemKind.SCORED and not template.is_scored:
        add("kind", _("A compliance checklist has only compliant/non-compliant items."))
    if item.kind == ItemKind.SCORED:
        points = item.points
        if points is None or Decimal(points) <= 0:
            add("points", _("A scored item needs its points (more than 0)."))
        elif Decimal(points) > MAX_ITEM_POINTS:
            add("points", _("An item cannot be worth more than 100 points."))
        lines, problems = deduction_lines_clean(item.deduction_lines, points=points)
        item.deduction_lines = lines
        for message in problems:
            add("deduction_lines", message)
        if item.is_guarantee and not section.has_guarantee_split:
            add(
                "is_guarantee",
                _("Only a section with a guarantee/general split has guarantee items."),
            )
    else:
        item.points = Decimal(0)
        item.is_guarantee = False
        item.deduction_lines = []
    if item.default_grade not in HazardGrade.values:
        add("default_grade", _("Choose the default hazard grade."))
    elif item.default_grade == HazardGrade.MAJOR and not item.major_clause_id:
        add(
            "major_clause",
            _("A major hazard must cite a clause of the major-hazard standard."),
        )
    return errors


def _points_total(items) -> Decimal:
    return sum((Decimal(i.points) for i in items), Decimal(0))


def template_warnings(template: ChecklistTemplate, sections=None) -> list[str]:
    """What the builder points out without refusing: JGJ59 totals (60 / 100), empty sections,
    categories without a summary weight. The standard's values stay editable [U]."""
    if sections is None:
        sections = list(template.sections.prefetch_related("items"))
    warnings = []
    weights = template.summary_weights or {}
    for section in sections:
        items = list(section.items.all())
        name = f"{section.code} {section.title}".strip()
        if not items:
            warnings.append(_("%(section)s has no items.") % {"section": name})
            continue
        if not template.is_scored:
            continue
        scored = [i for i in items if i.kind == ItemKind.SCORED]
        if not scored:
            continue
        if section.has_guarantee_split:
            guarantee = _points_total(i for i in scored if i.is_guarantee)
            if guarantee != GUARANTEE_TOTAL:
                warnings.append(
                    _("%(section)s: guarantee items total %(total)s points, expected 60.")
                    % {"section": name, "total": _fmt(guarantee)}
                )
        total = _points_total(scored)
        if total != SECTION_TOTAL:
            warnings.append(
                _("%(section)s: items total %(total)s points, expected 100.")
                % {"section": name, "total": _fmt(total)}
            )
        if weights and not section.category:
            warnings.append(
                _("%(section)s has no summary category, so it does not count in the summary.")
                % {"section": name}
            )
        elif weights and section.category not in weights:
            warnings.append(
                _("%(section)s: the summary has no weight for category %(category)s.")
                % {"section": name, "category": section.category}
            )
    if template.is_scored and weights:
        total = sum((Decimal(str(v)) for v in weights.values()), Decimal(0))
        if total != SECTION_TOTAL:
            warnings.append(
                _("The summary weights total %(total)s, expected 100.") % {"total": _fmt(total)}
            )
    return warnings


def template_errors(template: ChecklistTemplate) -> list[str]:
    """What stops a draft from being published: no items, or an item that is not valid."""
    sections = list(template.sections.prefetch_related("items__major_clause"))
    problems = []
    if not any(section.items.all() for section in sections):
        problems.append(_("The checklist has no items yet."))
    for section in sections:
        for item in section.items.all():
            for messages in item_clean(item, template=template, section=section).values():
                problems.extend(f"{item.code}: {m}" for m in messages)
    return problems


def _clean_weights(weights) -> dict:
    if not weights:
        return {}
    if not isinstance(weights, dict):
        raise DomainError(_("The summary weights could not be read."), field="summary_weights")
    clean = {}
    for code, value in weights.items():
        try:
            number = _number(value)
        except ValueError:
            raise DomainError(
                _("%(value)s is not a number.") % {"value": value}, field="summary_weights"
            ) from None
        if number is not None and str(code).strip():
            clean[str(code).strip()] = _json_number(number)
    return clean


# --- templates -------------------------------------------------------------------------------


def _owner_for(by):
    owner = by.organization
    if owner is None or owner.kind != OrgKind.AGENCY:
        raise DomainError(_("A checklist belongs to a supervision agency; your account has none."))
    return owner


@transaction.atomic
def template_create(
    *,
    by,
    key: str,
    name: str,
    kind: str,
    basis: str = "",
    description: str = "",
    summary_weights: dict | None = None,
) -> ChecklistTemplate:
    """Create a new template (version 1, a draft) owned by `by`'s agency."""
    if not can_manage_templates(by):
        raise PermissionDenied(_("Only administrators build checklists."))
    owner = _owner_for(by)
    key = (key or "").strip()
    if ChecklistTemplate.objects.filter(key=key).exists():
        raise DomainError(
            _("The key %(key)s is already used by another checklist.") % {"key": key},
            field="key",
        )
    if summary_weights is None and kind == TemplateKind.SCORED:
        summary_weights = {code: int(weight) for code, weight in JGJ59_WEIGHTS.items()}
    template = ChecklistTemplate(
        key=key,
        version=1,
        name=(name or "").strip(),
        kind=kind,
        status=TemplateStatus.DRAFT,
        basis=(basis or "").strip(),
        description=(description or "").strip(),
        owner=owner,
        summary_weights=_clean_weights(summary_weights),
    )
    template.full_clean()
    template.save()
    return template


@transaction.atomic
def template_update(
    *,
    template: ChecklistTemplate,
    by,
    name: str,
    kind: str,
    basis: str = "",
    description: str = "",
    summary_weights: dict | None = None,
) -> ChecklistTemplate:
    """Change a draft's name, type, basis, description and summary weights."""
    template = _lock_draft(template, by)
    if kind == TemplateKind.COMPLIANCE and template.kind != kind:
        if TemplateItem.objects.filter(section__template=template, kind=ItemKind.SCORED).exists():
            raise DomainError(
                _("Change the scored items first: a compliance checklist has none."),
                field="kind",
            )
    template.name = (name or "").strip()
    template.kind = kind
    template.basis = (basis or "").strip()
    template.description = (description or "").strip()
    if summary_weights is not None:
        template.summary_weights = _clean_weights(summary_weights)
    template.full_clean()
    template.save()
    return template


def _copy_content(source: ChecklistTemplate, target: ChecklistTemplate) -> None:
    """Copy every section and item of `source` into `target` (a deep copy, same order)."""
    new_sections = {}
    for section in source.sections.all():
        old_pk = section.pk
        section.pk = None
        section.id = None
        section._state.adding = True
        section.template = target
        section.save()
        new_sections[old_pk] = section
    items = []
    for item in TemplateItem.objects.filter(section__template=source).order_by("pk"):
        item.pk = None
        item.id = None
        item._state.adding = True
        item.section = new_sections[item.section_id]
        item.deduction_lines = copy.deepcopy(item.deduction_lines)
        items.append(item)
    TemplateItem.objects.bulk_create(items)


def _versions_locked(key: str) -> list[ChecklistTemplate]:
    return list(ChecklistTemplate.objects.select_for_update().filter(key=key).order_by("version"))


@transaction.atomic
def template_new_version(*, template: ChecklistTemplate, by) -> ChecklistTemplate:
    """Copy a published (or archived) version into a new draft version to edit."""
    _require_manager(template, by)
    versions = _versions_locked(template.key)
    template = next(v for v in versions if v.pk == template.pk)
    if template.status == TemplateStatus.DRAFT:
        raise DomainError(_("This version is a draft; edit it directly."))
    draft = next((v for v in versions if v.status == TemplateStatus.DRAFT), None)
    if draft is not None:
        raise DomainError(
            _("Version %(version)d of this checklist is already a draft; edit that one.")
            % {"version": draft.version}
        )
    new = ChecklistTemplate.objects.create(
        key=template.key,
        version=versions[-1].version + 1,
        name=template.name,
        kind=template.kind,
        status=TemplateStatus.DRAFT,
        description=template.description,
        basis=template.basis,
        owner=template.owner,
        summary_weights=copy.deepcopy(template.summary_weights),
        previous=template,
    )
    _copy_content(template, new)
    return new


@transaction.atomic
def template_publish(*, template: ChecklistTemplate, by) -> ChecklistTemplate:
    """Publish a draft; the version published before it (same key) becomes archived."""
    _require_manager(template, by)
    versions = _versions_locked(template.key)
    template = next(v for v in versions if v.pk == template.pk)
    if template.status != TemplateStatus.DRAFT:
        raise DomainError(_("Only a draft can be published."))
    problems = template_errors(template)
    if problems:
        raise DomainError(
            _("The checklist cannot be published yet: %(problems)s")
            % {"problems": "；".join(problems[:5])}
        )
    for version in versions:
        if version.status == TemplateStatus.PUBLISHED:
            version.status = TemplateStatus.ARCHIVED
            version.save(update_fields=["status", "updated_at"])
    template.status = TemplateStatus.PUBLISHED
    template.published_at = timezone.now()
    template.save(update_fields=["status", "published_at", "updated_at"])
    return template


@transaction.atomic
def template_delete(*, template: ChecklistTemplate, by) -> None:
    """Discard a draft version with its sections and items."""
    template = _lock_draft(template, by)
    template.delete()


# --- sections --------------------------------------------------------------------------------


def _renumber(objects) -> None:
    changed = []
    for order, obj in enumerate(objects):
        if obj.order != order:
            obj.order = order
            changed.append(obj)
    if changed:
        type(changed[0]).objects.bulk_update(changed, ["order"])


def _move(objects, target, direction: str) -> None:
    if direction not in ("up", "down"):
        raise DomainError(_("Move up or down."))
    objects = list(objects)
    index = next(i for i, obj in enumerate(objects) if obj.pk == target.pk)
    other = index - 1 if direction == "up" else index + 1
    if 0 <= other < len(objects):
        objects[index], objects[other] = objects[other], objects[index]
    _renumber(objects)


@transaction.atomic
def section_save(*, section: TemplateSection, by) -> TemplateSection:
    """Add a section to a draft (at the end) or change one."""
    template = _lock_draft(section.template, by)
    section.template = template
    section.code = (section.code or "").strip()
    section.title = (section.title or "").strip()
    section.category = (section.category or "").strip()
    if not template.is_scored:
        section.category = ""
        section.has_guarantee_split = False
    if (
        section.code
        and TemplateSection.objects.filter(template=template, code=section.code)
        .exclude(pk=section.pk)
        .exists()
    ):
        raise ValidationError({"code": _("Another section of this checklist has this code.")})
    if section.pk is None:
        last = template.sections.aggregate(m=Max("order"))["m"]
        section.order = 0 if last is None else last + 1
    elif not section.has_guarantee_split:
        section.items.filter(is_guarantee=True).update(is_guarantee=False)
    section.full_clean()
    section.save()
    return section


@transaction.atomic
def section_delete(*, section: TemplateSection, by) -> None:
    """Remove a section and its items from a draft."""
    template = _lock_draft(section.template, by)
    section.delete()
    _renumber(template.sections.order_by("order", "pk"))


@transaction.atomic
def section_move(*, section: TemplateSection, by, direction: str) -> None:
    """Move a section one place up or down."""
    template = _lock_draft(section.template, by)
    _move(template.sections.order_by("order", "pk"), section, direction)


# --- items -----------------------------------------------------------------------------------


@transaction.atomic
def item_save(*, item: TemplateItem, by) -> TemplateItem:
    """Add an item to a draft's section (at the end) or change one; refuses invalid items."""
    template = _lock_draft(item.section.template, by)
    errors = item_clean(item, template=template)
    if (
        item.code
        and TemplateItem.objects.filter(section__template=template, code=item.code)
        .exclude(pk=item.pk)
        .exists()
    ):
        errors.setdefault("code", []).append(_("Another item of this checklist has this code."))
    if errors:
        raise ValidationError(errors)
    if item.pk is None:
        last = item.section.items.aggregate(m=Max("order"))["m"]
        item.order = 0 if last is None else last + 1
    item.full_clean()
    item.save()
    return item


@transaction.atomic
def item_delete(*, item: TemplateItem, by) -> None:
    """Remove an item from a draft."""
    _lock_draft(item.section.template, by)
    section = item.section
    item.delete()
    _renumber(section.items.order_by("order", "pk"))


@transaction.atomic
def item_move(*, item: TemplateItem, by, direction: str) -> None:
    """Move an item one place up or down inside its section."""
    _lock_draft(item.section.template, by)
    _move(item.section.items.order_by("order", "pk"), item, direction)


# --- import ----------------------------------------------------------------------------------


@dataclass
class ImportRow:
    """One sheet row, read and parsed: its section, its item (or none), format problems."""

    number: int
    section_code: str = ""
    section_title: str = ""
    category: str = ""
    has_guarantee_split: bool | None = None
    code: str = ""
    text: str = ""
    clause: str = ""
    kind: str | None = None
    points: Decimal | None = None
    is_guarantee: bool = False
    deduction_lines: list = field(default_factory=list)
    photo_required: bool = True
    default_grade: str = HazardGrade.GENERAL
    major_clause: str = ""
    errors: list[tuple[str, str]] = field(default_factory=list)  # (field, message)

    @property
    def has_item(self) -> bool:
        return bool(self.code or self.text)


class ImportRejected(DomainError):
    """The rows have problems and nothing was saved; `errors` lists (row, field, message)."""

    def __init__(self, errors: list[tuple[int | None, str, str]]):
        super().__init__(_("The sheet has problems; nothing was saved."))
        self.errors = errors


def _import_target(*, by, key, name, kind, basis, description):
    """The template the rows go into: (draft to fill or None, attributes for a new one, errors)."""
    errors = []
    key = (key or "").strip()
    versions = list(ChecklistTemplate.objects.filter(key=key).order_by("version")) if key else []
    if versions:
        if not can_manage(by, versions[-1]):
            raise PermissionDenied(
                _("Only administrators of the agency that owns this checklist may change it.")
            )
        draft = next((v for v in versions if v.status == TemplateStatus.DRAFT), None)
        base = next((v for v in versions if v.status == TemplateStatus.PUBLISHED), versions[-1])
        source = draft or base
        attrs = {
            "key": key,
            "version": versions[-1].version + (0 if draft else 1),
            "name": (name or "").strip() or source.name,
            "kind": kind or source.kind,
            "basis": (basis or "").strip() or source.basis,
            "description": (description or "").strip() or source.description,
            "summary_weights": copy.deepcopy(source.summary_weights),
            "owner": source.owner,
            "previous": None if draft else base,
        }
        return draft, attrs, errors
    if not key:
        errors.append((None, "key", _("Enter the checklist's key.")))
    if not (name or "").strip():
        errors.append((None, "name", _("Enter the checklist's name.")))
    if kind not in TemplateKind.values:
        errors.append((None, "kind", _("Choose the checklist's type.")))
    attrs = {
        "key": key,
        "version": 1,
        "name": (name or "").strip(),
        "kind": kind,
        "basis": (basis or "").strip(),
        "description": (description or "").strip(),
        "summary_weights": (
            {code: int(w) for code, w in JGJ59_WEIGHTS.items()}
            if kind == TemplateKind.SCORED
            else {}
        ),
        "owner": None,
        "previous": None,
    }
    return None, attrs, errors


def _add_validation_errors(error: ValidationError, into: dict) -> None:
    """Add a model validation error's messages for fields that have no problem noted yet."""
    for name_, messages in error.message_dict.items():
        if name_ not in into:
            into[name_] = list(messages)


def _import_section(row: ImportRow, plan: dict, template, row_errors: dict) -> None:
    """Start the row's section, or check the row agrees with the section's first row."""
    scored = template.is_scored
    entry = plan.get(row.section_code)
    if entry is None:
        section = TemplateSection(
            code=row.section_code,
            title=row.section_title,
            category=row.category if scored else "",
            has_guarantee_split=bool(row.has_guarantee_split) and scored,
            order=len(plan),
        )
        if not section.title:
            row_errors.setdefault("section_title", []).append(_("Enter the section's title."))
        try:
            section.full_clean(exclude=["template"])
        except ValidationError as error:
            _add_validation_errors(error, row_errors)
        plan[row.section_code] = (section, row.number, [])
        return
    section, first, _items = entry
    checks = [("section_title", row.section_title, section.title)]
    if scored:
        checks.append(("category", row.category, section.category))
        checks.append(("has_guarantee_split", row.has_guarantee_split, section.has_guarantee_split))
    for name_, value, current in checks:
        if value not in (None, "") and value != current:
            row_errors.setdefault(name_, []).append(_("Differs from row %(row)d.") % {"row": first})


def _import_item(row, plan, template, default_kind, clauses, seen_items, row_errors):
    """The row's item, unsaved, with its problems added to `row_errors`."""
    section = plan[row.section_code][0]
    item = TemplateItem(
        code=row.code,
        text=row.text,
        clause=row.clause,
        kind=row.kind or default_kind,
        points=row.points if row.points is not None else Decimal(0),
        is_guarantee=row.is_guarantee,
        deduction_lines=row.deduction_lines,
        photo_required=row.photo_required,
        default_grade=row.default_grade,
    )
    if row.major_clause:
        clause = clauses.get(row.major_clause.upper()) or clauses.get(row.major_clause)
        if clause is None:
            row_errors.setdefault("major_clause", []).append(
                _("Unknown clause of the major-hazard standard.")
            )
        else:
            item.major_clause = clause
    for name_, messages in item_clean(item, template=template, section=section).items():
        if name_ not in row_errors:
            row_errors[name_] = messages
    if item.code:
        if item.code in seen_items:
            row_errors.setdefault("code", []).append(
                _("Same code as row %(row)d.") % {"row": seen_items[item.code]}
            )
        else:
            seen_items[item.code] = row.number
    try:
        item.full_clean(exclude=["section", "major_clause", "kind", "default_grade"])
    except ValidationError as error:
        _add_validation_errors(error, row_errors)
    return item


@transaction.atomic
def template_import_rows(
    *,
    by,
    rows: list[ImportRow],
    key: str,
    name: str = "",
    kind: str = "",
    basis: str = "",
    description: str = "",
) -> ChecklistTemplate:
    """Build a draft of `key` from sheet rows: a new version of an existing checklist (its
    draft, if it has one, is refilled) or a new checklist. Every row is validated first and
    nothing is saved unless all rows are valid (raises ImportRejected with every problem)."""
    if not can_manage_templates(by):
        raise PermissionDenied(_("Only administrators build checklists."))
    draft, attrs, errors = _import_target(
        by=by, key=key, name=name, kind=kind, basis=basis, description=description
    )
    if attrs["owner"] is None:
        attrs["owner"] = _owner_for(by)
    probe = ChecklistTemplate(**attrs, status=TemplateStatus.DRAFT)
    if draft is None:
        try:
            probe.full_clean(exclude=["previous", "owner"])
        except ValidationError as error:
            for name_, messages in error.message_dict.items():
                errors.extend((None, name_, m) for m in messages)
    if not rows:
        errors.append((None, "", _("The sheet has no data rows.")))
    clauses = {}
    for clause in MajorHazardClause.objects.filter(is_active=True):
        clauses[clause.code.upper()] = clause
        clauses[clause.label] = clause
    default_kind = ItemKind.SCORED if probe.is_scored else ItemKind.COMPLIANCE
    # section code -> (section, its first row, its items), in the order of the sheet
    plan: dict[str, tuple[TemplateSection, int, list[TemplateItem]]] = {}
    seen_items: dict[str, int] = {}
    for row in rows:
        row_errors: dict[str, list[str]] = {}
        for name_, message in row.errors:
            row_errors.setdefault(name_, []).append(message)
        if not row.section_code:
            row_errors.setdefault("section_code", []).append(_("Enter the section's code."))
        else:
            _import_section(row, plan, probe, row_errors)
        if row.has_item and row.section_code:
            item = _import_item(row, plan, probe, default_kind, clauses, seen_items, row_errors)
            section, _first, section_items = plan[row.section_code]
            item.order = len(section_items)
            section_items.append(item)
        for name_, messages in row_errors.items():
            errors.extend((row.number, name_, m) for m in messages)
    if errors:
        raise ImportRejected(errors)
    if draft is not None:
        template = ChecklistTemplate.objects.select_for_update().get(pk=draft.pk)
        template.sections.all().delete()
        for name_ in ("name", "kind", "basis", "description"):
            setattr(template, name_, attrs[name_])
        template.save()
    else:
        template = probe
        template.save()
    items = []
    for section, _first, section_items in plan.values():
        section.template = template
        section.save()
        for item in section_items:
            item.section = section
            items.append(item)
    TemplateItem.objects.bulk_create(items)
    return template
