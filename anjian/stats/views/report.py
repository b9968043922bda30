"""The monthly report (月报): a page to pick the month (and, for agency staff, the street) with a
preview of the key figures, and the report as Excel and as PDF.

Every signed-in user may read it, scoped like the dashboard: agency staff their jurisdiction,
a group HQ its subsidiaries' projects, a contractor its own projects.
"""

import datetime
import re
from urllib.parse import quote, urlencode

from django import forms
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET

from anjian.core.models import Street
from anjian.dangerous_works.models import LEVEL_CHOICES
from anjian.dangerous_works.thresholds import SUPER

from ..report import InvalidMonth, default_month, monthly_report, report_month
from ..report_excel import report_filename, report_xlsx_response
from ..report_pdf import render_report_pdf

MONTH_RE = re.compile(r"^(\d{4})-(\d{1,2})$")


def report_streets(user):
    """The streets agency staff may narrow the report to (companies: none)."""
    if not user.is_agency_staff:
        return Street.objects.none()
    if user.organization_id:
        return user.organization.jurisdiction.order_by("name")
    return Street.objects.order_by("name")


class ReportForm(forms.Form):
    """The month (YYYY-MM, not in the future) and, for agency staff, the street."""

    month = forms.CharField(
        label=_("Month"), widget=forms.TextInput(attrs={"type": "month"}), required=False
    )
    street = forms.ModelChoiceField(
        label=_("Street"),
        queryset=Street.objects.none(),
        required=False,
        empty_label=_("All streets"),
    )

    invalid = _("Choose a month (YYYY-MM) that has begun.")

    def __init__(self, *args, user, today=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.today = today or timezone.localdate()
        streets = report_streets(user)
        self.fields["street"].queryset = streets
        if not user.is_agency_staff:
            del self.fields["street"]

    def clean_month(self) -> datetime.date:
        value = (self.cleaned_data.get("month") or "").strip()
        if not value:
            return default_month(self.today)
        match = MONTH_RE.match(value)
        if not match:
            raise forms.ValidationError(self.invalid)
        try:
            return report_month(int(match[1]), int(match[2]), today=self.today)
        except InvalidMonth:
            raise forms.ValidationError(self.invalid) from None


def _street_param(request) -> int | None:
    """The street of the download links (agency staff only); 404 outside their streets."""
    raw = request.GET.get("street") or ""
    if not raw or not request.user.is_agency_staff:
        return None
    if not raw.isdigit() or not report_streets(request.user).filter(pk=int(raw)).exists():
        raise Http404("Unknown street")
    return int(raw)


def _report_or_404(request, year: int, month: int) -> dict:
    street = _street_param(request)
    try:
        return monthly_report(request.user, year, month, street=street)
    except InvalidMonth:
        raise Http404("No report for this month") from None


def download_urls(month: datetime.date, street) -> dict[str, str]:
    kwargs = {"year": month.year, "month": f"{month.month:02d}"}
    query = "?" + urlencode({"street": street.pk}) if street else ""
    return {
        "xlsx": reverse("stats:report_xlsx", kwargs=kwargs) + query,
        "pdf": reverse("stats:report_pdf", kwargs=kwargs) + query,
    }


@login_required
@require_GET
def report(request):
    """Pick the month (last month by default) and the street; preview; download."""
    form = ReportForm(request.GET or None, user=request.user)
    month, street = default_month(form.today), None
    if form.is_bound:
        if form.is_valid():
            month = form.cleaned_data["month"]
            street = form.cleaned_data.get("street")
        else:
            form_month = None
            if "month" not in form.errors:
                form_month = form.cleaned_data.get("month")
            month = form_month or month
    preview = monthly_report(request.user, month.year, month.month, street=street and street.pk)
    return render(
        request,
        "stats/report.html",
        {
            "form": form,
            "month_value": f"{month:%Y-%m}",
            "report": preview,
            "f": preview["figures"],
            "urls": download_urls(month, street),
            "super_label": dict(LEVEL_CHOICES)[SUPER],
        },
        status=400 if form.is_bound and form.errors else 200,
    )


@login_required
@require_GET
def report_xlsx(request, year, month):
    """The monthly report as an Excel workbook."""
    return report_xlsx_response(_report_or_404(request, year, month))


@login_required
@require_GET
def report_pdf(request, year, month):
    """The monthly report as an official PDF."""
    data = _report_or_404(request, year, month)
    response = HttpResponse(render_report_pdf(data), content_type="application/pdf")
    filename = report_filename(data, "pdf")
    response["Content-Disposition"] = f"inline; filename*=UTF-8''{quote(filename)}"
    return response
