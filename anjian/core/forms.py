"""Forms for reference data: districts and streets."""

from django import forms

from .models import District, Street


class DistrictForm(forms.ModelForm):
    class Meta:
        model = District
        fields = ["province", "city", "name", "area_code"]

    def clean_area_code(self):
        code = self.cleaned_data["area_code"].strip()
        if not (code.isdigit() and len(code) == 6):
            raise forms.ValidationError("行政区划代码应为6位数字。")
        return code


class StreetForm(forms.ModelForm):
    class Meta:
        model = Street
        fields = ["district", "name", "code", "longitude", "latitude"]
