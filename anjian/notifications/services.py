"""Writes for notifications: send them (in the inbox, and by e-mail after commit), mark read.

Notifications are a log of their own (one row per recipient, never edited except for the
read and e-mailed times), so they are plain models without change-log entries.
"""

import logging
from collections.abc import Iterable

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.core.mail import EmailMessage, get_connection
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from anjian.core.errors import PermissionDenied

from .models import Notification

logger = logging.getLogger(__name__)

__all__ = [
    "notification_mark_read",
    "notification_send_emails",
    "notifications_mark_all_read",
    "notify",
    "notify_many",
    "notify_many_on_commit",
]


def _user_ids(users: Iterable) -> set[int]:
    ids = set()
    for user in users or ():
        if user is None:
            continue
        pk = user if isinstance(user, int) else getattr(user, "pk", None)
        if pk:
            ids.add(pk)
    return ids


def notify(
    *,
    users: Iterable,
    title: str,
    body: str = "",
    url: str = "",
    obj=None,
    kind: str = "info",
    key: str = "",
    email: bool = True,
) -> int:
    """Create one notification per active user in `users` and e-mail them after commit.

    With a `key`, a user who already has a notification with that key gets no second one, even
    when two runners send it at the same moment (a unique constraint with ignore_conflicts).
    Returns how many notifications were created.
    """
    ids = _user_ids(users)
    if not ids:
        return 0
    recipients = list(
        get_user_model()
        .objects.filter(pk__in=ids, is_active=True)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    key = (key or "")[:200]
    with transaction.atomic():
        if key and recipients:
            already = set(
                Notification.objects.filter(key=key, user_id__in=recipients).values_list(
                    "user_id", flat=True
                )
            )
            recipients = [pk for pk in recipients if pk not in already]
        if not recipients:
            return 0
        now = timezone.now()
        content_type = ContentType.objects.get_for_model(obj) if obj is not None else None
        rows = [
            Notification(
                user_id=pk,
                kind=(kind or "info")[:60],
                title=str(title)[:200],
                body=str(body or ""),
                url=str(url or "")[:500],
                content_type=content_type,
                object_id=obj.pk if obj is not None else None,
                key=key,
                created_at=now,
            )
            for pk in recipients
        ]
        if key:
            # A concurrent runner may have inserted some of these rows since the check above:
            # the constraint drops them, and the rows of this call are found by their time.
            Notification.objects.bulk_create(rows, ignore_conflicts=True)
            created = list(
                Notification.objects.filter(
                    key=key, user_id__in=recipients, created_at=now
                ).values_list("pk", flat=True)
            )
        else:
            created = [row.pk for row in Notification.objects.bulk_create(rows)]
        if email and created:
            transaction.on_commit(lambda: notification_send_emails(pks=created), robust=True)
    return len(created)


def _absolute(url: str) -> str:
    if not url or url.startswith(("http://", "https://")):
        return url
    base = getattr(settings, "ANJIAN_BASE_URL", "").rstrip("/")
    return f"{base}{url}"


def _message(notification: Notification) -> EmailMessage:
    with translation.override(settings.LANGUAGE_CODE):
        lines = [notification.body] if notification.body else []
        if notification.url:
            lines.append(_("Open: %(url)s") % {"url": _absolute(notification.url)})
        lines.append(
            _("You also find this message in the notifications of %(site)s.")
            % {"site": settings.ANJIAN_SITE_NAME}
        )
        subject = f"【{_('Anjian')}】{notification.title}"
    return EmailMessage(
        subject=subject.replace("\n", " "),
        body="\n\n".join(lines),
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[notification.user.email],
    )


def notification_send_emails(*, pks: Iterable[int]) -> int:
    """E-mail the given notifications to recipients with an address; set their emailed_at.

    Each row is claimed with a conditional update before it is sent, so no message goes out
    twice; rows whose sending failed are released for a later attempt. Returns how many were sent.
    """
    rows = list(
        Notification.objects.filter(pk__in=list(pks), emailed_at__isnull=True)
        .exclude(user__email="")
        .select_related("user")
    )
    now = timezone.now()
    claimed = [
        row
        for row in rows
        if Notification.objects.filter(pk=row.pk, emailed_at__isnull=True).update(emailed_at=now)
    ]
    if not claimed:
        return 0
    try:
        sent = get_connection().send_messages([_message(row) for row in claimed]) or 0
    except Exception:
        logger.exception("Sending %d notification e-mails failed", len(claimed))
        Notification.objects.filter(pk__in=[row.pk for row in claimed], emailed_at=now).update(
            emailed_at=None
        )
        return 0
    return sent


def notification_mark_read(*, notification: Notification, by) -> Notification:
    """Mark one of `by`'s own notifications read (nothing changes if it already is)."""
    if notification.user_id != by.pk:
        raise PermissionDenied(_("This notification is addressed to someone else."))
    if notification.read_at is None:
        now = timezone.now()
        Notification.objects.filter(pk=notification.pk, read_at__isnull=True).update(read_at=now)
        notification.read_at = now
    return notification


def notifications_mark_all_read(*, user) -> int:
    """Mark every unread notification of `user` read; returns how many changed."""
    return Notification.objects.filter(user=user, read_at__isnull=True).update(
        read_at=timezone.now()
    )


def notify_many(items: Iterable[dict]) -> int:
    """Many notifications at once (a document to hundreds of inboxes): each item takes the
    keyword arguments of `notify` (users, title, body, url, obj, kind, key). A fixed number of
    queries however many items: active users and already-sent keys are read once, rows are
    inserted in one batch and e-mailed after commit. Returns how many were created."""
    items = [item for item in items if item.get("users")]
    if not items:
        return 0
    wanted = set()
    for item in items:
        wanted |= _user_ids(item["users"])
    active = set(
        get_user_model().objects.filter(pk__in=wanted, is_active=True).values_list("pk", flat=True)
    )
    keys = {(item.get("key") or "")[:200] for item in items} - {""}
    already = set()
    if keys:
        already = set(
            Notification.objects.filter(key__in=keys, user_id__in=active).values_list(
                "user_id", "key"
            )
        )
    now = timezone.now()
    content_types = {}
    keyed, plain = [], []
    for item in items:
        key = (item.get("key") or "")[:200]
        obj = item.get("obj")
        content_type = None
        if obj is not None:
            model = type(obj)
            if model not in content_types:
                content_types[model] = ContentType.objects.get_for_model(obj)
            content_type = content_types[model]
        for pk in sorted(_user_ids(item["users"]) & active):
            if key and (pk, key) in already:
                continue
            row = Notification(
                user_id=pk,
                kind=(item.get("kind") or "info")[:60],
                title=str(item["title"])[:200],
                body=str(item.get("body") or ""),
                url=str(item.get("url") or "")[:500],
                content_type=content_type,
                object_id=obj.pk if obj is not None else None,
                key=key,
                created_at=now,
            )
            (keyed if key else plain).append(row)
            if key:
                already.add((pk, key))
    created = []
    with transaction.atomic():
        if plain:
            created += [row.pk for row in Notification.objects.bulk_create(plain)]
        if keyed:
            Notification.objects.bulk_create(keyed, ignore_conflicts=True)
            created += list(
                Notification.objects.filter(
                    created_at=now, key__in={row.key for row in keyed}
                ).values_list("pk", flat=True)
            )
        if created:
            transaction.on_commit(lambda: notification_send_emails(pks=created), robust=True)
    return len(created)


def notify_many_on_commit(items: Iterable[dict]) -> None:
    """`notify_many(items)` once the current transaction commits (nothing if it rolls back)."""
    items = list(items)
    transaction.on_commit(lambda: notify_many(items))


def notify_on_commit(**kwargs) -> None:
    """`notify(**kwargs)` once the current transaction commits (nothing if it rolls back)."""
    transaction.on_commit(lambda: notify(**kwargs))
