from django.urls import path

from . import views

app_name = "projects"

urlpatterns = [
    path("projects/", views.project_list, name="list"),
    path("projects/export.xlsx", views.project_export, name="export"),
    path("projects/import/", views.project_import, name="import"),
    path("projects/import/template.xlsx", views.import_template, name="import_template"),
    path("projects/new/", views.project_edit, name="create"),
    path("projects/<int:pk>/", views.project_detail, name="detail"),
    path("projects/<int:pk>/edit/", views.project_edit, name="edit"),
    path("projects/<int:pk>/participants/", views.project_participants, name="participants"),
    path("projects/<int:pk>/participants/add/", views.participant_create, name="participant_add"),
    path(
        "projects/<int:pk>/participants/<int:participant_pk>/delete/",
        views.participant_delete,
        name="participant_delete",
    ),
    path("projects/<int:pk>/people/", views.project_people, name="people"),
    path("projects/<int:pk>/people/add/", views.member_edit, name="member_add"),
    path("projects/<int:pk>/people/<int:member_pk>/edit/", views.member_edit, name="member_edit"),
    path(
        "projects/<int:pk>/people/<int:member_pk>/delete/",
        views.member_delete,
        name="member_delete",
    ),
    path("projects/<int:pk>/history/", views.project_history, name="history"),
]
