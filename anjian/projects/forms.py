"""Forms for projects, participating units, key people and the Excel import."""

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from anjian.accounts.choices import AgencyRole, OrgKind
from anjian.accounts.models import Organization, User
from anjian.core.models import Street

from .choices import ProjectStatus
from .models import Project, ProjectMember, ProjectParticipant
from .selectors import SORTS, ProjectFilters

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")

FIELDSETS = [
    (
        _("Identity"),
        ["name", "code", "permit_number", "permit_authority", "permit_date", "supervision_reg_no"],
    ),
    (_("Classification"), ["category", "subcategory", "nature", "structure_type", "usage"]),
    (_("Location"), ["street", "address", "longitude", "latitude", "coordinate_system"]),
    (
        _("Scale"),
        [
            "floor_area",
            "floors_above",
            "floors_below",
            "height",
            "pit_depth",
            "length",
            "cost",
            "safety_fee",
        ],
    ),
    (_("Dates"), ["contract_start", "contract_end", "actual_start", "actual_end"]),
    (
        _("Supervision"),
        [
            "agency",
            "lead_supervisor",
            "supervision_status",
            "status",
            "progress",
            "engineer_confirms_rectification",
            "note",
        ],
    ),
]


class ProjectForm(forms.ModelForm):
    class Meta:
        model = Project
        fields = [name for _legend, names in FIELDSETS for name in names]
        widgets = {
            "permit_date": DATE,
            "contract_start": DATE,
            "contract_end": DATE,
            "actual_start": DATE,
            "actual_end": DATE,
            "note": forms.Textarea(attrs={"rows": 3}),
        }

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        agencies = Organization.objects.filter(kind=OrgKind.AGENCY, is_active=True)
        if user.is_admin:
            streets = Street.objects.all()
        else:
            streets = user.organization.jurisdiction.all()
            agencies = agencies.filter(pk=user.organization_id)
            if not self.instance.pk:
                self.initial.setdefault("agency", user.organization_id)
                if user.agency_role in (AgencyRole.SUPERVISOR, AgencyRole.CHIEF):
                    self.initial.setdefault("lead_supervisor", user.pk)
        self.fields["street"].queryset = streets
        self.fields["agency"].queryset = agencies
        self.fields["lead_supervisor"].queryset = User.objects.filter(
            organization__in=agencies,
            agency_role__in=[AgencyRole.SUPERVISOR, AgencyRole.CHIEF],
            is_active=True,
        )

    def fieldsets(self):
        """(legend, bound fields) groups for the template."""
        return [(legend, [self[n] for n in names]) for legend, names in FIELDSETS]


class ProjectFilterForm(forms.Form):
    """The project list's search box and filters (all optional, invalid values ignored)."""

    q = forms.CharField(required=False, label=_("Search"))
    status = forms.ChoiceField(
        required=False, choices=[("", _("All statuses")), *ProjectStatus.choices]
    )
    active = forms.BooleanField(required=False)
    street = forms.ModelChoiceField(
        required=False, queryset=Street.objects.none(), empty_label=_("All streets")
    )
    category = forms.ChoiceField(required=False)
    contractor = forms.ModelChoiceField(
        required=False, queryset=Organization.objects.none(), empty_label=_("All contractors")
    )
    group = forms.ModelChoiceField(
        required=False, queryset=Organization.objects.none(), empty_label=_("All groups")
    )
    supervisor = forms.ModelChoiceField(
        required=False, queryset=User.objects.none(), empty_label=_("All supervisors")
    )
    sort = forms.CharField(required=False)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        from .choices import ProjectCategory

        self.fields["category"].choices = [("", _("All categories")), *ProjectCategory.choices]
        visible = Organization.objects.visible_to(user)
        self.fields["contractor"].queryset = visible.filter(kind=OrgKind.CONTRACTOR)
        self.fields["group"].queryset = visible.filter(kind=OrgKind.GROUP)
        if user.is_agency_staff:
            self.fields["street"].queryset = (
                Street.objects.all() if user.is_admin else user.organization.jurisdiction.all()
            )
            self.fields["supervisor"].queryset = User.objects.filter(
                agency_role__in=[AgencyRole.SUPERVISOR, AgencyRole.CHIEF], is_active=True
            )
        else:
            self.fields["street"].queryset = Street.objects.filter(
                projects__in=Project.objects.visible_to(user)
            ).distinct()
            del self.fields["supervisor"]

    def filters(self) -> ProjectFilters:
        """The valid filters; a wrong value is dropped rather than failing the page."""
        data = {}
        for name in self.fields:
            field = self.fields[name]
            raw = self.data.get(name, "")
            try:
                value = field.clean(raw)
            except forms.ValidationError:
                value = None
            data[name] = value
        sort = data.get("sort") or ""
        return ProjectFilters(
            q=data.get("q") or "",
            status=data.get("status") or "",
            active=bool(data.get("active")),
            street=data["street"].pk if data.get("street") else None,
            category=data.get("category") or "",
            contractor=data["contractor"].pk if data.get("contractor") else None,
            group=data["group"].pk if data.get("group") else None,
            supervisor=data["supervisor"].pk if data.get("supervisor") else None,
            sort=sort if sort.lstrip("-") in SORTS else "-created",
        )


class ParticipantForm(forms.ModelForm):
    class Meta:
        model = ProjectParticipant
        fields = [
            "role",
            "organization",
            "lead_name",
            "lead_phone",
            "qualification",
            "safety_licence_no",
        ]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organization"].queryset = Organization.objects.exclude(
            kind__in=[OrgKind.AGENCY, OrgKind.GROUP]
        ).filter(is_active=True)


class MemberForm(forms.ModelForm):
    class Meta:
        model = ProjectMember
        fields = [
            "role",
            "name",
            "phone",
            "organization",
            "user",
            "registration_no",
            "safety_cert_kind",
            "safety_cert_no",
            "is_active",
        ]

    def __init__(self, *args, project, **kwargs):
        super().__init__(*args, **kwargs)
        org_ids = project.participants.values("organization_id")
        self.fields["organization"].queryset = Organization.objects.filter(pk__in=org_ids)
        self.fields["user"].queryset = User.objects.filter(organization__in=org_ids, is_active=True)


class ImportForm(forms.Form):
    file = forms.FileField(
        label=_("Excel file (.xlsx)"),
        widget=forms.ClearableFileInput(
            attrs={
                "accept": ".xlsx,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
            }
        ),
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        limit = settings.ANJIAN_MAX_UPLOAD_MB
        if upload.size > limit * 1024 * 1024:
            raise forms.ValidationError(
                _("The file is larger than %(limit)d MB.") % {"limit": limit}
            )
        return upload
