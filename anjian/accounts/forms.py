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
