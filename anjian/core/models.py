"""Base models, regions (district and streets) and the append-only change log."""

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class TimeStampedModel(models.Model):
    """Abstract model with creation and modification times."""

    created_at = models.DateTimeField(_("created at"), default=timezone.now, editable=False)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        abstract = True


class ChangeLoggedModel(TimeStampedModel):
    """Abstract model whose every create, update and delete is written to the change log."""

    changelog_exclude: tuple[str, ...] = ("updated_at",)
    changelog_secret: tuple[str, ...] = ()

    class Meta:
        abstract = True

    def changelog_parent(self):
        """The object whose history tab also shows this object's changes (or None)."""
        return None


class District(models.Model):
    """An administrative district (区), identified by its 6-digit area code."""

    province = models.CharField(_("province"), max_length=40)
    city = models.CharField(_("city"), max_length=40)
    name = models.CharField(_("district"), max_length=40)
    area_code = models.CharField(_("area code"), max_length=6, unique=True)

    class Meta:
        verbose_name = _("district")
        verbose_name_plural = _("districts")
        ordering = ["area_code"]

    def __str__(self):
        return f"{self.city}{self.name}"


class Street(models.Model):
    """A street or town (街道/镇) inside a district: the unit of jurisdiction."""

    district = models.ForeignKey(District, on_delete=models.PROTECT, related_name="streets")
    name = models.CharField(_("street"), max_length=40)
    code = models.CharField(_("street code"), max_length=12, blank=True)
    longitude = models.DecimalField(
        _("longitude"), max_digits=9, decimal_places=6, null=True, blank=True
    )
    latitude = models.DecimalField(
        _("latitude"), max_digits=9, decimal_places=6, null=True, blank=True
    )

    class Meta:
        verbose_name = _("street")
        verbose_name_plural = _("streets")
        ordering = ["district", "code", "name"]
        constraints = [
            models.UniqueConstraint(fields=["district", "name"], name="street_unique_in_district")
        ]

    def __str__(self):
        return self.name


class ChangeLogQuerySet(models.QuerySet):
    """Change-log rows can be read and added, never updated or deleted."""

    def update(self, **kwargs):
        raise PermissionError("The change log is append-only.")

    def delete(self):
        raise PermissionError("The change log is append-only.")


class ChangeLogEntry(models.Model):
    """One create, update or delete of a change-logged object: who, when, before and after."""

    class Action(models.TextChoices):
        CREATE = "create", _("Created")
        UPDATE = "update", _("Updated")
        DELETE = "delete", _("Deleted")

    at = models.DateTimeField(_("time"), default=timezone.now, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("actor"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    actor_name = models.CharField(_("actor name"), max_length=150, blank=True)
    request_id = models.CharField(_("request id"), max_length=64, blank=True, db_index=True)
    action = models.CharField(_("action"), max_length=10, choices=Action.choices)
    content_type = models.ForeignKey(ContentType, on_delete=models.PROTECT, related_name="+")
    object_id = models.CharField(max_length=64)
    object = GenericForeignKey("content_type", "object_id")
    object_repr = models.CharField(_("object"), max_length=255)
    related_content_type = models.ForeignKey(
        ContentType, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    related_object_id = models.CharField(max_length=64, blank=True)
    before = models.JSONField(_("before"), null=True, blank=True)
    after = models.JSONField(_("after"), null=True, blank=True)

    objects = ChangeLogQuerySet.as_manager()

    class Meta:
        verbose_name = _("change log entry")
        verbose_name_plural = _("change log")
        ordering = ["-at", "-id"]
        indexes = [
            models.Index(fields=["content_type", "object_id", "-at"], name="changelog_object"),
            models.Index(
                fields=["related_content_type", "related_object_id", "-at"],
                name="changelog_related",
            ),
        ]

    def __str__(self):
        return f"{self.get_action_display()} {self.object_repr}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise PermissionError("The change log is append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise PermissionError("The change log is append-only.")

    def changed_fields(self) -> list[tuple[str, object, object]]:
        """The (field, before, after) triples that differ between the two snapshots."""
        before = self.before or {}
        after = self.after or {}
        keys = list(dict.fromkeys([*before.keys(), *after.keys()]))
        return [(k, before.get(k), after.get(k)) for k in keys if before.get(k) != after.get(k)]


class DocumentSequence(models.Model):
    """The last serial number used per agency, document kind and year (locked when drawn)."""

    agency = models.ForeignKey("accounts.Organization", on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=40)
    year = models.PositiveSmallIntegerField()
    last = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["agency", "kind", "year"], name="sequence_unique")
        ]

    def __str__(self):
        return f"{self.kind} {self.year}: {self.last}"
