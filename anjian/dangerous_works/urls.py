from django.urls import path

from . import views as v

app_name = "dangerous_works"

urlpatterns = [
    path("dangerous-works/", v.work_list, name="list"),
    path("dangerous-works/<int:pk>/", v.work_detail, name="detail"),
    path("dangerous-works/documents/<int:pk>/", v.document, name="document"),
    path("projects/<int:pk>/dangerous-works/", v.project_tab, name="project_tab"),
]
