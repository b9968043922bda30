from django.urls import path

from .views import district as d
from .views import work as w

app_name = "dangerous_works"

urlpatterns = [
    # the district view, the project tab, the threshold table (views/district.py)
    path("dangerous-works/", d.work_list, name="list"),
    path("dangerous-works/map.json", d.map_data, name="map_data"),
    path("dangerous-works/export.xlsx", d.export, name="export"),
    path("dangerous-works/classify/", d.classify_preview, name="classify"),
    path("dangerous-works/thresholds/", d.thresholds, name="thresholds"),
    path("dangerous-works/thresholds/<int:rule_pk>/", d.threshold_edit, name="threshold_edit"),
    path("dangerous-works/categories/<str:category>/", d.category_edit, name="category_edit"),
    path("projects/<int:pk>/dangerous-works/", d.project_tab, name="project_tab"),
    # one work (views/work.py)
    path("projects/<int:pk>/dangerous-works/new/", w.register, name="register"),
    path("dangerous-works/<int:pk>/", w.detail, name="detail"),
    path("dangerous-works/<int:pk>/edit/", w.edit, name="edit"),
    path("dangerous-works/<int:pk>/act/<str:action>/", w.act, name="act"),
    path("dangerous-works/<int:pk>/documents/", w.document_upload, name="document_upload"),
    path("dangerous-works/<int:pk>/readings/", w.reading_add, name="reading_add"),
    path("dangerous-works/<int:pk>/patrols/", w.patrol_add, name="patrol_add"),
    path("dangerous-works/<int:pk>/site-started/", w.site_started, name="site_started"),
    path("dangerous-works/documents/<int:pk>/", w.document, name="document"),
    path("dangerous-works/signatures/<int:pk>.png", w.signature_image, name="signature"),
    path("dangerous-works/readings/<int:pk>/handle/", w.alarm_handle, name="alarm_handle"),
]
