from django.urls import path

from ..views import records as v

urlpatterns = [
    path("inspections/", v.inspection_list, name="list"),
    path("inspections/start/", v.inspection_start, name="start"),
    path("inspections/<int:pk>/", v.inspection_detail, name="detail"),
    path("inspections/<int:pk>/items/<int:item_pk>/", v.answer, name="answer"),
    path(
        "inspections/<int:pk>/sections/<int:section_pk>/mark/", v.section_mark, name="section_mark"
    ),
    path("inspections/<int:pk>/notes/", v.notes, name="notes"),
    path("inspections/<int:pk>/photos/", v.photo_upload, name="photo_upload"),
    path(
        "inspections/<int:pk>/photos/<int:photo_pk>/<str:variant>/",
        v.photo_file,
        name="photo_file",
    ),
    path("inspections/<int:pk>/findings/", v.finding_create, name="finding_create"),
    path("inspections/<int:pk>/findings/<int:finding_pk>/", v.finding_edit, name="finding_edit"),
    path(
        "inspections/<int:pk>/findings/<int:finding_pk>/delete/",
        v.finding_delete,
        name="finding_delete",
    ),
    path("inspections/<int:pk>/sign/", v.sign, name="sign"),
    path(
        "inspections/<int:pk>/signatures/<int:signature_pk>.png",
        v.signature_file,
        name="signature_file",
    ),
    path("inspections/<int:pk>/finish/", v.finish, name="finish"),
    path("inspections/<int:pk>/reopen/", v.reopen, name="reopen"),
    path("inspections/<int:pk>/record.pdf", v.record_pdf, name="pdf"),
    path("verify/<uuid:token>/", v.verify, name="verify"),
    path("projects/<int:pk>/inspections/", v.project_tab, name="project_tab"),
]
