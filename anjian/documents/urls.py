from django.urls import path

from .views import inbox as i
from .views import outgoing as o
from .views import submissions as s
from .views import tracking as t

app_name = "documents"

urlpatterns = [
    # the sender's side: drafting, approval, sending (views/outgoing.py); the document page with
    # its tracking table, export, PDF and attachments (views/tracking.py)
    path("documents/", o.document_list, name="list"),
    path("documents/new/", o.document_new, name="new"),
    path("documents/archive/", o.archive, name="archive"),
    path("documents/audience-preview/", o.audience_preview, name="audience_preview"),
    path("documents/<int:pk>/", t.document_detail, name="detail"),
    path("documents/<int:pk>/edit/", o.document_edit, name="edit"),
    path("documents/<int:pk>/act/<str:action>/", o.document_action, name="act"),
    path("documents/<int:pk>/tracking.xlsx", t.tracking_export, name="tracking_export"),
    path("documents/<int:pk>/document.pdf", t.document_pdf, name="pdf"),
    path("documents/attachments/<int:pk>/", t.attachment_download, name="attachment"),
    path("documents/attachments/<int:pk>/delete/", t.attachment_delete, name="attachment_delete"),
    # the recipient's side: inbox, 签收, reply (views/inbox.py)
    path("inbox/", i.inbox_list, name="inbox"),
    path("inbox/<int:pk>/", i.inbox_detail, name="inbox_detail"),
    path("inbox/<int:pk>/sign/", i.inbox_sign, name="inbox_sign"),
    path("inbox/<int:pk>/reply/", i.inbox_reply, name="inbox_reply"),
    # incoming submissions, 收文 (views/submissions.py)
    path("submissions/", s.submission_list, name="submissions"),
    path("submissions/new/", s.submission_new, name="submission_new"),
    path("submissions/<int:pk>/", s.submission_detail, name="submission_detail"),
    path("submissions/<int:pk>/handle/", s.submission_handle, name="submission_handle"),
]
