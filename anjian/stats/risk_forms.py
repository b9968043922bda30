"""Forms of the risk pages: the 'where to go next' filters and the risk formula (one row per
factor)."""

from decimal import Decimal

from django import forms
from django.utils.translation import gettext_lazy as _

from anjian.core.models import Street

from . import risk

MAX_VALUE = 1000  # services.risk_formula_save refuses weights and caps above this


def plain(value) -> str:
    """A decimal without trailing zeros: 10.0 → "10", 0.50 → "0.5"."""
    return f"{Decimal(str(value)).normalize():f}"


class RiskFilterForm(forms.Form):
    """The street and the band of the 'where to go next' list."""

    street = forms.ModelChoiceField(
        label=_("Street"), queryset=None, required=False, empty_label=_("All streets")
    )
    band = forms.ChoiceField(
        label=_("Risk band"),
        required=False,
        choices=[("", _("All bands")), *risk.BAND_LABELS.items()],
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        streets = Street.objects.order_by("name")
        if not user.is_superuser and user.organization_id:
            streets = streets.filter(agencies=user.organization_id)
        self.fields["street"].queryset = streets

    def values(self) -> dict:
        """Each filter's clean value, or None where the value is missing or wrong."""
        data = {}
        for name, field in self.fields.items():
            try:
                data[name] = field.clean(self.data.get(name, ""))
            except forms.ValidationError:
                data[name] = None
        return data


class RiskFormulaForm(forms.Form):
    """The weight and the cap of every factor (`<key>_weight`, `<key>_cap`)."""

    def __init__(self, *args, formula: risk.Formula, **kwargs):
        super().__init__(*args, **kwargs)
        for factor in formula.factors:
            for part, value in (("weight", factor.weight), ("cap", factor.cap)):
                self.fields[f"{factor.key}_{part}"] = forms.DecimalField(
                    label=f"{factor.label} · {_('Weight') if part == 'weight' else _('Cap')}",
                    min_value=0,
                    max_value=MAX_VALUE,
                    max_digits=8,
                    decimal_places=2,
                    initial=plain(value),
                )

    def rows(self) -> list[dict]:
        """One row per factor for the template: its label, unit, defaults and two fields."""
        return [
            {
                "key": key,
                "label": label,
                "unit": unit,
                "default_weight": plain(weight),
                "default_cap": plain(cap),
                "weight": self[f"{key}_weight"],
                "cap": self[f"{key}_cap"],
            }
            for key, (label, unit, weight, cap) in risk.FACTORS.items()
        ]

    def config(self) -> dict:
        """{"key": {"weight": w, "cap": c}} from the cleaned data."""
        data = self.cleaned_data
        return {
            key: {"weight": data[f"{key}_weight"], "cap": data[f"{key}_cap"]}
            for key in risk.FACTORS
        }
