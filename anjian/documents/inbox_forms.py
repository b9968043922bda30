"""Forms of the receiving side: the inbox filters, the reply, submissions (收文) and their handling.

The forms only read what was typed; the services decide (length, files, who may, which project),
and their DomainError is shown at the field it names.
"""

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from anjian.core.forms import MultipleFileField
from anjian.dangerous_works.models import DangerousWork
from anjian.projects.models import Project

from .models import DocumentKind, SubmissionKind, SubmissionStatus
from .selectors import InboxFilters

INBOX_STATES = [
    ("", _("All")),
    ("unread", _("Unread")),
    ("unsigned", _("To sign for")),
    ("unreplied", _("To reply")),
    ("overdue", _("Overdue")),
    ("done", pgettext_lazy("inbox state", "Done")),  # 已办
]


class InboxFilterForm(forms.Form):
    """Filters of the inbox; invalid values are ignored."""

    q = forms.CharField(label=_("Search"), required=False, max_length=100)
    state = forms.ChoiceField(
        label=_("State"), required=False, choices=INBOX_STATES, widget=forms.HiddenInput
    )
    kind = forms.ChoiceField(
        label=_("Type"), required=False, choices=[("", _("All types")), *DocumentKind.choices]
    )
    year = forms.TypedChoiceField(label=_("Year"), required=False, coerce=int, empty_value=None)

    def __init__(self, *args, years=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["year"].choices = [("", _("All years")), *[(y, str(y)) for y in years]]

    def filters(self) -> InboxFilters:
        self.is_valid()
        data = getattr(self, "cleaned_data", {})
        return InboxFilters(
            q=(data.get("q") or "").strip(),
            state=data.get("state") or "",
            kind=data.get("kind") or "",
            year=data.get("year") or None,
        )


class ReplyForm(forms.Form):
    """A written reply (回复) to a document, with attachments."""

    body = forms.CharField(
        label=_("Your reply"),
        required=False,
        widget=forms.Textarea(
            attrs={"rows": 5, "placeholder": _("What was done, or your answer to the document")}
        ),
    )
    files = MultipleFileField(
        label=_("Attachments"),
        help_text=_("PDF, OFD, Word, Excel, WPS, images or ZIP; at most 10 files of 20 MB."),
    )


class SubmissionFilterForm(forms.Form):
    """Filters of the submissions list; invalid values are ignored."""

    q = forms.CharField(label=_("Search"), required=False, max_length=100)
    status = forms.ChoiceField(
        label=_("Status"),
        required=False,
        choices=[("", _("All statuses")), *SubmissionStatus.choices],
    )
    kind = forms.ChoiceField(
        label=_("Type"), required=False, choices=[("", _("All types")), *SubmissionKind.choices]
    )
    mine = forms.BooleanField(label=_("Routed to me, to handle"), required=False)

    def filters(self) -> dict:
        self.is_valid()
        data = getattr(self, "cleaned_data", {})
        return {
            "q": (data.get("q") or "").strip(),
            "status": data.get("status") or "",
            "kind": data.get("kind") or "",
            "mine": bool(data.get("mine")),
        }


class SubmissionForm(forms.Form):
    """A document a company sends to the commission (报送); `cleaned_data` becomes the service's
    `fields` (files apart)."""

    kind = forms.ChoiceField(
        label=_("Type"),
        choices=[("", _("Choose the type")), *SubmissionKind.choices],
    )
    title = forms.CharField(label=_("Title"), max_length=200)
    body = forms.CharField(
        label=_("Text"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("Optional when the document is attached."),
    )
    project = forms.ModelChoiceField(
        label=_("Project"),
        queryset=Project.objects.none(),
        empty_label=_("Choose the project"),
    )
    dangerous_work = forms.ModelChoiceField(
        label=_("Dangerous work"),
        queryset=DangerousWork.objects.none(),
        required=False,
        empty_label=_("None"),
        help_text=_("Required when filing a dangerous work's special scheme (专项方案备案)."),
    )
    files = MultipleFileField(
        label=_("Attachments"),
        help_text=_("PDF, OFD, Word, Excel, WPS, images or ZIP; at most 10 files of 20 MB."),
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        projects = Project.objects.visible_to(user).order_by("name")
        self.fields["project"].queryset = projects
        self.has_projects = projects.exists()
        if not self.has_projects:
            # Nothing to choose: the service finds the agency (or says why it cannot).
            del self.fields["project"]
            self.fields["dangerous_work"].queryset = DangerousWork.objects.none()
            return
        project = self.chosen_project()
        self.fields["dangerous_work"].queryset = (
            DangerousWork.objects.filter(project=project).order_by("number")
            if project is not None
            else DangerousWork.objects.none()
        )

    def chosen_project(self):
        """The project chosen now (typed or initial), if one of the user's."""
        if "project" not in self.fields:
            return None
        field = self.fields["project"]
        value = self.data.get("project") if self.is_bound else self.initial.get("project")
        if isinstance(value, Project):
            value = value.pk
        try:
            return field.queryset.filter(pk=int(value)).first() if value else None
        except (TypeError, ValueError, OverflowError):
            return None

    def service_fields(self) -> dict:
        data = self.cleaned_data
        return {
            "kind": data.get("kind") or "",
            "title": data.get("title") or "",
            "body": data.get("body") or "",
            "project": data.get("project"),
            "dangerous_work": data.get("dangerous_work"),
        }


class HandleForm(forms.Form):
    """受理 or 退回 a submission; the opinion is required to return it (the service says so)."""

    # The two submit buttons of the form carry it (name="action").
    action = forms.ChoiceField(choices=[("acknowledge", _("Acknowledge")), ("return", _("Return"))])
    comment = forms.CharField(
        label=_("Opinion"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(
            attrs={"rows": 3, "placeholder": _("Required when returning it: what is missing")}
        ),
    )
