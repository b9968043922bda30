from django.urls import path

from ..views import plans as v

urlpatterns = [
    path("plans/", v.plan_list, name="plan_list"),
    path("plans/new/", v.plan_create, name="plan_create"),
    path("plans/<int:pk>/", v.plan_detail, name="plan_detail"),
    path("plans/<int:pk>/publish/", v.plan_publish, name="plan_publish"),
    path("plans/<int:pk>/visits/new/", v.visit_create, name="visit_create"),
    path("plans/visits/<int:pk>/", v.visit_edit, name="visit_edit"),
    path("plans/visits/<int:pk>/cancel/", v.visit_cancel, name="visit_cancel"),
    path("plans/coverage/", v.coverage_report, name="coverage"),
    path("plans/draws/", v.draw_list, name="draw_list"),
    path("plans/draws/new/", v.draw_create, name="draw_create"),
    path("plans/draws/<int:pk>/", v.draw_detail, name="draw_detail"),
]
