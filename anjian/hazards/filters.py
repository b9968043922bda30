"""The hazard ledger's filter form: choices scoped to the user, invalid values dropped."""

from django import forms
from django.utils.translation import gettext_lazy as _

from anjian.accounts.choices import OrgKind
from anjian.accounts.models import Organization
from anjian.core.models import Street
from anjian.projects.models import Project

from .choices import HazardGrade, HazardSource, HazardStatus
from .selectors import DEFAULT_SORT, LEDGER_SORTS, LedgerFilters, hazards_visible_to

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
# Filters shown under "More filters" (the search, status and project are always shown).
ADVANCED = (
    "street",
    "contractor",
    "group",
    "category",
    "grade",
    "source",
    "found_from",
    "found_to",
    "closed_from",
    "closed_to",
)
# Every direction of every LEDGER_SORTS key, so the sortable column headers are valid choices.
SORT_CHOICES = [
    ("-found", _("Newest first")),
    ("found", _("Oldest first")),
    ("deadline", _("Deadline, soonest first")),
    ("-deadline", _("Deadline, latest first")),
    ("project", _("Project A–Z")),
    ("-project", _("Project Z–A")),
    ("-grade", _("Major hazards first")),
    ("grade", _("General hazards first")),
    ("status", _("Status")),
    ("-status", _("Status, reversed")),
    ("-closed", _("Recently closed")),
    ("closed", _("Closed, earliest first")),
]


class LedgerFilterForm(forms.Form):
    """The ledger's search box and filters (all optional; a wrong value is ignored)."""

    q = forms.CharField(required=False, label=_("Search"))
    project = forms.ModelChoiceField(
        required=False, queryset=Project.objects.none(), empty_label=_("All projects")
    )
    street = forms.ModelChoiceField(
        required=False, queryset=Street.objects.none(), empty_label=_("All streets")
    )
    contractor = forms.ModelChoiceField(
        required=False, queryset=Organization.objects.none(), empty_label=_("All contractors")
    )
    group = forms.ModelChoiceField(
        required=False, queryset=Organization.objects.none(), empty_label=_("All groups")
    )
    category = forms.ChoiceField(required=False)
    grade = forms.ChoiceField(required=False, choices=[("", _("All grades")), *HazardGrade.choices])
    status = forms.ChoiceField(
        required=False, choices=[("", _("All statuses")), *HazardStatus.choices]
    )
    source = forms.ChoiceField(
        required=False, choices=[("", _("All sources")), *HazardSource.choices]
    )
    overdue = forms.BooleanField(required=False, label=_("Overdue only"))
    open = forms.BooleanField(required=False, label=_("Open only"))
    found_from = forms.DateField(required=False, label=_("Found from"), widget=DATE)
    found_to = forms.DateField(required=False, label=_("Found until"), widget=DATE)
    closed_from = forms.DateField(required=False, label=_("Closed from"), widget=DATE)
    closed_to = forms.DateField(required=False, label=_("Closed until"), widget=DATE)
    sort = forms.ChoiceField(required=False, choices=SORT_CHOICES, label=_("Sort"))

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        projects = Project.objects.visible_to(user)
        self.fields["project"].queryset = projects.order_by("name")
        # Thousands of projects make a select too big to render: offer only the chosen one
        # (links from a project page or a chart set it; the search box finds by project name).
        chosen = []
        if str(self.data.get("project") or "").isdigit():
            chosen = list(projects.filter(pk=self.data["project"]).values_list("pk", "name"))
        self.fields["project"].widget.choices = [("", _("All projects")), *chosen]
        organizations = Organization.objects.visible_to(user)
        self.fields["contractor"].queryset = organizations.filter(kind=OrgKind.CONTRACTOR)
        self.fields["group"].queryset = organizations.filter(kind=OrgKind.GROUP)
        if user.is_agency_staff:
            self.fields["street"].queryset = (
                Street.objects.all() if user.is_admin else user.organization.jurisdiction.all()
            )
        else:
            self.fields["street"].queryset = Street.objects.filter(projects__in=projects).distinct()
        # One query: the categories that occur in the hazards this user may see.
        categories = (
            hazards_visible_to(user)
            .exclude(category="")
            .order_by("category")
            .values_list("category", flat=True)
            .distinct()
        )
        self.fields["category"].choices = [
            ("", _("All categories")),
            *((c, c) for c in categories),
        ]

    def filters(self) -> LedgerFilters:
        """The valid filters; a wrong value is dropped rather than failing the page."""
        self.is_valid()  # cleans once; the template's rendering reuses the result
        data = dict.fromkeys(self.fields) | self.cleaned_data
        sort = data["sort"] or ""
        return LedgerFilters(
            q=(data["q"] or "").strip(),
            project=data["project"].pk if data["project"] else None,
            street=data["street"].pk if data["street"] else None,
            contractor=data["contractor"].pk if data["contractor"] else None,
            group=data["group"].pk if data["group"] else None,
            category=data["category"] or "",
            grade=data["grade"] or "",
            status=data["status"] or "",
            source=data["source"] or "",
            overdue=bool(data["overdue"]),
            open=bool(data["open"]),
            found_from=data["found_from"],
            found_to=data["found_to"],
            closed_from=data["closed_from"],
            closed_to=data["closed_to"],
            sort=sort if sort.lstrip("-") in LEDGER_SORTS else DEFAULT_SORT,
        )

    def advanced_active(self) -> bool:
        """Whether a filter under "More filters" is set (the panel then starts open)."""
        return any(self.data.get(name) for name in ADVANCED)
