from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ProjectsConfig(AppConfig):
    """The project registry (工程信息): projects, participants and key people."""

    name = "anjian.projects"
    label = "projects"
    verbose_name = _("Projects")
