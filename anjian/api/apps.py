from django.apps import AppConfig


class ApiConfig(AppConfig):
    """Mounts every app's django-ninja router under /api/v1/."""

    name = "anjian.api"
    label = "api"
