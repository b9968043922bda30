from django.urls import path

from ..views import plans

urlpatterns = [
    path("plans/", plans.plan_list, name="plan_list"),
]
