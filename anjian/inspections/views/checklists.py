"""Checklist templates: list, builder, preview, versions, publishing, Excel import and export.

Agency staff read the templates; administrators of the owner agency build them. The builder
edits drafts only, in place with htmx: every change answers with the changed section card (or
the whole list when sections move) and the warnings box, swapped out of band.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from anjian.core.errors import DomainError

from .. import excel_templates
from ..checklist_forms import ImportForm, ItemForm, SectionForm, TemplateForm
from ..choices import ItemKind, TemplateStatus
from ..models import ChecklistTemplate, TemplateItem, TemplateSection
from ..selectors.checklists import (
    sections_with_items,
    template_for_user,
    template_groups,
    template_versions,
)
from ..services import checklists as svc

PAGE = "inspections/checklists/template_detail.html"


def _require_staff(user):
    if not user.is_agency_staff:
        raise PermissionDenied


def _require_builder(user):
    if not svc.can_manage_templates(user):
        raise PermissionDenied


def _add_errors(form, error):
    """Show a DomainError or ValidationError on the form, per field where the form has it."""
    if isinstance(error, DomainError):
        form.add_error(error.field if error.field in form.fields else None, str(error.message))
        return
    if hasattr(error, "error_dict"):
        for name, errors in error.message_dict.items():
            form.add_error(name if name in form.fields else None, errors)
    else:
        form.add_error(None, error)


def _draft(request, pk) -> ChecklistTemplate:
    """The template to change: visible (404), the user's agency's (403), and still a draft."""
    template = template_for_user(request.user, pk, write=True)
    if not template.is_editable:
        raise DomainError(
            _("A published checklist cannot be changed; create a new version to edit it.")
        )
    return template


def _builder_context(request, template, sections=None):
    sections = sections if sections is not None else sections_with_items(template)
    return {
        "template": template,
        "sections": sections,
        "warnings": svc.template_warnings(template, sections) if template.is_editable else [],
        "can_manage": svc.can_manage(request.user, template),
        "can_edit": template.is_editable and svc.can_manage(request.user, template),
    }


def _changed(request, template, *, section_pk=None):
    """The answer to a builder change: the changed section card (or every section) with the
    warnings for htmx; a redirect to the builder otherwise."""
    if not request.htmx:
        anchor = f"#section-{section_pk}" if section_pk else ""
        return redirect(reverse("inspections:template_detail", args=[template.pk]) + anchor)
    context = _builder_context(request, template)
    if section_pk is not None:
        context["section"] = next((s for s in context["sections"] if s.pk == section_pk), None)
        if context["section"] is not None:
            return render(request, f"{PAGE}#section_changed", context)
    return render(request, f"{PAGE}#sections_changed", context)


def _refused(request, template, error: DomainError):
    """A builder action the service refused: a message on the page (in place for htmx)."""
    if request.htmx:
        response = render(request, f"{PAGE}#flash", {"flash": str(error.message)})
        response["HX-Retarget"] = "#builder-flash"
        response["HX-Reswap"] = "innerHTML"
        return response
    messages.error(request, str(error.message))
    return redirect(template)


FORMS = "inspections/checklists/builder_forms.html"


def _form_page(request, template, form, *, title, action, partial, slot, target, **extra):
    """A builder form: inline for htmx (into `slot`; a saved form answers into `target`), a
    page of its own otherwise."""
    context = {
        "template": template,
        "form": form,
        "title": title,
        "action": action,
        "slot": slot,
        "target": target,
        "form_template": f"{FORMS}#{partial}",
        **extra,
    }
    if request.htmx:
        response = render(request, context["form_template"], context)
        response["HX-Retarget"] = f"#{slot}"
        response["HX-Reswap"] = "innerHTML"
        return response
    return render(request, "inspections/checklists/form_page.html", context)


# --- list, detail, preview -------------------------------------------------------------------


@login_required
@require_GET
def template_list(request):
    """Every checklist with its current version, its draft and older versions."""
    _require_staff(request.user)
    return render(
        request,
        "inspections/checklists/template_list.html",
        {
            "groups": template_groups(request.user),
            "can_build": svc.can_manage_templates(request.user),
        },
    )


@login_required
@require_GET
def template_detail(request, pk):
    """A template's sections and items: the builder for a draft, read-only otherwise."""
    _require_staff(request.user)
    template = template_for_user(request.user, pk)
    context = _builder_context(request, template)
    context["versions"] = template_versions(template, request.user)
    context["draft"] = next(
        (v for v in context["versions"] if v.status == TemplateStatus.DRAFT), None
    )
    return render(request, PAGE, context)


@login_required
@require_GET
def template_preview(request, pk):
    """The checklist exactly as the inspector sees it, its answer buttons disabled."""
    _require_staff(request.user)
    template = template_for_user(request.user, pk)
    return render(
        request,
        "inspections/checklists/template_preview.html",
        {"template": template, "sections": sections_with_items(template)},
    )


# --- template settings, versions, publishing -------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def template_create(request):
    """Start a new checklist (a draft, version 1)."""
    _require_builder(request.user)
    form = TemplateForm(request.POST or None, creating=True)
    if request.method == "POST" and form.is_valid():
        try:
            template = svc.template_create(
                by=request.user,
                key=form.cleaned_data["key"],
                name=form.cleaned_data["name"],
                kind=form.cleaned_data["kind"],
                basis=form.cleaned_data["basis"],
                description=form.cleaned_data["description"],
            )
        except (DomainError, ValidationError) as error:
            _add_errors(form, error)
        else:
            messages.success(request, _("The checklist has been created; add its sections."))
            return redirect(template)
    return render(
        request, "inspections/checklists/template_form.html", {"form": form, "template": None}
    )


@login_required
@require_http_methods(["GET", "POST"])
def template_edit(request, pk):
    """Change a draft's name, type, basis, description and summary weights."""
    try:
        template = _draft(request, pk)
    except DomainError as error:
        messages.error(request, str(error.message))
        return redirect("inspections:template_detail", pk=pk)
    form = TemplateForm(request.POST or None, instance=template)
    if request.method == "POST" and form.is_valid():
        try:
            svc.template_update(
                template=template,
                by=request.user,
                name=form.cleaned_data["name"],
                kind=form.cleaned_data["kind"],
                basis=form.cleaned_data["basis"],
                description=form.cleaned_data["description"],
                summary_weights=form.summary_weights(),
            )
        except (DomainError, ValidationError) as error:
            _add_errors(form, error)
        else:
            messages.success(request, _("The checklist has been saved."))
            return redirect(template)
    return render(
        request,
        "inspections/checklists/template_form.html",
        {"form": form, "template": template},
    )


@login_required
@require_POST
def template_new_version(request, pk):
    """Copy a published version into a new draft and open it in the builder."""
    template = template_for_user(request.user, pk, write=True)
    try:
        draft = svc.template_new_version(template=template, by=request.user)
    except DomainError as error:
        messages.error(request, str(error.message))
        return redirect(template)
    messages.success(
        request,
        _("Version %(version)d is a draft copy; inspections keep using version %(old)d.")
        % {"version": draft.version, "old": template.version},
    )
    return redirect(draft)


@login_required
@require_POST
def template_publish(request, pk):
    """Publish a draft; the version it replaces is superseded."""
    template = template_for_user(request.user, pk, write=True)
    try:
        svc.template_publish(template=template, by=request.user)
    except DomainError as error:
        messages.error(request, str(error.message))
    else:
        messages.success(
            request,
            _("Version %(version)d is published; new inspections use it.")
            % {"version": template.version},
        )
    return redirect(template)


@login_required
@require_POST
def template_delete(request, pk):
    """Discard a draft."""
    template = template_for_user(request.user, pk, write=True)
    try:
        svc.template_delete(template=template, by=request.user)
    except DomainError as error:
        messages.error(request, str(error.message))
        return redirect(template)
    messages.success(request, _("The draft has been deleted."))
    if template.previous_id:
        return redirect("inspections:template_detail", pk=template.previous_id)
    return redirect("inspections:template_list")


# --- Excel -----------------------------------------------------------------------------------


@login_required
@require_GET
def template_export(request, pk):
    """The template as an Excel sheet, one row per item (the import reads it back)."""
    _require_staff(request.user)
    return excel_templates.export_response(template_for_user(request.user, pk))


@login_required
@require_GET
def template_import_sample(request):
    """An import sheet with its header row and example rows."""
    _require_builder(request.user)
    return excel_templates.sample_response()


def _import_keys(user):
    """(key, label) of the checklists the user may import a new version of."""
    seen = {}
    for group in template_groups(user):
        head = group["head"]
        if svc.can_manage(user, head) and head.key not in seen:
            seen[head.key] = f"{head.name}（{head.key}）"
    return list(seen.items())


@login_required
@require_http_methods(["GET", "POST"])
def template_import(request):
    """Upload a sheet into a draft; show every problem by row and column, or open the draft."""
    _require_builder(request.user)
    initial = {"existing": request.GET.get("key", "")}
    form = ImportForm(
        request.POST or None,
        request.FILES or None,
        keys=_import_keys(request.user),
        initial=initial,
    )
    errors = None
    if request.method == "POST" and form.is_valid():
        try:
            template, errors = excel_templates.import_sheet(
                form.cleaned_data["file"], by=request.user, **form.target()
            )
        except DomainError as error:
            _add_errors(form, error)
        else:
            if template is not None:
                messages.success(
                    request,
                    _(
                        "The sheet has been imported into draft version %(version)d; check it and publish it."
                    )
                    % {"version": template.version},
                )
                return redirect(template)
    return render(
        request, "inspections/checklists/template_import.html", {"form": form, "errors": errors}
    )


# --- sections --------------------------------------------------------------------------------


def _section_form_view(request, pk, section_pk=None):
    try:
        template = _draft(request, pk)
    except DomainError as error:
        return _refused(request, template_for_user(request.user, pk), error)
    section = (
        get_object_or_404(TemplateSection, pk=section_pk, template=template)
        if section_pk
        else TemplateSection(template=template)
    )
    form = SectionForm(request.POST or None, instance=section, template=template)
    if request.method == "POST" and form.is_valid():
        try:
            section = svc.section_save(section=form.save(commit=False), by=request.user)
        except (DomainError, ValidationError) as error:
            _add_errors(form, error)
        else:
            if section_pk is None and request.htmx:
                return _changed(request, template)
            return _changed(request, template, section_pk=section.pk)
    if section_pk:
        action = reverse("inspections:section_edit", args=[template.pk, section_pk])
        title = _("Edit section %(code)s") % {"code": section.code}
        slot, target = f"section-{section_pk}-form", f"section-{section_pk}"
    else:
        action = reverse("inspections:section_create", args=[template.pk])
        title = _("Add a section")
        slot, target = "new-section", "sections"
    return _form_page(
        request,
        template,
        form,
        title=title,
        action=action,
        partial="section_form",
        slot=slot,
        target=target,
    )


@login_required
@require_http_methods(["GET", "POST"])
def section_create(request, pk):
    """Add a section at the end of a draft."""
    return _section_form_view(request, pk)


@login_required
@require_http_methods(["GET", "POST"])
def section_edit(request, pk, section_pk):
    """Change a section's code, title, category or split."""
    return _section_form_view(request, pk, section_pk)


@login_required
@require_POST
def section_delete(request, pk, section_pk):
    """Remove a section and its items."""
    template = template_for_user(request.user, pk, write=True)
    section = get_object_or_404(TemplateSection, pk=section_pk, template=template)
    try:
        svc.section_delete(section=section, by=request.user)
    except DomainError as error:
        return _refused(request, template, error)
    return _changed(request, template)


@login_required
@require_POST
def section_move(request, pk, section_pk):
    """Move a section up or down."""
    template = template_for_user(request.user, pk, write=True)
    section = get_object_or_404(TemplateSection, pk=section_pk, template=template)
    try:
        svc.section_move(section=section, by=request.user, direction=request.POST.get("direction"))
    except DomainError as error:
        return _refused(request, template, error)
    return _changed(request, template)


# --- items -----------------------------------------------------------------------------------


def _item_form_view(request, pk, section_pk=None, item_pk=None):
    try:
        template = _draft(request, pk)
    except DomainError as error:
        return _refused(request, template_for_user(request.user, pk), error)
    if item_pk:
        item = get_object_or_404(
            TemplateItem.objects.select_related("section"), pk=item_pk, section__template=template
        )
        section = item.section
    else:
        section = get_object_or_404(TemplateSection, pk=section_pk, template=template)
        kind = ItemKind.SCORED if template.is_scored else ItemKind.COMPLIANCE
        item = TemplateItem(section=section, kind=kind)
        if template.is_scored:
            item.points = None
    section.template = template
    form = ItemForm(request.POST or None, instance=item, template=template, section=section)
    if request.method == "POST" and form.is_valid():
        try:
            item = svc.item_save(item=form.save(commit=False), by=request.user)
        except (DomainError, ValidationError) as error:
            _add_errors(form, error)
        else:
            return _changed(request, template, section_pk=section.pk)
    if item_pk:
        action = reverse("inspections:item_edit", args=[template.pk, item_pk])
        title = _("Edit item %(code)s") % {"code": item.code}
        slot = f"item-{item_pk}-form"
    else:
        action = reverse("inspections:item_create", args=[template.pk, section.pk])
        title = _("Add an item to %(section)s") % {"section": section.code}
        slot = f"section-{section.pk}-new-item"
    return _form_page(
        request,
        template,
        form,
        title=title,
        action=action,
        partial="item_form",
        slot=slot,
        target=f"section-{section.pk}",
        section=section,
    )


@login_required
@require_http_methods(["GET", "POST"])
def item_create(request, pk, section_pk):
    """Add an item at the end of a section."""
    return _item_form_view(request, pk, section_pk=section_pk)


@login_required
@require_http_methods(["GET", "POST"])
def item_edit(request, pk, item_pk):
    """Change an item: text, clause, kind, points, deduction lines, defaults."""
    return _item_form_view(request, pk, item_pk=item_pk)


def _item_for(request, pk, item_pk):
    template = template_for_user(request.user, pk, write=True)
    item = get_object_or_404(
        TemplateItem.objects.select_related("section"), pk=item_pk, section__template=template
    )
    item.section.template = template
    return template, item


@login_required
@require_POST
def item_delete(request, pk, item_pk):
    """Remove an item."""
    template, item = _item_for(request, pk, item_pk)
    section_pk = item.section_id
    try:
        svc.item_delete(item=item, by=request.user)
    except DomainError as error:
        return _refused(request, template, error)
    return _changed(request, template, section_pk=section_pk)


@login_required
@require_POST
def item_move(request, pk, item_pk):
    """Move an item up or down inside its section."""
    template, item = _item_for(request, pk, item_pk)
    try:
        svc.item_move(item=item, by=request.user, direction=request.POST.get("direction"))
    except DomainError as error:
        return _refused(request, template, error)
    return _changed(request, template, section_pk=item.section_id)
