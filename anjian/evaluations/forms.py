"""Forms of the 考评 pages: list filters, a new evaluation, reviews, accidents, the final 考评."""

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .models import Accident, Evaluation, FinalEvaluation

MONTH_FORMATS = ["%Y-%m", "%Y-%m-%d"]


class MonthField(forms.DateField):
    """A month (``<input type="month">``, YYYY-MM) as the first day of that month."""

    widget = forms.DateInput(attrs={"type": "month"}, format="%Y-%m")

    def __init__(self, **kwargs):
        kwargs.setdefault("input_formats", MONTH_FORMATS)
        super().__init__(**kwargs)

    def to_python(self, value):
        day = super().to_python(value)
        return day.replace(day=1) if day else day


def _this_month():
    return timezone.localdate().replace(day=1)


class EvaluationFilterForm(forms.Form):
    """Filters of the evaluation list; invalid values are ignored."""

    q = forms.CharField(label=_("Project"), required=False, max_length=100)
    kind = forms.ChoiceField(
        label=_("Kind"),
        required=False,
        choices=[("", _("All kinds")), *Evaluation.Kind.choices],
    )
    status = forms.ChoiceField(
        label=_("Status"),
        required=False,
        choices=[("", _("All statuses")), *Evaluation.Status.choices],
    )
    month = MonthField(label=_("Month"), required=False)

    def filters(self) -> dict:
        self.is_valid()
        data = getattr(self, "cleaned_data", {})
        return {name: data.get(name) for name in self.fields if data.get(name)}


class EvaluationNewForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), widget=forms.RadioSelect)
    month = MonthField(label=_("Month"), initial=_this_month)

    def __init__(self, *args, kinds=(), **kwargs):
        super().__init__(*args, **kwargs)
        labels = dict(Evaluation.Kind.choices)
        self.fields["kind"].choices = [(k, labels[k]) for k in kinds]
        if len(kinds) == 1:
            self.fields["kind"].initial = kinds[0]


class ReviewForm(forms.Form):
    """The 建设/监理 review of a submitted self-evaluation."""

    decision = forms.ChoiceField(
        label=_("Decision"),
        choices=[("agree", _("Agree")), ("return", _("Return"))],
        widget=forms.RadioSelect,
        initial="agree",
    )
    opinion = forms.CharField(
        label=_("Review opinion"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    image = forms.CharField(required=False, widget=forms.HiddenInput)


class AccidentForm(forms.Form):
    occurred_on = forms.DateField(
        label=_("Date"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    level = forms.ChoiceField(label=_("Level"), choices=Accident.Level.choices)
    is_liability = forms.BooleanField(label=_("Liability accident"), required=False, initial=True)
    deaths = forms.IntegerField(label=_("Deaths"), min_value=0, max_value=1000, initial=0)
    injuries = forms.IntegerField(
        label=_("Serious injuries"), min_value=0, max_value=1000, initial=0
    )
    description = forms.CharField(
        label=_("Description"), max_length=5000, widget=forms.Textarea(attrs={"rows": 3})
    )


class FinalForm(forms.Form):
    result = forms.ChoiceField(
        label=_("Result"), choices=FinalEvaluation.Result.choices, widget=forms.RadioSelect
    )
    reasons = forms.CharField(
        label=_("Reasons"),
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 4}),
    )


class ObjectionForm(forms.Form):
    objection = forms.CharField(
        label=_("Objection"), max_length=5000, widget=forms.Textarea(attrs={"rows": 4})
    )


class FinalReviewForm(forms.Form):
    result = forms.ChoiceField(
        label=_("Result after review"),
        choices=FinalEvaluation.Result.choices,
        widget=forms.RadioSelect,
    )
    comment = forms.CharField(
        label=_("Review conclusion"), max_length=5000, widget=forms.Textarea(attrs={"rows": 3})
    )
