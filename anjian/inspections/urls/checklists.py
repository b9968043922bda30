from django.urls import path

from ..views import checklists

urlpatterns = [
    path("checklists/", checklists.template_list, name="template_list"),
    path("checklists/<int:pk>/", checklists.template_detail, name="template_detail"),
]
