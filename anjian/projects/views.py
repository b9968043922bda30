"""Project registry pages: list, detail tabs, create/edit, participants, people, import/export."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Prefetch
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from anjian.core.errors import DomainError
from anjian.core.excel import xlsx_response
from anjian.core.http import paginate, render_page
from anjian.core.selectors import history_for

from . import excel
from .choices import ParticipantRole, ProjectRole
from .forms import ImportForm, MemberForm, ParticipantForm, ProjectFilterForm, ProjectForm
from .models import Project, ProjectMember, ProjectParticipant
from .selectors import project_for_user, projects_filtered
from .services import (
    member_remove,
    member_save,
    participant_add,
    participant_remove,
    project_save,
)
from .services import project_import as project_import_save

# Tabs of the project page: (url name, label). Later apps append their own.
PROJECT_TABS = [
    ("projects:detail", gettext_lazy("Overview")),
    ("projects:participants", gettext_lazy("Participating units")),
    ("projects:people", gettext_lazy("Key people")),
    ("projects:history", gettext_lazy("History")),
]


def sorted_participants(project):
    """Units in the order of the registry form: 建设, 施工总包, 分包, 监理, 勘察, 设计, 监测."""
    order = {role: i for i, role in enumerate(ParticipantRole.values)}
    units = project.participants.select_related("organization__group")
    return sorted(units, key=lambda p: (order.get(p.role, 99), p.pk))


def sorted_members(members):
    """Key people in the order of their roles."""
    order = {role: i for i, role in enumerate(ProjectRole.values)}
    return sorted(members, key=lambda m: (order.get(m.role, 99), m.pk))


def _form_error(form, error):
    if isinstance(error, DomainError):
        form.add_error(error.field if error.field in form.fields else None, str(error.message))
    else:
        form.add_error(None, error)


@login_required
@require_GET
def project_list(request):
    """Search, filter, sort and page through the projects the user may see."""
    form = ProjectFilterForm(request.GET, user=request.user)
    filters = form.filters()
    page = paginate(request, projects_filtered(request.user, filters))
    return render_page(
        request,
        "projects/project_list.html",
        {
            "form": form,
            "filters": filters,
            "page": page,
            "can_edit": request.user.can_edit_registry,
        },
        partial="results",
    )


@login_required
@require_GET
def project_export(request):
    """The filtered project list as an Excel sheet (same columns as the import)."""
    form = ProjectFilterForm(request.GET, user=request.user)
    projects = projects_filtered(request.user, form.filters()).prefetch_related(
        Prefetch(
            "participants",
            queryset=ProjectParticipant.objects.select_related("organization"),
            to_attr="all_participants",
        ),
        Prefetch("members", queryset=ProjectMember.objects.all(), to_attr="all_members"),
    )
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    return xlsx_response(
        f"工程信息-{stamp}.xlsx", "工程信息", excel.HEADERS, excel.export_rows(projects)
    )


@login_required
@require_GET
def import_template(request):
    """An empty import sheet with the header row and one example row."""
    if not request.user.can_edit_registry:
        raise PermissionDenied
    return xlsx_response("工程信息导入模板.xlsx", "工程信息", excel.HEADERS, excel.template_rows())


@login_required
@require_http_methods(["GET", "POST"])
def project_import(request):
    """Upload a sheet; show a row-by-row error report, or save every row at once."""
    if not request.user.can_edit_registry:
        raise PermissionDenied
    form = ImportForm(request.POST or None, request.FILES or None)
    errors = None
    if request.method == "POST" and form.is_valid():
        result = excel.parse_import(form.cleaned_data["file"], by=request.user)
        if result.ok:
            created = project_import_save(result=result, by=request.user)
            messages.success(
                request, _("%(count)d projects have been imported.") % {"count": len(created)}
            )
            return redirect("projects:list")
        errors = result.errors
    return render(request, "projects/project_import.html", {"form": form, "errors": errors})


@login_required
@require_http_methods(["GET", "POST"])
def project_edit(request, pk=None):
    """Create or edit a project (supervision staff and administrators)."""
    if not request.user.can_edit_registry:
        raise PermissionDenied
    project = project_for_user(request.user, pk, write=True) if pk else Project()
    form = ProjectForm(request.POST or None, instance=project, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            project = project_save(project=form.save(commit=False), by=request.user)
        except (DomainError, ValidationError) as error:
            _form_error(form, error)
        else:
            messages.success(request, _("The project has been saved."))
            return redirect(project)
    return render(
        request, "projects/project_form.html", {"form": form, "project": project if pk else None}
    )


def _tab_context(request, project, active):
    return {
        "project": project,
        "tabs": PROJECT_TABS,
        "active_tab": active,
        "can_edit": Project.objects.editable_by(request.user).filter(pk=project.pk).exists(),
    }


@login_required
@require_GET
def project_detail(request, pk):
    """The overview tab: identity, classification, location, scale, dates, supervision."""
    project = project_for_user(request.user, pk)
    context = _tab_context(request, project, "projects:detail")
    context["participants"] = sorted_participants(project)
    context["members"] = sorted_members(project.members.filter(is_active=True))
    return render(request, "projects/project_detail.html", context)


@login_required
@require_GET
def project_participants(request, pk):
    """The participating units tab."""
    project = project_for_user(request.user, pk)
    context = _tab_context(request, project, "projects:participants")
    context["participants"] = sorted_participants(project)
    context["form"] = ParticipantForm() if context["can_edit"] else None
    return render(request, "projects/project_participants.html", context)


@login_required
@require_POST
def participant_create(request, pk):
    """Add a participating unit."""
    project = project_for_user(request.user, pk, write=True)
    form = ParticipantForm(request.POST)
    if form.is_valid():
        try:
            participant_add(project=project, by=request.user, **form.cleaned_data)
        except (DomainError, ValidationError) as error:
            _form_error(form, error)
        else:
            messages.success(request, _("The unit has been added."))
            return redirect("projects:participants", pk=project.pk)
    context = _tab_context(request, project, "projects:participants")
    context["participants"] = sorted_participants(project)
    context["form"] = form
    return render(request, "projects/project_participants.html", context, status=400)


@login_required
@require_POST
def participant_delete(request, pk, participant_pk):
    """Remove a participating unit."""
    project = project_for_user(request.user, pk, write=True)
    participant = get_object_or_404(ProjectParticipant, pk=participant_pk, project=project)
    participant_remove(participant=participant, by=request.user)
    messages.success(request, _("The unit has been removed."))
    return redirect("projects:participants", pk=project.pk)


@login_required
@require_GET
def project_people(request, pk):
    """The key people tab."""
    project = project_for_user(request.user, pk)
    context = _tab_context(request, project, "projects:people")
    context["members"] = sorted_members(project.members.select_related("organization", "user"))
    return render(request, "projects/project_people.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def member_edit(request, pk, member_pk=None):
    """Add or edit a key person."""
    project = project_for_user(request.user, pk, write=True)
    member = (
        get_object_or_404(ProjectMember, pk=member_pk, project=project)
        if member_pk
        else ProjectMember(project=project)
    )
    form = MemberForm(request.POST or None, instance=member, project=project)
    if request.method == "POST" and form.is_valid():
        try:
            member_save(member=form.save(commit=False), by=request.user)
        except (DomainError, ValidationError) as error:
            _form_error(form, error)
        else:
            messages.success(request, _("The key person has been saved."))
            return redirect("projects:people", pk=project.pk)
    return render(
        request,
        "projects/member_form.html",
        {"form": form, "project": project, "member": member if member_pk else None},
    )


@login_required
@require_POST
def member_delete(request, pk, member_pk):
    """Remove a key person."""
    project = project_for_user(request.user, pk, write=True)
    member = get_object_or_404(ProjectMember, pk=member_pk, project=project)
    member_remove(member=member, by=request.user)
    messages.success(request, _("The key person has been removed."))
    return redirect("projects:people", pk=project.pk)


@login_required
@require_GET
def project_history(request, pk):
    """The history tab: every change to the project, its units and its people."""
    project = project_for_user(request.user, pk)
    context = _tab_context(request, project, "projects:history")
    context["history"] = history_for(project)
    return render(request, "projects/project_history.html", context)
