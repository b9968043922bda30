"""API: the user's own notifications (list, mark read) and to-dos."""

import datetime

from django.contrib.contenttypes.models import ContentType
from ninja import Field, Router, Schema
from ninja.pagination import PageNumberPagination, paginate

from .selectors import notification_for_user, notifications_for
from .services import notification_mark_read, notifications_mark_all_read
from .todos import todos_for

router = Router(tags=["notifications"])


class NotificationOut(Schema):
    id: int
    kind: str
    title: str
    body: str
    url: str
    object_type: str | None = None
    object_id: int | None
    created_at: datetime.datetime
    read_at: datetime.datetime | None
    unread: bool = Field(..., alias="is_unread")

    @staticmethod
    def resolve_object_type(obj):
        if not obj.content_type_id:
            return None
        content_type = ContentType.objects.get_for_id(obj.content_type_id)  # cached
        return f"{content_type.app_label}.{content_type.model}"


class ReadAllOut(Schema):
    updated: int


class TodoOut(Schema):
    kind_label: str
    title: str
    url: str
    due: datetime.datetime | None
    overdue: bool
    detail: str
    icon: str

    @staticmethod
    def resolve_kind_label(obj):
        return str(obj.kind_label)

    @staticmethod
    def resolve_title(obj):
        return str(obj.title)

    @staticmethod
    def resolve_detail(obj):
        return str(obj.detail)


@router.get(
    "/notifications",
    response=list[NotificationOut],
    summary="My notifications, unread first (?unread=1 for only the unread)",
)
@paginate(PageNumberPagination)
def notification_list(request, unread: bool = False):
    return notifications_for(request.auth, unread_only=unread)


@router.post(
    "/notifications/read-all", response=ReadAllOut, summary="Mark all my notifications read"
)
def notification_read_all(request):
    return {"updated": notifications_mark_all_read(user=request.auth)}


@router.post(
    "/notifications/{notification_id}/read",
    response=NotificationOut,
    summary="Mark one of my notifications read",
)
def notification_read(request, notification_id: int):
    notification = notification_for_user(request.auth, notification_id)
    return notification_mark_read(notification=notification, by=request.auth)


@router.get("/todos", response=list[TodoOut], summary="My to-dos, overdue first")
def todo_list(request):
    return todos_for(request.auth)
