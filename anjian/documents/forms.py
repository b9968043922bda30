"""Forms of the sender's side: the list's filters and the draft (type, title, text, the project it
is about, who receives it, receipt and reply deadlines, attachments).

The forms only read what was typed; the services decide (title, type, deadlines, the audience,
files, who may) and their DomainError is shown at the field it names.
"""

import datetime

from django import forms
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from anjian.accounts.choices import OrgKind
from anjian.accounts.models import Organization
from anjian.core.forms import MultipleFileField, read_uploads
from anjian.core.models import Street
from anjian.projects.models import Project, ProjectParticipant

from . import services as svc
from .models import DRAFTABLE_KINDS, UNIT_CHOICES, Document, DocumentKind, DocumentStatus
from .selectors import DocumentFilters

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
CHECKBOXES = forms.CheckboxSelectMultiple(attrs={"class": "form-check-input"})
# The audience's list fields, as the form, the preview and services.clean_audience name them.
AUDIENCE_LISTS = ("streets", "projects", "units", "org_kinds", "organizations")
AUDIENCE_FLAGS = ("all_projects", "all_groups")


def org_kind_choices() -> list[tuple[str, str]]:
    return [(kind, OrgKind(kind).label) for kind in svc.ORG_KINDS]


def flag(value) -> bool:
    """A checkbox or query-string flag: present and not "0"/"false"/"off"."""
    return str(value or "").strip().lower() not in ("", "0", "false", "off", "no")


def audience_from_data(data) -> dict:
    """The raw audience from a QueryDict (the form's field names); services.clean_audience
    checks it."""
    raw = {key: data.getlist(key)[:2000] for key in AUDIENCE_LISTS}
    raw.update({key: flag(data.get(key)) for key in AUDIENCE_FLAGS})
    return raw


class DocumentFilterForm(forms.Form):
    """Filters of the sender's list; invalid values are ignored."""

    q = forms.CharField(label=_("Search"), required=False, max_length=100)
    kind = forms.ChoiceField(
        label=_("Type"), required=False, choices=[("", _("All types")), *DocumentKind.choices]
    )
    status = forms.ChoiceField(
        label=_("Status"),
        required=False,
        choices=[("", _("All statuses")), *DocumentStatus.choices],
    )
    year = forms.TypedChoiceField(label=_("Year"), required=False, coerce=int, empty_value=None)

    def __init__(self, *args, years=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["year"].choices = [("", _("All years")), *[(y, str(y)) for y in years]]

    def filters(self) -> DocumentFilters:
        values = {}
        for name, field in self.fields.items():
            # Each filter on its own: a bad year does not drop the search.
            raw = field.widget.value_from_datadict(self.data, self.files, self.add_prefix(name))
            try:
                values[name] = field.clean(raw)
            except forms.ValidationError:
                values[name] = None
        return DocumentFilters(
            q=(values.get("q") or "").strip(),
            kind=values.get("kind") or "",
            status=values.get("status") or "",
            year=values.get("year") or None,
        )


class ProjectChoiceMixin:
    def label_from_instance(self, obj):
        return f"{obj.name}（{obj.street.name}）" if obj.street_id else obj.name


class ProjectChoiceField(ProjectChoiceMixin, forms.ModelChoiceField):
    pass


class ProjectsChoiceField(ProjectChoiceMixin, forms.ModelMultipleChoiceField):
    pass


class DocumentForm(forms.Form):
    """A draft; `service_fields()` becomes services.document_save's `fields`, `read_files()` its
    `files`."""

    kind = forms.ChoiceField(
        label=_("Type"),
        choices=[("", _("Choose the type")), *DRAFTABLE_KINDS],
        required=False,
    )
    title = forms.CharField(
        label=_("Title"),
        required=False,
        max_length=svc.MAX_TITLE,
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )
    body = forms.CharField(
        label=_("Text"),
        required=False,
        max_length=svc.MAX_BODY,
        strip=False,
        widget=forms.Textarea(attrs={"rows": 14, "class": "font-monospace"}),
        help_text=_(
            "Markdown: a blank line starts a paragraph; **bold**, # heading, - list item, "
            "| table | cells |."
        ),
    )
    project = ProjectChoiceField(
        label=_("Project it is about"),
        queryset=Project.objects.none(),
        required=False,
        empty_label=_("None"),
        help_text=_("Optional: the project the document concerns (it does not add recipients)."),
    )
    # The audience (services.resolve_audience).
    all_projects = forms.BooleanField(
        label=_("All projects under construction"),
        required=False,
        help_text=_("Every project of the agency under construction and under supervision."),
    )
    streets = forms.ModelMultipleChoiceField(
        label=_("Projects in these streets"),
        queryset=Street.objects.none(),
        required=False,
        widget=CHECKBOXES,
    )
    projects = ProjectsChoiceField(
        label=_("Named projects"),
        queryset=Project.objects.none(),
        required=False,
        widget=CHECKBOXES,
    )
    units = forms.MultipleChoiceField(
        label=_("On each project, send to"),
        choices=UNIT_CHOICES,
        required=False,
        widget=CHECKBOXES,
        help_text=_("None ticked: the contractor's project team."),
    )
    org_kinds = forms.MultipleChoiceField(
        label=_("Companies of these types"),
        choices=org_kind_choices,
        required=False,
        widget=CHECKBOXES,
        help_text=_("Each company of the type taking part in a project under construction."),
    )
    organizations = forms.ModelMultipleChoiceField(
        label=_("Named organisations"),
        queryset=Organization.objects.none(),
        required=False,
        widget=CHECKBOXES,
    )
    all_groups = forms.BooleanField(
        label=_("All group headquarters"),
        required=False,
        help_text=_("The group headquarters of the companies working on projects."),
    )
    # Receipt and reply.
    sign_required = forms.BooleanField(
        label=_("Receipt (签收) required"),
        required=False,
        widget=forms.CheckboxInput(attrs={"x-model": "sign"}),
    )
    sign_deadline = forms.DateField(label=_("Sign by"), required=False, widget=DATE)
    reply_required = forms.BooleanField(
        label=_("Written reply required"),
        required=False,
        widget=forms.CheckboxInput(attrs={"x-model": "reply"}),
    )
    reply_deadline = forms.DateField(label=_("Reply by"), required=False, widget=DATE)
    files = MultipleFileField(
        label=_("Attachments"),
        help_text=_("PDF, OFD, Word, Excel, WPS, images or ZIP; at most 10 files of 20 MB."),
    )

    def __init__(self, *args, agency, document: Document | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.agency = agency
        self.document = document
        self.audience_errors: list[str] = []
        projects = Project.objects.filter(agency=agency).select_related("street").order_by("name")
        self.fields["project"].queryset = projects
        self.fields["projects"].queryset = projects
        self.fields["streets"].queryset = Street.objects.filter(agencies=agency).order_by("name")
        self.fields["organizations"].queryset = self._organizations(agency, document)
        today = timezone.localdate().isoformat()
        for name in ("sign_deadline", "reply_deadline"):
            self.fields[name].widget.attrs["min"] = today

    @staticmethod
    def _organizations(agency, document):
        """Organisations one may name: those taking part in the agency's projects, their group
        headquarters, and any the document already names."""
        taking_part = ProjectParticipant.objects.filter(project__agency=agency)
        q = Q(pk__in=taking_part.values("organization_id")) | Q(
            pk__in=taking_part.filter(organization__group__isnull=False).values(
                "organization__group_id"
            )
        )
        named = (document.audience or {}).get("organizations") if document else None
        if named:
            q |= Q(pk__in=[pk for pk in named if isinstance(pk, int)])
        return (
            Organization.objects.filter(q, is_active=True)
            .exclude(kind=OrgKind.AGENCY)
            .order_by("name")
        )

    @classmethod
    def initial_for(cls, document: Document) -> dict:
        audience = svc.clean_audience(document.audience)

        def day(value):
            return timezone.localtime(value).date() if value else None

        return {
            "kind": document.kind,
            "title": document.title,
            "body": document.body,
            "project": document.project_id,
            **audience,
            "sign_required": document.sign_required,
            "sign_deadline": day(document.sign_deadline),
            "reply_required": document.reply_required,
            "reply_deadline": day(document.reply_deadline),
        }

    @classmethod
    def initial_new(cls, agency) -> dict:
        return {
            "sign_required": True,
            "sign_deadline": svc.default_sign_day(agency),
            "units": ["contractor"],
        }

    def service_fields(self) -> dict:
        data = self.cleaned_data

        def deadline(day: datetime.date | None):
            return svc.deadline_on(day) if day else None

        return {
            "kind": data.get("kind") or "",
            "title": data.get("title") or "",
            "body": data.get("body") or "",
            "project": data.get("project"),
            "audience": {
                "all_projects": bool(data.get("all_projects")),
                "streets": [s.pk for s in data.get("streets") or []],
                "projects": [p.pk for p in data.get("projects") or []],
                "units": list(data.get("units") or []),
                "org_kinds": list(data.get("org_kinds") or []),
                "organizations": [o.pk for o in data.get("organizations") or []],
                "all_groups": bool(data.get("all_groups")),
            },
            "sign_required": bool(data.get("sign_required")),
            "sign_deadline": deadline(data.get("sign_deadline")),
            "reply_required": bool(data.get("reply_required")),
            "reply_deadline": deadline(data.get("reply_deadline")),
        }

    def read_files(self) -> list[tuple[str, bytes]]:
        """(name, bytes) pairs, as the services take them."""
        return read_uploads(self.cleaned_data.get("files"))

    def chose_files(self) -> bool:
        return bool(self.files and self.files.getlist(self.add_prefix("files")))
