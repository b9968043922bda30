"""Forms for supervision plans: a new plan, a visit, the visit filters, coverage, a 双随机 draw.

(Beside `forms.py`, the inspection-record forms, and `checklist_forms.py`.)
"""

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from anjian.core.models import Street
from anjian.projects.choices import ACTIVE_STATUSES, ProjectCategory, ProjectStatus

from .choices import InspectionType, VisitStatus
from .models import ChecklistTemplate
from .selectors.plans import VisitFilters, frequent_visit_reasons
from .services.plans import first_of_month, inspectors_of, last_of_month, plannable_projects

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class MonthField(forms.DateField):
    """A month typed as YYYY-MM (or any date in it), cleaned to the month's first day."""

    widget = forms.DateInput(attrs={"type": "month"}, format="%Y-%m")

    def __init__(self, **kwargs):
        kwargs.setdefault("input_formats", ["%Y-%m", "%Y-%m-%d"])
        super().__init__(**kwargs)

    def to_python(self, value):
        value = super().to_python(value)
        return first_of_month(value) if value else value


class PlanForm(forms.Form):
    month = MonthField(label=_("Month"))
    title = forms.CharField(
        label=_("Title"),
        max_length=100,
        required=False,
        help_text=_("Leave empty for the standard title."),
    )
    note = forms.CharField(
        label=_("Note"),
        required=False,
        widget=forms.Textarea(
            attrs={"rows": 3, "placeholder": _("Main supervision content and measures")}
        ),
    )


def _project_label(reasons):
    flag = _("More frequent visits")

    def label(project):
        text = f"{project.name}（{project.street.name}）"
        if project.pk in reasons:
            text = f"{text} — {flag}"
        return text

    return label


def _inspector_label(user):
    return f"{user}（{user.get_agency_role_display()}）"


class VisitForm(forms.Form):
    """A planned visit: project, date, type, inspectors, checklists, note."""

    project = forms.ModelChoiceField(label=_("Project"), queryset=None)
    date = forms.DateField(label=_("Date"), widget=DATE)
    inspection_type = forms.ChoiceField(
        label=_("Inspection type"), choices=InspectionType.choices, initial=InspectionType.ROUTINE
    )
    inspectors = forms.ModelMultipleChoiceField(
        label=_("Inspectors"),
        queryset=None,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("At least two supervisors inspect together."),
    )
    templates = forms.ModelMultipleChoiceField(
        label=_("Checklists"),
        queryset=None,
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    note = forms.CharField(label=_("Note"), max_length=200, required=False)

    def __init__(self, *args, plan, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.plan = plan
        projects = plannable_projects(user, plan.agency).select_related("street").order_by("name")
        reasons = frequent_visit_reasons(projects)
        self.fields["project"].queryset = projects
        self.fields["project"].label_from_instance = _project_label(reasons)
        self.fields["inspectors"].queryset = inspectors_of(plan.agency)
        self.fields["inspectors"].label_from_instance = _inspector_label
        self.fields["templates"].queryset = ChecklistTemplate.objects.published().order_by("name")
        self.fields["date"].widget.attrs.update(
            min=plan.month.isoformat(), max=last_of_month(plan.month).isoformat()
        )


class VisitFilterForm(forms.Form):
    """The filters of a plan's calendar and list (all optional; invalid values are ignored)."""

    inspector = forms.ChoiceField(required=False, label=_("Inspector"))
    status = forms.ChoiceField(
        required=False,
        label=_("Status"),
        choices=[("", _("All statuses")), *VisitStatus.choices],
    )
    type = forms.ChoiceField(
        required=False,
        label=_("Inspection type"),
        choices=[("", _("All types")), *InspectionType.choices],
    )

    def __init__(self, *args, agency, user, **kwargs):
        super().__init__(*args, **kwargs)
        choices = [("", _("All inspectors"))]
        if user.is_authenticated and inspectors_of(agency).filter(pk=user.pk).exists():
            choices.append(("me", _("Me")))
        choices += [(str(u.pk), str(u)) for u in inspectors_of(agency)]
        self.fields["inspector"].choices = choices
        self.user = user

    def filters(self, plan) -> VisitFilters:
        data = {}
        for name, field in self.fields.items():
            try:
                data[name] = field.clean(self.data.get(name, ""))
            except forms.ValidationError:
                data[name] = ""
        inspector = data["inspector"]
        return VisitFilters(
            plan=plan.pk,
            inspector=self.user.pk
            if inspector == "me"
            else (int(inspector) if inspector else None),
            status=data["status"],
            inspection_type=data["type"],
        )


class DrawForm(forms.Form):
    """A 双随机 draw: the project filter, K, the inspector pool, the seed, and where to plan."""

    street = forms.ModelChoiceField(
        label=_("Street"), queryset=None, required=False, empty_label=_("All streets")
    )
    category = forms.ChoiceField(
        label=_("Category"),
        required=False,
        choices=[("", _("All categories")), *ProjectCategory.choices],
    )
    status = forms.ChoiceField(
        label=_("Status"),
        required=False,
        choices=[
            ("", _("All statuses under supervision")),
            *[(s.value, s.label) for s in ProjectStatus if s in ACTIVE_STATUSES],
        ],
    )
    k = forms.IntegerField(
        label=_("Number of projects to draw"), min_value=1, max_value=500, initial=5
    )
    inspectors = forms.ModelMultipleChoiceField(
        label=_("Inspector pool"),
        queryset=None,
        widget=forms.CheckboxSelectMultiple,
        required=False,
        help_text=_("Leave all unticked to draw from every supervisor and section chief."),
    )
    seed = forms.CharField(
        label=_("Seed"),
        max_length=64,
        required=False,
        help_text=_(
            "Leave empty for a new random seed; type the seed of an earlier draw to reproduce it."
        ),
    )
    plan = forms.ModelChoiceField(
        label=_("Add the drawn visits to plan"),
        queryset=None,
        required=False,
        empty_label=_("Do not add to a plan"),
    )
    date = forms.DateField(
        label=_("Visit date"),
        widget=DATE,
        required=False,
        help_text=_("Leave empty to spread the visits over the month's remaining working days."),
    )
    templates = forms.ModelMultipleChoiceField(
        label=_("Checklists"),
        queryset=None,
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )

    def __init__(self, *args, agency, plans, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["street"].queryset = Street.objects.filter(agencies=agency).order_by("name")
        self.fields["inspectors"].queryset = inspectors_of(agency)
        self.fields["inspectors"].label_from_instance = _inspector_label
        self.fields["plan"].queryset = plans.filter(
            month__gte=first_of_month(timezone.localdate())
        ).order_by("month")
        self.fields["templates"].queryset = ChecklistTemplate.objects.published().order_by("name")


class CoverageForm(forms.Form):
    """The coverage report's window, street and sort."""

    days = forms.IntegerField(label=_("Days"), min_value=1, max_value=365, required=False)
    street = forms.ModelChoiceField(
        label=_("Street"), queryset=None, required=False, empty_label=_("All streets")
    )
    show = forms.ChoiceField(
        label=_("Show"),
        required=False,
        choices=[("", _("Projects not covered")), ("all", _("All active projects"))],
    )
    sort = forms.ChoiceField(
        label=_("Sort"),
        required=False,
        choices=[
            ("last", _("Longest without a visit")),
            ("-last", _("Most recently visited")),
            ("next", _("Next planned visit")),
            ("flag", _("More frequent visits first")),
            ("name", _("Name A–Z")),
            ("street", _("Street")),
        ],
    )

    def __init__(self, *args, agency, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["street"].queryset = Street.objects.filter(agencies=agency).order_by("name")

    def values(self) -> dict:
        data = {}
        for name, field in self.fields.items():
            try:
                data[name] = field.clean(self.data.get(name, ""))
            except forms.ValidationError:
                data[name] = None
        return data
