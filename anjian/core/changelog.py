"""Write a ChangeLogEntry for every save and delete of a ChangeLoggedModel.

Signal handlers run inside the caller's transaction, so the entry is committed (or rolled back)
with the change it describes. The actor and request id come from `core.context`.
"""

import datetime
import decimal
import uuid

from django.contrib.contenttypes.models import ContentType
from django.db.models.signals import post_delete, post_save, pre_save
from django.dispatch import receiver

from .context import current_actor, current_request_id
from .models import ChangeLogEntry, ChangeLoggedModel

SECRET_MARK = "******"


def _json_value(value):
    if isinstance(value, datetime.datetime | datetime.date | datetime.time):
        return value.isoformat()
    if isinstance(value, decimal.Decimal):
        return str(value)
    if isinstance(value, uuid.UUID):
        return str(value)
    if hasattr(value, "name") and hasattr(value, "storage"):  # FieldFile
        return value.name or None
    return value


def snapshot(instance) -> dict:
    """A JSON-safe dict of the instance's concrete fields (foreign keys as ids)."""
    data = {}
    for field in instance._meta.concrete_fields:
        if field.name in instance.changelog_exclude or field.attname in instance.changelog_exclude:
            continue
        value = getattr(instance, field.attname)
        if field.name in instance.changelog_secret:
            value = SECRET_MARK if value else ""
        data[field.attname] = _json_value(value)
    return data


def _is_logged(sender) -> bool:
    return issubclass(sender, ChangeLoggedModel)


@receiver(pre_save)
def remember_before(sender, instance, raw=False, **kwargs):
    """Keep the stored row's snapshot so post_save can record before/after."""
    if raw or not _is_logged(sender):
        return
    instance._changelog_before = None
    if instance.pk is not None and not instance._state.adding:
        stored = sender._base_manager.filter(pk=instance.pk).first()
        if stored is not None:
            instance._changelog_before = snapshot(stored)


def _write(instance, action, before, after):
    actor = current_actor.get()
    parent = instance.changelog_parent()
    ChangeLogEntry.objects.create(
        actor=actor if actor is not None and actor.pk else None,
        actor_name=(actor.get_full_name() or actor.username) if actor is not None else "",
        request_id=current_request_id.get(),
        action=action,
        content_type=ContentType.objects.get_for_model(instance),
        object_id=str(instance.pk),
        object_repr=str(instance)[:255],
        related_content_type=(
            ContentType.objects.get_for_model(parent) if parent is not None else None
        ),
        related_object_id=str(parent.pk) if parent is not None else "",
        before=before,
        after=after,
    )


@receiver(post_save)
def log_save(sender, instance, created, raw=False, **kwargs):
    """Record a create, or an update that changed at least one logged field."""
    if raw or not _is_logged(sender):
        return
    after = snapshot(instance)
    if created:
        _write(instance, ChangeLogEntry.Action.CREATE, None, after)
        return
    before = getattr(instance, "_changelog_before", None)
    if before == after:
        return
    _write(instance, ChangeLogEntry.Action.UPDATE, before, after)


@receiver(post_delete)
def log_delete(sender, instance, **kwargs):
    """Record a delete with the last state of the object."""
    if not _is_logged(sender):
        return
    _write(instance, ChangeLogEntry.Action.DELETE, snapshot(instance), None)
