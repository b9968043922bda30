"""Forms for one dangerous work: the register entry, a lifecycle step with its signatures and
document, documents, monitoring readings, alarm handling, patrols and 未批先干 reports.

The forms only read what was typed; the services decide (numbers, gates, who may), so the
parameters are text fields the service parses and reports on by name (`param_<key>`).
"""

from django import forms
from django.utils.translation import gettext_lazy as _

from anjian.accounts.models import Organization
from anjian.projects.choices import ParticipantRole

from . import thresholds, workflow
from .models import MonitoringReading, Patrol, WorkDocument

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
DATETIME = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")


def subtype_value(category: str, subtype: str) -> str:
    return f"{category}:{subtype}"


def subtype_choices() -> list:
    """ "CATEGORY:subtype" values grouped by category (rendered as optgroups)."""
    groups = []
    for category, label in thresholds.CATEGORIES.items():
        options = [
            (subtype_value(c, s), name)
            for (c, s), name in thresholds.SUBTYPES.items()
            if c == category
        ]
        groups.append((label, options))
    return [("", _("Choose the category and sub-type")), *groups]


def params_by_subtype() -> dict[str, list[str]]:
    """The "CATEGORY:subtype" values whose threshold rules use each parameter."""
    used: dict[str, list[str]] = {}
    for rule in thresholds.THRESHOLD_RULES:
        value = subtype_value(rule.category, rule.subtype)
        subtypes = used.setdefault(rule.param, [])
        if value not in subtypes:
            subtypes.append(value)
    return used


PARAM_SUBTYPES = params_by_subtype()


class WorkForm(forms.Form):
    """Register or edit a dangerous work; `cleaned_data` becomes the service's `data`."""

    name = forms.CharField(label=_("Name"), max_length=120)
    subtype = forms.ChoiceField(
        label=_("Category and sub-type"),
        choices=subtype_choices,
        widget=forms.Select(attrs={"x-model": "subtype", "data-testid": "subtype"}),
    )
    location = forms.CharField(
        label=_("Place on site"),
        max_length=120,
        widget=forms.TextInput(attrs={"placeholder": _("e.g. the pit of building 1")}),
    )
    planned_start = forms.DateField(label=_("Planned start"), required=False, widget=DATE)
    planned_end = forms.DateField(label=_("Planned end"), required=False, widget=DATE)
    scheme_author = forms.CharField(label=_("Scheme written by"), max_length=40, required=False)
    tech_lead = forms.CharField(label=_("Project technical lead"), max_length=40, required=False)
    safety_officer = forms.CharField(
        label=_("Full-time safety officer"), max_length=40, required=False
    )
    site_manager = forms.CharField(label=_("Site manager"), max_length=40, required=False)
    supervising_engineer = forms.CharField(
        label=_("Supervising engineer"), max_length=40, required=False
    )
    subcontractor = forms.ModelChoiceField(
        label=_("Subcontractor who wrote the scheme"),
        queryset=Organization.objects.none(),
        required=False,
        empty_label=_("None (written by the general contractor)"),
        help_text=_("Its technical chief signs the internal review as well."),
    )
    needs_acceptance = forms.BooleanField(label=_("Acceptance required"), required=False)
    needs_monitoring = forms.BooleanField(
        label=_("Third-party monitoring required"), required=False
    )

    PEOPLE = (
        "scheme_author",
        "tech_lead",
        "safety_officer",
        "site_manager",
        "supervising_engineer",
        "subcontractor",
    )

    def __init__(self, *args, project, editing: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.editing = editing
        self.fields["subcontractor"].queryset = Organization.objects.filter(
            participations__project=project,
            participations__role=ParticipantRole.SUBCONTRACTOR,
        ).distinct()
        if not editing:
            # On registration the category's defaults apply (set by the service).
            del self.fields["needs_acceptance"]
            del self.fields["needs_monitoring"]
        for key, (label, unit) in thresholds.PARAMETERS.items():
            if key not in PARAM_SUBTYPES:
                continue
            if unit:
                field = forms.CharField(
                    label=f"{label}（{unit}）",
                    required=False,
                    max_length=20,
                    widget=forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"}),
                )
            else:
                field = forms.BooleanField(label=label, required=False)
            field.subtypes = PARAM_SUBTYPES[key]
            self.fields[f"param_{key}"] = field

    @classmethod
    def initial_for(cls, work) -> dict:
        initial = {
            "name": work.name,
            "subtype": subtype_value(work.category, work.subtype),
            "location": work.location,
            "planned_start": work.planned_start,
            "planned_end": work.planned_end,
            "scheme_author": work.scheme_author,
            "tech_lead": work.tech_lead,
            "safety_officer": work.safety_officer,
            "site_manager": work.site_manager,
            "supervising_engineer": work.supervising_engineer,
            "subcontractor": work.subcontractor_id,
            "needs_acceptance": work.needs_acceptance,
            "needs_monitoring": work.needs_monitoring,
        }
        for key, value in (work.params or {}).items():
            if isinstance(value, float) and value.is_integer():
                value = int(value)
            initial[f"param_{key}"] = value
        return initial

    def current_subtype(self) -> str:
        """The sub-type chosen now (typed or initial), for showing its parameters."""
        if self.is_bound:
            return self.data.get("subtype", "")
        return self.initial.get("subtype", "")

    def param_fields(self):
        """(bound field, space-separated sub-types that use it, shown now)."""
        current = self.current_subtype()
        for name in self.fields:
            if name.startswith("param_"):
                subtypes = self.fields[name].subtypes
                yield self[name], " ".join(subtypes), current in subtypes

    def people_fields(self):
        return [self[name] for name in self.PEOPLE]

    def data_for_service(self) -> dict:
        data = {
            key: value for key, value in self.cleaned_data.items() if not key.startswith("param_")
        }
        # Empty numbers and unticked conditions are left out: the work does not have them.
        data["params"] = {
            key.removeprefix("param_"): value
            for key, value in self.cleaned_data.items()
            if key.startswith("param_") and value not in ("", None, False)
        }
        return data


class StepForm(forms.Form):
    """What a lifecycle step carries besides its signatures (parsed by `signatures_from`)."""

    comment = forms.CharField(label=_("Comment"), required=False, max_length=5000)
    document = forms.FileField(label=_("Document"), required=False)
    document_title = forms.CharField(label=_("Document title"), required=False, max_length=120)
    held_on = forms.DateField(label=_("Date of the argumentation meeting"), required=False)
    started_on = forms.DateField(label=_("Start date"), required=False)
    posted = forms.BooleanField(required=False)

    def document_tuple(self):
        upload = self.cleaned_data.get("document")
        if not upload:
            return None
        from .services import MAX_DOCUMENT_BYTES

        # One byte more than allowed is enough for the service to refuse a large file.
        return upload.name, upload.read(MAX_DOCUMENT_BYTES + 1)


SIGNATURE_FIELDS = ("role", "name", "title", "employer", "image")


def signatures_from(post) -> list[dict]:
    """The repeated sig_role/sig_name/sig_title/sig_employer/sig_image fields, as rows."""
    columns = [post.getlist(f"sig_{name}") for name in SIGNATURE_FIELDS]
    rows = []
    for index in range(len(columns[0])):
        rows.append(
            {
                name: (column[index] if index < len(column) else "")
                for name, column in zip(SIGNATURE_FIELDS, columns, strict=True)
            }
        )
    return rows


DOCUMENT_KINDS = (
    WorkDocument.Kind.MONITORING_PLAN,
    WorkDocument.Kind.MONITORING_REPORT,
    WorkDocument.Kind.PATROL,
    WorkDocument.Kind.OTHER,
)


class DocumentForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("Kind"),
        choices=[(k.value, workflow.DOCUMENT_LABELS[k.value]) for k in DOCUMENT_KINDS],
    )
    title = forms.CharField(label=_("Title"), max_length=120, required=False)
    file = forms.FileField(label=_("File"))


class ReadingForm(forms.Form):
    point = forms.CharField(
        label=_("Monitoring point"),
        max_length=40,
        widget=forms.TextInput(attrs={"placeholder": "ZQS-1"}),
    )
    quantity = forms.CharField(
        label=_("Monitored item"),
        max_length=60,
        widget=forms.TextInput(attrs={"placeholder": _("e.g. horizontal displacement")}),
    )
    value = forms.CharField(
        label=_("Value"), max_length=20, widget=forms.TextInput(attrs={"inputmode": "decimal"})
    )
    unit = forms.CharField(
        label=_("Unit"),
        max_length=10,
        required=False,
        widget=forms.TextInput(attrs={"placeholder": "mm"}),
    )
    alarm_value = forms.CharField(
        label=_("Alarm value"),
        max_length=20,
        widget=forms.TextInput(attrs={"inputmode": "decimal"}),
    )
    measured_at = forms.DateTimeField(label=_("Measured at"), required=False, widget=DATETIME)
    source = forms.ChoiceField(label=_("Source"), choices=MonitoringReading.Source.choices)
    report = forms.FileField(label=_("Monitoring report (optional)"), required=False)


class AlarmHandleForm(forms.Form):
    handling = forms.CharField(
        label=_("Measures taken"), max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )


class PatrolForm(forms.Form):
    party = forms.ChoiceField(label=_("Patrolled by"), choices=Patrol.Party.choices)
    result = forms.ChoiceField(
        label=_("Result"), choices=Patrol.Result.choices, widget=forms.RadioSelect
    )
    notes = forms.CharField(
        label=_("Notes"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )
    patrolled_at = forms.DateTimeField(label=_("Patrolled at"), required=False, widget=DATETIME)

    def __init__(self, *args, parties=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["party"].choices = [
            (value, label) for value, label in Patrol.Party.choices if value in parties
        ]
        self.fields["result"].initial = Patrol.Result.NORMAL


class SiteStartedForm(forms.Form):
    started_on = forms.DateField(label=_("Seen on site on"), widget=DATE)
    comment = forms.CharField(
        label=_("What was seen"), max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )
