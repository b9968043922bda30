"""Forms for login, profile, users and organisations."""

from django import forms
from django.contrib.auth import password_validation
from django.contrib.auth.forms import AuthenticationForm
from django.utils.translation import gettext_lazy as _

from anjian.core.validators import normalize_credit_code

from .choices import OrgKind
from .models import Organization, User
from .services import LoginLocked, login_failure_record, login_lock_check, login_success_record


def client_address(request) -> str | None:
    """The client's IP address (the first X-Forwarded-For hop when configured)."""
    from django.conf import settings

    if settings.USE_X_FORWARDED_FOR:
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
        if forwarded:
            return forwarded.split(",")[0].strip()
    return request.META.get("REMOTE_ADDR")


class LoginForm(AuthenticationForm):
    """Username and password, refused while the account or the address is locked."""

    error_messages = {
        "invalid_login": _("Wrong username or password."),
        "inactive": _("This account has been deactivated."),
    }

    def clean(self):
        username = (self.cleaned_data.get("username") or "").strip()
        address = client_address(self.request) if self.request else None
        try:
            login_lock_check(username=username, address=address)
        except LoginLocked as locked:
            raise forms.ValidationError(locked.message, code="locked") from None
        try:
            cleaned = super().clean()
        except forms.ValidationError:
            login_failure_record(username=username, address=address)
            raise
        login_success_record(username=username)
        return cleaned


class ProfileForm(forms.ModelForm):
    class Meta:
        model = User
        fields = ["name", "phone", "email", "title"]


class TokenForm(forms.Form):
    name = forms.CharField(label=_("Token name"), max_length=60)


class OrganizationForm(forms.ModelForm):
    class Meta:
        model = Organization
        fields = [
            "name",
            "short_name",
            "kind",
            "credit_code",
            "address",
            "contact_name",
            "contact_phone",
            "group",
            "district",
            "jurisdiction",
            "is_active",
        ]
        widgets = {"jurisdiction": forms.CheckboxSelectMultiple}

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["group"].queryset = Organization.objects.filter(kind=OrgKind.GROUP)
        if user is None or not user.is_admin:
            for name in ("district", "jurisdiction"):
                self.fields.pop(name)
            self.fields["kind"].choices = [
                c for c in self.fields["kind"].choices if c[0] != OrgKind.AGENCY
            ]

    def clean_credit_code(self):
        return normalize_credit_code(self.cleaned_data["credit_code"])


class UserForm(forms.ModelForm):
    password = forms.CharField(
        label=_("New password"),
        required=False,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "new-password"}),
        help_text=_("Leave empty to keep the current password."),
    )

    class Meta:
        model = User
        fields = [
            "username",
            "name",
            "phone",
            "email",
            "organization",
            "agency_role",
            "title",
            "is_active",
        ]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organization"].required = True
        self.fields["organization"].queryset = Organization.objects.filter(is_active=True)
        if self.instance.pk is None:
            self.fields["password"].required = True
            self.fields["password"].help_text = ""

    def clean_password(self):
        password = self.cleaned_data.get("password")
        if password:
            password_validation.validate_password(password, self.instance)
        return password


class AgencySettingsForm(forms.Form):
    """The agency's configurable rules, edited by its administrators."""

    inspection_pattern = forms.CharField(label=_("Inspection record number"), max_length=80)
    rectify_pattern = forms.CharField(label=_("Rectification notice number"), max_length=80)
    partial_stop_pattern = forms.CharField(
        label=_("Partial stop-work notice number"), max_length=80
    )
    full_stop_pattern = forms.CharField(label=_("Full stop-work notice number"), max_length=80)
    resume_pattern = forms.CharField(label=_("Resumption notice number"), max_length=80)
    letter_pattern = forms.CharField(label=_("Supervision letter number"), max_length=80)
    dangerous_work_pattern = forms.CharField(
        label=_("Dangerous work register number"), max_length=80
    )
    evaluation_notice_pattern = forms.CharField(
        label=_("Evaluation result notice number"), max_length=80
    )
    document_notice_pattern = forms.CharField(label=_("Notice (通知) number"), max_length=80)
    document_bulletin_pattern = forms.CharField(label=_("Bulletin (通报) number"), max_length=80)
    document_file_pattern = forms.CharField(label=_("File (文件) number"), max_length=80)
    document_letter_pattern = forms.CharField(label=_("Letter (函) number"), max_length=80)
    submission_pattern = forms.CharField(
        label=_("Incoming submission receipt number"), max_length=80
    )
    min_inspectors = forms.IntegerField(
        label=_("Minimum inspectors per supervision inspection"), min_value=1, max_value=10
    )
    revisit_days = forms.IntegerField(
        label=_("Coverage: days without a visit before a project is flagged"),
        min_value=1,
        max_value=365,
    )
    general_days = forms.IntegerField(
        label=_("Default deadline for a general hazard (days, 0 = immediately)"),
        min_value=0,
        max_value=365,
    )
    major_days = forms.IntegerField(
        label=_("Default deadline for a major hazard (days, 0 = immediately)"),
        min_value=0,
        max_value=365,
    )
    document_sign_days = forms.IntegerField(
        label=_("Days to sign for an official document (default deadline)"),
        min_value=0,
        max_value=60,
    )
    document_reminder_hours = forms.CharField(
        label=_("Reminders before a document's deadline (hours, separated by commas)"),
        max_length=60,
        help_text=_("e.g. 24, 4: a day before and 4 hours before the deadline."),
    )
    letter_reply_days = forms.IntegerField(
        label=_("Working days to reply to a supervision letter"), min_value=1, max_value=60
    )
    escalation_ladder = forms.JSONField(
        label=_("Overdue escalation ladder"),
        widget=forms.Textarea(attrs={"rows": 8, "class": "font-monospace"}),
        help_text=_(
            "A list of rungs in order. Each rung: code, hours relative to the deadline (negative = "
            "before), notify (any of contractor, supervisor, chief, group), and letter: true to "
            "issue a supervision letter."
        ),
    )

    PATTERN_KINDS = (
        "inspection",
        "rectify",
        "partial_stop",
        "full_stop",
        "resume",
        "letter",
        "dangerous_work",
        "evaluation_notice",
        "document_notice",
        "document_bulletin",
        "document_file",
        "document_letter",
        "submission",
    )
    NOTIFY_TARGETS = {"contractor", "supervisor", "chief", "group"}

    def clean(self):
        from anjian.core.numbering import PatternError, format_number

        data = super().clean()
        for kind in self.PATTERN_KINDS:
            pattern = data.get(f"{kind}_pattern")
            if pattern is None:
                continue
            if "{seq" not in pattern:
                self.add_error(f"{kind}_pattern", _("The pattern must contain {seq}."))
                continue
            try:
                format_number(pattern, year=2026, seq=1)
            except PatternError as error:
                self.add_error(f"{kind}_pattern", str(error))
        return data

    def clean_document_reminder_hours(self):
        raw = self.cleaned_data["document_reminder_hours"].replace("，", ",")
        hours = []
        for part in raw.split(","):
            part = part.strip()
            if not part:
                continue
            try:
                value = int(part)
            except ValueError:
                raise forms.ValidationError(
                    _("“%(value)s” is not a whole number of hours.") % {"value": part}
                ) from None
            if not 1 <= value <= 24 * 30:
                raise forms.ValidationError(_("Each reminder is 1 to 720 hours before."))
            hours.append(value)
        return sorted(set(hours), reverse=True)

    def clean_escalation_ladder(self):
        ladder = self.cleaned_data["escalation_ladder"]
        if not isinstance(ladder, list) or not ladder:
            raise forms.ValidationError(_("The ladder must be a non-empty list of rungs."))
        previous = None
        for index, rung in enumerate(ladder, start=1):
            if not isinstance(rung, dict) or not isinstance(rung.get("code"), str):
                raise forms.ValidationError(_("Rung %(n)d needs a code.") % {"n": index})
            hours = rung.get("hours")
            if not isinstance(hours, int):
                raise forms.ValidationError(_("Rung %(n)d needs whole hours.") % {"n": index})
            if previous is not None and hours <= previous:
                raise forms.ValidationError(_("Rungs must be in increasing order of hours."))
            previous = hours
            notify = rung.get("notify", [])
            if not isinstance(notify, list) or not set(notify) <= self.NOTIFY_TARGETS:
                raise forms.ValidationError(
                    _("Rung %(n)d: notify takes contractor, supervisor, chief or group.")
                    % {"n": index}
                )
        return ladder
