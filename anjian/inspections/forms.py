"""Forms for starting an inspection and recording findings."""

from django import forms
from django.utils.translation import gettext_lazy as _

from anjian.accounts.choices import AgencyRole
from anjian.accounts.models import User
from anjian.projects.choices import ACTIVE_STATUSES
from anjian.projects.models import Project

from .choices import HazardGrade, InspectionType
from .models import ChecklistTemplate, Finding, MajorHazardClause

DEADLINE_CHOICES = [
    ("", _("Decide later")),
    ("0", _("Immediately")),
    ("3", _("3 days")),
    ("7", _("7 days")),
    ("15", _("15 days")),
    ("30", _("30 days")),
]


class StartForm(forms.Form):
    project = forms.ModelChoiceField(label=_("Project"), queryset=Project.objects.none())
    template = forms.ModelChoiceField(
        label=_("Checklist"), queryset=ChecklistTemplate.objects.none()
    )
    inspection_type = forms.ChoiceField(
        label=_("Inspection type"), choices=InspectionType.choices, initial=InspectionType.ROUTINE
    )
    inspectors = forms.ModelMultipleChoiceField(
        label=_("Inspectors"),
        queryset=User.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        help_text=_("You are an inspector yourself; add the colleagues with you."),
        required=False,
    )
    latitude = forms.DecimalField(required=False, widget=forms.HiddenInput)
    longitude = forms.DecimalField(required=False, widget=forms.HiddenInput)
    accuracy = forms.FloatField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["project"].queryset = (
            Project.objects.visible_to(user).filter(status__in=ACTIVE_STATUSES).order_by("name")
        )
        self.fields["template"].queryset = ChecklistTemplate.objects.published().order_by("name")
        self.fields["inspectors"].queryset = User.objects.filter(
            organization=user.organization,
            agency_role__in=[AgencyRole.SUPERVISOR, AgencyRole.CHIEF],
            is_active=True,
        ).exclude(pk=user.pk)


class FindingForm(forms.ModelForm):
    deadline_days = forms.TypedChoiceField(
        label=_("Suggested deadline"),
        choices=DEADLINE_CHOICES,
        coerce=int,
        empty_value=None,
        required=False,
    )

    class Meta:
        model = Finding
        fields = ["description", "location", "grade", "major_clause", "deadline_days"]
        widgets = {
            "description": forms.Textarea(
                attrs={"rows": 2, "placeholder": _("What is wrong, and why it is a hazard")}
            ),
            "location": forms.TextInput(attrs={"placeholder": _("e.g. 3# building, floor 12")}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["major_clause"].queryset = MajorHazardClause.objects.filter(is_active=True)
        self.fields["major_clause"].label_from_instance = lambda c: f"{c.label} {c.text[:40]}"
        self.fields["grade"].choices = HazardGrade.choices

    def clean(self):
        data = super().clean()
        if data.get("grade") == HazardGrade.MAJOR and not data.get("major_clause"):
            self.add_error(
                "major_clause",
                _("A major hazard must cite a clause of the major-hazard standard."),
            )
        return data


def finding_form_for(answer) -> FindingForm:
    """A new-finding form for a non-compliant item, pre-filled with the item's defaults."""
    item = answer.item
    return FindingForm(
        auto_id=f"f{item.pk}_%s",
        initial={
            "description": item.text if item.kind == "compliance" else "",
            "grade": item.default_grade,
            "major_clause": item.major_clause_id,
        },
    )
