"""Template context: the signed-in user's unread notification count for the navigation bar."""


def unread(request):
    """`unread_notifications`: counted lazily, at most once per request, never for anonymous."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}

    def count() -> int:
        cached = getattr(request, "_unread_notifications", None)
        if cached is None:
            from .selectors import unread_count

            cached = request._unread_notifications = unread_count(user)
        return cached

    return {"unread_notifications": count}
