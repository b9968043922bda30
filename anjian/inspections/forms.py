"""Forms for starting an inspection and recording findings."""

from django import forms
from django.utils.text import Truncator
from django.utils.translation import gettext_lazy as _

from anjian.accounts.choices import AgencyRole
from anjian.accounts.models import User
from anjian.dangerous_works.models import DangerousWork
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


def dangerous_work_options(inspection) -> dict[str, dict]:
    """The inspected project's dangerous works that are not completed or cancelled, each with
    its option label and the 2024 clauses its state suggests (computed once per inspection
    object, the page renders one finding form per non-compliant item)."""
    cached = getattr(inspection, "_dangerous_work_options", None)
    if cached is not None:
        return cached
    from anjian.dangerous_works import workflow

    works = DangerousWork.objects.filter(project_id=inspection.project_id).exclude(
        status__in=workflow.CLOSED
    )
    options = {str(work.pk): _work_option(work) for work in works.order_by("number", "pk")}
    inspection._dangerous_work_options = options
    return options


def _work_option(work) -> dict:
    from anjian.dangerous_works.services import suggested_clauses

    wanted = suggested_clauses(work)
    found = {
        (c.article, c.item): c
        for c in MajorHazardClause.objects.filter(
            doc="MAJOR_HAZARD_2024",
            is_active=True,
            article__in={a for a, _i in wanted},
            item__in={i for _a, i in wanted},
        )
    }
    clauses = [found[key] for key in wanted if key in found]
    hint = ""
    if clauses:
        hint = _("Suggested clause: %(clauses)s") % {
            "clauses": "；".join(f"{c.label} {Truncator(c.text).chars(40)}" for c in clauses)
        }
    return {
        "work": work,
        "label": f"{work.number} {work.name}（{work.status_label} · {work.get_level_display()}）",
        "attrs": {
            "data-clause": str(clauses[0].pk) if clauses else "",
            "data-clauses": ",".join(str(c.pk) for c in clauses),
            "data-hint": str(hint),
            "data-level": work.level,
        },
    }


class WorkSelect(forms.Select):
    """Options carry the suggested clause id and the hint text for the Alpine handler."""

    option_data: dict[str, dict] = {}

    def create_option(self, name, value, label, selected, index, subindex=None, attrs=None):
        option = super().create_option(name, value, label, selected, index, subindex, attrs)
        option["attrs"].update(self.option_data.get(str(value), {}).get("attrs", {}))
        return option


class FindingForm(forms.ModelForm):
    dangerous_work = forms.ChoiceField(
        label=_("Dangerous work involved"),
        required=False,
        widget=WorkSelect,
        help_text=_("Choosing one suggests the clause of the major-hazard standard."),
    )
    deadline_days = forms.TypedChoiceField(
        label=_("Suggested deadline"),
        choices=DEADLINE_CHOICES,
        coerce=int,
        empty_value=None,
        required=False,
    )

    class Meta:
        model = Finding
        fields = [
            "description",
            "location",
            "grade",
            "major_clause",
            "deadline_days",
            "dangerous_work",
        ]
        widgets = {
            "description": forms.Textarea(
                attrs={"rows": 2, "placeholder": _("What is wrong, and why it is a hazard")}
            ),
            "location": forms.TextInput(attrs={"placeholder": _("e.g. 3# building, floor 12")}),
        }

    def __init__(self, *args, inspection=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["major_clause"].queryset = MajorHazardClause.objects.filter(is_active=True)
        self.fields["major_clause"].label_from_instance = lambda c: f"{c.label} {c.text[:40]}"
        self.fields["grade"].choices = HazardGrade.choices
        self._work_options = {}
        if inspection is not None:
            self._work_options = dict(dangerous_work_options(inspection))
            current = self.instance.dangerous_work if self.instance.dangerous_work_id else None
            if current is not None and str(current.pk) not in self._work_options:
                self._work_options[str(current.pk)] = _work_option(current)
        if not self._work_options:  # no dangerous work to link: no select
            del self.fields["dangerous_work"]
            return
        field = self.fields["dangerous_work"]
        field.choices = [("", _("None"))] + [
            (key, option["label"]) for key, option in self._work_options.items()
        ]
        field.widget.option_data = self._work_options
        field.widget.attrs.update({"x-on:change": "pick($el)", "data-testid": "dangerous-work"})

    def clean_dangerous_work(self):
        key = self.cleaned_data.get("dangerous_work")
        if not key:
            return None
        return self._work_options[str(key)]["work"]

    def clean(self):
        data = super().clean()
        if data.get("grade") == HazardGrade.MAJOR and not data.get("major_clause"):
            self.add_error(
                "major_clause",
                _("A major hazard must cite a clause of the major-hazard standard."),
            )
        return data


def finding_form_for(answer, inspection=None) -> FindingForm:
    """A new-finding form for a non-compliant item, pre-filled with the item's defaults."""
    item = answer.item
    return FindingForm(
        inspection=inspection,
        auto_id=f"f{item.pk}_%s",
        initial={
            "description": item.text if item.kind == "compliance" else "",
            "grade": item.default_grade,
            "major_clause": item.major_clause_id,
        },
    )
