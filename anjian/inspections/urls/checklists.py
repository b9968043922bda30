from django.urls import path

from ..views import checklists as v

urlpatterns = [
    path("checklists/", v.template_list, name="template_list"),
    path("checklists/new/", v.template_create, name="template_create"),
    path("checklists/import/", v.template_import, name="template_import"),
    path("checklists/import/sample.xlsx", v.template_import_sample, name="template_import_sample"),
    path("checklists/<int:pk>/", v.template_detail, name="template_detail"),
    path("checklists/<int:pk>/preview/", v.template_preview, name="template_preview"),
    path("checklists/<int:pk>/edit/", v.template_edit, name="template_edit"),
    path("checklists/<int:pk>/export.xlsx", v.template_export, name="template_export"),
    path("checklists/<int:pk>/new-version/", v.template_new_version, name="template_new_version"),
    path("checklists/<int:pk>/publish/", v.template_publish, name="template_publish"),
    path("checklists/<int:pk>/delete/", v.template_delete, name="template_delete"),
    path("checklists/<int:pk>/sections/new/", v.section_create, name="section_create"),
    path("checklists/<int:pk>/sections/<int:section_pk>/", v.section_edit, name="section_edit"),
    path(
        "checklists/<int:pk>/sections/<int:section_pk>/delete/",
        v.section_delete,
        name="section_delete",
    ),
    path(
        "checklists/<int:pk>/sections/<int:section_pk>/move/",
        v.section_move,
        name="section_move",
    ),
    path(
        "checklists/<int:pk>/sections/<int:section_pk>/items/new/",
        v.item_create,
        name="item_create",
    ),
    path("checklists/<int:pk>/items/<int:item_pk>/", v.item_edit, name="item_edit"),
    path("checklists/<int:pk>/items/<int:item_pk>/delete/", v.item_delete, name="item_delete"),
    path("checklists/<int:pk>/items/<int:item_pk>/move/", v.item_move, name="item_move"),
]
