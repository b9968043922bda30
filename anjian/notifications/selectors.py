"""Reads for notifications: a user's inbox, one notification, the unread count."""

from django.db.models import BooleanField, ExpressionWrapper, Q
from django.http import Http404

from .models import Notification


def notifications_for(user, *, unread_only: bool = False):
    """The user's notifications, unread first, newest first within each."""
    qs = Notification.objects.visible_to(user)
    if unread_only:
        return qs.filter(read_at__isnull=True).order_by("-created_at", "-id")
    return qs.alias(
        unread=ExpressionWrapper(Q(read_at__isnull=True), output_field=BooleanField())
    ).order_by("-unread", "-created_at", "-id")


def notification_for_user(user, pk) -> Notification:
    """One of the user's own notifications; anybody else's is a 404."""
    notification = Notification.objects.visible_to(user).filter(pk=pk).first()
    if notification is None:
        raise Http404
    return notification


def unread_count(user) -> int:
    """How many notifications the user has not read yet (one query)."""
    return Notification.objects.visible_to(user).filter(read_at__isnull=True).count()
