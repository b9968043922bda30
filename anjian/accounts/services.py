"""Writes for accounts: login protection, API tokens, users and organisations."""

import datetime

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from anjian.core.errors import DomainError

from .models import ApiToken, LoginFailure, Organization, User


class LoginLocked(DomainError):
    """Too many failed logins: the account or the address is locked for a while."""

    status_code = 429

    def __init__(self, minutes: int):
        super().__init__(
            _("Too many failed logins. Try again in %(minutes)d minutes.") % {"minutes": minutes}
        )
        self.minutes = minutes


def login_lock_check(*, username: str, address: str | None, now=None) -> None:
    """Raise LoginLocked when the username or the address failed too often recently."""
    now = now or timezone.now()
    window = datetime.timedelta(minutes=settings.LOGIN_LOCKOUT_MINUTES)
    since = now - window
    checks = [
        (LoginFailure.objects.filter(username__iexact=username), settings.LOGIN_MAX_FAILURES),
    ]
    if address:
        checks.append(
            (LoginFailure.objects.filter(address=address), settings.LOGIN_MAX_FAILURES_PER_ADDRESS)
        )
    for failures, limit in checks:
        recent = list(
            failures.filter(at__gt=since).order_by("-at").values_list("at", flat=True)[:limit]
        )
        if len(recent) >= limit:
            # Locked until the window has passed since the limit-th most recent failure.
            unlock_at = recent[-1] + window
            minutes = max(1, int((unlock_at - now).total_seconds() // 60) + 1)
            raise LoginLocked(minutes)


def login_failure_record(*, username: str, address: str | None, now=None) -> None:
    """Remember one failed login."""
    LoginFailure.objects.create(username=username[:150], address=address, at=now or timezone.now())


def login_success_record(*, username: str) -> None:
    """A successful login clears the account's failures."""
    LoginFailure.objects.filter(username__iexact=username).delete()


def api_token_create(*, user: User, name: str) -> tuple[ApiToken, str]:
    """Create a personal API token; returns the row and the key, which is shown only once."""
    name = (name or "").strip()
    if not name:
        raise DomainError(_("Give the token a name."), field="name")
    key = ApiToken.generate_key()
    token = ApiToken.objects.create(
        user=user, name=name[:60], key_prefix=key[:10], key_hash=ApiToken.hash_key(key)
    )
    return token, key


def api_token_revoke(*, token: ApiToken, by: User) -> None:
    """Revoke a token; only its owner or an administrator may."""
    if token.user_id != by.pk and not by.is_admin:
        raise DomainError(_("You cannot revoke this token."))
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at", "updated_at"])


def api_token_authenticate(key: str) -> User | None:
    """The active user owning an active token with this key, or None."""
    if not key or not key.startswith(ApiToken.PREFIX):
        return None
    token = (
        ApiToken.objects.active()
        .select_related("user", "user__organization")
        .filter(key_hash=ApiToken.hash_key(key))
        .first()
    )
    if token is None or not token.user.is_active:
        return None
    now = timezone.now()
    if token.last_used_at is None or now - token.last_used_at > datetime.timedelta(minutes=5):
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token.user


@transaction.atomic
def organization_save(*, organization: Organization, by: User) -> Organization:
    """Validate and save an organisation (create or update)."""
    if not by.can_edit_registry:
        raise DomainError(_("You may not edit organisations."))
    organization.full_clean()
    organization.save()
    return organization


@transaction.atomic
def user_save(*, user: User, by: User, password: str | None = None) -> User:
    """Validate and save a user account; set the password when given."""
    if not by.is_admin:
        raise DomainError(_("Only administrators manage user accounts."))
    if user.pk == by.pk and not user.is_active:
        raise DomainError(_("You cannot deactivate your own account."))
    if password:
        user.set_password(password)
    elif user._state.adding:
        user.set_unusable_password()
    user.full_clean(exclude=["password"])
    user.save()
    return user


@transaction.atomic
def agency_settings_save(*, settings_row, by: User, data: dict):
    """Save an agency's numbering patterns, inspector minimum, deadlines and escalation ladder."""
    if not by.is_admin or by.organization_id != settings_row.agency_id:
        raise DomainError(_("Only the agency's administrators change its settings."))
    from anjian.core.numbering import DEFAULT_PATTERNS

    settings_row.number_patterns = {
        kind: data[f"{kind}_pattern"] for kind in DEFAULT_PATTERNS if f"{kind}_pattern" in data
    }
    settings_row.min_inspectors = data["min_inspectors"]
    settings_row.revisit_days = data["revisit_days"]
    settings_row.deadline_days = {"general": data["general_days"], "major": data["major_days"]}
    settings_row.escalation_ladder = data["escalation_ladder"]
    for field in ("document_sign_days", "document_reminder_hours", "letter_reply_days"):
        if field in data:
            setattr(settings_row, field, data[field])
    settings_row.full_clean()
    settings_row.save()
    return settings_row
