"""Login, profile and tokens; user and organisation management."""

from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, Q
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from anjian.core.errors import DomainError
from anjian.core.http import paginate, render_page
from anjian.core.selectors import history_for
from anjian.projects.models import Project
from anjian.projects.selectors import contractors_prefetch

from .choices import OrgKind
from .forms import LoginForm, OrganizationForm, ProfileForm, TokenForm, UserForm
from .models import ApiToken, Organization, User
from .services import api_token_create, api_token_revoke, organization_save, user_save


class LoginView(auth_views.LoginView):
    template_name = "accounts/login.html"
    authentication_form = LoginForm
    redirect_authenticated_user = True


class PasswordChangeView(auth_views.PasswordChangeView):
    template_name = "accounts/password_change.html"
    success_url = "/accounts/profile/"
    extra_context = {"title": gettext_lazy("Change password")}

    def form_valid(self, form):
        messages.success(self.request, _("Your password has been changed."))
        return super().form_valid(form)


def _form_error(form, error: DomainError):
    field = error.field if error.field in form.fields else None
    form.add_error(field, str(error.message))


@login_required
@require_http_methods(["GET", "POST"])
def profile(request):
    """The user's own details and personal API tokens."""
    user = request.user
    profile_form = ProfileForm(instance=user)
    token_form = TokenForm()
    new_key = None
    if request.method == "POST":
        action = request.POST.get("action")
        if action == "profile":
            profile_form = ProfileForm(request.POST, instance=user)
            if profile_form.is_valid():
                profile_form.save()
                messages.success(request, _("Your profile has been saved."))
                return redirect("accounts:profile")
        elif action == "token":
            token_form = TokenForm(request.POST)
            if token_form.is_valid():
                try:
                    _token, new_key = api_token_create(
                        user=user, name=token_form.cleaned_data["name"]
                    )
                except DomainError as error:
                    _form_error(token_form, error)
                else:
                    token_form = TokenForm()
        else:
            messages.error(request, _("Unknown action."))
    return render(
        request,
        "accounts/profile.html",
        {
            "profile_form": profile_form,
            "token_form": token_form,
            "tokens": user.api_tokens.all(),
            "new_key": new_key,
        },
    )


@login_required
@require_POST
def token_revoke(request, pk):
    """Revoke one of the user's API tokens."""
    token = get_object_or_404(ApiToken, pk=pk, user=request.user)
    api_token_revoke(token=token, by=request.user)
    messages.success(request, _("The token has been revoked."))
    return redirect("accounts:profile")


# --- users (administrators) ---------------------------------------------------------------------


def _require_admin(user):
    if not user.is_admin:
        raise PermissionDenied


@login_required
def user_list(request):
    """All user accounts, searchable, for administrators."""
    _require_admin(request.user)
    q = request.GET.get("q", "").strip()
    users = User.objects.select_related("organization").order_by("organization__name", "username")
    if q:
        users = users.filter(
            Q(username__icontains=q) | Q(name__icontains=q) | Q(organization__name__icontains=q)
        )
    page = paginate(request, users)
    return render_page(
        request, "accounts/user_list.html", {"page": page, "q": q}, partial="results"
    )


@login_required
@require_http_methods(["GET", "POST"])
def user_edit(request, pk=None):
    """Create or edit a user account."""
    _require_admin(request.user)
    instance = get_object_or_404(User, pk=pk) if pk else User()
    form = UserForm(request.POST or None, instance=instance)
    if request.method == "POST" and form.is_valid():
        try:
            user = user_save(
                user=form.save(commit=False),
                by=request.user,
                password=form.cleaned_data.get("password"),
            )
        except DomainError as error:
            _form_error(form, error)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("The account %(name)s has been saved.") % {"name": user})
            return redirect("accounts:user_detail", pk=user.pk)
    return render(
        request,
        "accounts/user_form.html",
        {"form": form, "object": instance if pk else None},
    )


@login_required
def user_detail(request, pk):
    """One account with its project roles and history."""
    _require_admin(request.user)
    account = get_object_or_404(User.objects.select_related("organization"), pk=pk)
    memberships = account.project_memberships.select_related("project")
    return render(
        request,
        "accounts/user_detail.html",
        {"account": account, "memberships": memberships, "history": history_for(account)},
    )


# --- organisations ------------------------------------------------------------------------------


@login_required
def org_list(request):
    """Organisations the user may see, filterable by type."""
    if not request.user.is_agency_staff:
        raise PermissionDenied
    q = request.GET.get("q", "").strip()
    kind = request.GET.get("kind", "")
    orgs = (
        Organization.objects.visible_to(request.user)
        .select_related("group")
        .annotate(project_count=Count("participations__project", distinct=True))
        .order_by("kind", "name")
    )
    if q:
        orgs = orgs.filter(Q(name__icontains=q) | Q(credit_code__icontains=q.upper()))
    if kind in OrgKind.values:
        orgs = orgs.filter(kind=kind)
    page = paginate(request, orgs)
    return render_page(
        request,
        "accounts/org_list.html",
        {"page": page, "q": q, "kind": kind, "kinds": OrgKind.choices},
        partial="results",
    )


@login_required
def org_detail(request, pk):
    """One organisation: details, its projects, its people (admins) and its history."""
    org = get_object_or_404(Organization.objects.visible_to(request.user), pk=pk)
    projects = (
        Project.objects.visible_to(request.user)
        .filter(Q(participants__organization=org) | Q(participants__organization__group=org))
        .distinct()
        .select_related("street")
        .prefetch_related(contractors_prefetch())
        .order_by("-created_at")[:100]
    )
    return render(
        request,
        "accounts/org_detail.html",
        {
            "org": org,
            "projects": projects,
            "subsidiaries": org.subsidiaries.all() if org.kind == OrgKind.GROUP else [],
            "accounts": org.users.all() if request.user.is_admin else None,
            "history": history_for(org) if request.user.is_agency_staff else None,
            "can_edit": request.user.can_edit_registry,
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def org_edit(request, pk=None):
    """Create or edit an organisation (registry editors)."""
    if not request.user.can_edit_registry:
        raise PermissionDenied
    instance = (
        get_object_or_404(Organization.objects.visible_to(request.user), pk=pk)
        if pk
        else Organization()
    )
    if instance.kind == OrgKind.AGENCY and not request.user.is_admin:
        raise PermissionDenied
    form = OrganizationForm(request.POST or None, instance=instance, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            org = organization_save(organization=form.save(commit=False), by=request.user)
            form.save_m2m()
        except DomainError as error:
            _form_error(form, error)
        else:
            messages.success(request, _("%(name)s has been saved.") % {"name": org})
            return redirect("accounts:org_detail", pk=org.pk)
    return render(
        request,
        "accounts/org_form.html",
        {"form": form, "object": instance if pk else None},
    )


@login_required
@require_http_methods(["GET", "POST"])
def agency_settings(request):
    """The administrator's page for the agency's rules: numbering, deadlines, escalation."""
    from anjian.core.numbering import DEFAULT_PATTERNS

    from .forms import AgencySettingsForm
    from .models import AgencySettings
    from .services import agency_settings_save

    _require_admin(request.user)
    if request.user.organization is None or request.user.organization.kind != OrgKind.AGENCY:
        raise PermissionDenied
    row = AgencySettings.for_agency(request.user.organization)
    patterns = {**DEFAULT_PATTERNS, **(row.number_patterns or {})}
    initial = {f"{kind}_pattern": patterns[kind] for kind in AgencySettingsForm.PATTERN_KINDS}
    initial.update(
        min_inspectors=row.min_inspectors,
        revisit_days=row.revisit_days,
        general_days=(row.deadline_days or {}).get("general", 7),
        major_days=(row.deadline_days or {}).get("major", 0),
        escalation_ladder=row.escalation_ladder,
        document_sign_days=row.document_sign_days,
        document_reminder_hours=", ".join(str(h) for h in row.document_reminder_hours or []),
        letter_reply_days=row.letter_reply_days,
    )
    form = AgencySettingsForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        agency_settings_save(settings_row=row, by=request.user, data=form.cleaned_data)
        messages.success(request, _("The settings have been saved."))
        return redirect("accounts:agency_settings")
    return render(request, "accounts/agency_settings.html", {"form": form, "agency": row.agency})
