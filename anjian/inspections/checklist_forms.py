"""Forms of the checklist builder: template settings, sections, items, Excel import.

Kept apart from forms.py (the inspection forms) while that module is a single file; when it
becomes a package these move to forms/checklists.py, like views/ and urls/.
"""

import json

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from .choices import HazardGrade, ItemKind, TemplateKind
from .models import ChecklistTemplate, TemplateItem, TemplateSection
from .scoring import JGJ59_CATEGORY_LABELS
from .selectors.checklists import major_clauses


def category_choices():
    return [("", _("— none —"))] + [
        (code, f"{label}（{code}）") for code, label in JGJ59_CATEGORY_LABELS.items()
    ]


class TemplateForm(forms.ModelForm):
    """A template's name, type, basis and description; the key only when creating one. A
    scored template also has one weight field per JGJ59 summary category."""

    class Meta:
        model = ChecklistTemplate
        fields = ["key", "name", "kind", "basis", "description"]
        widgets = {"description": forms.Textarea(attrs={"rows": 3})}
        help_texts = {
            "key": _(
                "Letters, digits and hyphens, e.g. jgj59-2011. Stays the same across versions."
            )
        }

    def __init__(self, *args, creating: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = TemplateKind.choices
        if not creating:
            del self.fields["key"]
        self.weight_names = []
        if self.instance.pk and self.instance.is_scored:
            weights = self.instance.summary_weights or {}
            for code, label in JGJ59_CATEGORY_LABELS.items():
                name = f"weight_{code}"
                self.fields[name] = forms.DecimalField(
                    label=label,
                    required=False,
                    min_value=0,
                    max_digits=5,
                    decimal_places=2,
                    initial=weights.get(code),
                )
                self.weight_names.append(name)

    def weight_fields(self):
        return [self[name] for name in self.weight_names]

    def main_fields(self):
        return [f for f in self.visible_fields() if f.name not in self.weight_names]

    def summary_weights(self) -> dict | None:
        """The weights entered (None when the form has no weight fields)."""
        if not self.weight_names:
            return None
        return {
            name.removeprefix("weight_"): value
            for name in self.weight_names
            if (value := self.cleaned_data.get(name)) is not None
        }


class SectionForm(forms.ModelForm):
    """A section's code and title; for a scored template also its summary category and
    whether its items split into 保证项目 and 一般项目."""

    category = forms.ChoiceField(label=_("Summary category"), required=False, choices=())

    class Meta:
        model = TemplateSection
        fields = ["code", "title", "category", "has_guarantee_split"]

    def __init__(self, *args, template, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["code"].widget.attrs["placeholder"] = "B.1"
        if template.is_scored:
            self.fields["category"].choices = category_choices()
        else:
            del self.fields["category"]
            del self.fields["has_guarantee_split"]


class DeductionLinesField(forms.CharField):
    """The deduction lines as JSON in a hidden input, filled by the lines editor."""

    widget = forms.HiddenInput

    def prepare_value(self, value):
        if isinstance(value, list):
            return json.dumps(value, ensure_ascii=False)
        return value

    def to_python(self, value):
        if value in (None, ""):
            return []
        if isinstance(value, list):
            return value
        try:
            data = json.loads(value)
        except ValueError:
            raise forms.ValidationError(_("The deduction lines could not be read.")) from None
        if not isinstance(data, list):
            raise forms.ValidationError(_("The deduction lines could not be read."))
        return data


class ItemForm(forms.ModelForm):
    """A check item. Scored templates add kind, points, 保证项目 and deduction lines."""

    deduction_lines = DeductionLinesField(required=False)

    class Meta:
        model = TemplateItem
        fields = [
            "code",
            "text",
            "clause",
            "kind",
            "points",
            "is_guarantee",
            "deduction_lines",
            "photo_required",
            "default_grade",
            "major_clause",
        ]
        widgets = {"text": forms.Textarea(attrs={"rows": 2})}

    def __init__(self, *args, template, section, **kwargs):
        super().__init__(*args, **kwargs)
        self.template = template
        self.fields["kind"].choices = ItemKind.choices
        self.fields["default_grade"].choices = HazardGrade.choices
        clause = self.fields["major_clause"]
        clause.queryset = major_clauses()
        clause.label_from_instance = lambda c: f"{c.label} {c.text[:40]}"
        clause.help_text = _("Required when the default grade is a major hazard.")
        self.fields["clause"].widget.attrs["placeholder"] = _("e.g. JGJ 59-2011 B.1")
        if not template.is_scored:
            for name in ("kind", "points", "is_guarantee", "deduction_lines"):
                del self.fields[name]
        elif not section.has_guarantee_split:
            del self.fields["is_guarantee"]

    def lines_json(self) -> str:
        """The lines for the editor: what was typed (after an error) or what is stored."""
        if "deduction_lines" not in self.fields:
            return "[]"
        value = self["deduction_lines"].value()
        if isinstance(value, list):
            return json.dumps(value, ensure_ascii=False)
        return value or "[]"

    def save(self, commit=True):
        item = super().save(commit=False)
        if not self.template.is_scored:
            item.kind = ItemKind.COMPLIANCE
        if commit:
            item.save()
        return item


class ImportForm(forms.Form):
    """An Excel sheet and where it goes: a new version of a checklist, or a new checklist."""

    NEW_VERSION = "version"
    NEW_TEMPLATE = "new"

    file = forms.FileField(
        label=_("Excel file (.xlsx)"),
        widget=forms.ClearableFileInput(
            attrs={
                "accept": ".xlsx,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
            }
        ),
    )
    mode = forms.ChoiceField(
        label=_("Import as"),
        choices=[
            (NEW_VERSION, _("A new version of an existing checklist")),
            (NEW_TEMPLATE, _("A new checklist")),
        ],
        widget=forms.RadioSelect,
        initial=NEW_VERSION,
    )
    existing = forms.ChoiceField(label=_("Checklist"), required=False)
    key = forms.SlugField(label=_("Key"), required=False, max_length=40)
    name = forms.CharField(label=_("Name"), required=False, max_length=100)
    kind = forms.ChoiceField(
        label=_("Type"), required=False, choices=TemplateKind.choices, initial=TemplateKind.SCORED
    )
    basis = forms.CharField(label=_("Basis (standard)"), required=False, max_length=120)

    def __init__(self, *args, keys, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["existing"].choices = [("", "—")] + keys

    def clean_file(self):
        upload = self.cleaned_data["file"]
        limit = settings.ANJIAN_MAX_UPLOAD_MB
        if upload.size > limit * 1024 * 1024:
            raise forms.ValidationError(
                _("The file is larger than %(limit)d MB.") % {"limit": limit}
            )
        return upload

    def clean(self):
        data = super().clean()
        if data.get("mode") == self.NEW_VERSION:
            if not data.get("existing"):
                self.add_error("existing", _("Choose the checklist."))
        elif data.get("mode") == self.NEW_TEMPLATE:
            for name in ("key", "name", "kind"):
                if not data.get(name):
                    self.add_error(name, _("Required for a new checklist."))
        return data

    def target(self) -> dict:
        data = self.cleaned_data
        if data["mode"] == self.NEW_VERSION:
            return {"key": data["existing"]}
        return {
            "key": data["key"],
            "name": data["name"],
            "kind": data["kind"],
            "basis": data.get("basis", ""),
        }
