"""Forms for reference data (districts and streets) and the shared multi-file upload field."""

from django import forms

from .files import ACCEPT_ATTRIBUTE, MAX_UPLOAD_BYTES
from .models import District, Street


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several documents from one input; cleans to a list of uploaded files (maybe empty)."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput(attrs={"accept": ACCEPT_ATTRIBUTE}))
        kwargs.setdefault("required", False)
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        single = super().clean
        if isinstance(data, list | tuple):
            return [single(item, initial) for item in data if item]
        return [single(data, initial)] if data else []


def read_uploads(files) -> list[tuple[str, bytes]]:
    """(name, bytes) pairs, as the services take them; one byte more than allowed is enough for
    the upload check to refuse a large file, so a huge upload is never read whole."""
    return [(f.name, f.read(MAX_UPLOAD_BYTES + 1)) for f in files or []]


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
