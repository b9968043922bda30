"""Root URLs: every app's pages, the API under /api/v1/, i18n and error handlers."""

from django.urls import include, path

from anjian.api.api import api

urlpatterns = [
    path("", include("anjian.core.urls")),
    path("", include("anjian.accounts.urls")),
    path("", include("anjian.projects.urls")),
    path("", include("anjian.inspections.urls")),
    path("", include("anjian.notifications.urls")),
    path("", include("anjian.hazards.urls")),
    path("", include("anjian.dangerous_works.urls")),
    path("", include("anjian.evaluations.urls")),
    path("", include("anjian.documents.urls")),
    path("", include("anjian.stats.urls")),
    path("api/v1/", api.urls),
    path("i18n/", include("django.conf.urls.i18n")),
]


handler403 = "anjian.core.views.error_403"
handler404 = "anjian.core.views.error_404"
handler500 = "anjian.core.views.error_500"
