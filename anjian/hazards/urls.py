from django.urls import path

from . import views as v

app_name = "hazards"

urlpatterns = [
    path("hazards/", v.ledger_page, name="ledger"),
    path("hazards/export.xlsx", v.ledger_export, name="ledger_export"),
    path("hazards/<int:pk>/", v.hazard_detail, name="detail"),
    path("hazards/<int:pk>/reply/", v.hazard_reply, name="reply"),
    path("hazards/<int:pk>/act/<str:action>/", v.hazard_action, name="act"),
    path("hazards/photos/<int:photo_pk>/<str:variant>/", v.hazard_photo, name="photo"),
    path("notices/<int:pk>/", v.notice_detail, name="notice_detail"),
    path("notices/<int:pk>/receive/", v.notice_receive, name="notice_receive"),
    path("notices/<int:pk>/reply-sign/", v.notice_reply_sign, name="notice_reply_sign"),
    path("notices/<int:pk>/resumption/", v.resumption_apply, name="resumption_apply"),
    path(
        "notices/<int:pk>/resumption/<int:application_pk>/review/",
        v.resumption_review,
        name="resumption_review",
    ),
    path("notices/<int:pk>/notice.pdf", v.notice_pdf, name="notice_pdf"),
    path("notices/<int:pk>/reply.pdf", v.reply_pdf, name="reply_pdf"),
    path("letters/<int:pk>/letter.pdf", v.letter_pdf, name="letter_pdf"),
    path("projects/<int:pk>/hazards/", v.project_tab, name="project_tab"),
]
