"""The district view's filter form: choices scoped to the user, invalid values dropped."""

from django import forms
from django.utils.translation import gettext_lazy as _

from anjian.core.models import Street
from anjian.projects.models import Project

from . import warnings as warn
from .models import CATEGORY_CHOICES, LEVEL_CHOICES, STATUS_CHOICES
from .selectors import DEFAULT_SORT, SORTS, WorkFilters

TRUE_VALUES = frozenset({"1", "on", "true", "yes"})
# Filters shown under "More filters" on a phone (the search box is always shown).
ADVANCED = ("street", "status", "category", "level", "warning", "on_site", "open", "sort")
SORT_CHOICES = [
    ("-created", _("Newest first")),
    ("created", _("Oldest first")),
    ("planned", _("Planned start, soonest first")),
    ("-planned", _("Planned start, latest first")),
    ("project", _("Project A–Z")),
    ("-project", _("Project Z–A")),
    ("-level", _("Over-threshold works first")),
    ("level", _("Dangerous works first")),
    ("status", _("Status")),
    ("-status", _("Status, reversed")),
]


def flag(value) -> bool:
    """A checkbox or query flag: "1", "on", "true" and "yes" are on; anything else is off."""
    return str(value or "").strip().lower() in TRUE_VALUES


class FlagInput(forms.CheckboxInput):
    """A checkbox whose query value is read by `flag` (Django's reads "0" as checked)."""

    def value_from_datadict(self, data, files, name):
        return flag(data.get(name))


class WorkFilterForm(forms.Form):
    """The district view's search box and filters (all optional; a wrong value is ignored)."""

    q = forms.CharField(required=False, label=_("Search"))
    project = forms.ModelChoiceField(
        required=False, queryset=Project.objects.none(), empty_label=_("All projects")
    )
    street = forms.ModelChoiceField(
        required=False, queryset=Street.objects.none(), empty_label=_("All streets")
    )
    status = forms.ChoiceField(
        required=False, choices=[("", _("All statuses")), *STATUS_CHOICES], label=_("Status")
    )
    category = forms.ChoiceField(
        required=False,
        choices=[("", _("All categories")), *CATEGORY_CHOICES],
        label=_("Category"),
    )
    level = forms.ChoiceField(
        required=False, choices=[("", _("All levels")), *LEVEL_CHOICES], label=_("Level")
    )
    warning = forms.ChoiceField(
        required=False,
        choices=[
            ("", _("With or without warnings")),
            ("any", _("Any warning")),
            *warn.LABELS.items(),
        ],
        label=_("Warning"),
    )
    on_site = forms.BooleanField(required=False, label=_("On site now"), widget=FlagInput)
    open = forms.BooleanField(required=False, label=_("Not yet completed"), widget=FlagInput)
    sort = forms.ChoiceField(required=False, choices=SORT_CHOICES, label=_("Sort"))

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        projects = Project.objects.visible_to(user)
        self.fields["project"].queryset = projects
        # Thousands of projects make a select too big: offer only the chosen one (links from a
        # project tab set it; the search box finds works by project name).
        chosen = []
        if str(self.data.get("project") or "").isdigit():
            chosen = list(projects.filter(pk=self.data["project"]).values_list("pk", "name"))
        self.fields["project"].widget.choices = [("", _("All projects")), *chosen]
        if user.is_agency_staff:
            self.fields["street"].queryset = (
                Street.objects.all() if user.is_admin else user.organization.jurisdiction.all()
            )
        else:
            self.fields["street"].queryset = Street.objects.filter(projects__in=projects).distinct()

    def filters(self, **override) -> WorkFilters:
        """The valid filters; a wrong value is dropped rather than failing the page."""
        self.is_valid()
        data = dict.fromkeys(self.fields) | self.cleaned_data
        sort = data["sort"] or ""
        values = {
            "q": (data["q"] or "").strip()[:100],
            "project": data["project"].pk if data["project"] else None,
            "street": data["street"].pk if data["street"] else None,
            "status": data["status"] or "",
            "category": data["category"] or "",
            "level": data["level"] or "",
            "warning": data["warning"] or "",
            "on_site": bool(data["on_site"]),
            "open": bool(data["open"]),
            "sort": sort if sort.lstrip("-") in SORTS else DEFAULT_SORT,
        }
        values.update(override)
        return WorkFilters(**values)

    def advanced_active(self) -> bool:
        """Whether a filter under "More filters" is set (the panel then starts open)."""
        return any(self.data.get(name) for name in ADVANCED)
