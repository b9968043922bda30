"""Forms for the rectification loop."""

import datetime

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .choices import ReviewMode


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultiplePhotoField(forms.FileField):
    """Several photos from one input (camera or gallery)."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault(
            "widget",
            MultipleFileInput(attrs={"accept": "image/*,.heic,.heif", "capture": "environment"}),
        )
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        single = super().clean
        if isinstance(data, list | tuple):
            return [single(item, initial) for item in data if item]
        return [single(data, initial)] if data else []


class ReplyForm(forms.Form):
    measures = forms.CharField(
        label=_("Measures taken"),
        widget=forms.Textarea(
            attrs={"rows": 3, "placeholder": _("What was done to remove the hazard")}
        ),
        max_length=5000,
    )
    responsible_person = forms.CharField(label=_("Person responsible"), max_length=40)
    completed_on = forms.DateField(
        label=_("Completion date"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        initial=timezone.localdate,
    )
    photos = MultiplePhotoField(label=_("Photos after rectification"), required=False)


class ActForm(forms.Form):
    comment = forms.CharField(
        label=_("Comment"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        max_length=2000,
    )
    new_deadline = forms.DateField(
        label=_("New deadline"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    review_mode = forms.ChoiceField(
        label=_("Review"), choices=ReviewMode.choices, initial=ReviewMode.ONLINE, required=False
    )

    def deadline(self):
        """The new deadline as the end of the chosen day."""
        from .services import deadline_for

        day = self.cleaned_data.get("new_deadline")
        if not day:
            return None
        return deadline_for((day - timezone.localdate()).days)


class ResumptionForm(forms.Form):
    statement = forms.CharField(
        label=_("Rectification done and conditions for resuming"),
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=5000,
    )


class ResumptionReviewForm(forms.Form):
    decision = forms.ChoiceField(
        label=_("Decision"),
        choices=[("approve", _("Approve resumption")), ("reject", _("Refuse"))],
        widget=forms.RadioSelect,
    )
    review_mode = forms.ChoiceField(
        label=_("Review"), choices=ReviewMode.choices, initial=ReviewMode.ONSITE
    )
    comment = forms.CharField(
        label=_("Comment"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


def default_new_deadline(days: int = 7) -> datetime.date:
    return timezone.localdate() + datetime.timedelta(days=days)
