"""Reads shared by every app: an object's change history."""

from django.contrib.contenttypes.models import ContentType
from django.db.models import Q

from .models import ChangeLogEntry


def history_for(obj, limit: int = 200):
    """Change-log entries of `obj` and of the objects that name it as their parent."""
    ct = ContentType.objects.get_for_model(type(obj))
    entries = (
        ChangeLogEntry.objects.filter(
            Q(content_type=ct, object_id=str(obj.pk))
            | Q(related_content_type=ct, related_object_id=str(obj.pk))
        )
        .select_related("content_type")
        .order_by("-at", "-id")[:limit]
    )
    return [_with_labels(e) for e in entries]


def _with_labels(entry):
    model = entry.content_type.model_class()
    labels = {}
    if model is not None:
        for field in model._meta.concrete_fields:
            labels[field.attname] = str(field.verbose_name)
    entry.model_label = str(model._meta.verbose_name) if model is not None else ""
    entry.changes = [
        (labels.get(key, key), before, after) for key, before, after in entry.changed_fields()
    ]
    return entry
