"""Administrators edit the threshold table and the per-category requirements.

The threshold table is platform-wide (the scope is national, 建办质〔2018〕31号, with local
additions under 37号令); a work's level is recorded when it is registered or edited, so a
change applies to new registrations and to edits, not retroactively (the change log and the
work's timeline show which rule made it what it is).
"""

from decimal import Decimal, InvalidOperation

from django.db import transaction
from django.utils.translation import gettext as _

from anjian.core.errors import DomainError
from anjian.core.errors import PermissionDenied as NotAllowed

from .models import CategorySetting, ThresholdRule


def can_edit_rules(user) -> bool:
    return bool(user.is_authenticated and user.is_active and user.is_admin)


def _require_admin(user):
    if not can_edit_rules(user):
        raise NotAllowed(_("Only administrators may change the threshold table."))


@transaction.atomic
def threshold_update(*, rule: ThresholdRule, by, threshold=None, is_active=None) -> ThresholdRule:
    """Change a rule's threshold value or switch it on or off."""
    _require_admin(by)
    rule = ThresholdRule.objects.select_for_update().get(pk=rule.pk)
    fields = []
    if threshold is not None and rule.op != ThresholdRule.Op.TRUE:
        try:
            value = Decimal(str(threshold).strip())
        except InvalidOperation:
            raise DomainError(_("The threshold must be a number."), field="threshold") from None
        if not value.is_finite() or value <= 0 or value >= Decimal("100000000"):
            raise DomainError(_("The threshold must be greater than 0."), field="threshold")
        rule.threshold = value.quantize(Decimal("0.01"))
        fields.append("threshold")
    if is_active is not None:
        rule.is_active = bool(is_active)
        fields.append("is_active")
    if fields:
        rule.save(update_fields=[*fields, "updated_at"])
    return rule


@transaction.atomic
def category_update(
    *, category: str, by, needs_acceptance: bool, monitoring: str, patrol_hours
) -> CategorySetting:
    """Set whether a category needs acceptance and third-party monitoring, and how often it is
    patrolled. Applies to works registered from now on (a work's own flags stay editable)."""
    _require_admin(by)
    from .services import category_setting

    setting = category_setting(category)
    if setting.category not in dict(CategorySetting._meta.get_field("category").choices):
        raise DomainError(_("Unknown category."), field="category")
    if monitoring not in CategorySetting.Monitoring.values:
        raise DomainError(_("Choose when third-party monitoring is required."), field="monitoring")
    try:
        hours = int(patrol_hours)
    except (TypeError, ValueError):
        raise DomainError(
            _("The patrol interval must be a whole number of hours."), field="patrol_hours"
        ) from None
    if not 1 <= hours <= 720:
        raise DomainError(
            _("The patrol interval must be between 1 and 720 hours."), field="patrol_hours"
        )
    setting.needs_acceptance = bool(needs_acceptance)
    setting.monitoring = monitoring
    setting.patrol_hours = hours
    setting.save()
    return setting
